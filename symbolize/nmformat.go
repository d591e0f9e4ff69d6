package symbolize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// maxSymbolLine bounds one line of a symbol file. Real lines are well under
// 1 KB (kernel symbol names are at most 512 bytes); anything longer means
// the input is not a symbol file.
const maxSymbolLine = 64 << 10

// nmLine is one parsed line of nm-format output ("ADDR TYPE NAME"), with the
// kallsyms module column ("\t[module]") when present.
type nmLine struct {
	addr   uint64
	digits int // width of the address field, for 32/64-bit detection
	typ    byte
	name   []byte
	module []byte
}

// parseNMLine parses "ffffffff81000000 T _stext" and
// "ffffffffc0201000 t oopsdemo_write\t[oopsdemo]". It returns a message
// describing the first problem, or "" when the line is well formed.
func parseNMLine(line []byte, l *nmLine) string {
	i := 0
	var addr uint64
	for i < len(line) {
		v, ok := hexVal(line[i])
		if !ok {
			break
		}
		if i >= 16 {
			return "address longer than 64 bits"
		}
		addr = addr<<4 | uint64(v)
		i++
	}
	if i == 0 {
		return "expected a hexadecimal address at the start of the line"
	}
	if i >= len(line) || line[i] != ' ' {
		return "expected a space after the address"
	}
	l.addr, l.digits = addr, i
	i++
	if i >= len(line) || !isTypeLetter(line[i]) {
		return "expected a symbol type letter after the address"
	}
	l.typ = line[i]
	i++
	if i >= len(line) || line[i] != ' ' {
		return "expected a space after the symbol type"
	}
	i++
	rest := line[i:]
	l.module = nil
	if tab := bytes.IndexByte(rest, '\t'); tab >= 0 {
		mod := bytes.TrimRight(rest[tab+1:], " \t")
		if len(mod) < 3 || mod[0] != '[' || mod[len(mod)-1] != ']' {
			return "expected \"[module]\" after the tab"
		}
		l.module = mod[1 : len(mod)-1]
		rest = rest[:tab]
	}
	rest = bytes.TrimRight(rest, " ")
	if len(rest) == 0 {
		return "missing symbol name"
	}
	for _, c := range rest {
		// Real System.maps have names with control bytes (arm64's
		// "__kvm_nvhe_.L14472\x021"); only NUL and blanks are impossible.
		if c == 0 || c == ' ' || c == '\t' {
			return "symbol name contains a NUL or blank byte"
		}
		// A table finds a name's end at the first CR (nameEnd): a
		// name holding one would be read back cut.
		if c == '\r' {
			return "symbol name contains a carriage return"
		}
	}
	l.name = rest
	return ""
}

// usualTypes says, by type letter, which core symbols of a kallsyms
// ([0]) or a System.map ([1]) become entries: all but the undefined, and
// a System.map's absolute symbols (see nmParser.core and coreBuilder.add).
var usualTypes = func() (u [2][256]bool) {
	for c := range 256 {
		ok := isTypeLetter(byte(c)) && c != 'U' && c != 'u'
		u[0][c] = ok
		u[1][c] = ok && c != 'A' && c != 'a'
	}
	return u
}()

func isTypeLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '?' || c == '-'
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// guessInput names what data is when it is recognisably not a symbol
// file: people pass a log, a vmlinux or a compressed file by mistake. It
// returns "" when it cannot tell.
func guessInput(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return "an ELF file (a vmlinux or a module? give its System.map or /proc/kallsyms instead)"
	case bytes.HasPrefix(data, []byte("\xfd7zXZ\x00")), bytes.HasPrefix(data, []byte("\x1f\x8b")),
		bytes.HasPrefix(data, []byte("\x28\xb5\x2f\xfd")), bytes.HasPrefix(data, []byte("BZh")):
		return "compressed data (decompress it first)"
	}
	head := data[:min(len(data), 512)]
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head[:max(0, len(head)-utf8.UTFMax)]) {
		return "binary data"
	}
	line := head
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	if isLogLine(line) {
		return "a kernel log"
	}
	return ""
}

