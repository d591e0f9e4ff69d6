package report

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
)

// Most lines of a log are no part of any report, and the extractor reads
// every one: telling them apart must cost little more than one pass over
// their bytes. Every header holds one of a few rare words (headerWords);
// one scan of the line finds which of them it holds, through a filter of
// their 4-byte grams, and only the headers of those words are matched.

// headerWords are words of which every header holds one, in its literal
// or in a literal that its pattern requires (TestHeaderWordsCoverHeaders
// keeps it so), chosen to be rare in the other lines of a log: "enabled"
// or "default" must not wake the header search up. Each is at least
// minWord bytes long. A header takes the first word it holds.
var headerWords = [...]string{
	"BUG: ", "BUG at ", "WARNING", "INFO: ", "Oops:", "Oops#", "Kernel panic", "PANIC", "UBSAN", "Internal error",
	"divide error", "divide_error", "Unable to handle", "Unhandled fault", "Alignment trap", "attempt to ",
	"protection fault", "int3:", "opcode", "skbuff", "stack segment", "unreferenced", "unregister_netdevice",
	"VFS: Busy", "VFS: Close", "ODEBUG", "DEBUG_LOCKS", "SYZFA", "LOCKUP", "SeaBIOS", "Object already free",
}

// minWord is the shortest header word: the scan probes every other byte
// for a 4-byte gram, so a word's two grams at wordProbe and the byte after
// must both lie inside it.
const minWord = 5

// wordProbe is where the scan looks for a word's grams (0 for the words
// not listed): the rarest pair of grams of the word in the other lines of
// real logs (the repository's consoles, syzkaller's corpus), so that
// common text wakes the slow check up less often: "erne" of "Kernel"
// hides in every "kernel", "nabl" of "Unable" in "enabled", "rote" of
// "protection" in "NX (Execute Disable) protection: active".
var wordProbe = map[string]int{
	"BUG at ": 1, "WARNING": 1, "INFO: ": 1, "Kernel panic": 4, "Internal error": 5, "divide error": 4,
	"divide_error": 3, "Unable to handle": 7, "Alignment trap": 2, "protection fault": 9, "stack segment": 4,
	"VFS: Busy": 2, "VFS: Close": 2, "DEBUG_LOCKS": 3, "LOCKUP": 1, "Object already free": 12,
}

// A headerSet is a set of headers, by their index in headers.
type headerSet [(len(headers) + 63) / 64]uint64

func (s *headerSet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s *headerSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s *headerSet) or(t *headerSet) {
	for i := range s {
		s[i] |= t[i]
	}
}
func (s *headerSet) empty() bool { return *s == headerSet{} }

// A headerIndex finds the header words in a line.
type headerIndex struct {
	// filter has the bits of the hashes of the words' grams: a gram
	// whose bit is clear starts no word.
	filter [filterWords]uint64
	// grams are the words' grams, where they sit in their words, by
	// gram.
	grams []wordGram
	// of are the headers of each word.
	of [len(headerWords)]headerSet
	// always are the headers that hold no word (none, as
	// TestHeaderWordsCoverHeaders checks): they are matched on every line.
	always headerSet
}

// A wordGram is 4 bytes of a header word.
type wordGram struct {
	gram uint32
	word uint8 // index in headerWords
	off  uint8 // where the gram sits in the word
}

const (
	gramBits = 16
	gramMul  = 0x9e3779b1
	// filterWords is the size of the filter in words.
	filterWords = 1 << gramBits / 64
)

func gramHash(g uint32) uint32 { return g * gramMul >> (32 - gramBits) }

// theHeaderIndex is built on first use.
var theHeaderIndex = struct {
	once sync.Once
	ix   headerIndex
}{}

// headerIndexOf returns the header index, built on first use.
func headerIndexOf() *headerIndex {
	theHeaderIndex.once.Do(theHeaderIndex.ix.build)
	return &theHeaderIndex.ix
}

func (ix *headerIndex) build() {
	for i := range headers {
		if w := wordOf(&headers[i]); w >= 0 {
			ix.of[w].add(i)
		} else {
			ix.always.add(i)
		}
	}
	for w, word := range headerWords {
		if ix.of[w].empty() {
			continue // an earlier word stands for all its headers: it need not be found
		}
		probe := wordProbe[word]
		if len(word) < minWord || probe+minWord > len(word) {
			panic("report: header word " + word + " is too short for its probe")
		}
		for off := probe; off < probe+2; off++ {
			g := binary.LittleEndian.Uint32([]byte(word[off:]))
			h := gramHash(g)
			ix.filter[h/64] |= 1 << (h % 64)
			ix.grams = append(ix.grams, wordGram{g, uint8(w), uint8(off)})
		}
	}
	slices.SortFunc(ix.grams, func(a, b wordGram) int { return cmp.Compare(a.gram, b.gram) })
}

// wordOf returns the index of the first of headerWords that h's text
// always holds, or -1: wordOfParsed, without parsing h's pattern when its
// source holds no word before the literal's (a word the pattern requires
// is written out in its source). Parsing every header's pattern at every
// start cost a run over one oops a quarter of a millisecond;
// TestWordOfIsParsed holds the shortcut to the parse for every header.
func wordOf(h *header) int {
	first := -1
	for w, word := range headerWords {
		if strings.Contains(h.literal, word) {
			first = w
			break
		}
	}
	limit := len(headerWords)
	if first >= 0 {
		limit = first
	}
	for _, word := range headerWords[:limit] {
		if strings.Contains(h.pat, word) {
			return wordOfParsed(h)
		}
	}
	return first
}

