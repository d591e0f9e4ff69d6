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
