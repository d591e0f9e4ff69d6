package symbolize

import (
	"bytes"
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

// excerpt is real kallsyms text: x86_64 6.1.0-56-amd64 booted with
// nokaslr (testdata/x86_64-nokaslr-module-oops), its first core code
// symbols, _end, and the whole oopsdemo module as /proc/kallsyms listed it.
const excerpt = `0000000000000000 A fixed_percpu_data
0000000000000000 A __per_cpu_start
ffffffff81000000 T startup_64
ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff81000060 T secondary_startup_64
ffffffff81000065 T secondary_startup_64_no_verify
ffffffff81000120 t verify_cpu
ffffffff84430000 B _end
ffffffffc0202024 r _note_10	[oopsdemo]
ffffffffc020203c r _note_9	[oopsdemo]
ffffffffc02010bd t oopsdemo_level3	[oopsdemo]
ffffffffc02033d8 b oopsdemo_obj_ptr	[oopsdemo]
ffffffffc02033d0 b oopsdemo_fn	[oopsdemo]
ffffffffc02033c8 b oopsdemo_sink	[oopsdemo]
ffffffffc02011bb t oopsdemo_level2	[oopsdemo]
ffffffffc02011d8 t oopsdemo_level1	[oopsdemo]
ffffffffc0202160 r oopsdemo_proc_ops	[oopsdemo]
ffffffffc02033c0 b oopsdemo_pde	[oopsdemo]
ffffffffc0203018 d action	[oopsdemo]
ffffffffc0201000 t oopsdemo_write	[oopsdemo]
ffffffffc02011f5 t oopsdemo_exit	[oopsdemo]
ffffffffc0203020 d __UNIQUE_ID___addressable_cleanup_module243	[oopsdemo]
ffffffffc02021c8 r __param_action	[oopsdemo]
ffffffffc02021c0 r __param_str_action	[oopsdemo]
ffffffffc0202080 r .LC3	[oopsdemo]
ffffffffc0203040 d __this_module	[oopsdemo]
ffffffffc02011f5 t cleanup_module	[oopsdemo]
`

func mustKallsyms(t *testing.T, text string) *Table {
	t.Helper()
	tab, err := ParseKallsyms(strings.NewReader(text), "excerpt")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestLookupRules(t *testing.T) {
	tab := mustKallsyms(t, excerpt)
	tests := []struct {
		name   string
		addr   uint64
		ret    bool // LookupReturn (%pB) instead of Lookup (%pS)
		want   string
		wantOK bool
	}{
		{"alias: the kernel prints the first name at an address", 0xffffffff81000010, false, "startup_64+0x10/0x60", true},
		{"core size runs to the next distinct address", 0xffffffff81000064, false, "secondary_startup_64+0x4/0x5", true},
		{"module symbol", 0xffffffffc0201086, false, "oopsdemo_write+0x86/0xbd [oopsdemo]", true},
		{"the kernel's own trace entry, %pB", 0xffffffffc02011c5, true, "oopsdemo_level2+0xa/0x1d [oopsdemo]", true},
		{"%pB after a noreturn call prints the caller with offset == size", 0xffffffffc02011d8, true, "oopsdemo_level2+0x1d/0x1d [oopsdemo]", true},
		{"%pS of the same address is the next function", 0xffffffffc02011d8, false, "oopsdemo_level1+0x0/0x1d [oopsdemo]", true},
		{"the last code symbol ends at the page-aligned text end", 0xffffffffc0201fff, false, "oopsdemo_exit+0xe0a/0xe0b [oopsdemo]", true},
		{"module rodata is not code", 0xffffffffc0202080, false, "", false},
		{"module data is not code", 0xffffffffc0203018, false, "", false},
		{"gap between modules", 0xffffffffc0100000, false, "", false},
		{"below the kernel: user space", 0x47b7a0, false, "", false},
		{"NULL", 0, false, "", false},
		{"past _end", 0xffffffff84430000, false, "", false},
		{"list poison", 0xdead000000000100, false, "", false},
		{"slab poison", 0x6b6b6b6b6b6b6b6b, false, "", false},
		{"per-cpu offsets are not addresses", 0x10, false, "", false},
	}
	for _, tc := range tests {
		got, ok := lookupText(tab, tc.addr, tc.ret)
		if ok != tc.wantOK || got != tc.want {
			t.Errorf("%s: %#x: got %q ok=%v, want %q ok=%v", tc.name, tc.addr, got, ok, tc.want, tc.wantOK)
		}
	}
}

// TestLookupReturnAfterGap covers a function pointer left on the stack that
// points at the first byte of a module's text: address-1 is in no symbol,
// and the kernel printed it raw ("? 0xffffffffc025c000").
func TestLookupReturnAfterGap(t *testing.T) {
	tab := mustKallsyms(t, excerpt)
	loc, ok := tab.LookupReturn(0xffffffffc0201000)
	if !ok || loc.String() != "oopsdemo_write+0x0/0xbd [oopsdemo]" {
		t.Errorf("got %v ok=%v", loc, ok)
	}
}

// TestMappingAndUndefinedSymbols uses real armhf and loading-module lines:
// $a/$d mapping symbols and U entries are never printed.
func TestMappingAndUndefinedSymbols(t *testing.T) {
	const armhf = `c0300000 T _stext
c0300000 T stext
c128aae8 T _einittext
c1607588 B _end
bf0050f0 t $a	[oopsdemo]
bf0050f0 t oopsdemo_level3	[oopsdemo]
bf005188 t $d	[oopsdemo]
bf00518c t $a	[oopsdemo]
bf005228 t oopsdemo_level2	[oopsdemo]
c0f8d1f0 U printk	[oopsdemo]
`
	tab := mustKallsyms(t, armhf)
	for addr, want := range map[uint64]string{
		0xbf0050f0: "oopsdemo_level3+0x0/0x138 [oopsdemo]",
		0xbf005188: "oopsdemo_level3+0x98/0x138 [oopsdemo]",
		0xbf005190: "oopsdemo_level3+0xa0/0x138 [oopsdemo]",
	} {
		loc, ok := tab.Lookup(addr)
		if !ok || loc.String() != want {
			t.Errorf("%#x: got %v ok=%v, want %s", addr, loc, ok, want)
		}
	}
	if tab.Bits() != 32 {
		t.Errorf("Bits = %d, want 32", tab.Bits())
	}
}

func TestRelocateMovesCoreOnly(t *testing.T) {
	tab := mustKallsyms(t, excerpt)
	moved := tab.Relocate(0xd400000)
	if loc, ok := moved.Lookup(0xffffffff8e400010); !ok || loc.String() != "startup_64+0x10/0x60" {
		t.Errorf("relocated core: %v %v", loc, ok)
	}
	if _, ok := moved.Lookup(0xffffffff81000010); ok {
		t.Error("old core address still resolves after Relocate")
	}
	if loc, ok := moved.Lookup(0xffffffffc0201086); !ok || loc.Module != "oopsdemo" {
		t.Errorf("module moved: %v %v", loc, ok)
	}
	if a, _ := moved.Anchor("_stext"); a != 0xffffffff8e400000 {
		t.Errorf("Anchor(_stext) = %#x", a)
	}
	if lo, hi, _ := moved.KernelRange(); lo != 0xffffffff8e400000 || hi != 0xffffffff91830000 {
		t.Errorf("KernelRange = %#x-%#x", lo, hi)
	}
	if loc, _ := tab.Lookup(0xffffffff81000010); loc.Name != "startup_64" {
		t.Error("Relocate changed the original table")
	}
}

func TestParseErrors(t *testing.T) {
	placeholder := readTestdata(t, "maps/System.map-6.1.0-56-amd64.placeholder-from-linux-image")
	log := readTestdata(t, "x86_64-nokaslr-module-oops/console.log")
	xzKallsyms, err := os.ReadFile(filepath.Join(testfiles.Dir(), "armhf-sysrq-panic", "kallsyms.txt.xz"))
	if err != nil {
		t.Fatal(err)
	}
	sysmap := readTestdata(t, "maps/System.map-6.1.0-56-amd64.xz")
	var zeroed strings.Builder
	for _, l := range strings.SplitAfter(excerpt, "\n") {
		if len(l) > 16 {
			l = "0000000000000000" + l[16:]
		}
		zeroed.WriteString(l)
	}
	tests := []struct {
		name      string
		systemMap bool
		input     string
		wantErr   error
		wantLine  int
		wantText  string
	}{
		{name: "Debian placeholder", systemMap: true, input: string(placeholder), wantErr: ErrPlaceholder, wantText: "-dbg"},
		{name: "kptr_restrict zeroes", input: zeroed.String(), wantErr: ErrRestricted, wantText: "kptr_restrict"},
		{name: "empty kallsyms", input: "", wantErr: ErrNoSymbols},
		{name: "empty System.map", systemMap: true, input: "\n\n", wantErr: ErrNoSymbols},
		{name: "a log given as System.map", systemMap: true, input: string(log), wantLine: 1, wantText: "this is a kernel log, not a System.map file"},
		{name: "broken line", input: insertLine(excerpt, 4, "ffffffff8100zz00 T broken"), wantLine: 5, wantText: "expected a space after the address"},
		{name: "an ELF file", input: "\x7fELF\x02\x01\x01\x00\x00\x00", wantLine: 1, wantText: "this is an ELF file"},
		{name: "binary junk", input: "\x00\x01\x02\xff\xfe junk\n", wantLine: 1, wantText: "this is binary data"},
		{name: "still xz-compressed", input: string(xzKallsyms), wantLine: 1, wantText: "this is compressed data"},
		{name: "kallsyms given as System.map", systemMap: true, input: excerpt, wantLine: 10, wantText: "use -k"},
		{name: "real kallsyms read without root", input: zeroAddrs(string(readTestdata(t, "arm64-kaslr-module-oops/kallsyms.txt.xz"))), wantErr: ErrRestricted, wantText: "sysctl kernel.kptr_restrict=0"},
		{name: "broken line deep in a real System.map", systemMap: true, input: replaceLine(string(sysmap), 50000, "ffffffff820a84"), wantLine: 50000, wantText: "expected a space after the address"},
		{name: "a log given as kallsyms", input: string(readTestdata(t, "arm64-kaslr-module-oops/console.log")), wantLine: 1, wantText: "this is a kernel log, not a kallsyms file"},
		{name: "only absolute symbols", systemMap: true, input: "0000000000000000 A fixed_percpu_data\n0000000000035000 A __per_cpu_end\n", wantErr: ErrNoSymbols, wantText: "none of the 2 symbols"},
		{name: "32 and 64 bit mixed", input: "c0300000 T _stext\nffffffff81000000 T _text\n", wantLine: 2, wantText: "mixed"},
		{name: "overlong line", input: "ffffffff81000000 T " + strings.Repeat("a", 70000) + "\n", wantLine: 1, wantText: "longer than"},
		{name: "unsorted", systemMap: true, input: "ffffffff81000000 T _stext\nffffffff81000060 T secondary_startup_64\nffffffff81000010 T early\n", wantLine: 3, wantText: "ascending"},
		{name: "two files joined", input: excerpt + excerpt, wantLine: 29, wantText: "ascending"},
		{name: "missing name", input: "ffffffff81000000 T \n", wantLine: 1, wantText: "missing symbol name"},
		{name: "CR inside a name", input: "ffffffff81000000 T _stext\nffffffff81000010 T a\rb\n", wantLine: 2, wantText: "carriage return"},
		{name: "CR at the end of a name, before blanks", input: "ffffffff81000000 T _stext\nffffffff81000010 T a\r \n", wantLine: 2, wantText: "carriage return"},
	}
	for _, tc := range tests {
		parse := ParseKallsyms
		if tc.systemMap {
			parse = ParseSystemMap
		}
		tab, err := parse(strings.NewReader(tc.input), "f.txt")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tab != nil {
			t.Errorf("%s: error with a non-nil table", tc.name)
		}
		if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: error %v is not %v", tc.name, err, tc.wantErr)
		}
		if tc.wantLine > 0 {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Line != tc.wantLine || fe.File != "f.txt" {
				t.Errorf("%s: error %v: want a FormatError at f.txt:%d", tc.name, err, tc.wantLine)
			}
		}
		if !strings.Contains(err.Error(), "f.txt") || !strings.Contains(err.Error(), tc.wantText) {
			t.Errorf("%s: error %q should name the file and say %q", tc.name, err, tc.wantText)
		}
	}
}

func TestCRLFAccepted(t *testing.T) {
	// A real System.map saved with CRLF line ends gives the same table.
	lf := string(readTestdata(t, "maps/System.map-6.1.0-50-armmp.xz"))
	a, err := ParseSystemMap(strings.NewReader(lf), "lf")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSystemMap(strings.NewReader(strings.ReplaceAll(lf, "\n", "\r\n")), "crlf")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(entriesOf(a), entriesOf(b)) {
		t.Error("CRLF System.map gives another table")
	}

	crlf := strings.ReplaceAll(excerpt, "\n", "\r\n")
	tab := mustKallsyms(t, crlf)
	if loc, ok := tab.Lookup(0xffffffffc0201086); !ok || loc.String() != "oopsdemo_write+0x86/0xbd [oopsdemo]" {
		t.Errorf("got %v %v", loc, ok)
	}
}

// TestI386SystemMap parses the real i386 System.map: 32-bit, and KASLR
// randomizes it although its log says "Kernel Offset: disabled".
func TestI386SystemMap(t *testing.T) {
	data := readTestdata(t, "maps/System.map-6.1.0-50-686.xz")
	tab, err := ParseSystemMap(bytes.NewReader(data), "i386")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Bits() != 32 {
		t.Errorf("Bits = %d", tab.Bits())
	}
	if a, ok := tab.Anchor("_stext"); !ok || a != 0xc1000000 {
		t.Errorf("_stext = %#x %v", a, ok)
	}
	// ksys_write+0x69/0xe0 at 0xc12ce259 per the addr2line ground truth of
	// that kernel; a boot relocated by 0x1b000000 prints the same symbol.
	for _, off := range []uint64{0, 0x1b000000} {
		loc, ok := tab.Relocate(off).Lookup(0xc12ce259 + off)
		if !ok || loc.String() != "ksys_write+0x69/0xe0" {
			t.Errorf("offset %#x: got %v %v", off, loc, ok)
		}
	}
}

// replaceLine replaces line n (1-based) of text.
func replaceLine(text string, n int, line string) string {
	lines := strings.SplitAfter(text, "\n")
	lines[n-1] = line + "\n"
	return strings.Join(lines, "")
}

// zeroAddrs zeroes the address of every line, as /proc/kallsyms shows
// them to a reader that may not see them.
func zeroAddrs(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if sp := strings.IndexByte(l, ' '); sp > 0 {
			lines[i] = strings.Repeat("0", sp) + l[sp:]
		}
	}
	return strings.Join(lines, "")
}

