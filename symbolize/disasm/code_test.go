package disasm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// Real Code: lines (the text after "Code: "), from the consoles in
// testdata and the corpora in ../shared.
const (
	// nokaslr-module-oops, the BUG of level3: RIP oopsdemo_level3+0x6b.
	x86Line = "f4 20 20 c0 48 89 df e8 86 b7 7e c1 85 c0 75 07 0f 0b e9 90 00 00 00 48 c7 c6 f9 20 20 c0 48 89 df e8 6c b7 7e c1 85 c0 75 02 <0f> 0b 48 c7 c6 fd 20 20 c0 48 89 df e8 57 b7 7e c1 85 c0 75 1c 31"
	// arm64-kaslr-module-oops, the NULL write, with the kernel's trailing
	// space.
	arm64Line = "350000c0 d0000000 52800541 f9420000 (b9001001) "
	// syzkaller decompile/arm/0.in.
	armLine = "9a000012 e2853020 e1a02000 e2422008 (e5034020) "
)

func TestParseCode(t *testing.T) {
	for _, c := range []struct {
		text  string
		form  Form
		n     int    // bytes
		trap  int    // offset of the trap
		first []byte // the bytes at the trap
	}{
		{x86Line, FormBytes, 64, 42, []byte{0x0f, 0x0b}},
		// The i386 console's CRLF lines keep their CR when split at LF.
		{x86Line + "\r", FormBytes, 64, 42, []byte{0x0f, 0x0b}},
		// Words are stored little endian: b9001001 is 01 10 00 b9.
		{arm64Line, FormWords, 20, 16, []byte{0x01, 0x10, 0x00, 0xb9}},
		{armLine, FormWords, 20, 16, []byte{0x20, 0x40, 0x03, 0xe5}},
		// abrt's ARM example, without the trailing space.
		{"ea000005 e59d302c e59d2024 e3a00000 (e5823000)", FormWords, 20, 16, []byte{0x00, 0x30, 0x82, 0xe5}},
		// The armLine's words as Thumb's dump prints halfwords ("%04x ",
		// "(%04x) "), low halfword first as they are in memory. No log
		// of ours has Thumb code.
		{"0012 9a00 3020 e285 (2000) e1a0", FormHalfwords, 12, 8, []byte{0x00, 0x20}},
	} {
		got, err := ParseCode([]byte(c.text))
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if got.Form != c.form || len(got.Bytes) != c.n || got.Trap != c.trap || !bytes.HasPrefix(got.Bytes[got.Trap:], c.first) {
			t.Errorf("%q: form %v, %d bytes, trap at %d (% x...), want %v, %d, %d (% x...)", c.text, got.Form, len(got.Bytes), got.Trap, got.Bytes[got.Trap:], c.form, c.n, c.trap, c.first)
		}
	}
}

