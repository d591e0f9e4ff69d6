package main

import (
	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
)

// An extractWorker runs the report extractor on a goroutine of its own
// when the reports are only counted (the text output) of an input that
// cannot be read again (a pipe, a compressed file; a plain file has a
// fileWorker): the caller writes the annotated lines in order as before,
// and reading the reports, a good part of the work per line, runs beside
// it on another core. Lines go over in batches, copied, through a fixed
// number of buffers, so memory stays flat in the log's size.
type extractWorker struct {
	counter
	full chan *lineBatch // batches for the worker
	free chan *lineBatch // batches read, to be filled again
	cur  *lineBatch
}

// A counter is what the workers share: the extractor they own, the
// reports it found by type, and their goroutine's start and end.
type counter struct {
	x       *report.Extractor
	counts  map[string]int64 // the reports by type; the caller's after done
	done    chan struct{}
	started bool // the goroutine runs from the first line on
	flushed bool
}

func newCounter(x *report.Extractor) counter {
	return counter{x: x, counts: map[string]int64{}, done: make(chan struct{})}
}

// wait ends the counting: a worker that never started (no lines) leaves
// the extractor to be flushed here; otherwise handOver gives it what is
// left and closes its queue, and wait waits for its end.
func (c *counter) wait(handOver func()) {
	if c.flushed {
		return
	}
	c.flushed = true
	if !c.started {
		c.count(c.x.Flush())
		return
	}
	handOver()
	<-c.done
}

func (c *counter) count(reps []*report.Report) {
	for _, r := range reps {
		c.counts[summaryType(r)]++
	}
}

// A lineBatch is lines handed over together, their text and terminators
// back to back in text. Most lines are plain: whole, with a terminator
// that can be told from the text ("\r\n" or "\n", as a parse.LineReader
// cuts them), right after the line before, naming no address. Those cost
// the hand-over a copy of their bytes, and the worker passes them on in
// runs to Extractor.Lines, which skims the lines between reports. The
// others are listed in odd, with what the text does not tell.
type lineBatch struct {
	text  []byte
	first int64 // where the batch's first line starts in the input
	next  int64 // where the line after its last one starts
	odd   []oddLine
	named []report.Named
}

// An oddLine is a line that is not plain: a piece of an overlong line, a
// last line without a terminator, a line after a gap in the offsets (a
// stream that skipped input), or one whose raw addresses have names.
type oddLine struct {
	at, eol, end int // where the line's text, terminator and the line end in the batch's text
	offset       int64
	whole        bool
	named        int // where its names end in named
}

// Batch bounds: enough lines that handing a batch over costs little per
// line, few enough buffers that the worker never lags far behind.
const (
	batchBytes   = 256 << 10
	batchOdd     = 1024
	batchBuffers = 4
)

func newExtractWorker(x *report.Extractor) *extractWorker {
	w := &extractWorker{counter: newCounter(x), full: make(chan *lineBatch, batchBuffers), free: make(chan *lineBatch, batchBuffers)}
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
	if w.cur.add(l, named) {
		w.full <- w.cur
		w.cur = nil
	}
}

// add appends a line to b, and reports whether b is full.
func (b *lineBatch) add(l parse.Line, named []report.Named) bool {
	if len(b.text) == 0 && len(b.odd) == 0 {
		b.first, b.next = l.Offset, l.Offset
	}
	at, eol := len(b.text), len(b.text)+len(l.Text)
	if n := len(l.Text) + len(l.EOL); len(l.EOL) > 0 && cap(l.Text) >= n && &l.Text[:n][len(l.Text)] == &l.EOL[0] {
		// The terminator follows the text in the reader's buffer, as
		// it mostly does: one copy.
		b.text = append(b.text, l.Text[:n]...)
	} else {
		b.text = append(append(b.text, l.Text...), l.EOL...)
	}
	if !plain(l) || len(named) > 0 || l.Offset != b.next {
		b.named = append(b.named, named...)
		b.odd = append(b.odd, oddLine{at: at, eol: eol, end: len(b.text), offset: l.Offset, whole: l.Whole, named: len(b.named)})
	}
	b.next = l.Offset + int64(len(l.Text)+len(l.EOL))
	return len(b.text) >= batchBytes || len(b.odd) >= batchOdd
}

// plain reports whether l is whole and its terminator is the one
// Extractor.Lines tells from the text: "\r\n", or "\n" after a byte that
// is not "\r". (A line's text holds no "\n": lines are cut at each.)
func plain(l parse.Line) bool {
	switch len(l.EOL) {
	case 1:
		return l.Whole && l.EOL[0] == '\n' && (len(l.Text) == 0 || l.Text[len(l.Text)-1] != '\r')
	case 2:
		return l.Whole && l.EOL[0] == '\r' && l.EOL[1] == '\n'
	}
	return false
}

// finish hands over the last lines, waits for the worker to read them,
// and returns the reports counted by type.
func (w *extractWorker) finish() (map[string]int64, error) {
	w.wait(func() {
		if w.cur != nil {
			w.full <- w.cur
			w.cur = nil
		}
		close(w.full)
	})
	return w.counts, nil
}

func (w *extractWorker) run() {
	defer close(w.done)
	for b := range w.full {
		b.read(w.x, w.count)
		b.reset()
		w.free <- b
	}
	w.count(w.x.Flush())
}

// read gives x the lines of b, the runs of plain lines together and the
// odd lines one by one, and got the reports they complete.
func (b *lineBatch) read(x *report.Extractor, got func([]*report.Report)) {
	pos, off, named := 0, b.first, 0
	for _, o := range b.odd {
		if o.at > pos {
			got(x.Lines(b.text[pos:o.at], off))
		}
		l := parse.Line{Text: b.text[o.at:o.eol], EOL: b.text[o.eol:o.end], Offset: o.offset, Whole: o.whole}
		got(x.LineNamed(l, b.named[named:o.named]))
		pos, off, named = o.end, o.offset+int64(o.end-o.at), o.named
	}
	if pos < len(b.text) {
		got(x.Lines(b.text[pos:], off))
	}
}

// reset empties b for the next lines.
func (b *lineBatch) reset() { b.text, b.odd, b.named = b.text[:0], b.odd[:0], b.named[:0] }
