package disasm

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decompileMachine maps the directories of syzkaller's decompile pairs to
// machines.
var decompileMachine = map[string]string{"amd64": "x86-64", "arm64": "arm64", "arm": "arm"}

// decompileLine is a line of syzkaller's disassembly block:
// "* 2a:\t48 f7 f5             \tdiv    %rbp <-- trapping instruction",
// offsets from the first byte of the dump.
var decompileLine = regexp.MustCompile(`^(\*| ) *([0-9a-f]+):\t([0-9a-f ]+?) *\t(.*?)(?: <-- trapping instruction)?$`)

// TestDecompilePairs compares Disassemble with the expected output of
// syzkaller's decompile pairs (../shared/corpus/syzkaller/decompile, read
// in place): the .out files that differ from their .in end with the
// objdump disassembly of the first Code: line. Boundaries, mnemonics
// (normalised as for TestObjdump) and the trapping instruction must agree.
func TestDecompilePairs(t *testing.T) {
	outs, _ := filepath.Glob("../../../shared/corpus/syzkaller/decompile/*/*.out")
	if len(outs) == 0 {
		t.Skip("../shared is not beside the checkout")
	}
	pairs := 0
	for _, out := range outs {
		machine := decompileMachine[filepath.Base(filepath.Dir(out))]
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		in, err := os.ReadFile(strings.TrimSuffix(out, ".out") + ".in")
		if err != nil {
			t.Fatal(err)
		}
		block, ok := bytes.CutPrefix(want[len(in):], []byte("----------------\nCode disassembly (best guess):\n"))
		if !ok {
			continue // nothing expected: the pair checks that nothing is added
		}
		pairs++
		var code Code
		for _, line := range bytes.Split(in, []byte("\n")) {
			if start, ok := FindCode(line); ok {
				if code, err = ParseCode(line[start:]); err == nil {
					break
				}
			}
		}
		if code.Bytes == nil {
			t.Fatalf("%s: no Code: line", out)
		}
		got, err := code.Disassemble(machines[machine], 0, nil)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		byOff := map[int]Insn{}
		for _, g := range got {
			byOff[g.Off+code.Trap] = g
		}
		n := 0
		for _, l := range strings.Split(strings.TrimRight(string(block), "\n"), "\n") {
			m := decompileLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: unreadable line %q", out, l)
				continue
			}
			off, _ := strconv.ParseUint(m[2], 16, 32)
			size := 0
			for _, h := range strings.Fields(m[3]) {
				size += len(h) / 2
			}
			text := strings.Join(strings.Fields(m[4]), " ")
			g, ok := byOff[int(off)]
			switch {
			case !ok:
				t.Errorf("%s: %#x: no instruction starts here, syzkaller's objdump: %q", out, off, text)
			case len(g.Bytes) != size || g.Kind != Decoded || mnemonic(machine, g.Text) != mnemonic(machine, text) || g.Trap != (m[1] == "*"):
				t.Errorf("%s: %#x: %d bytes %q (trap %v), syzkaller's objdump: %d bytes %q (trap %v)", out, off, len(g.Bytes), g.Text, g.Trap, size, text, m[1] == "*")
			default:
				n++
			}
		}
		t.Logf("%s: %d instructions agree", out, n)
	}
	if pairs == 0 {
		t.Error("no decompile pair expects a disassembly")
	}
}
