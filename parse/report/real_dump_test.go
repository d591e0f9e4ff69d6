package report

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDumpReal(t *testing.T) {
	if os.Getenv("REPORT_REAL") == "" {
		t.Skip()
	}
	dirs, _ := filepath.Glob("../../testdata/*/console.log")
	for _, f := range dirs {
		data, _ := os.ReadFile(f)
		t.Logf("== %s", f)
		for _, r := range extractAll(t, data, nil) {
			t.Logf("  %q type=%s frame=%q corr=%v %s panicked=%v [%d:%d] lines=%d cpu=%d pid=%d comm=%q taint=%q rel=%q mods=%v arch=%v", r.Title, r.Type, r.Frame, r.Corrupted, r.CorruptedReason, r.Panicked, r.Start, r.End, r.Lines, r.CPU, r.PID, r.Comm, r.Taint, r.Release, r.Modules, r.Arch)
			for _, fr := range r.Frames {
				t.Logf("     %#x %s+%#x/%#x [%s] rel=%v ip=%v", fr.Address, fr.Name, fr.Offset, fr.Size, fr.Module, fr.Reliable, fr.IP)
			}
		}
	}
}
