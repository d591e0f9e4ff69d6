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
// decoding at once race there. It is the one package-level variable here,
// and it holds no state of ours: it makes Disassemble safe for concurrent
// use, as a caller expects of a function on values.
var armDecoders sync.Mutex

// arm64 decodes arm64 code: fixed 4-byte words, so no start to find.
func (c Code) arm64(t *targets) []Insn {
	armDecoders.Lock()
	defer armDecoders.Unlock()
	b := c.Bytes
	var out []Insn
	for o := 0; o+4 <= len(b); o += 4 {
		off := o - c.Trap
		w := b[o : o+4]
		inst, err := arm64asm.Decode(w)
		if err != nil {
			word := binary.LittleEndian.Uint32(w)
			if word>>16 == 0 {
				// UDF #imm16, the permanently undefined encoding, which
				// arm64asm does not know.
				out = append(out, t.insn(Decoded, off, w, 4, fmt.Sprintf("udf #%d", word)))
				continue
			}
			out = append(out, t.insn(Bad, off, w, 4, fmt.Sprintf(".inst 0x%08x", word)))
			continue
		}
		out = append(out, t.insn(Decoded, off, w, 4, arm64Text(inst, int64(off), t)))
	}
	return out
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

// arm decodes 32-bit ARM code (not Thumb): fixed 4-byte words.
func (c Code) arm(t *targets) []Insn {
	armDecoders.Lock()
	defer armDecoders.Unlock()
	b := c.Bytes
	var out []Insn
	for o := 0; o+4 <= len(b); o += 4 {
		off := o - c.Trap
		w := b[o : o+4]
		inst, err := armasm.Decode(w, armasm.ModeARM)
		if err != nil {
			out = append(out, t.insn(Bad, off, w, 4, fmt.Sprintf(".inst 0x%08x", binary.LittleEndian.Uint32(w))))
			continue
		}
		out = append(out, t.insn(Decoded, off, w, 4, armText(inst, int64(off), t)))
	}
	return out
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
