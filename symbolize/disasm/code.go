package disasm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// MaxBytes bounds the instruction bytes taken from one Code: line. Kernels
// print 64 bytes on x86 and five words on ARM; x86's old code_bytes= boot
// option allowed more, but a line past this bound is junk or a joined
// line, and the bound keeps the work (and the listing) per line small
// whatever the input.
const MaxBytes = 1024

// A Form is how the kernel printed the instruction bytes of a Code: line.
type Form uint8

const (
	// FormBytes is x86's byte dump, the byte at the IP in angle brackets:
	// "48 8b 05 e9 22 00 00 <c7> 40 10".
	FormBytes Form = iota + 1
	// FormWords is arm64's and ARM's dump of 32-bit instruction words,
	// the one at the PC in parentheses: "d503233f a9be7bfd (b9001001)".
	FormWords
	// FormHalfwords is the dump of 16-bit units that ARM prints for Thumb
	// code (and RISC-V for its compressed encoding): "4770 2000 (6800)".
	FormHalfwords
)

var formNames = [...]string{"", "bytes", "words", "halfwords"}

func (f Form) String() string {
	if int(f) < len(formNames) && f != 0 {
		return formNames[f]
	}
	return "unknown"
}

// unit returns the size in bytes of one printed number of the form.
func (f Form) unit() int {
	switch f {
	case FormWords:
		return 4
	case FormHalfwords:
		return 2
	}
	return 1
}

// A Code is the parsed text of a Code: line.
type Code struct {
	Form Form
	// Bytes are the instruction bytes in memory order, as the decoders
	// read them. Words and halfwords are the values the kernel printed
	// (it prints opcodes, whatever the CPU's data endianness), stored
	// little endian: the encoding x86asm, arm64asm and armasm decode.
	Bytes []byte
	// Trap is the offset in Bytes of the byte, word or halfword the
	// kernel marked: where the IP (PC) pointed.
	Trap int
}

// ErrNoBytes is returned by ParseCode for the Code: lines in which the
// kernel says it could not read the instructions: "Unable to access opcode
// bytes at 0x...", "Bad RIP value.", "bad PC value". Such lines are left as
// they are.
var ErrNoBytes = errors.New("the kernel could not read the instruction bytes")

// A SyntaxError is returned by ParseCode for text that is not a Code:
// dump: Offset is the byte of the text where it stops being one.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("Code: text, byte %d: %s", e.Offset, e.Msg)
}

// codeTag is what the kernel prints before the dump.
var codeTag = []byte("Code: ")

// FindCode returns where the text of a Code: line starts in line (a whole
// log line, without its terminator): the byte after "Code: ". The tag must
// open the kernel's text, after the collector's prefix (dmesg timestamp,
// syslog header, ...) and any indentation, as the kernel prints it; "Code: "
// in the middle of other text, or s390's "Krnl Code:", is not a Code: line.
func FindCode(line []byte) (start int, ok bool) {
	n := parse.SplitPrefix(line)
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	if !bytes.HasPrefix(line[n:], codeTag) {
		return 0, false
	}
	return n + len(codeTag), true
}

// noBytesTexts are the messages the kernel prints instead of a dump.
var noBytesTexts = [][]byte{
	[]byte("Unable to access opcode bytes"), // x86 since 5.x, "at [RIP ]0x..."
	[]byte("Bad RIP value."),                // x86 before 5.x
	[]byte("Bad EIP value."),                // i386 before 5.x
	[]byte("bad PC value"),                  // arm, arm64
}

// ParseCode parses the text of a Code: line (what follows "Code: ", without
// the line terminator). It accepts the three forms of Form, separated by
// spaces; exactly one unit must be marked, and all units must have the
// width of the first. Trailing spaces and a CR are ignored. Anything else
// is an error, ErrNoBytes or a *SyntaxError, and the line should be left
// as it is. The work is linear in the text and stops after MaxBytes
// bytes of instructions.
func ParseCode(text []byte) (Code, error) {
	// Kernels before 4.x printed "Code: " and then " Bad RIP value.".
	msg := bytes.TrimLeft(text, " ")
	for _, m := range noBytesTexts {
		if bytes.HasPrefix(msg, m) {
			return Code{}, ErrNoBytes
		}
	}
	var c Code
	trap := -1
	digits := 0 // hex digits per unit, fixed by the first one
	i := 0
	for {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
			i++
		}
		if i == len(text) {
			break
		}
		at := i
		var open, close byte
		switch text[i] {
		case '<':
			open, close = '<', '>'
		case '(':
			open, close = '(', ')'
		}
		if open != 0 {
			i++
		}
		v, n := hexRun(text[i:])
		i += n
		if n == 0 || n > 8 {
			return Code{}, &SyntaxError{at, "want a hex byte, halfword or word"}
		}
		if open != 0 {
			if i == len(text) || text[i] != close {
				return Code{}, &SyntaxError{i, fmt.Sprintf("want %q after the marked unit", close)}
			}
			i++
		}
		if i < len(text) && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' {
			return Code{}, &SyntaxError{i, "want a space between units"}
		}
		if digits == 0 {
			digits = n
			switch n {
			case 2:
				c.Form = FormBytes
			case 4:
				c.Form = FormHalfwords
			case 8:
				c.Form = FormWords
			default:
				return Code{}, &SyntaxError{at, "want units of 2, 4 or 8 hex digits"}
			}
		} else if n != digits {
			return Code{}, &SyntaxError{at, fmt.Sprintf("a unit of %d hex digits among units of %d", n, digits)}
		}
		if open != 0 {
			// The kernel marks bytes with <> and words with (); the other
			// pairing is no kernel's.
			if (open == '<') != (c.Form == FormBytes) {
				return Code{}, &SyntaxError{at, fmt.Sprintf("%s marked with %q", c.Form, open)}
			}
			if trap >= 0 {
				return Code{}, &SyntaxError{at, "a second marked unit"}
			}
			trap = len(c.Bytes)
		}
		if len(c.Bytes)+digits/2 > MaxBytes {
			return Code{}, &SyntaxError{at, fmt.Sprintf("more than %d bytes", MaxBytes)}
		}
		switch c.Form {
		case FormBytes:
			c.Bytes = append(c.Bytes, byte(v))
		case FormHalfwords:
			c.Bytes = binary.LittleEndian.AppendUint16(c.Bytes, uint16(v))
		case FormWords:
			c.Bytes = binary.LittleEndian.AppendUint32(c.Bytes, v)
		}
	}
	if len(c.Bytes) == 0 {
		return Code{}, &SyntaxError{0, "no instruction bytes"}
	}
	if trap < 0 {
		return Code{}, &SyntaxError{len(text), "no unit is marked as the one at the IP"}
	}
	c.Trap = trap
	return c, nil
}

// hexRun returns the value of the lower-case or upper-case hex digits at
// the start of b and their count. It reads at most nine digits: enough to
// tell a word from something longer, without a long run costing more.
func hexRun(b []byte) (v uint32, n int) {
	for n < len(b) && n < 9 && b[n] >= '0' {
		// Setting bit 5 lower-cases A-F and leaves the digits, which
		// have it; below '0' it would turn control bytes into digits.
		d := strings.IndexByte("0123456789abcdef", b[n]|0x20)
		if d < 0 {
			break
		}
		v = v<<4 | uint32(d)
		n++
	}
	return v, n
}
