package parse

import (
	"fmt"
	"strings"
	"testing"
)

// describe renders tokens as "text role" with a trailing "+sym" when the
// kernel already named the address.
func describe(line string, toks []Token) []string {
	var out []string
	for _, t := range toks {
		d := fmt.Sprintf("%s %v", line[t.Start:t.End], t.Role)
		if t.Symbolized {
			d += " +sym"
		}
		out = append(out, d)
	}
	return out
}

// TestTokens runs the format table over real lines: from the repository's
// console logs (Debian 6.1 on x86_64, arm64, armhf; a kernel without
// kallsyms) and from the syzkaller, satyr and abrt corpora (2.6 to 6.x).
func TestTokens(t *testing.T) {
	tests := []struct {
		arch Arch
		line string
		want []string
	}{
		// x86_64 without kallsyms: every address raw.
		{0, "[    4.579293] RIP: 0010:0xffffffffc00000f0", []string{"0xffffffffc00000f0 ip"}},
		{0, "[    4.577895] WARNING: CPU: 0 PID: 92 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 0xffffffffc00000f0", []string{"0xffffffffc00000f0 ip"}},
		{ArchX86, "[    4.579878]  0xffffffffc00001a2", []string{"0xffffffffc00001a2 return"}},
		{ArchX86, "[   13.012345]  ? 0xffffffffc025c000", []string{"0xffffffffc025c000 return"}},
		{ArchX86, "2026-11-22 10:00:00,123 console:  0xffffffffc00001a2", []string{"0xffffffffc00001a2 return"}},
		{ArchX86, "[   13.0] Code: Unable to access opcode bytes at 0xffffffffffffffd6.", nil},
		{0, "[    4.583136] RIP: 0033:0x000000000047b7a0", nil},
		{0, "[   13.084538] RIP: 0033:0x47b7a0", nil},
		{0, "[    4.579878] RDX: 0000000000000000 RSI: ffffffffc00010ec RDI: ffffc9000021be18",
			[]string{"0000000000000000 value", "ffffffffc00010ec value", "ffffc9000021be18 value"}},
		{0, "[    4.579845] RSP: 0018:ffffc9000021bdf8 EFLAGS: 00000246", nil},
		{0, "[    4.579462] Code: 85 c0 75 13 48 8b 05 87 22 00 00 c7 40 10 2a 00 00 00 e9 aa 00 00 00 48 c7 c6 ec 10 00 c0 48 89 df e8 34 0a 84 c1 85 c0 75 07 <0f> 0b e9 90 00 00 00", nil},
		{0, "[   28.811218] Kernel Offset: 0xd400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)", nil},
		// Symbolized by the kernel: found, and marked so.
		{0, "[   13.079596] RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]", nil},
		{0, "EIP: 0060:[<f83f9f24>] EFLAGS: 00010246 CPU: 0", []string{"[<f83f9f24>] ip"}},
		{0, "Jan 12 19:08:41 :HOSTNAME: kernel: EIP: 0060:[<f88dec25>] EFLAGS: 00213246 CPU: 1", []string{"[<f88dec25>] ip"}},
		{0, "IP: [<f88dec25>] :radeon:radeon_cp_init_ring_buffer+0x90/0x302", []string{"[<f88dec25>] ip +sym"}},
		{0, "[   56.886647] RIP  [<ffffffff8144d081>] __free_pages+0x21/0x80", []string{"[<ffffffff8144d081>] ip +sym"}},
		{0, "RIP: 0010:[<ffffffff84352ab6>]  [<ffffffff84352ab6>] __list_del include/linux/list.h:89 [inline]",
			[]string{"[<ffffffff84352ab6>] ip +sym", "[<ffffffff84352ab6>] return +sym"}},
		{ArchX86, " [<ffffffff8106dd4f>] ? warn_slowpath_common+0x7f/0xc0", []string{"[<ffffffff8106dd4f>] return +sym"}},
		// arm64.
		{0, "[    8.086071] pc : oopsdemo_level3+0x4c/0x12c [oopsdemo]", nil},
		{0, "[    8.087365] x17: 0000000000000000 x16: ffffcfc6aac9b470 x15: ffff800008453450",
			[]string{"0000000000000000 value", "ffffcfc6aac9b470 value", "ffff800008453450 value"}},
		{0, "[    8.087871] x8 : 0101010101010101 x7 : c0000000ffffefff x6 : 0000000080808080",
			[]string{"0101010101010101 value", "c0000000ffffefff value", "0000000080808080 value"}},
		{0, "[   11.123456] pc : 0xffffab9a7a22f01c", []string{"0xffffab9a7a22f01c ip"}},
		{0, "[   11.123456] lr : 0xffffab9a7a22f064", []string{"0xffffab9a7a22f064 call"}},
		{ArchARM64, "[   11.123456]  0xffffab9a7a22f01c", []string{"0xffffab9a7a22f01c call"}},
		// ARM.
		{0, "[ 9080.468826][T11783] pc : [<802b4048>]    lr : [<802e1324>]    psr: 60000193",
			[]string{"[<802b4048>] ip", "[<802e1324>] call"}},
		{0, "[   21.402839] PC is at 0xbf018014", []string{"0xbf018014 ip"}},
		{0, "[   21.402839] PC is at 0x0", []string{"0x0 ip"}},
		{0, "[ 9080.467190][T11783] PC is at __sanitizer_cov_trace_pc+0x4c/0x78", nil},
		{0, "[   13.407254]  panic from sysrq_reset_seq_param_set+0x0/0x90", nil},
		{0, "[   21.402839]  secondary_start_kernel from 0x40301a20", []string{"0x40301a20 call"}},
		{0, "[   21.402839]  0xbf005000 from 0xbf0050b8", []string{"0xbf005000 ip", "0xbf0050b8 call"}},
		{ArchARM, "[<8046ffdc>] (should_fail_alloc_page) from [<804700dc>] (prepare_alloc_pages.constprop.0+0x88/0x1a4 mm/page_alloc.c:5365)",
			[]string{"[<8046ffdc>] call +sym", "[<804700dc>] call +sym"}},
		{0, "[   13.412248] 1f00:                                                       00000005 00000000", nil},
		// powerpc.
		{0, "[ 104.630397] NIP [c000000008068dfc] .eeh_dev_check_failure+0x27c/0x390", []string{"[c000000008068dfc] ip +sym"}},
		{0, "[c00000007a3efa20] [c00000000030a060] rebuild_sched_domains_locked+0x7b0/0x13a0 kernel/cgroup/cpuset.c:1007",
			[]string{"[c00000000030a060] call +sym"}},
		{0, "[c00000007a3efa20] [c00000000030a060] partition_and_rebuild_sched_domains kernel/cgroup/cpuset.c:965 [inline]",
			[]string{"[c00000000030a060] call +sym"}},
		{0, "GPR04: 0000000000000800 0000000000000000 0000000000000000 0000000000000010 ",
			[]string{"0000000000000800 value", "0000000000000000 value", "0000000000000000 value", "0000000000000010 value"}},
		// RISC-V.
		{0, "[  472.681820][ T5233] epc : ffffffe00008c762 ra : ffffffe00008c760 sp : ffffffe00853fec0",
			[]string{"ffffffe00008c762 ip", "ffffffe00008c760 value", "ffffffe00853fec0 value"}},
		{0, "[  472.679566][ T5233] epc : schedule_tail+0x72/0xb2", nil},
	}
	for _, tc := range tests {
		p := NewParser(tc.arch)
		got := describe(tc.line, p.Tokens([]byte(tc.line)))
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q:\n got  %q\n want %q", tc.line, got, tc.want)
		}
	}
}

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
	if fixed := NewParser(ArchARM); fixed.Tokens([]byte("RIP: 0010:0xffffffffc00000f0")) != nil && fixed.Arch() != ArchARM {
		t.Error("a fixed arch changed")
	}
}

