package input

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// MaxPstoreBytes bounds the pstore dumps read at once. A dump must be read
// whole to be put in order; the kernel keeps a few records of a few KiB to
// a few hundred KiB each (ramoops' mem_size, EFI variable space), so the
// bound is generous.
const MaxPstoreBytes = 64 << 20

// ErrPstoreTooLarge is returned by PstoreSet.Add when the dumps exceed
// MaxPstoreBytes.
var ErrPstoreTooLarge = errors.New("pstore dumps larger than 64 MiB")

// A pstoreHeader is the first line of each part of a dump:
// "Oops#1 Part1", "Panic#2 Part3". The number after '#' counts the dumps of
// the boot that wrote them; Part1 holds the newest text of its dump,
// Part2 the text before it, and so on.
type pstoreHeader struct {
	reason string
	count  int
	part   int
}

// parsePstoreHeader parses a part's header line.
func parsePstoreHeader(line []byte) (pstoreHeader, bool) {
	hash := bytes.IndexByte(line, '#')
	if hash <= 0 || hash > 16 {
		return pstoreHeader{}, false
	}
	for _, c := range line[:hash] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return pstoreHeader{}, false
		}
	}
	countText, partText, found := bytes.Cut(line[hash+1:], []byte(" Part"))
	if !found {
		return pstoreHeader{}, false
	}
	count, ok1 := parseDecimal(countText)
	part, ok2 := parseDecimal(partText)
	if !ok1 || !ok2 || count > 1<<30 || part > 1<<30 {
		return pstoreHeader{}, false
	}
	return pstoreHeader{reason: string(line[:hash]), count: int(count), part: int(part)}, true
}

func isPstoreHeader(line []byte) bool {
	_, ok := parsePstoreHeader(line)
	return ok
}

// A pstorePart is one part of a dump, header line included.
type pstorePart struct {
	hdr      pstoreHeader
	numbered bool      // it has a header; text before any header has not
	time     time.Time // when the kernel wrote it (the file's mtime), zero when unknown
	arrival  int       // order of arrival, the last tie-breaker
	text     []byte
}

// A PstoreSet collects the parts of pstore dumps, from files given in any
// order, and writes them back in the order they were logged.
type PstoreSet struct {
	parts []pstorePart
	bytes int
}

// Add reads one pstore file (or several concatenated: each part starts at
// its header line). mtime is the file's modification time, which pstore
// sets to the time the dump was written; zero when unknown.
func (s *PstoreSet) Add(r io.Reader, mtime time.Time) error {
	lr := parse.NewLineReader(r, parse.DefaultMaxLine)
	cur := -1
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.bytes += len(l.Text) + len(l.EOL)
		if s.bytes > MaxPstoreBytes {
			return ErrPstoreTooLarge
		}
		if h, ok := parsePstoreHeader(l.Text); ok && l.Whole {
			s.parts = append(s.parts, pstorePart{hdr: h, numbered: true, time: mtime, arrival: len(s.parts)})
			cur = len(s.parts) - 1
		} else if cur < 0 {
			s.parts = append(s.parts, pstorePart{time: mtime, arrival: len(s.parts)})
			cur = len(s.parts) - 1
		}
		p := &s.parts[cur]
		p.text = append(append(p.text, l.Text...), l.EOL...)
	}
}

// Parts returns the number of parts read.
func (s *PstoreSet) Parts() int { return len(s.parts) }

// sameDumpWindow is how far apart in time two parts of one dump can be
// written: the kernel writes all the parts of a dump at once.
const sameDumpWindow = time.Minute

// A pstoreDump is the parts of one dump.
type pstoreDump struct {
	hdr   pstoreHeader
	time  time.Time
	first int // arrival of its first part
	parts []*pstorePart
	have  map[int]bool // its part numbers
}

// maxCandidates bounds the dumps of the same reason and number a part is
// matched against: any number of parts costs linear time.
const maxCandidates = 8

