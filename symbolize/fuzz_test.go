package symbolize

import (
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkTable asserts what any successfully parsed table must satisfy, at
// fixed addresses, at the edges of its first and last entries, and at
// pseudo-random addresses drawn from seed: near entries and anywhere.
func checkTable(t *testing.T, tab *Table, seed uint64) {
	t.Helper()
	es := entriesOf(tab)
	for i, e := range es {
		if e.end <= e.addr || i > 0 && e.addr < es[i-1].addr {
			t.Fatalf("entry %d (%s): [%#x, %#x) after %#x", i, e.name, e.addr, e.end, es[max(i-1, 0)].addr)
		}
	}
	addrs := []uint64{0, 1, ^uint64(0), 0xffffffff81000000, 0xffffffffc0201086, 0xc0300000, 0xbf005188,
		0xdead000000000100, 0x6b6b6b6b6b6b6b6b}
	n := tab.Len()
	for _, i := range []int{0, 1, n / 2, n - 2, n - 1} {
		if i >= 0 && i < n {
			start, end := es[i].addr, es[i].end
			addrs = append(addrs, start-1, start, start+1, end-1, end, end+1)
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	for range min(n, 64) {
		i := rng.IntN(n)
		addrs = append(addrs, rng.Uint64(), es[i].addr+rng.Uint64N(1<<12)-1<<11, es[i].end-1+rng.Uint64N(3))
	}
	lo, hi, _ := tab.KernelRange()
	for _, a := range addrs {
		if loc, ok := tab.Lookup(a); ok {
			if loc.Offset >= loc.Size || loc.Start+loc.Offset != a || loc.Name == "" {
				t.Fatalf("Lookup(%#x) = %+v", a, loc)
			}
			if loc.Module == "" && (a < lo || a >= hi) {
				t.Fatalf("Lookup(%#x) = %v, outside the kernel's range %#x-%#x", a, loc, lo, hi)
			}
		}
		if loc, ok := tab.LookupReturn(a); ok {
			if loc.Offset > loc.Size || loc.Start+loc.Offset != a || loc.Name == "" ||
				loc.Offset == 0 && loc.Start != a {
				t.Fatalf("LookupReturn(%#x) = %+v", a, loc)
			}
		}
	}
}

func addSeeds(f *testing.F) {
	f.Add(excerpt, uint64(1))
	f.Add(strings.ReplaceAll(excerpt, "\n", "\r\n"), uint64(2))
	f.Add("c0300000 T _stext\nbf0050f0 t $a\t[oopsdemo]\nbf0050f0 t oopsdemo_level3\t[oopsdemo]\n", uint64(3))
	f.Add("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n", uint64(4))
	// Relocated by 0xd400000, the core wraps around the top of memory.
	f.Add("ffffffffe0000000 T _stext\nffffffffe1000000 T top\nfffffffffffff000 T last\n", uint64(5))
}

func FuzzParseKallsyms(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input string, seed uint64) { fuzzParse(t, ParseKallsyms, input, seed) })
}

func FuzzParseSystemMap(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, input string, seed uint64) { fuzzParse(t, ParseSystemMap, input, seed) })
}

// fuzzParse checks one parser on one input: an error comes without a
// table, a table has entries that obey the lookup invariants, relocated
// or not.
func fuzzParse(t *testing.T, parse func(io.Reader, string) (*Table, error), input string, seed uint64) {
	tab, err := parse(strings.NewReader(input), "fuzz")
	checkParsed(t, tab, err, seed)
}

// checkParsed checks what any parser returned.
func checkParsed(t *testing.T, tab *Table, err error, seed uint64) {
	if err != nil {
		if tab != nil {
			t.Fatal("error with a table")
		}
		return
	}
	if tab.Len() == 0 {
		t.Fatal("a table without lookup entries")
	}
	checkTable(t, tab, seed)
	checkTable(t, tab.Relocate(0xd400000), seed)
}
