package parse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A tokenCase is a real log line and the tokens the format table must find
// in it, each as "text role", with "+sym" when the kernel already printed
// the symbol.
type tokenCase struct {
	arch Arch
	line string
	want []string
	// src is empty when the line is copied from a file of the
	// repository's testdata or of ../shared (TestTokenCasesAreReal checks
	// it); otherwise it says where the line was quoted from.
	src string
}

// tokenCases cover every row of lineFormats and registerFormats with lines
// from the repository's console logs (Debian 6.1 on x86_64, i386, arm64,
// armhf; a kernel without kallsyms) and from the syzkaller, satyr and abrt
// corpora (2.6 to 6.x), plus lines that must yield nothing.
var tokenCases = []tokenCase{
	// x86 RIP/EIP with a segment selector.
	{0, "[    4.579293] RIP: 0010:0xffffffffc00000f0", []string{"0xffffffffc00000f0 ip"}, ""},
	{0, "[    5.603533] RIP: 0010:0xffffffffc00000d1", []string{"0xffffffffc00000d1 ip"}, ""},
	{0, "[   13.079393] RIP: 0010:oopsdemo_level3+0x51/0xfe [oopsdemo]", nil, ""},
	{0, "[    4.583136] RIP: 0033:0x000000000047b7a0", nil, ""}, // user space
	{0, "[   13.084538] RIP: 0033:0x47b7a0", nil, ""},
	{0, "EIP: 0060:[<f83f9f24>] EFLAGS: 00010246 CPU: 0", []string{"[<f83f9f24>] ip"}, ""},
	{0, "Jan 12 19:08:41 :HOSTNAME: kernel: EIP: 0060:[<f88dec25>] EFLAGS: 00213246 CPU: 1", []string{"[<f88dec25>] ip"}, ""},
	{0, "RIP: 0010:[<ffffffff84352ab6>]  [<ffffffff84352ab6>] __list_del include/linux/list.h:89 [inline]",
		[]string{"[<ffffffff84352ab6>] ip +sym", "[<ffffffff84352ab6>] return +sym"}, ""},
	// x86 RIP/EIP/IP without a selector.
	{0, "IP: [<f88dec25>] :radeon:radeon_cp_init_ring_buffer+0x90/0x302", []string{"[<f88dec25>] ip +sym"}, ""},
	{0, "[   56.886647] RIP  [<ffffffff8144d081>] __free_pages+0x21/0x80", []string{"[<ffffffff8144d081>] ip +sym"}, ""},
	{0, "[  153.628940] IP: [<ffff8800b3d5ed58>] 0xffff8800b3d5ed58", []string{"[<ffff8800b3d5ed58>] 0xffff8800b3d5ed58 ip"}, ""},
	// Fewer than eight digits: no kernel address, not looked at.
	{0, "[  190.154802] IP: 0x286", nil, ""},
	{0, "[  716.734474] IP: 0xffffffff81556fba:", []string{"0xffffffff81556fba ip"}, ""},
	{0, "[  190.154802] RIP: 0x286 RSP: ffff8801ca577540", []string{"0x286 ip"}, ""},
	{0, "[   11.893266] EIP: 0xb7f50559", []string{"0xb7f50559 ip"}, ""}, // user space, but the line does not say so
	{0, "[   71.427867] EIP is at acpi_ns_internalize_name+0xd/0x83", nil, ""},
	{0, "[   67.932797][T10420] unchecked MSR access error: WRMSR to 0x3f1 (tried to write 0x0000000000000000) at rIP: 0xffffffff81123aff (add_atomic_switch_msr+0x5f/0x500)",
		[]string{"0xffffffff81123aff ip +sym"}, ""},
	// x86 call traces: raw entries, named entries, and both.
	{ArchX86, "[    4.579878]  0xffffffffc00001a2", []string{"0xffffffffc00001a2 return"}, ""},
	{ArchX86, "[   11.890138]  ? 0xf743d000", []string{"0xf743d000 return"}, ""},
	{ArchX86, "[178856.137490]  [<ffffffff8106dd4f>] warn_slowpath_common+0x7f/0xc0", []string{"[<ffffffff8106dd4f>] return +sym"}, ""},
	{ArchX86, " [<f8315000>] ? 0xf8315000", []string{"[<f8315000>] ? 0xf8315000 return"}, ""},
	{ArchX86, " [<ffffffffa02ff000>] ? 0xffffffffa02fefff", []string{"[<ffffffffa02ff000>] ? 0xffffffffa02fefff return"}, ""},
	{ArchX86, "[   32.852231]  [<ffffffff810002b8>] ? 0xffffffff810002b8", []string{"[<ffffffff810002b8>] ? 0xffffffff810002b8 return"}, ""},
	// 2.4 printed several entries a line, unnamed (the format as in the
	// brief; the corpora hold no 2.4 oops).
	{ArchX86, "Call Trace: [<c02b7894>] [<c0253c9a>]", []string{"[<c02b7894>] return", "[<c0253c9a>] return"}, "2.4 format"},
	// WARNING's location.
	{0, "[    4.577895] WARNING: CPU: 0 PID: 92 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 0xffffffffc00000f0", []string{"0xffffffffc00000f0 ip"}, ""},
	{0, "[   13.076482] WARNING: CPU: 1 PID: 130 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 oopsdemo_level3+0x51/0xfe [oopsdemo]", nil, ""},
	// Register dumps: every value a token, to be named only if it is code.
	{0, "[    4.579878] RDX: 0000000000000000 RSI: ffffffffc00010ec RDI: ffffc9000021be18",
		[]string{"0000000000000000 value", "ffffffffc00010ec value", "ffffc9000021be18 value"}, ""},
	{0, "[   11.888105] EAX: 00000000 EBX: c1e59bf0 ECX: c1e59bf0 EDX: f743e0ec",
		[]string{"00000000 value", "c1e59bf0 value", "c1e59bf0 value", "f743e0ec value"}, ""},
	{0, "[    8.087365] x17: 0000000000000000 x16: ffffcfc6aac9b470 x15: ffff800008453450",
		[]string{"0000000000000000 value", "ffffcfc6aac9b470 value", "ffff800008453450 value"}, ""},
	{0, "[    8.087871] x8 : 0101010101010101 x7 : c0000000ffffefff x6 : 0000000080808080",
		[]string{"0101010101010101 value", "c0000000ffffefff value", "0000000080808080 value"}, ""},
	{0, "[ 9080.470461][T11783] r10: 8591b080  r9 : 8bdfc000  r8 : 00000001",
		[]string{"8591b080 value", "8bdfc000 value", "00000001 value"}, ""},
	{0, "GPR04: 0000000000000800 0000000000000000 0000000000000000 0000000000000010 ",
		[]string{"0000000000000800 value", "0000000000000000 value", "0000000000000000 value", "0000000000000010 value"}, ""},
	{0, "[    4.579845] RSP: 0018:ffffc9000021bdf8 EFLAGS: 00000246", nil, ""}, // a stack pointer, with its selector
	// arm64.
	{0, "[    8.086071] pc : oopsdemo_level3+0x4c/0x12c [oopsdemo]", nil, ""},
	{0, "[    7.052707] lr : oopsdemo_level3+0x64/0x12c [oopsdemo]", nil, ""},
	{0, "pc : 0xffffab9a7a22f01c", []string{"0xffffab9a7a22f01c ip"}, "fixtures/README.md (arm64 freed module)"},
	{0, "lr : 0xffffab9a7a22f064", []string{"0xffffab9a7a22f064 call"}, "fixtures/README.md (arm64 freed module)"},
	{ArchARM64, "  0xffffab9a7a22f01c", []string{"0xffffab9a7a22f01c call"}, "fixtures/README.md (arm64 freed module)"},
	// ARM.
	{0, "[ 9080.468826][T11783] pc : [<802b4048>]    lr : [<802e1324>]    psr: 60000193",
		[]string{"[<802b4048>] ip", "[<802e1324>] call"}, ""},
	{0, "[  794.149090][ T8604] PC is at 0x0", nil, ""},
	{0, "PC is at 0x80b0f484", []string{"0x80b0f484 ip"}, ""},
	{0, "[ 9171.695140][T26146] LR is at 0x82c00000", []string{"0x82c00000 call"}, ""},
	{0, "[   28.231925] LR is at SyS_darby+0x34/0x48", nil, ""},
	{0, "[ 9080.467190][T11783] PC is at __sanitizer_cov_trace_pc+0x4c/0x78", nil, ""},
	{0, "[   13.407254]  panic from sysrq_reset_seq_param_set+0x0/0x90", nil, ""},
	{0, " secondary_start_kernel from 0x40301a20", []string{"0x40301a20 call"}, "fixtures/README.md (armhf)"},
	{ArchARM, "[<8046ffdc>] (should_fail_alloc_page) from [<804700dc>] (prepare_alloc_pages.constprop.0+0x88/0x1a4 mm/page_alloc.c:5365)",
		[]string{"[<8046ffdc>] call +sym", "[<804700dc>] call +sym"}, ""},
	{ArchARM, "[<c000f954>] (cpu_idle+0x64/0xfc) from [<80208160>] (0x80208160)",
		[]string{"[<c000f954>] call +sym", "[<80208160>] (0x80208160) call"}, ""},
	// powerpc.
	{0, "[ 104.630397] NIP [c000000008068dfc] .eeh_dev_check_failure+0x27c/0x390", []string{"[c000000008068dfc] ip +sym"}, ""},
	{0, "[ 104.669951] Faulting instruction address: 0xd0000000008cb4dc", []string{"0xd0000000008cb4dc ip"}, ""},
	{0, "[c00000007a3efa20] [c00000000030a060] rebuild_sched_domains_locked+0x7b0/0x13a0 kernel/cgroup/cpuset.c:1007",
		[]string{"[c00000000030a060] call +sym"}, ""},
	{0, "[c00000007a3efa20] [c00000000030a060] partition_and_rebuild_sched_domains kernel/cgroup/cpuset.c:965 [inline]",
		[]string{"[c00000000030a060] call +sym"}, ""},
	{0, "[ 104.670222] [c000000010ff3a30] [c000000010ff3ad0] 0xc000000010ff3ad0 (unreliable)",
		[]string{"[c000000010ff3ad0] 0xc000000010ff3ad0 call"}, ""},
	// RISC-V.
	{0, "[  472.681820][ T5233] epc : ffffffe00008c762 ra : ffffffe00008c760 sp : ffffffe00853fec0",
		[]string{"ffffffe00008c762 ip", "ffffffe00008c760 value", "ffffffe00853fec0 value"}, ""},
	{0, "[  472.679566][ T5233] epc : schedule_tail+0x72/0xb2", nil, ""},
	{0, "[    0.000000] epc : 0x0", nil, "a riscv-virtio oops quoted in a public repository"},
	{0, "[ 22.315242] ra : 0x200c1b32", []string{"0x200c1b32 call"}, "a SiFive Unmatched oops quoted in a public repository"},
	// MIPS names the symbol after the value, or repeats it raw.
	{0, "[    1.388182] epc   : 804dd50c kset_find_obj+0x3c/0x114", []string{"804dd50c ip +sym"}, "a MIPS oops quoted in a public repository"},
	{0, "epc   : 802daca0 0x802daca0", []string{"802daca0 0x802daca0 ip"}, "a MIPS oops quoted in a public repository"},
	// s390.
	{0, "[    3.841371] Krnl PSW : 0404c00180000000 0000000000431f8e (scsi_alloc_sgtable+0x62/0x7c)", []string{"0000000000431f8e ip +sym"}, ""},
	{ArchS390, "[    3.841404] ([<00000000027f8000>] 0x27f8000)", []string{"[<00000000027f8000>] 0x27f8000 call"}, ""},
	// Lines whose hex is not a code address.
	{ArchX86, "[   15.283667] Code: Unable to access opcode bytes at 0xf742efe8.", nil, ""},
	{0, "[    4.579462] Code: 85 c0 75 13 48 8b 05 87 22 00 00 c7 40 10 2a 00 00 00 e9 aa 00 00 00 48 c7 c6 ec 10 00 c0 48 89 df e8 34 0a 84 c1 85 c0 75 07 <0f> 0b e9 90 00 00 00 48 c7 c6 f1 10 00 c0 48 89 df e8 1a 0a 84 c1", nil, ""},
	{0, "[   12.305863] Kernel Offset: 0xd400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)", nil, ""},
	{ArchARM64, "[   15.424448] Kernel Offset: 0x4fc6a2000000 from 0xffff800008000000", nil, ""},
	{ArchARM64, "[   15.424575] PHYS_OFFSET: 0xffffb0b700000000", nil, ""},
	{ArchARM64, "[    8.083610]   ESR = 0x0000000096000046", nil, ""},
	{0, "[   13.412248] 1f00:                                                       00000005 00000000", nil, ""},
	{0, "[    0.000000] Booting Linux on physical CPU 0x0", nil, ""},
	{0, "[    0.889130] pci 0000:00:01.0: [8086:7000] type 00 class 0x060100", nil, ""},
}

