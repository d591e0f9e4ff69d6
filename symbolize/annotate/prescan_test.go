package annotate

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// TestPrescanAtIsPrescan: reading a log in pieces side by side gathers
// the evidence one reading in order does, boot by boot, and the
// annotation that follows is the same. The logs are the real ones, alone
// and run together (boots of three architectures one after the other, so
// that pieces start in the middle of another architecture's boot), with a
// runtime table, a link-time one and the user's architecture.
func TestPrescanAtIsPrescan(t *testing.T) {
	var logs [][]byte
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, b)
	}
	var mixed []byte
	for _, dir := range []string{"armhf-sysrq-panic", "x86_64-kaslr-sysrq-panic", "arm64-kaslr-module-oops", "armhf-sysrq-panic", "i386-module-oops"} {
		mixed = append(mixed, readTestdata(t, dir+"/console.log")...)
	}
	logs = append(logs, mixed, bytes.Repeat(readTestdata(t, "arm64-kaslr-module-oops/console.log"), 3))

	x86, _ := kallsymsTable(t, "x86_64-kaslr-sysrq-panic")
	arm, _ := kallsymsTable(t, "armhf-sysrq-panic")
	configs := []struct {
		name string
		res  *symbolize.Table
		opts Options
	}{
		{"x86_64 kallsyms", x86, Options{Code: true}},
		{"armhf kallsyms", arm, Options{}},
		{"amd64 System.map", systemMapTable(t, "System.map-6.1.0-56-amd64"), Options{LinkTime: true, Code: true}},
		{"arm64 System.map", systemMapTable(t, "System.map-6.1.0-56-arm64"), Options{LinkTime: true}},
	}
	compared := 0
	for _, c := range configs {
		for i, log := range logs {
			want, wantOut := prescanned(t, c.res, c.opts, log, 0)
			for _, parts := range []int{2, 3, 7} {
				got, gotOut := prescanned(t, c.res, c.opts, log, parts)
				if got != want {
					t.Errorf("%s, log %d in %d pieces: evidence\n%s\nwant\n%s", c.name, i, parts, got, want)
				}
				if !bytes.Equal(gotOut, wantOut) {
					t.Errorf("%s, log %d in %d pieces: the annotation differs", c.name, i, parts)
				}
				compared++
			}
		}
	}
	t.Logf("%d readings in pieces compared", compared)
}

// TestPrescanAtReadsAgain: a piece that starts inside a 32-bit ARM
// backtrace, whose raw-address pairs it would read as x86's return
// addresses, is read again knowing the architecture; cut at every line,
// the evidence is that of one reading.
func TestPrescanAtReadsAgain(t *testing.T) {
	log, err := os.ReadFile("testdata/arm-syzkaller-report-549.txt")
	if err != nil {
		t.Fatal(err)
	}
	arm := boundaryTable(t, log)
	want, wantOut := prescanned(t, arm, Options{}, log, 0)
	redone := 0
	for parts := 2; parts <= bytes.Count(log, []byte("\n")); parts++ {
		got, gotOut := prescanned(t, arm, Options{}, log, parts)
		if got != want || !bytes.Equal(gotOut, wantOut) {
			t.Errorf("in %d pieces: evidence\n%s\nwant\n%s", parts, got, want)
		}
		cuts, err := lineCuts(bytes.NewReader(log), int64(len(log)), parts)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i+1 < len(cuts); i++ {
			a := New(arm, Options{})
			c := a.collector(0)
			if err := c.collect(bytes.NewReader(log[cuts[i]:cuts[i+1]])); err != nil {
				t.Fatal(err)
			}
			if c.pairsBlind {
				redone++
			}
		}
	}
	if redone == 0 {
		t.Error("no piece weighed pairs before it knew the architecture: the case is not tested")
	}
}

