package disasm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// ErrUnsupported is wrapped by Disassemble's error for code it cannot
// decode: an architecture other than x86, arm64 and ARM, and ARM's Thumb
// code, which golang.org/x/arch/arm/armasm does not decode.
var ErrUnsupported = errors.New("unsupported")

// ErrForm is wrapped by Disassemble's error when the Code: line's form does
// not fit the machine (x86 bytes given as arm64 code, or words as x86).
var ErrForm = errors.New("dump form does not fit the machine")

// A Kind says what an Insn is.
type Kind uint8

const (
	// Decoded is a whole instruction.
	Decoded Kind = iota
	// Bad is bytes the decoder does not know as an instruction: one byte
	// on x86, one unit on ARM. Decoding goes on after it.
	Bad
	// Truncated is the start of an instruction that the dump ends in the
	// middle of.
	Truncated
	// Undecoded is the bytes before the first instruction boundary the
	// decoder could find: the kernel prints x86 bytes from a fixed
	// distance before the IP (42 bytes), wherever an instruction starts.
	Undecoded
)

// An Insn is one line of a disassembly: an instruction, or bytes that are
// not one (see Kind).
type Insn struct {
	Kind Kind
	// Off is the offset of the first byte from the trapping byte:
	// negative before it, 0 for the trapping instruction.
	Off int
	// Addr is the address of the first byte; it is 0 and AddrKnown false
	// when the caller did not know the trapping address.
	Addr      uint64
	AddrKnown bool
	// Bytes are the instruction's bytes in memory order; they share the
	// Code's storage.
	Bytes []byte
	// Unit is how the kernel printed them, and how a listing shows them:
	// 1 for x86's bytes in memory order ("c7 40 10"), 4 or 2 for ARM's
	// little-endian words and halfwords shown as numbers ("b9001001").
	Unit int
	// Text is the instruction in GNU assembler (AT&T on x86) syntax, as
	// objdump prints it. Branch and call targets and PC-relative operands
	// are written as their address followed, when the caller's
	// symbolizer knows it, by "<symbol>"; a RIP-relative memory operand
	// gets objdump's "# address" comment, and an ARM PC-relative load its
	// "@ address". Bad bytes read "(bad)" on x86, as objdump's, and
	// ".inst 0x..." on ARM; Truncated and Undecoded ones a parenthesised
	// note.
	Text string
	// Trap marks the instruction the IP points at.
	Trap bool
	// AddrBits is the width of the machine's addresses (32 or 64), for
	// listings.
	AddrBits int
}

// Disassemble decodes the code for machine m. trapIP is the address of the
// trapping byte (the report's IP or PC) or 0 when it is not known; then
// addresses are left out and branch targets are written relative to the
// trapping byte ("trap+0x1f"). symbolize, which may be nil, names an
// address as the kernel's %pS does ("vfs_write+0x17/0x3f0"); it is asked
// about branch and call targets and PC-relative operands only. User-space
// code (an x86 "RIP: 0033:") should be given no kernel symbolizer.
//
// The instructions come in address order and cover every byte of the
// dump. On x86 the bytes before the IP are decoded from the earliest
// start whose instruction boundaries fall exactly on the trapping byte
// (see x86.go); from the trapping byte on, decoding goes forwards.
func (c Code) Disassemble(m Machine, trapIP uint64, symbolize func(uint64) (string, bool)) ([]Insn, error) {
	if len(c.Bytes) == 0 || c.Trap < 0 || c.Trap >= len(c.Bytes) {
		return nil, fmt.Errorf("disassembling %s code: %w", m, errors.New("no bytes, or the trap outside them"))
	}
	t := targets{known: trapIP != 0, trapIP: trapIP, symbolize: symbolize, bits: m.addrBits()}
	switch m.Arch {
	case parse.ArchX86:
		if c.Form != FormBytes {
			return nil, fmt.Errorf("disassembling %s code from a dump of %s: %w", m, c.Form, ErrForm)
		}
		bits := m.Bits
		if bits != 32 {
			bits = 64
		}
		return c.x86(bits, &t), nil
	case parse.ArchARM64:
		if c.Form != FormWords {
			return nil, fmt.Errorf("disassembling %s code from a dump of %s: %w", m, c.Form, ErrForm)
		}
		return c.arm64(&t), nil
	case parse.ArchARM:
		switch c.Form {
		case FormWords:
			return c.arm(&t), nil
		case FormHalfwords:
			return nil, fmt.Errorf("disassembling ARM Thumb code: golang.org/x/arch/arm/armasm decodes ARM code only: %w", ErrUnsupported)
		}
		return nil, fmt.Errorf("disassembling %s code from a dump of %s: %w", m, c.Form, ErrForm)
	}
	return nil, fmt.Errorf("disassembling %s code: %w", m, ErrUnsupported)
}

// targets turns offsets from the trapping byte into addresses and the text
// a listing shows for them.
type targets struct {
	known     bool
	trapIP    uint64
	symbolize func(uint64) (string, bool)
	bits      int
}

// addr returns the address at off from the trapping byte, wrapped to the
// machine's width.
func (t *targets) addr(off int64) uint64 {
	a := t.trapIP + uint64(off)
	if t.bits == 32 {
		a &= 0xffffffff
	}
	return a
}

// insn fills in an Insn's position.
func (t *targets) insn(kind Kind, off int, b []byte, unit int, text string) Insn {
	in := Insn{Kind: kind, Off: off, Bytes: b, Unit: unit, Text: text, Trap: off == 0 && kind != Undecoded, AddrBits: t.bits}
	if t.known {
		in.Addr, in.AddrKnown = t.addr(int64(off)), true
	}
	return in
}

// text renders the target at off from the trapping byte as objdump renders
// one in a linked object, "ffffffff81234567 <vfs_write+0x17/0x3f0>" (no
// "0x", so that the log parser does not take it for a raw address to
// annotate), or "trap+0x1f" when the trapping address is unknown.
func (t *targets) text(off int64) string {
	if !t.known {
		return fmt.Sprintf("trap%+#x", off)
	}
	a := t.addr(off)
	if t.symbolize != nil {
		// A name with a line break would split a listing line, and the
		// second half would lack the Marker.
		if name, ok := t.symbolize(a); ok && !strings.ContainsAny(name, "\r\n") {
			return fmt.Sprintf("%x <%s>", a, name)
		}
	}
	return fmt.Sprintf("%x", a)
}
