package annotate

import (
	"strings"
	"testing"
)

// TestCodeLineFirstBytes keeps observeCode's one-byte gate open for every
// line it reads.
func TestCodeLineFirstBytes(t *testing.T) {
	for _, p := range append([]string{"RAX: ", "EAX: ", "RIP: 0023:"}, ipLines...) {
		if !strings.Contains(codeLineFirstBytes, p[:1]) {
			t.Errorf("codeLineFirstBytes lacks %q, the first byte of %q", p[:1], p)
		}
	}
}

// TestHasPlusHex holds the one-byte search to bytes.Contains.
func TestHasPlusHex(t *testing.T) {
	for _, s := range []string{"", "+", "+0", "+0x", "a+0x1", "++0x", "+0+0x", "+1x+0", "x+0X", "+ 0x", "[  1.0] f+0x1a/0x20", "no plus here"} {
		if got, want := hasPlusHex([]byte(s)), strings.Contains(s, "+0x"); got != want {
			t.Errorf("hasPlusHex(%q) = %v, want %v", s, got, want)
		}
	}
}
