package symbolize

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
// name and offset denote in the same boot's kallsyms. x86 call-trace
// entries are %pB (LookupReturn: the offset may equal the size after a
// noreturn call), everything else %pS (Lookup). The core symbols are also
// looked up in the build's System.map, relocated by the boot's offset.
func TestKernelPrintedSymbols(t *testing.T) {
	total := 0
	for _, sc := range scenarios {
		t.Run(sc.dir, func(t *testing.T) {
			raw := readTestdata(t, sc.dir+"/kallsyms.txt.xz")
			tab, err := ParseKallsyms(bytes.NewReader(raw), sc.dir)
			if err != nil {
				t.Fatal(err)
			}
			sysmap, err := ParseSystemMap(bytes.NewReader(readTestdata(t, sc.sysmap)), sc.sysmap)
			if err != nil {
				t.Fatal(err)
			}
			sysmap = sysmap.Relocate(sc.offset)
			byName := kallsymsByName(t, raw)
			log := readTestdata(t, sc.dir+"/console.log")
			var checked, modules, returns, mapped, ambiguous int
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
					addrs := distinctAddrs(byName[key])
					if len(addrs) == 0 {
						t.Errorf("line %d: %s is not in the boot's kallsyms", lineNo, m[0])
						continue
					}
					if len(addrs) > 1 {
						// A static function defined in several files: the
						// kernel's size tells which one it was, so one of
						// them must reproduce the text.
						ambiguous++
					}
					want := Location{Name: name, Module: mod, Offset: off, Size: size}
					found := false
					for _, a := range addrs {
						if lookupAs(tab, a+off, pB) == want {
							found = true
							if mod == "" {
								if lookupAs(sysmap, a+off, pB) != want {
									t.Errorf("line %d: kernel printed %s, relocated %s gives %v for %#x", lineNo, m[0], sc.sysmap, lookupAs(sysmap, a+off, pB), a+off)
								}
								mapped++
							}
						}
					}
					if !found {
						t.Errorf("line %d: kernel printed %s, table gives %v for %#x", lineNo, m[0], lookupAs(tab, addrs[0]+off, pB), addrs[0]+off)
						continue
					}
					checked++
					if mod != "" {
						modules++
					}
					if pB {
						returns++
					}
				}
			}
			t.Logf("%d kernel-printed symbols reproduced exactly (%d in modules, %d %%pB return addresses, %d of several same-named symbols), %d core ones also from the System.map",
				checked, modules, returns, ambiguous, mapped)
			if checked < 15 {
				t.Errorf("only %d symbols checked: the log or the pattern changed", checked)
			}
			total += checked
		})
	}
	t.Logf("%d kernel-printed symbols reproduced in all", total)
}

// lookupAs returns what a lookup of addr as %pB (ret) or %pS gives, with
// only the fields the kernel prints.
func lookupAs(tab *Table, addr uint64, ret bool) Location {
	var loc Location
	var ok bool
	if ret {
		loc, ok = tab.LookupReturn(addr)
	} else {
		loc, ok = tab.Lookup(addr)
	}
	if !ok {
		return Location{}
	}
	return Location{Name: loc.Name, Module: loc.Module, Offset: loc.Offset, Size: loc.Size}
}

func distinctAddrs(syms []rawSymbol) []uint64 {
	var out []uint64
	for _, s := range syms {
		if !slices.Contains(out, s.addr) {
			out = append(out, s.addr)
		}
	}
	return out
}

