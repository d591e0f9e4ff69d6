package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
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
