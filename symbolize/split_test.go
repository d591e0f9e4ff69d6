package symbolize

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

// splitFile is a symbol file the split tests read.
type splitFile struct {
	name string
	data []byte
}

// splitFiles returns every kallsyms and System.map of the test data, and
// of ../shared/fixtures when it is there.
func splitFiles(t *testing.T) []splitFile {
	t.Helper()
	dir := testfiles.Dir()
	var rels []string
	for _, pat := range []string{"*/kallsyms*", "maps/System.map*"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(dir, p)
			rels = append(rels, rel)
		}
	}
	fixtures := filepath.Join(dir, "..", "..", "shared", "fixtures")
	if _, err := os.Stat(fixtures); err == nil {
		filepath.WalkDir(fixtures, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b := d.Name(); strings.HasPrefix(b, "kallsyms") || strings.HasPrefix(b, "System.map") {
				rel, _ := filepath.Rel(dir, p)
				rels = append(rels, rel)
			}
			return nil
		})
	} else {
		t.Logf("no %s: its files are not read", fixtures)
	}
	var out []splitFile
	seen := map[string]bool{}
	for _, rel := range rels {
		data := testfiles.Read(t, rel)
		if seen[string(data)] {
			continue
		}
		seen[string(data)] = true
		out = append(out, splitFile{rel, data})
	}
	if len(out) < 8 {
		t.Fatalf("only %d symbol files found", len(out))
	}
	return out
}

// lineStarts returns the offset of every line of data.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// splitCuts returns the cut sets to try on data: cuts spread over the
// file, and cuts next to the lines where the parts meet in the state
// they carry (aliases, anchors, the first module line, a change of
// address width, odd lines), one or several at a time.
func splitCuts(data []byte, short bool) [][]int {
	starts := lineStarts(data)
	n := len(starts)
	var sets [][]int
	spread := 8
	if short {
		spread = 4
	}
	for i := 1; i < spread; i++ {
		sets = append(sets, []int{len(data) * i / spread})
	}
	// Lines next to which a cut is special.
	var special []int
	lines := bytes.Split(data, []byte{'\n'})
	aliases := 0
	for i := 1; i < len(lines) && i < n; i++ {
		f, prev := bytes.Fields(lines[i]), bytes.Fields(lines[i-1])
		switch {
		case len(f) < 3 || len(prev) < 3:
			special = append(special, i) // blank or broken, or after one
		case len(f) > 3 && len(prev) == 3:
			special = append(special, i) // the first module line
		case anchorIndex(string(f[2])) >= 0:
			special = append(special, i)
		case bytes.Equal(f[0], prev[0]):
			// An alias: the first few, then one in twenty thousand.
			if aliases < 3 || aliases%20000 == 0 {
				special = append(special, i)
			}
			aliases++
		case len(f[0]) != len(prev[0]):
			special = append(special, i)
		}
	}
	if limit := 24; short && len(special) > limit {
		special = special[:limit]
	}
	return append(sets, cutsAround(data, starts, special)...)
}

// cutsAround returns cut sets next to the lines special: at the line, at
// the next one, a part of one line between them, and some more parts.
func cutsAround(data []byte, starts, special []int) [][]int {
	n := len(starts)
	var sets [][]int
	for _, l := range special {
		if l > 0 && l < n {
			sets = append(sets, []int{starts[l]})
		}
		if l+1 < n {
			sets = append(sets, []int{starts[l+1]})
		}
		if l > 0 && l+1 < n {
			sets = append(sets, []int{starts[l], starts[l+1]})
		}
	}
	sets = append(sets,
		[]int{1}, []int{len(data) - 1}, []int{starts[min(1, n-1)]}, []int{starts[n-1]},
		[]int{len(data) / 3, 2 * len(data) / 3},
		[]int{len(data) / 2, len(data)/2 + 1, len(data)/2 + 2},
	)
	parts := make([]int, 0, 16)
	for i := 1; i < 16; i++ {
		parts = append(parts, len(data)*i/16)
	}
	return append(sets, parts)
}