// TestTokens runs the format table over tokenCases, checking each token's
// text (its Start:End span), role, Symbolized flag and value.
func TestTokens(t *testing.T) {
	for _, tc := range tokenCases {
		p := NewParser(tc.arch)
		toks := p.Tokens([]byte(tc.line))
		got := describe(t, tc.line, toks)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q:\n got  %q\n want %q", tc.line, got, tc.want)
		}
	}
}

// describe renders tokens as "text role" with a trailing "+sym", and
// checks that the value is the address the text starts with.
func describe(t *testing.T, line string, toks []Token) []string {
	t.Helper()
	var out []string
	for _, tok := range toks {
		text := line[tok.Start:tok.End]
		digits := strings.TrimLeft(text, "[<")
		digits = strings.TrimPrefix(digits, "0x")
		if i := strings.IndexFunc(digits, func(r rune) bool { return !isHexDigit(byte(r)) }); i >= 0 {
			digits = digits[:i]
		}
		if v, ok := parseHex([]byte(digits)); !ok || v != tok.Value {
			t.Errorf("%q: token %q has value %#x", line, text, tok.Value)
		}
		d := fmt.Sprintf("%s %v", text, tok.Role)
		if tok.Symbolized {
			d += " +sym"
		}
		out = append(out, d)
	}
	return out
}

