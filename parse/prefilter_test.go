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