// insertLine puts line after the first n lines of text.
func insertLine(text string, n int, line string) string {
	lines := strings.SplitAfter(text, "\n")
	return strings.Join(lines[:n], "") + line + "\n" + strings.Join(lines[n:], "")
}

// TestLookupRulesRealTables applies the lookup rules to the real tables of
// four kernels: what the kernel printed there, or would have printed (a raw
// address where this returns ok=false).
func TestLookupRulesRealTables(t *testing.T) {
	tables := map[string]*Table{}
	for _, sc := range scenarios {
		tables[sc.dir] = loadKallsyms(t, sc)
		m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, sc.sysmap)), sc.sysmap)
		if err != nil {
			t.Fatal(err)
		}
		tables[sc.dir+" System.map"] = m.Relocate(sc.offset)
	}
	const (
		x86   = "x86_64-nokaslr-module-oops"
		x86m  = x86 + " System.map"
		arm64 = "arm64-kaslr-module-oops"
		a64m  = arm64 + " System.map"
		armhf = "armhf-sysrq-panic"
		i386  = "i386-module-oops"
		i386m = i386 + " System.map"
	)
	tests := []struct {
		table, rule string
		addr        uint64
		ret         bool // LookupReturn (%pB) instead of Lookup (%pS)
		want        string
	}{
		// Aliases: the kernel's table lists them in scripts/kallsyms order
		// (fewer leading underscores first, linker-script markers last);
		// /proc/kallsyms shows that order and the System.map path must
		// re-create it.
		{x86, "alias startup_64 before _stext and _text", 0xffffffff81000000, false, "startup_64+0x0/0x70"},
		{x86m, "alias startup_64 before _stext and _text", 0xffffffff81000000, false, "startup_64+0x0/0x70"},
		{i386, "alias startup_32 before _stext and _text", 0xde000000, false, "startup_32+0x0/0x78"},
		{i386m, "alias startup_32 before _stext and _text", 0xde000000, false, "startup_32+0x0/0x78"},
		{arm64, "alias: __irqentry_text_start is a linker marker", 0xffffcfc6aa010000, false, "bcm2835_handle_irq+0x0/0x50"},
		{a64m, "alias: __irqentry_text_start is a linker marker", 0xffffcfc6aa010000, false, "bcm2835_handle_irq+0x0/0x50"},
		{armhf, "alias _stext before __turn_mmu_on", 0xc0300000, false, "_stext+0x0/0x20"},
		{arm64, "alias set_reset_devices before _sinittext", 0xffffcfc6ab660000, false, "set_reset_devices+0x0/0x20"},

		// The core kernel's range.
		{x86, "last byte before _end", 0xffffffff8442ffff, false, "__brk_early_pgt_alloc+0xffff/0x10000"},
		{x86, "_end", 0xffffffff84430000, false, ""},
		{x86, "below _stext", 0xffffffff80ffffff, false, ""},
		{x86, "KALLSYMS_ALL: data is printed, sized over the kallsyms tables", 0xffffffff82161a00, false, "linux_banner+0x100/0x1e7aa0"},
		{x86m, "KALLSYMS_ALL: data is printed, sized over the kallsyms tables", 0xffffffff82161a00, false, "linux_banner+0x100/0x1e7aa0"},
		{a64m, "_text is below _stext", 0xffffcfc6aa000000, false, ""},
		{a64m, "_end", 0xffffcfc6ac010000, false, ""},
		{arm64, "no KALLSYMS_ALL: last text byte", 0xffffcfc6aacfffff, false, "__idmap_text_end+0x26cf/0x26d0"},
		{arm64, "no KALLSYMS_ALL: _etext is not printed", 0xffffcfc6aad00000, false, ""},
		{arm64, "no KALLSYMS_ALL: rodata is printed raw", 0xffffcfc6ab000000, false, ""},
		{arm64, "no KALLSYMS_ALL: _einittext", 0xffffcfc6ab6d5f98, false, ""},
		{arm64, "no KALLSYMS_ALL: bss", 0xffffcfc6ab800000, false, ""},
		{i386, "no KALLSYMS_ALL: _etext is not printed", 0xde91bc80, false, ""},
		{i386, "no KALLSYMS_ALL: last text byte", 0xde91bc7f, false, "__x86_indirect_thunk_edi+0x1f/0x20"},
		{armhf, "no KALLSYMS_ALL: _etext", 0xc0e00000, false, ""},

		// Addresses that are no symbol's.
		{x86, "NULL", 0, false, ""},
		{x86, "NULL as a return address", 0, true, ""},
		{x86, "user space RIP", 0x47b7a0, false, ""},
		{x86, "NULL call: CR2 ffffffffffffffd6", 0xffffffffffffffd6, false, ""},
		{x86, "LIST_POISON1", 0xdead000000000100, false, ""},
		{x86, "LIST_POISON2", 0xdead000000000122, false, ""},
		{x86, "slab poison", 0x6b6b6b6b6b6b6b6b, false, ""},
		{x86, "slab poison as a return address", 0x6b6b6b6b6b6b6b6b, true, ""},
		{x86, "top of memory", 0xffffffffffffffff, true, ""},
		{arm64, "poison", 0xdead000000000100, false, ""},
		{i386, "user space EIP", 0xb7f50559, false, ""},
		{armhf, "PC is at 0x0", 0, false, ""},
		{armhf, "a physical return address (from 0x40301a20)", 0x40301a20, false, ""},

		// Modules.
		{x86, "module text", 0xffffffffc0201086, false, "oopsdemo_write+0x86/0xbd [oopsdemo]"},
		{x86, "module rodata is not looked up", 0xffffffffc0202024, false, ""},
		{x86, "gap below the first module", 0xffffffffc0200fff, false, ""},
		{arm64, "$x mapping symbol at a function", 0xffffcfc63c72d0fc, false, "oopsdemo_level3+0x0/0x12c [oopsdemo]"},
		{arm64, "alias: the first in symtab order", 0xffffcfc63c72d298, false, "oopsdemo_exit+0x0/0xd68 [oopsdemo]"},
		{armhf, "$d inside a function", 0xbf005188, false, "oopsdemo_level3+0x98/0x138 [oopsdemo]"},
		{armhf, "$a after $d inside a function", 0xbf00518c, false, "oopsdemo_level3+0x9c/0x138 [oopsdemo]"},
		{armhf, "alias: cleanup_module after oopsdemo_exit", 0xbf005278, false, "oopsdemo_exit+0x0/0xd88 [oopsdemo]"},
		{armhf, "a module's last function ends at its text's page end", 0xbf000fff, false, "virtio_mmio_exit+0x2ff/0x300 [virtio_mmio]"},
		{armhf, "gap between modules", 0xbf001000, false, ""},
		{armhf, "gap between modules, as a return address", 0xbf004000, true, ""},
		{armhf, "return address at the first byte after a gap", 0xbf005000, true, "oopsdemo_write+0x0/0xf0 [oopsdemo]"},
		{armhf, "return address at the next module's first byte", 0xbf00a000, true, "notifier_del_vio+0x0/0x14 [virtio_console]"},
		{i386, "the kernel's '? 0xf743d000': oopsdemo_write's first byte after a gap", 0xf743d000, true, "oopsdemo_write+0x0/0x8b [oopsdemo]"},
		{i386, "the kernel's 'EIP: 0xf742f012' (the module was unloaded since)", 0xf742f012, false, "oopsdemo_uaf_nap+0x12/0x30 [oopsdemo_uaf]"},
		{i386, "%pB of a return address after a noreturn call", 0xf743d164, true, "oopsdemo_level3+0xd9/0xd9 [oopsdemo]"},
		{i386, "%pS of the same address", 0xf743d164, false, "oopsdemo_level2+0x0/0x1d [oopsdemo]"},
		{i386m, "a System.map has no modules", 0xf743d000, false, ""},
	}
	for _, tc := range tests {
		tab := tables[tc.table]
		got, ok := lookupText(tab, tc.addr, tc.ret)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %s: %#x: got %q ok=%v, want %q", tc.table, tc.rule, tc.addr, got, ok, tc.want)
		}
	}
}

