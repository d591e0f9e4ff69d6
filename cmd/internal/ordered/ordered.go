// Package ordered runs jobs concurrently while their outputs reach the
// shared writers in job order, as if the jobs had run one after another,
// in bounded memory.
//
// Job i's writes go straight to the shared writer once every job before i
// has finished ("its turn"); before that they are kept in memory, up to a
// bound per job, and a job that reaches the bound waits for its turn. Jobs
// start in order, so the job whose turn it is has always started and can
// always proceed: at most Workers jobs run, and memory is bounded by
// Workers × Buffer bytes of waiting output.
package ordered

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultBuffer is how much of a waiting job's output is kept in memory.
const DefaultBuffer = 8 << 20

// ErrNotRun is the error of a job that was not started because an earlier
// write to a shared writer failed: its output could not have been written.
var ErrNotRun = errors.New("not run: the output failed")

// Options configure Run.
type Options struct {
	// Workers bounds the jobs running at once (runtime.GOMAXPROCS(0) when
	// zero or less).
	Workers int
	// Buffer bounds the bytes of a job's output kept in memory while it
	// waits for its turn (DefaultBuffer when zero or less).
	Buffer int
}

// A Flusher is a writer with a buffer to push out.
type Flusher interface {
	io.Writer
	Flush() error
}

// A Writer is one job's view of a shared writer: in memory until the job's
// turn, then straight through. It is for the use of its job only, from one
// goroutine at a time.
type Writer struct {
	dst   io.Writer
	limit int

	mu     sync.Mutex
	cond   sync.Cond
	buf    []byte
	direct bool  // the job's turn has come
	err    error // the first error writing dst
	// through is direct with no error: the job writes dst without the
	// lock (a write a line would otherwise take it twice).
	through atomic.Bool
}

func newWriter(dst io.Writer, limit int) *Writer {
	w := &Writer{dst: dst, limit: limit}
	w.cond.L = &w.mu
	return w
}

// Write writes p to the shared writer in the job's turn, and keeps it
// until then. It blocks while the kept output would grow past the bound.
func (w *Writer) Write(p []byte) (int, error) {
	if w.through.Load() {
		n, err := w.dst.Write(p)
		if err != nil {
			w.fail(err)
		}
		return n, err
	}
	w.mu.Lock()
	for !w.direct && w.err == nil && len(w.buf) > 0 && len(w.buf)+len(p) > w.limit {
		w.cond.Wait()
	}
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return 0, err
	}
	if !w.direct {
		w.buf = append(w.buf, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	// Only the job whose turn it is writes to dst: no lock needed.
	n, err := w.dst.Write(p)
	if err != nil {
		w.fail(err)
	}
	return n, err
}

// Flush flushes the shared writer, if it has a buffer, in the job's turn;
// before that there is nothing to flush.
func (w *Writer) Flush() error {
	w.mu.Lock()
	direct, err := w.direct, w.err
	w.mu.Unlock()
	if err != nil || !direct {
		return err
	}
	if f, ok := w.dst.(Flusher); ok {
		if err := f.Flush(); err != nil {
			w.fail(err)
			return err
		}
	}
	return nil
}

// Err returns the first error writing the shared writer, if any.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.through.Store(false)
	w.cond.Broadcast()
	w.mu.Unlock()
}

// turn writes what was kept and lets the job write straight through.
// What was kept is flushed, so that it reaches the terminal before the
// job's messages, which follow.
func (w *Writer) turn() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && w.err == nil {
		if _, err := w.dst.Write(w.buf); err != nil {
			w.err = err
		} else if f, ok := w.dst.(Flusher); ok {
			if err := f.Flush(); err != nil {
				w.err = err
			}
		}
	}
	w.buf = nil
	w.direct = true
	w.through.Store(w.err == nil)
	w.cond.Broadcast()
}

// A Job is one unit of work. It writes to out and errOut, which reach the
// shared writers in job order.
type Job func(i int, out, errOut *Writer) error

// Run runs job(0) ... job(n-1), at most opts.Workers at once, started in
// order, and returns their errors. What job i writes to out reaches dst,
// and what it writes to errOut reaches errDst, after all that jobs 0 to
// i-1 wrote. After a write to dst or errDst fails, the jobs not yet
// started are not run (ErrNotRun).
func Run(n int, opts Options, dst, errDst io.Writer, job Job) []error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	limit := opts.Buffer
	if limit <= 0 {
		limit = DefaultBuffer
	}
	errs := make([]error, n)
	if n == 1 {
		// One job has nothing to wait for: it runs here, writing
		// through, rather than on goroutines of its own (which a short
		// run pays for in thread wake-ups and fresh stacks).
		out, errOut := newWriter(dst, limit), newWriter(errDst, limit)
		out.turn()
		errOut.turn()
		errs[0] = job(0, out, errOut)
		return errs
	}
	done := make([]chan struct{}, n)
	outs := make([]*Writer, n)
	errOuts := make([]*Writer, n)
	for i := range n {
		done[i] = make(chan struct{})
		outs[i] = newWriter(dst, limit)
		errOuts[i] = newWriter(errDst, limit)
	}
	var stop atomic.Bool
	slots := make(chan struct{}, workers)
	go func() {
		for i := range n {
			slots <- struct{}{}
			if stop.Load() {
				errs[i] = ErrNotRun
				<-slots
				close(done[i])
				continue
			}
			go func() {
				defer func() {
					<-slots
					close(done[i])
				}()
				errs[i] = job(i, outs[i], errOuts[i])
			}()
		}
	}()
	for i := range n {
		outs[i].turn()
		errOuts[i].turn()
		<-done[i]
		if outs[i].Err() != nil || errOuts[i].Err() != nil {
			stop.Store(true)
		}
	}
	return errs
}
