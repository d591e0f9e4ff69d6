package report

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// TestHeaderWordsCoverHeaders: every header holds one of headerWords, and
// the scan finds it wherever the header sits in a line: no header's
// reports are missed, and none is matched on every line.
func TestHeaderWordsCoverHeaders(t *testing.T) {
	ix := headerIndexOf()
	if !ix.always.empty() {
		t.Errorf("headers with no word of headerWords, matched on every line: %v", ix.always)
	}
	for i := range headers {
		h := &headers[i]
		if wordOf(h) < 0 {
			t.Errorf("no word of headerWords in %q or its pattern: it is matched on every line", h.literal)
			continue
		}
		// The literal and what the pattern requires after it.
		text := h.literal + " " + strings.Join(requiredLiterals(h.pat), " ")
		for pad := range 8 {
			line := strings.Repeat("[", pad) + text
			if set := ix.candidates([]byte(line)); !set.has(i) {
				t.Errorf("header %q not found in %q", h.literal, line)
			}
		}
	}
}

// wordsIn is what headerIndex.candidates computes, the slow way.
func wordsIn(text []byte) headerSet {
	ix := headerIndexOf()
	var set headerSet
	for w, word := range headerWords {
		if bytes.Contains(text, []byte(word)) {
			set.or(&ix.of[w])
		}
	}
	return set
}

// matchHeaderAll is matchHeader trying every header.
func matchHeaderAll(body []byte) (*header, []byte) {
	var all headerSet
	for i := range headers {
		all.add(i)
	}
	return matchHeader(body, &all)
}

// TestHeaderCandidates: the scan finds exactly the words a line holds, and
// matching only their headers finds what matching all of them does, on
// every line of the test logs and the corpus, and on lines with the words
// put anywhere.
func TestHeaderCandidates(t *testing.T) {
	ix := headerIndexOf()
	lines := realLines(t)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b []byte
		for range r.IntN(4) {
			b = append(b, strings.Repeat(" x", r.IntN(4))...)
			if r.IntN(3) == 0 {
				b = append(b, headers[r.IntN(len(headers))].literal...)
			} else {
				b = append(b, headerWords[r.IntN(len(headerWords))]...)
			}
		}
		lines = append(lines, b[:r.IntN(len(b)+1)])
	}
	for _, l := range lines {
		got, want := ix.candidates(l), wordsIn(l)
		if got != want {
			t.Fatalf("candidates(%q) = %v, want %v", l, got, want)
		}
		body := l[parse.SplitPrefix(l):]
		h, m := matchHeader(body, &got)
		wh, wm := matchHeaderAll(body)
		if h != wh || !bytes.Equal(m, wm) {
			t.Fatalf("matchHeader(%q) = %s, %q; every header: %s, %q", body, literalOf(h), m, literalOf(wh), wm)
		}
	}
	t.Logf("%d lines", len(lines))
}

func literalOf(h *header) string {
	if h == nil {
		return "none"
	}
	return h.literal
}

// realLines returns the lines of the repository's consoles and, when
// ../shared is beside the checkout, of the syzkaller report corpus.
func realLines(t *testing.T) [][]byte {
	t.Helper()
	var lines [][]byte
	logs, _ := filepath.Glob("../../testdata/*/console.log")
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "report", "*"))
	for _, f := range append(logs, corpus...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, bytes.Split(data, []byte("\n"))...)
	}
	return lines
}

// TestFirstWord: over blocks of lines, the scan stops on the first line
// that holds a header word, as candidates finds them line by line, in the
// lines of the test logs and the corpus and in lines with the words put
// anywhere.
func TestFirstWord(t *testing.T) {
	ix := headerIndexOf()
	lines := realLines(t)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range lines {
		if r.IntN(50) == 0 {
			w := headerWords[r.IntN(len(headerWords))]
			at := r.IntN(len(lines[i]) + 1)
			lines[i] = append(append(append([]byte(nil), lines[i][:at]...), w...), lines[i][at:]...)
		}
	}
	for start := 0; start < len(lines); {
		n := 1 + r.IntN(200)
		block := bytes.Join(lines[start:min(start+n, len(lines))], []byte("\n"))
		want := -1
		for k, l := range lines[start:min(start+n, len(lines))] {
			if c := ix.candidates(l); !c.empty() {
				want = k
				break
			}
		}
		got, at := -1, ix.firstWord(block)
		if at >= 0 {
			got = bytes.Count(block[:at], []byte("\n"))
		}
		if got != want {
			t.Fatalf("firstWord of lines %d to %d: line %d (%q), want %d", start, start+n, got, block[max(at-20, 0):max(at+20, 0)], want)
		}
		start += n
	}
}

// TestWordOfIsParsed: the header words found without parsing the
// patterns are those their parse finds, for every header.
func TestWordOfIsParsed(t *testing.T) {
	parsed := 0
	for i := range headers {
		h := &headers[i]
		if got, want := wordOf(h), wordOfParsed(h); got != want {
			t.Errorf("header %q %q: word %d, the parse says %d", h.literal, h.pat, got, want)
		}
		if wordOfParsed(h) >= 0 {
			parsed++
		}
	}
	if parsed < len(headers)/2 {
		t.Errorf("only %d of %d headers have a word", parsed, len(headers))
	}
}

// TestIndexString: indexString finds what bytes.Index finds, for every
// header literal in real report lines and for made-up texts around the
// edges (empty, at the end, repeated first bytes).
func TestIndexString(t *testing.T) {
	texts := []string{"", "a", "aab", "aaab", "abab", "ba", "BUG: kernel NULL pointer dereference, address: 0000000000000010",
		"WARNING: CPU: 0 PID: 1 at lib/refcount.c:25 refcount_warn_saturate+0x97/0x110", "Oops: 0002 [#1] PREEMPT SMP NOPTI"}
	subs := []string{"", "a", "ab", "aab", "b", "BUG: ", "WARNING: ", "Oops", "x"}
	for i := range headers {
		lit := headers[i].literal
		subs = append(subs, lit)
		texts = append(texts, "[    1.000000] "+lit+" and "+lit, lit[:len(lit)/2])
	}
	for _, text := range texts {
		for _, sub := range subs {
			if got, want := indexString([]byte(text), sub), bytes.Index([]byte(text), []byte(sub)); got != want {
				t.Errorf("indexString(%q, %q) = %d, want %d", text, sub, got, want)
			}
		}
	}
}
