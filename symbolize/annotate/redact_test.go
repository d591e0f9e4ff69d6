package annotate

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedactLine(t *testing.T) {
	const f64, f32 = floor64, floor32
	for _, tc := range []struct {
		line  string
		bits  int
		floor uint64
		want  string
	}{
		// Annotated trace entries, registers and the RIP of real logs: the
		// address goes, the symbol stays.
		{"[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\n", 64, f64, "[    4.579878]  vfs_write+0xc2/0x3e0\n"},
		{"[    4.579878]  ? 0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\n", 64, f64, "[    4.579878]  ? vfs_write+0xc2/0x3e0\n"},
		{"[    5.603533] RIP: 0010:0xffffffffc00000d1 oopsdemo_level3+0x32/0xfe [oopsdemo]\n", 64, f64, "[    5.603533] RIP: 0010:oopsdemo_level3+0x32/0xfe [oopsdemo]\n"},
		{"[    8.1] [<ffffffff8123f8e0>] do_softirq+0x10/0x20\n", 64, f64, "[    8.1] do_softirq+0x10/0x20\n"},
		{"[   11.9] EIP: 0xf742f012 [in unloaded module oopsdemo_uaf?]\n", 32, f32, "[   11.9] EIP: [in unloaded module oopsdemo_uaf?]\n"},
		{"[   11.9]  ? 0xf743d000 [oopsdemo+0x1000]\n", 32, f32, "[   11.9]  ? [oopsdemo+0x1000]\n"},
		{"[   13.4] pc : [<bf005138>]    lr : [<bf005120>]    psr: 60000013\n", 32, f32, "[   13.4] pc : [<(redacted)>]    lr : [<(redacted)>]    psr: 60000013\n"},
		// Values no symbol stands for: the placeholder.
		{"[    4.970489] RSP: 0018:ffffd18500413dc8 EFLAGS: 00000246\n", 64, f64, "[    4.970489] RSP: 0018:(redacted) EFLAGS: 00000246\n"},
		{"[    4.9] FS:  0000000016e313c0(0000) GS:ffff8b617e100000(0000) knlGS:0000000000000000\n", 64, f64, "[    4.9] FS:  0000000016e313c0(0000) GS:(redacted)(0000) knlGS:0000000000000000\n"},
		{"[    4.9] R13: 0000000016e33d40 R14: ffff8b617536c000 R15: 0000000000000000\n", 64, f64, "[    4.9] R13: 0000000016e33d40 R14: (redacted) R15: 0000000000000000\n"},
		{"[   13.4] Exception stack(0xc1401f18 to 0xc1401f60)\n", 32, f32, "[   13.4] Exception stack((redacted) to (redacted))\n"},
		{"Code: Unable to access opcode bytes at 0xffffffffffffffd6.\n", 64, f64, "Code: Unable to access opcode bytes at (redacted).\n"},
		{"[   15.4] PHYS_OFFSET: 0xffffb0b700000000\n", 64, f64, "[   15.4] PHYS_OFFSET: (redacted)\n"},
		{"[   15.4] x29: ffff80000a0b3c50 x28: ffff0000031a1a40\n", 64, f64, "[   15.4] x29: (redacted) x28: (redacted)\n"},
		// The KASLR offset, whatever its size.
		{"[   35.4] Kernel Offset: 0x18400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n", 64, f64,
			"[   35.4] Kernel Offset: (redacted) from (redacted) (relocation range: (redacted)-(redacted))\n"},
		{"<0>[   10.6] Kernel Offset: 0x1e00000 from 0xffffffff81000000\n", 64, f64, "<0>[   10.6] Kernel Offset: (redacted) from (redacted)\n"},
		{"[   12.0] Kernel Offset: disabled\n", 32, f32, "[   12.0] Kernel Offset: disabled\n"},
		// Code: bytes with an absolute kernel operand (i386: a1 8c f2 43 f7,
		// mov 0xf743f28c,%eax), and without.
		{"[   11.8] Code: 00 49 e7 5a 59 85 c0 75 11 a1 8c f2 43 f7 c7 40 08 2a <0f> 0b\r\n", 32, f32, "[   11.8] Code: (redacted)\r\n"},
		{"[    4.9] Code: 48 89 e5 41 54 53 48 89 fb <c7> 04 25 10 00 00 00 2a 00 00 00\n", 64, f64, "[    4.9] Code: 48 89 e5 41 54 53 48 89 fb <c7> 04 25 10 00 00 00 2a 00 00 00\n"},
		{"[    8.0] Code: 350000c0 d0000000 52800541 f9420000 (b9001001)\n", 64, f64, "[    8.0] Code: 350000c0 d0000000 52800541 f9420000 (b9001001)\n"},
		// Left alone: user space, physical addresses, poison, data, words.
		{"[    3.9] RSP: 002b:00007ffe13759aa8 EFLAGS: 00000202 ORIG_RAX: 0000000000000001\n", 64, f64, "[    3.9] RSP: 002b:00007ffe13759aa8 EFLAGS: 00000202 ORIG_RAX: 0000000000000001\n"},
		{"[    3.9] CR2: 0000000000559c5a CR3: 0000000001842000 CR4: 00000000000006f0\n", 64, f64, "[    3.9] CR2: 0000000000559c5a CR3: 0000000001842000 CR4: 00000000000006f0\n"},
		{"[    5.6] RAX: dead000000000100 RBX: 6b6b6b6b6b6b6b6b\n", 64, f64, "[    5.6] RAX: dead000000000100 RBX: 6b6b6b6b6b6b6b6b\n"},
		{"[    0.1] __UNIQUE_ID_ffffffff81234567 xffffffff81234567 ffffffff812345678\n", 64, f64, "[    0.1] __UNIQUE_ID_ffffffff81234567 xffffffff81234567 ffffffff812345678\n"},
		{"no newline ffffffff81234567", 64, f64, "no newline (redacted)"},
		// A word right before a dropped number would run into the symbol.
		{"ffffffff[<ffffffff81234567>] ffffffff+0x1/0x2\n", 64, f64, "ffffffff[<(redacted)>] ffffffff+0x1/0x2\n"},
		// Numbers in the prefix count too (a caller id found by fuzzing).
		{"[C0000000]\n", 32, f32, "[(redacted)]\n"},
	} {
		have := string(RedactLine(nil, []byte(tc.line), tc.bits, tc.floor))
		if have != tc.want {
			t.Errorf("%q:\nhave %q\nwant %q", tc.line, have, tc.want)
		}
		// Redacting twice changes nothing more.
		if again := string(RedactLine(nil, []byte(have), tc.bits, tc.floor)); again != have {
			t.Errorf("%q: not idempotent: %q", have, again)
		}
	}
}

