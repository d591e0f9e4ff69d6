package input

import (
	"bytes"
	"io"
	"testing"
)

// decodeAll decodes data as format f, requiring the Reader to end without
// error: every input decodes to something.
func decodeAll(t *testing.T, data []byte, f Format) ([]byte, *Reader) {
	r := NewReader(bytes.NewReader(data), f)
	out, err := io.ReadAll(r)
	if err != nil && !(f == Pstore && err == ErrPstoreTooLarge) {
		t.Fatalf("decoding %v: %v", f, err)
	}
	return out, r
}

// boundedGrowth checks that the output is at most a constant factor of the
// input: a record's prefix (at most 33 bytes) is repeated for every "\x0a"
// escape (4 bytes) of its text.
func boundedGrowth(t *testing.T, in, out []byte) {
	if len(out) > 10*len(in)+64 {
		t.Fatalf("%d bytes of output for %d of input", len(out), len(in))
	}
}

func FuzzKmsg(f *testing.F) {
	f.Add([]byte("6,1,0,-;Command line: console=ttyS0\n SUBSYSTEM=acpi\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, r := decodeAll(t, data, Kmsg)
		boundedGrowth(t, data, out)
		lines := bytes.Count(data, []byte("\n")) + 1
		if s := r.Stats(); s.Records+s.Other > int64(lines) || s.Lost < 0 {
			t.Fatalf("stats %+v for %d lines", s, lines)
		}
		// Lines that are not records pass through unchanged.
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if len(l) > 0 && l[0] != ' ' && !isKmsgHeader(bytes.TrimRight(l, "\r\n")) && !bytes.Contains(out, bytes.TrimRight(l, "\n")) {
				t.Fatalf("line %q lost", l)
			}
		}
	})
}

func FuzzJournalJSON(f *testing.F) {
	f.Add([]byte(`{"MESSAGE":[82,73,80],"_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"16138987"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, r := decodeAll(t, data, JournalJSON)
		boundedGrowth(t, data, out)
		if s := r.Stats(); s.Omitted > s.Records {
			t.Fatalf("stats %+v", s)
		}
	})
}

func FuzzPstore(f *testing.F) {
	f.Add([]byte("Oops#1 Part1\n<4>[    3.0] c\nOops#1 Part2\n<4>[    2.0] b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := decodeAll(t, data, Pstore)
		// Only the order changes, but for the headers of parts after a
		// dump's first, and a newline that ends a part that had none.
		in := bytes.ReplaceAll(withoutHeaders(data), []byte("\n"), nil)
		if !sameBytes(in, bytes.ReplaceAll(withoutHeaders(out), []byte("\n"), nil)) {
			t.Fatalf("not the input's bytes reordered:\n%q\n%q", data, out)
		}
	})
}

// FuzzDetect: whatever the start of a source, detection picks a format,
// and text passes through unchanged.
func FuzzDetect(f *testing.F) {
	f.Add([]byte("[    0.000000] Linux version 6.1.0-56-amd64\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Auto)
		if r.Format() != Detect(data) {
			t.Fatalf("NewReader detected %v, Detect %v", r.Format(), Detect(data))
		}
		out, err := io.ReadAll(r)
		if err != nil && err != ErrPstoreTooLarge {
			t.Fatal(err)
		}
		if r.Format() == Text && !bytes.Equal(out, data) {
			t.Fatal("text changed")
		}
	})
}

// TestPstoreManyParts: many parts, all of one dump number, take linear
// time (the fuzzer once found the grouping quadratic).
func TestPstoreManyParts(t *testing.T) {
	data := bytes.Repeat([]byte("Oops#1 Part1\nx\n"), 50000)
	out, _ := decodeAll(t, data, Pstore)
	if len(out) != len(data) {
		t.Errorf("%d bytes out of %d", len(out), len(data))
	}
}
