package main

import (
	"errors"
	"io"
	"math"
	"slices"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
)

// A fileWorker counts the reports of a plain file on a goroutine of its
// own, as extractWorker does, but reads the file's lines itself, with a
// line reader of its own that cuts them as the annotating stream's does.
// The stream hands over only how far it has read and the names it gave
// raw addresses on the way, not the lines: copies of every line, written
// by one core and read by the other, cost the stream more than the
// extractor's whole work where the cores share no cache. The worker stays
// behind the stream, since a line's names are known once the stream has
// read it.
type fileWorker struct {
	counter
	file    io.ReaderAt
	size    int64
	maxLine int
	msgs    chan progress
	cur     progress
	sent    int64 // cur.upTo when it was last sent
	err     error // reading the file; the caller's after done
	lines   int   // the lines read, the caller's after done
	named   int   // of them, the lines given names
}

// progress tells the worker how far the stream has read, and the names of
// the lines up to there that have any.
type progress struct {
	upTo  int64
	named []namedLine
}

// A namedLine is the names the stream gave the raw addresses of the line
// at off.
type namedLine struct {
	off   int64
	names []report.Named
}

// newFileWorker returns a worker reading file, of size bytes when opened,
// cut into lines of at most maxLine bytes whole (parse.NewLineReader's
// limit).
func newFileWorker(x *report.Extractor, file io.ReaderAt, size int64, maxLine int) *fileWorker {
	return &fileWorker{counter: newCounter(x), file: file, size: size, maxLine: maxLine, msgs: make(chan progress, batchBuffers)}
}

// add tells the worker that the stream has read l, whose raw addresses
// have names. The news goes over every batchBytes of input, or batchOdd
// named lines.
func (w *fileWorker) add(l parse.Line, named []report.Named) {
	if !w.started {
		w.started = true
		go w.run()
	}
	if len(named) > 0 {
		w.cur.named = append(w.cur.named, namedLine{l.Offset, slices.Clone(named)})
	}
	w.cur.upTo = l.Offset + int64(len(l.Text)+len(l.EOL))
	if w.cur.upTo-w.sent >= batchBytes || len(w.cur.named) >= batchOdd {
		w.send()
	}
}

func (w *fileWorker) send() {
	w.msgs <- w.cur
	w.sent = w.cur.upTo
	w.cur = progress{upTo: w.cur.upTo}
}

// finish hands over the last progress, waits for the worker, and returns
// the reports counted by type, and an error reading the file.
func (w *fileWorker) finish() (map[string]int64, error) {
	w.wait(func() {
		w.send()
		close(w.msgs)
	})
	return w.counts, w.err
}

// run reads the file's lines as far as the stream has, and gives them to
// the extractor in batches, as extractWorker does with the lines it is
// handed: the same reports.
func (w *fileWorker) run() {
	defer close(w.done)
	// To the file's end, wherever it is now: a log written to while it
	// is read may have grown since it was opened.
	lr := parse.NewLineReaderSize(io.NewSectionReader(w.file, 0, math.MaxInt64), w.maxLine, w.size)
	b := &lineBatch{}
	var pos int64 // where the next line starts
	for msg := range w.msgs {
		named := msg.named
		for pos < msg.upTo && w.err == nil {
			l, err := lr.Next()
			if err != nil {
				w.err = err
				if errors.Is(err, io.EOF) {
					// Shorter than the stream read: cut meanwhile.
					w.err = io.ErrUnexpectedEOF
				}
				break
			}
			var names []report.Named
			if len(named) > 0 && named[0].off == l.Offset {
				names, named = named[0].names, named[1:]
				w.named++
			}
			w.lines++
			if b.add(l, names) {
				b.read(w.x, w.count)
				b.reset()
			}
			pos = l.Offset + int64(len(l.Text)+len(l.EOL))
		}
	}
	b.read(w.x, w.count)
	w.count(w.x.Flush())
}
