package disasm

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/arch/arm/armasm"
	"golang.org/x/arch/arm64/arm64asm"
)

// armDecoders serialises the calls into arm64asm and armasm: both record
// decoder coverage in package variables on every call (arm/armasm's
// decode.go, arm64/arm64asm's decode.go, v0.33.0), so two goroutines
// decoding at once race there. It is the one package variable here that
// changes (the others are read-only tables), and it holds no state of
// ours: it makes Disassemble safe for concurrent use, as a caller expects
// of a method on a value.
var armDecoders sync.Mutex

// words decodes fixed-width code, arm64's or ARM's, one 4-byte word at a
// time: there is no start to find.
func (c Code) words(t *targets, decode func(w []byte, off int64) (Kind, string)) []Insn {
	armDecoders.Lock()
	defer armDecoders.Unlock()
	var out []Insn
	for o := 0; o+4 <= len(c.Bytes); o += 4 {
		w := c.Bytes[o : o+4]
		kind, text := decode(w, int64(o-c.Trap))
		out = append(out, t.insn(kind, o-c.Trap, w, 4, text))
	}
	return out
}

// arm64 decodes arm64 code.
func (c Code) arm64(t *targets) []Insn {
	return c.words(t, func(w []byte, off int64) (Kind, string) {
		inst, err := arm64asm.Decode(w)
		if err == nil {
			return Decoded, arm64Text(inst, off, t)
		}
		word := binary.LittleEndian.Uint32(w)
		if word>>16 == 0 {
			// UDF #imm16, the permanently undefined encoding, which
			// arm64asm does not know.
			return Decoded, fmt.Sprintf("udf #%d", word)
		}
		return Bad, fmt.Sprintf(".inst 0x%08x", word)
	})
}

// arm64Hints names the HINT-space instructions arm64asm prints as
// "hint #N": pointer authentication and BTI, which kernels built with them
// have in every function's prologue, and the speculation barriers. The
// names are the architecture's (and objdump's).
var arm64Hints = map[uint8]string{
	0x07: "xpaclri",
	0x08: "pacia1716", 0x0a: "pacib1716", 0x0c: "autia1716", 0x0e: "autib1716",
	0x10: "esb", 0x11: "psb csync", 0x12: "tsb csync", 0x14: "csdb", 0x16: "clearbhb",
	0x18: "paciaz", 0x19: "paciasp", 0x1a: "pacibz", 0x1b: "pacibsp",
	0x1c: "autiaz", 0x1d: "autiasp", 0x1e: "autibz", 0x1f: "autibsp",
	0x20: "bti", 0x22: "bti c", 0x24: "bti j", 0x26: "bti jc",
}

// arm64Text is the instruction in GNU syntax with its PC-relative operand
// rendered: arm64asm writes it as ".+0x1c4" (relative to the instruction;
// negative ones as 64-bit unsigned), which is replaced by the target. An
// ADRP's operand is relative to the instruction's 4 KiB page, so without
// the address it is left as arm64asm wrote it.
func arm64Text(inst arm64asm.Inst, off int64, t *targets) string {
	if inst.Op == arm64asm.HINT {
		if imm, ok := inst.Args[0].(arm64asm.Imm); ok {
			if name, ok := arm64Hints[uint8(imm.Imm)]; ok && imm.Imm < 0x80 {
				return name
			}
		}
	}
	text := arm64asm.GNUSyntax(inst)
	for _, a := range inst.Args {
		rel, ok := a.(arm64asm.PCRel)
		if !ok {
			continue
		}
		place := strings.ToLower(rel.String())
		i := strings.LastIndex(text, place)
		if i < 0 {
			break
		}
		var target string
		switch {
		case inst.Op != arm64asm.ADRP:
			target = t.text(off + int64(rel))
		case t.known:
			// The page of the instruction, plus the offset; targets.text
			// wants it relative to the trapping byte.
			page := int64(t.addr(off) &^ 0xfff)
			target = t.text(page + int64(rel) - int64(t.trapIP))
		default:
			return text
		}
		return text[:i] + target + text[i+len(place):]
	}
	return text
}

// arm decodes 32-bit ARM code (not Thumb).
func (c Code) arm(t *targets) []Insn {
	return c.words(t, func(w []byte, off int64) (Kind, string) {
		inst, err := armasm.Decode(w, armasm.ModeARM)
		if err != nil {
			return Bad, fmt.Sprintf(".inst 0x%08x", binary.LittleEndian.Uint32(w))
		}
		return Decoded, armText(inst, off, t)
	})
}

// armPCAhead is how far ahead of an ARM instruction its PC reads: 8 bytes,
// two instructions, in ARM state.
const armPCAhead = 8

// armText is the instruction in GNU syntax with its PC-relative operand
// rendered: armasm writes a branch target as ".+0x4c" (relative to the
// instruction plus 4), which is replaced by the target, and a PC-relative
// load as "[pc, #1704]", which objdump follows with "@ target".
func armText(inst armasm.Inst, off int64, t *targets) string {
	text := armasm.GNUSyntax(inst)
	for _, a := range inst.Args {
		switch a := a.(type) {
		case armasm.PCRel:
			place := fmt.Sprintf(".%+#x", int32(a)+4)
			if i := strings.LastIndex(text, place); i >= 0 {
				return text[:i] + t.text(off+armPCAhead+int64(a)) + text[i+len(place):]
			}
		case armasm.Mem:
			if a.Base == armasm.PC && a.Mode == armasm.AddrOffset && a.Sign == 0 {
				return text + "        @ " + t.text(off+armPCAhead+int64(a.Offset))
			}
		}
	}
	return text
}
