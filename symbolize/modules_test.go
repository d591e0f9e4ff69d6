package symbolize

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestParseModules reads the /proc/modules saved on each real boot and
// finds every module symbol of the same boot's kallsyms inside its module.
func TestParseModules(t *testing.T) {
	for _, sc := range scenarios {
		m, err := ParseModules(bytes.NewReader(readTestdata(t, sc.dir+"/modules.txt")), sc.dir+"/modules.txt")
		if err != nil {
			t.Fatalf("%s: %v", sc.dir, err)
		}
		tab := loadKallsyms(t, sc)
		checked := 0
		for _, name := range tab.Modules() {
			for _, e := range entriesOf(tab) {
				if e.module != name {
					continue
				}
				mod, off, ok := m.Lookup(e.addr)
				if !ok || mod.Name != name || off != e.addr-mod.Base {
					t.Errorf("%s: %s [%s] at %#x: in %+v %#x %v", sc.dir, e.name, name, e.addr, mod, off, ok)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Errorf("%s: no module symbol checked", sc.dir)
		}
		lo, hi := m.Span()
		if _, _, ok := m.Lookup(lo - 1); ok {
			t.Errorf("%s: %#x below every module found one", sc.dir, lo-1)
		}
		if _, _, ok := m.Lookup(hi); ok {
			t.Errorf("%s: %#x past every module found one", sc.dir, hi)
		}
	}
}

func TestParseModulesErrors(t *testing.T) {
	// A kernel without CONFIG_KALLSYMS shows every base as zero.
	zeroed := readTestdata(t, "x86_64-nokallsyms-nokaslr-module-oops/modules.txt")
	if _, err := ParseModules(bytes.NewReader(zeroed), "modules.txt"); !errors.Is(err, ErrModulesRestricted) {
		t.Errorf("zeroed: %v", err)
	}
	log := readTestdata(t, "i386-module-oops/console.log")
	for _, tc := range []struct{ name, input, want string }{
		{"log", string(log[:2000]), "m:1: this is a kernel log"},
		{"short", "oopsdemo 16384 0\n", "m:1: not a /proc/modules line"},
		{"empty", "", "no module lines"},
		{"bad size", "oopsdemo 0x10 0 - Live 0xf743d000 (OE)\n", "m:1: module size"},
		{"bad address", "oopsdemo 16384 0 - Live f743d000 (OE)\n", "m:1: module address"},
		{"overlap", "a 16384 0 - Live 0xf743d000\nb 4096 0 - Live 0xf743e000\n", "overlap"},
		{"wraps", "a 16384 0 - Live 0xfffffffffffff000\n", "end of the address space"},
	} {
		_, err := ParseModules(strings.NewReader(tc.input), "m")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// CRLF and blank lines are fine.
	m, err := ParseModules(strings.NewReader("\r\noopsdemo 16384 0 - Live 0xf743d000 (OE)\r\n"), "m")
	if err != nil || len(m.Modules()) != 1 {
		t.Errorf("CRLF: %v", err)
	}
}

func FuzzParseModules(f *testing.F) {
	for _, sc := range scenarios {
		f.Add(string(readTestdata(f, sc.dir+"/modules.txt")), uint64(0xf743d100))
	}
	f.Fuzz(func(t *testing.T, input string, addr uint64) {
		m, err := ParseModules(strings.NewReader(input), "fuzz")
		if err != nil {
			if m != nil {
				t.Fatal("error with a map")
			}
			return
		}
		mod, off, ok := m.Lookup(addr)
		if ok && (addr < mod.Base || off != addr-mod.Base || off >= mod.Size) {
			t.Fatalf("%#x in %+v at %#x", addr, mod, off)
		}
		mods := m.Modules()
		for i := 1; i < len(mods); i++ {
			if mods[i-1].Base+mods[i-1].Size > mods[i].Base {
				t.Fatalf("overlap: %+v %+v", mods[i-1], mods[i])
			}
		}
	})
}