func TestRedactFloor(t *testing.T) {
	for _, tc := range []struct {
		bits int
		lo   uint64
		want uint64
	}{
		{64, 0, floor64},
		{64, 0xffffffff81000000, floor64},
		{64, 0xc000000000000000, 0xc000000000000000}, // powerpc64
		{64, 0x100000, minFloor64},                   // s390: no lower than the upper half
		{32, 0xc1000000, floor32},
		{32, 0xbf000000, floor32},
		{32, 0x80000000, 0x80000000},
	} {
		if have := RedactFloor(tc.bits, tc.lo); have != tc.want {
			t.Errorf("%d %#x: %#x, want %#x", tc.bits, tc.lo, have, tc.want)
		}
	}
}

type flushBuffer struct{ bytes.Buffer }

func (*flushBuffer) Flush() error { return nil }

// TestRedactorPieces: lines written in pieces, and a line longer than the
// bound, are redacted whole or in pieces without missing a number.
func TestRedactorPieces(t *testing.T) {
	var out flushBuffer
	r := NewRedactor(&out, 64, floor64)
	in := "[ 1.0] RIP: 0010:0xffffffffc00000d1\n[ 1.0] R14: ffff8b617536c000 R15: 0\n"
	for i := range len(in) {
		r.Write([]byte(in[i : i+1]))
	}
	long := strings.Repeat("junk ffff8b617536c000 ", maxPending/20)
	r.Write([]byte(long))
	r.Write([]byte("tail ffff8b617536c000"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	have := out.String()
	if !strings.HasPrefix(have, "[ 1.0] RIP: 0010:(redacted)\n[ 1.0] R14: (redacted) R15: 0\njunk (redacted) ") || !strings.HasSuffix(have, "tail (redacted)") {
		t.Errorf("have %.200q ... %q", have, have[len(have)-40:])
	}
	if strings.Contains(have, "ffff8b617536c000") {
		t.Error("an address survived in a long line")
	}
}
