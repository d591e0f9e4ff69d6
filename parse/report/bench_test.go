package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/benchlog"
)

// BenchmarkCorpus runs the extractor over the logs of syzkaller's whole
// report/ corpus, concatenated into one stream (about 4 MB), the way the
// CLI reads a console log: line by line, all of it.
func BenchmarkCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "report", "*"))
	if len(files) == 0 {
		b.Skip(corpusDir + " not present")
	}
	var log []byte
	for _, f := range files {
		log = append(log, readCorpusCase(b, f).log...)
	}
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	reports := 0
	for b.Loop() {
		x := NewExtractor(Options{})
		lr := parse.NewLineReader(bytes.NewReader(log), 0)
		reports = 0
		for {
			l, err := lr.Next()
			if err != nil {
				break
			}
			reports += len(x.Line(l))
		}
		reports += len(x.Flush())
	}
	b.ReportMetric(float64(reports), "reports")
}

// bigLogMB is the size of BenchmarkBigLog's log.
const bigLogMB = 32

// makeBigLog builds the log of `make bench` (package benchlog).
func makeBigLog(tb testing.TB, size int) []byte {
	text, err := os.ReadFile("../../testdata/x86_64-nokallsyms-nokaslr-module-oops/console.log")
	if err != nil {
		tb.Skip(err)
	}
	log, err := benchlog.Make(text, size)
	if err != nil {
		tb.Fatal(err)
	}
	return log
}

// cutLines cuts log into the lines a parse.LineReader hands out.
func cutLines(log []byte) []parse.Line {
	var lines []parse.Line
	for off := 0; off < len(log); {
		n := bytes.IndexByte(log[off:], '\n')
		if n < 0 {
			lines = append(lines, parse.Line{Text: log[off:], Offset: int64(off), Whole: true})
			break
		}
		lines = append(lines, parse.Line{Text: log[off : off+n], EOL: log[off+n : off+n+1], Offset: int64(off), Whole: true})
		off += n + 1
	}
	return lines
}

// BenchmarkBigLog runs the extractor alone over a big log with kernel
// report lines in 1% of its lines (cmd/internal/benchrun's), already cut
// into lines: what the extractor costs the CLI on an ordinary log.
func BenchmarkBigLog(b *testing.B) {
	log := makeBigLog(b, bigLogMB<<20)
	lines := cutLines(log)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	reports := 0
	for b.Loop() {
		x := NewExtractor(Options{})
		reports = 0
		for _, l := range lines {
			reports += len(x.Line(l))
		}
		reports += len(x.Flush())
	}
	b.ReportMetric(float64(reports), "reports")
}

// BenchmarkHeaderScan is the header word scan alone over the big log's
// lines.
func BenchmarkHeaderScan(b *testing.B) {
	log := makeBigLog(b, 8<<20)
	lines := cutLines(log)
	ix := headerIndexOf()
	b.SetBytes(int64(len(log)))
	n := 0
	for b.Loop() {
		n = 0
		for _, l := range lines {
			if c := ix.candidates(l.Text); !c.empty() {
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/float64(len(lines)), "hits/line")
}

// BenchmarkBigLogLines reads BenchmarkBigLog's log through Lines, in
// blocks of whole lines of about 256 KB (the CLI's extractor worker's
// batches).
func BenchmarkBigLogLines(b *testing.B) {
	log := makeBigLog(b, bigLogMB<<20)
	var blocks [][]byte
	for rest := log; len(rest) > 0; {
		n := min(len(rest), 256<<10)
		if i := bytes.LastIndexByte(rest[:n], '\n'); i >= 0 && n < len(rest) {
			n = i + 1
		}
		blocks, rest = append(blocks, rest[:n]), rest[n:]
	}
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	reports := 0
	for b.Loop() {
		x := NewExtractor(Options{})
		reports = 0
		off := int64(0)
		for _, block := range blocks {
			reports += len(x.Lines(block, off))
			off += int64(len(block))
		}
		reports += len(x.Flush())
	}
	b.ReportMetric(float64(reports), "reports")
}

// BenchmarkHeaderScanBlock is the header word scan of Lines over the big
// log's bytes, a line with a word at a time.
func BenchmarkHeaderScanBlock(b *testing.B) {
	log := makeBigLog(b, 8<<20)
	ix := headerIndexOf()
	b.SetBytes(int64(len(log)))
	n := 0
	for b.Loop() {
		n = 0
		for rest := log; ; n++ {
			at := ix.firstWord(rest)
			if at < 0 {
				break
			}
			end := bytes.IndexByte(rest[at:], '\n')
			if end < 0 {
				break
			}
			rest = rest[at+end+1:]
		}
	}
	b.ReportMetric(float64(n), "hits")
}
