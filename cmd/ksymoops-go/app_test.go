package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const td = "../../testdata"

// Real inputs used throughout.
var (
	nokallsymsLog = td + "/x86_64-nokallsyms-nokaslr-module-oops/console.log"
	nokallsymsMap = td + "/maps/System.map-6.1.192-nokallsyms.xz"
	amd64Map      = td + "/maps/System.map-6.1.0-56-amd64.xz"
	kaslrKallsyms = td + "/x86_64-kaslr-sysrq-panic/kallsyms.txt.xz"
	placeholder   = td + "/maps/System.map-6.1.0-56-amd64.placeholder-from-linux-image"
)

// noEnv is an environment with nothing set.
func noEnv(string) (string, bool) { return "", false }

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, env func(string) (string, bool), args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"ksymoops-go"}, args...), strings.NewReader(stdin), &out, &errb, env)
	return result{code, out.String(), errb.String()}
}

func readXZ(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := xz.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNokallsymsLog annotates a real log of a kernel without kallsyms with
// its System.map, and checks the frames against the fixture's ground truth
// (shared/fixtures/common/nokallsyms/expected-addr2line-nokallsyms.txt).
func TestNokallsymsLog(t *testing.T) {
	r := runCmd(t, "", noEnv, "-m", nokallsymsMap, nokallsymsLog)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"[    4.579878]  0xffffffff812aabc0 proc_reg_write+0x50/0x90\r\n", // the serial console ends lines with CRLF
		"[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\r\n",
		"[    4.579878]  0xffffffff8122a836 ksys_write+0x66/0xe0\r\n",
		"[    4.579878]  0xffffffff8188c504 do_syscall_64+0x34/0x90\r\n",
		"[    4.579878]  0xffffffff81a00126 entry_SYSCALL_64_after_hwframe+0x6e/0xd8\r\n",
		"[    4.583136] RIP: 0033:0x000000000047b7a0\r\n", // user space: untouched
		"[    4.579878]  0xffffffffc00001a2\r\n",          // module: no symbols for it in a System.map
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(r.stderr, "System.map") || strings.Contains(r.stdout, "ksymoops-go:") {
		t.Errorf("diagnostics misplaced:\nstderr: %s", r.stderr)
	}
	golden(t, "nokallsyms-nokaslr-module-oops.golden", r.stdout)
}

// TestGoldenOwnKallsyms runs every scenario's log with its own kallsyms:
// the kernel symbolized most addresses itself, so the output must equal the
// input except where a register points into code and where the kernel
// printed a raw address (the i386 log's unloaded-module "EIP: 0xf742f012").
func TestGoldenOwnKallsyms(t *testing.T) {
	for _, dir := range []string{"x86_64-nokaslr-module-oops", "x86_64-kaslr-sysrq-panic", "arm64-kaslr-module-oops", "armhf-sysrq-panic", "i386-module-oops"} {
		r := runCmd(t, "", noEnv, "-k", td+"/"+dir+"/kallsyms.txt.xz", td+"/"+dir+"/console.log")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", dir, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "does not match") {
			t.Errorf("%s: own kallsyms reported as mismatching:\n%s", dir, r.stderr)
		}
		golden(t, dir+".golden", r.stdout)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ksymoops-go -update)", err)
	}
	if got != string(want) {
		os.WriteFile(path+".actual", []byte(got), 0o644)
		t.Errorf("%s differs; actual output written to %s.actual", path, path)
	}
}

// TestKASLROffset resolves a raw address of a randomized boot with the
// build's System.map and the boot's Kernel Offset (0xd400000): the address
// is proc_reg_write+0x56 in that boot's kallsyms.
func TestKASLROffset(t *testing.T) {
	k := string(readXZ(t, kaslrKallsyms))
	m := regexp.MustCompile(`(?m)^([0-9a-f]{16}) t proc_reg_write$`).FindStringSubmatch(k)
	if m == nil {
		t.Fatal("proc_reg_write not in kallsyms")
	}
	line := "[   28.809999]  0x" + m[1][:13] + "" + hexAdd(m[1], 0x56)[13:] + "\n"
	want := strings.TrimSuffix(line, "\n") + " proc_reg_write+0x56/0xa0\n"
	r := runCmd(t, line, noEnv, "-m", amd64Map, "--kaslr-offset", "0xd400000")
	if r.code != 0 || r.stdout != want {
		t.Errorf("with offset: exit %d, got %q, want %q (%s)", r.code, r.stdout, want, r.stderr)
	}
	r = runCmd(t, line, noEnv, "-m", amd64Map)
	if r.stdout != line {
		t.Errorf("without the offset the address must stay raw, got %q", r.stdout)
	}
	r = runCmd(t, line, noEnv, "-k", kaslrKallsyms, "--kaslr-offset", "0xd400000")
	if r.stdout != want || !strings.Contains(r.stderr, "--kaslr-offset ignored") {
		t.Errorf("with -k: got %q, stderr %s", r.stdout, r.stderr)
	}
}