func TestParseCodeRejects(t *testing.T) {
	for _, c := range []struct {
		text    string
		noBytes bool // ErrNoBytes rather than a *SyntaxError
	}{
		// What the kernel prints when it cannot read the bytes (syzkaller
		// reports, the i386 console, arm's "bad PC value").
		{"Bad RIP value.", true},
		{" Bad RIP value.", true}, // 4.x: "Code: " then " Bad RIP value."
		{"Unable to access opcode bytes at RIP 0xffffffffffffffd6.", true},
		{"Unable to access opcode bytes at 0xf742efe8.\r", true},
		{"bad PC value", true},
		// Lines cut or joined by the collector (abrt, syzkaller): no
		// marked byte, a unit cut short, a unit run into the next line.
		{"c7 43 10 00 00 00 00 ff 4e 30 e8 bc 14 01 00 8b 03 a9 00 00 08 00 74 0c", false},
		{"66 31 d2 09 c2 89 d8 e8 fc e7 ff ff 8b 83 cc 00 00 00 8b 53 34 03 10 8b 86 70 02 00 00 2b  50 44", false},
		{"18 65 48 8b 04 2", false},
		{"73 01 c3 48 8b 0d c8 4a 2b 00 31 d2 48 29 c2 64 89 11 48 83 c8 ff eb ea 90 90 83 3d 854", false},
		{"", false},
		// Real lines spoilt: two marks, the wrong marks, an open mark,
		// widths mixed, junk after a unit.
		{strings.Replace(x86Line, "0b 48", "<0b> 48", 1), false},
		{strings.Replace(arm64Line, "(b9001001)", "<b9001001>", 1), false},
		{strings.Replace(x86Line, "<0f>", "(0f)", 1), false},
		{strings.Replace(x86Line, "<0f>", "<0f", 1), false},
		{strings.Replace(arm64Line, "d0000000", "d000", 1), false},
		{strings.Replace(x86Line, "0b 48", "0bx 48", 1), false},
		{strings.Replace(x86Line, "<0f>", "<>", 1), false},
		{"(b9001001) 123456789", false},
	} {
		_, err := ParseCode([]byte(c.text))
		var se *SyntaxError
		switch {
		case err == nil:
			t.Errorf("%q: accepted", c.text)
		case c.noBytes && !errors.Is(err, ErrNoBytes):
			t.Errorf("%q: %v, want ErrNoBytes", c.text, err)
		case !c.noBytes && !errors.As(err, &se):
			t.Errorf("%q: %v, want a *SyntaxError", c.text, err)
		case se != nil && (se.Offset < 0 || se.Offset > len(c.text)):
			t.Errorf("%q: error at byte %d, outside the text", c.text, se.Offset)
		}
	}
	spoilt := strings.Replace(x86Line, "0b 48", "0bx 48", 1)
	_, err := ParseCode([]byte(spoilt))
	if want := fmt.Sprintf("Code: text, byte %d: want a space between units", strings.Index(spoilt, "x")); err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestParseCodeBounded: a line of any length costs a bounded amount of
// work: parsing stops after MaxBytes of instructions, and a megabyte of
// anything else is one linear pass.
func TestParseCodeBounded(t *testing.T) {
	long := strings.Repeat(strings.Replace(x86Line, "<0f>", "0f", 1)+" ", (1<<20)/len(x86Line))
	var se *SyntaxError
	if _, err := ParseCode([]byte(long)); !errors.As(err, &se) || se.Offset > 4*MaxBytes {
		t.Errorf("a 1 MB dump: %v, want an error within the first %d bytes", err, 4*MaxBytes)
	}
	for _, text := range []string{
		strings.Repeat(" ", 1<<20) + "<0f> 0b",
		strings.Repeat("0", 1<<20),
		strings.Repeat("<", 1<<20),
		"[    4.579462] Code: " + long,
	} {
		start := time.Now()
		c, err := ParseCode([]byte(text))
		if _, ok := FindCode([]byte(text)); ok {
			c, err = ParseCode([]byte(text)[len("[    4.579462] Code: "):])
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%q...: %v", text[:40], d)
		}
		if err == nil && len(c.Bytes) > MaxBytes {
			t.Errorf("%q...: %d bytes", text[:40], len(c.Bytes))
		}
	}
	// The largest dump ParseCode takes decodes in bounded time too: x86's
	// search for the start decodes each offset once.
	most := strings.Repeat("48 89 df ", MaxBytes/3-1) + "<0f> 0b"
	c, err := ParseCode([]byte(most))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	insns, err := c.Disassemble(Machine{Arch: parse.ArchX86}, 0, nil)
	if err != nil || len(insns) != MaxBytes/3 || insns[0].Kind != Decoded || !insns[len(insns)-1].Trap {
		t.Errorf("%d instructions, %v", len(insns), err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("%d bytes of x86 took %v", len(c.Bytes), d)
	}
}

func TestFindCode(t *testing.T) {
	for _, c := range []struct {
		line string
		at   int // -1: not a Code: line
	}{
		{"[   13.079596] Code: 85 c0 75 13", 21},
		{"Code: ea000005 e59d302c", 6},
		{"[  180.213292][ T6213] Code: 73 01 c3", 29},
		{"Jan 12 19:08:41 :HOSTNAME: kernel: Code: 66 31 d2", 41},
		{"<4>[ 1156.705903] Code: 64 89 02", 24},
		{"[16164.398615] Krnl Code: 000003ff8086d02a: c020ffffe006        larl    %r2,3ff80869036", -1},
		{"Code| x86-64 disassembly of the Code: line above", -1},
		{"[   13.080060] RAX: 0000000000000000 Code: 0f 0b", -1},
		{"", -1},
		{"Code:", -1},
	} {
		at, ok := FindCode([]byte(c.line))
		if ok != (c.at >= 0) || ok && at != c.at {
			t.Errorf("%q: %d %v, want %d", c.line, at, ok, c.at)
		}
	}
}

func TestX86Bits(t *testing.T) {
	for _, c := range []struct {
		line string
		bits int
	}{
		{"[   14.107787] RIP: 0010:oopsdemo_level3+0x32/0xfe [oopsdemo]", 64},
		{"[   13.084538] RIP: 0033:0x47b7a0", 64},
		{"[ 1889.687585][T11163] RIP: 0023:0xf7421509", 32},
		{"[   11.887545] EIP: oopsdemo_level3+0x49/0xd9 [oopsdemo]", 32},
		{"[   13.080060] RAX: 0000000000000000 RBX: ffffc900003a3c58 RCX: c0000000ffffefff", 64},
		{"[   11.888105] EAX: 00000000 EBX: c1e59bf0 ECX: c1e59bf0 EDX: f743e0ec", 32},
		{"[    8.086071] pc : oopsdemo_level3+0x4c/0x12c [oopsdemo]", 0},
	} {
		bits, ok := X86Bits([]byte(c.line))
		if bits != c.bits || ok != (c.bits != 0) {
			t.Errorf("%q: %d %v, want %d", c.line, bits, ok, c.bits)
		}
	}
}

// TestDisassembleErrors: forms that do not fit the machine, Thumb code and
// architectures without a decoder are errors, wrapping ErrForm and
// ErrUnsupported.
func TestDisassembleErrors(t *testing.T) {
	x86, _ := ParseCode([]byte(x86Line))
	arm, _ := ParseCode([]byte(armLine))
	thumb, _ := ParseCode([]byte("0012 9a00 3020 e285 (2000) e1a0"))
	for _, c := range []struct {
		code Code
		m    Machine
		want error
	}{
		{x86, Machine{Arch: parse.ArchARM64}, ErrForm},
		{x86, Machine{Arch: parse.ArchARM}, ErrForm},
		{arm, Machine{Arch: parse.ArchX86}, ErrForm},
		{thumb, Machine{Arch: parse.ArchARM}, ErrUnsupported},
		{thumb, Machine{Arch: parse.ArchARM64}, ErrForm},
		{arm, Machine{Arch: parse.ArchRISCV}, ErrUnsupported},
		{arm, Machine{Arch: parse.ArchUnknown}, ErrUnsupported},
		{Code{}, Machine{Arch: parse.ArchX86}, nil},
	} {
		insns, err := c.code.Disassemble(c.m, 0, nil)
		if err == nil || insns != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%v code of %s: %v, %d instructions; want %v", c.code.Form, c.m, err, len(insns), c.want)
		}
	}
}

// TestTargets: branch targets and PC-relative operands are computed from
// the trapping address and named by the symbolizer, on each architecture.
func TestTargets(t *testing.T) {
	names := map[uint64]string{
		0xffffffff819ec890: "strcmp+0x0/0x30",
		0xffffcfc63c72d150: "oopsdemo_level3+0x54/0x12c [oopsdemo]",
		0xb0000050:         "sysrq_handle_crash+0x10/0x20",
	}
	sym := func(a uint64) (string, bool) { s, ok := names[a]; return s, ok }
	for _, c := range []struct {
		line string
		m    Machine
		ip   uint64
		want []string
	}{
		{x86Line, Machine{Arch: parse.ArchX86}, 0xffffffffc0201128, []string{
			"call ffffffff819ec890 <strcmp+0x0/0x30>", // e8 rel32, backwards across 2 GB
			"jne ffffffffc020112a",                    // 75 07 to the trap itself
			"mov $0xffffffffc02020fd,%rsi",            // an immediate, not a target
			"jmp ffffffffc02011a5",                    // e9 rel32 forwards
		}},
		{arm64Line, Machine{Arch: parse.ArchARM64}, 0xffffcfc63c72d148, []string{
			"cbnz w0, ffffcfc63c72d150 <oopsdemo_level3+0x54/0x12c [oopsdemo]>",
			"adrp x0, ffffcfc63c72f000", // the page, plus 0x2000
		}},
		{armLine, Machine{Arch: parse.ArchARM}, 0xb0000010, []string{
			"bls b0000050 <sysrq_handle_crash+0x10/0x20>", // PC reads 8 ahead
		}},
		// i386: the address wraps at 32 bits.
		{"00 49 e7 5a 59 85 c0 75 11 a1 8c f2 43 f7 c7 40 08 2a 00 00 00 e9 8e 00 00 00 ba ec e0 43 f7 89 d8 e8 50 00 49 e7 85 c0 75 04 <0f> 0b", Machine{Arch: parse.ArchX86, Bits: 32}, 0xf743d0d4, []string{
			"call de8cd120",
			"jne f743d0c4",
		}},
	} {
		code, err := ParseCode([]byte(c.line))
		if err != nil {
			t.Fatal(err)
		}
		insns, err := code.Disassemble(c.m, c.ip, sym)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, in := range insns {
			texts = append(texts, in.Text)
			if !in.AddrKnown || in.Trap && in.Addr != c.ip {
				t.Errorf("%s: %+v", c.m, in)
			}
		}
		all := strings.Join(texts, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no %q in\n%s", c.m, w, all)
			}
		}
	}
}

