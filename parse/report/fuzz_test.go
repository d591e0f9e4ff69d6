package report

import (
	"testing"
)

// FuzzExtractor: whatever the input, the extractor does not panic, and the
// reports it hands out lie within the input, in order, each with a title
// and whole lines, and hold no more frames than lines.
func FuzzExtractor(f *testing.F) {
	f.Add([]byte("[ 1.0] BUG: kernel NULL pointer dereference, address: 0\n[ 1.0] RIP: 0010:f+0x1/0x2\n[ 1.0] Call Trace:\n[ 1.0]  g+0x1/0x2\n"))
	f.Add([]byte("[ 1.0][T1] INFO: task a:1 blocked for more than 1 seconds.\n[ 1.0][T2] WARNING: CPU: 0 PID: 2 at a.c:1 f+0x1/0x2\n[ 1.0][T1] Call Trace:\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, max := range []int{3, 0} {
			x := NewExtractor(Options{MaxLines: max})
			var reps []*Report
			for _, l := range splitLines(input) {
				reps = append(reps, x.Line(l)...)
			}
			reps = append(reps, x.Flush()...)
			var prev int64
			for _, r := range reps {
				if r.Start < prev || r.Start >= r.End || r.End > int64(len(input)) {
					t.Fatalf("report %q spans [%d, %d) after %d in %d bytes", r.Title, r.Start, r.End, prev, len(input))
				}
				if r.Start > 0 && input[r.Start-1] != '\n' {
					t.Fatalf("report %q starts mid-line at %d", r.Title, r.Start)
				}
				if r.Title == "" || r.Lines < 1 || len(r.Frames) > 2*r.Lines {
					t.Fatalf("report %+v", r)
				}
				prev = r.Start
			}
		}
	})
}
