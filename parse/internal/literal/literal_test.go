package literal

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestSetIsContains holds Find and Prefix to bytes.Contains and
// bytes.HasPrefix, on random texts over the literals' own bytes (so that
// near misses abound) and on the literals planted at the edges.
func TestSetIsContains(t *testing.T) {
	lits := []string{"IP", "IP: ", "RIP: ", " : ", "0x", "[<", "C is at ", "Call trace:", "PSW", "ab", "aba", "bab"}
	s := New(lits...)
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("IPR: 0x[<Cisat Caltrce:PSWab\n")
	var texts [][]byte
	for range 20000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		texts = append(texts, b)
	}
	for _, l := range lits {
		texts = append(texts, []byte(l), []byte("x"+l), []byte(l+"x"), []byte(l[:len(l)-1]))
	}
	for _, b := range texts {
		found, prefix, first := s.Find(b), s.Prefix(b), s.First(b)
		wantFirst := -1
		for i, l := range lits {
			if got, want := found&(1<<i) != 0, bytes.Contains(b, []byte(l)); got != want {
				t.Errorf("Find(%q) has %q: %v, want %v", b, l, got, want)
			}
			has := bytes.HasPrefix(b, []byte(l))
			if got := prefix&(1<<i) != 0; got != has {
				t.Errorf("Prefix(%q) has %q: %v, want %v", b, l, got, has)
			}
			if has && wantFirst < 0 {
				wantFirst = i
			}
		}
		if first != wantFirst {
			t.Errorf("First(%q) = %d, want %d", b, first, wantFirst)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	for _, lits := range [][]string{{"a"}, make([]string, Max+1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%q) did not panic", lits)
				}
			}()
			New(lits...)
		}()
	}
}
