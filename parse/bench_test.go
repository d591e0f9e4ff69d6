package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// benchLog is a real boot log with its oops, repeated to about 4 MB: most
// of its lines are ordinary boot messages, a quarter of them with long hex
// numbers that are no kernel addresses ("[mem 0x0000000000000000-...]").
func benchLog(b *testing.B) [][]byte {
	b.Helper()
	text, err := os.ReadFile(filepath.Join("..", "testdata", "x86_64-nokallsyms-nokaslr-module-oops", "console.log"))
	if err != nil {
		b.Fatal(err)
	}
	text = bytes.Repeat(text, max(1, (4<<20)/len(text)))
	return bytes.Split(bytes.TrimSuffix(text, []byte("\n")), []byte("\n"))
}

func linesSize(lines [][]byte) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l)) + 1
	}
	return n
}

// BenchmarkTokens is the parser's cost per byte of a log: every line
// tokenized, as the annotator does.
func BenchmarkTokens(b *testing.B) {
	benchParser(b, func(p *Parser, l []byte) { p.Tokens(l) })
}

// BenchmarkScan is the evidence pass's cost: every line scanned for what
// it says about the kernel, without its addresses.
func BenchmarkScan(b *testing.B) {
	benchParser(b, func(p *Parser, l []byte) { p.Scan(l) })
}

// benchParser times read on every line of benchLog, with a fresh Parser
// per pass.
func benchParser(b *testing.B, read func(p *Parser, line []byte)) {
	lines := benchLog(b)
	b.SetBytes(linesSize(lines))
	b.ReportAllocs()
	for b.Loop() {
		p := NewParser(ArchUnknown)
		for _, l := range lines {
			read(p, l)
		}
	}
}

// BenchmarkSplitPrefix is the cost of finding where the kernel's text
// starts on each line.
func BenchmarkSplitPrefix(b *testing.B) {
	lines := benchLog(b)
	b.SetBytes(linesSize(lines))
	for b.Loop() {
		for _, l := range lines {
			SplitPrefix(l)
		}
	}
}

// BenchmarkLineReader is the cost of cutting a log into lines, which every
// pass over a log pays before it looks at them.
func BenchmarkLineReader(b *testing.B) {
	text := bytes.Join(benchLog(b), []byte("\n"))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		lr := NewLineReader(bytes.NewReader(text), 0)
		for {
			if _, err := lr.Next(); err != nil {
				break
			}
		}
	}
}
