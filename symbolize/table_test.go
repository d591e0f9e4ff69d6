package symbolize

import (
	"bytes"
	"errors"
	"strings"
	"testing"
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
		var loc Location
		var ok bool
		if tc.ret {
			loc, ok = tab.LookupReturn(tc.addr)
		} else {
			loc, ok = tab.Lookup(tc.addr)
		}
		got := ""
		if ok {
			got = loc.String()
		}
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
		{name: "a log given as System.map", systemMap: true, input: string(log), wantLine: 1, wantText: "not a System.map line"},
		{name: "broken line", input: insertLine(excerpt, 4, "ffffffff8100zz00 T broken"), wantLine: 5, wantText: "expected a space after the address"},
		{name: "binary junk", input: "\x7fELF\x02\x01\x01\x00\x00\x00", wantLine: 1},
		{name: "kallsyms given as System.map", systemMap: true, input: "ffffffff81000000 T _stext\nffffffffc0201000 t oopsdemo_write\t[oopsdemo]\n", wantLine: 2, wantText: "use -k"},
		{name: "32 and 64 bit mixed", input: "c0300000 T _stext\nffffffff81000000 T _text\n", wantLine: 2, wantText: "mixed"},
		{name: "overlong line", input: "ffffffff81000000 T " + strings.Repeat("a", 70000) + "\n", wantLine: 1, wantText: "longer than"},
		{name: "unsorted", systemMap: true, input: "ffffffff81000000 T _stext\nffffffff81000060 T secondary_startup_64\nffffffff81000010 T early\n", wantLine: 3, wantText: "ascending"},
		{name: "two files joined", input: excerpt + excerpt, wantLine: 29, wantText: "ascending"},
		{name: "missing name", input: "ffffffff81000000 T \n", wantLine: 1, wantText: "missing symbol name"},
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

// insertLine puts line after the first n lines of text.
func insertLine(text string, n int, line string) string {
	lines := strings.SplitAfter(text, "\n")
	return strings.Join(lines[:n], "") + line + "\n" + strings.Join(lines[n:], "")
}
