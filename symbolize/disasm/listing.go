package disasm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Marker opens every line AppendListing adds to a log. The kernel prints
// "Code: " and never "Code|", so a line that starts with Marker is one a
// tool added: deleting those lines gives the log back (StripListings), and
// a tool running over its own output can recognise what it added before.
// It stands at the very start of the line, before any collector's prefix,
// so that recognising it needs no parsing.
const Marker = "Code| "

// trapNote ends the trapping instruction's line.
const trapNote = "<-- trapping instruction"

// AppendListing appends the listing of insns, decoded from a Code: line
// for machine m, to dst and returns the extended buffer. Every line starts
// with Marker and ends with eol ("\n" when eol is empty; pass the Code:
// line's own terminator to keep a CRLF log CRLF):
//
//	Code| x86-64 disassembly of the Code: line above; * marks the trapping instruction
//	Code|   ffffffffc0201102:  48 89 df              mov    %rbx,%rdi
//	Code|   ffffffffc0201105:  e8 86 b7 7e c1        call   ffffffff819ec890 <strcmp+0x0/0x30>
//	Code|   ffffffffc020110a:  85 c0                 test   %eax,%eax
//	Code|   ffffffffc020110c:  75 07                 jne    ffffffffc0201115 <oopsdemo_level3+0x58/0xfe [oopsdemo]>
//	Code| * ffffffffc020110e:  0f 0b                 ud2     <-- trapping instruction
//
// The columns are: "*" on the trapping instruction; the address (when the
// trapping address was known; otherwise the offset from the trapping byte,
// "trap-0x2a", as branch targets are then written); the bytes as the
// kernel printed them (x86 bytes in memory order, ARM words and halfwords
// as numbers); the instruction, its mnemonic padded as objdump pads it.
// The bytes before the first instruction boundary, an instruction the dump
// cuts off and bytes that decode to nothing are listed too, with a
// parenthesised note, so that every byte of the dump is shown.
func AppendListing(dst []byte, m Machine, insns []Insn, eol []byte) []byte {
	if len(eol) == 0 {
		eol = []byte("\n")
	}
	dst = append(dst, Marker...)
	dst = append(dst, m.String()...)
	dst = append(dst, " disassembly of the Code: line above; * marks the trapping instruction"...)
	dst = append(dst, eol...)
	addrWidth, hexWidth := 0, 0
	for _, in := range insns {
		addrWidth = max(addrWidth, len(appendAddr(nil, in))+1)
		if in.Kind != Undecoded && in.Kind != Truncated {
			hexWidth = max(hexWidth, len(appendHex(nil, in)))
		}
	}
	for _, in := range insns {
		dst = append(dst, Marker...)
		if in.Trap {
			dst = append(dst, "* "...)
		} else {
			dst = append(dst, "  "...)
		}
		n := len(dst)
		dst = append(appendAddr(dst, in), ':')
		dst = pad(dst, n, addrWidth)
		dst = append(dst, "  "...)
		n = len(dst)
		dst = appendHex(dst, in)
		dst = pad(dst, n, hexWidth)
		dst = append(dst, "  "...)
		n = len(dst)
		dst = appendMnemonic(dst, in.Text)
		if in.Trap {
			dst = pad(dst, n, 6) // a bare "ud2" too keeps the note off it
			dst = append(dst, "  "...)
			dst = append(dst, trapNote...)
		}
		dst = append(dst, eol...)
	}
	return dst
}

// appendAddr appends the address column of in: the address zero-padded to
// the machine's width, or the offset from the trapping byte.
func appendAddr(dst []byte, in Insn) []byte {
	if !in.AddrKnown {
		return fmt.Appendf(dst, "trap%+#x", in.Off)
	}
	s := strconv.FormatUint(in.Addr, 16)
	for i := len(s); i < in.AddrBits/4; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendHex appends the bytes column of in, as the kernel printed them.
func appendHex(dst []byte, in Insn) []byte {
	unit := max(in.Unit, 1)
	for i := 0; i+unit <= len(in.Bytes); i += unit {
		if i > 0 {
			dst = append(dst, ' ')
		}
		var v uint64
		switch unit {
		case 4:
			v = uint64(binary.LittleEndian.Uint32(in.Bytes[i:]))
		case 2:
			v = uint64(binary.LittleEndian.Uint16(in.Bytes[i:]))
		default:
			v = uint64(in.Bytes[i])
		}
		dst = fmt.Appendf(dst, "%0*x", 2*unit, v)
	}
	return dst
}

// appendMnemonic appends an instruction's text with the mnemonic padded to
// seven columns, as objdump aligns the operands; a note in parentheses
// stays as it is.
func appendMnemonic(dst []byte, text string) []byte {
	sp := bytes.IndexByte([]byte(text), ' ')
	if sp < 0 || text[0] == '(' {
		return append(dst, text...)
	}
	n := len(dst)
	dst = append(dst, text[:sp]...)
	dst = pad(dst, n, 6)
	dst = append(dst, ' ')
	return append(dst, text[sp+1:]...)
}

// pad extends dst with spaces until what was appended since n is width
// long.
func pad(dst []byte, n, width int) []byte {
	for len(dst)-n < width {
		dst = append(dst, ' ')
	}
	return dst
}

// IsListingLine reports whether line, a whole log line, is one that
// AppendListing added.
func IsListingLine(line []byte) bool {
	return bytes.HasPrefix(line, []byte(Marker))
}

// StripListings appends text to dst without the lines that AppendListing
// added (each with its terminator), and returns the extended buffer. On
// the output of a tool that only adds listings after Code: lines, it gives
// back the tool's input byte for byte.
func StripListings(dst, text []byte) []byte {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		if !IsListingLine(line) {
			dst = append(dst, line...)
		}
		text = text[len(line):]
	}
	return dst
}