// TestRangesAndAnchorsRealTables checks KernelRange, Anchor and Relocate
// on real tables.
func TestRangesAndAnchorsRealTables(t *testing.T) {
	x86 := loadKallsyms(t, scenarios[0])
	arm64 := loadKallsyms(t, scenarios[2])
	m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, scenarios[2].sysmap)), "arm64")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tab    *Table
		lo, hi uint64
		anchor map[string]uint64 // 0: absent
	}{
		{"x86_64 kallsyms: _stext to _end", x86, 0xffffffff81000000, 0xffffffff84430000,
			map[string]uint64{"_text": 0xffffffff81000000, "_stext": 0xffffffff81000000, "_etext": 0xffffffff81e01d32, "_end": 0xffffffff84430000, "__bss_start": 0}},
		{"x86_64 kallsyms relocated", x86.Relocate(0xd400000), 0xffffffff8e400000, 0xffffffff91830000,
			map[string]uint64{"_stext": 0xffffffff8e400000, "_end": 0xffffffff91830000}},
		{"arm64 kallsyms: _stext to _einittext, no _text, no _end", arm64, 0xffffcfc6aa010000, 0xffffcfc6ab6d5f98,
			map[string]uint64{"_text": 0, "_stext": 0xffffcfc6aa010000, "_etext": 0xffffcfc6aad00000, "_sinittext": 0xffffcfc6ab660000, "_einittext": 0xffffcfc6ab6d5f98, "_end": 0}},
		{"arm64 System.map: link-time", m, 0xffff800008010000, 0xffff80000a010000,
			map[string]uint64{"_text": 0xffff800008000000, "_stext": 0xffff800008010000, "_end": 0xffff80000a010000}},
		{"arm64 System.map relocated twice", m.Relocate(0x4fc6a0000000).Relocate(0x2000000), 0xffffcfc6aa010000, 0xffffcfc6ac010000,
			map[string]uint64{"_text": 0xffffcfc6aa000000, "_stext": 0xffffcfc6aa010000}},
	}
	for _, tc := range tests {
		lo, hi, ok := tc.tab.KernelRange()
		if !ok || lo != tc.lo || hi != tc.hi {
			t.Errorf("%s: KernelRange = %#x-%#x %v, want %#x-%#x", tc.name, lo, hi, ok, tc.lo, tc.hi)
		}
		for name, want := range tc.anchor {
			got, ok := tc.tab.Anchor(name)
			if ok != (want != 0) || got != want {
				t.Errorf("%s: Anchor(%s) = %#x %v, want %#x", tc.name, name, got, ok, want)
			}
		}
	}
	if r := m.Relocate(0x4fc6a0000000).Relocate(0x2000000).Relocation(); r != 0x4fc6a2000000 {
		t.Errorf("Relocation after two Relocates = %#x", r)
	}
	if m.Relocate(0) != m {
		t.Error("Relocate(0) copied the table")
	}
	// Relocating a kallsyms table moves its core, never its modules, and
	// keeps every entry sorted.
	moved := x86.Relocate(0xd400000)
	if !slices.IsSortedFunc(entriesOf(moved), func(a, b testEntry) int { return cmp.Compare(a.addr, b.addr) }) {
		t.Error("relocated table is not sorted")
	}
	for _, c := range []struct {
		tab  *Table
		addr uint64
		want string
	}{
		{moved, 0xffffffffc0201086, "oopsdemo_write+0x86/0xbd [oopsdemo]"},
		{moved, 0xffffffff8e400000, "startup_64+0x0/0x70"},
		{x86, 0xffffffff81000000, "startup_64+0x0/0x70"},
	} {
		if loc, ok := c.tab.Lookup(c.addr); !ok || loc.String() != c.want {
			t.Errorf("%#x: got %v %v, want %s", c.addr, loc, ok, c.want)
		}
	}
	if _, ok := moved.Lookup(0xffffffff81000000); ok {
		t.Error("the old core address still resolves after Relocate")
	}
	if got := len(moved.LookupName("startup_64", "")); got != 1 {
		t.Errorf("LookupName after Relocate: %d results", got)
	}
	if l := moved.LookupName("startup_64", ""); len(l) == 1 && l[0].Start != 0xffffffff8e400000 {
		t.Errorf("LookupName after Relocate: %v", l[0].Start)
	}
}