// wordOfParsed returns the index of the first of headerWords that h's
// literal or a literal h's pattern requires holds, or -1.
func wordOfParsed(h *header) int {
	texts := append([]string{h.literal}, requiredLiterals(h.pat)...)
	for w, word := range headerWords {
		for _, t := range texts {
			if strings.Contains(t, word) {
				return w
			}
		}
	}
	return -1
}

// requiredLiterals returns the literal parts of a pattern that every match
// holds: those of its top-level sequence.
func requiredLiterals(pat string) []string {
	if pat == "" {
		return nil
	}
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	var lits []string
	for _, s := range subs {
		if s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0 {
			lits = append(lits, string(s.Rune))
		}
	}
	return lits
}

// candidates returns the headers whose word text holds: the only headers
// text may hold.
func (ix *headerIndex) candidates(text []byte) headerSet {
	set := ix.always
	f := &ix.filter
	// A word at an even offset has its first gram at a probed offset,
	// one at an odd offset its second. Three grams a load, eight bytes.
	i := 0
	for ; i+8 <= len(text); i += 6 {
		v := binary.LittleEndian.Uint64(text[i : i+8])
		h0 := uint32(v) * gramMul >> (32 - gramBits)
		h1 := uint32(v>>16) * gramMul >> (32 - gramBits)
		h2 := uint32(v>>32) * gramMul >> (32 - gramBits)
		b0, b1, b2 := f[h0/64%filterWords]>>(h0%64)&1, f[h1/64%filterWords]>>(h1%64)&1, f[h2/64%filterWords]>>(h2%64)&1
		if b0|b1|b2 != 0 {
			if b0 != 0 {
				ix.confirm(text, i, uint32(v), &set)
			}
			if b1 != 0 {
				ix.confirm(text, i+2, uint32(v>>16), &set)
			}
			if b2 != 0 {
				ix.confirm(text, i+4, uint32(v>>32), &set)
			}
		}
	}
	for ; i+4 <= len(text); i += 2 {
		g := binary.LittleEndian.Uint32(text[i : i+4])
		if h := g * gramMul >> (32 - gramBits); f[h/64%filterWords]&(1<<(h%64)) != 0 {
			ix.confirm(text, i, g, &set)
		}
	}
	return set
}

// confirm adds to set the headers of the words that gram g, at i in text,
// starts a copy of.
func (ix *headerIndex) confirm(text []byte, i int, g uint32, set *headerSet) {
	for _, e := range ix.gramsOf(g) {
		at := i - int(e.off)
		if at >= 0 && bytes.HasPrefix(text[at:], []byte(headerWords[e.word])) {
			set.or(&ix.of[e.word])
		}
	}
}

// firstWord returns where a header word starts in text, a block of lines,
// on the first line that holds one; -1 when text holds none. The scan
// sees each word at the probe of one of its two grams at wordProbe, and
// tries the probes in order; a word on an earlier line is seen at an
// earlier probe (its grams lie inside it, before the newline): the first
// word it sees is on the first line with a word, if not the first word of
// that line.
func (ix *headerIndex) firstWord(text []byte) int {
	f := &ix.filter
	i := 0
	for ; i+8 <= len(text); i += 6 {
		v := binary.LittleEndian.Uint64(text[i : i+8])
		h0 := uint32(v) * gramMul >> (32 - gramBits)
		h1 := uint32(v>>16) * gramMul >> (32 - gramBits)
		h2 := uint32(v>>32) * gramMul >> (32 - gramBits)
		b0, b1, b2 := f[h0/64%filterWords]>>(h0%64)&1, f[h1/64%filterWords]>>(h1%64)&1, f[h2/64%filterWords]>>(h2%64)&1
		if b0|b1|b2 != 0 {
			if at := ix.wordAt(text, i, uint32(v), b0); at >= 0 {
				return at
			}
			if at := ix.wordAt(text, i+2, uint32(v>>16), b1); at >= 0 {
				return at
			}
			if at := ix.wordAt(text, i+4, uint32(v>>32), b2); at >= 0 {
				return at
			}
		}
	}
	for ; i+4 <= len(text); i += 2 {
		g := binary.LittleEndian.Uint32(text[i : i+4])
		if h := g * gramMul >> (32 - gramBits); f[h/64%filterWords]&(1<<(h%64)) != 0 {
			if at := ix.wordAt(text, i, g, 1); at >= 0 {
				return at
			}
		}
	}
	return -1
}

// wordAt returns where a header word starts that gram g, at i in text, is
// part of, or -1; none when the filter's bit for g is 0.
func (ix *headerIndex) wordAt(text []byte, i int, g uint32, bit uint64) int {
	if bit == 0 {
		return -1
	}
	for _, e := range ix.gramsOf(g) {
		at := i - int(e.off)
		if at >= 0 && bytes.HasPrefix(text[at:], []byte(headerWords[e.word])) {
			return at
		}
	}
	return -1
}

// gramsOf returns the words' grams equal to g.
func (ix *headerIndex) gramsOf(g uint32) []wordGram {
	i, _ := slices.BinarySearchFunc(ix.grams, g, func(e wordGram, g uint32) int { return cmp.Compare(e.gram, g) })
	j := i
	for j < len(ix.grams) && ix.grams[j].gram == g {
		j++
	}
	return ix.grams[i:j]
}
