package symbolize

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// nokallsymsELF is the nokallsyms kernel's vmlinux reduced to its ELF
// headers and full .symtab (objcopy --only-keep-debug -R '.rela*' of the
// fixture corpus's strip-debug vmlinux: every other section is NOBITS).
const (
	nokallsymsELF    = "maps/vmlinux-6.1.192-nokallsyms.symtab.xz"
	nokallsymsSysmap = "maps/System.map-6.1.192-nokallsyms.xz"
)

func loadELF(t testing.TB, rel string) *Table {
	t.Helper()
	tab, err := ParseELF(bytes.NewReader(readTestdata(t, rel)), rel)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestELFEqualsSystemMap checks that a vmlinux's .symtab gives the same
// table as the build's System.map: every entry, alias choice, size, text
// or not, and the anchors.
func TestELFEqualsSystemMap(t *testing.T) {
	e := loadELF(t, nokallsymsELF)
	m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, nokallsymsSysmap)), nokallsymsSysmap)
	if err != nil {
		t.Fatal(err)
	}
	compareTables(t, e, m)
	for _, a := range []string{"_text", "_stext", "_etext", "_sinittext", "_einittext", "_end"} {
		ea, eok := e.Anchor(a)
		ma, mok := m.Anchor(a)
		if ea != ma || eok != mok {
			t.Errorf("anchor %s: ELF %#x %v, System.map %#x %v", a, ea, eok, ma, mok)
		}
	}
	if e.Bits() != 64 || !strings.Contains(e.Source(), "x86") {
		t.Errorf("bits %d, source %q", e.Bits(), e.Source())
	}
	// Relocated, they still agree.
	compareTables(t, e.Relocate(0x32a00000), m.Relocate(0x32a00000))
}

func compareTables(t *testing.T, got, want *Table) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Errorf("%d entries, want %d", got.Len(), want.Len())
	}
	bad := 0
	ge, we := entriesOf(got), entriesOf(want)
	for i := range min(len(ge), len(we)) {
		g, w := ge[i], we[i]
		if g.addr != w.addr || g.end != w.end || g.name != w.name || isTextType(g.typ) != isTextType(w.typ) {
			bad++
			if bad <= 10 {
				t.Errorf("entry %d: %s [%#x,%#x) %c, want %s [%#x,%#x) %c", i, g.name, g.addr, g.end, g.typ,
					w.name, w.addr, w.end, w.typ)
			}
		}
	}
	if lo, hi, _ := got.KernelRange(); true {
		wlo, whi, _ := want.KernelRange()
		if lo != wlo || hi != whi {
			t.Errorf("kernel range %#x-%#x, want %#x-%#x", lo, hi, wlo, whi)
		}
	}
}

// rawAddrRow is a line of expected-addr2line-nokallsyms.txt: "scenario |
// line N | kind | 0xaddr | sym+0xoff/0xsize [mod] | at: ... | call: ...".
var rawAddrRow = regexp.MustCompile(`^([\w-]+) \| line \d+ \| ([^|]+) \| 0x([0-9a-f]+) \| ([\w.]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[\w+\])? \| at: (.*) \| call: (.*)$`)

// TestELFAgainstRawAddresses resolves every raw core address the
// nokallsyms kernels printed with the table of their vmlinux: the symbol,
// offset and size must be the expected ones, and the function addr2line
// names from the DWARF (the outermost of its inline chain) the same
// function. The KASLR boot's offset is learnt from its first frame.
func TestELFAgainstRawAddresses(t *testing.T) {
	tab := loadELF(t, nokallsymsELF)
	offsets := map[string]uint64{}
	checked := 0
	s := bufio.NewScanner(bytes.NewReader(readTestdata(t, "expected/expected-addr2line-nokallsyms.txt")))
	for s.Scan() {
		m := rawAddrRow.FindStringSubmatch(s.Text())
		if m == nil || m[7] != "" {
			continue // a comment, user space, or a module address
		}
		scenario, kind, name := m[1], strings.TrimSpace(m[2]), m[4]
		addr, _ := strconv.ParseUint(m[3], 16, 64)
		off, _ := strconv.ParseUint(m[5], 16, 64)
		size, _ := strconv.ParseUint(m[6], 16, 64)
		rel, ok := offsets[scenario]
		if !ok {
			cands := tab.LookupName(name, "")
			if len(cands) != 1 {
				t.Fatalf("%s: %d symbols named %s", scenario, len(cands), name)
			}
			rel = addr - off - cands[0].Start
			offsets[scenario] = rel
		}
		r := tab.Relocate(rel)
		lookup := r.Lookup
		if strings.HasSuffix(kind, "frame") {
			lookup = r.LookupReturn
		}
		loc, ok := lookup(addr)
		want := Location{Name: name, Offset: off, Size: size}
		if !ok || loc.Name != want.Name || loc.Offset != want.Offset || loc.Size != want.Size {
			t.Errorf("%s %#x: %v (ok=%v), want %v", scenario, addr, loc, ok, want)
		}
		// addr2line names the function that holds the code; the symbol
		// may be a compiler-made part of it ("__handle_sysrq.cold").
		chain := strings.Split(m[8], " <- inlined into ")
		outer, _, _ := strings.Cut(chain[len(chain)-1], " at ")
		if base, _, _ := strings.Cut(name, "."); outer != base {
			t.Errorf("%s %#x: addr2line says %s, the table %s", scenario, addr, outer, name)
		}
		checked++
	}
	t.Logf("%d raw core addresses resolved; KASLR offsets %v", checked, offsets)
	if checked < 15 || len(offsets) < 2 {
		t.Errorf("only %d addresses of %d boots checked", checked, len(offsets))
	}
}

func TestELFErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, file string
		data       []byte
		want       string
		is         error
	}{
		{"empty", "empty", nil, "empty: not a readable ELF file", nil},
		{"text", "System.map", []byte("ffffffff81000000 T _stext\n"), "System.map: not a readable ELF file", nil},
		{"stripped", "vmlinux", strippedELF(t), "vmlinux: the ELF file has no symbol table", ErrNoSymtab},
		{"module", "oopsdemo.ko", readTestdata(t, "modules/amd64/oopsdemo.ko.xz"), "oopsdemo.ko: a relocatable object (a kernel module?)", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := os.Open(write(c.file, c.data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tab, err := ParseELF(f, c.file)
			if err == nil || tab != nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error with %q", tab, err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%v is not %v", err, c.is)
			}
		})
	}
}

// strippedELF returns the ELF header and section headers of the
// nokallsyms vmlinux with its .symtab turned into a NULL section: what
// strip leaves, as far as the loader can tell.
func strippedELF(t *testing.T) []byte {
	data := bytes.Clone(readTestdata(t, nokallsymsELF))
	// The section header table: e_shoff at 0x28, e_shentsize 0x3a, e_shnum 0x3c.
	shoff := le64(data[0x28:])
	n := int(le16(data[0x3c:]))
	for i := range n {
		sh := data[shoff+uint64(i)*64:]
		if le32(sh[4:]) == 2 { // SHT_SYMTAB
			sh[4], sh[5], sh[6], sh[7] = 0, 0, 0, 0
		}
	}
	return data
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 { return uint32(le16(b)) | uint32(le16(b[2:]))<<16 }
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// TestModuleSymbols places a real module's symbols at the addresses of its
// boot's module-sections.txt and checks the table resolves the module
// frames the kernel printed, sizes included.
func TestModuleSymbols(t *testing.T) {
	m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, nokallsymsSysmap)), nokallsymsSysmap)
	if err != nil {
		t.Fatal(err)
	}
	secs := map[string]uint64{}
	s := bufio.NewScanner(bytes.NewReader(readTestdata(t, "x86_64-nokallsyms-nokaslr-module-oops/module-sections.txt")))
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 3 && f[0] == "oopsdemo" && strings.HasPrefix(f[2], "0x") {
			secs[f[1]], _ = strconv.ParseUint(f[2][2:], 16, 64)
		}
	}
	syms, err := ModuleSymbols(bytes.NewReader(readTestdata(t, "modules/nokallsyms/oopsdemo.ko.xz")), "oopsdemo.ko", "oopsdemo", secs)
	if err != nil {
		t.Fatal(err)
	}
	tab := m.WithModule("oopsdemo", syms)
	for _, c := range []struct {
		addr uint64
		ret  bool
		want string
	}{
		{0xffffffffc00000f0, false, "oopsdemo_level3+0x4c/0xf9 [oopsdemo]"},
		{0xffffffffc00001a2, true, "oopsdemo_level2+0x5/0x18 [oopsdemo]"},
		{0xffffffffc00001ba, true, "oopsdemo_level1+0x5/0x18 [oopsdemo]"},
		{0xffffffffc000006f, true, "oopsdemo_write+0x6f/0xa4 [oopsdemo]"},
		{0xffffffff8122a3b2, true, "vfs_write+0xc2/0x3e0"},
	} {
		if got := lookupAs(tab, c.addr, c.ret); got.String() != c.want {
			t.Errorf("%#x: %v, want %s", c.addr, got, c.want)
		}
	}
	if got := tab.Modules(); len(got) != 1 || got[0] != "oopsdemo" {
		t.Errorf("modules %v", got)
	}
	// Adding the module again replaces it.
	if again := tab.WithModule("oopsdemo", syms); again.Len() != tab.Len() {
		t.Errorf("%d entries after adding the module twice, %d once", again.Len(), tab.Len())
	}
	if _, err := ModuleSymbols(bytes.NewReader(readTestdata(t, "modules/nokallsyms/oopsdemo.ko.xz")), "oopsdemo.ko", "oopsdemo", nil); !errors.Is(err, ErrNoSymbols) {
		t.Errorf("no sections: %v", err)
	}
}