// lookupText resolves addr as %pB (ret) or %pS would and returns the text
// the kernel would print, "" when nothing is found.
func lookupText(tab *Table, addr uint64, ret bool) (string, bool) {
	lookup := tab.Lookup
	if ret {
		lookup = tab.LookupReturn
	}
	loc, ok := lookup(addr)
	if !ok {
		return "", false
	}
	return loc.String(), true
}

// TestCoreAndModuleAtOneAddress pins how lookups choose between core and
// module entries that overlap (the core and module entries are kept
// apart, and must act as one array sorted by address, a module's entry
// after the core's at one address): an address finds the first entry at
// its own address, else the last one below it.
func TestCoreAndModuleAtOneAddress(t *testing.T) {
	tab := mustKallsyms(t, "ffffffff81000000 T _stext\n"+
		"ffffffff81000000 T _text\n"+
		"ffffffff81000100 T core_a\n"+
		"ffffffff81000200 T core_b\n"+
		"ffffffff81002000 T _etext\n"+
		"ffffffff81000100 t mod_a\t[m1]\n"+
		"ffffffff81000180 t mod_b\t[m1]\n")
	moved := tab.Relocate(0x100)
	for _, c := range []struct {
		tab  *Table
		addr uint64
		want string
	}{
		{tab, 0xffffffff81000100, "core_a+0x0/0x100"},
		{tab, 0xffffffff81000150, "mod_a+0x50/0x80 [m1]"},
		{tab, 0xffffffff81000180, "mod_b+0x0/0xe80 [m1]"},
		{tab, 0xffffffff81000200, "core_b+0x0/0x1e00"},
		{tab, 0xffffffff81000250, "core_b+0x50/0x1e00"},
		{moved, 0xffffffff81000100, "_stext+0x0/0x100"},
		{moved, 0xffffffff81000150, "mod_a+0x50/0x80 [m1]"},
		{moved, 0xffffffff81000200, "core_a+0x0/0x100"},
		{moved, 0xffffffff81000350, "core_b+0x50/0x1e00"},
	} {
		if loc, ok := c.tab.Lookup(c.addr); !ok || loc.String() != c.want {
			t.Errorf("Lookup(%#x) = %v %v, want %s", c.addr, loc, ok, c.want)
		}
	}
	if got := moved.LookupName("core_a", ""); len(got) != 1 || got[0].Start != 0xffffffff81000200 {
		t.Errorf("LookupName(core_a) = %v", got)
	}
	if got := moved.LookupName("mod_b", "m1"); len(got) != 1 || got[0].Start != 0xffffffff81000180 {
		t.Errorf("LookupName(mod_b, m1) = %v", got)
	}
}

