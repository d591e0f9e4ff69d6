package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen/xopentest"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scenarios are the real logs that come with their own kallsyms.
var scenarios = []string{
	"x86_64-nokaslr-module-oops",
	"x86_64-kaslr-sysrq-panic",
	"arm64-kaslr-module-oops",
	"armhf-sysrq-panic",
	"i386-module-oops",
}

// golden compares got with testdata/name, or rewrites the file with
// -update. Names ending in .xz are stored compressed.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		data := []byte(got)
		if strings.HasSuffix(name, ".xz") {
			data = xopentest.XZ(t, data)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var want string
	if strings.HasSuffix(name, ".xz") {
		want = string(readXZ(t, path))
	} else {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/ksymoops-go -update writes it)", err)
		}
		want = string(b)
	}
	if got == want {
		return
	}
	gl, wl := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
	for i := range max(len(gl), len(wl)) {
		g, w := "(end)", "(end)"
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s differs from the output (go test ./cmd/ksymoops-go -update rewrites it), first at line %d:\ngot  %q\nwant %q", path, i+1, g, w)
			return
		}
	}
}

// TestNokallsymsGolden annotates the real log of a kernel without kallsyms
// (every address raw) with that kernel's System.map.
func TestNokallsymsGolden(t *testing.T) {
	r := runCmd(t, "", noEnv, "-m", nokallsymsMap, nokallsymsLog)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		// The serial console ends lines with CRLF; the symbol goes before it.
		"[    4.579878]  0xffffffff812aabc0 proc_reg_write+0x50/0x90\r\n",
		"[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\r\n",
		"[    4.579878]  0xffffffff8122a836 ksys_write+0x66/0xe0\r\n",
		"[    4.579878]  0xffffffff8188c504 do_syscall_64+0x34/0x90\r\n",
		"[    4.579878]  0xffffffff81a00126 entry_SYSCALL_64_after_hwframe+0x6e/0xd8\r\n",
		// User space: untouched.
		"[    4.583136] RIP: 0033:0x000000000047b7a0\r\n",
		// Modules: a System.map has no symbols for them.
		"[    4.579878]  0xffffffffc00001a2\r\n",
		"[    4.579293] RIP: 0010:0xffffffffc00000f0\r\n",
		"WARNING: CPU: 0 PID: 92 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 0xffffffffc00000f0\r\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	golden(t, "nokallsyms-nokaslr-module-oops.golden", r.stdout)
}

// expectedLine matches a line of testdata/expected/expected-addr2line-*.txt:
// scenario | line N | kind | address | symbol+off/size [module] | at | call.
var expectedLine = regexp.MustCompile(`^([^ |]+) \| line (\d+) \| ([^|]+) \| (0x[0-9a-f]+) \| ([^|]+) \|`)

// TestNokallsymsGroundTruth checks every raw address of the nokallsyms log
// against the fixture's ground truth, which resolved each one with the
// System.map, the modules' section addresses and their symbol tables.
func TestNokallsymsGroundTruth(t *testing.T) {
	r := runCmd(t, "", noEnv, "-q", "--no-code", "-m", nokallsymsMap, nokallsymsLog)
	out := strings.Split(r.stdout, "\n")
	in := strings.Split(readFile(t, nokallsymsLog), "\n")
	if len(out) != len(in) {
		t.Fatalf("%d lines out, %d in", len(out), len(in))
	}
	checked, core := 0, 0
	for _, l := range strings.Split(readFile(t, td+"/expected/expected-addr2line-nokallsyms.txt"), "\n") {
		m := expectedLine.FindStringSubmatch(l)
		if m == nil || m[1] != "nokallsyms-nokaslr-module-oops" {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		kind, addr, sym := strings.TrimSpace(m[3]), m[4], strings.TrimSpace(m[5])
		got, orig := out[n-1], in[n-1]
		checked++
		switch {
		case strings.HasPrefix(sym, "user space"), strings.Contains(sym, " ["):
			// User space, and modules (not in a System.map): left raw.
			if got != orig {
				t.Errorf("line %d (%s %s, %s): altered to %q", n, kind, addr, sym, got)
			}
		default:
			core++
			if !strings.Contains(got, addr+" "+sym+"\r") {
				t.Errorf("line %d (%s %s): got %q, want %s after the address", n, kind, addr, got, sym)
			}
		}
	}
	if checked < 10 || core < 5 {
		t.Errorf("only %d ground-truth entries (%d in the core kernel) found", checked, core)
	}
}

// TestGoldenOwnKallsyms runs every scenario's log with its own kallsyms.
// The kernel symbolized most addresses itself, so the output must equal
// the input but for inserted annotations (after registers that point into
// code and after the few raw addresses the kernel printed) and the
// listings of Code: lines.
func TestGoldenOwnKallsyms(t *testing.T) {
	for _, dir := range scenarios {
		r := runCmd(t, "", noEnv, "-k", td+"/"+dir+"/kallsyms.txt.xz", td+"/"+dir+"/console.log")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", dir, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "does not match") {
			t.Errorf("%s: own kallsyms reported as mismatching:\n%s", dir, r.stderr)
		}
		in := strings.SplitAfter(readFile(t, td+"/"+dir+"/console.log"), "\n")
		// The Code: listings are whole added lines; the rest is the input
		// with annotations inserted.
		out := strings.SplitAfter(string(disasm.StripListings(nil, []byte(r.stdout))), "\n")
		if len(in) != len(out) {
			t.Errorf("%s: %d lines in, %d out", dir, len(in), len(out))
		} else {
			for i := range in {
				if !onlyInsertions(in[i], out[i]) {
					t.Errorf("%s line %d: not just annotated:\nin  %q\nout %q", dir, i+1, in[i], out[i])
				}
			}
		}
		golden(t, dir+".golden", r.stdout)
	}
}

// annotation is what ksymoops-go inserts: " name+0xoff/0xsize [module]".
var annotation = regexp.MustCompile(`^ [^\s+]+\+0x[0-9a-f]+/0x[0-9a-f]+( \[[A-Za-z0-9_-]+\])?`)

// onlyInsertions reports whether out is in with annotations inserted.
func onlyInsertions(in, out string) bool {
	for out != in {
		i := firstDiff(in, out)
		// The inserted text starts with a space; when the input has a
		// space there too, the difference shows one byte later.
		ok := false
		for j := i; j >= max(0, i-1); j-- {
			if m := annotation.FindStringIndex(out[j:]); m != nil {
				if cand := out[:j] + out[j+m[1]:]; cand == in || firstDiff(in, cand) > i {
					out, ok = cand, true
					break
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func TestOnlyInsertions(t *testing.T) {
	for _, c := range []struct {
		in, out string
		want    bool
	}{
		{"a 0x1\r\n", "a 0x1 f+0x1/0x2\r\n", true},
		{"x1: ff x2: 00\n", "x1: ff f+0x1/0x2 x2: 00\n", true},
		{"? 0x1\n", "? 0x1 f+0x0/0x8b [mod]\n", true},
		{"a 0x1 b 0x2\n", "a 0x1 f+0x1/0x2 b 0x2 g+0x0/0x1 [m]\n", true},
		{"a 0x1\n", "a 0x2 f+0x1/0x2\n", false},
		{"a 0x1\n", "a 0x1 f+0x1/0x2 extra\n", false},
		{"a 0x1\n", "a 0x1\r\n", false},
	} {
		if got := onlyInsertions(c.in, c.out); got != c.want {
			t.Errorf("onlyInsertions(%q, %q) = %v", c.in, c.out, got)
		}
	}
}