// isLogLine reports whether line starts like a kernel log line: a printk
// timestamp ("[    0.000000] "), optionally after a "<6>" level, or the
// banner "Linux version ".
func isLogLine(line []byte) bool {
	if len(line) > 3 && line[0] == '<' && line[2] == '>' {
		line = line[3:]
	}
	if bytes.HasPrefix(line, []byte("Linux version ")) {
		return true
	}
	if len(line) < 3 || line[0] != '[' {
		return false
	}
	i := 1
	for i < len(line) && (line[i] == ' ' || line[i] == '.' || line[i] >= '0' && line[i] <= '9') {
		i++
	}
	return i > 1 && i < len(line) && line[i] == ']'
}

func displayName(file string) string {
	if file == "" {
		return "<input>"
	}
	return file
}

// hexDigit maps a byte to its value as a hexadecimal digit, 0xff for
// other bytes.
var hexDigit = func() (d [256]byte) {
	for c := range d {
		v, ok := hexVal(byte(c))
		d[c] = 0xff
		if ok {
			d[c] = v
		}
	}
	return d
}()

// nmParser reads a symbol file in nm format ("ADDR TYPE NAME", with the
// kallsyms module column "\t[module]") in one pass over its bytes,
// straight into a Table: core names stay in the input (their offsets are
// kept, not strings), and core symbols become entries as they are read.
//
// The common line, a core symbol ending in "\n", is read by a fast path
// that stops at the first byte it does not expect; every other line
// (module columns, CRLF, trailing blanks, blank lines, errors) goes
// through parseNMLine, which defines the format and its error messages.
//
// A large file is read in parts side by side, one parser each (see
// parseNM), and the parts joined as one pass would have read them.
type nmParser struct {
	data       []byte
	file, kind string
	systemMap  bool
	// release, when set, is told of the parts of data already read: the
	// caller may drop them from memory (see ParseKallsymsMapped).
	release  func([]byte)
	released int
	window   int // how much is read between two calls of release
	// quit, when set, tells a part read apart that its result is no
	// longer wanted (an earlier part failed).
	quit *atomic.Bool

	t *Table
	b coreBuilder

	digits     int // the width of the padded addresses, 0 before the first
	digitsLine int
	maxAddr    uint64
	nonzero    bool
	parsedAny  bool
	// The first and the previous core symbol, to check the order: nm -n
	// and the kernel both list core symbols by ascending address.
	firstAddr uint64
	lastAddr  uint64
	lastLine  int // 0 before the first core symbol
	lines     int // lines read
	parts     int // how many parts the file was read in
	modules   []moduleSymbols
	modIndex  map[string]int
}

// releaseWindow is how much input is read between two calls of release
// (shared by the parts read side by side). Each call (madvise) costs a
// TLB flush on every core the process runs on, so few are made: the
// input mapped meanwhile, 2 MB at most, stays below what a run maps
// later (its code and the annotation's data), and so out of its peak
// memory, where 512 KB windows cost a run a few percent of its time.
const releaseWindow = 2 << 20

// splitMin is the least input read in parts side by side: a part of
// less pays more for its goroutine and its join than it saves.
const splitMin = 1 << 20

// partsPerWorker is how many parts each processor's reader gets, about:
// the parts are taken in turn, and a reader that starts late (its thread
// is new) takes fewer, where halves would leave the first reader waiting
// for the second.
const partsPerWorker = 4

// errQuit ends a part whose result is no longer wanted.
var errQuit = errors.New("symbolize: part abandoned")

