package disasm

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/codelines from the logs (when ../shared is there) and testdata/objdump from objdump (when it is installed and knows the architectures)")

// objdumpMachine is objdump's -m for each machine.
var objdumpMachine = map[string]string{
	"x86-64": "i386:x86-64",
	"i386":   "i386",
	"arm64":  "aarch64",
	"arm":    "arm",
}

// An objInsn is one instruction as objdump printed it: its offset from the
// trapping byte, its length and its text (mnemonic and operands, runs of
// blanks made one space).
type objInsn struct {
	off, len int
	text     string
}

// objdumpLine matches an instruction line of objdump -D on a raw binary:
// "  2a:\t48 f7 f5             \tdiv    %rbp". A long x86 instruction's
// bytes go on over lines of bytes alone, which the group for the text
// leaves empty.
var objdumpLine = regexp.MustCompile(`^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$`)

// runObjdump disassembles b with objdump as machine and returns its
// instructions with offsets relative to base.
func runObjdump(t *testing.T, machine string, b []byte, base int) []objInsn {
	f := filepath.Join(t.TempDir(), "code.bin")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// -z: objdump otherwise skips runs of zero bytes.
	out, err := exec.Command("objdump", "-z", "-D", "-b", "binary", "-m", objdumpMachine[machine], f).Output()
	if err != nil {
		t.Fatalf("objdump -m %s: %v", objdumpMachine[machine], err)
	}
	var insns []objInsn
	for _, l := range strings.Split(string(out), "\n") {
		m := objdumpLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		off, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range strings.Fields(m[2]) {
			n += len(h) / 2
		}
		text := strings.Join(strings.Fields(m[3]), " ")
		if text == "" && len(insns) > 0 {
			insns[len(insns)-1].len += n // a continuation line of bytes
			continue
		}
		insns = append(insns, objInsn{off: int(off) + base, len: n, text: text})
	}
	return insns
}

// objdumpBad reports whether objdump's text says its bytes are no
// instruction: "(bad)" (alone, after prefixes as in "lock (bad)", or with
// the operands it could read), ".byte 0x8b", a prefix it printed alone
// because what follows is no instruction or is cut off ("rex.W",
// "data16", "cs"), ARM's "<UNDEFINED> instruction" and aarch64's
// "; undefined".
func objdumpBad(text string) bool {
	if strings.HasPrefix(text, ".byte") || strings.Contains(text, "UNDEFINED") || strings.HasSuffix(text, "; undefined") {
		return true
	}
	for _, w := range strings.Fields(text) {
		switch {
		case strings.HasPrefix(w, "(bad)"):
			return true
		case !x86Prefixes[w] && !strings.HasPrefix(w, "rex"):
			return false
		}
	}
	return true
}

// x86Prefixes are the prefix names objdump prints before a mnemonic (or
// alone).
var x86Prefixes = map[string]bool{
	"lock": true, "rep": true, "repz": true, "repnz": true, "repe": true, "repne": true,
	"data16": true, "data32": true, "addr16": true, "addr32": true,
	"cs": true, "ds": true, "es": true, "fs": true, "gs": true, "ss": true,
	"bnd": true, "notrack": true, "xacquire": true, "xrelease": true,
}

// objdumpReading is objdump's reading of one Code: line: the offset it
// starts decoding at (relative to the trapping byte) and its instructions
// from there.
type objdumpReading struct {
	start int
	insns []objInsn
}

// readObjdump makes objdump read a Code: line the way Disassemble does.
// For x86 it applies the same rule for where to start, with objdump as the
// decoder: the earliest offset from which objdump's instructions, none of
// them bad, land exactly on the trapping byte. So the golden file holds
// objdump's own answer to the start question, not ours.
func readObjdump(t *testing.T, l codeLine) objdumpReading {
	c, err := ParseCode([]byte(l.text))
	if err != nil {
		t.Fatalf("%s: %v", l.source, err)
	}
	if l.machine != "x86-64" && l.machine != "i386" {
		return objdumpReading{start: -c.Trap, insns: runObjdump(t, l.machine, c.Bytes, -c.Trap)}
	}
	for s := 0; s < c.Trap; s++ {
		insns := runObjdump(t, l.machine, c.Bytes[s:], s-c.Trap)
		good := false
		for _, in := range insns {
			if in.off == 0 {
				good = true
				break
			}
			if in.off > 0 || objdumpBad(in.text) {
				break
			}
		}
		if good {
			return objdumpReading{start: s - c.Trap, insns: insns}
		}
	}
	return objdumpReading{start: 0, insns: runObjdump(t, l.machine, c.Bytes[c.Trap:], 0)}
}

