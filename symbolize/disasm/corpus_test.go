package disasm

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A codeLine is one real Code: line: the machine its report shows, where
// it was first seen, and its text after "Code: ".
type codeLine struct {
	machine string // "x86-64", "i386", "arm64", "arm"
	source  string
	text    string
}

// machines maps the names used in testdata to Machines.
var machines = map[string]Machine{
	"x86-64": {Arch: parse.ArchX86, Bits: 64},
	"i386":   {Arch: parse.ArchX86, Bits: 32},
	"arm64":  {Arch: parse.ArchARM64},
	"arm":    {Arch: parse.ArchARM},
}

// A codeSet is a file of Code: lines and the golden file objdump's
// reading of them is kept in.
type codeSet struct {
	name   string
	lines  string   // testdata file of the lines
	golden string   // testdata file of objdump's reading
	globs  []string // logs the lines come from, relative to this directory
}

// codeSets: the repository's and the fixtures' consoles (QEMU boots of
// Debian kernels) with syzkaller's decompile pairs; and the Code: lines of
// the syzkaller, satyr and abrt report corpora, a larger set kept
// compressed.
var codeSets = []codeSet{
	{
		name: "consoles", lines: "testdata/codelines/consoles.txt", golden: "testdata/objdump/consoles.golden",
		globs: []string{
			"../../testdata/*/console.log",
			"../../../shared/fixtures/*/console.log",
			"../../../shared/corpus/syzkaller/decompile/*/*.in",
		},
	},
	{
		name: "corpora", lines: "testdata/codelines/corpora.txt.gz", golden: "testdata/objdump/corpora.golden.gz",
		globs: []string{
			"../../../shared/corpus/syzkaller/report/*",
			"../../../shared/corpus/syzkaller/all/report/*",
			"../../../shared/corpus/syzkaller/guilty/*",
			"../../../shared/corpus/syzkaller/guilty_raw/*",
			"../../../shared/corpus/syzkaller/symbolize/*",
			"../../../shared/corpus/satyr/kerneloopses/*",
			"../../../shared/corpus/abrt/examples/*",
		},
	},
}

// collectStats counts what collectCodeLines saw.
type collectStats struct {
	found    int // lines FindCode accepts
	parsed   int // of those, lines ParseCode accepts
	noArch   int // parsed lines of words or halfwords whose report names no architecture
	rejected []string
	missed   []string // lines with "Code: " that FindCode does not take, but s390's "Krnl Code: "
}

// collectCodeLines reads the logs of a set and returns their Code: lines
// that parse, once each (by machine and text), in the order first seen.
// The machine is what a caller would learn from the report: the parser's
// architecture and X86Bits, from the lines before the Code: line; an x86
// byte dump in a log with no architecture cue is taken as x86-64 (the
// corpora are mostly syzkaller's x86-64 reports).
func collectCodeLines(t *testing.T, set codeSet) ([]codeLine, collectStats) {
	var files []string
	for _, g := range set.globs {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var st collectStats
	seen := map[string]bool{}
	var out []codeLine
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := parse.NewParser(parse.ArchUnknown)
		bits := 0
		for i, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSuffix(line, []byte("\r"))
			p.Tokens(line)
			if b, ok := X86Bits(line); ok {
				bits = b
			}
			start, ok := FindCode(line)
			if !ok {
				if bytes.Contains(line, codeTag) && !bytes.Contains(line, []byte("Krnl Code: ")) {
					st.missed = append(st.missed, fmt.Sprintf("%s:%d: %q", f, i+1, line))
				}
				continue
			}
			st.found++
			text := bytes.TrimRight(line[start:], " ")
			c, err := ParseCode(text)
			if err != nil {
				st.rejected = append(st.rejected, fmt.Sprintf("%s:%d: %v", f, i+1, err))
				continue
			}
			st.parsed++
			var machine string
			switch {
			case c.Form == FormBytes && bits == 32:
				machine = "i386"
			case c.Form == FormBytes:
				machine = "x86-64"
			case c.Form == FormWords && p.Arch() == parse.ArchARM64:
				machine = "arm64"
			case c.Form == FormWords && p.Arch() == parse.ArchARM:
				machine = "arm"
			default:
				st.noArch++
				continue
			}
			key := machine + "\t" + string(text)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, codeLine{machine: machine, source: fmt.Sprintf("%s:%d", sourceName(f), i+1), text: string(text)})
		}
	}
	return out, st
}

// sourceName is a log's path from the repository's root, or from beside
// it for ../shared.
func sourceName(f string) string {
	f = filepath.ToSlash(f)
	if rest, ok := strings.CutPrefix(f, "../../../"); ok {
		return rest
	}
	return strings.TrimPrefix(f, "../../")
}

// readCodeLines reads a file of Code: lines: "machine<TAB>source<TAB>text"
// per line; "#" lines are comments.
func readCodeLines(t testing.TB, name string) []codeLine {
	var out []codeLine
	for i, l := range strings.Split(string(readTestFile(t, name)), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			t.Fatalf("%s:%d: want machine, source and text separated by tabs", name, i+1)
		}
		if _, ok := machines[f[0]]; !ok {
			t.Fatalf("%s:%d: unknown machine %q", name, i+1, f[0])
		}
		out = append(out, codeLine{machine: f[0], source: f[1], text: f[2]})
	}
	return out
}

func writeCodeLines(t *testing.T, name string, lines []codeLine) {
	var b bytes.Buffer
	b.WriteString("# Code: lines of real kernel logs: machine, where first seen, the text after \"Code: \".\n")
	b.WriteString("# Regenerated by go test -run TestCodeLines -update when ../shared is beside the checkout.\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", l.machine, l.source, l.text)
	}
	writeTestFile(t, name, b.Bytes())
}

// readTestFile reads a file of testdata, gunzipped when it ends in ".gz".
func readTestFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if b, err = io.ReadAll(zr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// writeTestFile writes a file of testdata, gzipped when it ends in ".gz".
func writeTestFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// haveShared reports whether ../shared is beside the checkout.
func haveShared() bool {
	_, err := os.Stat("../../../shared/corpus")
	return err == nil
}

// TestCodeLines checks that the files of Code: lines hold every Code:
// line of the logs they come from, so that "every real line is checked"
// stays true as logs are added; -update rewrites them. Without ../shared
// only the repository's own consoles are checked.
func TestCodeLines(t *testing.T) {
	for _, set := range codeSets {
		t.Run(set.name, func(t *testing.T) {
			got, st := collectCodeLines(t, set)
			if *update && haveShared() {
				writeCodeLines(t, set.lines, got)
			}
			have := readCodeLines(t, set.lines)
			t.Logf("%d Code: lines found, %d parse, %d with no architecture to decode as; %d distinct, %d in %s",
				st.found, st.parsed, st.noArch, len(got), len(have), set.lines)
			for _, r := range st.rejected {
				t.Logf("left alone: %s", r)
			}
			for _, m := range st.missed {
				t.Errorf("FindCode misses %s", m)
			}
			for _, l := range got {
				if !slices.ContainsFunc(have, func(h codeLine) bool { return h.machine == l.machine && h.text == l.text }) {
					t.Errorf("%s: %s line %q missing from %s; run go test -run TestCodeLines -update", l.source, l.machine, l.text, set.lines)
				}
			}
		})
	}
}