// TestSystemMapAgreesWithKallsyms checks the System.map path against the
// running kernel: relocated by the boot's KASLR offset, the build's
// System.map must resolve every core symbol of that boot's kallsyms (code
// and data) to the same name and size, at its first and at its last byte,
// and the other way round every symbol of the System.map that the kernel
// would print at all. On the kernels without CONFIG_KALLSYMS_ALL (arm64,
// armhf and i386 here) that is their text only: the kernel prints rodata
// and data addresses raw, and a table from their kallsyms must not answer
// for them either. A System.map does not say how its kernel was
// configured, so it does answer there.
func TestSystemMapAgreesWithKallsyms(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.dir, func(t *testing.T) {
			k := loadKallsyms(t, sc)
			m, err := ParseSystemMap(bytes.NewReader(readTestdata(t, sc.sysmap)), sc.sysmap)
			if err != nil {
				t.Fatal(err)
			}
			m = m.Relocate(sc.offset)
			_, hasEnd := k.Anchor("_end")
			inKernelTable := func(addr uint64) bool {
				if hasEnd {
					return true
				}
				stext, _ := k.Anchor("_stext")
				etext, _ := k.Anchor("_etext")
				sinit, _ := k.Anchor("_sinittext")
				einit, _ := k.Anchor("_einittext")
				return addr >= stext && addr < etext || addr >= sinit && addr < einit
			}
			compare := func(from, other *Table, what string) (n, bad int) {
				for _, e := range entriesOf(from) {
					a := e.addr
					if e.module != "" || !inKernelTable(a) {
						continue
					}
					for _, addr := range []uint64{a, e.end - 1} {
						want, _ := from.Lookup(addr)
						got, ok := other.Lookup(addr)
						n++
						if !ok || got.Name != want.Name || got.Size != want.Size || got.Offset != want.Offset {
							bad++
							if bad <= 10 {
								t.Errorf("%s %#x: %v, but %v (ok=%v)", what, addr, want, got, ok)
							}
						}
					}
				}
				return n, bad
			}
			n1, bad1 := compare(k, m, "kallsyms")
			n2, bad2 := compare(m, k, "System.map")
			t.Logf("%d lookups of kallsyms entries, %d of System.map entries compared; %d and %d differ (KALLSYMS_ALL: %v)", n1, n2, bad1, bad2, hasEnd)
			if n1 < 80000 || n2 < 80000 {
				t.Errorf("only %d and %d lookups compared", n1, n2)
			}
			if !hasEnd {
				// Text only: a data symbol of the System.map must find
				// nothing in the kallsyms table.
				data := 0
				for _, e := range entriesOf(m) {
					if a := e.addr; !inKernelTable(a) {
						if loc, ok := k.Lookup(a); ok {
							t.Fatalf("%#x (%s in the System.map) is outside the kernel's text, but kallsyms gives %v", a, e.name, loc)
						}
						data++
					}
				}
				t.Logf("%d System.map symbols outside the text: none resolved from kallsyms", data)
			}
		})
	}
}

// TestModuleTextEnd checks the size of each module's last function against
// the module's sections as the boot's /sys/module/*/sections listed them:
// the kernel sizes it to the end of the module's page-aligned text region
// (kernel/module/kallsyms.c, find_kallsyms_symbol), which is where the
// first section after the code (.note.*, .rodata*) starts. The region also
// holds code without symbols of its own (arm64's .plt and ftrace
// trampoline), which the last function's size covers.
func TestModuleTextEnd(t *testing.T) {
	checked := 0
	for _, sc := range scenarios {
		if sc.dir == "i386-module-oops" {
			continue // no module-sections.txt
		}
		tab := loadKallsyms(t, sc)
		textStart, textEnd := map[string]uint64{}, map[string]uint64{}
		s := bufio.NewScanner(bytes.NewReader(readTestdata(t, sc.dir+"/module-sections.txt")))
		for s.Scan() {
			f := strings.Fields(s.Text())
			if len(f) != 3 || !strings.HasPrefix(f[2], "0x") {
				continue
			}
			addr, err := strconv.ParseUint(f[2][2:], 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			mod, sec := f[0], f[1]
			switch {
			case sec == ".text":
				textStart[mod] = addr
			case strings.HasPrefix(sec, ".text") || sec == ".exit.text" || sec == ".plt" ||
				strings.HasPrefix(sec, ".init") || sec == ".symtab" || sec == ".strtab":
			default:
				if e, ok := textEnd[mod]; !ok || addr < e {
					textEnd[mod] = addr
				}
			}
		}
		for mod, end := range textEnd {
			if end%PageSize != 0 || end <= textStart[mod] {
				t.Fatalf("%s: %s's text ends at %#x, after %#x?", sc.dir, mod, end, textStart[mod])
			}
			last, ok := tab.Lookup(end - 1)
			if !ok || last.Module != mod || last.Start+last.Size != end {
				t.Errorf("%s: the last byte of %s's text, %#x, gives %v ok=%v; want a symbol ending at %#x", sc.dir, mod, end-1, last, ok, end)
			}
			if loc, ok := tab.Lookup(end); ok {
				t.Errorf("%s: %s's first byte after its text, %#x, gives %v", sc.dir, mod, end, loc)
			}
			if first, ok := tab.Lookup(textStart[mod]); !ok || first.Offset != 0 {
				t.Errorf("%s: %s's first byte of text, %#x, gives %v ok=%v", sc.dir, mod, textStart[mod], first, ok)
			}
			t.Logf("%s: %s text %#x-%#x, last function %v", sc.dir, mod, textStart[mod], end, last)
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("only %d modules checked", checked)
	}
}
