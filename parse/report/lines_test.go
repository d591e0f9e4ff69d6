package report

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// extractByLine reads log with LineNamed, one line at a time, as a
// LineReader cuts it (pieces of maxLine bytes at most, when > 0).
func extractByLine(log []byte, maxLine int) []*Report {
	x := NewExtractor(Options{})
	var reps []*Report
	for _, l := range cutPieces(log, maxLine) {
		reps = append(reps, x.Line(l)...)
	}
	return append(reps, x.Flush()...)
}

// cutPieces cuts log into lines as a LineReader does, and lines longer
// than maxLine (when > 0) into pieces as a LineReader does those longer
// than its limit: pieces of maxLine bytes, then the rest with the
// terminator, none of them whole. (A LineReader cuts them in pieces of
// its 64 KB buffer.)
func cutPieces(log []byte, maxLine int) []parse.Line {
	lines := splitLines(log)
	if maxLine <= 0 {
		return lines
	}
	var out []parse.Line
	for _, l := range lines {
		all := append(l.Text[:len(l.Text):len(l.Text)], l.EOL...)
		if len(all) <= maxLine {
			out = append(out, l)
			continue
		}
		off := l.Offset
		for len(all) > maxLine {
			out = append(out, parse.Line{Text: all[:maxLine], Offset: off})
			all, off = all[maxLine:], off+int64(maxLine)
		}
		rest := parse.Line{Text: all, Offset: off}
		if len(l.EOL) > 0 {
			n := len(all) - 1
			if n > 0 && all[n-1] == '\r' {
				n--
			}
			rest.Text, rest.EOL = all[:n], all[n:]
		}
		out = append(out, rest)
	}
	return out
}

// extractByBlock reads log the way a caller with many lines at hand does:
// the whole lines with a terminator go to Lines, up to block of them
// together, and the others (pieces of overlong lines, a last line without
// a terminator) to LineNamed.
func extractByBlock(log []byte, maxLine, block int) []*Report {
	x := NewExtractor(Options{})
	var reps []*Report
	var run []byte
	var runOff int64
	lines := 0
	flush := func() {
		if len(run) > 0 {
			reps = append(reps, x.Lines(run, runOff)...)
		}
		run, lines = run[:0], 0
	}
	for _, l := range cutPieces(log, maxLine) {
		if !l.Whole || len(l.EOL) == 0 {
			flush()
			reps = append(reps, x.Line(l)...)
			continue
		}
		if len(run) == 0 {
			runOff = l.Offset
		}
		run = append(append(run, l.Text...), l.EOL...)
		if lines++; lines >= block {
			flush()
		}
	}
	flush()
	return append(reps, x.Flush()...)
}

// sameReports fails t unless the reports read by block are those read line
// by line.
func sameReports(t *testing.T, name string, log []byte, maxLine, block int) {
	t.Helper()
	want := extractByLine(log, maxLine)
	got := extractByBlock(log, maxLine, block)
	if len(got) != len(want) {
		t.Fatalf("%s (block %d, maxLine %d): %d reports by block, %d by line", name, block, maxLine, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s (block %d, maxLine %d): report %d by block\n%+v\nby line\n%+v", name, block, maxLine, i, got[i], want[i])
		}
	}
}

// TestLinesAsLineByLine: the reports found by Lines are those LineNamed
// finds reading the same log line by line, however the lines are grouped,
// in the real console logs of testdata/, syzkaller's corpus (when
// present) and the benchmarks' big log.
func TestLinesAsLineByLine(t *testing.T) {
	logs, _ := filepath.Glob("../../testdata/*/console.log")
	if len(logs) == 0 {
		t.Fatal("no testdata/*/console.log")
	}
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "report", "*"))
	for _, path := range logs {
		log, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range []int{1, 3, 64, 1 << 30} {
			sameReports(t, path, log, 0, block)
		}
		sameReports(t, path, log, 100, 16)
		// The same log with Windows line ends, and cut short mid-line.
		crlf := bytes.ReplaceAll(log, []byte("\n"), []byte("\r\n"))
		sameReports(t, path+" (CRLF)", crlf, 0, 64)
		sameReports(t, path+" (cut)", log[:len(log)*2/3], 0, 64)
	}
	var all []byte
	for _, path := range corpus {
		all = append(all, readCorpusCase(t, path).log...)
	}
	if len(all) > 0 {
		sameReports(t, "corpus", all, 0, 1024)
	}
	sameReports(t, "big log", makeBigLog(t, 4<<20), 0, 1024)
}

// FuzzLines: whatever the log and however its lines are grouped (block
// lines at most to a Lines call, pieces of 4+maxLine bytes at most), Lines
// finds the reports that LineNamed finds line by line. The seeds in
// testdata/fuzz/FuzzLines are excerpts of testdata's console logs.
func FuzzLines(f *testing.F) {
	f.Add([]byte("[ 1.0] x\n[ 1.0] BUG: kernel NULL pointer dereference, address: 0\n[ 1.0] RIP: 0010:f+0x1/0x2\n"), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, log []byte, block, maxLine uint8) {
		max := 0
		if maxLine > 0 {
			max = 4 + int(maxLine)
		}
		sameReports(t, "input", log, max, 1+int(block))
	})
}