// dumps groups the parts into dumps: parts with the same reason and count,
// written at about the same time. A boot numbers its dumps from 1, so
// records kept from two boots can both hold an "Oops#1"; a part number
// seen twice, or a time far apart, starts another dump.
func (s *PstoreSet) dumps() []*pstoreDump {
	type key struct {
		reason string
		count  int
	}
	var dumps []*pstoreDump
	byKey := map[key][]*pstoreDump{}
	for i := range s.parts {
		p := &s.parts[i]
		var d *pstoreDump
		k := key{p.hdr.reason, p.hdr.count}
		if p.numbered {
			cands := byKey[k]
			for _, c := range cands[max(0, len(cands)-maxCandidates):] {
				if !c.have[p.hdr.part] && closeInTime(c.time, p.time) {
					d = c
					break
				}
			}
		}
		if d == nil {
			d = &pstoreDump{hdr: p.hdr, time: p.time, first: p.arrival, have: map[int]bool{}}
			if !p.numbered {
				d.hdr.part = -1 // text without a header stays on its own
			} else {
				byKey[k] = append(byKey[k], d)
			}
			dumps = append(dumps, d)
		}
		d.parts = append(d.parts, p)
		d.have[p.hdr.part] = true
		if !p.time.IsZero() && (d.time.IsZero() || p.time.Before(d.time)) {
			d.time = p.time
		}
	}
	// Oldest dump first, so the last crash comes last, as in a log: by the
	// time pstore gave the files when it is known, else by the dump's
	// number within its boot, else as they came.
	slices.SortStableFunc(dumps, func(a, b *pstoreDump) int {
		if !a.time.IsZero() && !b.time.IsZero() {
			if c := a.time.Compare(b.time); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(a.hdr.count, b.hdr.count); c != 0 && a.hdr.part >= 0 && b.hdr.part >= 0 {
			return c
		}
		return cmp.Compare(a.first, b.first)
	})
	for _, d := range dumps {
		// Part1 is the newest text: the highest part comes first.
		slices.SortStableFunc(d.parts, func(a, b *pstorePart) int { return cmp.Compare(b.hdr.part, a.hdr.part) })
	}
	return dumps
}

func closeInTime(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	return d < sameDumpWindow && d > -sameDumpWindow
}

// Reader returns the dumps' text in order: the dumps oldest first, the
// parts of each from the highest part number down, so that the text of a
// dump reads as it was logged. A dump keeps the header of its first part
// ("Oops#1 Part14"); the headers of the parts after it are left out, for
// they would cut its reports in pieces. Nothing else is added or left out.
func (s *PstoreSet) Reader() io.Reader {
	var rs []io.Reader
	for _, d := range s.dumps() {
		for i, p := range d.parts {
			text := p.text
			if i > 0 && p.numbered {
				if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
					text = text[nl+1:]
				} else {
					text = nil
				}
			}
			if len(text) > 0 && text[len(text)-1] != '\n' {
				// The next part must start a line of its own.
				text = append(text[:len(text):len(text)], '\n')
			}
			rs = append(rs, bytes.NewReader(text))
		}
	}
	return io.MultiReader(rs...)
}

// Describe says which dumps the set holds, oldest first: "Oops#1 (parts
// 2-1), Panic#2 (part 1)".
func (s *PstoreSet) Describe() string {
	var b []byte
	for i, d := range s.dumps() {
		if i > 0 {
			b = append(b, ", "...)
		}
		if d.hdr.part < 0 {
			b = append(b, "text without a pstore header"...)
			continue
		}
		b = fmt.Appendf(b, "%s#%d", d.hdr.reason, d.hdr.count)
		hi, lo := d.parts[0].hdr.part, d.parts[len(d.parts)-1].hdr.part
		if hi == lo {
			b = append(b, " (part "...)
			b = strconv.AppendInt(b, int64(hi), 10)
		} else {
			b = fmt.Appendf(b, " (parts %d-%d", hi, lo)
		}
		if missing := d.missing(); missing > 0 {
			b = fmt.Appendf(b, ", %d missing", missing)
		}
		b = append(b, ')')
	}
	return string(b)
}

// missing counts the parts between 1 and the highest that are not there.
func (d *pstoreDump) missing() int {
	hi := d.parts[0].hdr.part
	return max(0, hi-len(d.parts))
}

// pstoreDecoder reads a whole stream of pstore parts, then hands them out
// in order.
type pstoreDecoder struct {
	src   io.Reader
	stats *Stats
	out   io.Reader
}

func (d *pstoreDecoder) next(dst []byte) ([]byte, error) {
	if d.out == nil {
		var set PstoreSet
		if err := set.Add(d.src, time.Time{}); err != nil {
			return dst, err
		}
		d.stats.Records += int64(set.Parts())
		d.out = set.Reader()
	}
	var buf [32 << 10]byte
	n, err := d.out.Read(buf[:])
	return append(dst, buf[:n]...), err
}
