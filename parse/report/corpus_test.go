package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// corpusDir is syzkaller's corpus of real crash logs with the titles its
// parser gives them, beside the checkout (see SOURCE.md there).
const corpusDir = "../../../shared/corpus/syzkaller"

var showDisagreements = flag.Bool("disagreements", false, "log every corpus file whose expectations the extractor does not meet")

// A corpusCase is one file of the corpus: the log and what syzkaller
// expects of its first report.
type corpusCase struct {
	name   string
	log    []byte
	title  string // "" for a log without a crash
	frame  string
	typ    string
	hasTyp bool
	corr   bool
	panic  bool
}

// readCorpusCase splits a report/N file into its headers and log: headers
// up to the first empty line (none when the file starts with one), then
// the log, up to an optional "REPORT:" section.
func readCorpusCase(t testing.TB, path string) corpusCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := corpusCase{name: filepath.Base(path)}
	var header []byte
	if bytes.HasPrefix(data, []byte("\n")) {
		c.log = data[1:]
	} else {
		header, c.log, _ = bytes.Cut(data, []byte("\n\n"))
	}
	if i := bytes.Index(c.log, []byte("\n\nREPORT:\n")); i >= 0 {
		c.log = c.log[:i+2]
	}
	for _, l := range strings.Split(string(header), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		switch k {
		case "TITLE":
			c.title = v
		case "FRAME":
			c.frame = v
		case "TYPE":
			c.typ, c.hasTyp = v, true
		case "CORRUPTED":
			c.corr = v == "Y"
		case "PANICKED":
			c.panic = v == "Y"
		}
	}
	return c
}

// extractAll runs an Extractor over log and returns every report.
func extractAll(t testing.TB, log []byte, named func(parse.Line) []Named) []*Report {
	x := NewExtractor(Options{})
	lr := parse.NewLineReader(bytes.NewReader(log), 0)
	var reps []*Report
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var n []Named
		if named != nil {
			n = named(l)
		}
		for _, r := range x.LineNamed(l, n) {
			reps = append(reps, r)
		}
	}
	return append(reps, x.Flush()...)
}

// An agreement counts how often the extractor agrees with syzkaller.
type agreement struct {
	name      string
	agree, of int
	floor     float64 // the test fails below this fraction
	misses    []string
}

func (a *agreement) add(ok bool, file, got, want string) {
	a.of++
	if ok {
		a.agree++
		return
	}
	a.misses = append(a.misses, fmt.Sprintf("%s: %q, want %q", file, got, want))
}

func (a *agreement) check(t *testing.T) {
	t.Logf("%s agreement: %d/%d (%.1f%%)", a.name, a.agree, a.of, 100*float64(a.agree)/float64(max(a.of, 1)))
	if *showDisagreements {
		for _, m := range a.misses {
			t.Logf("  %s %s", a.name, m)
		}
	}
	if float64(a.agree) < a.floor*float64(a.of) {
		t.Errorf("%s agreement %d/%d is below the floor of %.0f%%", a.name, a.agree, a.of, 100*a.floor)
	}
}

// TestSyzkallerCorpusAgreement measures how often the extractor gives a
// log's first report the title, guilty frame, type, corruption and panic
// verdicts that syzkaller's parser gives it, over syzkaller's whole report
// corpus. The floors are raised as the tables improve; go test -v shows
// the figures, -disagreements every file that misses.
func TestSyzkallerCorpusAgreement(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "report", "*"))
	if len(files) == 0 {
		t.Skip(corpusDir + " not present")
	}
	sort.Slice(files, func(i, j int) bool { return numericName(files[i]) < numericName(files[j]) })
	// The floors are just under the figures reached; raise them with the
	// figures.
	title := &agreement{name: "title", floor: 0.95}
	frame := &agreement{name: "frame", floor: 0.95}
	typ := &agreement{name: "type", floor: 0.98}
	corrupted := &agreement{name: "corrupted", floor: 0.95}
	panicked := &agreement{name: "panicked", floor: 0.99}
	for _, f := range files {
		c := readCorpusCase(t, f)
		reps := extractAll(t, c.log, nil)
		var first *Report
		if len(reps) > 0 {
			first = reps[0]
		}
		anyPanic := false
		for _, r := range reps {
			anyPanic = anyPanic || r.Panicked
		}
		panicked.add(anyPanic == c.panic, c.name, yn(anyPanic), yn(c.panic))
		if c.title == "" {
			got := ""
			if first != nil {
				got = first.Title
			}
			title.add(first == nil, c.name, got, "(no report)")
			continue
		}
		if first == nil {
			title.add(false, c.name, "(no report)", c.title)
			continue
		}
		title.add(first.Title == c.title, c.name, first.Title, c.title)
		if c.frame != "" {
			// syzkaller's FRAME is "corrupted" where there is none.
			want := strings.TrimSuffix(c.frame, "corrupted")
			frame.add(first.Frame == want, c.name, first.Frame, c.frame)
		}
		if c.hasTyp {
			typ.add(first.Type == c.typ, c.name, first.Type, c.typ)
		}
		corrupted.add(first.Corrupted == c.corr, c.name, yn(first.Corrupted)+" "+first.CorruptedReason, yn(c.corr))
	}
	for _, a := range []*agreement{title, frame, typ, corrupted, panicked} {
		a.check(t)
	}
}

// TestSyzkallerGuiltyFiles measures, over syzkaller's guilty/ corpus of
// logs symbolized to source lines, how often the source file of the
// guilty frame is the file syzkaller blames. syzkaller blames files by
// rules of their own (which files are generic, which maintainers own
// what) that the extractor does not implement, so the figure is only a
// guide: it says how often the guilty frame already lands in the blamed
// file.
func TestSyzkallerGuiltyFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "guilty", "*"))
	if len(files) == 0 {
		t.Skip(corpusDir + " not present")
	}
	sort.Slice(files, func(i, j int) bool { return numericName(files[i]) < numericName(files[j]) })
	file := &agreement{name: "guilty file", floor: 0.35}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		header, log, _ := bytes.Cut(data, []byte("\n\n"))
		want := ""
		for _, l := range strings.Split(string(header), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "FILE: "); ok {
				want = v
			}
		}
		if want == "" {
			continue
		}
		got := ""
		if reps := extractAll(t, log, nil); len(reps) > 0 {
			got = guiltyFile(reps[0])
		}
		file.add(got == want, filepath.Base(f), got, want)
	}
	file.check(t)
}

// guiltyFile is the source file of a report's guilty frame, when the log
// was symbolized to source lines: the file of the guilty frame or, when
// that is a header (an inline helper), of its first caller in a .c file.
func guiltyFile(r *Report) string {
	found := false
	for _, fr := range r.Frames {
		found = found || canonical(fr.Name) == r.Frame
		if found && fr.File != "" && !strings.HasSuffix(fr.File, ".h") {
			return strings.TrimPrefix(fr.File, "./")
		}
	}
	return ""
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func numericName(path string) int {
	n := 0
	for _, c := range filepath.Base(path) {
		n = n*10 + int(c-'0')
	}
	return n
}
