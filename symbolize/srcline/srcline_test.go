package srcline

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// arches maps the fixture corpus's architecture names to the directory of
// their modules in ../../testdata/modules.
var arches = []string{"amd64", "arm64", "armhf", "i386"}

// expectedRow is one frame of testdata/expected/expected-addr2line-<arch>.txt.
type expectedRow struct {
	frame string // as the kernel printed it
	where string // "vmlinux 0xADDR" or "oopsdemo.ko .text+0x86"
	at    string // addr2line -f -i of the address
	call  string // of the address - 1
}

func readExpected(t testing.TB, arch string) []expectedRow {
	t.Helper()
	var rows []expectedRow
	s := bufio.NewScanner(bytes.NewReader(testfiles.Read(t, "expected/expected-addr2line-"+arch+".txt")))
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 4 || !strings.HasPrefix(f[2], "at: ") || !strings.HasPrefix(f[3], "call: ") {
			t.Fatalf("%s: unexpected line %q", arch, line)
		}
		call, _, _ := strings.Cut(strings.TrimPrefix(f[3], "call: "), " (offset 0:")
		rows = append(rows, expectedRow{f[0], f[1], strings.TrimPrefix(f[2], "at: "), call})
	}
	return rows
}

// a2lForm formats frames as addr2line -f -i does on one line of the
// expected files: "func at file:line (discriminator N) <- inlined into
// ...". addr2line repeats the innermost line's discriminator on every
// frame of the chain.
func a2lForm(frames []Frame) string {
	if len(frames) == 0 {
		return "?? at ??:0"
	}
	var parts []string
	for _, fr := range frames {
		fn := fr.Func
		if fn == "" {
			fn = "??"
		}
		loc := "??:?"
		if fr.File != "" {
			loc = fr.File + ":" + strconv.Itoa(fr.Line)
		}
		if d := frames[0].Discriminator; d > 0 {
			loc += fmt.Sprintf(" (discriminator %d)", d)
		}
		parts = append(parts, fn+" at "+loc)
	}
	return strings.Join(parts, " <- inlined into ")
}

// cleanPaths cleans every path in an addr2line line ("/usr/src/linux/./arch/..."
// is what addr2line prints, debug/dwarf cleans it).
var a2lPath = regexp.MustCompile(` at (\S+):`)

func cleanPaths(s string) string {
	return a2lPath.ReplaceAllStringFunc(s, func(m string) string {
		p := m[len(" at ") : len(m)-1]
		return " at " + path.Clean(p) + ":"
	})
}

// addr2lineStrip is the path form of the expected files: addr2line's,
// with Debian's build root removed.
var addr2lineStrip = []string{"/build/reproducible-path/"}

// testLayout places every allocated section of a module at its own
// 64 KiB-aligned address, as a loader might.
func testLayout(t testing.TB, ko []byte) map[string]uint64 {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(ko))
	if err != nil {
		t.Fatal(err)
	}
	base := uint64(0xffffffffc0200000)
	if ef.Class == elf.ELFCLASS32 {
		base = 0xbf000000
	}
	out := map[string]uint64{}
	for i, s := range ef.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 {
			out[s.Name] = base + uint64(i)<<16
		}
	}
	return out
}

var koWhere = regexp.MustCompile(`^(\w+)\.ko (\S+)\+0x([0-9a-f]+)$`)

// TestModuleFramesAgreeWithAddr2line resolves every module frame the
// kernels printed, on every architecture, with the module's DWARF placed
// at load addresses and relocated, and compares the inline chain, the
// function names, files, lines and discriminators with binutils addr2line
// -f -i: at the address (the faulting pc) and at the address - 1 (the
// call, for return addresses).
func TestModuleFramesAgreeWithAddr2line(t *testing.T) {
	total := 0
	for _, arch := range arches {
		t.Run(arch, func(t *testing.T) {
			files := map[string]*File{}
			layouts := map[string]map[string]uint64{}
			var golden bytes.Buffer
			n := 0
			for _, r := range readExpected(t, arch) {
				m := koWhere.FindStringSubmatch(r.where)
				if m == nil {
					continue
				}
				mod, sec := m[1], m[2]
				off, _ := strconv.ParseUint(m[3], 16, 64)
				f := files[mod]
				if f == nil {
					ko := testfiles.Read(t, "modules/"+arch+"/"+mod+".ko.xz")
					layouts[mod] = testLayout(t, ko)
					var err error
					if f, err = NewFile(bytes.NewReader(ko), mod+".ko", Options{StripPrefixes: addr2lineStrip, Sections: layouts[mod]}); err != nil {
						t.Fatal(err)
					}
					files[mod] = f
				}
				addr := layouts[mod][sec] + off
				at, err := f.Frames(addr)
				if err != nil {
					t.Fatal(err)
				}
				call, err := f.Frames(addr - 1)
				if err != nil {
					t.Fatal(err)
				}
				if got := a2lForm(at); got != cleanPaths(r.at) {
					t.Errorf("%s at %#x:\n got  %s\n want %s", r.frame, addr, got, r.at)
				}
				if got := a2lForm(call); got != cleanPaths(r.call) {
					t.Errorf("%s call %#x:\n got  %s\n want %s", r.frame, addr-1, got, r.call)
				}
				n++
				fmt.Fprintf(&golden, "%s\n  at   %s\n  call %s\n", r.frame, showFrames(t, layouts[mod], mod, arch, addr), showFrames(t, layouts[mod], mod, arch, addr-1))
			}
			t.Logf("%d module frames agree with addr2line at the address and at the call", n)
			if n < 5 {
				t.Errorf("only %d module frames", n)
			}
			total += n
			compareGolden(t, filepath.Join("testdata", "modules-"+arch+".golden"), golden.Bytes())
		})
	}
	t.Logf("%d module frames on %d architectures", total, len(arches))
}