// defaultCuts returns where parseNM cuts data: into partsPerWorker parts
// for each processor to read them, when data is splitMin bytes or more
// for each. nil means one pass.
func defaultCuts(data []byte) []int {
	workers := min(runtime.GOMAXPROCS(0), len(data)/splitMin)
	if workers < 2 {
		return nil
	}
	parts := workers * partsPerWorker
	var cuts []int
	for i := 1; i < parts; i++ {
		cuts = append(cuts, len(data)/parts*i)
	}
	return cuts
}

// lineCuts moves each cut to the first line start at or after it, in
// ascending order, dropping those at either end of data and duplicates.
func lineCuts(data []byte, cuts []int) []int {
	cuts = slices.Sorted(slices.Values(cuts))
	var out []int
	for _, c := range cuts {
		if c <= 0 || c >= len(data) {
			continue
		}
		if data[c-1] != '\n' {
			nl := bytes.IndexByte(data[c:], '\n')
			if nl < 0 {
				break
			}
			c += nl + 1
		}
		if c < len(data) && (len(out) == 0 || c > out[len(out)-1]) {
			out = append(out, c)
		}
	}
	return out
}

// lineLength returns the average length of the lines of data, from those
// of its first 64 KB. The first lines of a kallsyms or System.map are
// among its shortest (per-CPU and early text symbols; module lines, the
// longest, come last), so it errs towards more lines.
func lineLength(data []byte) int {
	head := data[:min(len(data), 64<<10)]
	return max(1, len(head)/(bytes.Count(head, []byte{'\n'})+1))
}

// estimateLines returns how many lines a part of size bytes probably has,
// with lines of lineLength bytes, and some slack: one entry per line at
// most. Counting them all would be a pass of its own, and sampling each
// part would fault its first pages in one after the other before the
// readers start; too few only costs append a larger array.
func estimateLines(size, lineLength int) int {
	return size/lineLength*21/20 + 64
}

// parseNM reads data, a file of the given kind, cut into parts at cuts
// (nil: defaultCuts) that are read side by side, and returns the parser
// of the first part with everything joined into it and the table's core
// built. The result is that of one pass: a part is joined only when it
// follows on from the parts before it (its first symbol is not below
// their last, its addresses have their width), and otherwise read again
// after them, as one pass would, for the error of its first bad line.
func parseNM(data []byte, file, kind string, order tieOrder, release func([]byte), cuts []int) (*nmParser, error) {
	if uint64(len(data)) > 1<<32-1 {
		return nil, fmt.Errorf("%s: %w: larger than 4 GB", displayName(file), ErrNoSymbols)
	}
	if cuts == nil {
		cuts = defaultCuts(data)
	}
	bounds := append(append([]int{0}, lineCuts(data, cuts)...), len(data))
	// Each part builds its entries in its own stretch of the arrays; the
	// joins move them down behind the previous part's.
	base := make([]int, len(bounds))
	perLine := lineLength(data)
	for i := 1; i < len(bounds); i++ {
		base[i] = base[i-1] + estimateLines(bounds[i]-bounds[i-1], perLine)
	}
	n := base[len(base)-1]
	// One arena for the core's arrays and the name index of their
	// entries, at most n.
	mem := newArena(3*4*n + indexBytes(n))
	full := coreArrays{mem.uint32s(n), mem.uint32s(n), mem.uint32s(n)}
	// data is never written while the table lives: the names are
	// substrings of it.
	text := unsafe.String(unsafe.SliceData(data), len(data))
	parts := make([]*nmParser, len(bounds)-1)
	workers := min(runtime.GOMAXPROCS(0), len(parts))
	var quit atomic.Bool
	for i := range parts {
		lo, hi := base[i], base[i+1]
		t := &Table{text: text, addrs: full.addrs[lo:lo:hi], names: full.names[lo:lo:hi], keys: full.keys[lo:lo:hi]}
		parts[i] = &nmParser{data: data, file: file, kind: kind, systemMap: kind == "System.map", release: release,
			window: releaseWindow / workers, t: t, b: coreBuilder{t: t, order: order}}
		if len(parts) > 1 {
			parts[i].quit = &quit
		}
	}
	p := parts[0]
	p.t.source, p.t.byName = kind+" "+displayName(file), &nameIndex{arena: mem}
	p.parts = len(parts)

	// The parts are taken in order by workers readers, this goroutine
	// one of them: whichever starts first reads more.
	errs := make([]error, len(parts))
	var next atomic.Int32
	read := func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= len(parts) {
				return
			}
			errs[i] = parts[i].run(bounds[i], bounds[i+1])
			if i == 0 && errs[0] != nil {
				quit.Store(true)
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(read)
	}
	read()
	wg.Wait()
	if errs[0] != nil {
		return nil, errs[0]
	}
	p.quit, p.window = nil, releaseWindow
	for i := 1; i < len(parts); i++ {
		if errs[i] != nil || !p.join(parts[i], full, base[i+1]) {
			// Read the rest as one pass does, from where p stopped.
			if err := p.run(bounds[i], len(data)); err != nil {
				return nil, err
			}
			break
		}
	}
	p.b.finish()
	return p, nil
}

