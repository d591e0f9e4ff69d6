package srcline

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkVmlinux30 opens the vmlinux of KSYMOOPS_VMLINUX and resolves
// the first 30 amd64 vmlinux frames of testdata/expected, as one run of
// the command does: a fresh File each time, so every unit is decoded.
func BenchmarkVmlinux30(b *testing.B) {
	name := os.Getenv("KSYMOOPS_VMLINUX")
	if name == "" {
		b.Skip("KSYMOOPS_VMLINUX is not set")
	}
	var addrs []uint64
	for _, r := range readExpected(b, "amd64") {
		if a, ok := strings.CutPrefix(r.where, "vmlinux 0x"); ok && len(addrs) < 30 {
			v, _ := strconv.ParseUint(a, 16, 64)
			addrs = append(addrs, v)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(name, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range addrs {
			if _, err := f.Frames(a); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}
