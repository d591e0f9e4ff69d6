package disasm

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// This file makes x86asm's output read as objdump's (binutils 2.40) where
// the two spell the same instruction differently, and decodes the few
// instructions of kernel code that x86asm (v0.33.0) does not know.

// x86objdumpNames respells the mnemonic and prefixes of x86asm's GNU text
// as objdump does:
//   - in 64-bit code objdump (since 2.37) drops the "q" of call, jmp, ret,
//     push, pop, pushf, popf, leave, lret, lcall and ljmp;
//   - a mov of a 64-bit immediate (b8-bf with REX.W) or to or from a 64-bit
//     absolute address (a0-a3) is "movabs";
//   - "movsxd" to a 64-bit register is "movslq";
//   - an x87 integer operation on a 16-bit memory operand takes the "s"
//     suffix ("filds"), which x86asm leaves off;
//   - VEX-encoded BMI instructions (rorx, shlx, andn, ...) take no size
//     suffix;
//   - f1 is "int1", not "icebp";
//   - prefixes: f3 is "repz" and f2 "repnz" except on the string moves
//     and stores (where f3 is "rep"), and a redundant 66 in 32- and 64-bit
//     code is "data16";
//   - 66 90 is "xchg %ax,%ax", not "data16 nop".
func x86objdumpNames(inst x86asm.Inst, text string) string {
	words := strings.SplitN(text, " ", 2)
	// Prefix words come first; the mnemonic follows them.
	var pre []string
	for len(words) == 2 && x86PrefixWord[words[0]] {
		pre = append(pre, words[0])
		words = strings.SplitN(words[1], " ", 2)
	}
	mn := words[0]
	for i, p := range pre {
		switch p {
		case "rep":
			if !x86RepString[inst.Op] {
				pre[i] = "repz"
			}
		case "repn":
			pre[i] = "repnz"
		case "data32":
			pre[i] = "data16"
		}
	}
	op := byte(inst.Opcode >> 24)
	if inst.Op == x86asm.NOP && op == 0x90 && len(words) == 1 && len(pre) > 0 && pre[len(pre)-1] == "data16" {
		// nop is xchg %eax,%eax; with the operand-size prefix objdump
		// writes it as what it is, xchg %ax,%ax.
		pre = pre[:len(pre)-1]
		mn = "xchg"
		words = append(words, "%ax,%ax")
	}
	switch {
	case inst.Mode == 64 && x86DropQ[mn]:
		mn = mn[:len(mn)-1]
	case inst.Mode == 64 && mn == "mov" && (op >= 0xb8 && op <= 0xbf && inst.DataSize == 64 || op >= 0xa0 && op <= 0xa3 && inst.AddrSize == 64):
		mn = "movabs"
	case mn == "movsxd" && inst.DataSize == 64:
		mn = "movslq"
	case mn == "icebp":
		mn = "int1"
	case x86FloatInt[inst.Op] && inst.MemBytes == 2 && mn == strings.ToLower(inst.Op.String()):
		mn += "s"
	case x86BMI[inst.Op] && (strings.HasSuffix(mn, "l") || strings.HasSuffix(mn, "q")) && mn[:len(mn)-1] == strings.ToLower(inst.Op.String()):
		mn = mn[:len(mn)-1]
	}
	out := strings.Join(append(pre, mn), " ")
	if len(words) == 2 {
		out += " " + words[1]
	}
	return out
}

// x86PrefixWord are the prefix words x86asm writes before a mnemonic.
var x86PrefixWord = map[string]bool{
	"lock": true, "rep": true, "repn": true, "data16": true, "data32": true,
	"addr16": true, "addr32": true, "xacquire": true, "xrelease": true, "bnd": true,
}

// x86RepString are the string instructions whose f3 prefix objdump
// writes "rep" (they repeat without a condition).
var x86RepString = map[x86asm.Op]bool{
	x86asm.MOVSB: true, x86asm.MOVSW: true, x86asm.MOVSD: true, x86asm.MOVSQ: true,
	x86asm.STOSB: true, x86asm.STOSW: true, x86asm.STOSD: true, x86asm.STOSQ: true,
	x86asm.LODSB: true, x86asm.LODSW: true, x86asm.LODSD: true, x86asm.LODSQ: true,
	x86asm.INSB: true, x86asm.INSW: true, x86asm.INSD: true,
	x86asm.OUTSB: true, x86asm.OUTSW: true, x86asm.OUTSD: true,
}

