package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpCorpusReports prints the reports found in the corpus files
// named in $REPORT_DUMP (a development aid).
func TestDumpCorpusReports(t *testing.T) {
	names := os.Getenv("REPORT_DUMP")
	if names == "" {
		t.Skip("REPORT_DUMP not set")
	}
	for _, n := range strings.Fields(names) {
		c := readCorpusCase(t, filepath.Join(corpusDir, "report", n))
		t.Logf("== %s want %q corrupted=%v", n, c.title, c.corr)
		for _, r := range extractAll(t, c.log, nil) {
			t.Logf("  report %q frame=%q corrupted=%v %s [%d:%d] lines=%d", r.Title, r.Frame, r.Corrupted, r.CorruptedReason, r.Start, r.End, r.Lines)
			var names []string
			for _, f := range r.Frames {
				n := f.Name
				if !f.Reliable {
					n = "?" + n
				}
				names = append(names, n)
			}
			t.Logf("    frames: %s", strings.Join(names, " "))
		}
	}
}
