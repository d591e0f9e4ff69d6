package disasm

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// maxX86Len is the architectural limit on an x86 instruction's length.
const maxX86Len = 15

// x86 decodes x86 code of the given width (32 or 64).
//
// The kernel prints the bytes before the IP without knowing where an
// instruction starts in them, and x86 instructions have any length from 1
// to 15 bytes, so the start has to be found. The rule: decode one
// instruction at every offset before the trapping byte; a start is good
// when the chain of instructions from it decodes without an error and
// lands exactly on the trapping byte; the earliest good start wins,
// because it explains the most bytes. The trapping byte itself is always
// good (nothing before it decoded), so there is always an answer. Chains
// from different starts usually merge within an instruction or two, so the
// earliest start mostly differs from the next good ones in its first
// instruction only, which a reader should take as a guess (objdump's
// reading of the same bytes, and the kernel's scripts/decodecode, guess
// alike). Each offset is decoded once and the chains are followed
// backwards from the trapping byte, so the search is linear in the bytes.
func (c Code) x86(bits int, t *targets) []Insn {
	b := c.Bytes
	trap := c.Trap
	// lands[s]: the chain of instructions from s decodes without an error
	// and lands exactly on the trapping byte.
	lands := make([]bool, trap+1)
	lands[trap] = true
	start := trap
	for s := trap - 1; s >= 0; s-- {
		inst, ok := x86Decode(b[s:], bits)
		if ok && s+inst.Len <= trap && lands[s+inst.Len] {
			lands[s] = true
			start = s
		}
	}
	var out []Insn
	if start > 0 {
		out = append(out, t.insn(Undecoded, -trap, b[:start], 1, "(not decoded: no instruction boundary found before here)"))
	}
	for o := start; o < len(b); {
		inst, ok := x86Decode(b[o:], bits)
		switch {
		case ok:
			out = append(out, t.insn(Decoded, o-trap, b[o:o+inst.Len], 1, x86Text(inst, int64(o-trap), t)))
			o += inst.Len
		case x86Truncated(b[o:], bits):
			out = append(out, t.insn(Truncated, o-trap, b[o:], 1, "(truncated: the dump ends inside this instruction)"))
			o = len(b)
		default:
			out = append(out, t.insn(Bad, o-trap, b[o:o+1], 1, "(bad)"))
			o++
		}
	}
	return out
}

// x86Decode decodes the instruction at the start of b: x86asm's decoding
// or, for the few encodings of kernel code it does not know, x86Missing's.
// x86asm, to read like objdump, returns a bare prefix byte as a one-byte
// instruction of no Op ("rex.w", "prefix(0x8d)") where the instruction
// after it is unknown or cut off by the end of b; that is no instruction
// here.
func x86Decode(b []byte, bits int) (x86Inst, bool) {
	inst, err := x86asm.Decode(b, bits)
	if err == nil && inst.Op != 0 && inst.Len > 0 && inst.Len <= len(b) {
		return x86Inst{Inst: inst}, true
	}
	return x86Missing(b, bits)
}

// An x86Inst is a decoded instruction: x86asm's, or one x86asm does not
// know, whose text is then fixed.
type x86Inst struct {
	x86asm.Inst
	fixed string // the text of an instruction x86asm does not know
}

// x86Truncated reports whether the instruction at the start of b, which
// did not decode, is cut off by the end of the dump: with room after the
// bytes, it decodes to an instruction longer than they are.
func x86Truncated(b []byte, bits int) bool {
	if len(b) >= maxX86Len {
		return false
	}
	var padded [2 * maxX86Len]byte
	copy(padded[:], b)
	inst, ok := x86Decode(padded[:], bits)
	return ok && inst.Len > len(b)
}

// x86Text is the instruction in GNU (AT&T) syntax with its targets
// rendered: x86asm writes a relative branch target as ".+0x1f" (relative
// to the end of the instruction) when given no PC, and a RIP-relative
// operand as "0x22e9(%rip)"; the first is replaced by the target, the
// second followed by objdump's "# target" comment. Giving x86asm the PC and
// a symbol lookup instead would replace whole operands by bare names and
// name immediates that are no addresses, which objdump does not do.
func x86Text(inst x86Inst, off int64, t *targets) string {
	if inst.fixed != "" {
		return inst.fixed
	}
	text := x86objdumpImms(inst.Inst, x86objdumpNames(inst.Inst, x86asm.GNUSyntax(inst.Inst, 0, nil)))
	end := off + int64(inst.Len)
	for _, a := range inst.Args {
		switch a := a.(type) {
		case x86asm.Rel:
			rel := fmt.Sprintf(".%+#x", int64(a))
			if strings.HasSuffix(text, rel) {
				text = text[:len(text)-len(rel)] + t.text(end+int64(a))
			}
		case x86asm.Mem:
			if (a.Base == x86asm.RIP || a.Base == x86asm.EIP) && a.Index == 0 {
				text += "        # " + t.text(end+a.Disp)
			}
		}
	}
	return text
}
