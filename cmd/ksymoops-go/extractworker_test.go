package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
)

// workerLines cuts a log into the lines a stream hands the worker, with
// every kind of odd line: the lines as a parse.LineReader cuts them, the
// longer ones of them cut in pieces of maxLine bytes (none whole), names
// for the raw addresses of the lines of every third report line, and a
// gap in the offsets halfway (a stream that skipped input).
func workerLines(t *testing.T, log []byte, maxLine int) ([]parse.Line, [][]report.Named) {
	t.Helper()
	lr := parse.NewLineReader(bytes.NewReader(log), 0)
	var lines []parse.Line
	var names [][]report.Named
	gap := int64(0)
	for n := 0; ; n++ {
		l, err := lr.Next()
		if err != nil {
			break
		}
		if l.Offset >= int64(len(log)/2) {
			gap = 1000
		}
		all := append(bytes.Clone(l.Text), l.EOL...)
		text, eol := all[:len(l.Text)], all[len(l.Text):]
		if len(all) > maxLine {
			off := l.Offset + gap
			for len(all) > maxLine {
				lines, names = append(lines, parse.Line{Text: all[:maxLine], Offset: off}), append(names, nil)
				all, off = all[maxLine:], off+int64(maxLine)
			}
			n := max(len(all)-len(eol), 0)
			lines = append(lines, parse.Line{Text: all[:n], EOL: all[n:], Offset: off})
			names = append(names, nil)
			continue
		}
		var named []report.Named
		if i := bytes.Index(text, []byte("0xffff")); i >= 0 && n%3 == 0 {
			named = []report.Named{{At: i, Symbol: parse.PrintedSymbol{Name: "named_here", Offset: 4, Size: 16}}}
		}
		lines = append(lines, parse.Line{Text: text, EOL: eol, Offset: l.Offset + gap, Whole: true})
		names = append(names, named)
	}
	return lines, names
}

// TestBatchesAsInline: the reports that the worker's batches make the
// extractor find are those it finds reading the same lines one by one,
// whatever lines are odd and wherever the batches end.
func TestBatchesAsInline(t *testing.T) {
	logs, _ := filepath.Glob(td + "/*/console.log")
	if len(logs) == 0 {
		t.Fatal("no console logs")
	}
	for _, path := range logs {
		log, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, maxLine := range []int{1 << 20, 100} {
			lines, names := workerLines(t, log, maxLine)
			x := report.NewExtractor(report.Options{})
			var want []*report.Report
			for i, l := range lines {
				want = append(want, x.LineNamed(l, names[i])...)
			}
			want = append(want, x.Flush()...)
			if len(want) == 0 {
				t.Fatalf("%s (pieces of %d): no reports", path, maxLine)
			}
			for _, per := range []int{1, 5, 1 << 30} {
				x := report.NewExtractor(report.Options{})
				var got []*report.Report
				keep := func(reps []*report.Report) { got = append(got, reps...) }
				b := &lineBatch{}
				for i, l := range lines {
					if full := b.add(l, names[i]); full || (i+1)%per == 0 {
						b.read(x, keep)
						b.reset()
					}
				}
				b.read(x, keep)
				keep(x.Flush())
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s (pieces of %d, batches of %d lines): %d reports by batch, %d inline", path, maxLine, per, len(got), len(want))
					for i := range min(len(got), len(want)) {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Errorf("first difference: %+v\ninline %+v", got[i], want[i])
							break
						}
					}
				}
			}
		}
	}
}

// BenchmarkBatchAdd is the stream's side of the hand-over: the lines of a
// real console log put in batches, as the stream hands them to the worker.
func BenchmarkBatchAdd(b *testing.B) {
	log, err := os.ReadFile(td + "/x86_64-nokallsyms-nokaslr-module-oops/console.log")
	if err != nil {
		b.Fatal(err)
	}
	lr := parse.NewLineReader(bytes.NewReader(bytes.Repeat(log, 40)), 0)
	var lines []parse.Line
	size := 0
	for {
		l, err := lr.Next()
		if err != nil {
			break
		}
		// The lines sit in one buffer with their terminators, as a
		// LineReader hands them out.
		all := append(bytes.Clone(l.Text), l.EOL...)
		l.Text, l.EOL = all[:len(l.Text)], all[len(l.Text):]
		lines = append(lines, l)
		size += len(all)
	}
	b.SetBytes(int64(size))
	bt := &lineBatch{}
	for b.Loop() {
		for _, l := range lines {
			if bt.add(l, nil) {
				bt.reset()
			}
		}
		bt.reset()
	}
}

// TestFileWorkerAsInline: a fileWorker, told only how far the stream has
// read and the names of some lines, counts the reports the extractor
// finds reading the stream's lines one by one with those names, and reads
// the lines the stream read, overlong ones cut in the same pieces.
func TestFileWorkerAsInline(t *testing.T) {
	logs, _ := filepath.Glob(td + "/*/console.log")
	for _, path := range logs {
		one, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Lines longer than a line reader's buffer (64 KB), the second
		// over the 100 KB limit below.
		long := append(bytes.Repeat([]byte("x"), 80<<10), '\n')
		longer := append(bytes.Repeat([]byte("y"), 300<<10), '\n')
		log := slices.Concat(one, long, one, longer, one)
		file := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(file, log, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, maxLine := range []int{0, 100 << 10} {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			inline := report.NewExtractor(report.Options{})
			w := newFileWorker(report.NewExtractor(report.Options{}), f, int64(len(log)), maxLine)
			lr := parse.NewLineReader(bytes.NewReader(log), maxLine)
			lines, namedLines := 0, 0
			for n := 0; ; n++ {
				l, err := lr.Next()
				if err != nil {
					break
				}
				var named []report.Named
				if i := bytes.Index(l.Text, []byte("0xffff")); i >= 0 && l.Whole && n%3 == 0 {
					named = []report.Named{{At: i, Symbol: parse.PrintedSymbol{Name: "named_here", Offset: 4, Size: 16}}}
					namedLines++
				}
				lines++
				for _, r := range inline.LineNamed(l, named) {
					want[summaryType(r)]++
				}
				w.add(l, named)
			}
			for _, r := range inline.Flush() {
				want[summaryType(r)]++
			}
			got, err := w.finish()
			f.Close()
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s (lines of %d): the worker counted %v (%v), inline %v", path, maxLine, got, err, want)
			}
			if w.lines != lines || w.named != namedLines {
				t.Errorf("%s (lines of %d): the worker read %d lines, %d with names; the stream %d, %d", path, maxLine, w.lines, w.named, lines, namedLines)
			}
		}
	}
	// A file shorter than what the stream read (cut meanwhile) is an
	// error, not counts that stop short.
	w := newFileWorker(report.NewExtractor(report.Options{}), bytes.NewReader([]byte("one\n")), 4, 0)
	w.add(parse.Line{Text: []byte("one"), EOL: []byte("\n"), Whole: true}, nil)
	w.add(parse.Line{Text: []byte("two"), EOL: []byte("\n"), Offset: 4, Whole: true}, nil)
	if _, err := w.finish(); err == nil {
		t.Error("a file cut short counted without an error")
	}
}