func hexAdd(h string, n uint64) string {
	var v uint64
	for _, c := range h {
		v = v*16 + uint64(strings.IndexRune("0123456789abcdef", c))
	}
	const digits = "0123456789abcdef"
	v += n
	out := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		out[i] = digits[v&15]
		v >>= 4
	}
	return string(out)
}

func TestExitCodesAndErrors(t *testing.T) {
	dir := t.TempDir()
	zeroed := filepath.Join(dir, "kallsyms-restricted")
	os.WriteFile(zeroed, []byte("0000000000000000 T _stext\n0000000000000000 t oopsdemo_write\t[oopsdemo]\n"), 0o644)
	broken := filepath.Join(dir, "System.map")
	os.WriteFile(broken, []byte("ffffffff81000000 T _stext\nffffffff81000010 T ok\nnot a symbol line\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown flag", []string{"--frobnicate"}, 2, "frobnicate"},
		{"bad colour", []string{"--color", "sometimes", "-m", nokallsymsMap}, 2, "--color"},
		{"bad offset", []string{"--kaslr-offset", "xyz", "-m", nokallsymsMap}, 2, "--kaslr-offset"},
		{"bad arch", []string{"--arch", "vax", "-m", nokallsymsMap}, 2, "--arch"},
		{"missing symbol file", []string{"-m", filepath.Join(dir, "nope")}, 1, "nope"},
		{"symbol file is a directory", []string{"-m", dir}, 1, "directory"},
		{"placeholder", []string{"-m", placeholder}, 1, "-dbg"},
		{"kptr_restrict", []string{"-k", zeroed}, 1, "kptr_restrict"},
		{"broken line", []string{"-m", broken}, 1, broken + ":3"},
		{"log as System.map", []string{"-m", nokallsymsLog}, 1, "console.log:1"},
		{"missing log", []string{"-m", nokallsymsMap, filepath.Join(dir, "missing.log")}, 1, "missing.log"},
	}
	for _, tc := range tests {
		r := runCmd(t, "", noEnv, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("%s: exit %d (want %d), stderr %q (want it to mention %q)", tc.name, r.code, tc.code, r.stderr, tc.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%s: stdout %q", tc.name, r.stdout)
		}
	}
}

// TestFilesInOrder: several inputs are annotated in argument order, a
// missing one is reported without stopping the others, "-" is stdin.
func TestFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.log")
	os.WriteFile(a, []byte("[    4.579878]  0xffffffff8122a3b2\n"), 0o644)
	r := runCmd(t, "[    4.579878]  0xffffffff8122a836\n", noEnv, "-q", "-m", nokallsymsMap, a, filepath.Join(dir, "gone.log"), "-")
	want := "[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\n[    4.579878]  0xffffffff8122a836 ksys_write+0x66/0xe0\n"
	if r.code != 1 || r.stdout != want || !strings.Contains(r.stderr, "gone.log") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "[    4.579878]  0xffffffff8122a836\n", noEnv, "-q", "-m", nokallsymsMap)
	if r.code != 0 || r.stdout != want[len(want)/2:] || r.stderr != "" {
		t.Errorf("stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestCompressedInputs(t *testing.T) {
	dir := t.TempDir()
	logText, _ := os.ReadFile(nokallsymsLog)
	mapText := readXZ(t, nokallsymsMap)
	plain := runCmd(t, "", noEnv, "-q", "-m", nokallsymsMap, nokallsymsLog)
	for _, c := range []struct {
		ext  string
		wrap func(io.Writer) io.WriteCloser
	}{
		{"gz", func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }},
		{"zst", func(w io.Writer) io.WriteCloser { z, _ := zstd.NewWriter(w); return z }},
		{"xz", func(w io.Writer) io.WriteCloser { x, _ := xz.NewWriter(w); return x }},
		{"plain", nil},
	} {
		write := func(name string, data []byte) string {
			p := filepath.Join(dir, name+"."+c.ext)
			f, _ := os.Create(p)
			var w io.Writer = f
			var wc io.WriteCloser
			if c.wrap != nil {
				wc = c.wrap(f)
				w = wc
			}
			w.Write(data)
			if wc != nil {
				wc.Close()
			}
			f.Close()
			return p
		}
		r := runCmd(t, "", noEnv, "-q", "-m", write("map", mapText), write("log", logText))
		if r.code != 0 || r.stdout != plain.stdout {
			t.Errorf("%s: exit %d, output differs: %s", c.ext, r.code, r.stderr)
		}
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3}, 0o644)
	if r := runCmd(t, "", noEnv, "-q", "-m", nokallsymsMap, bad); r.code != 1 || !strings.Contains(r.stderr, "bad.gz") {
		t.Errorf("corrupt gzip: exit %d, %q", r.code, r.stderr)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestColor(t *testing.T) {
	args := []string{"-q", "-m", nokallsymsMap, nokallsymsLog}
	plain := runCmd(t, "", noEnv, args...)
	always := runCmd(t, "", noEnv, append([]string{"--color=always"}, args...)...)
	if !ansi.MatchString(always.stdout) {
		t.Error("--color=always did not colour")
	}
	if ansi.ReplaceAllString(always.stdout, "") != plain.stdout {
		t.Error("colour changed more than colour")
	}
	if ansi.MatchString(plain.stdout) {
		t.Error("auto coloured a buffer")
	}
	never := runCmd(t, "", noEnv, append([]string{"--color=never"}, args...)...)
	if never.stdout != plain.stdout {
		t.Error("--color=never differs from plain")
	}
	noColor := func(k string) (string, bool) {
		if k == "NO_COLOR" {
			return "1", true
		}
		return "", false
	}
	if useColor(colorAuto, os.Stdout, noColor) {
		t.Error("NO_COLOR ignored")
	}
	dumb := func(k string) (string, bool) { return map[string]string{"TERM": "dumb"}[k], k == "TERM" }
	if useColor(colorAuto, os.Stdout, dumb) {
		t.Error("TERM=dumb ignored")
	}
	if !useColor(colorAlways, io.Discard, noColor) {
		t.Error("--color=always must win over NO_COLOR")
	}
}

func TestQuietAndMismatchWarning(t *testing.T) {
	// The arm64 log names its own frames; with the x86_64 table they
	// cannot agree. Use a line that has both the address and the name.
	line := "[    0.000000]  [<ffffffff812aabc0>] vfs_read+0x10/0x20\n[    0.000000]  [<ffffffff8122a3b2>]\n"
	r := runCmd(t, line, noEnv, "-q", "-m", nokallsymsMap)
	if !strings.Contains(r.stderr, "does not match") {
		t.Errorf("mismatch not reported even with -q: %q", r.stderr)
	}
	if strings.Contains(r.stdout, "vfs_write") {
		t.Errorf("a name from a contradicted table was printed: %q", r.stdout)
	}
	if r.stdout != line {
		t.Errorf("output altered: %q", r.stdout)
	}
}

// TestI386RawAddresses checks the raw addresses of the real i386 log: a
// return address at the first byte of a module after a gap, an EIP in a
// module that was unloaded after kallsyms was saved, and user space.
func TestI386RawAddresses(t *testing.T) {
	dir := td + "/i386-module-oops"
	for _, args := range [][]string{
		{"-k", dir + "/kallsyms.txt.xz"},
		// The same boot through the build's System.map: i386 printed
		// "Kernel Offset: disabled" but ran relocated by 0x1d000000.
		{"-m", td + "/maps/System.map-6.1.0-50-686.xz", "--kaslr-offset", "0x1d000000"},
	} {
		r := runCmd(t, "", noEnv, append(args, dir+"/console.log")...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
		}
		want := []string{"]  ? 0xf743d000 oopsdemo_write+0x0/0x8b [oopsdemo]\n", "] EIP: 0xf742f012 oopsdemo_uaf_nap+0x12/0x30 [oopsdemo_uaf]\n", "] EIP: 0xb7f50559\n"}
		if args[0] == "-m" {
			// A System.map has no module symbols: they stay raw, but the
			// core frames match the kernel's.
			want = []string{"]  ? 0xf743d000\n", "] EIP: 0xf742f012\n", "] EIP: 0xb7f50559\n"}
		}
		out := strings.ReplaceAll(r.stdout, "\r\n", "\n")
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q", args, w)
			}
		}
	}
}

