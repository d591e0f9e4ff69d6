package symbolize

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseELF feeds mutated ELF files to the loader: it must return a
// table or an error, never both and never panic, and a table must obey the
// lookup invariants. The seeds (testdata/fuzz/FuzzParseELF) are the small
// real ELF files of testdata/elf: a 64- and a 32-bit miniature kernel and
// a symbol image with absolute symbols.
func FuzzParseELF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ParseELF(bytes.NewReader(data), "fuzz")
		checkParsed(t, tab, err, uint64(len(data)))
	})
}

// TestSmallELF checks the loader on the fuzz seeds' sources: a vmlinux
// shape (anchors, aliases ordered as the kernel orders them, absolute
// symbols dropped) on 64 and 32 bits, and an image of absolute symbols.
func TestSmallELF(t *testing.T) {
	for _, c := range []struct {
		file string
		bits int
		addr uint64
		want string
	}{
		{"kernel64.elf", 64, 0xffffffff81000001, "start_kernel+0x1/0x2"},
		{"kernel64.elf", 64, 0xffffffff81000003, "__memcpy+0x0/0x1"},
		{"kernel32.elf", 32, 0xc1000002, "do_one_initcall+0x0/0x1"},
		{"ksyms.elf", 64, 0xfffffffffb800110, "kmem_alloc+0x10/0x80"},
	} {
		f, err := os.Open(filepath.Join("testdata", "elf", c.file))
		if err != nil {
			t.Fatal(err)
		}
		tab, err := ParseELF(f, c.file)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		loc, ok := tab.Lookup(c.addr)
		if !ok || loc.String() != c.want || tab.Bits() != c.bits {
			t.Errorf("%s %#x: %v ok=%v bits %d; want %s, %d bits", c.file, c.addr, loc, ok, tab.Bits(), c.want, c.bits)
		}
		if loc, ok := tab.Lookup(0x1ea); ok {
			t.Errorf("%s: the absolute kexec_control_code_size resolves: %v", c.file, loc)
		}
	}
}
