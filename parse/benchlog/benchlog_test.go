package benchlog

import (
	"bytes"
	"os"
	"testing"
)

// TestMake: the log is the console's plain lines, with a report line as
// every hundredth, and no line cut.
func TestMake(t *testing.T) {
	console, err := os.ReadFile("../../testdata/x86_64-nokallsyms-nokaslr-module-oops/console.log")
	if err != nil {
		t.Fatal(err)
	}
	log, err := Make(console, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) < 1<<20 || log[len(log)-1] != '\n' {
		t.Fatalf("%d bytes, ending %q", len(log), log[len(log)-1:])
	}
	lines := bytes.SplitAfter(log, []byte("\n"))
	for i, l := range lines[:len(lines)-1] {
		if !bytes.Contains(console, l) {
			t.Fatalf("line %d %q is not the console's", i, l)
		}
	}
	// The hundredth line is the report's first; the first is the console's.
	var first []byte
	for _, l := range bytes.SplitAfter(console, []byte("\n")) {
		if bytes.Contains(l, []byte("cut here")) || bytes.Contains(l, []byte("BUG:")) || bytes.Contains(l, []byte("Oops")) {
			first = l
			break
		}
	}
	if !bytes.Equal(lines[99], first) || !bytes.Equal(lines[0], bytes.SplitAfter(console, []byte("\n"))[0]) {
		t.Errorf("line 99 is %q, want %q; line 0 is %q", lines[99], first, lines[0])
	}
	if _, err := Make([]byte("no report here\n"), 100); err == nil {
		t.Error("a console without a report made a log")
	}
}
