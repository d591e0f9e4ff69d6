package main

import (
	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
)

// An extractWorker runs the report extractor on a goroutine of its own
// when the reports are only counted (the text output): the caller writes
// the annotated lines in order as before, and reading the reports, a good
// part of the work per line, runs beside it on another core. Lines go
// over in batches, copied, through a fixed number of buffers, so memory
// stays flat in the log's size.
type extractWorker struct {
	x       *report.Extractor
	full    chan *lineBatch // batches for the worker
	free    chan *lineBatch // batches read, to be filled again
	cur     *lineBatch
	done    chan struct{}
	counts  map[string]int64 // the reports by type; the caller's after done
	started bool             // the goroutine runs from the first line on
	flushed bool
}

// A lineBatch is lines handed over together: their text and terminators
// back to back in text, the names of their raw addresses in named.
type lineBatch struct {
	text  []byte
	lines []batchLine
	named []report.Named
}

type batchLine struct {
	offset           int64
	whole            bool
	text, eol, named int // where the line's text, terminator and names end
}

// Batch bounds: enough lines that handing a batch over costs little per
// line, few enough buffers that the worker never lags far behind.
const (
	batchLines   = 1024
	batchBytes   = 256 << 10
	batchBuffers = 4
)

func newExtractWorker(x *report.Extractor) *extractWorker {
	w := &extractWorker{x: x, full: make(chan *lineBatch, batchBuffers), free: make(chan *lineBatch, batchBuffers),
		done: make(chan struct{}), counts: map[string]int64{}}
	for range batchBuffers {
		w.free <- &lineBatch{}
	}
	return w
}

// add hands one line and the names of its raw addresses to the worker.
func (w *extractWorker) add(l parse.Line, named []report.Named) {
	if !w.started {
		w.started = true
		go w.run()
	}
	if w.cur == nil {
		w.cur = <-w.free
	}
	b := w.cur
	b.text = append(b.text, l.Text...)
	end := len(b.text)
	b.text = append(b.text, l.EOL...)
	b.named = append(b.named, named...)
	b.lines = append(b.lines, batchLine{offset: l.Offset, whole: l.Whole, text: end, eol: len(b.text), named: len(b.named)})
	if len(b.lines) >= batchLines || len(b.text) >= batchBytes {
		w.full <- b
		w.cur = nil
	}
}

// finish hands over the last lines, waits for the worker to read them,
// and returns the reports counted by type.
func (w *extractWorker) finish() map[string]int64 {
	if !w.flushed && !w.started {
		w.flushed = true
		w.count(w.x.Flush())
	}
	if !w.flushed {
		w.flushed = true
		if w.cur != nil {
			w.full <- w.cur
			w.cur = nil
		}
		close(w.full)
		<-w.done
	}
	return w.counts
}

func (w *extractWorker) run() {
	defer close(w.done)
	for b := range w.full {
		start, named := 0, 0
		for _, bl := range b.lines {
			l := parse.Line{Text: b.text[start:bl.text], EOL: b.text[bl.text:bl.eol], Offset: bl.offset, Whole: bl.whole}
			w.count(w.x.LineNamed(l, b.named[named:bl.named]))
			start, named = bl.eol, bl.named
		}
		b.text, b.lines, b.named = b.text[:0], b.lines[:0], b.named[:0]
		w.free <- b
	}
	w.count(w.x.Flush())
}

func (w *extractWorker) count(reps []*report.Report) {
	for _, r := range reps {
		w.counts[summaryType(r)]++
	}
}
