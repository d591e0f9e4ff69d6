package symbolize

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

// readTestdata returns a file under ../testdata, decompressed if it ends in
// .xz.
func readTestdata(t testing.TB, rel string) []byte { return testfiles.Read(t, rel) }

// scenario is one real boot in ../testdata.
type scenario struct {
	dir    string
	arch   string
	sysmap string // System.map of the same kernel build
	offset uint64 // that boot's KASLR offset (kallsyms minus System.map)
}

var scenarios = []scenario{
	{"x86_64-nokaslr-module-oops", "x86", "maps/System.map-6.1.0-56-amd64.xz", 0},
	{"x86_64-kaslr-sysrq-panic", "x86", "maps/System.map-6.1.0-56-amd64.xz", 0xd400000},
	{"arm64-kaslr-module-oops", "arm64", "maps/System.map-6.1.0-56-arm64.xz", 0x4fc6a2000000},
	{"armhf-sysrq-panic", "arm", "maps/System.map-6.1.0-50-armmp.xz", 0},
	// i386 randomizes the kernel although its log says "Kernel Offset: disabled".
	{"i386-module-oops", "x86", "maps/System.map-6.1.0-50-686.xz", 0x1d000000},
}

func loadKallsyms(t testing.TB, sc scenario) *Table {
	t.Helper()
	name := sc.dir + "/kallsyms.txt.xz"
	tab, err := ParseKallsyms(bytes.NewReader(readTestdata(t, name)), name)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// rawSymbol is one kallsyms line, unfiltered, for tests that need to find
// a symbol by name.
type rawSymbol struct {
	addr   uint64
	typ    byte
	module string
}

// kallsymsByName indexes a kallsyms listing by "name" and "name [module]".
func kallsymsByName(t testing.TB, data []byte) map[string][]rawSymbol {
	t.Helper()
	idx := map[string][]rawSymbol{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		a, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		s := rawSymbol{addr: a, typ: f[1][0]}
		key := f[2]
		if len(f) > 3 {
			s.module = strings.Trim(f[3], "[]")
			key += " [" + s.module + "]"
		}
		idx[key] = append(idx[key], s)
	}
	return idx
}

// testEntry is one lookup entry of a table, as lookups see it.
type testEntry struct {
	addr, end    uint64
	name, module string
	typ          byte
}

// entriesOf returns the lookup entries of tab, the core's and the
// modules' merged by address (a module's after the core's at one
// address), relocation applied.
func entriesOf(tab *Table) []testEntry {
	out := make([]testEntry, 0, tab.Len())
	mod := func(j int) testEntry {
		return testEntry{tab.maddrs[j], tab.mends[j], tab.mnames[j], tab.modNames[tab.mmods[j]], tab.mtypes[j]}
	}
	j := 0
	for i := range tab.coreN {
		a := tab.start(i)
		for ; j < len(tab.maddrs) && tab.maddrs[j] < a; j++ {
			out = append(out, mod(j))
		}
		out = append(out, testEntry{a, tab.end(i), tab.nameAt(i), "", tab.typAt(i)})
	}
	for ; j < len(tab.maddrs); j++ {
		out = append(out, mod(j))
	}
	return out
}