// longName is a name too long for an entry's key to hold its length.
var longName = strings.Repeat("x", keyLong+45)

// straddling is a kernel that crosses a 4 GB boundary, and spanning one
// more than 4 GB long: their core addresses do not share their high 32
// bits, and the second's do not fit 32 bits from its start.
var (
	straddling = "00000000fffffe00 A abs\n" +
		"00000000ffffff00 T _stext\n" +
		"00000000fffffff0 T a\n" +
		"0000000100000000 T b\n" +
		"0000000100000000 T " + longName + "\n" +
		"0000000100000010 T " + longName + "\n" +
		"0000000100000020 T _etext\n" +
		"0000000100000100 B _end\n"
	spanning = "0000000000001000 T _stext\n" +
		"0000000000001010 T a\n" +
		"0000000300000000 T b\n" +
		"0000000300000010 B _end\n"
)

// TestCoreLayouts checks lookups in the tables whose core addresses are
// not kept as 32-bit offsets from a 4 GB boundary (see coreBuilder.finish),
// and names too long for their key.
func TestCoreLayouts(t *testing.T) {
	type check struct {
		addr uint64
		want string // "" for none
	}
	for _, c := range []struct {
		name   string
		input  string
		wide   bool
		checks []check
		named  map[string]uint64
	}{
		{"straddling", straddling, false, []check{
			{0xfffffeff, ""}, {0xffffff05, "_stext+0x5/0xf0"}, {0xfffffff8, "a+0x8/0x10"},
			{0x100000000, "b+0x0/0x10"}, {0x100000015, longName + "+0x5/0x10"}, {0x100000030, "_etext+0x10/0xe0"},
			{0x100000100, ""}, {0x200000000, ""},
		}, map[string]uint64{"a": 0xfffffff0, "b": 0x100000000, longName: 0x100000010}},
		{"spanning", spanning, true, []check{
			{0xfff, ""}, {0x1015, "a+0x5/0x2ffffeff0"}, {0x2ffffffff, "a+0x2ffffefef/0x2ffffeff0"},
			{0x300000008, "b+0x8/0x10"}, {0x300000010, ""},
		}, map[string]uint64{"a": 0x1010, "b": 0x300000000}},
	} {
		for _, sp := range splitParsers {
			tab, err := sp.parse([]byte(c.input), "f", nil, []int{})
			if err != nil {
				t.Fatalf("%s %s: %v", sp.name, c.name, err)
			}
			if (tab.wide != nil) != c.wide {
				t.Errorf("%s %s: wide addresses %v, want %v", sp.name, c.name, tab.wide != nil, c.wide)
			}
			for _, off := range []uint64{0, 0x1000, 0x7fff00000000} {
				moved := tab.Relocate(off)
				for _, k := range c.checks {
					got, _ := lookupText(moved, k.addr+off, false)
					if got != k.want {
						t.Errorf("%s %s moved %#x: Lookup(%#x) = %q, want %q", sp.name, c.name, off, k.addr+off, got, k.want)
					}
					l, ok := moved.Lookup(k.addr + off)
					if ok && l.Type != 'T' {
						t.Errorf("%s %s moved %#x: Lookup(%#x) = %v of type %q", sp.name, c.name, off, k.addr+off, l, l.Type)
					}
					if r, rok := moved.LookupReturn(k.addr + off + 1); ok && (!rok || r.Name != l.Name || r.Start != l.Start || r.Offset != l.Offset+1) {
						t.Errorf("%s %s moved %#x: LookupReturn(%#x) = %v, Lookup(%#x) = %v", sp.name, c.name, off, k.addr+off+1, r, k.addr+off, l)
					}
				}
				for name, addr := range c.named {
					if got := moved.LookupName(name, ""); len(got) != 1 || got[0].Start != addr+off || got[0].Type != 'T' {
						t.Errorf("%s %s moved %#x: LookupName(%.10s) = %v", sp.name, c.name, off, name, got)
					}
				}
			}
			// Moved to the top of the address space, the entries past
			// it are dropped: b, which would end past 2^64.
			const top = 0xffffffff00000000 - 8
			if c.name == "straddling" {
				moved := tab.Relocate(top)
				for _, k := range []check{{0xfffffff8, "a+0x8/0x10"}, {0xfffffff0 + 0x10, ""}, {^uint64(0) - top, ""}} {
					if got, _ := lookupText(moved, k.addr+top, false); got != k.want {
						t.Errorf("%s %s moved to the top: Lookup(%#x) = %q, want %q", sp.name, c.name, k.addr+top, got, k.want)
					}
				}
			}
		}
	}
}

