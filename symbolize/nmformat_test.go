package symbolize

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestHexField checks the eight-digits-at-a-time address reader against
// strconv on fields of every width, valid or not.
func TestHexField(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "0123456789abcdefABCDEF/:@G`g \x00\xff\x80\x30\x39"
	for n := range 200000 {
		width := []int{8, 16, 1 + rng.IntN(18)}[n%3]
		b := make([]byte, width, width+2)
		for i := range b {
			if rng.IntN(40) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = "0123456789abcdefABCDEF"[rng.IntN(22)]
			}
		}
		b = append(b, ' ', 'T')
		got, end := hexField(b, 0)
		digits := 0
		for digits < len(b) && digits < 17 && hexDigit[b[digits]] <= 15 {
			digits++
		}
		if end != digits {
			t.Fatalf("%q: field ends at %d, want %d", b, end, digits)
		}
		if digits > 0 && digits <= 16 {
			want, err := strconv.ParseUint(string(b[:digits]), 16, 64)
			if err != nil || got != want {
				t.Fatalf("%q: %#x, want %#x (%v)", b, got, want, err)
			}
		}
	}
}

// TestScanName checks that the end, hash and dot the parser finds in one
// pass are nameEnd's, nameHash's and IndexByte's, names with control
// bytes included.
func TestScanName(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		n := rng.IntN(40)
		b := make([]byte, 0, n+3)
		for range n {
			c := byte('a' + rng.IntN(26))
			switch rng.IntN(30) {
			case 0:
				c = 0x02
			case 1:
				c = 0xc3
			case 2:
				c = '.'
			case 3:
				c = '/' // a dot's neighbours
			case 4:
				c = '-'
			}
			b = append(b, c)
		}
		if rng.IntN(4) > 0 {
			b = append(b, "\n\t\r \x00"[rng.IntN(5)])
			b = append(b, "m.re"[:rng.IntN(4)]...) // no dot of the name
		}
		end, h, dot := scanName(b, 0)
		if want := nameEnd(b, 0); end != want {
			t.Fatalf("%q: end %d, want %d", b, end, want)
		}
		if want := nameHash(string(b[:end])); h != want {
			t.Fatalf("%q: hash %#x, want %#x", b, h, want)
		}
		if want := bytes.IndexByte(b[:end], '.') >= 0; dot != want {
			t.Fatalf("%q: dot %v, want %v", b, dot, want)
		}
	}
}
