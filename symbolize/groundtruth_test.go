package symbolize

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"testing"
)

// printedSymbol matches what the kernel prints with %pS/%pB:
// "name+0xoff/0xsize" and an optional " [module]".
var printedSymbol = regexp.MustCompile(`([A-Za-z_][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[([\w-]+)\])?`)

// x86TraceEntry is a line of an x86 call trace, printed with %pB.
var x86TraceEntry = regexp.MustCompile(`^\[[ 0-9.]+\]  (?:\? )?[A-Za-z_][\w.$]*\+0x`)

// TestKernelPrintedSymbols checks the table against the kernel itself:
// every "name+0xoff/0xsize [mod]" the kernel printed in a real log must come
// back, name, offset, size and module, from a lookup of the address that
// name and offset denote in the same boot's kallsyms.
func TestKernelPrintedSymbols(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.dir, func(t *testing.T) {
			raw := readTestdata(t, sc.dir+"/kallsyms.txt.xz")
			tab, err := ParseKallsyms(bytes.NewReader(raw), sc.dir)
			if err != nil {
				t.Fatal(err)
			}
			byName := kallsymsByName(t, raw)
			log := readTestdata(t, sc.dir+"/console.log")
			checked, modules, skipped := 0, 0, 0
			s := bufio.NewScanner(bytes.NewReader(log))
			for lineNo := 1; s.Scan(); lineNo++ {
				line := s.Text()
				pB := sc.arch == "x86" && x86TraceEntry.MatchString(line)
				for _, m := range printedSymbol.FindAllStringSubmatch(line, -1) {
					name, mod := m[1], m[4]
					off, _ := strconv.ParseUint(m[2], 16, 64)
					size, _ := strconv.ParseUint(m[3], 16, 64)
					key := name
					if mod != "" {
						key += " [" + mod + "]"
					}
					cands := byName[key]
					if len(cands) != 1 {
						skipped++ // unknown (a symbol of another boot) or ambiguous
						continue
					}
					addr := cands[0].addr + off
					var loc Location
					var ok bool
					if pB {
						loc, ok = tab.LookupReturn(addr)
					} else {
						loc, ok = tab.Lookup(addr)
					}
					if !ok || loc.Name != name || loc.Offset != off || loc.Size != size || loc.Module != mod {
						t.Errorf("line %d: kernel printed %s, table gives %v (ok=%v) for %#x", lineNo, m[0], loc, ok, addr)
						continue
					}
					checked++
					if mod != "" {
						modules++
					}
				}
			}
			t.Logf("%d kernel-printed symbols reproduced exactly (%d in modules), %d skipped as ambiguous", checked, modules, skipped)
			if checked < 15 {
				t.Errorf("only %d symbols checked: the log or the pattern changed", checked)
			}
		})
	}
}

// TestSystemMapAgreesWithKallsyms checks the System.map path against the
// running kernel: relocated by the boot's KASLR offset, the build's
// System.map must resolve every code symbol of that boot's kallsyms to the
// same name and size, at its first and at its last byte.
func TestSystemMapAgreesWithKallsyms(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.dir, func(t *testing.T) {
			k := loadKallsyms(t, sc)
			m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, sc.sysmap)), sc.sysmap)
			if err != nil {
				t.Fatal(err)
			}
			m = m.Relocate(sc.offset)
			n, bad := 0, 0
			for i, a := range k.addrs {
				if k.mods[i] >= 0 || !isTextType(k.types[i]) {
					continue
				}
				if k.names[i] == "_einittext" || k.names[i] == "_etext" {
					// End markers: what follows them in the kernel's table
					// depends on its config, which a System.map does not
					// record. ARM and arm64 link .exit.text right after the
					// init text and the kernel's table leaves it out; a
					// kernel without CONFIG_KALLSYMS_ALL (i386 here) leaves
					// out the data after _etext. Only the markers' own
					// sizes are affected.
					continue
				}
				for _, addr := range []uint64{a, k.ends[i] - 1} {
					lk, _ := k.Lookup(addr)
					lm, ok := m.Lookup(addr)
					n++
					if !ok || lm.Name != lk.Name || lm.Size != lk.Size || lm.Offset != lk.Offset {
						bad++
						if bad <= 10 {
							t.Errorf("%#x: kallsyms %v, System.map %v (ok=%v)", addr, lk, lm, ok)
						}
					}
				}
			}
			t.Logf("%d lookups compared, %d differ", n, bad)
			if n < 10000 {
				t.Errorf("only %d lookups compared", n)
			}
		})
	}
}