// run reads the lines of data[pos:end], which starts and ends at line
// starts, numbering them on from the lines already read.
func (p *nmParser) run(pos, end int) error {
	data := p.data
	p.released = pos
	lineNo := p.lines + 1
	defer func() { p.lines = lineNo - 1 }()
	t := p.t
	usual := &usualTypes[0]
	if p.systemMap {
		usual = &usualTypes[1]
	}
	// The first eight digits of the last sixteen-digit address read, as
	// loaded, and their value: neighbours mostly share them (the kernel
	// spans far less than 4 GB), and then only the last eight are
	// converted. 0 is no digits.
	var head, headVal uint64
	for ; pos < end; lineNo++ {
		if pos-p.released >= p.window {
			if p.release != nil {
				p.release(data[p.released:pos])
			}
			p.released = pos
			if p.quit != nil && p.quit.Load() {
				return errQuit
			}
		}
		// The usual line, read with the least work: a core symbol the
		// kernel prints, above the last one, its address as wide as
		// those before, "ADDR T name\n". It becomes an entry here, with
		// the effects core would have; any other line goes on below.
		// (Its name, shorter than maxSymbolLine, is within core's limit
		// of 0xffff bytes.)
		if d := p.digits; d != 0 && p.lastLine > 0 && pos+d+3 < len(data) && data[pos+d] == ' ' && usual[data[pos+d+1]] && data[pos+d+2] == ' ' {
			var addr uint64
			ok := false
			if lo, okLo := hex8(binary.LittleEndian.Uint64(data[pos+d-8:])); d == 8 {
				addr, ok = uint64(lo), okLo
			} else if w := binary.LittleEndian.Uint64(data[pos:]); w == head {
				addr, ok = headVal|uint64(lo), okLo
			} else if hi, okHi := hex8(w); okHi && okLo {
				head, headVal = w, uint64(hi)<<32
				addr, ok = headVal|uint64(lo), true
			}
			if ns := pos + d + 3; ok && addr > p.lastAddr && data[ns] != '$' {
				k, h, dot := scanName(data, ns)
				if k > ns && (k == len(data) || data[k] == '\n') && k-pos <= maxSymbolLine && !(p.systemMap && unlisted(t.text[ns:k], dot)) {
					p.parsedAny = true
					p.lastAddr, p.lastLine = addr, lineNo
					p.maxAddr = max(p.maxAddr, addr)
					p.nonzero = true // addr is above another
					t.symbols++
					p.b.push(addr, ns, k-ns, data[pos+d+1], h)
					pos = k + 1
					continue
				}
			}
		}
		// The fast path: "HEX T name\n" with no blank or NUL in the name.
		addr, i := hexField(data, pos)
		nd := i - pos
		if nd > 0 && nd <= 16 && i+3 < len(data) && data[i] == ' ' && isTypeLetter(data[i+1]) && data[i+2] == ' ' {
			ns := i + 3
			k, h, _ := scanName(data, ns)
			if k > ns && (k == len(data) || data[k] == '\n') && k-pos <= maxSymbolLine {
				p.parsedAny = true
				if err := p.core(lineNo, addr, nd, data[i+1], ns, k, h); err != nil {
					return err
				}
				pos = k + 1
				continue
			}
		}
		next, err := p.slowLine(lineNo, pos)
		if err != nil {
			return err
		}
		pos = next
	}
	if p.release != nil && p.released < end {
		p.release(data[p.released:end])
	}
	p.released = end
	return nil
}

