package parse

import (
	"bytes"
	"fmt"
	"math/bits"
)

// A literalSet finds which of a few dozen literals occur in a text, in one
// pass over its bytes. The formats, cues and facts of a line are each
// guarded by a literal; asking bytes.Contains for each in turn reads a
// line with hex digits twenty times over, and most such lines (a boot's
// "[mem 0x...]" ranges) hold none of them.
//
// Every literal is at least two bytes long: the pass tests each pair of
// neighbouring bytes against a bitmap of the literals' first two bytes, and
// compares the whole literal only where one starts.
type literalSet struct {
	lits  []string
	pairs [1 << 16 / 64]uint64 // bit p: some literal starts with the pair p
	// starts lists, by pair, the literals that start with it (bit i:
	// lits[i]); a literal's first pair is rare in log text, so the list is
	// short and found by a linear walk.
	starts []pairStart
}

type pairStart struct {
	pair uint16
	lits uint64
}

// maxLiterals is the size of the bitmask Find returns.
const maxLiterals = 64

// newLiteralSet compiles lits (each at least two bytes, at most 64 of
// them); the bit i of Find's answer stands for lits[i].
func newLiteralSet(lits ...string) *literalSet {
	if len(lits) > maxLiterals {
		panic(fmt.Sprintf("literalSet: %d literals, at most %d", len(lits), maxLiterals))
	}
	s := &literalSet{lits: lits}
	for i, l := range lits {
		if len(l) < 2 {
			panic(fmt.Sprintf("literalSet: literal %q is shorter than two bytes", l))
		}
		p := pairAt(l, 0)
		s.pairs[p>>6] |= 1 << (p & 63)
		found := false
		for k := range s.starts {
			if s.starts[k].pair == p {
				s.starts[k].lits |= 1 << i
				found = true
			}
		}
		if !found {
			s.starts = append(s.starts, pairStart{pair: p, lits: 1 << i})
		}
	}
	return s
}

func pairAt[T string | []byte](b T, i int) uint16 {
	return uint16(b[i]) | uint16(b[i+1])<<8
}

// Find returns the set of literals that occur in b, bit i for lits[i].
func (s *literalSet) Find(b []byte) uint64 {
	var found uint64
	for i := 0; i+1 < len(b); i++ {
		p := pairAt(b, i)
		if s.pairs[p>>6]&(1<<(p&63)) == 0 {
			continue
		}
		found |= s.startingAt(b[i:], p, found)
	}
	return found
}

// Prefix returns the set of literals that b starts with.
func (s *literalSet) Prefix(b []byte) uint64 {
	if len(b) < 2 {
		return 0
	}
	p := pairAt(b, 0)
	if s.pairs[p>>6]&(1<<(p&63)) == 0 {
		return 0
	}
	return s.startingAt(b, p, 0)
}

// First returns the index of the first literal (in the set's order) that b
// starts with, or -1.
func (s *literalSet) First(b []byte) int {
	m := s.Prefix(b)
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}

// startingAt returns the literals that b starts with, of those whose first
// pair is p and that are not in known already.
func (s *literalSet) startingAt(b []byte, p uint16, known uint64) uint64 {
	var found uint64
	for _, st := range s.starts {
		if st.pair != p {
			continue
		}
		for m := st.lits &^ known; m != 0; m &= m - 1 {
			i := bits.TrailingZeros64(m)
			if bytes.HasPrefix(b, []byte(s.lits[i])) {
				found |= 1 << i
			}
		}
	}
	return found
}

// bit returns the mask of the literal l, which must be in the set.
func (s *literalSet) bit(l string) uint64 {
	for i, x := range s.lits {
		if x == l {
			return 1 << i
		}
	}
	panic(fmt.Sprintf("literalSet: %q is not in the set", l))
}