// TestKernelInstructionsX86asmLacks: the instructions of kernel code that
// x86asm does not decode, as they appear in real Code: lines, decode as
// objdump decodes them (the corpora lines of TestObjdump hold them too).
func TestKernelInstructionsX86asmLacks(t *testing.T) {
	for _, c := range []struct {
		bytes string
		want  string
	}{
		{"f3 0f 1e fa", "endbr64"},               // every function of an IBT kernel
		{"0f 01 ca", "clac"},                     // syzkaller report 612, copy_user
		{"67 48 0f b9 3a", "ud1 (%edx),%rdi"},    // syzkaller report 753, the WARN trap
		{"f6 0f 84", "testb $0x84,(%rdi)"},       // syzkaller report 323, before the IP
		{"c0 75 1a 8e", "shlb $0x8e,0x1a(%rbp)"}, // syzkaller report 713, before the IP
		{"0f 1e fa", "nop %edx"},                 // satyr rhbz-1518943, an endbr cut
		{"66 66 66 66 90", "data16 data16 data16 xchg %ax,%ax"},
	} {
		var b []byte
		for _, h := range strings.Fields(c.bytes) {
			v, _ := hexRun([]byte(h))
			b = append(b, byte(v))
		}
		in, ok := x86Decode(b, 64)
		if !ok || in.Len != len(b) {
			t.Errorf("%s: not decoded (%v, %d bytes)", c.bytes, ok, in.Len)
			continue
		}
		if got := x86Text(in, 0, &targets{bits: 64}); got != c.want {
			t.Errorf("%s: %q, want %q", c.bytes, got, c.want)
		}
	}
}

// TestThumbHalfwordsLittleEndian: a halfword dump keeps each halfword's
// value and stores it as memory holds it.
func TestThumbHalfwordsLittleEndian(t *testing.T) {
	c, err := ParseCode([]byte("0012 9a00 (3020)"))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint16(c.Bytes[c.Trap:]); got != 0x3020 {
		t.Errorf("%#x", got)
	}
}
