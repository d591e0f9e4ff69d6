package disasm

import "testing"

// BenchmarkDisassemble parses, decodes and lists every real Code: line of
// the consoles and corpora (about 430 lines, most of them x86-64) with a
// symbolizer, as a log rewriter does once per report.
func BenchmarkDisassemble(b *testing.B) {
	type line struct {
		m    Machine
		text []byte
	}
	var lines []line
	size := 0
	for _, set := range codeSets {
		for _, l := range readCodeLines(b, set.lines) {
			lines = append(lines, line{machines[l.machine], []byte(l.text)})
			size += len(l.text)
		}
	}
	sym := func(a uint64) (string, bool) { return "vfs_write+0x17/0x3f0", a%2 == 0 }
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		for _, l := range lines {
			c, err := ParseCode(l.text)
			if err != nil {
				b.Fatal(err)
			}
			insns, err := c.Disassemble(l.m, 0xffffffff812d21b0, sym)
			if err != nil {
				b.Fatal(err)
			}
			out = AppendListing(out[:0], l.m, insns, nil)
		}
	}
}
