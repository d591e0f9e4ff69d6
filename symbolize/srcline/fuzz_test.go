package srcline

import (
	"bytes"
	"os"
	"testing"
)

// FuzzFrames feeds mutated ELF files with DWARF to the resolver, linked
// and relocatable: opening and looking up addresses must return frames or
// an error, and never panic or hang. The hand-written parts (the entry
// walker, .debug_aranges, relocations, notes) read untrusted bytes.
func FuzzFrames(f *testing.F) {
	for _, name := range []string{"dwarf64.elf", "dwarf64.o"} {
		b, err := os.ReadFile("../testdata/elf/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint64(0xffffffff81000022))
	}
	f.Fuzz(func(t *testing.T, data []byte, addr uint64) {
		file, err := NewFile(bytes.NewReader(data), "fuzz", Options{Sections: map[string]uint64{".text": 0xffffffff81000000}})
		if err != nil {
			if file != nil {
				t.Fatal("error with a file")
			}
			return
		}
		for _, a := range []uint64{addr, addr - 1, 0xffffffff81000022, 0xffffffff81000010} {
			frames, err := file.Frames(a)
			if err != nil && frames != nil {
				t.Fatal("error with frames")
			}
		}
	})
}

// TestRelocatableObject checks the relocation path on the small object:
// placed at the linked image's address, it answers as the image does.
func TestRelocatableObject(t *testing.T) {
	obj, err := os.ReadFile("../testdata/elf/dwarf64.o")
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewFile(bytes.NewReader(obj), "dwarf64.o", Options{Sections: map[string]uint64{".text": 0xffffffff81000000}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open("../testdata/elf/dwarf64.elf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for a := uint64(0xffffffff81000000); a < 0xffffffff81000057; a++ {
		got, err1 := o.Frames(a)
		want, err2 := l.Frames(a)
		if err1 != nil || err2 != nil || len(got) != len(want) {
			t.Fatalf("%#x: %+v %v, linked %+v %v", a, got, err1, want, err2)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%#x: %+v, linked %+v", a, got[i], want[i])
			}
		}
	}
}
