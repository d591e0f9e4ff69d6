package input

import (
	"bytes"
	"strconv"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A kmsgRecord is one record of /dev/kmsg: a header line
// "6,1234,5678901,-,caller=T42;text" and, on the lines after it that start
// with a space, its dictionary (" SUBSYSTEM=acpi", " DEVICE=+acpi:...").
type kmsgRecord struct {
	level    uint8  // the printk level, 0-7
	facility uint8  // the syslog facility (0 for the kernel)
	seq      uint64 // sequence number, one more for every record the kernel logs
	usec     uint64 // microseconds since boot
	flags    byte   // '-', or 'c' for a continuation, '+' for a fragment
	caller   []byte // "T42" or "C1" when the kernel records callers (CONFIG_PRINTK_CALLER)
	text     []byte // still escaped: "\x0a" for a newline, "\x5c" for a backslash
}

// maxKmsgHeader bounds the fields before the ';' of a record; the kernel
// writes about 40 bytes.
const maxKmsgHeader = 128

// parseKmsgHeader parses a record's header line. It accepts what the kernel
// writes since 3.5: four comma-separated fields, then optional "key=value"
// fields (caller= since 5.1), then ';' and the text.
func parseKmsgHeader(line []byte) (kmsgRecord, bool) {
	semi := bytes.IndexByte(line[:min(len(line), maxKmsgHeader)], ';')
	if semi < 0 {
		return kmsgRecord{}, false
	}
	var r kmsgRecord
	fields := line[:semi]
	var nums [3]uint64
	for i := range nums {
		comma := bytes.IndexByte(fields, ',')
		if comma <= 0 {
			return kmsgRecord{}, false
		}
		v, ok := parseDecimal(fields[:comma])
		if !ok {
			return kmsgRecord{}, false
		}
		nums[i], fields = v, fields[comma+1:]
	}
	if nums[0] > 1023 || len(fields) == 0 {
		return kmsgRecord{}, false
	}
	r.level, r.facility = uint8(nums[0]&7), uint8(nums[0]>>3)
	r.seq, r.usec = nums[1], nums[2]
	r.flags = fields[0]
	if r.flags == ',' || r.flags < ' ' || r.flags > '~' {
		return kmsgRecord{}, false
	}
	rest := fields[1:]
	for len(rest) > 0 {
		if rest[0] != ',' {
			return kmsgRecord{}, false
		}
		rest = rest[1:]
		field := rest
		if i := bytes.IndexByte(rest, ','); i >= 0 {
			field, rest = rest[:i], rest[i:]
		} else {
			rest = nil
		}
		if v, ok := bytes.CutPrefix(field, []byte("caller=")); ok && isCaller(v) {
			r.caller = v
		}
	}
	r.text = line[semi+1:]
	return r, true
}

func isKmsgHeader(line []byte) bool {
	_, ok := parseKmsgHeader(line)
	return ok
}

// isCaller accepts a caller id: 'T' and a task id, or 'C' and a CPU.
func isCaller(b []byte) bool {
	if len(b) < 2 || len(b) > 12 || (b[0] != 'T' && b[0] != 'C') {
		return false
	}
	_, ok := parseDecimal(b[1:])
	return ok
}

func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// unescapeKmsg appends text with the kernel's "\xHH" escapes undone: the
// kernel escapes control characters, bytes from 0x7f up and the backslash
// itself, so every byte comes back as printk got it. A backslash that
// starts no escape is kept.
func unescapeKmsg(dst, text []byte) []byte {
	for {
		i := bytes.IndexByte(text, '\\')
		if i < 0 {
			return append(dst, text...)
		}
		dst = append(dst, text[:i]...)
		text = text[i:]
		if len(text) >= 4 && text[1] == 'x' && isHex(text[2]) && isHex(text[3]) {
			dst = append(dst, unhex(text[2])<<4|unhex(text[3]))
			text = text[4:]
			continue
		}
		dst = append(dst, '\\')
		text = text[1:]
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// appendDmesgPrefix appends dmesg's "[   12.345678] " for a time in
// microseconds since boot, with the caller id as the console prints it
// ("[   12.345678][  T123] ").
func appendDmesgPrefix(dst []byte, usec uint64, caller []byte) []byte {
	dst = append(dst, '[')
	secs := strconv.AppendUint(nil, usec/1e6, 10)
	for range 5 - min(5, len(secs)) {
		dst = append(dst, ' ')
	}
	dst = append(dst, secs...)
	dst = append(dst, '.')
	frac := strconv.AppendUint(nil, usec%1e6, 10)
	for range 6 - len(frac) {
		dst = append(dst, '0')
	}
	dst = append(dst, frac...)
	dst = append(dst, ']')
	if len(caller) > 0 {
		dst = append(dst, '[')
		for range 6 - min(6, len(caller)) {
			dst = append(dst, ' ')
		}
		dst = append(dst, caller...)
		dst = append(dst, ']')
	}
	return append(dst, ' ')
}

// appendPrefixedLines appends every line of text, each after prefix and
// ending in a newline: a record with newlines in it comes out as the
// console prints it, one prefixed line per line.
func appendPrefixedLines(dst, prefix, text []byte) []byte {
	for {
		dst = append(dst, prefix...)
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			dst = append(dst, text...)
			return append(dst, '\n')
		}
		dst = append(dst, text[:i+1]...)
		text = text[i+1:]
		if len(text) == 0 {
			return dst
		}
	}
}

// kmsgDecoder prints /dev/kmsg records as dmesg does. Lines that are not
// records pass through unchanged, so a file that is partly text loses
// nothing.
type kmsgDecoder struct {
	lr       *parse.LineReader
	stats    *Stats
	inRecord bool   // the last line was a record (its dictionary may follow)
	prevSeq  uint64 // seq of the last record
	seen     bool   // a record was seen
	prefix   []byte
	text     []byte
}

func (d *kmsgDecoder) next(dst []byte) ([]byte, error) {
	for {
		l, err := d.lr.Next()
		if err != nil {
			return dst, err
		}
		if !l.Whole {
			// A piece of a line longer than any record: not a record.
			d.inRecord = false
			d.stats.Other++
			return append(append(dst, l.Text...), l.EOL...), nil
		}
		if d.inRecord && len(l.Text) > 0 && l.Text[0] == ' ' {
			continue // the record's dictionary: dmesg does not print it either
		}
		r, ok := parseKmsgHeader(l.Text)
		if !ok {
			d.inRecord = false
			d.stats.Other++
			return append(append(dst, l.Text...), l.EOL...), nil
		}
		d.inRecord = true
		d.stats.Records++
		if d.seen && r.seq > d.prevSeq+1 {
			// The reader fell behind and the kernel overwrote these.
			d.stats.Lost += int64(r.seq - d.prevSeq - 1)
		}
		d.seen, d.prevSeq = true, r.seq
		d.prefix = appendDmesgPrefix(d.prefix[:0], r.usec, r.caller)
		d.text = unescapeKmsg(d.text[:0], r.text)
		return appendPrefixedLines(dst, d.prefix, d.text), nil
	}
}
