package parse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll splits input with a LineReader and glues it back together.
func readAll(t testing.TB, input []byte, maxLine int) (joined []byte, lines []Line) {
	return readLines(t, NewLineReader(bytes.NewReader(input), maxLine))
}

// readLines reads lr to its end, checking the lines' offsets.
func readLines(t testing.TB, lr *LineReader) (joined []byte, lines []Line) {
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return joined, lines
		}
		if err != nil {
			t.Fatal(err)
		}
		if l.Offset != int64(len(joined)) {
			t.Fatalf("offset %d, want %d", l.Offset, len(joined))
		}
		joined = append(joined, l.Text...)
		joined = append(joined, l.EOL...)
		l.Text = bytes.Clone(l.Text)
		lines = append(lines, l)
	}
}

func TestLineReaderLossless(t *testing.T) {
	long := strings.Repeat("[<ffffffff8123f8e0>] ", 50000) // ~1 MB, parsed whole
	tests := []struct {
		name  string
		input string
		lines int
	}{
		{"empty", "", 0},
		{"no final newline", "[    4.579878]  0xffffffffc00001a2", 1},
		{"CRLF", "RIP: 0010:0xffffffffc00000f0\r\nCall Trace:\r\n", 2},
		{"lone CR kept in the text", "a\rb\n", 1},
		{"NUL and invalid UTF-8", "x\x00y\xff\xfe\n\x00\n", 2},
		{"1 MB line", long + "\n", 1},
		{"blank lines", "\n\n\n", 3},
	}
	for _, tc := range tests {
		joined, lines := readAll(t, []byte(tc.input), 0)
		if string(joined) != tc.input {
			t.Errorf("%s: round trip differs", tc.name)
		}
		if len(lines) != tc.lines {
			t.Errorf("%s: %d lines, want %d", tc.name, len(lines), tc.lines)
		}
		for _, l := range lines {
			if !l.Whole {
				t.Errorf("%s: a line was cut", tc.name)
			}
		}
	}
	_, lines := readAll(t, []byte("RIP: 0010:0xffffffffc00000f0\r\n"), 0)
	if string(lines[0].Text) != "RIP: 0010:0xffffffffc00000f0" || string(lines[0].EOL) != "\r\n" {
		t.Errorf("CRLF split as %q + %q", lines[0].Text, lines[0].EOL)
	}
}

// TestLineReaderOverlong checks that a line over the limit is handed out in
// pieces that are not parsed, and that the next line is whole again.
func TestLineReaderOverlong(t *testing.T) {
	input := strings.Repeat("x", 300000) + "\n[<ffffffff8123f8e0>]\n"
	joined, lines := readAll(t, []byte(input), 100000)
	if string(joined) != input {
		t.Fatal("round trip differs")
	}
	last := lines[len(lines)-1]
	if !last.Whole || string(last.Text) != "[<ffffffff8123f8e0>]" {
		t.Errorf("line after the long one: %+v", last)
	}
	pieces := 0
	for _, l := range lines[:len(lines)-1] {
		if l.Whole {
			t.Error("a piece of the long line is marked whole")
		}
		if len(l.Text) > 100000+64<<10 {
			t.Errorf("piece of %d bytes exceeds the bound", len(l.Text))
		}
		pieces++
	}
	if pieces < 2 {
		t.Errorf("%d pieces", pieces)
	}
}

func TestLineReaderSmallReads(t *testing.T) {
	input := "[    4.579878]  0xffffffffc00001a2\r\n[    4.579878]  0xffffffffc00001ba"
	lr := NewLineReader(iotest.OneByteReader(strings.NewReader(input)), 0)
	var got []byte
	for {
		l, err := lr.Next()
		if err != nil {
			break
		}
		got = append(append(got, l.Text...), l.EOL...)
	}
	if string(got) != input {
		t.Errorf("got %q", got)
	}
}

func TestSplice(t *testing.T) {
	line := []byte(" 0xbf005000 from 0xbf0050b8")
	got := Splice(nil, line, []Edit{{At: 11, Text: []byte(" a+0x0/0x4")}, {At: 27, Text: []byte(" b+0x8/0x10")}})
	if string(got) != " 0xbf005000 a+0x0/0x4 from 0xbf0050b8 b+0x8/0x10" {
		t.Errorf("got %q", got)
	}
	if got := Splice([]byte("x"), line, nil); string(got) != "x"+string(line) {
		t.Errorf("no edits: %q", got)
	}
	// Out-of-range edits are clamped, never lose bytes.
	if got := Splice(nil, []byte("abc"), []Edit{{At: -5, Text: []byte("<")}, {At: 99, Text: []byte(">")}}); string(got) != "<abc>" {
		t.Errorf("clamped: %q", got)
	}
}

// TestLineReaderSizeHint: the read buffer sized to the input (any hint,
// right or wrong) hands out the same lines as the default one.
func TestLineReaderSizeHint(t *testing.T) {
	inputs := []string{"", "a", "a\n", "one\r\ntwo\nthree", strings.Repeat("x", 70<<10) + "\ny\n",
		strings.Repeat("[    1.000000] line\n", 4000)}
	for _, in := range inputs {
		_, want := readAll(t, []byte(in), 64<<10)
		for _, hint := range []int64{-1, 0, 1, 100, int64(len(in)), int64(len(in)) + 1, 10 << 20} {
			_, got := readLines(t, NewLineReaderSize(bytes.NewReader([]byte(in)), 64<<10, hint))
			if len(got) != len(want) {
				t.Fatalf("hint %d over %d bytes: %d lines, want %d", hint, len(in), len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i].Text, want[i].Text) || !bytes.Equal(got[i].EOL, want[i].EOL) ||
					got[i].Offset != want[i].Offset || got[i].Whole != want[i].Whole {
					t.Fatalf("hint %d over %d bytes: line %d = %+v, want %+v", hint, len(in), i, got[i], want[i])
				}
			}
		}
	}
}

// TestLineRaw: a LineReader's lines are their text and terminator side by
// side, long ones too; a line put together elsewhere is not.
func TestLineRaw(t *testing.T) {
	in := "one\r\n" + strings.Repeat("x", 100<<10) + "\nlast"
	lr := NewLineReader(strings.NewReader(in), 0)
	var joined []byte
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		raw, ok := l.Raw()
		if !ok || string(raw) != string(l.Text)+string(l.EOL) {
			t.Fatalf("line at %d: Raw = %.20q, %v", l.Offset, raw, ok)
		}
		joined = append(joined, raw...)
	}
	if string(joined) != in {
		t.Error("the raw lines do not make the input")
	}
	if _, ok := (Line{Text: []byte("a"), EOL: []byte("\n")}).Raw(); ok {
		t.Error("Raw of a text and terminator apart says they are side by side")
	}
}