// x86DropQ are the mnemonics objdump writes without "q" in 64-bit code.
var x86DropQ = map[string]bool{
	"callq": true, "jmpq": true, "retq": true, "pushq": true, "popq": true,
	"pushfq": true, "popfq": true, "leaveq": true, "lretq": true, "lcallq": true, "ljmpq": true,
	"enterq": true,
}

// x86objdumpImms writes negative immediates as objdump does, as the
// unsigned value of the operand's width: "mov $0xffffffffc02020f4,%rsi",
// where x86asm writes "$-0x3fdfdf0c" for the sign-extended 32-bit
// immediate. In kernel code such immediates are mostly kernel addresses
// (string and object pointers), which read as addresses only this way.
func x86objdumpImms(inst x86asm.Inst, text string) string {
	if inst.Mode != 64 {
		return text // x86asm writes them unsigned in 32-bit code
	}
	for _, a := range inst.Args {
		imm, ok := a.(x86asm.Imm)
		if !ok || imm >= 0 {
			continue
		}
		width := inst.DataSize
		if inst.Op == x86asm.PUSH {
			width = 64 // pushes are 64-bit in 64-bit code
		}
		v := uint64(imm)
		if width < 64 {
			v &= 1<<width - 1
		}
		text = strings.Replace(text, fmt.Sprintf("$%#x", int64(imm)), fmt.Sprintf("$%#x", v), 1)
	}
	return text
}

// x86FloatInt are the x87 operations on integers in memory.
var x86FloatInt = map[x86asm.Op]bool{
	x86asm.FIADD: true, x86asm.FICOM: true, x86asm.FICOMP: true, x86asm.FIDIV: true,
	x86asm.FIDIVR: true, x86asm.FILD: true, x86asm.FIMUL: true, x86asm.FIST: true,
	x86asm.FISTP: true, x86asm.FISTTP: true, x86asm.FISUB: true, x86asm.FISUBR: true,
}

// x86BMI are the VEX-encoded general-register instructions.
var x86BMI = map[x86asm.Op]bool{
	x86asm.ANDN: true, x86asm.BEXTR: true, x86asm.BLSI: true, x86asm.BLSMSK: true,
	x86asm.BLSR: true, x86asm.BZHI: true, x86asm.MULX: true, x86asm.PDEP: true,
	x86asm.PEXT: true, x86asm.RORX: true, x86asm.SARX: true, x86asm.SHLX: true,
	x86asm.SHRX: true,
}

// x86System are the operand-less 0f 01 xx instructions that x86asm does
// not know and kernel code uses: SMAP's clac and stac around every user
// access, VMX and SVM, SGX, protection keys, serialize.
var x86System = map[byte]string{
	0xc1: "vmcall", 0xc2: "vmlaunch", 0xc3: "vmresume", 0xc4: "vmxoff",
	0xca: "clac", 0xcb: "stac", 0xcf: "encls", 0xd4: "vmfunc", 0xd7: "enclu",
	0xd8: "vmrun", 0xd9: "vmmcall", 0xda: "vmload", 0xdb: "vmsave",
	0xdc: "stgi", 0xdd: "clgi", 0xde: "skinit", 0xe8: "serialize",
	0xee: "rdpkru", 0xef: "wrpkru", 0xfc: "clzero", 0xfd: "rdpru", 0xff: "tlbsync",
}

// x86Missing decodes the instructions of kernel code that x86asm does not
// know: the x86System ones; CET's endbr64 and endbr32, which start every
// function of a kernel built with IBT (x86asm reads their f3 as a lone
// prefix, which would also stop the search for where the bytes before the
// IP start); ud1 with REX.W, the trap of the kernel's UBSAN and WARN
// ("67 48 0f b9 3a", ud1 (%edx),%rdi), which x86asm knows without the REX
// only; and the encodings objdump decodes as aliases (x86Alias).
func x86Missing(b []byte, bits int) (x86Inst, bool) {
	switch {
	case len(b) >= 3 && b[0] == 0x0f && b[1] == 0x01 && x86System[b[2]] != "":
		return x86Inst{Inst: x86asm.Inst{Len: 3, Mode: bits}, fixed: x86System[b[2]]}, true
	case len(b) >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa:
		return x86Inst{Inst: x86asm.Inst{Len: 4, Mode: bits}, fixed: "endbr64"}, true
	case len(b) >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfb:
		return x86Inst{Inst: x86asm.Inst{Len: 4, Mode: bits}, fixed: "endbr32"}, true
	}
	if in, ok := x86UD1W(b, bits); ok {
		return in, true
	}
	return x86Alias(b, bits)
}