// TestBlankNamesFromELF checks the names of a table built from an ELF
// symbol table, which may hold blanks and CRs: they are kept whole, long
// or short.
func TestBlankNamesFromELF(t *testing.T) {
	long := longName + " \r\tx"
	tab, err := newTable("t", 64, 4, []Symbol{
		{Addr: 0x1000, Name: "_stext", Type: 'T'}, {Addr: 0x1010, Name: "a b\r", Type: 'T'},
		{Addr: 0x1020, Name: long, Type: 't'}, {Addr: 0x1030, Name: "_end", Type: 'B'},
	}, kallsymsOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[uint64]string{0x1011: "a b\r+0x1/0x10", 0x1021: long + "+0x1/0x10"} {
		if got, _ := lookupText(tab, addr, false); got != want {
			t.Errorf("Lookup(%#x) = %q, want %q", addr, got, want)
		}
	}
	if got := tab.LookupName(long, ""); len(got) != 1 || got[0].Start != 0x1020 || got[0].Type != 't' {
		t.Errorf("LookupName = %v", got)
	}
}

// TestLookupNameIndex checks LookupName's answers, scanned and indexed,
// against every entry's name, on real tables of one to several index
// blocks, and on every name of the input (the static functions' names
// are there several times, and some names are never printed).
func TestLookupNameIndex(t *testing.T) {
	for _, rel := range []string{"x86_64-nokaslr-module-oops/kallsyms.txt.xz", "armhf-sysrq-panic/kallsyms.txt.xz"} {
		data := readTestdata(t, rel)
		tab, err := parseKallsyms(data, "f", nil, []int{})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string][]int{}
		for i := range tab.coreN {
			byName[tab.nameAt(i)] = append(byName[tab.nameAt(i)], i)
		}
		seen := map[string]bool{}
		for line := range strings.SplitSeq(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || seen[f[2]] {
				continue
			}
			seen[f[2]] = true
			got := tab.LookupName(f[2], "")
			want := byName[f[2]]
			if len(got) != len(want) {
				t.Fatalf("%s: LookupName(%q) = %v, want entries %v", rel, f[2], got, want)
			}
			for j, i := range want {
				if got[j] != tab.location(i, 0) {
					t.Fatalf("%s: LookupName(%q) = %v, want entries %v", rel, f[2], got, want)
				}
			}
		}
		if ix := tab.byName.built.Load(); ix == nil || tab.coreN > indexBlock && len(ix.starts) <= int(ix.mask)+1 {
			t.Errorf("%s: the index was not built, or has one block of %d entries", rel, tab.coreN)
		}
	}
}
