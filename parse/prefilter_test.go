package parse

import (
	"bytes"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
)

// realLines returns the lines of the real logs (the repository's consoles,
// and the fixtures and corpora when ../shared is beside the checkout) and
// of the token cases.
func realLines(t *testing.T) [][]byte {
	t.Helper()
	var lines [][]byte
	for _, f := range realLogs() {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, bytes.Split(b, []byte("\n"))...)
	}
	for _, tc := range tokenCases {
		lines = append(lines, []byte(tc.line))
	}
	if len(lines) < 1000 {
		t.Fatalf("only %d real lines", len(lines))
	}
	return lines
}

// TestLiteralSetIsContains checks the one-pass literal finder against
// bytes.Contains and bytes.HasPrefix for every literal, on real lines and
// on lines with the literals planted at the edges.
func TestLiteralSetIsContains(t *testing.T) {
	lines := realLines(t)
	for _, l := range lineLiterals.Literals() {
		lines = append(lines, []byte(l), []byte("x"+l), []byte(l+"x"), []byte(l[:len(l)-1]))
	}
	for _, line := range lines {
		found, prefix := lineLiterals.Find(line), lineLiterals.Prefix(line)
		for i, l := range lineLiterals.Literals() {
			if got, want := found&(1<<i) != 0, bytes.Contains(line, []byte(l)); got != want {
				t.Errorf("Find(%q) has %q: %v, want %v", line, l, got, want)
			}
			if got, want := prefix&(1<<i) != 0, bytes.HasPrefix(line, []byte(l)); got != want {
				t.Errorf("Prefix(%q) has %q: %v, want %v", line, l, got, want)
			}
		}
	}
}

