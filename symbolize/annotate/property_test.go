package annotate

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

// insertion is the one thing the annotator adds to a line, and
// moduleSuffix its optional " [mod]". They are apart because the text
// after an insertion may itself look like a module (" [<ffffffff8123f8e0>]"),
// so both lengths must be tried.
var (
	insertion    = regexp.MustCompile(`^ (?:[^ \[\]]+\+0x[0-9a-f]+/0x[0-9a-f]+|\[(?:[\w-]+\+0x[0-9a-f]+|in unloaded module [\w-]+\?)\])`)
	moduleSuffix = regexp.MustCompile(`^ \[[^\]]+\]`)
)

// removeInsertions reports whether out is in with annotations inserted:
// every byte of out is either the next byte of in or part of an inserted
// annotation. Where both readings are possible it tries both.
func removeInsertions(out, in []byte) bool {
	failed := map[[2]int]bool{} // branch points known to lead nowhere
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for j < len(out) {
			if m := insertionAt(out, j); m != nil {
				key := [2]int{i, j}
				if !failed[key] {
					if mod := moduleSuffix.Find(out[j+len(m):]); mod != nil && match(i, j+len(m)+len(mod)) {
						return true
					}
					if match(i, j+len(m)) {
						return true
					}
					failed[key] = true
				}
			}
			if i >= len(in) || out[j] != in[i] {
				return false
			}
			i, j = i+1, j+1
		}
		return i == len(in)
	}
	return match(0, 0)
}

// corpusFiles lists the real logs the properties run over: the repository's
// and, when ../shared is beside the checkout, the public corpora and the
// fixture consoles.
func corpusFiles(t *testing.T) []string {
	var files []string
	for _, pat := range []string{
		testfiles.Dir() + "/*/console.log",
		"../../../shared/fixtures/*/console.log",
		"../../../shared/fixtures/*/dmesg*.txt",
		"../../../shared/corpus/syzkaller/report/*",
		"../../../shared/corpus/syzkaller/guilty/*",
		"../../../shared/corpus/syzkaller/decompile/*/*",
		"../../../shared/corpus/satyr/kerneloopses/*",
		"../../../shared/corpus/abrt/examples/*",
	} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 5 {
		t.Fatal("no logs found")
	}
	return files
}

// TestNothingLostAndIdempotent runs the annotator over every real log with
// tables of two arches: deleting what it inserted gives the input back
// byte for byte, and running it on its own output adds nothing.
func TestNothingLostAndIdempotent(t *testing.T) {
	files := corpusFiles(t)
	tables := map[string]*symbolize.Table{}
	for _, dir := range []string{"x86_64-nokaslr-module-oops", "armhf-sysrq-panic"} {
		tables[dir], _ = kallsymsTable(t, dir)
	}
	annotated, listed := 0, 0
	for name, tab := range tables {
		for _, f := range files {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// With Code: listings, which are whole added lines: removed
			// first, what remains is the input plus inline annotations.
			out := annotateAll(t, tab, in, Options{Code: true})
			stripped := disasm.StripListings(nil, out)
			if !bytes.Equal(stripped, out) {
				listed++
			}
			if !bytes.Equal(stripped, in) {
				annotated++
			}
			if !losslessByLine(stripped, in) {
				t.Errorf("%s with %s: output is not the input plus annotations", f, name)
				continue
			}
			if again := annotateAll(t, tab, out, Options{Code: true}); !bytes.Equal(again, out) {
				t.Errorf("%s with %s: a second run changed the output", f, name)
			}
			if plain := annotateAll(t, tab, in, Options{}); !bytes.Equal(plain, stripped) {
				t.Errorf("%s with %s: the annotations differ with and without listings", f, name)
			}
		}
	}
	t.Logf("%d files x %d tables; %d outputs carry annotations, %d listings", len(files), len(tables), annotated, listed)
	if annotated == 0 || listed == 0 {
		t.Error("nothing was annotated or listed: the property is vacuous")
	}
}