// coreArrays are the arrays of core entries that the parts of a file
// share.
type coreArrays struct {
	addrs []uint32
	names []uint32
	keys  []uint32
}

// join appends q, the part that follows p's lines, to p, and reports
// whether it could: false, with p unchanged, when one pass would fail at
// q's first symbol (below p's last, or of another address width). q's
// entries are moved into full behind p's when both are still in it and
// fit below limit, the end of q's stretch.
func (p *nmParser) join(q *nmParser, full coreArrays, limit int) bool {
	if p.digits != 0 && q.digits != 0 && p.digits != q.digits ||
		p.lastLine > 0 && q.lastLine > 0 && q.firstAddr < p.lastAddr {
		return false
	}
	off := p.lines
	if p.digits == 0 && q.digits != 0 {
		p.digits, p.digitsLine = q.digits, q.digitsLine+off
	}
	p.maxAddr = max(p.maxAddr, q.maxAddr)
	p.nonzero = p.nonzero || q.nonzero
	p.parsedAny = p.parsedAny || q.parsedAny
	if q.lastLine > 0 {
		if p.lastLine == 0 {
			p.firstAddr = q.firstAddr
		}
		p.lastAddr, p.lastLine = q.lastAddr, q.lastLine+off
	}
	p.lines += q.lines

	t, u := p.t, q.t
	t.symbols += u.symbols
	for i := range anchorNames {
		if t.anchors.have&(1<<i) == 0 && u.anchors.have&(1<<i) != 0 {
			t.anchors.addr[i] = u.anchors.addr[i]
			t.anchors.have |= 1 << i
		}
	}
	if !p.b.hasFirstText {
		p.b.firstText, p.b.hasFirstText = q.b.firstText, q.b.hasFirstText
	}
	qa, qn, qh := u.addrs, u.names, u.keys
	drop := 0
	if k := len(t.names) - 1; k >= 0 && len(qn) > 0 && q.b.fullAt(0) == p.b.last {
		// Aliases on both sides of the cut: each side's entry is the
		// first of its aliases in the kernel's order (add), so the
		// first of the two is.
		if p.b.order == kallsymsOrder && kallsymsBefore(u.typAt(0), u.nameAt(0), t.typAt(k), t.nameAt(k)) {
			t.names[k], t.keys[k] = qn[0], qh[0]
		}
		qa, qn, qh = qa[1:], qn[1:], qh[1:]
		drop = 1
	}
	// q's runs of high address halves, renumbered as its entries are.
	n := len(t.names)
	for _, r := range q.b.highs {
		p.b.noteHigh(max(n, n+r.at-drop), r.hi)
	}
	if len(qn) > 0 {
		p.b.last = q.b.last
	}
	t.addrs = joinPart(full.addrs, t.addrs, qa, limit)
	t.names = joinPart(full.names, t.names, qn, limit)
	t.keys = joinPart(full.keys, t.keys, qh, limit)

	for _, m := range q.modules {
		if i, ok := p.modIndex[m.name]; ok {
			p.modules[i].syms = append(p.modules[i].syms, m.syms...)
			continue
		}
		if p.modIndex == nil {
			p.modIndex = map[string]int{}
		}
		p.modIndex[m.name] = len(p.modules)
		p.modules = append(p.modules, m)
	}
	return true
}

