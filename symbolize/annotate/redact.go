package annotate

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// Placeholder is what a redacted kernel value is replaced by.
const Placeholder = "(redacted)"

// Floors of kernel space: a value at or above them is taken for a kernel
// address. On 64-bit every architecture's kernel and modules lie in the
// top byte's range (x86_64 from 0xffff800000000000, or 0xff00000000000000
// with 5-level paging; arm64 from 0xfff0000000000000 with 52-bit VAs;
// RISC-V sv39 from 0xffffffc000000000), above the poison values
// (0xdead000000000100). On 32-bit, x86 and ARM kernels start at
// 0xc0000000, ARM's modules 16 MiB below. A table whose kernel lies lower
// (powerpc64 at 0xc000000000000000) lowers the floor, down to the bottom
// of the upper half.
const (
	floor64    = 0xff00000000000000
	floor32    = 0xbf000000
	minFloor64 = 0x8000000000000000
	minFloor32 = 0x80000000
)

// RedactFloor returns the lowest value --redact takes for a kernel address,
// for a table of bits-bit addresses whose kernel starts at lo (0 when
// unknown).
func RedactFloor(bits int, lo uint64) uint64 {
	floor, minFloor := uint64(floor64), uint64(minFloor64)
	if bits == 32 {
		floor, minFloor = floor32, minFloor32
	}
	if lo != 0 && lo < floor {
		floor = max(lo, minFloor)
	}
	return floor
}

// A Redactor rewrites annotated log text for posting in public: every
// kernel address and the KASLR offset are removed, so that the text tells
// neither where the kernel's code and data were nor how it was randomized.
// Exactly:
//
//   - A hexadecimal number (8 to 16 digits, with or without "0x", standing
//     alone: not part of a longer word) whose value is at or above the
//     floor (RedactFloor) is a kernel address. When the symbol it stands
//     for follows it ("name+0xoff/0xsize", "[module+0xoff]", "[in unloaded
//     module name?]", as the kernel or ksymoops-go printed it), the number
//     is dropped with its "[<", ">]" and "0x" and the space after it, and
//     the symbol stays; otherwise it is replaced by Placeholder.
//   - On a "Kernel Offset:" line every number is replaced, whatever its
//     value: the offset is the KASLR secret itself.
//   - The bytes of a "Code:" line are replaced by Placeholder when four (on
//     32-bit) or eight (on 64-bit) consecutive ones read, little-endian, as
//     a kernel address: an absolute operand of an instruction. Other Code:
//     lines stay, for they hold no address.
//
// Everything else, user-space and physical addresses among it, is left as
// it is. The output is no longer the input with insertions: the lossless
// guarantee does not hold for it.
type Redactor struct {
	w       Flusher
	floor   uint64
	bits    int
	pending []byte // a line not yet complete
	out     []byte
}

// maxPending bounds a line kept whole; a longer one (junk: the annotator
// passes such lines through in pieces) is redacted in pieces too.
const maxPending = parse.DefaultMaxLine + 64<<10

// NewRedactor returns a Redactor writing to w, for a kernel whose
// addresses have bits bits and at or above floor (RedactFloor).
func NewRedactor(w Flusher, bits int, floor uint64) *Redactor {
	return &Redactor{w: w, floor: floor, bits: bits}
}

// Write takes annotated text; complete lines are redacted and written on.
func (r *Redactor) Write(p []byte) (int, error) {
	r.pending = append(r.pending, p...)
	done := 0
	for {
		i := bytes.IndexByte(r.pending[done:], '\n')
		if i < 0 {
			break
		}
		if err := r.emit(r.pending[done : done+i+1]); err != nil {
			return 0, err
		}
		done += i + 1
	}
	if len(r.pending)-done > maxPending {
		// Cut where no word is split, so that no number is.
		cut := len(r.pending) - 64
		for cut > done && isWordByte(r.pending[cut-1]) {
			cut--
		}
		if cut == done {
			cut = len(r.pending) - 64
		}
		if err := r.emit(r.pending[done:cut]); err != nil {
			return 0, err
		}
		done = cut
	}
	r.pending = append(r.pending[:0], r.pending[done:]...)
	return len(p), nil
}

// Flush redacts and writes what is pending, and flushes the writer below.
func (r *Redactor) Flush() error {
	if len(r.pending) > 0 && r.pending[len(r.pending)-1] == '\n' {
		if err := r.emit(r.pending); err != nil {
			return err
		}
		r.pending = r.pending[:0]
	}
	return r.w.Flush()
}

// Close writes the rest, a last line without a newline included.
func (r *Redactor) Close() error {
	if len(r.pending) > 0 {
		if err := r.emit(r.pending); err != nil {
			return err
		}
		r.pending = r.pending[:0]
	}
	return r.w.Flush()
}

