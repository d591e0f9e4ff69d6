package ordered

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestOrder: whatever the order the jobs finish in, their outputs come in
// job order, for every number of workers and buffer size, and the errors
// are the jobs' own.
func TestOrder(t *testing.T) {
	for _, tc := range []struct {
		jobs, workers, buffer int
	}{
		{1, 1, 0}, {5, 1, 0}, {5, 2, 0}, {20, 4, 16}, {20, 8, 1}, {3, 16, 0},
	} {
		t.Run(fmt.Sprintf("%d-jobs-%d-workers-%d-buffer", tc.jobs, tc.workers, tc.buffer), func(t *testing.T) {
			var out, errOut bytes.Buffer
			bw := bufio.NewWriter(&out)
			errs := Run(tc.jobs, Options{Workers: tc.workers, Buffer: tc.buffer}, bw, &errOut, func(i int, o, e *Writer) error {
				// Later jobs finish first.
				time.Sleep(time.Duration(tc.jobs-i) * time.Millisecond)
				for line := range 50 {
					fmt.Fprintf(o, "job %d line %d\n", i, line)
					if line%10 == 0 {
						if err := o.Flush(); err != nil {
							return err
						}
					}
				}
				fmt.Fprintf(e, "job %d done\n", i)
				if i%3 == 2 {
					return fmt.Errorf("job %d failed", i)
				}
				return nil
			})
			if err := bw.Flush(); err != nil {
				t.Fatal(err)
			}
			var want, wantErr strings.Builder
			for i := range tc.jobs {
				for line := range 50 {
					fmt.Fprintf(&want, "job %d line %d\n", i, line)
				}
				fmt.Fprintf(&wantErr, "job %d done\n", i)
				if have := errs[i]; (i%3 == 2) != (have != nil) {
					t.Errorf("job %d: error %v", i, have)
				}
			}
			if out.String() != want.String() {
				t.Errorf("output out of order:\n%s", out.String())
			}
			if errOut.String() != wantErr.String() {
				t.Errorf("errors out of order:\n%s", errOut.String())
			}
		})
	}
}

// TestOneJob: a single job (run where Run is called) writes through to
// dst and errDst, and its error is returned; a failed write is the
// writer's error, as for any job.
func TestOneJob(t *testing.T) {
	var out, errOut bytes.Buffer
	errs := Run(1, Options{Buffer: 4}, &out, &errOut, func(i int, o, e *Writer) error {
		fmt.Fprintf(o, "a line longer than the buffer\n")
		if out.Len() == 0 {
			t.Error("the only job's output waited")
		}
		fmt.Fprintf(e, "said\n")
		return errors.New("failed")
	})
	if len(errs) != 1 || errs[0] == nil || errs[0].Error() != "failed" {
		t.Errorf("errors %v", errs)
	}
	if out.String() != "a line longer than the buffer\n" || errOut.String() != "said\n" {
		t.Errorf("output %q, errors %q", out.String(), errOut.String())
	}
	var werr error
	Run(1, Options{}, &failingWriter{n: 0}, &bytes.Buffer{}, func(i int, o, _ *Writer) error {
		fmt.Fprintf(o, "x\n")
		werr = o.Err()
		return nil
	})
	if werr == nil {
		t.Error("a failed write left no error")
	}
}

// TestBounded: a job that is not first waits when its kept output reaches
// the bound, instead of keeping it all; the first job streams.
func TestBounded(t *testing.T) {
	const limit = 1 << 10
	var out bytes.Buffer
	var maxKept atomic.Int64
	release := make(chan struct{})
	Run(2, Options{Workers: 2, Buffer: limit}, &out, &bytes.Buffer{}, func(i int, o, _ *Writer) error {
		if i == 0 {
			<-release // job 1 runs on meanwhile, and must stop at the bound
			return nil
		}
		for n := range 100 {
			if n == 10 {
				close(release)
			}
			o.mu.Lock()
			maxKept.Store(max(maxKept.Load(), int64(len(o.buf))))
			o.mu.Unlock()
			o.Write(bytes.Repeat([]byte{'x'}, 100))
		}
		return nil
	})
	if k := maxKept.Load(); k > limit {
		t.Errorf("kept %d bytes, bound %d", k, limit)
	}
	if out.Len() != 100*100 {
		t.Errorf("wrote %d bytes", out.Len())
	}
}

type failingWriter struct{ n int }

var errClosed = errors.New("closed")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errClosed
	}
	f.n--
	return len(p), nil
}

// TestOutputFails: once the shared writer fails, jobs see the error and
// the ones not started do not run.
func TestOutputFails(t *testing.T) {
	var ran atomic.Int64
	// A buffer smaller than a job's output makes each job wait for its turn.
	errs := Run(50, Options{Workers: 2, Buffer: 8}, &failingWriter{n: 3}, &bytes.Buffer{}, func(i int, o, _ *Writer) error {
		ran.Add(1)
		for range 10 {
			if _, err := o.Write([]byte("line\n")); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(errs[0], errClosed) {
		t.Errorf("job 0: %v", errs[0])
	}
	if ran.Load() > 10 || !errors.Is(errs[49], ErrNotRun) {
		t.Errorf("%d jobs ran after the output failed; the last one's error: %v", ran.Load(), errs[49])
	}
}
