package srcline

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

func TestParseModuleSections(t *testing.T) {
	for _, c := range []struct {
		dir     string
		text    uint64
		buildID string
	}{
		{"x86_64-nokaslr-module-oops", 0xffffffffc0201000, "ad113cab855fe66641b2204a1da172fa8f336f72"},
		{"arm64-kaslr-module-oops", 0, ""},
		{"armhf-sysrq-panic", 0, ""},
		{"x86_64-nokallsyms-nokaslr-module-oops", 0xffffffffc0000000, ""},
	} {
		l, err := ParseModuleSections(bytes.NewReader(testfiles.Read(t, c.dir+"/module-sections.txt")), c.dir)
		if err != nil {
			t.Fatal(err)
		}
		m := l["oopsdemo"]
		if m == nil || len(m.Sections) < 10 || m.Sections[".text"] == 0 {
			t.Fatalf("%s: %+v", c.dir, m)
		}
		if c.text != 0 && m.Sections[".text"] != c.text {
			t.Errorf("%s: .text at %#x, want %#x", c.dir, m.Sections[".text"], c.text)
		}
		if c.buildID != "" && hex.EncodeToString(m.BuildID) != c.buildID {
			t.Errorf("%s: build id %x, want %s", c.dir, m.BuildID, c.buildID)
		}
	}
	for _, bad := range []string{"oopsdemo .text\n", "oopsdemo .text ffffffffc0000000\n", "oopsdemo build-id-note zz\n", "\n# nothing\n"} {
		if _, err := ParseModuleSections(strings.NewReader(bad), "bad.txt"); err == nil || !strings.HasPrefix(err.Error(), "bad.txt") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestBuildID checks a module against the build id of the boot that
// loaded it, and a mismatch.
func TestBuildID(t *testing.T) {
	l, err := ParseModuleSections(bytes.NewReader(testfiles.Read(t, "x86_64-nokaslr-module-oops/module-sections.txt")), "")
	if err != nil {
		t.Fatal(err)
	}
	amd64, err := NewFile(bytes.NewReader(testfiles.Read(t, "modules/amd64/oopsdemo.ko.xz")), "oopsdemo.ko", Options{Sections: l["oopsdemo"].Sections})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckBuildID(amd64, l["oopsdemo"].BuildID); err != nil {
		t.Errorf("the boot's own module: %v", err)
	}
	if err := CheckBuildID(amd64, l["oopsdemo"].BuildID[:4]); err != nil {
		t.Errorf("a prefix of the id: %v", err)
	}
	other, err := NewFile(bytes.NewReader(testfiles.Read(t, "modules/nokallsyms/oopsdemo.ko.xz")), "other/oopsdemo.ko", Options{Sections: l["oopsdemo"].Sections})
	if err != nil {
		t.Fatal(err)
	}
	var be *BuildIDError
	if err := CheckBuildID(other, l["oopsdemo"].BuildID); !errors.As(err, &be) || !strings.Contains(err.Error(), "other/oopsdemo.ko has build id") {
		t.Errorf("another build: %v", err)
	}
}

func TestFindModule(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"kernel/drivers/virtio/virtio_mmio.ko.xz", "updates/dkms/oopsdemo.ko.zst", "extra/oopsdemo.ko",
		"build/oopsdemo_uaf.ko", "kernel/fs/ext4/ext4.ko.gz"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"virtio_mmio": "kernel/drivers/virtio/virtio_mmio.ko.xz",
		"virtio-mmio": "kernel/drivers/virtio/virtio_mmio.ko.xz",
		"oopsdemo":    "extra/oopsdemo.ko", // uncompressed first
		"ext4":        "kernel/fs/ext4/ext4.ko.gz",
	} {
		got, err := FindModule(dir, name)
		if err != nil || got != filepath.Join(dir, want) {
			t.Errorf("%s: %s, %v; want %s", name, got, err, want)
		}
	}
	if _, err := FindModule(dir, "oopsdemo_uaf"); !errors.Is(err, ErrModuleNotFound) {
		t.Errorf("a module under build/: %v", err)
	}
	if _, err := FindModule(filepath.Join(dir, "none"), "x"); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestInferSections places a module from the boot's kallsyms symbols and
// gets the sections the sections dump lists.
func TestInferSections(t *testing.T) {
	l, err := ParseModuleSections(bytes.NewReader(testfiles.Read(t, "x86_64-nokaslr-module-oops/module-sections.txt")), "")
	if err != nil {
		t.Fatal(err)
	}
	syms := map[string]uint64{}
	for _, line := range strings.Split(string(testfiles.Read(t, "x86_64-nokaslr-module-oops/kallsyms.txt.xz")), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[3] == "[oopsdemo]" {
			var a uint64
			for _, c := range f[0] {
				a = a<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
			}
			syms[f[2]] = a
		}
	}
	lookup := func(name string) (uint64, bool) { a, ok := syms[name]; return a, ok }
	got, err := InferSections(bytes.NewReader(testfiles.Read(t, "modules/amd64/oopsdemo.ko.xz")), "oopsdemo.ko", lookup)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range []string{".text", ".text.unlikely"} {
		if got[sec] != l["oopsdemo"].Sections[sec] {
			t.Errorf("%s: inferred %#x, the dump has %#x", sec, got[sec], l["oopsdemo"].Sections[sec])
		}
	}
	none := func(string) (uint64, bool) { return 0, false }
	if _, err := InferSections(bytes.NewReader(testfiles.Read(t, "modules/amd64/oopsdemo.ko.xz")), "oopsdemo.ko", none); err == nil {
		t.Error("no error without symbols")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "System.map")
	os.WriteFile(text, []byte("ffffffff81000000 T _stext\n"), 0o644)
	if _, err := Open(text, Options{}); err == nil || !strings.Contains(err.Error(), "System.map: not a readable ELF file") {
		t.Errorf("text file: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	small := filepath.Join(dir, "kernel64.elf")
	b, err := os.ReadFile("../testdata/elf/kernel64.elf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(small, b, 0o644)
	if _, err := Open(small, Options{}); !errors.Is(err, ErrNoDWARF) || !strings.Contains(err.Error(), "kernel64.elf") {
		t.Errorf("no DWARF: %v", err)
	}
}

// TestReadModuleSectionsDir reads a copy of /sys/module: the sections'
// files hold "0x..." lines, the notes directory the binary build id note.
func TestReadModuleSectionsDir(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("oopsdemo/sections/.text", []byte("0xffffffffc0201000\n"))
	write("oopsdemo/sections/.text.unlikely", []byte("0xffffffffc02010bd\n"))
	note, _ := hex.DecodeString("040000001400000003000000474e5500ad113cab855fe66641b2204a1da172fa8f336f72")
	write("oopsdemo/notes/.note.gnu.build-id", note)
	write("virtio-mmio/sections/.text", []byte("0xffffffffc0300000\n"))
	write("kernel/parameters/x", []byte("1\n")) // built in: no sections
	l, err := ReadModuleSectionsDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := l["oopsdemo"]; m == nil || m.Sections[".text.unlikely"] != 0xffffffffc02010bd || hex.EncodeToString(m.BuildID) != "ad113cab855fe66641b2204a1da172fa8f336f72" {
		t.Errorf("oopsdemo: %+v", l["oopsdemo"])
	}
	if m := l["virtio_mmio"]; m == nil || m.Sections[".text"] != 0xffffffffc0300000 {
		t.Errorf("virtio_mmio: %+v", m)
	}
	if len(l) != 2 {
		t.Errorf("%d modules", len(l))
	}
	write("bad/sections/.text", []byte("text\n"))
	if _, err := ReadModuleSectionsDir(dir); err == nil || !strings.Contains(err.Error(), "bad/sections/.text") {
		t.Errorf("a bad address: %v", err)
	}
	if _, err := ReadModuleSectionsDir(t.TempDir()); err == nil {
		t.Error("an empty directory gives no error")
	}
}
