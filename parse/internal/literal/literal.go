// Package literal finds which of a few dozen literals occur in a text, in
// one pass over its bytes. The parsers guard their formats, cues, facts
// and report words with literals; asking bytes.Contains for each in turn
// reads a line twenty times over, and most lines hold none of them.
package literal

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
)

// A Set finds which of its literals occur in a text.
//
// Every literal is at least two bytes long: the pass tests each pair of
// neighbouring bytes against a bitmap of the literals' first two bytes, and
// compares the whole literal only where one starts.
type Set struct {
	lits  []string
	pairs [1 << 16 / 64]uint64 // bit p: some literal starts with the pair p
	// starts lists, by pair, the literals that start with it (bit i:
	// lits[i]), sorted by the pair's first byte; byFirst[c] is the run of
	// starts whose pair begins with c. A pair found in the text is looked
	// for among the few of its first byte, not among them all.
	starts  []pairStart
	byFirst [256]struct{ lo, hi uint8 }
}

type pairStart struct {
	pair uint16
	lits uint64
}

// Max is the most literals a Set holds: the bits of what Find returns.
const Max = 64

// New compiles lits (each at least two bytes, at most 64 of
// them); the bit i of Find's answer stands for lits[i].
func New(lits ...string) *Set {
	if len(lits) > Max {
		panic(fmt.Sprintf("literal: %d literals, at most %d", len(lits), Max))
	}
	s := &Set{lits: lits}
	for i, l := range lits {
		if len(l) < 2 {
			panic(fmt.Sprintf("literal: literal %q is shorter than two bytes", l))
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
	slices.SortStableFunc(s.starts, func(a, b pairStart) int { return int(a.pair&0xff) - int(b.pair&0xff) })
	for k, st := range s.starts {
		r := &s.byFirst[st.pair&0xff]
		if r.hi == 0 {
			r.lo = uint8(k)
		}
		r.hi = uint8(k + 1)
	}
	return s
}

func pairAt[T string | []byte](b T, i int) uint16 {
	return uint16(b[i]) | uint16(b[i+1])<<8
}

// Find returns the set of literals that occur in b, bit i for lits[i].
func (s *Set) Find(b []byte) uint64 {
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
func (s *Set) Prefix(b []byte) uint64 {
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
func (s *Set) First(b []byte) int {
	m := s.Prefix(b)
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}

// startingAt returns the literals that b starts with, of those whose first
// pair is p and that are not in known already.
func (s *Set) startingAt(b []byte, p uint16, known uint64) uint64 {
	var found uint64
	r := s.byFirst[p&0xff]
	for _, st := range s.starts[r.lo:r.hi] {
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

// Literals returns the literals of the set, in the order of their bits.
func (s *Set) Literals() []string { return s.lits }