// TestEveryFormatHasACase keeps the table honest: a row of formats.go no
// real line exercises is a row nobody knows to work.
func TestEveryFormatHasACase(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range tokenCases {
		for _, tok := range NewParser(tc.arch).Tokens([]byte(tc.line)) {
			seen[tok.Format] = true
		}
	}
	for _, f := range lineFormats {
		if !seen[f.name] {
			t.Errorf("format %q has no case in tokenCases", f.name)
		}
	}
	for _, f := range registerFormats {
		if !seen[f.name] {
			t.Errorf("register format %q has no case in tokenCases", f.name)
		}
	}
}

// realLogs lists the log files the cases are copied from: the
// repository's consoles and, when ../shared is beside the checkout, the
// fixtures and the corpora.
func realLogs() []string {
	var files []string
	for _, pat := range []string{
		"../testdata/*/console.log",
		"../../shared/fixtures/*/console.log",
		"../../shared/corpus/syzkaller/report/*",
		"../../shared/corpus/syzkaller/guilty/*",
		"../../shared/corpus/satyr/kerneloopses/*",
		"../../shared/corpus/abrt/examples/*",
	} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	return files
}

// TestTokenCasesAreReal checks that every case without a src note is a
// line (or the tail of a line) of a real log.
func TestTokenCasesAreReal(t *testing.T) {
	if _, err := os.Stat("../../shared/corpus"); err != nil {
		t.Skip("../shared/corpus is not beside the checkout")
	}
	var logs [][]byte
	for _, f := range realLogs() {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, b)
	}
	for _, tc := range tokenCases {
		if tc.src != "" {
			continue
		}
		found := false
		for _, b := range logs {
			if i := bytes.Index(b, []byte(tc.line)); i >= 0 {
				end := i + len(tc.line)
				found = end == len(b) || b[end] == '\n' || b[end] == '\r'
				if found {
					break
				}
			}
		}
		if !found {
			t.Errorf("%q is in no real log", tc.line)
		}
	}
}