// joinPart returns a followed by b: moved down in full, right behind a,
// when a is still at full's start and the result ends by limit (before
// the next part's stretch); else appended to a (a copy of it when it is
// in full).
func joinPart[T any](full, a, b []T, limit int) []T {
	if unsafe.SliceData(a) == unsafe.SliceData(full) {
		if len(a)+len(b) <= limit {
			copy(full[len(a):len(a)+len(b)], b)
			return full[: len(a)+len(b) : limit]
		}
		a = a[:len(a):len(a)] // append must not write over the next part's
	}
	return append(a, b...)
}

// nameEnd returns the index of the first byte from i on that is a NUL,
// tab, newline, carriage return or space, or len(data). Other control
// bytes are part of names (arm64's "__kvm_nvhe_.L14472\x021").
func nameEnd(data []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for {
		// Eight bytes at a time: the first byte below 0x21 is found
		// exactly (a borrow only runs from a byte that is below).
		for i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			if m := (w - 0x21*ones) &^ w & highs; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(data) && data[i] >= 0x21 {
			i++
		}
		if i == len(data) {
			return i
		}
		switch data[i] {
		case 0, '\t', '\n', '\r', ' ':
			return i
		}
		i++
	}
}

// hexField reads the hexadecimal digits at data[pos:] and returns their
// value (while it fits) and the index of the first other byte. The usual
// fields, 16 or 8 digits and a space, are read eight digits at a time.
func hexField(data []byte, pos int) (uint64, int) {
	if pos+17 <= len(data) && data[pos+16] == ' ' {
		if v, ok := hex16(binary.LittleEndian.Uint64(data[pos:]), binary.LittleEndian.Uint64(data[pos+8:])); ok {
			return v, pos + 16
		}
	} else if pos+9 <= len(data) && data[pos+8] == ' ' {
		if v, ok := hex8(binary.LittleEndian.Uint64(data[pos:])); ok {
			return uint64(v), pos + 8
		}
	}
	i := pos
	var addr uint64
	for i < len(data) && i-pos < 17 {
		v := hexDigit[data[i]]
		if v > 15 {
			break
		}
		addr = addr<<4 | uint64(v)
		i++
	}
	return addr, i
}

// hex8 returns the value of the eight hexadecimal digits of w (loaded
// little-endian: the first digit in the low byte), and false when one of
// its bytes is not a digit.
func hex8(w uint64) (uint32, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if w&highs != 0 {
		return 0, false
	}
	// Each byte with its high bit set: subtracting a byte constant
	// below 0x80 then borrows from no neighbour, and the high bit tells
	// whether the byte was at least the constant.
	x := w | highs
	digit := (x - 0x30*ones) &^ (x - 0x3a*ones) & highs
	l := x | 0x20*ones // A-F as a-f
	letter := (l - 0x61*ones) &^ (l - 0x67*ones) & highs
	if digit|letter != highs {
		return 0, false
	}
	v := w&(0x0f*ones) + letter>>7*9
	// Nibbles to bytes, bytes to 16-bit halves, halves to 32 bits.
	v = (v<<4 | v>>8) & 0x00ff00ff00ff00ff
	v = (v<<8 | v>>16) & 0x0000ffff0000ffff
	v = (v<<16 | v>>32) & 0xffffffff
	return uint32(v), true
}

