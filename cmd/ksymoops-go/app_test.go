package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
	"github.com/urfave/cli/v2"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen/xopentest"
)

// td is the repository's real test data (testdata/README.md).
const td = "../../testdata"

// Real inputs used throughout.
const (
	nokallsymsLog = td + "/x86_64-nokallsyms-nokaslr-module-oops/console.log"
	nokallsymsMap = td + "/maps/System.map-6.1.192-nokallsyms.xz"
	amd64Map      = td + "/maps/System.map-6.1.0-56-amd64.xz"
	kaslrKallsyms = td + "/x86_64-kaslr-sysrq-panic/kallsyms.txt.xz"
	placeholder   = td + "/maps/System.map-6.1.0-56-amd64.placeholder-from-linux-image"
)

// Lines of the nokallsyms log and their annotation with its System.map.
const (
	vfsWriteIn   = "[    4.579878]  0xffffffff8122a3b2\n"
	vfsWriteOut  = "[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\n"
	ksysWriteIn  = "[    4.579878]  0xffffffff8122a836\n"
	ksysWriteOut = "[    4.579878]  0xffffffff8122a836 ksys_write+0x66/0xe0\n"
)

// noEnv is an environment with nothing set.
func noEnv(string) (string, bool) { return "", false }

// envOf is an environment with just vars set.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command in-process with args after the program name.
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

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// kallsymsAddr returns the address of the text symbol name in an
// xz-compressed kallsyms.
func kallsymsAddr(t *testing.T, path, name string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^([0-9a-f]{8,16}) [tT] ` + regexp.QuoteMeta(name) + `$`).FindSubmatch(readXZ(t, path))
	if m == nil {
		t.Fatalf("%s not in %s", name, path)
	}
	v, err := strconv.ParseUint(string(m[1]), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestKASLROffset resolves a raw address of a randomized boot with the
// build's System.map and the boot's Kernel Offset (0xd400000): the address
// is proc_reg_write+0x56 in that boot's kallsyms.
func TestKASLROffset(t *testing.T) {
	addr := kallsymsAddr(t, kaslrKallsyms, "proc_reg_write") + 0x56
	line := fmt.Sprintf("[   28.809999]  %#x\n", addr)
	want := fmt.Sprintf("[   28.809999]  %#x proc_reg_write+0x56/0xa0\n", addr)
	for _, off := range []string{"0xd400000", "0XD400000", "d400000", "0x000000000d400000"} {
		r := runCmd(t, line, noEnv, "-m", amd64Map, "--kaslr-offset", off)
		if r.code != 0 || r.stdout != want {
			t.Errorf("--kaslr-offset %s: exit %d, got %q, want %q (%s)", off, r.code, r.stdout, want, r.stderr)
		}
		if !strings.Contains(r.stderr, "KASLR offset 0xd400000 (given with --kaslr-offset)") {
			t.Errorf("--kaslr-offset %s: the relocation is not reported: %q", off, r.stderr)
		}
	}
	// The link-time System.map alone does not cover the randomized address.
	if r := runCmd(t, line, noEnv, "-m", amd64Map); r.code != 0 || r.stdout != line {
		t.Errorf("without the offset the address must stay raw, got %q", r.stdout)
	}
	// A kallsyms has the boot's addresses already: the offset is ignored,
	// and said to be.
	r := runCmd(t, line, noEnv, "-k", kaslrKallsyms, "--kaslr-offset", "0xd400000")
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "--kaslr-offset ignored") {
		t.Errorf("with -k: exit %d, got %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Both tables: the kallsyms wins, the System.map is said to be unused.
	r = runCmd(t, line, noEnv, "-k", kaslrKallsyms, "-m", nokallsymsMap)
	if r.code != 0 || r.stdout != want || !strings.Contains(r.stderr, "System.map is not used") {
		t.Errorf("with -k and -m: exit %d, got %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestExitCodesAndErrors(t *testing.T) {
	dir := t.TempDir()
	zeroed := writeFile(t, filepath.Join(dir, "kallsyms-restricted"),
		[]byte("0000000000000000 T _stext\n0000000000000000 t oopsdemo_write\t[oopsdemo]\n"))
	brokenMap := writeFile(t, filepath.Join(dir, "System.map"),
		[]byte("ffffffff81000000 T _stext\nffffffff81000010 T ok\nnot a symbol line\nffffffff81000020 T later\n"))
	brokenKallsyms := writeFile(t, filepath.Join(dir, "kallsyms"),
		[]byte("ffffffff81000000 T _stext\nffffffff81000010 t ok\tjunk\nffffffff81000020\n"))
	empty := writeFile(t, filepath.Join(dir, "empty"), nil)
	log := writeFile(t, filepath.Join(dir, "crash.log"), []byte(vfsWriteIn))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string // what the message must mention
	}{
		{"unknown flag", []string{"--frobnicate"}, 2, []string{"frobnicate", "--help"}},
		{"bad colour", []string{"--color", "sometimes", "-m", nokallsymsMap}, 2, []string{"--color", "sometimes"}},
		{"bad offset", []string{"--kaslr-offset", "xyz", "-m", nokallsymsMap}, 2, []string{"--kaslr-offset", "xyz"}},
		{"empty offset", []string{"--kaslr-offset", "0x", "-m", nokallsymsMap}, 2, []string{"--kaslr-offset"}},
		{"negative offset", []string{"--kaslr-offset=-0x1000", "-m", nokallsymsMap}, 2, []string{"--kaslr-offset"}},
		{"bad arch", []string{"--arch", "vax", "-m", nokallsymsMap}, 2, []string{"--arch", "vax"}},
		{"stdin twice", []string{"-m", "-"}, 2, []string{"standard input"}},
		{"stdin twice, explicit", []string{"-k", "-", log, "-"}, 2, []string{"standard input"}},
		{"missing symbol file", []string{"-m", filepath.Join(dir, "nope")}, 1, []string{filepath.Join(dir, "nope"), "no such file"}},
		{"missing kallsyms", []string{"-k", filepath.Join(dir, "nope")}, 1, []string{filepath.Join(dir, "nope")}},
		{"symbol file is a directory", []string{"-m", dir}, 1, []string{dir, "directory"}},
		{"kallsyms is a directory", []string{"-k", dir}, 1, []string{dir, "directory"}},
		{"placeholder", []string{"-m", placeholder}, 1, []string{"placeholder", "-dbg"}},
		{"kptr_restrict", []string{"-k", zeroed}, 1, []string{zeroed, "kptr_restrict", "root", "-m"}},
		{"broken System.map line", []string{"-m", brokenMap}, 1, []string{brokenMap + ":3:", "not a symbol line"}},
		{"broken kallsyms line", []string{"-k", brokenKallsyms}, 1, []string{brokenKallsyms + ":"}},
		{"empty symbol file", []string{"-m", empty}, 1, []string{empty, "empty"}},
		{"log as System.map", []string{"-m", nokallsymsLog}, 1, []string{"console.log:1:"}},
		{"missing log", []string{"-m", nokallsymsMap, filepath.Join(dir, "missing.log")}, 1, []string{filepath.Join(dir, "missing.log")}},
		{"log is a directory", []string{"-m", nokallsymsMap, dir}, 1, []string{dir, "directory"}},
	}
	for _, tc := range tests {
		for _, quiet := range []bool{false, true} {
			args := tc.args
			if quiet {
				args = append([]string{"-q"}, args...)
			}
			r := runCmd(t, "", noEnv, args...)
			if r.code != tc.code {
				t.Errorf("%s (-q %v): exit %d, want %d; stderr %q", tc.name, quiet, r.code, tc.code, r.stderr)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("%s (-q %v): stderr %q does not mention %q", tc.name, quiet, r.stderr, w)
				}
			}
			if !strings.HasPrefix(r.stderr, "ksymoops-go: ") {
				t.Errorf("%s (-q %v): stderr %q", tc.name, quiet, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("%s (-q %v): stdout %q", tc.name, quiet, r.stdout)
			}
		}
	}
}

// TestDiagnosticsOnStderr: notes go to stderr and never into the annotated
// stream; -q silences them and changes nothing else.
func TestDiagnosticsOnStderr(t *testing.T) {
	loud := runCmd(t, "", noEnv, "-m", nokallsymsMap, nokallsymsLog)
	quiet := runCmd(t, "", noEnv, "-q", "-m", nokallsymsMap, nokallsymsLog)
	if loud.code != 0 || quiet.code != 0 {
		t.Fatalf("exit %d / %d: %s", loud.code, quiet.code, loud.stderr)
	}
	if loud.stdout != quiet.stdout {
		t.Error("-q changed the annotated output")
	}
	if strings.Contains(loud.stdout, "ksymoops-go") {
		t.Error("a diagnostic reached stdout")
	}
	for _, w := range []string{"using System.map " + nokallsymsMap, "console.log: 441 lines", "kernel reports found"} {
		if !strings.Contains(loud.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, loud.stderr)
		}
	}
	if quiet.stderr != "" {
		t.Errorf("-q: stderr %q", quiet.stderr)
	}
}

// TestFilesInOrder: several inputs are annotated in argument order, a
// missing one or a directory is reported without stopping the others,
// "-" is stdin, and so is no argument at all.
func TestFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a.log"), []byte(vfsWriteIn))
	b := writeFile(t, filepath.Join(dir, "b.log"), []byte("b\n"+ksysWriteIn))
	gone := filepath.Join(dir, "gone.log")
	r := runCmd(t, "from stdin\n", noEnv, "-q", "-m", nokallsymsMap, "--kaslr-offset", "0", b, gone, a, "-", dir, b)
	want := "b\n" + ksysWriteOut + vfsWriteOut + "from stdin\n" + "b\n" + ksysWriteOut
	if r.code != 1 || r.stdout != want {
		t.Errorf("exit %d\nstdout %q\nwant   %q", r.code, r.stdout, want)
	}
	if !strings.Contains(r.stderr, gone) || !strings.Contains(r.stderr, dir+" is a directory") || strings.Count(r.stderr, "\n") != 2 {
		t.Errorf("stderr %q: want one line for each bad input", r.stderr)
	}
	for _, args := range [][]string{{}, {"-"}} {
		r = runCmd(t, ksysWriteIn, noEnv, append([]string{"-q", "-m", nokallsymsMap, "--kaslr-offset", "0"}, args...)...)
		if r.code != 0 || r.stdout != ksysWriteOut || r.stderr != "" {
			t.Errorf("stdin %v: exit %d %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
	// The symbol file may come on stdin when the logs are named.
	r = runCmd(t, string(readXZ(t, nokallsymsMap)), noEnv, "-q", "-m", "-", "--kaslr-offset", "0", a)
	if r.code != 0 || r.stdout != vfsWriteOut {
		t.Errorf("System.map on stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestCompressedInputs(t *testing.T) {
	dir := t.TempDir()
	logText := []byte(readFile(t, nokallsymsLog))
	mapText := readXZ(t, nokallsymsMap)
	plain := runCmd(t, "", noEnv, "-q", "-m", nokallsymsMap, nokallsymsLog)
	kaslrLog := td + "/x86_64-kaslr-sysrq-panic/console.log"
	kaslrText := []byte(readFile(t, kaslrLog))
	ksymsText := readXZ(t, kaslrKallsyms)
	plainK := runCmd(t, "", noEnv, "-q", "-k", kaslrKallsyms, kaslrLog)
	if plain.code != 0 || plainK.code != 0 {
		t.Fatalf("exit %d, %d", plain.code, plainK.code)
	}
	for _, c := range xopentest.Formats() {
		// Names without the usual suffix: the content decides.
		mapFile := writeFile(t, filepath.Join(dir, "map-"+c.Name), c.Compress(t, mapText))
		logFile := writeFile(t, filepath.Join(dir, "log-"+c.Name), c.Compress(t, logText))
		r := runCmd(t, "", noEnv, "-q", "-m", mapFile, logFile)
		if r.code != 0 || r.stdout != plain.stdout {
			t.Errorf("%s System.map and log: exit %d, output differs: %s", c.Name, r.code, r.stderr)
		}
		r = runCmd(t, string(c.Compress(t, logText)), noEnv, "-q", "-m", mapFile)
		if r.code != 0 || r.stdout != plain.stdout {
			t.Errorf("%s log on stdin: exit %d, output differs: %s", c.Name, r.code, r.stderr)
		}
		ksymsFile := writeFile(t, filepath.Join(dir, "kallsyms."+c.Name), c.Compress(t, ksymsText))
		kLog := writeFile(t, filepath.Join(dir, "console.log."+c.Name), c.Compress(t, kaslrText))
		r = runCmd(t, "", noEnv, "-q", "-k", ksymsFile, kLog)
		if r.code != 0 || r.stdout != plainK.stdout {
			t.Errorf("%s kallsyms and log: exit %d, output differs: %s", c.Name, r.code, r.stderr)
		}
		// Corrupt data: exit 1, the file named, the others still done.
		full := c.Compress(t, logText)
		bad := writeFile(t, filepath.Join(dir, "bad."+c.Name), full[:len(full)/2])
		r = runCmd(t, "", noEnv, "-q", "-m", nokallsymsMap, bad, nokallsymsLog)
		if r.code != 1 || strings.Count(r.stderr, bad) != 1 || !strings.HasSuffix(r.stdout, plain.stdout) {
			t.Errorf("truncated %s: exit %d, %q (want the file named once)", c.Name, r.code, r.stderr)
		}
		r = runCmd(t, string(full[:len(full)/2]), noEnv, "-q", "-m", nokallsymsMap)
		if r.code != 1 || strings.Count(r.stderr, "standard input") != 1 {
			t.Errorf("truncated %s on stdin: exit %d, %q (want standard input named once)", c.Name, r.code, r.stderr)
		}
		r = runCmd(t, "", noEnv, "-q", "-m", bad)
		if r.code != 1 || strings.Count(r.stderr, bad) != 1 || r.stdout != "" {
			t.Errorf("truncated %s System.map: exit %d, %q (want the file named once)", c.Name, r.code, r.stderr)
		}
	}
}

// TestInProcessStreaming: run() writes each line out as soon as the input
// pauses, so `dmesg -w | ksymoops-go` is live.
func TestInProcessStreaming(t *testing.T) {
	pr, pw := io.Pipe()
	out := &chanWriter{c: make(chan []byte, 100)}
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"ksymoops-go", "-q", "-m", nokallsymsMap, "--kaslr-offset", "0"}, pr, out, io.Discard, noEnv)
	}()
	br := bufio.NewReader(out)
	for _, tc := range []struct{ in, want string }{{"x\n", "x\n"}, {vfsWriteIn, vfsWriteOut}, {ksysWriteIn, ksysWriteOut}} {
		go io.WriteString(pw, tc.in)
		got := make(chan string, 1)
		go func() {
			l, _ := br.ReadString('\n')
			got <- l
		}()
		select {
		case l := <-got:
			if l != tc.want {
				t.Errorf("got %q, want %q", l, tc.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%q not written out while the input stayed open", tc.in)
		}
	}
	pw.Close()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}

// chanWriter passes each write to a reader through a channel.
type chanWriter struct {
	c    chan []byte
	rest []byte
}

func (w *chanWriter) Write(p []byte) (int, error) {
	w.c <- bytes.Clone(p)
	return len(p), nil
}

func (w *chanWriter) Read(p []byte) (int, error) {
	if len(w.rest) == 0 {
		w.rest = <-w.c
	}
	n := copy(p, w.rest)
	w.rest = w.rest[n:]
	return n, nil
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct {
	n   int
	err error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, w.err
}

// TestOutputErrors: a failed write of the output ends the run at once,
// blamed on the output and not on an input; a reader that went away (EPIPE)
// ends it quietly.
func TestOutputErrors(t *testing.T) {
	args := []string{"ksymoops-go", "-q", "-m", nokallsymsMap, nokallsymsLog, nokallsymsLog, nokallsymsLog}
	var stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &failingWriter{n: 1000, err: errors.New("no space left on device")}, &stderr, noEnv)
	if code != 1 || stderr.String() != "ksymoops-go: writing output: no space left on device\n" {
		t.Errorf("full disk: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	epipe := &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	code = run(args, strings.NewReader(""), &failingWriter{n: 1000, err: epipe}, &stderr, noEnv)
	if code != 1 || stderr.Len() != 0 {
		t.Errorf("broken pipe: exit %d, stderr %q", code, stderr.String())
	}
}

func TestQuietAndMismatchWarning(t *testing.T) {
	// A line that has both the address and the name, and the name
	// contradicts the table.
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
	r := runCmd(t, "", noEnv, "-q", "--no-code", "-k", td+"/arm64-kaslr-module-oops/kallsyms.txt.xz", td+"/x86_64-nokaslr-module-oops/console.log")
	if !strings.Contains(r.stderr, "does not match") || !strings.Contains(r.stderr, "oopsdemo_level3+0x51/0xfe [oopsdemo]") {
		t.Errorf("no mismatch report: %q", r.stderr)
	}
	if r.stdout != readFile(t, td+"/x86_64-nokaslr-module-oops/console.log") {
		t.Error("output altered")
	}
}

// TestFailOnOops: exit 3 when a report was found, 0 when none, and errors
// keep their own code.
func TestFailOnOops(t *testing.T) {
	clean := "[    1.284709] Run /init as init process\n"
	if r := runCmd(t, "", noEnv, "--fail-on-oops", "-m", nokallsymsMap, nokallsymsLog); r.code != 3 || !strings.Contains(r.stderr, "kernel reports found") {
		t.Errorf("crash log: exit %d, %q", r.code, r.stderr)
	}
	if r := runCmd(t, clean, noEnv, "--fail-on-oops", "-m", nokallsymsMap, "--kaslr-offset", "0"); r.code != 0 {
		t.Errorf("clean log: exit %d", r.code)
	}
	if r := runCmd(t, "", noEnv, "-m", nokallsymsMap, nokallsymsLog); r.code != 0 {
		t.Errorf("without the flag: exit %d", r.code)
	}
	if r := runCmd(t, "", noEnv, "--fail-on-oops", "-m", nokallsymsMap, nokallsymsLog, "/nonexistent.log"); r.code != 1 {
		t.Errorf("an error must win over reports: exit %d", r.code)
	}
}

// TestFlagsAfterFiles: flags may follow the file names, as in
// `ksymoops-go crash.log -k kallsyms.txt`; urfave/cli alone would take them
// for file names and fall back to the running kernel's symbols.
func TestFlagsAfterFiles(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a.log"), []byte(vfsWriteIn))
	dash := writeFile(t, filepath.Join(dir, "-b.log"), []byte(ksysWriteIn))
	for _, args := range [][]string{
		{a, "-q", "-m", nokallsymsMap, "--kaslr-offset", "0", dash},
		{a, "--system-map=" + nokallsymsMap, "--kaslr-offset=0", "-q", dash},
		{"-q", a, "--color", "never", "-m", nokallsymsMap, "--kaslr-offset", "0", "--", dash},
		{"-q", "-m", nokallsymsMap, "--kaslr-offset", "0", "--", a, dash},
	} {
		r := runCmd(t, "", noEnv, args...)
		if r.code != 0 || r.stdout != vfsWriteOut+ksysWriteOut || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	// dash above is an absolute path; from its directory it starts with "-".
	absMap, err := filepath.Abs(nokallsymsMap)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if r := runCmd(t, "", noEnv, "a.log", "-q", "-m", absMap, "--kaslr-offset", "0", "--", "-b.log"); r.code != 0 || r.stdout != vfsWriteOut+ksysWriteOut {
		t.Errorf("a file named -b.log after --: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestInterspersed(t *testing.T) {
	app := newApp(io.Discard, io.Discard, nil)
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"a.log", "-- a.log"},
		{"a.log -k k.txt", "-k k.txt -- a.log"},
		{"-k k.txt a.log b.log -q", "-k k.txt -q -- a.log b.log"},
		{"a.log --kallsyms=k.txt - --fail-on-oops", "--kallsyms=k.txt --fail-on-oops -- a.log -"},
		{"-q -- -a.log -k", "-q -- -a.log -k"},
		{"a.log --color", "--color"},            // the parser says the value is missing
		{"a.log -h", "-h"},                      // help, not help on the topic "a.log"
		{"a.log --frob x", "--frob -- a.log x"}, // unknown: the parser says so
		{"-m -", "-m -"},
	} {
		in := append([]string{"ksymoops-go"}, strings.Fields(c.in)...)
		got := strings.Join(interspersed(in, app.Flags)[1:], " ")
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	r := runCmd(t, "", noEnv, "a.log", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Examples:") {
		t.Errorf("a.log --help: exit %d, %q", r.code, r.stderr)
	}
	r = runCmd(t, "", noEnv, "-m", nokallsymsMap, "a.log", "--color")
	if r.code != 2 || !strings.Contains(r.stderr, "color") || r.stdout != "" {
		t.Errorf("a.log --color: exit %d, %q", r.code, r.stderr)
	}
}

// TestKnownNamesTransparent holds the flags' wrappers (withKnownNames) to
// the flags they wrap: the same names, and the same help, word for word.
func TestKnownNamesTransparent(t *testing.T) {
	var wrappedOut, plainOut bytes.Buffer
	wrapped := newApp(&wrappedOut, io.Discard, func(*options) error { return nil })
	plain := newApp(&plainOut, io.Discard, func(*options) error { return nil })
	for i, f := range plain.Flags {
		plain.Flags[i] = unwrapFlag(f)
		if plain.Flags[i] == f {
			t.Errorf("flag %v is not wrapped: withKnownNames does not know its type %T", f.Names(), f)
		}
		if !slices.Equal(f.Names(), plain.Flags[i].Names()) {
			t.Errorf("wrapped flag names %v, want %v", f.Names(), plain.Flags[i].Names())
		}
	}
	for _, app := range []*cli.App{wrapped, plain} {
		if err := app.Run([]string{"ksymoops-go", "--help"}); err != nil {
			t.Fatal(err)
		}
	}
	if wrappedOut.String() != plainOut.String() || !strings.Contains(wrappedOut.String(), "--kallsyms") {
		t.Errorf("help with the wrapped flags differs:\n%s\nwant:\n%s", wrappedOut.String(), plainOut.String())
	}
}

// TestSmallFiles: only regular files below smallInput are small; standard
// input (no files), a missing path and a directory may be anything.
func TestSmallFiles(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.log"), filepath.Join(dir, "big.log")
	if err := os.WriteFile(small, []byte("[    0.000000] Linux version 6.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, smallInput), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		files []string
		want  bool
	}{
		{[]string{small}, true},
		{[]string{small, small}, true},
		{[]string{small, big}, false},
		{nil, false},
		{[]string{filepath.Join(dir, "missing.log")}, false},
		{[]string{dir}, false},
	} {
		if got := smallFiles(tc.files); got != tc.want {
			t.Errorf("smallFiles(%q) = %v", tc.files, got)
		}
	}
}