func annotateAll(t *testing.T, tab *symbolize.Table, in []byte, opts Options) []byte {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := New(tab, opts).Stream(w, bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// losslessByLine checks removeInsertions line by line (the annotator never
// crosses a line end).
func losslessByLine(out, in []byte) bool {
	lr := parse.NewLineReader(bytes.NewReader(in), 0)
	lo := parse.NewLineReader(bytes.NewReader(out), 0)
	for {
		a, errA := lr.Next()
		b, errB := lo.Next()
		if errA != nil || errB != nil {
			return (errA == nil) == (errB == nil)
		}
		if !bytes.Equal(a.EOL, b.EOL) || !removeInsertions(b.Text, a.Text) {
			return false
		}
	}
}

func TestRemoveInsertionsCanFail(t *testing.T) {
	in := []byte(" 0xffffffff8122a3b2")
	if !removeInsertions([]byte(" 0xffffffff8122a3b2 vfs_write+0xc2/0x3e0"), in) {
		t.Error("a pure insertion was rejected")
	}
	if removeInsertions([]byte(" 0xffffffff8122a3b3 vfs_write+0xc2/0x3e0"), in) {
		t.Error("an altered input byte was accepted")
	}
	if removeInsertions([]byte(" 0xffffffff8122a3b2 vfs_write"), in) {
		t.Error("a malformed insertion was accepted")
	}
}

// endless is a reader of n bytes of one repeated pattern.
type endless struct {
	pattern []byte
	n, off  int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.off >= e.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && e.off < e.n {
		p[k] = e.pattern[e.off%int64(len(e.pattern))]
		k++
		e.off++
	}
	return k, nil
}

// memoryWatcher counts and hashes what it is given and records the
// largest heap it saw while writing.
type memoryWatcher struct {
	n        int64
	sum      hash.Hash
	writes   int
	peakHeap uint64
}

func (m *memoryWatcher) Write(p []byte) (int, error) {
	m.n += int64(len(p))
	m.sum.Write(p)
	if m.writes++; m.writes%16 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.peakHeap = max(m.peakHeap, ms.HeapAlloc)
	}
	return len(p), nil
}
func (m *memoryWatcher) Flush() error { return nil }

// TestHugeLineStreamed sends a 100 MB line with no newline through the
// annotator: it must come out byte for byte, without being held whole.
func TestHugeLineStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB")
	}
	tab, _ := kallsymsTable(t, "x86_64-nokaslr-module-oops")
	const size = 100 << 20
	pattern := []byte("[<ffffffff8123f8e0>] \x00\xff ")
	in := &endless{pattern: pattern, n: size}
	want := sha256.New()
	io.Copy(want, &endless{pattern: pattern, n: size})
	w := &memoryWatcher{sum: sha256.New()}
	runtime.GC()
	if err := New(tab, Options{}).Stream(w, in); err != nil {
		t.Fatal(err)
	}
	if w.n != size || !bytes.Equal(w.sum.Sum(nil), want.Sum(nil)) {
		t.Fatalf("%d bytes out, or content differs", w.n)
	}
	t.Logf("peak heap while streaming: %d MB", w.peakHeap>>20)
	if w.peakHeap > 64<<20 {
		t.Errorf("heap reached %d MB for a 100 MB line", w.peakHeap>>20)
	}
}

// noSymbols is a Resolver that knows no address.
type noSymbols struct{}

func (noSymbols) Lookup(uint64) (symbolize.Location, bool)       { return symbolize.Location{}, false }
func (noSymbols) LookupReturn(uint64) (symbolize.Location, bool) { return symbolize.Location{}, false }

// TestNoSymbolsNoChange is the annotation-free run: with a resolver that
// knows nothing, every real log comes out byte for byte, CRLFs, NULs,
// invalid UTF-8 and missing final newlines included.
func TestNoSymbolsNoChange(t *testing.T) {
	for _, f := range corpusFiles(t) {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if err := New(noSymbols{}, Options{}).Stream(w, bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), in) {
			t.Errorf("%s: changed without a symbol table", f)
		}
	}
}

// TestLongLines: a 1 MB line is parsed whole and annotated; a line over
// MaxLine is passed through in pieces, unparsed, byte for byte.
func TestLongLines(t *testing.T) {
	tab := fuzzTable(t)
	// Two frames, secondary_startup_64_no_verify+0x0 and verify_cpu+0x0
	// (one repeated would read as 2.6's doubled "RIP [<x>] [<x>] name").
	entry := " [<ffffffff81000075>]"
	long := strings.Repeat(entry+" [<ffffffff81000160>]", (1<<20)/(2*len(entry))) + "\r\n"
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := New(tab, Options{Arch: parse.ArchARM64}).Stream(w, strings.NewReader(long)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(entry+" secondary_startup_64_no_verify+0x0/0xeb")) || !losslessByLine(out.Bytes(), []byte(long)) {
		t.Errorf("1 MB line not annotated, or not losslessly: %q...", out.Bytes()[:200])
	}
	out.Reset()
	if err := New(tab, Options{MaxLine: 4096}).Stream(w, strings.NewReader(long)); err != nil {
		t.Fatal(err)
	}
	if out.String() != long {
		t.Error("a line over MaxLine was changed")
	}
}

// insertionAt returns the insertion starting at out[j:], if any; the
// cheap test first keeps megabyte lines fast.
func insertionAt(out []byte, j int) []byte {
	if out[j] != ' ' || bytes.IndexByte(out[j:min(len(out), j+1024)], '+') < 0 && !bytes.HasPrefix(out[j:], []byte(" [in unloaded module ")) {
		return nil
	}
	return insertion.Find(out[j:])
}
