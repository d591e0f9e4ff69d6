package parse

import (
	"bytes"
	"testing"
)

func addLineSeeds(f *testing.F) {
	for _, s := range []string{
		"[    4.579293] RIP: 0010:0xffffffffc00000f0",
		"[ 9080.468826][T11783] pc : [<802b4048>]    lr : [<802e1324>]    psr: 60000193",
		"[   21.402839]  0xbf005000 from 0xbf0050b8",
		"[c00000007a3efa20] [c00000000030a060] rebuild_sched_domains_locked+0x7b0/0x13a0",
		"Jan 12 19:08:41 :HOSTNAME: kernel: EIP: 0060:[<f88dec25>] EFLAGS: 00213246 CPU: 1",
		"[    4.579878] RDX: 0000000000000000 RSI: ffffffffc00010ec RDI: ffffc9000021be18",
	} {
		f.Add([]byte(s))
	}
}

// FuzzTokens: any line gives tokens that are ordered, disjoint, inside the
// line, and whose text holds the value they claim.
func FuzzTokens(f *testing.F) {
	addLineSeeds(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, arch := range []Arch{ArchUnknown, ArchARM64} {
			toks := NewParser(arch).Tokens(line)
			prev := 0
			for _, tok := range toks {
				if tok.Start < prev || tok.End <= tok.Start || tok.End > len(line) {
					t.Fatalf("token %+v out of order or bounds in %q", tok, line)
				}
				prev = tok.End
				if tok.Role == 0 || tok.Role == roleUser {
					t.Fatalf("token %+v has no role", tok)
				}
			}
		}
	})
}

// FuzzLineReader: splitting and rejoining loses nothing, whatever the
// bytes and however small the line limit.
func FuzzLineReader(f *testing.F) {
	addLineSeeds(f)
	f.Add([]byte("a\r\nb\rc\n\x00\xff"))
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, max := range []int{1, 7, 0} {
			joined, _ := readAll(t, input, max)
			if !bytes.Equal(joined, input) {
				t.Fatalf("max %d: round trip differs for %q", max, input)
			}
		}
	})
}
