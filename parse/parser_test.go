package parse

import (
	"fmt"
	"strings"
	"testing"
)

// TestMultipleBracketsPerLine uses a 2.4-era call trace (several entries a
// line) from the satyr corpus style, and checks offsets and values.
func TestMultipleBracketsPerLine(t *testing.T) {
	line := "Call Trace: [<c02b7894>] [<c0253c9a>] [<c0123456>]"
	toks := NewParser(ArchX86).Tokens([]byte(line))
	want := []uint64{0xc02b7894, 0xc0253c9a, 0xc0123456}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d", len(toks), len(want))
	}
	for i, tok := range toks {
		if tok.Value != want[i] || line[tok.Start:tok.End] != fmt.Sprintf("[<%08x>]", want[i]) || tok.Symbolized {
			t.Errorf("token %d: %+v", i, tok)
		}
	}
}

func TestArchLearnedFromLog(t *testing.T) {
	p := NewParser(0)
	p.Tokens([]byte("[    8.085861] pstate: 00000005 (nzcv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)"))
	if p.Arch() != ArchARM64 {
		t.Fatalf("arch %v after pstate:", p.Arch())
	}
	toks := p.Tokens([]byte("[   11.123456]  0xffffab9a7a22f01c"))
	if len(toks) != 1 || toks[0].Role != RoleCall {
		t.Errorf("arm64 trace entry: %+v", toks)
	}
	p.Tokens([]byte("[   13.079596] RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]"))
	if p.Arch() != ArchX86 {
		t.Errorf("arch %v after RIP:", p.Arch())
	}
	// 32-bit ARM without "PC is at": a sysrq panic's trace, and the boot.
	for _, line := range []string{
		"[   13.406249]  unwind_backtrace from show_stack+0x18/0x1c",
		"[<c0013a18>] (unwind_backtrace+0x0/0xf0) from [<c0011a2c>] (show_stack+0x10/0x14)",
		"[    0.000000] CPU: ARMv7 Processor [414fc0f0] revision 0 (ARMv7), cr=30c5387d",
	} {
		p := NewParser(0)
		p.Tokens([]byte(line))
		if p.Arch() != ArchARM {
			t.Errorf("arch %v after %q", p.Arch(), line)
		}
	}
	if fixed := NewParser(ArchARM); fixed.Tokens([]byte("RIP: 0010:0xffffffffc00000f0")) != nil && fixed.Arch() != ArchARM {
		t.Error("a fixed arch changed")
	}
}

