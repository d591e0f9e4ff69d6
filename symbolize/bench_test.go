package symbolize

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// BenchmarkParseKallsyms parses the real 94k-symbol x86_64 kallsyms in
// memory, as ksymoops-go does a mapped file.
func BenchmarkParseKallsyms(b *testing.B) {
	data := readTestdata(b, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKallsymsData(data, "kallsyms"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSystemMap parses the same kernel's System.map.
func BenchmarkParseSystemMap(b *testing.B) {
	data := readTestdata(b, "maps/System.map-6.1.0-56-amd64.xz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSystemMapData(data, "System.map"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseELF reads the symbol table of a vmlinux (its .symtab
// only, as the test data has it).
func BenchmarkParseELF(b *testing.B) {
	data := readTestdata(b, "maps/vmlinux-6.1.192-nokallsyms.symtab.xz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseELF(bytes.NewReader(data), "vmlinux"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAddrs returns the real x86_64 table and a fixed pseudo-random set
// of addresses spread over it: most inside the kernel, some in the module,
// some outside everything.
func benchAddrs(b *testing.B) (*Table, []uint64) {
	tab, err := ParseKallsyms(bytes.NewReader(readTestdata(b, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")), "kallsyms")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi, _ := tab.KernelRange()
	addrs := make([]uint64, 4096)
	for i := range addrs {
		switch i % 8 {
		case 0:
			addrs[i] = 0xffffffffc0201000 + rng.Uint64N(0x1000)
		case 1:
			addrs[i] = rng.Uint64()
		default:
			addrs[i] = lo + rng.Uint64N(hi-lo)
		}
	}
	return tab, addrs
}

// BenchmarkLookup resolves addresses as %pS does. It must not allocate.
func BenchmarkLookup(b *testing.B) {
	tab, addrs := benchAddrs(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.Lookup(addrs[i&4095])
		i++
	}
}

// BenchmarkLookupReturn resolves return addresses as %pB does.
func BenchmarkLookupReturn(b *testing.B) {
	tab, addrs := benchAddrs(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.LookupReturn(addrs[i&4095])
		i++
	}
}

// TestLookupDoesNotAllocate keeps BenchmarkLookup's 0 allocs/op a rule.
func TestLookupDoesNotAllocate(t *testing.T) {
	tab := loadKallsyms(t, scenarios[0])
	addrs := []uint64{0xffffffffc0201086, 0xffffffff81000010, 0, 0xffffffff82161a00, 0xffffffffc0201000}
	if n := testing.AllocsPerRun(100, func() {
		for _, a := range addrs {
			tab.Lookup(a)
			tab.LookupReturn(a)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run of lookups", n)
	}
}

// BenchmarkLookupName includes building the name index, once per table,
// as a run that checks the symbols a log printed pays it.
func BenchmarkLookupName(b *testing.B) {
	raw := readTestdata(b, "x86_64-kaslr-sysrq-panic/kallsyms.txt.xz")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tab, err := ParseKallsyms(bytes.NewReader(raw), "kallsyms")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, name := range []string{"vfs_write", "ksys_write", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"} {
			if len(tab.LookupName(name, "")) != 1 {
				b.Fatal(name)
			}
		}
	}
}