// brokenVariants returns data changed in ways that must fail (or not) the
// same way whether it is cut or not: bad lines on both sides of the
// middle, order and width breaks there, CRLF ends, no last newline.
func brokenVariants(data []byte) (map[string][]byte, []int) {
	starts := lineStarts(data)
	n := len(starts)
	line := func(i int) []byte {
		end := len(data)
		if i+1 < n {
			end = starts[i+1]
		}
		return data[starts[i]:end]
	}
	splice := func(at int, ins ...[]byte) []byte {
		var b []byte
		b = append(b, data[:starts[at]]...)
		for _, x := range ins {
			b = append(b, x...)
		}
		return append(b, data[starts[at]:]...)
	}
	mid, late := n/2, n*3/4
	out := map[string][]byte{
		"garbage-late":       splice(late, []byte("not a symbol line\n")),
		"blank-and-spaces":   splice(mid, []byte("\n  \n\r\n")),
		"long-line-late":     splice(late, bytes.Repeat([]byte("a"), maxSymbolLine+10), []byte("\n")),
		"crlf":               bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
		"no-last-newline":    bytes.TrimRight(data, "\n"),
		"descending-at-mid":  splice(mid, []byte("0000000000000001 T below_everything\n")),
		"repeat-before-mid":  splice(mid, line(mid-1)),
		"repeat-line-late":   splice(late, line(late-1), line(late-1)),
		"width-at-mid":       splice(mid, []byte("ffffffff T narrow\n")),
		"unpadded-at-mid":    splice(mid, []byte("1 a tiny_absolute\n")),
		"module-at-mid":      splice(mid, []byte("ffffffffc0000000 t early_mod_fn\t[early]\n")),
		"trailing-blank-mid": splice(mid, bytes.TrimRight(line(mid), "\n"), []byte(" \n")),
	}
	// Errors on both sides of the middle: the first must win.
	g := splice(late, []byte("late garbage\n"))
	out["garbage-both"] = append(append(append([]byte{}, g[:starts[mid/2]]...), "early garbage\n"...), g[starts[mid/2]:]...)
	return out, []int{mid / 2, mid, mid + 1, late, late + 1, late + 2}
}

type splitParser struct {
	name  string
	parse func(data []byte, file string, release func([]byte), cuts []int) (*Table, error)
}

var splitParsers = []splitParser{{"kallsyms", parseKallsyms}, {"System.map", parseSystemMap}}

// TestSplitParseMatchesOnePass reads every symbol file in parts, cut at
// many places, and checks that the table or the error is exactly that of
// one pass.
func TestSplitParseMatchesOnePass(t *testing.T) {
	for _, f := range splitFiles(t) {
		sets := splitCuts(f.data, testing.Short())
		for _, sp := range splitParsers {
			t.Run(sp.name+"/"+f.name, func(t *testing.T) {
				want, wantErr := sp.parse(f.data, "f", nil, []int{})
				for _, cuts := range sets {
					got, err := sp.parse(f.data, "f", nil, cuts)
					sameResult(t, fmt.Sprint(cuts), want, wantErr, got, err, false)
				}
				got, err := sp.parse(f.data, "f", nil, nil)
				sameResult(t, "default cuts", want, wantErr, got, err, true)
			})
		}
	}
}

// TestSplitParseBrokenFiles checks errors and their lines: the first bad
// line in file order is reported, with its line number in the file.
func TestSplitParseBrokenFiles(t *testing.T) {
	files := []string{"x86_64-nokaslr-module-oops/kallsyms.txt.xz", "armhf-sysrq-panic/kallsyms.txt.xz", "maps/System.map-6.1.0-50-686.xz"}
	if testing.Short() {
		files = files[:1]
	}
	for _, rel := range files {
		variants, near := brokenVariants(readTestdata(t, rel))
		for vname, data := range variants {
			for _, sp := range splitParsers {
				t.Run(sp.name+"/"+rel+"/"+vname, func(t *testing.T) {
					want, wantErr := sp.parse(data, "f", nil, []int{})
					starts := lineStarts(data)
					for _, cuts := range cutsAround(data, starts, near) {
						got, err := sp.parse(data, "f", nil, cuts)
						sameResult(t, fmt.Sprint(cuts), want, wantErr, got, err, false)
					}
				})
			}
		}
	}
}