// hex16 is hex8 of sixteen digits, a in the first word and b in the
// second, in one call.
func hex16(a, b uint64) (uint64, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if (a|b)&highs != 0 {
		return 0, false
	}
	xa, xb := a|highs, b|highs
	da := (xa - 0x30*ones) &^ (xa - 0x3a*ones) & highs
	db := (xb - 0x30*ones) &^ (xb - 0x3a*ones) & highs
	la, lb := xa|0x20*ones, xb|0x20*ones
	ea := (la - 0x61*ones) &^ (la - 0x67*ones) & highs
	eb := (lb - 0x61*ones) &^ (lb - 0x67*ones) & highs
	if da|ea != highs || db|eb != highs {
		return 0, false
	}
	va := a&(0x0f*ones) + ea>>7*9
	vb := b&(0x0f*ones) + eb>>7*9
	va = (va<<4 | va>>8) & 0x00ff00ff00ff00ff
	vb = (vb<<4 | vb>>8) & 0x00ff00ff00ff00ff
	va = (va<<8 | va>>16) & 0x0000ffff0000ffff
	vb = (vb<<8 | vb>>16) & 0x0000ffff0000ffff
	va = (va<<16 | va>>32) & 0xffffffff
	vb = (vb<<16 | vb>>32) & 0xffffffff
	return va<<32 | vb, true
}

// scanName finds the end of the name that starts at data[i], as nameEnd
// does, and hashes it as nameHash does, from the same eight-byte words;
// it also tells whether the name has a dot (for unlisted).
func scanName(data []byte, i int) (int, uint32, bool) {
	const ones, highs, dots = 0x0101010101010101, 0x8080808080808080, 0x2e2e2e2e2e2e2e2e
	start := i
	h := uint64(hashSeed)
	var dot uint64 // a byte's high bit: a dot there (or after one)
words:
	for i+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[i:])
		if m := (w - 0x21*ones) &^ w & highs; m != 0 {
			k := bits.TrailingZeros64(m) >> 3
			switch data[i+k] {
			case 0, '\t', '\n', '\r', ' ':
				// The bytes past the name are cleared: no dots.
				w &= 1<<(8*k) - 1
				x := w ^ dots
				dot |= (x - ones) &^ x & highs
				return i + k, hashEnd(h, w, i+k-start), dot != 0
			}
			break words // a control byte in the name: the slow way
		}
		x := w ^ dots
		dot |= (x - ones) &^ x & highs
		h = hashMix(h, w)
		i += 8
	}
	e := nameEnd(data, start)
	name := unsafe.String(unsafe.SliceData(data[start:]), e-start)
	return e, nameHash(name), strings.IndexByte(name, '.') >= 0
}

// slowLine reads the line at pos with parseNMLine and returns the start
// of the next line.
func (p *nmParser) slowLine(lineNo, pos int) (int, error) {
	data := p.data
	end := bytes.IndexByte(data[pos:], '\n')
	next := pos + end + 1
	if end < 0 {
		end, next = len(data)-pos, len(data)
	}
	line := data[pos : pos+end]
	if len(line) > maxSymbolLine {
		msg := fmt.Sprintf("line longer than %d bytes: not a %s file", maxSymbolLine, p.kind)
		if what := guessInput(data); what != "" && !p.parsedAny {
			msg = fmt.Sprintf("this is %s, not a %s file", what, p.kind)
		}
		return 0, &FormatError{File: p.file, Line: lineNo, Msg: msg, Text: lineExcerpt(line)}
	}
	body := bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(body)) == 0 {
		return next, nil
	}
	var l nmLine
	if msg := parseNMLine(body, &l); msg != "" {
		msg = "not a " + p.kind + " line: " + msg
		if what := guessInput(data); what != "" && !p.parsedAny {
			// The very first line fails: most likely the wrong
			// file was given, so say what it looks like.
			msg = fmt.Sprintf("this is %s, not a %s file (whose lines read \"ADDRESS TYPE NAME\")", what, p.kind)
		}
		return 0, &FormatError{File: p.file, Line: lineNo, Msg: msg, Text: lineExcerpt(body)}
	}
	p.parsedAny = true
	ns := int(uintptr(unsafe.Pointer(unsafe.SliceData(l.name))) - uintptr(unsafe.Pointer(unsafe.SliceData(data))))
	if l.module == nil {
		return next, p.core(lineNo, l.addr, l.digits, l.typ, ns, ns+len(l.name), nameHash(p.t.text[ns:ns+len(l.name)]))
	}
	return next, p.module(lineNo, &l, ns)
}

