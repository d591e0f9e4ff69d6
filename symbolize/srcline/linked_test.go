package srcline

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestLinkedImage opens small linked images with DWARF 5 and 4 and
// inlined code (testdata/elf/dwarf64.elf and dwarf4.elf, from
// init/inline.c) through the memory mapping and compares every 3rd byte of
// their code with binutils' answers, recorded by testdata/elf/mk.sh; then
// checks the default paths.
func TestLinkedImage(t *testing.T) {
	for _, name := range []string{"dwarf64", "dwarf4", "dwarf64-noaranges"} {
		t.Run(name, func(t *testing.T) { testLinkedImage(t, "../testdata/elf/"+name) })
	}
}

func testLinkedImage(t *testing.T, base string) {
	f, err := Open(base+".elf", Options{StripPrefixes: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := os.Open(base + ".addr2line")
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	// addr2line -a prints the address, then a function and a location
	// line per frame.
	answers := map[uint64][]string{}
	var order []uint64
	var cur uint64
	s := bufio.NewScanner(want)
	for s.Scan() {
		if a, ok := strings.CutPrefix(s.Text(), "0x"); ok {
			cur, _ = strconv.ParseUint(a, 16, 64)
			order = append(order, cur)
			continue
		}
		answers[cur] = append(answers[cur], s.Text())
	}
	inlined := 0
	for _, a := range order {
		frames, err := f.Frames(a)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fr := range frames {
			loc := "??:?"
			if fr.File != "" {
				loc = fr.File + ":" + strconv.Itoa(fr.Line)
			}
			if frames[0].Discriminator > 0 {
				loc += " (discriminator " + strconv.Itoa(frames[0].Discriminator) + ")"
			}
			got = append(got, fr.Func, loc)
		}
		if len(got) == 0 {
			got = []string{"??", "??:0"}
		}
		if strings.Join(got, "\n") != strings.Join(answers[a], "\n") {
			t.Errorf("%#x:\n got  %q\n want %q", a, got, answers[a])
		}
		if len(frames) > 1 {
			inlined++
		}
	}
	if len(order) < 20 || inlined < 2 {
		t.Errorf("%d addresses, %d with inlined frames", len(order), inlined)
	}

	d, err := Open(base+".elf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	frames, err := d.Frames(order[0])
	if err != nil || len(frames) == 0 || frames[0].File != "init/inline.c" {
		t.Errorf("default paths: %+v, %v", frames, err)
	}
	if frames, err := d.Frames(0xffffffff80000000); len(frames) != 0 || err != nil {
		t.Errorf("an address outside the image: %+v, %v", frames, err)
	}
	if v, ok := d.SymbolValue("do_work"); !ok || v != 0xffffffff81000010 {
		t.Errorf("SymbolValue(do_work) = %#x, %v", v, ok)
	}
	if _, ok := d.SymbolValue("do_wor"); ok {
		t.Error("SymbolValue found a prefix of a name")
	}
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	if _, err := d.Frames(order[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Frames after Close: %v", err)
	}
}