// The golden files hold, for each Code: line, a header "== machine text",
// "start -0x2a", then one "offset length text" line per instruction, and
// a blank line.

func writeGolden(t *testing.T, name string, lines []codeLine, readings []objdumpReading) {
	var b bytes.Buffer
	b.WriteString("# objdump -z -D -b binary (GNU binutils) on each Code: line of ../codelines, from the start it finds\n")
	b.WriteString("# as Disassemble does: \"== machine text\", \"start offset\", then \"offset length objdump's text\",\n")
	b.WriteString("# offsets relative to the trapping byte. Regenerated by go test -run TestObjdump -update.\n")
	for i, l := range lines {
		fmt.Fprintf(&b, "== %s %s\nstart %#x\n", l.machine, l.text, readings[i].start)
		for _, in := range readings[i].insns {
			fmt.Fprintf(&b, "%#x %d %s\n", in.off, in.len, in.text)
		}
		b.WriteString("\n")
	}
	writeTestFile(t, name, b.Bytes())
}

// readGolden returns the readings of a golden file by "machine text".
func readGolden(t *testing.T, name string) map[string]objdumpReading {
	out := map[string]objdumpReading{}
	var key string
	var cur objdumpReading
	for i, l := range strings.Split(string(readTestFile(t, name)), "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "== "):
			key = l[3:]
			cur = objdumpReading{}
		case strings.HasPrefix(l, "start "):
			v, err := strconv.ParseInt(l[6:], 0, 32)
			if err != nil {
				t.Fatalf("%s:%d: %v", name, i+1, err)
			}
			cur.start = int(v)
		case l == "":
			if key != "" {
				out[key] = cur
			}
			key = ""
		default:
			f := strings.SplitN(l, " ", 3)
			if len(f) < 2 {
				t.Fatalf("%s:%d: want offset, length and text", name, i+1)
			}
			off, err1 := strconv.ParseInt(f[0], 0, 32)
			n, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil {
				t.Fatalf("%s:%d: bad offset or length", name, i+1)
			}
			text := ""
			if len(f) == 3 {
				text = f[2]
			}
			cur.insns = append(cur.insns, objInsn{off: int(off), len: n, text: text})
		}
	}
	return out
}

// haveObjdump reports whether objdump is installed and knows every
// machine (Debian's binutils-multiarch; plain binutils knows x86 only).
func haveObjdump() bool {
	out, err := exec.Command("objdump", "--help").Output()
	if err != nil {
		return false
	}
	for _, m := range objdumpMachine {
		if !bytes.Contains(out, []byte(" "+m+" ")) && !bytes.Contains(out, []byte(" "+m+"\n")) {
			return false
		}
	}
	return true
}

// TestObjdump compares Disassemble with objdump's reading of every real
// Code: line: the same start, the same instruction boundaries, the same
// mnemonics (see mnemonic for the notations that differ), and bad bytes
// where objdump finds no instruction. -update regenerates the golden files
// from objdump when it is installed with every architecture.
func TestObjdump(t *testing.T) {
	for _, set := range codeSets {
		t.Run(set.name, func(t *testing.T) {
			lines := readCodeLines(t, set.lines)
			if *update {
				if !haveObjdump() {
					t.Fatal("-update needs objdump with x86, aarch64 and arm (Debian: binutils-multiarch)")
				}
				var readings []objdumpReading
				for _, l := range lines {
					readings = append(readings, readObjdump(t, l))
				}
				writeGolden(t, set.golden, lines, readings)
			}
			golden := readGolden(t, set.golden)
			var total comparison
			lineOK := 0
			for _, l := range lines {
				want, ok := golden[l.machine+" "+l.text]
				if !ok {
					t.Errorf("%s: no objdump reading in %s; run go test -run TestObjdump -update", l.source, set.golden)
					continue
				}
				c, err := ParseCode([]byte(l.text))
				if err != nil {
					t.Errorf("%s: %v", l.source, err)
					continue
				}
				got, err := c.Disassemble(machines[l.machine], 0, nil)
				if err != nil {
					t.Errorf("%s: %v", l.source, err)
					continue
				}
				cmp := compareObjdump(l.machine, c, got, want)
				total.add(cmp)
				if len(cmp.diffs) == 0 {
					lineOK++
					continue
				}
				t.Errorf("%s: %s %s: disagrees with objdump:\n\t%s", l.source, l.machine, l.text, strings.Join(cmp.diffs, "\n\t"))
			}
			t.Logf("%d Code: lines, %d agree with objdump in full; of objdump's %d instructions %d agree, and these are not compared: %v; %d disagreements",
				len(lines), lineOK, total.objdump, total.agreed, total.waived, len(total.diffs))
			if total.agreed == 0 {
				t.Error("nothing was compared")
			}
		})
	}
}