// TestMayHoldAddress checks the word-at-a-time test against the byte loop
// it replaces, on real lines and on random runs of digits around the
// eight-byte word boundaries.
func TestMayHoldAddress(t *testing.T) {
	reference := func(b []byte) bool {
		run := 0
		for _, c := range b {
			if isHexByte(c) {
				if run++; run >= minAddressDigits {
					return true
				}
			} else {
				run = 0
			}
		}
		return false
	}
	lines := realLines(t)
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("0123456789abcdefABCDEF gG:xX\x80\xff\xe9/-_\x00\x30\xb0\x46\xc6")
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		lines = append(lines, b)
	}
	for _, line := range lines {
		if got, want := mayHoldAddress(line), reference(line); got != want {
			t.Errorf("mayHoldAddress(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestRegisterLinesAsRegexp checks the hand-written register dump tests
// against the regexps they stand for, on real lines.
func TestRegisterLinesAsRegexp(t *testing.T) {
	var names []string
	for n := range registerNames {
		names = append(names, n)
	}
	alt := strings.Join(names, "|")
	regs := regexp.MustCompile(`^\s*(?:` + alt + `)\s?: ?(?:[0-9a-f]{8}|[0-9a-f]{16})\b`)
	regValues := regexp.MustCompile(`(?:^|\s)(?:` + alt + `)\s?: ?([0-9a-f]{8}|[0-9a-f]{16})\b`)
	gpr := regexp.MustCompile(`^\s*GPR\d\d: `)
	gprVals := regexp.MustCompile(`\s([0-9a-f]{8}|[0-9a-f]{16})\b`)
	var lines [][]byte
	for _, l := range realLines(t) {
		lines = append(lines, l, l[SplitPrefix(l):]) // the parser tests the kernel's text
	}
	lines = append(lines, []byte("r1 : 00000000 r10: 0000000000000000"), []byte(" RAX: 00000000000000000"),
		[]byte("GPR04: c000000001234567 0000000000000000 12345678g 1234abcd"))
	spans := func(re *regexp.Regexp, b []byte) [][2]int {
		var out [][2]int
		for _, m := range re.FindAllSubmatchIndex(b, -1) {
			out = append(out, [2]int{m[2], m[3]})
		}
		return out
	}
	same := func(a, b [][2]int) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	seen := 0
	for _, line := range lines {
		if got, want := opensWithRegister(line), regs.Match(line); got != want {
			t.Errorf("opensWithRegister(%q) = %v, want %v", line, got, want)
		} else if got {
			seen++
			if got, want := registerValues(line, nil), spans(regValues, line); !same(got, want) {
				t.Errorf("registerValues(%q) = %v, want %v", line, got, want)
			}
		}
		if got, want := opensWithGPR(line), gpr.Match(line); got != want {
			t.Errorf("opensWithGPR(%q) = %v, want %v", line, got, want)
		} else if got {
			if got, want := gprValues(line, nil), spans(gprVals, line); !same(got, want) {
				t.Errorf("gprValues(%q) = %v, want %v", line, got, want)
			}
		}
	}
	if seen < 10 {
		t.Errorf("only %d register lines among the real lines", seen)
	}
}

// TestPrefixFirstBytes checks that no prefix format matches a line that
// starts with a byte outside its first set, on real lines and on every
// line that some format matches with its first byte changed.
func TestPrefixFirstBytes(t *testing.T) {
	for _, line := range realLines(t) {
		for n := 0; n < len(line); {
			progressed := false
			for _, f := range prefixFormats {
				k := f.match(line[n:])
				if k == 0 {
					continue
				}
				if !strings.Contains(f.first, string(line[n:n+1])) {
					t.Errorf("%s matches %q, which starts outside %q", f.name, line[n:], f.first)
				}
				n += k
				progressed = true
				break
			}
			if !progressed {
				break
			}
		}
	}
}

// releaseAfterTaintRE is what releaseAfterTaint finds, as a regular
// expression: the definition the hand-written matcher is held to.
var releaseAfterTaintRE = regexp.MustCompile(`(?:Not tainted|Tainted: [A-Z ]*?) +\(?([0-9][^ ()#]*) #`)

// piecedTexts returns n texts of up to most of pieces each, drawn at
// random (from seed): the near misses of a matcher abound among them.
func piecedTexts(seed uint64, n, most int, pieces ...string) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	texts := make([][]byte, n)
	for i := range texts {
		var b []byte
		for range r.IntN(most) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		texts[i] = b
	}
	return texts
}

func checkReleaseAfterTaint(t *testing.T, line []byte) {
	t.Helper()
	s, e, ok := releaseAfterTaint(line)
	m := releaseAfterTaintRE.FindSubmatchIndex(line)
	if ok != (m != nil) || ok && (s != m[2] || e != m[3]) {
		t.Errorf("releaseAfterTaint(%q) = %d, %d, %v; the expression finds %v", line, s, e, ok, m)
	}
}

// TestReleaseAfterTaint holds the task line's release finder to its
// regular expression on real lines, and on lines made of the pieces it
// looks for, near misses included.
func TestReleaseAfterTaint(t *testing.T) {
	lines := realLines(t)
	lines = append(lines, piecedTexts(1, 50000, 8, "Not tainted", "Not  tainted", "Tainted: ", "Tainted:", "tainted ", "G", "W", "OE", " ", "  ", "(", ")",
		"6.1.0-56-amd64", "2.6.18", "#1", " #", "#", "Debian", "x", "9")...)
	for _, line := range lines {
		checkReleaseAfterTaint(t, line)
	}
}

func FuzzReleaseAfterTaint(f *testing.F) {
	f.Add([]byte("CPU: 1 PID: 131 Comm: init Tainted: G        W  OE      6.1.0-56-amd64 #1 Debian 6.1.192-2"))
	f.Add([]byte("Pid: 1, comm: swapper Not tainted 2.6.32-5-amd64 #1"))
	f.Add([]byte("Tainted: P      (2.6.18 #1)"))
	f.Fuzz(func(t *testing.T, line []byte) { checkReleaseAfterTaint(t, line) })
}

// moduleNoteRE is what isModuleNote reports, as a regular expression.
var moduleNoteRE = regexp.MustCompile(`^\[(?:[\w-]+\+0x[0-9a-f]+|in unloaded module [\w-]+\?)\]`)

// TestIsModuleNote holds the module note matcher to its regular
// expression, on the text after every blank of the real lines and on
// texts made of the pieces it looks for.
func TestIsModuleNote(t *testing.T) {
	var texts [][]byte
	for _, line := range realLines(t) {
		for i, c := range line {
			if c == ' ' {
				texts = append(texts, line[i+1:])
			}
		}
	}
	for _, s := range []string{"[oopsdemo+0x1a2]", "[in unloaded module oopsdemo_uaf?]", "[snd-hda+0xff] x", "[in unloaded module ?]", "[+0x1]", "[a+0x]"} {
		texts = append(texts, []byte(s))
	}
	texts = append(texts, piecedTexts(5, 50000, 7, "[", "]", "in unloaded module ", "in unloaded module", "oopsdemo", "snd-hda", "_x",
		"+0x", "+0X", "1a2", "ff", "G", "?", "?]", " ")...)
	for _, b := range texts {
		if got, want := isModuleNote(b), moduleNoteRE.Match(b); got != want {
			t.Errorf("isModuleNote(%q) = %v, the expression says %v", b, got, want)
		}
	}
}

// TestFormatPrefilters holds each line format's cheap tests (its literals
// and pre) to its expression: no line the expression matches may be turned
// away, on the real lines and on the ARM unwinder's shapes.
func TestFormatPrefilters(t *testing.T) {
	lines := realLines(t)
	for _, s := range []string{" callee from caller+0x10/0x28 [mod]", " 0xbf005000 from 0xbf0050b8", "\tfoo [m-od] from bar",
		"$x.y from ", "0x from z", "9abc from z", "foo  from bar", "foo [] from bar", "foo [mod]from bar",
		"\f0x12", " ? 0xffff", "x  ? 0xffff  ", "x 0x12", "ab  0x1g", "a\t\t0xdead\t", "a  ?  0x1", "a ? 0x1", "  0x", "0x"} {
		lines = append(lines, []byte(s))
	}
	for _, line := range lines {
		body := line[SplitPrefix(line):]
		found := lineLiterals.Find(body)
		for i := range lineFormats {
			f := &lineFormats[i]
			m := literalMasks[i]
			passes := found&m.need == m.need && (m.any == 0 || found&m.any != 0) && (f.pre == nil || f.pre(body))
			if !passes && f.re.Get().Match(body) {
				t.Errorf("format %q turns away %q, which its expression matches", f.name, body)
			}
		}
	}
}
