package report

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestLineMatchers: the hand-written matchers say what the patterns they
// stand for say, on the lines of the test logs and the corpus and on
// random lines made of the bytes that matter to them.
func TestLineMatchers(t *testing.T) {
	matchers := []struct {
		name string
		re   *regexp.Regexp
		f    func([]byte) bool
	}{
		{"isRegisterLine", regexp.MustCompile(`^\s*[A-Za-z][A-Za-z0-9]{0,4}\s?: ?[0-9a-f]{8,16}\b`), isRegisterLine},
		{"isHexDumpLine", regexp.MustCompile(`^\s*[0-9a-f]{4,16}: (?: *[0-9a-f]{2,16})+`), isHexDumpLine},
		{"isLinkRegister", regexp.MustCompile(`^\s*(?:lr : |LR is at |ra\s*: |LR \[)`), isLinkRegister},
	}
	var lines [][]byte
	for _, l := range realLines(t) {
		lines = append(lines, l, l[len(l)/2:])
	}
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = " \t\r\v:.-_[(abfgrlxzARLXZ019"
	for range 200000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		lines = append(lines, b)
	}
	// Every sequence of one piece of each group.
	combos := [][]byte{nil}
	for _, pieces := range [][]string{
		{"", "  ", "RAX", "r9 ", "x29", "GPR04", "GPR045", "lr", "LR", "ra", "ra \t", "1ac0", "ffff88801d5b7f00", " 012"},
		{"", " ", ":", ": ", " :", "  : "},
		{"", "0000", "ffff88801d5b", "ffffffff8109b2e8", "ffffffff8109b2e8a", "is at ", "[", " : "},
		{"", " ", "_", ".", "x", "  fa fb", "f", "\n"},
	} {
		var next [][]byte
		for _, c := range combos {
			for _, p := range pieces {
				next = append(next, append(append([]byte(nil), c...), p...))
			}
		}
		combos = next
	}
	lines = append(lines, combos...)
	for _, m := range matchers {
		n := 0
		for _, l := range lines {
			want := m.re.Match(l)
			if got := m.f(l); got != want {
				t.Errorf("%s(%q) = %v, want %v", m.name, l, got, want)
			}
			if want {
				n++
			}
		}
		t.Logf("%s: %d of %d lines", m.name, n, len(lines))
	}
}

// TestTitleRewriteNeeds: what a title rewrite needs is in every match of
// its pattern.
func TestTitleRewriteNeeds(t *testing.T) {
	for i := range titleRewrites {
		r := &titleRewrites[i]
		if r.needs == "" {
			continue
		}
		found := false
		for _, l := range requiredLiterals(r.re.Src) {
			found = found || strings.Contains(l, r.needs)
		}
		if !found {
			t.Errorf("%q: not every match holds %q", r.re.Src, r.needs)
		}
	}
}

// TestTitleRewriteMay: a title that a rewrite's pattern matches passes
// its may test, and normalizeTitle gives what applying every rewrite twice
// gives, on the lines of the test logs and the corpus, cut where titles
// are cut.
func TestTitleRewriteMay(t *testing.T) {
	slow := func(s string) string {
		for i := range titleRewrites {
			r := &titleRewrites[i]
			for range 2 {
				s = r.re.Get().ReplaceAllString(s, r.with)
			}
		}
		return cleanTitle(s)
	}
	lines := realLines(t)
	for i, l := range lines {
		if i%3 == 0 && len(l) > 40 {
			lines[i] = l[len(l)/3:]
		}
	}
	for _, l := range lines {
		s := string(l)
		for i := range titleRewrites {
			r := &titleRewrites[i]
			if r.may != nil && r.re.Get().MatchString(s) && !r.may(s) {
				t.Fatalf("%q matches %q, but fails its may test", s, r.re.Src)
			}
		}
		if got, want := normalizeTitle(s), slow(s); got != want {
			t.Fatalf("normalizeTitle(%q) = %q, want %q", s, got, want)
		}
	}
}