// TestSplitParseSmall cuts small hand-made files at every byte.
func TestSplitParseSmall(t *testing.T) {
	inputs := []string{
		excerpt,
		strings.ReplaceAll(excerpt, "\n", "\r\n"),
		"c0300000 T _stext\nbf0050f0 t $a\t[oopsdemo]\nbf0050f0 t oopsdemo_level3\t[oopsdemo]\n",
		"ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n",
		"ffffffff81000000 T _text\nffffffff81000000 T _stext\nffffffff81000000 W weak\nffffffff81000000 T __start_x\n" +
			"ffffffff81000000 t _x\nffffffff81000010 T f\nffffffff81000010 T __f\nffffffff81000010 t f\n" +
			"ffffffff81000020 T _etext\nffffffff81000020 D d\nffffffff81000040 T _sinittext\nffffffff81000050 T _einittext\n",
		"00000000 T _stext\n00000000 T a\n",
		"ffffffff81000000 T _stext\nffffffff81000010 T f\nffffffff81000008 T g\n",
		"ffffffff81000000 T _stext\nffffffff81000010 T f\n81000020 T g\n",
		"ffffffff81000000 T _stext\n\nbad\nffffffff81000010 T f\nworse\n",
		"ffffffff81000000 T _stext\nffffffffc0000000 t m1\t[a]\nffffffffc0001000 t m2\t[b]\nffffffffc0000010 t m3\t[a]\nffffffff81000010 T f\n",
		"ffffffff81000000 U undef\nffffffff81000000 T _stext\n$x\nffffffff81000010 t $x\nffffffff81000010 T f\nffffffff81000030 T _end\nffffffff81000040 T after\n",
		straddling,
		spanning,
		"ffffffff81000000 T _stext\nffffffff81000010 T a\rb\n",
	}
	for n, in := range inputs {
		data := []byte(in)
		for _, sp := range splitParsers {
			want, wantErr := sp.parse(data, "f", nil, []int{})
			for c := 1; c < len(data); c++ {
				got, err := sp.parse(data, "f", nil, []int{c})
				sameResult(t, fmt.Sprintf("%s input %d cut %d", sp.name, n, c), want, wantErr, got, err, true)
				for d := c + 1; d < len(data); d += 17 {
					got, err := sp.parse(data, "f", nil, []int{c, d})
					sameResult(t, fmt.Sprintf("%s input %d cuts %d %d", sp.name, n, c, d), want, wantErr, got, err, false)
				}
			}
		}
	}
}