// TestSplitPrefix strips the collectors' headers from real lines: dmesg
// timestamps, CONFIG_PRINTK_CALLER ids, printk levels, and syslog lines
// from the abrt corpus. The journalctl and dmesg -T/-x headers put the
// layout their tools document in front of real kernel text (the corpora
// hold no journalctl export).
func TestSplitPrefix(t *testing.T) {
	tests := []struct{ line, body string }{
		{"[   13.076371] ------------[ cut here ]------------", "------------[ cut here ]------------"},
		{"[    4.579878]  0xffffffffc00001a2", " 0xffffffffc00001a2"},
		{"[   67.921889][T10420] Not enough msr switch entries. Can't add msr abd1e896", "Not enough msr switch entries. Can't add msr abd1e896"},
		{"[  472.681820][ T5233] epc : ffffffe00008c762 ra : ffffffe00008c760 sp : ffffffe00853fec0", "epc : ffffffe00008c762 ra : ffffffe00008c760 sp : ffffffe00853fec0"},
		{"[   50.500958][    C1] BUG: KASAN: use-after-free in pn533_send_complete.cold+0x47/0x6c", "BUG: KASAN: use-after-free in pn533_send_complete.cold+0x47/0x6c"},
		{"[ 1034.382528][    C0]   0x75ebdad8", "  0x75ebdad8"},
		{"<6>[   85.501187] WARNING: foo", "WARNING: foo"},
		{"Oct 11 10:57:36 :HOSTNAME: kernel: [ 4552.564718] ------------[ cut here]------------", "------------[ cut here]------------"},
		{"Jan 12 19:08:41 :HOSTNAME: kernel: EIP: 0060:[<f88dec25>] EFLAGS: 00213246 CPU: 1", "EIP: 0060:[<f88dec25>] EFLAGS: 00213246 CPU: 1"},
		// journalctl -o short, short-precise, short-iso, short-iso-precise,
		// short-monotonic; dmesg -T and -x.
		{"Nov 22 10:00:00 debian kernel: RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]", "RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]"},
		{"Nov  2 10:00:00.123456 debian kernel: RIP: 0010:0xffffffffc00000f0", "RIP: 0010:0xffffffffc00000f0"},
		{"2026-11-22T10:00:00+0000 debian kernel: RIP: 0010:0xffffffffc00000f0", "RIP: 0010:0xffffffffc00000f0"},
		{"2026-11-22T10:00:00.123456+00:00 debian kernel:  0xffffffffc00001a2", " 0xffffffffc00001a2"},
		{"[   13.079393] debian kernel: RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]", "RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]"},
		{"[Sun Nov 22 10:00:00 2026] RIP: 0010:0xffffffffc00000f0", "RIP: 0010:0xffffffffc00000f0"},
		// journalctl -o short-full, short-unix and short-delta, real lines
		// (testdata/x86_64-kaslr-inputs/journal).
		{"Sun 2026-11-29 08:24:54 UTC localhost kernel: R13: 000000002bc38d70 R14: ffff8aaf423a7000 R15: 0000000000000000", "R13: 000000002bc38d70 R14: ffff8aaf423a7000 R15: 0000000000000000"},
		{"1795940694.648774 localhost kernel: R13: 000000002bc38d70 R14: ffff8aaf423a7000 R15: 0000000000000000", "R13: 000000002bc38d70 R14: ffff8aaf423a7000 R15: 0000000000000000"},
		{"[   15.239845 <    0.000053 >] localhost kernel: R13: 000000002bc38d70", "R13: 000000002bc38d70"},
		{"[    0.000000                ] localhost kernel: Linux version 6.1.0-56-amd64", "Linux version 6.1.0-56-amd64"},
		{"kern  :warn  : [    4.577895] WARNING: CPU: 0 PID: 92 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 0xffffffffc00000f0", "WARNING: CPU: 0 PID: 92 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 0xffffffffc00000f0"},
		// Not prefixes.
		{"oopsdemo-init: trigger warn", "oopsdemo-init: trigger warn"},
		{"[    8.084517] [0000000000000010] pgd=08000000446ff003, p4d=08000000446ff003, pud=0800000044700003, pmd=0000000000000000", "[0000000000000010] pgd=08000000446ff003, p4d=08000000446ff003, pud=0800000044700003, pmd=0000000000000000"},
		{"Nov  9 15:43:47 abrtd: Scanning syslog...", "Nov  9 15:43:47 abrtd: Scanning syslog..."},
		{"1795940694 localhost kernel: x", "1795940694 localhost kernel: x"},
		{"Sun 2026-11-29 localhost kernel: x", "Sun 2026-11-29 localhost kernel: x"},
		{"Sep 21 16:36:22 dhcp-24-159.brq.redhat.com /usr/libexec/gdm-x-session[1115]: (EE) Backtrace:", "Sep 21 16:36:22 dhcp-24-159.brq.redhat.com /usr/libexec/gdm-x-session[1115]: (EE) Backtrace:"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := tc.line[SplitPrefix([]byte(tc.line)):]; got != tc.body {
			t.Errorf("%q: body %q, want %q", tc.line, got, tc.body)
		}
		// Every cut of a prefixed line is a line a collector may emit
		// (a console that lost bytes): no matcher may read past its end.
		// "kern  :w" (8 bytes) once did.
		for n := range len(tc.line) {
			if k := SplitPrefix([]byte(tc.line[:n])); k < 0 || k > n {
				t.Errorf("%q: prefix of %d bytes", tc.line[:n], k)
			}
		}
	}
}

func TestSymbolAfter(t *testing.T) {
	tests := []struct {
		line string
		end  int
		want string // "" for no symbol
	}{
		{" [<ffffffff8106dd4f>] ? warn_slowpath_common+0x7f/0xc0", 21, "warn_slowpath_common+0x7f/0xc0"},
		{"IP: [<f88dec25>] :radeon:radeon_cp_init_ring_buffer+0x90/0x302", 16, "radeon_cp_init_ring_buffer+0x90/0x302 [radeon]"},
		{"[<80470054>] (prepare_alloc_pages.constprop.0) from", 12, ""},
		{"[<804700dc>] (prepare_alloc_pages.constprop.0+0x88/0x1a4 mm/page_alloc.c:5365)", 12, "prepare_alloc_pages.constprop.0+0x88/0x1a4"},
		{"0xffffffffc00001a2 oopsdemo_level2+0x5/0x18 [oopsdemo]", 18, "oopsdemo_level2+0x5/0x18 [oopsdemo]"},
		{"0xffffffffc00001a2 oopsdemo_level2+0x5/0x18 [oopsdemo b31b2967c1e04f4f]", 18, "oopsdemo_level2+0x5/0x18 [oopsdemo]"},
		{"0xffffffffc00001a2", 18, ""},
		{"0xffffffffc00001a2 foo+0x5", 18, ""},
	}
	for _, tc := range tests {
		s, ok := SymbolAfter([]byte(tc.line), tc.end)
		got := ""
		if ok {
			got = fmt.Sprintf("%s+0x%x/0x%x", s.Name, s.Offset, s.Size)
			if s.Module != "" {
				got += " [" + s.Module + "]"
			}
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestPrintedSymbols(t *testing.T) {
	line := []byte("[   11.885973] WARNING: CPU: 1 PID: 100 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 oopsdemo_level3+0x49/0xd9 [oopsdemo]")
	got := PrintedSymbols(nil, line)
	if len(got) != 1 || got[0] != (PrintedSymbol{"oopsdemo_level3", 0x49, 0xd9, "oopsdemo"}) {
		t.Errorf("got %+v", got)
	}
	line = []byte("[   13.407254]  panic from sysrq_reset_seq_param_set+0x0/0x90")
	if got := PrintedSymbols(nil, line); len(got) != 1 || got[0].Name != "sysrq_reset_seq_param_set" || got[0].Size != 0x90 {
		t.Errorf("got %+v", got)
	}
	if got := PrintedSymbols(nil, []byte("jump+0x10 and x+0xq/0x1")); len(got) != 0 {
		t.Errorf("got %+v", got)
	}
}

// TestTokensBounded: a junk line full of addresses yields at most
// MaxTokens tokens, still ordered and disjoint.
func TestTokensBounded(t *testing.T) {
	line := []byte(strings.Repeat("[<ffffffff8123f8e0>] ", 100000))
	toks := NewParser(ArchX86).Tokens(line)
	if len(toks) == 0 || len(toks) > MaxTokens {
		t.Fatalf("%d tokens", len(toks))
	}
	for i := 1; i < len(toks); i++ {
		if toks[i].Start < toks[i-1].End {
			t.Fatal("overlapping tokens")
		}
	}
}

// TestFirstByteTables keeps the one-byte prefilters in step with the
// tables they stand for.
func TestFirstByteTables(t *testing.T) {
	for _, h := range reportHeaders {
		if !strings.Contains(reportFirstBytes, h.prefix[:1]) {
			t.Errorf("reportFirstBytes lacks %q (%s)", h.prefix[:1], h.prefix)
		}
	}
	for _, c := range archCues {
		if lead := strings.TrimLeft(c.literal, " "); lead == c.literal && !strings.Contains(archCueFirstBytes, lead[:1]) {
			t.Errorf("archCueFirstBytes lacks %q (%s)", lead[:1], c.literal)
		}
	}
	for _, f := range factFormats {
		if !strings.Contains(factFirstBytes, f.prefix[:1]) {
			t.Errorf("factFirstBytes lacks %q (%s)", f.prefix[:1], f.prefix)
		}
	}
}