// width checks that every zero-padded address has the same width.
func (p *nmParser) width(lineNo, digits int, addr uint64) error {
	// nm and /proc/kallsyms zero-pad addresses to the word size; an
	// unpadded field (a hand-made file) says nothing about the width.
	if digits == 8 || digits == 16 {
		switch {
		case p.digits == 0:
			p.digits, p.digitsLine = digits, lineNo
		case digits != p.digits:
			return &FormatError{File: p.file, Line: lineNo,
				Msg: fmt.Sprintf("%d-digit address, but line %d has %d digits: 32- and 64-bit symbols mixed", digits, p.digitsLine, p.digits)}
		}
	}
	if addr > p.maxAddr {
		p.maxAddr = addr
	}
	if addr != 0 {
		p.nonzero = true
	}
	p.t.symbols++
	return nil
}

// core takes a core kernel symbol whose name is data[ns:ne].
func (p *nmParser) core(lineNo int, addr uint64, digits int, typ byte, ns, ne int, h uint32) error {
	if p.systemMap && (typ == 'A' || typ == 'a') {
		// Absolute symbols are constants, not addresses: scripts/kallsyms
		// drops them.
		p.t.symbols++
		return nil
	}
	if err := p.width(lineNo, digits, addr); err != nil {
		return err
	}
	if p.lastLine > 0 && addr < p.lastAddr {
		// Equal neighbours are legal: real System.maps and kallsyms list
		// static symbols of one name and address twice (lockdep's
		// "__key.3"). Going down is not.
		return &FormatError{File: p.file, Line: lineNo, Text: lineExcerpt(p.data[ns:ne]),
			Msg: fmt.Sprintf("address %#x is below line %d's %#x: %s files list the kernel's symbols by ascending address (is it sorted with nm -n, and not two files joined?)", addr, p.lastLine, p.lastAddr, p.kind)}
	}
	if p.lastLine == 0 {
		p.firstAddr = addr
	}
	p.lastAddr, p.lastLine = addr, lineNo
	if p.systemMap && unlistedName(p.t.text[ns:ne]) {
		return nil
	}
	if ne-ns > 0xffff {
		return &FormatError{File: p.file, Line: lineNo, Msg: "symbol name longer than 65535 bytes", Text: lineExcerpt(p.data[ns:ne])}
	}
	p.b.add(addr, ns, ne-ns, typ, h)
	return nil
}

// module takes a kallsyms module symbol; its name starts at data[ns].
func (p *nmParser) module(lineNo int, l *nmLine, ns int) error {
	if p.systemMap {
		return &FormatError{File: p.file, Line: lineNo, Msg: "a System.map has no module column (is this a kallsyms file? use -k)", Text: lineExcerpt(l.name)}
	}
	if err := p.width(lineNo, l.digits, l.addr); err != nil {
		return err
	}
	if p.modIndex == nil {
		p.modIndex = map[string]int{}
	}
	i, ok := p.modIndex[string(l.module)]
	if !ok {
		i = len(p.modules)
		mod := string(l.module)
		p.modIndex[mod] = i
		p.modules = append(p.modules, moduleSymbols{name: mod})
	}
	m := &p.modules[i]
	m.syms = append(m.syms, Symbol{Addr: l.addr, Name: p.t.text[ns : ns+len(l.name)], Module: m.name, Type: l.typ})
	return nil
}

// done is called with the table built: the name index of a file large
// enough to be read in parts is built ahead, meanwhile.
func (p *nmParser) done(t *Table) {
	if p.parts > 1 {
		t.byName.buildAhead(t.keys)
	}
}

func (p *nmParser) bits() int {
	if p.digits == 16 || p.digits == 0 && p.maxAddr > 0xffffffff {
		return 64
	}
	return 32
}
