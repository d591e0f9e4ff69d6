package annotate

import (
	"bytes"
	"testing"
)

// FuzzRedactLine: whatever the line, redacting it leaves no number at or
// above the floor (as nextNumber reads numbers), never grows it by more
// than the placeholders, and redacting again changes nothing.
func FuzzRedactLine(f *testing.F) {
	for _, seed := range []string{
		"[    5.603533] RIP: 0010:0xffffffffc00000d1 oopsdemo_level3+0x32/0xfe [oopsdemo]\n",
		"[   11.9] EIP: 0xf742f012 [in unloaded module oopsdemo_uaf?]\n",
		"[   35.4] Kernel Offset: 0x18400000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n",
		"[   11.8] Code: 00 49 e7 5a 59 85 c0 75 11 a1 8c f2 43 f7 c7 40 08 2a <0f> 0b\r\n",
		"[    4.9] FS:  0000000016e313c0(0000) GS:ffff8b617e100000(0000) knlGS:0000000000000000\n",
	} {
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, line []byte, wide bool) {
		bits, floor := 64, uint64(floor64)
		if !wide {
			bits, floor = 32, floor32
		}
		out := RedactLine(nil, line, bits, floor)
		if bytes.Count(out, []byte(Placeholder)) > bytes.Count(line, []byte(Placeholder))+len(line)/2+1 {
			t.Fatalf("%q grew to %q", line, out)
		}
		for i := 0; ; {
			_, end, digits, ok := nextNumber(out, i, 8)
			if !ok {
				break
			}
			if v, _ := hexValue(out[digits:end]); v >= floor {
				t.Fatalf("%q: %q left in %q", line, out[digits:end], out)
			}
			i = end
		}
		if again := RedactLine(nil, out, bits, floor); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", line, out, again)
		}
	})
}