// x86UD1W decodes ud1 with a REX.W prefix by decoding it without the
// prefix and widening the register operand.
func x86UD1W(b []byte, bits int) (x86Inst, bool) {
	if bits != 64 {
		return x86Inst{}, false
	}
	// Legacy prefixes come before the REX, which is right before the
	// opcode.
	i := 0
	for i < 4 && i < len(b) && (b[i] == 0x66 || b[i] == 0x67) {
		i++
	}
	if len(b) < i+3 || b[i] != 0x48 || b[i+1] != 0x0f || b[i+2] != 0xb9 {
		return x86Inst{}, false
	}
	var buf [2 * maxX86Len]byte
	n := copy(buf[:], b[:i])
	n += copy(buf[n:], b[i+1:min(len(b), maxX86Len)])
	inst, err := x86asm.Decode(buf[:n], bits)
	if err != nil || inst.Op != x86asm.UD1 {
		return x86Inst{}, false
	}
	r, ok := inst.Args[0].(x86asm.Reg)
	if !ok || r < x86asm.EAX || r > x86asm.EDI {
		return x86Inst{}, false
	}
	inst.Args[0] = r - x86asm.EAX + x86asm.RAX
	inst.Len++
	inst.DataSize = 64
	return x86Inst{Inst: inst}, true
}

// x86Alias decodes the encodings that the CPU and objdump take as aliases
// of other instructions and x86asm rejects: test with ModRM.reg 1 (f6, f7)
// as with 0, shl with ModRM.reg 6 (c0, c1, d0-d3) as with 4, and the
// reserved hint NOPs 0f 19, 0f 1d, 0f 1e (not after f3, where 0f 1e is
// endbr or rdssp) and 0f 1f with any ModRM.reg as 0f 1f /0. Compilers do not emit them, but the bytes
// before the IP are decoded from every offset, and agreeing with objdump
// on what decodes keeps the choice of start the same as its. The
// instruction is decoded with the alias's byte patched to the canonical
// one, which has the same length and operands.
func x86Alias(b []byte, bits int) (x86Inst, bool) {
	p := 0 // the opcode's offset, after the prefixes
	rep := false
	for p < len(b) && p < maxX86Len && x86LegacyPrefix[b[p]] {
		rep = rep || b[p] == 0xf3
		p++
	}
	if bits == 64 && p < len(b) && b[p]&0xf0 == 0x40 {
		p++ // REX
	}
	if p+1 >= len(b) {
		return x86Inst{}, false
	}
	var buf [maxX86Len]byte
	n := copy(buf[:], b)
	var want x86asm.Op
	switch op, modrm := b[p], b[p+1]; { // for 0f xx, modrm is the second opcode byte
	case (op == 0xf6 || op == 0xf7) && modrm>>3&7 == 1:
		buf[p+1] &^= 7 << 3
		want = x86asm.TEST
	case (op == 0xc0 || op == 0xc1 || op >= 0xd0 && op <= 0xd3) && modrm>>3&7 == 6:
		buf[p+1] = buf[p+1]&^(7<<3) | 4<<3
		want = x86asm.SHL
	case op == 0x0f && (modrm == 0x19 || modrm == 0x1d || modrm == 0x1e && !rep || modrm == 0x1f) && p+2 < len(b):
		buf[p+1] = 0x1f
		buf[p+2] &^= 7 << 3
		want = x86asm.NOP
	default:
		return x86Inst{}, false
	}
	inst, err := x86asm.Decode(buf[:n], bits)
	if err != nil || inst.Op != want || inst.Len > len(b) {
		return x86Inst{}, false
	}
	return x86Inst{Inst: inst}, true
}

// x86LegacyPrefix are the legacy prefix bytes: lock, rep, segments,
// operand and address size.
var x86LegacyPrefix = map[byte]bool{
	0xf0: true, 0xf2: true, 0xf3: true, 0x2e: true, 0x36: true, 0x3e: true,
	0x26: true, 0x64: true, 0x65: true, 0x66: true, 0x67: true,
}
