package disasm

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// fuzzMachines are the machines every fuzzed Code: line is decoded as,
// whatever its form.
var fuzzMachines = []Machine{
	{Arch: parse.ArchX86, Bits: 64},
	{Arch: parse.ArchX86, Bits: 32},
	{Arch: parse.ArchARM64},
	{Arch: parse.ArchARM},
}

// FuzzCode feeds log lines to FindCode, ParseCode, Disassemble (as every
// machine, at a kernel address and with a symbolizer) and AppendListing.
// Whatever the line, nothing panics; a parsed dump is within MaxBytes with
// the trap inside it; a disassembly covers every byte once, in order, with
// the trapping instruction marked; every listing line is marked and
// stripping the listing gives the line back. Seeds, in
// testdata/fuzz/FuzzCode, are real Code: lines (kept and left alone) of
// the consoles and corpora.
func FuzzCode(f *testing.F) {
	sym := func(a uint64) (string, bool) {
		if a%5 == 0 {
			return "bad\nname+0x0/0x1", true // must not break a listing line
		}
		return "strcmp+0x0/0x30", a%3 == 0
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		start, ok := FindCode(line)
		if !ok {
			return
		}
		if start < len(codeTag) || start > len(line) {
			t.Fatalf("FindCode: %d outside %q", start, line)
		}
		c, err := ParseCode(line[start:])
		if err != nil {
			var se *SyntaxError
			if c.Bytes != nil || !errors.Is(err, ErrNoBytes) && !errors.As(err, &se) {
				t.Fatalf("%q: %v with %d bytes", line, err, len(c.Bytes))
			}
			return
		}
		unit := c.Form.unit()
		if len(c.Bytes) == 0 || len(c.Bytes) > MaxBytes || c.Trap < 0 || c.Trap >= len(c.Bytes) || c.Trap%unit != 0 || len(c.Bytes)%unit != 0 {
			t.Fatalf("%q: %d bytes of %v, trap at %d", line, len(c.Bytes), c.Form, c.Trap)
		}
		for _, m := range fuzzMachines {
			insns, err := c.Disassemble(m, 0xffffffff81000000, sym)
			if err != nil {
				if insns != nil || !errors.Is(err, ErrForm) && !errors.Is(err, ErrUnsupported) {
					t.Fatalf("%q as %s: %v", line, m, err)
				}
				continue
			}
			checkCover(t, c, insns)
			in := append(append([]byte(nil), line...), '\n')
			out := AppendListing(append([]byte(nil), in...), m, insns, nil)
			for _, l := range bytes.SplitAfter(out[len(in):], []byte("\n")) {
				if len(l) > 0 && !IsListingLine(l) {
					t.Fatalf("%q as %s: unmarked line %q", line, m, l)
				}
			}
			if back := StripListings(nil, out); !bytes.Equal(back, in) && !IsListingLine(line) {
				t.Fatalf("%q as %s: stripping gives %q", line, m, back)
			}
		}
	})
}

// checkCover checks that insns cover the bytes of c once each, in order,
// and mark the instruction at the trapping byte.
func checkCover(t *testing.T, c Code, insns []Insn) {
	t.Helper()
	at, traps := 0, 0
	for _, in := range insns {
		if in.Off != at-c.Trap || len(in.Bytes) == 0 || !bytes.Equal(in.Bytes, c.Bytes[at:at+len(in.Bytes)]) {
			t.Fatalf("% x: instruction at %d (%d bytes), want one at %d", c.Bytes, in.Off+c.Trap, len(in.Bytes), at)
		}
		if in.Trap {
			traps++
			if in.Off != 0 {
				t.Fatalf("% x: trap marked at %d", c.Bytes, in.Off)
			}
		}
		at += len(in.Bytes)
	}
	if at != len(c.Bytes) || traps != 1 {
		t.Fatalf("% x: %d bytes covered, %d traps marked", c.Bytes, at, traps)
	}
}

// TestCoverRealLines runs the fuzz target's invariants over every real
// Code: line, so that they hold where it matters without fuzzing.
func TestCoverRealLines(t *testing.T) {
	n := 0
	for _, set := range codeSets {
		for _, l := range readCodeLines(t, set.lines) {
			c, err := ParseCode([]byte(l.text))
			if err != nil {
				t.Fatal(err)
			}
			insns, err := c.Disassemble(machines[l.machine], 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkCover(t, c, insns)
			n++
		}
	}
	t.Logf("%d lines", n)
}

// TestConcurrent decodes every machine's lines from several goroutines at
// once: with go test -race (make race) it fails if a decoder's package
// state is shared unguarded.
func TestConcurrent(t *testing.T) {
	lines := readCodeLines(t, codeSets[0].lines)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, l := range lines {
				c, err := ParseCode([]byte(l.text))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.Disassemble(machines[l.machine], 0, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