// prescanned prescans log (in parts pieces, or in one reading when parts
// is 0) and returns the evidence found, printed, and the annotation that
// follows.
func prescanned(t *testing.T, res *symbolize.Table, opts Options, log []byte, parts int) (string, []byte) {
	t.Helper()
	a := New(res, opts)
	var err error
	if parts == 0 {
		err = a.Prescan(bytes.NewReader(log))
	} else {
		err = a.PrescanAt(bytes.NewReader(log), int64(len(log)), parts)
	}
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "last boot %d, stats %d/%d %d/%d, mismatches %+v\n", a.lastBoot,
		a.stats.Agreed, a.stats.Disagreed, a.stats.NamesAgreed, a.stats.NamesDisagreed, a.mismatches)
	for _, boot := range a.prescan {
		v := reflect.ValueOf(*boot)
		fmt.Fprintf(&b, "%+v\n", v.Interface())
	}
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := a.Stream(w, bytes.NewReader(log)); err != nil {
		t.Fatal(err)
	}
	return b.String(), out.Bytes()
}

// boundaryTable returns a table in which every bracketed address of log
// starts a function and the byte before it ends another, so that reading
// an entry as a return address (x86) or as a call site (ARM) names
// different functions.
func boundaryTable(t *testing.T, log []byte) *symbolize.Table {
	t.Helper()
	var addrs []uint64
	for _, m := range regexp.MustCompile(`\[<([0-9a-f]{8})>\]`).FindAllSubmatch(log, -1) {
		a, err := strconv.ParseUint(string(m[1]), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	var b strings.Builder
	fmt.Fprintf(&b, "%08x T _stext\n", addrs[0]-0x1000)
	for _, a := range addrs {
		fmt.Fprintf(&b, "%08x t before_%x\n%08x T at_%x\n", a-0x10, a, a, a)
	}
	fmt.Fprintf(&b, "%08x T _etext\n%08x B _end\n", addrs[len(addrs)-1]+0x1000, addrs[len(addrs)-1]+0x2000)
	tab, err := symbolize.ParseKallsyms(strings.NewReader(b.String()), "boundaries")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestLineCuts: the cuts are at line ends, ascending, and cover the log,
// whatever the number of pieces asked for and however long the lines.
func TestLineCuts(t *testing.T) {
	logs := [][]byte{nil, []byte("no newline"), []byte("\n\n\n"), []byte("a\nb"), bytes.Repeat([]byte("x"), 10000),
		append(bytes.Repeat([]byte("y"), 9000), "\nshort\n"...), readTestdata(t, "armhf-sysrq-panic/console.log")}
	for _, log := range logs {
		for n := 1; n <= 9; n++ {
			cuts, err := lineCuts(bytes.NewReader(log), int64(len(log)), n)
			if err != nil {
				t.Fatal(err)
			}
			if cuts[0] != 0 || cuts[len(cuts)-1] != int64(len(log)) || len(cuts)-1 > max(n, 1) {
				t.Errorf("%d pieces of %q: cuts %v", n, log[:min(len(log), 20)], cuts)
			}
			for i := 1; i+1 < len(cuts); i++ {
				if cuts[i] <= cuts[i-1] || log[cuts[i]-1] != '\n' {
					t.Errorf("%d pieces of %q: cut %d at %d is no line end", n, log[:min(len(log), 20)], i, cuts[i])
				}
			}
		}
	}
}

// FuzzPrescanAt: whatever the log, reading it in pieces side by side
// gathers the evidence one reading does. Seeds are in
// testdata/fuzz/FuzzPrescanAt: excerpts of real consoles with boots,
// offsets and printed symbols, of three architectures.
func FuzzPrescanAt(f *testing.F) {
	tab := fuzzTable(f)
	f.Fuzz(func(t *testing.T, log []byte, parts uint8) {
		want, wantOut := prescanned(t, tab, Options{}, log, 0)
		got, gotOut := prescanned(t, tab, Options{}, log, int(parts%8)+2)
		if got != want || !bytes.Equal(gotOut, wantOut) {
			t.Fatalf("in %d pieces: evidence\n%s\nwant\n%s", parts%8+2, got, want)
		}
	})
}