// showFrames renders the inline chain at addr with the default paths, as
// users see them.
func showFrames(t *testing.T, layout map[string]uint64, mod, arch string, addr uint64) string {
	t.Helper()
	f, err := NewFile(bytes.NewReader(testfiles.Read(t, "modules/"+arch+"/"+mod+".ko.xz")), mod+".ko", Options{Sections: layout})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := f.Frames(addr)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, fr := range frames {
		parts = append(parts, fmt.Sprintf("%s (%s:%d:%d d%d)", fr.Func, fr.File, fr.Line, fr.Column, fr.Discriminator))
	}
	return strings.Join(parts, " <- ")
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	testfiles.Golden(t, file, got, *update)
}

// TestRawModuleAddresses resolves the raw module addresses the
// kallsyms-less kernel printed, with the module placed by the boot's
// sections dump (from the module loader's debug output), and compares
// them with addr2line: the faulting ones at the address, the return
// addresses at the call.
func TestRawModuleAddresses(t *testing.T) {
	layouts, err := ParseModuleSections(bytes.NewReader(testfiles.Read(t, "x86_64-nokallsyms-nokaslr-module-oops/module-sections.txt")), "module-sections.txt")
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(testfiles.Read(t, "modules/nokallsyms/oopsdemo.ko.xz")), "oopsdemo.ko",
		Options{StripPrefixes: addr2lineStrip, Sections: layouts["oopsdemo"].Sections})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	s := bufio.NewScanner(bytes.NewReader(testfiles.Read(t, "expected/expected-addr2line-nokallsyms.txt")))
	for s.Scan() {
		c := strings.Split(s.Text(), " | ")
		if len(c) != 7 || c[0] != "nokallsyms-nokaslr-module-oops" || !strings.HasSuffix(c[4], "[oopsdemo]") {
			continue
		}
		addr, _ := strconv.ParseUint(strings.TrimPrefix(c[3], "0x"), 16, 64)
		want := strings.TrimPrefix(c[5], "at: ")
		if strings.HasSuffix(c[2], "frame") {
			addr--
			want = strings.TrimPrefix(c[6], "call: ")
		}
		frames, err := f.Frames(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := a2lForm(frames); got != want {
			t.Errorf("%s %s: got %s, want %s", c[1], c[3], got, want)
		}
		n++
	}
	if n < 6 {
		t.Errorf("only %d addresses", n)
	}
}

// TestVmlinuxFramesAgreeWithAddr2line compares the core kernel's frames
// with addr2line on a vmlinux with DWARF, given as KSYMOOPS_VMLINUX (the
// amd64 one is in Debian's linux-image-6.1.0-56-amd64-dbg, 630 MB; it is
// not in the repository).
func TestVmlinuxFramesAgreeWithAddr2line(t *testing.T) {
	name := os.Getenv("KSYMOOPS_VMLINUX")
	if name == "" {
		t.Skip("KSYMOOPS_VMLINUX is not set: set it to a vmlinux with DWARF of a kernel in testdata/expected (e.g. Debian's /usr/lib/debug/boot/vmlinux-6.1.0-56-amd64)")
	}
	f, err := Open(name, Options{StripPrefixes: addr2lineStrip})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_ARM: "armhf", elf.EM_386: "i386"}[f.Machine()]
	if arch == "" {
		t.Skipf("%s: no expected frames for %v", name, f.Machine())
	}
	n, bad := 0, 0
	for _, r := range readExpected(t, arch) {
		addrText, ok := strings.CutPrefix(r.where, "vmlinux 0x")
		if !ok {
			continue
		}
		addr, _ := strconv.ParseUint(addrText, 16, 64)
		for _, c := range []struct {
			a    uint64
			want string
		}{{addr, r.at}, {addr - 1, r.call}} {
			frames, err := f.Frames(c.a)
			if err != nil {
				t.Fatal(err)
			}
			if got := a2lForm(frames); got != cleanPaths(c.want) {
				bad++
				t.Errorf("%s %#x:\n got  %s\n want %s", r.frame, c.a, got, c.want)
			}
			n++
		}
	}
	t.Logf("%s: %d of %d lookups agree with addr2line", arch, n-bad, n)
	if n < 40 {
		t.Errorf("only %d lookups: is %s the kernel of testdata/expected?", n, name)
	}
}
