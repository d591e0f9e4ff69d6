package symbolize

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func BenchmarkParseKallsyms(b *testing.B) {
	data := readTestdata(b, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKallsyms(bytes.NewReader(data), "kallsyms"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSystemMap(b *testing.B) {
	data := readTestdata(b, "maps/System.map-6.1.0-56-amd64.xz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSystemMap(bytes.NewReader(data), "System.map"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup resolves addresses spread over the real x86_64 table:
// most inside the kernel, some in the module, some outside everything.
func BenchmarkLookup(b *testing.B) {
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
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.Lookup(addrs[i&4095])
		i++
	}
}