// TestWrongTableByNames gives the x86_64 log the arm64 boot's kallsyms:
// the symbols the x86_64 kernel printed have other sizes there, which must
// be reported, with examples, even with -q.
func TestWrongTableByNames(t *testing.T) {
	r := runCmd(t, "", noEnv, "-q", "-k", td+"/arm64-kaslr-module-oops/kallsyms.txt.xz", td+"/x86_64-nokaslr-module-oops/console.log")
	if !strings.Contains(r.stderr, "does not match") || !strings.Contains(r.stderr, "oopsdemo_level3+0x51/0xfe [oopsdemo]") {
		t.Errorf("no mismatch report: %q", r.stderr)
	}
	in, _ := os.ReadFile(td + "/x86_64-nokaslr-module-oops/console.log")
	if r.stdout != string(in) {
		t.Error("output altered")
	}
}

// TestFailOnOops: exit 3 when a report was found, 0 when none, and errors
// keep their own code.
func TestFailOnOops(t *testing.T) {
	crash := td + "/x86_64-nokallsyms-nokaslr-module-oops/console.log"
	clean := "[    1.284709] Run /init as init process\n"
	if r := runCmd(t, "", noEnv, "--fail-on-oops", "-m", nokallsymsMap, crash); r.code != 3 || !strings.Contains(r.stderr, "kernel reports found") {
		t.Errorf("crash log: exit %d, %q", r.code, r.stderr)
	}
	if r := runCmd(t, clean, noEnv, "--fail-on-oops", "-m", nokallsymsMap); r.code != 0 {
		t.Errorf("clean log: exit %d", r.code)
	}
	if r := runCmd(t, "", noEnv, "-m", nokallsymsMap, crash); r.code != 0 {
		t.Errorf("without the flag: exit %d", r.code)
	}
	if r := runCmd(t, "", noEnv, "--fail-on-oops", "-m", nokallsymsMap, crash, "/nonexistent.log"); r.code != 1 {
		t.Errorf("an error must win over reports: exit %d", r.code)
	}
}