func (r *Redactor) emit(line []byte) error {
	r.out = RedactLine(r.out[:0], line, r.bits, r.floor)
	_, err := r.w.Write(r.out)
	return err
}

// RedactLine appends line to dst with its kernel addresses and KASLR
// offset removed, as a Redactor does.
func RedactLine(dst, line []byte, bits int, floor uint64) []byte {
	body := parse.SplitPrefix(line)
	offsetLine := bytes.HasPrefix(line[body:], []byte("Kernel Offset: "))
	codeLine := bytes.HasPrefix(line[body:], []byte("Code: "))
	if codeLine && codeHoldsAddress(line[body+len("Code: "):], bits, floor) {
		dst = append(dst, line[:body+len("Code: ")]...)
		dst = append(dst, Placeholder...)
		return append(dst, lineEnd(line)...)
	}
	minDigits := 8
	if offsetLine {
		minDigits = 1 // "Kernel Offset: 0x1e00000 from ..."
	}
	pos := 0
	for i := 0; i < len(line); {
		start, end, digits, ok := nextNumber(line, i, minDigits)
		if !ok {
			break
		}
		i = end
		// The offset line's short numbers are the offset's, not the
		// timestamp's in its prefix.
		offset := offsetLine && start >= body
		if !offset && end-digits < 8 {
			continue
		}
		v, valid := hexValue(line[digits:end])
		if !valid || (!offset && v < floor) {
			continue
		}
		// Its dressing: "[<" and ">]" around, as in a trace entry.
		from, to := start, end
		if from >= 2 && line[from-2] == '[' && line[from-1] == '<' && to+1 < len(line) && line[to] == '>' && line[to+1] == ']' {
			from, to = from-2, to+2
		}
		if !offset && symbolFollows(line, to) && (from == 0 || !isWordByte(line[from-1])) {
			// The symbol stands for the address: drop the number. (Not
			// when a word comes right before it, which would then run
			// into the symbol's name.)
			dst = append(dst, line[pos:from]...)
			if to < len(line) && line[to] == ' ' {
				to++
			}
			pos, i = to, to
			continue
		}
		dst = append(dst, line[pos:start]...)
		dst = append(dst, Placeholder...)
		pos = end
	}
	return append(dst, line[pos:]...)
}

// lineEnd returns the line's terminator.
func lineEnd(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return line[n:]
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// nextNumber finds the next hexadecimal number of minDigits to 16 digits
// at or after i that stands alone: start is where it starts ("0x"
// included), digits where its digits start, end where it ends.
func nextNumber(line []byte, i, minDigits int) (start, end, digits int, ok bool) {
	for i < len(line) {
		if !isWordByte(line[i]) {
			i++
			continue
		}
		// A word starts at i: take it whole.
		j := i
		for j < len(line) && isWordByte(line[j]) {
			j++
		}
		d := i
		if j-i > 2 && line[i] == '0' && (line[i+1] == 'x' || line[i+1] == 'X') {
			d = i + 2
		}
		if n := j - d; n >= minDigits && n <= 16 && allHex(line[d:j]) {
			return i, j, d, true
		}
		i = j
	}
	return 0, 0, 0, false
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func hexValue(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// symbolFollows reports whether the symbol an address stands for follows
// it at end: "name+0xoff/0xsize" (also after "? " or "("), or a module
// note, "[module+0xoff]" or "[in unloaded module name?]".
func symbolFollows(line []byte, end int) bool {
	if _, ok := parse.SymbolAfter(line, end); ok {
		return true
	}
	rest := line[end:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '[' {
		return false
	}
	note := rest[2:]
	if e := bytes.IndexByte(note, ']'); e > 0 {
		note = note[:e]
		if bytes.HasPrefix(note, []byte("in unloaded module ")) {
			return true
		}
		if plus := bytes.Index(note, []byte("+0x")); plus > 0 && allWord(note[:plus]) && len(note) > plus+3 && allHex(note[plus+3:]) {
			return true
		}
	}
	return false
}

func allWord(b []byte) bool {
	for _, c := range b {
		if !isWordByte(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// codeHoldsAddress reports whether the bytes of a Code: line ("48 8b 05
// <0f> 0b", each two hex digits, the faulting one in <> or ()) hold a
// kernel address as a little-endian operand.
func codeHoldsAddress(code []byte, bits int, floor uint64) bool {
	width := 8
	if bits == 32 {
		width = 4
	}
	var run []byte
	for _, f := range bytes.Fields(code) {
		f = bytes.Trim(f, "<>()")
		if len(f) != 2 || !allHex(f) {
			run = run[:0] // not a byte: words are checked as numbers
			continue
		}
		b, _ := hexValue(f)
		run = append(run, byte(b))
		if len(run) >= width {
			var v uint64
			for k := width - 1; k >= 0; k-- {
				v = v<<8 | uint64(run[len(run)-width+k])
			}
			if v >= floor {
				return true
			}
		}
	}
	return false
}