func TestSplitPrefix(t *testing.T) {
	tests := []struct{ line, body string }{
		{"[   13.076371] ------------[ cut here ]------------", "------------[ cut here ]------------"},
		{"[    4.579878]  0xffffffffc00001a2", " 0xffffffffc00001a2"},
		{"[  492.198014][T24950] RIP: 0010:foo", "RIP: 0010:foo"},
		{"[ 1034.382528][    C0]   0x75ebdad8", "  0x75ebdad8"},
		{"<4>[   13.0] Call Trace:", "Call Trace:"},
		{"Jan 11 22:31:37 host kernel: [ 4552.564718] Call Trace:", "Call Trace:"},
		{"Jan 12 19:08:41 :HOSTNAME: kernel: EIP: 0060:[<f88dec25>]", "EIP: 0060:[<f88dec25>]"},
		{"Nov 22 10:00:00.123456 box kernel: RIP: 0010:x", "RIP: 0010:x"},
		{"2026-11-22T10:00:00+0000 box kernel: RIP: 0010:x", "RIP: 0010:x"},
		{"[   12.345678] box kernel: RIP: 0010:x", "RIP: 0010:x"},
		{"[Sun Nov 22 10:00:00 2026] RIP: 0010:x", "RIP: 0010:x"},
		{"oopsdemo-init: trigger warn", "oopsdemo-init: trigger warn"},
		{"kern  :warn  : [    4.577895] WARNING: CPU: 0", "WARNING: CPU: 0"},
		{"kern  :info  : [    1.0] x", "x"},
		{"[0000000000000010] pgd=08000000446ff003", "[0000000000000010] pgd=08000000446ff003"},
		{"Nov 22 10:00:00 box sshd[123]: Accepted", "Nov 22 10:00:00 box sshd[123]: Accepted"},
	}
	for _, tc := range tests {
		if got := tc.line[SplitPrefix([]byte(tc.line)):]; got != tc.body {
			t.Errorf("%q: body %q, want %q", tc.line, got, tc.body)
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