// TestSplitParseReleases checks that the parts release the whole input,
// from their goroutines, and that releasing changes nothing.
func TestSplitParseReleases(t *testing.T) {
	data := readTestdata(t, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")
	want, err := parseKallsyms(data, "f", nil, []int{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := make([]bool, len(data))
	release := func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		off := cap(data) - cap(b) // b is data[off:off+len(b)]
		for i := range b {
			seen[off+i] = true
		}
	}
	got, err := parseKallsyms(data, "f", release, []int{len(data) / 3, len(data) / 2, len(data) * 5 / 6})
	sameResult(t, "released", want, nil, got, err, true)
	if i := slices.Index(seen, false); i >= 0 {
		t.Errorf("byte %d never released", i)
	}
}

// sameResult checks that got, err is want, wantErr: the same error, or
// tables alike in every field lookups read, and when api is set, alike in
// every answer of the API too.
func sameResult(t *testing.T, what string, want *Table, wantErr error, got *Table, err error, api bool) {
	t.Helper()
	if wantErr != nil || err != nil {
		if wantErr == nil || err == nil || err.Error() != wantErr.Error() ||
			errors.Is(wantErr, ErrNoSymbols) != errors.Is(err, ErrNoSymbols) ||
			errors.Is(wantErr, ErrRestricted) != errors.Is(err, ErrRestricted) ||
			errors.Is(wantErr, ErrPlaceholder) != errors.Is(err, ErrPlaceholder) {
			t.Fatalf("%s: error %v, one pass %v", what, err, wantErr)
		}
		var fe, wfe *FormatError
		if errors.As(err, &fe) != errors.As(wantErr, &wfe) || fe != nil && *fe != *wfe {
			t.Fatalf("%s: error %#v, one pass %#v", what, fe, wfe)
		}
		if got != nil {
			t.Fatalf("%s: a table with the error", what)
		}
		return
	}
	if diff := tableDiff(want, got); diff != "" {
		t.Fatalf("%s: %s", what, diff)
	}
	if api {
		sameAnswers(t, what, want, got)
	}
}

// tableDiff compares two tables field by field.
func tableDiff(a, b *Table) string {
	switch {
	case !slices.Equal(a.addrs, b.addrs):
		return "core addresses differ"
	case !slices.Equal(a.wide, b.wide) || (a.wide == nil) != (b.wide == nil):
		return "wide core addresses differ"
	case !slices.Equal(a.names, b.names) || !slices.Equal(a.lens, b.lens):
		return "core names differ"
	case !slices.Equal(a.keys, b.keys):
		return "name keys differ"
	case !slices.Equal(a.sample, b.sample):
		return "samples differ"
	case a.text != b.text:
		return "text differs"
	case !slices.Equal(a.ranges, b.ranges):
		return fmt.Sprintf("ranges %v, one pass %v", b.ranges, a.ranges)
	case a.shift != b.shift || a.coreN != b.coreN:
		return fmt.Sprintf("coreN %d, one pass %d", b.coreN, a.coreN)
	case !slices.Equal(a.maddrs, b.maddrs) || !slices.Equal(a.mends, b.mends) || !slices.Equal(a.mnames, b.mnames) ||
		!slices.Equal(a.mmods, b.mmods) || !slices.Equal(a.mtypes, b.mtypes) || !slices.Equal(a.modNames, b.modNames):
		return "module entries differ"
	case a.coreLo != b.coreLo || a.coreHi != b.coreHi || a.bits != b.bits || a.symbols != b.symbols ||
		a.source != b.source || a.relocation != b.relocation || a.anchors != b.anchors:
		return fmt.Sprintf("range, bits, symbols, source or anchors differ: %d %d %d %q %v, one pass %d %d %d %q %v",
			b.coreLo, b.bits, b.symbols, b.source, b.anchors, a.coreLo, a.bits, a.symbols, a.source, a.anchors)
	case a.byName == nil || b.byName == nil || a.byName == b.byName:
		return "name index missing or shared"
	}
	return ""
}

// sameAnswers compares what the API answers: lookups at the edges of
// every entry, and every name of the input.
func sameAnswers(t *testing.T, what string, a, b *Table) {
	t.Helper()
	if a.Len() != b.Len() || a.Symbols() != b.Symbols() || a.Bits() != b.Bits() || a.Source() != b.Source() ||
		!slices.Equal(a.Modules(), b.Modules()) {
		t.Fatalf("%s: Len, Symbols, Bits, Source or Modules differ", what)
	}
	al, ah, aok := a.KernelRange()
	bl, bh, bok := b.KernelRange()
	if al != bl || ah != bh || aok != bok {
		t.Fatalf("%s: KernelRange %#x-%#x, one pass %#x-%#x", what, bl, bh, al, ah)
	}
	for _, name := range anchorNames {
		x, xok := a.Anchor(name)
		y, yok := b.Anchor(name)
		if x != y || xok != yok {
			t.Fatalf("%s: Anchor(%s) %#x, one pass %#x", what, name, y, x)
		}
	}
	ea, eb := entriesOf(a), entriesOf(b)
	if !slices.Equal(ea, eb) {
		t.Fatalf("%s: entries differ", what)
	}
	for _, e := range ea {
		for _, x := range []uint64{e.addr - 1, e.addr, e.addr + 1, e.end - 1, e.end} {
			l1, ok1 := a.Lookup(x)
			l2, ok2 := b.Lookup(x)
			r1, rok1 := a.LookupReturn(x)
			r2, rok2 := b.LookupReturn(x)
			if l1 != l2 || ok1 != ok2 || r1 != r2 || rok1 != rok2 {
				t.Fatalf("%s: lookups of %#x differ: %v %v, one pass %v %v", what, x, l2, r2, l1, r1)
			}
		}
	}
	// Every name of the input, printed or not.
	for line := range strings.SplitSeq(a.text, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mod := ""
		if len(f) > 3 {
			mod = strings.Trim(f[3], "[]")
		}
		if x, y := a.LookupName(f[2], mod), b.LookupName(f[2], mod); !slices.Equal(x, y) {
			t.Fatalf("%s: LookupName(%q, %q) = %v, one pass %v", what, f[2], mod, y, x)
		}
	}
}

// TestUsualLinesAsSlowLines reads real files twice, as they are and with
// CRLF line ends, which no line's fast path takes (run's usual line, or
// its other fast path): the tables must answer alike.
func TestUsualLinesAsSlowLines(t *testing.T) {
	files := []string{"x86_64-nokaslr-module-oops/kallsyms.txt.xz", "arm64-kaslr-module-oops/kallsyms.txt.xz",
		"maps/System.map-6.1.0-56-amd64.xz", "maps/System.map-6.1.0-50-686.xz"}
	if testing.Short() {
		files = files[:1]
	}
	for _, rel := range files {
		data := readTestdata(t, rel)
		crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		for _, sp := range splitParsers {
			want, wantErr := sp.parse(data, "f", nil, []int{})
			got, err := sp.parse(crlf, "f", nil, []int{})
			if wantErr != nil || err != nil {
				if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
					t.Fatalf("%s %s: error %v, with LF %v", sp.name, rel, err, wantErr)
				}
				continue
			}
			sameAnswers(t, sp.name+" "+rel+" with CRLF", want, got)
		}
	}
}
