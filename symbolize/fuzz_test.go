package symbolize

import (
	"strings"
	"testing"
)

// checkTable asserts what any successfully parsed table must satisfy.
func checkTable(t *testing.T, tab *Table, input string) {
	addrs := []uint64{0, 1, ^uint64(0), 0xffffffff81000000, 0xffffffffc0201086, 0xc0300000, 0xbf005188}
	for i := range min(len(tab.addrs), 64) {
		addrs = append(addrs, tab.addrs[i], tab.addrs[i]+1, tab.ends[i]-1, tab.ends[i])
	}
	for _, a := range addrs {
		if loc, ok := tab.Lookup(a); ok && (loc.Offset >= loc.Size || loc.Start+loc.Offset != a || loc.Name == "") {
			t.Fatalf("Lookup(%#x) = %+v on %q", a, loc, input)
		}
		if loc, ok := tab.LookupReturn(a); ok && (loc.Offset > loc.Size || loc.Name == "") {
			t.Fatalf("LookupReturn(%#x) = %+v on %q", a, loc, input)
		}
	}
}

func addSeeds(f *testing.F) {
	f.Add(excerpt)
	f.Add(strings.ReplaceAll(excerpt, "\n", "\r\n"))
	f.Add("c0300000 T _stext\nbf0050f0 t $a\t[oopsdemo]\nbf0050f0 t oopsdemo_level3\t[oopsdemo]\n")
	f.Add("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n")
}

func FuzzParseKallsyms(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input string) {
		tab, err := ParseKallsyms(strings.NewReader(input), "fuzz")
		if err != nil {
			if tab != nil {
				t.Fatal("error with a table")
			}
			return
		}
		checkTable(t, tab, input)
	})
}

func FuzzParseSystemMap(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input string) {
		tab, err := ParseSystemMap(strings.NewReader(input), "fuzz")
		if err != nil {
			if tab != nil {
				t.Fatal("error with a table")
			}
			return
		}
		checkTable(t, tab, input)
		checkTable(t, tab.Relocate(0xd400000), input)
	})
}
