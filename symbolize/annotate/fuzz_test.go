package annotate

import (
	"bytes"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

// fuzzTable returns a small real table: the first 4000 lines of the x86_64
// nokaslr kallsyms (per-cpu symbols, then the kernel text from
// startup_64) and the oopsdemo module's symbols.
func fuzzTable(t testing.TB) *symbolize.Table {
	raw := readTestdata(t, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")
	var small []byte
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if i < 4000 || bytes.Contains(line, []byte("\t[oopsdemo]")) {
			small = append(small, line...)
		}
	}
	tab, err := symbolize.ParseKallsyms(bytes.NewReader(small), "fuzz")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// FuzzAnnotate: whatever the input, the output is the input plus
// annotations and Code: listings (unless the input has listing lines of
// its own, which stripping would take too), and annotating the output
// again changes nothing. Seeds are
// in testdata/fuzz/FuzzAnnotate: real console lines, some with their
// symbols turned back into the raw addresses they stand for.
func FuzzAnnotate(f *testing.F) {
	tab := fuzzTable(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		out := annotateAll(t, tab, in, Options{Code: true})
		if stripped := disasm.StripListings(nil, out); !losslessByLine(stripped, in) && !bytes.Contains(in, []byte(disasm.Marker)) {
			t.Fatalf("not lossless:\n in  %q\n out %q", in, out)
		}
		if again := annotateAll(t, tab, out, Options{Code: true}); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n out   %q\n again %q", out, again)
		}
	})
}

// TestFuzzTableResolves makes sure the fuzz table is not vacuous: real
// addresses of both the kernel and the module resolve in it.
func TestFuzzTableResolves(t *testing.T) {
	tab := fuzzTable(t)
	for _, c := range []struct {
		addr uint64
		want string
	}{
		{0xffffffff81000070, "secondary_startup_64+0x0/0x5"},
		{0xffffffffc02010bd + 0x51, "oopsdemo_level3+0x51/0xfe [oopsdemo]"},
	} {
		loc, ok := tab.Lookup(c.addr)
		if !ok || !bytes.HasPrefix([]byte(loc.String()), []byte(c.want)) {
			t.Errorf("%#x: %v %v, want %s", c.addr, loc, ok, c.want)
		}
	}
}
