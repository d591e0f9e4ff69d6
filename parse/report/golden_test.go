package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// goldenReport is what the golden files hold of a Report.
type goldenReport struct {
	Title, Type, Frame string
	Corrupted          string `json:",omitempty"`
	Panicked           bool
	Start, End         int64
	StartLine          int
	Lines              int
	CPU, PID           int
	Comm, Taint        string
	Release            string
	Modules            []string
	Arch               string
	Frames             []string
}

func goldenView(r *Report) goldenReport {
	g := goldenReport{Title: r.Title, Type: r.Type, Frame: r.Frame, Corrupted: r.CorruptedReason, Panicked: r.Panicked,
		Start: r.Start, End: r.End, StartLine: r.StartLine, Lines: r.Lines, CPU: r.CPU, PID: r.PID, Comm: r.Comm, Taint: r.Taint,
		Release: r.Release, Modules: r.Modules, Arch: r.Arch.String()}
	for _, f := range r.Frames {
		var b strings.Builder
		if f.IP {
			b.WriteString("ip ")
		}
		if !f.Reliable {
			b.WriteString("? ")
		}
		if f.Address != 0 {
			fmt.Fprintf(&b, "%#x ", f.Address)
		}
		switch {
		case f.Name != "" && f.Size != 0:
			fmt.Fprintf(&b, "%s+%#x/%#x", f.Name, f.Offset, f.Size)
		case f.Name != "":
			b.WriteString(f.Name) // ARM's callee, printed without offset
		}
		if f.Module != "" {
			fmt.Fprintf(&b, " [%s]", f.Module)
		}
		if f.Resolved {
			b.WriteString(" (resolved)")
		}
		g.Frames = append(g.Frames, strings.TrimSpace(b.String()))
	}
	return g
}

// TestRealLogsGolden runs the extractor over the real QEMU consoles of
// testdata/ and compares every report, its title, type, fields and frames
// with testdata/golden/<log>.json (go test -update rewrites them).
func TestRealLogsGolden(t *testing.T) {
	logs, _ := filepath.Glob("../../testdata/*/console.log")
	if len(logs) == 0 {
		t.Fatal("no testdata/*/console.log")
	}
	for _, path := range logs {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, extractAll(t, data, nil), data)
		})
	}
}

// TestRealLogResolved is TestRealLogsGolden for the console of a kernel
// built without kallsyms, whose every address is raw, with the names that
// the build's System.map gives them handed in as a caller resolving them
// does: the frames take the names, and the titles name the guilty frame.
func TestRealLogResolved(t *testing.T) {
	const name = "x86_64-nokallsyms-nokaslr-module-oops"
	data, err := os.ReadFile(filepath.Join("../../testdata", name, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	table := readSystemMap(t, "../../testdata/maps/System.map-6.1.192-nokallsyms.xz")
	p := parse.NewParser(parse.ArchUnknown)
	named := func(l parse.Line) []Named {
		var out []Named
		for _, tok := range p.Tokens(l.Text) {
			if tok.Symbolized || tok.Role == parse.RoleValue {
				continue
			}
			lookup := table.Lookup
			if tok.Role == parse.RoleReturn {
				lookup = table.LookupReturn
			}
			if loc, ok := lookup(tok.Value); ok {
				out = append(out, Named{At: tok.Start, Symbol: parse.PrintedSymbol{Name: loc.Name, Offset: loc.Offset, Size: loc.Size, Module: loc.Module}})
			}
		}
		return out
	}
	checkGolden(t, name+"-resolved", extractAll(t, data, named), data)
}

func readSystemMap(t *testing.T, path string) *symbolize.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := xz.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	table, err := symbolize.ParseSystemMap(r, path)
	if err != nil {
		t.Fatal(err)
	}
	return table
}

// checkGolden compares reports with testdata/golden/name.json, and checks
// the invariants every report keeps: it lies within the log, in whole
// lines, starts with its header, and reports do not overlap.
func checkGolden(t *testing.T, name string, reps []*Report, log []byte) {
	t.Helper()
	var prevEnd int64
	var views []goldenReport
	for _, r := range reps {
		if r.Start < prevEnd || r.End <= r.Start || r.End > int64(len(log)) {
			t.Errorf("report %q spans [%d, %d) after %d in a log of %d bytes", r.Title, r.Start, r.End, prevEnd, len(log))
			continue
		}
		if r.Start > 0 && log[r.Start-1] != '\n' || log[r.End-1] != '\n' && r.End != int64(len(log)) {
			t.Errorf("report %q [%d, %d) is not whole lines", r.Title, r.Start, r.End)
		}
		prevEnd = r.End
		views = append(views, goldenView(r))
	}
	got, err := json.MarshalIndent(views, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("reports differ from %s; got is in %s.got (go test -update accepts them)", path, path)
	}
}
