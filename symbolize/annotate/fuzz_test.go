package annotate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// fuzzTable is a real excerpt of the x86_64 nokaslr kallsyms: the start of
// the kernel and the oopsdemo module.
const fuzzTable = `ffffffff81000000 T startup_64
ffffffff81000000 T _stext
ffffffff81000060 T secondary_startup_64
ffffffff81000065 T secondary_startup_64_no_verify
ffffffff81000120 t verify_cpu
ffffffff81001000 T _end
ffffffffc02010bd t oopsdemo_level3	[oopsdemo]
ffffffffc02011bb t oopsdemo_level2	[oopsdemo]
ffffffffc02011d8 t oopsdemo_level1	[oopsdemo]
ffffffffc0201000 t oopsdemo_write	[oopsdemo]
ffffffffc02011f5 t oopsdemo_exit	[oopsdemo]
ffffffffc0202080 r .LC3	[oopsdemo]
`

// FuzzAnnotate: whatever the input, the output is the input plus
// annotations, and annotating the output again changes nothing.
func FuzzAnnotate(f *testing.F) {
	for _, s := range []string{
		"[    4.579878]  0xffffffffc00001a2\r\n[    4.579293] RIP: 0010:0xffffffffc02010f0\n",
		" [<ffffffffc02011c5>] ? 0xffffffff81000062\n",
		"RAX: ffffffff81000061 RBX: ffffffffc0202080 RCX: 0000000000000000\n",
		"pc : [<ffffffffc02011d8>]    lr : [<ffffffffc02011c5>]    psr: 60000013\n",
	} {
		f.Add([]byte(s))
	}
	tab, err := symbolize.ParseKallsyms(strings.NewReader(fuzzTable), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := annotateAll(t, tab, in)
		if !losslessByLine(out, in) {
			t.Fatalf("not lossless:\n in  %q\n out %q", in, out)
		}
		if again := annotateAll(t, tab, out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n out   %q\n again %q", out, again)
		}
	})
}