// A comparison is the outcome of compareObjdump.
type comparison struct {
	objdump int            // objdump's instructions
	agreed  int            // of those, ones Disassemble agrees with
	waived  map[string]int // of those, ones not compared, by reason
	diffs   []string       // disagreements
}

func (c *comparison) waive(reason string) {
	if c.waived == nil {
		c.waived = map[string]int{}
	}
	c.waived[reason]++
}

func (c *comparison) add(o comparison) {
	c.objdump += o.objdump
	c.agreed += o.agreed
	c.diffs = append(c.diffs, o.diffs...)
	for k, v := range o.waived {
		c.waive(k)
		c.waived[k] += v - 1
	}
}

// The reasons an objdump instruction is not compared. Each is a place
// where the two decoders say the same thing about the bytes, no
// instruction here, and then differ on where the next one starts, or a
// known gap of x86asm; compareObjdump checks the condition each time.
const (
	// The dump ends inside an instruction: both find no whole instruction
	// at its start (checked); objdump then goes on decoding from the next
	// byte into what were the cut instruction's operands.
	waiveTruncated = "after a cut-off last instruction"
	// Both find bad bytes at the same offset (checked) but skip different
	// numbers of them (x86asm one byte; objdump, for a bad VEX prefix,
	// three): what follows until they meet on a boundary again is two
	// readings of garbage.
	waiveResync = "after bad bytes, until the readings meet again"
	// objdump decodes an AVX instruction (a VEX or EVEX prefix, c4, c5 or
	// 62, then a "v" mnemonic) that x86asm v0.33.0 does not know; it is
	// bad bytes here. Such instructions are rare in kernel code (the
	// kernel uses no FPU state outside kernel_fpu_begin).
	waiveAVX = "AVX instruction x86asm does not know"
)

// compareObjdump compares Disassemble's reading of code c with objdump's.
func compareObjdump(machine string, c Code, got []Insn, want objdumpReading) comparison {
	var cmp comparison
	cmp.objdump = len(want.insns)
	start := 0
	ours := map[int]Insn{}
	truncAt := len(c.Bytes) // offset of a Truncated instruction, if any, from the trapping byte
	for i, in := range got {
		switch {
		case in.Kind == Undecoded:
			start = in.Off + len(in.Bytes)
		case i == 0:
			start = in.Off
		}
		if in.Kind == Truncated {
			truncAt = in.Off
		}
		ours[in.Off] = in
	}
	theirs := map[int]objInsn{}
	for _, w := range want.insns {
		theirs[w.off] = w
	}
	if start != want.start {
		cmp.diffs = append(cmp.diffs, fmt.Sprintf("starts at %#x, objdump at %#x", start, want.start))
		return cmp
	}
	// nextCommon is the first offset after off where both readings have
	// an instruction boundary, or the end of the bytes.
	nextCommon := func(off int) int {
		for o := off + 1; o < len(c.Bytes)-c.Trap; o++ {
			_, a := ours[o]
			_, b := theirs[o]
			if a && b {
				return o
			}
		}
		return len(c.Bytes) - c.Trap
	}
	waiveUntil, reason := start, ""
	var skipped [][2]int // stretches (from, until) where the readings are not compared
	resync := func(off int, why string) {
		waiveUntil, reason = nextCommon(off), why
		skipped = append(skipped, [2]int{off, waiveUntil})
	}
	for _, w := range want.insns {
		if w.off < waiveUntil {
			cmp.waive(reason)
			continue
		}
		if w.off > truncAt || w.off == truncAt && !objdumpBad(w.text) {
			if w.off == truncAt {
				cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: truncated, objdump: %d bytes %q", w.off, w.len, w.text))
			} else {
				cmp.waive(waiveTruncated)
			}
			continue
		}
		g, ok := ours[w.off]
		switch {
		case !ok:
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: no instruction starts here, objdump: %d bytes %q", w.off, w.len, w.text))
		case g.Kind == Truncated:
			cmp.agreed++ // objdumpBad, checked above
		case g.Kind == Bad && objdumpBad(w.text):
			cmp.agreed++
			if len(g.Bytes) != w.len {
				resync(w.off, waiveResync)
			}
		case g.Kind == Bad && isAVX(c, w):
			cmp.waive(waiveAVX)
			resync(w.off, waiveResync)
		case len(g.Bytes) != w.len:
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: %d bytes %q, objdump: %d bytes %q", w.off, len(g.Bytes), g.Text, w.len, w.text))
		case (g.Kind == Bad) != objdumpBad(w.text):
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: %q, objdump: %q", w.off, g.Text, w.text))
		case g.Kind == Decoded && mnemonic(machine, g.Text) != mnemonic(machine, w.text):
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: mnemonic %q (%q), objdump: %q (%q)", w.off, mnemonic(machine, g.Text), g.Text, mnemonic(machine, w.text), w.text))
		case g.Kind == Decoded && !hasSegments(g.Text, segmentWords(w.text)):
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: %q lacks the segment of objdump's %q", w.off, g.Text, w.text))
		default:
			cmp.agreed++
		}
	}
	// Every instruction of ours where objdump's reading was compared must
	// be one of objdump's.
	for _, g := range got {
		if g.Kind == Undecoded || g.Off >= truncAt {
			continue
		}
		if slices.ContainsFunc(skipped, func(r [2]int) bool { return g.Off > r[0] && g.Off < r[1] }) {
			continue
		}
		if _, ok := theirs[g.Off]; !ok {
			cmp.diffs = append(cmp.diffs, fmt.Sprintf("%#x: %q, objdump has no instruction here", g.Off, g.Text))
		}
	}
	return cmp
}

