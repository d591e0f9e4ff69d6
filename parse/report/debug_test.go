package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpCorpusFrames prints the held frames of the first report of the
// corpus files named in $REPORT_DUMP (a development aid).
func TestDumpCorpusFrames(t *testing.T) {
	names := os.Getenv("REPORT_DUMP")
	if names == "" {
		t.Skip("REPORT_DUMP not set")
	}
	for _, n := range strings.Fields(names) {
		c := readCorpusCase(t, filepath.Join(corpusDir, "report", n))
		x := NewExtractor(Options{})
		_ = x
		reps := extractAll(t, c.log, nil)
		t.Logf("== %s want %q", n, c.title)
		for _, r := range reps {
			t.Logf("  report %q frame=%q corrupted=%v %s", r.Title, r.Frame, r.Corrupted, r.CorruptedReason)
		}
	}
}