// isAVX reports whether objdump's instruction w is a VEX- or
// EVEX-encoded AVX one.
func isAVX(c Code, w objInsn) bool {
	first := c.Bytes[c.Trap+w.off]
	return (first == 0xc4 || first == 0xc5 || first == 0x62) && strings.HasPrefix(w.text, "v")
}

// mnemonic is the mnemonic of an instruction's text for comparison, with
// the prefixes that change what it does ("lock cmpxchg", "rep stos").
// Two notations differ in structure, not in what they say, and are made
// one here:
//   - x86 segment overrides: objdump writes one as a prefix word when it
//     prints it apart from the operand ("cs nopw 0x0(%rax,%rax,1)",
//     "es add (%rax),%al"), x86asm always inside the memory operand
//     ("nopw %cs:(%rax,%rax)"). The word is dropped here; compareObjdump
//     checks that x86asm's operand has the segment instead.
//   - x86 REX prefixes with bits the instruction does not use: objdump
//     shows them ("rex.RB shlb 0x48(%r13)"), x86asm applies them
//     silently. They change nothing and are dropped.
//   - ARM's "stmia"/"ldmia" (increment after, the default) are "stm"/"ldm"
//     in x/arch's unified syntax; objdump writes either, by context.
func mnemonic(machine string, text string) string {
	var keep []string
	for _, w := range strings.Fields(text) {
		switch {
		case machine != "x86-64" && machine != "i386":
			keep = append(keep, w)
		case x86Segments[w] || strings.HasPrefix(w, "rex"):
			continue
		case x86Prefixes[w]:
			keep = append(keep, w)
			continue
		default:
			keep = append(keep, w)
		}
		break
	}
	mn := strings.Join(keep, " ")
	if machine == "arm" {
		for _, m := range []string{"stm", "ldm"} {
			if rest, ok := strings.CutPrefix(mn, m+"ia"); ok {
				mn = m + rest
			}
		}
	}
	return mn
}

// x86Segments are the segment-override prefix words.
var x86Segments = map[string]bool{"cs": true, "ds": true, "es": true, "fs": true, "gs": true, "ss": true}

// segmentWords returns the segment-override words objdump put before the
// mnemonic.
func segmentWords(text string) []string {
	var segs []string
	for _, w := range strings.Fields(text) {
		if !x86Segments[w] && !x86Prefixes[w] && !strings.HasPrefix(w, "rex") {
			break
		}
		if x86Segments[w] {
			segs = append(segs, w)
		}
	}
	return segs
}

// hasSegments reports whether an x86asm text has every segment override,
// in its operands ("%cs:") or, for an instruction with no memory operand,
// as a prefix word.
func hasSegments(text string, segs []string) bool {
	for _, s := range segs {
		if !strings.Contains(text, "%"+s+":") && !slices.Contains(segmentWords(text), s) {
			return false
		}
	}
	return true
}
