package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests in this file run the real ksymoops-go, for what only a process
// shows: pipes, signals, flushing. TestMain builds it once.

// binaryPath is where TestMain builds the binary: a directory of this
// test process's own.
func binaryPath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("ksymoops-go-test-%d", os.Getpid()), "ksymoops-go")
}

func TestMain(m *testing.M) {
	bin := binaryPath()
	if goCmd, err := exec.LookPath("go"); err == nil {
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err == nil {
			if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building ksymoops-go failed, its tests will be skipped: %v\n%s", err, out)
			}
		}
	}
	code := m.Run()
	os.RemoveAll(filepath.Dir(bin))
	os.Exit(code)
}

// needBinary returns the path of the built binary, or skips the test.
func needBinary(t *testing.T) string {
	t.Helper()
	bin := binaryPath()
	if _, err := os.Stat(bin); err != nil {
		t.Skip("ksymoops-go could not be built (no go command?)")
	}
	return bin
}

// readLineWithin reads one line from r, giving up after d.
func readLineWithin(t *testing.T, br *bufio.Reader, d time.Duration) (string, bool) {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		l, _ := br.ReadString('\n')
		got <- l
	}()
	select {
	case l := <-got:
		return l, true
	case <-time.After(d):
		return "", false
	}
}

// TestLiveStreaming proves `dmesg -w | ksymoops-go -k kallsyms` annotates
// lines as they arrive: each line written to the process must come back,
// annotated, while its standard input is still open.
func TestLiveStreaming(t *testing.T) {
	bin := needBinary(t)
	addr := kallsymsAddr(t, kaslrKallsyms, "proc_reg_write") + 0x56
	cmd := exec.Command(bin, "-q", "-k", kaslrKallsyms)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	br := bufio.NewReader(stdout)
	for i, tc := range []struct{ in, want string }{
		// A first line shorter than any compression magic must not
		// wait for more input to decide the format.
		{"ok\n", "ok\n"},
		{fmt.Sprintf("[   28.809999]  %#x\n", addr), fmt.Sprintf("[   28.809999]  %#x proc_reg_write+0x56/0xa0\n", addr)},
		{fmt.Sprintf("[   28.809999]  ? %#x\r\n", addr), fmt.Sprintf("[   28.809999]  ? %#x proc_reg_write+0x56/0xa0\r\n", addr)},
	} {
		if _, err := io.WriteString(stdin, tc.in); err != nil {
			t.Fatal(err)
		}
		line, ok := readLineWithin(t, br, 20*time.Second)
		if !ok {
			t.Fatalf("line %d: nothing came out while the input stayed open: output not flushed when the input paused", i+1)
		}
		if line != tc.want {
			t.Errorf("line %d: got %q, want %q", i+1, line, tc.want)
		}
	}
	stdin.Close()
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("more output after the input ended: %q", rest)
	}
	if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
		t.Errorf("exit: %v, stderr %q", err, stderr.String())
	}
}

// TestSIGPIPEQuiet: `ksymoops-go big.log | head -1` ends quietly when the
// reader goes away, with no error message on stderr.
func TestSIGPIPEQuiet(t *testing.T) {
	bin := needBinary(t)
	big := filepath.Join(t.TempDir(), "big.log")
	log, err := os.ReadFile(nokallsymsLog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bytes.Repeat(log, 200), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []bool{false, true} {
		args := []string{"-m", nokallsymsMap, big, big}
		if quiet {
			args = append([]string{"-q"}, args...)
		}
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		first, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(first, "[    0.000000] Linux version") {
			t.Errorf("first line %q, %v", first, err)
		}
		stdout.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("ksymoops-go kept running after its reader went away")
		}
		s := stderr.String()
		if quiet && s != "" {
			t.Errorf("-q: stderr after the reader went away: %q", s)
		}
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "KASLR offset") {
				continue // what was concluded about each boot, said before the pipe broke
			}
			for _, bad := range []string{"broken pipe", "rror", "panic", "goroutine", big + ":"} {
				if strings.Contains(line, bad) {
					t.Errorf("stderr after the reader went away mentions %q: %q", bad, s)
				}
			}
		}
	}
}

func TestHelp(t *testing.T) {
	bin := needBinary(t)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, []byte("ksymoops-go version ")) {
		t.Errorf("--version: %q %v", out, err)
	}
	for _, flag := range []string{"--help", "-h"} {
		cmd := exec.Command(bin, flag)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v (want exit 0)", flag, err)
		}
		for _, want := range []string{
			"dmesg | ksymoops-go", "dmesg -w | ksymoops-go", "-k kallsyms.txt crash.log",
			"--kaslr-offset 0xd400000 crash.log", "--color", "NO_COLOR", "--fail-on-oops", "Exit status",
			"ksymoops-go --kmsg", "/sys/fs/pstore/*", "vmcore-dmesg.txt", "'logs/*.log'", "--redact", "--input-format",
		} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: the help lacks %q", flag, want)
			}
		}
		if stderr.Len() != 0 {
			t.Errorf("%s: stderr %q", flag, stderr.String())
		}
	}
	// A usage error says so on stderr only, with exit status 2.
	cmd := exec.Command(bin, "--no-such-flag")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("unknown flag: %v, want exit status 2", err)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("unknown flag: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// TestBytesPassThrough: 1 MB and 5 MB lines (the second longer than the
// parser takes whole), CRLF, NUL, invalid UTF-8 and a last line without a
// newline come out exactly as they went in, and a raw address after the
// long lines is still annotated.
func TestBytesPassThrough(t *testing.T) {
	bin := needBinary(t)
	long := strings.Repeat("[<0000000000000000>] ", 50000) // 1 MB
	huge := strings.Repeat("0123456789abcdef", 5<<16)      // 5 MB, no spaces
	in := long + "\r\n" +
		huge + "\n" +
		"x\x00y\xff\r\n" +
		"[    4.579878]  0xffffffff8122a3b2\r\n" +
		long + "\n" +
		"\r\n\n" +
		"no newline at the end"
	want := strings.Replace(in, "0xffffffff8122a3b2\r\n", "0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\r\n", 1)
	cmd := exec.Command(bin, "-q", "-m", nokallsymsMap, "--kaslr-offset", "0")
	cmd.Stdin = strings.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if string(out) != want {
		t.Errorf("output differs from the expected (%d vs %d bytes), first difference at byte %d", len(out), len(want), firstDiff(string(out), want))
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestAsUnprivileged runs the binary as user nobody (when the tests run
// as root and setpriv is there, as on CI machines): /proc/kallsyms then
// shows zeros, and unreadable files are refused, each with a message that
// says what to do.
func TestAsUnprivileged(t *testing.T) {
	bin := needBinary(t)
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to drop privileges")
	}
	dir, err := os.MkdirTemp("", "ksymoops-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// nobody must reach the binary and the files: world-readable copies.
	exe := filepath.Join(dir, "ksymoops-go")
	copyFile(t, bin, exe, 0o755)
	log := filepath.Join(dir, "log")
	copyFile(t, nokallsymsLog, log, 0o644)
	secret := filepath.Join(dir, "secret.log")
	copyFile(t, nokallsymsLog, secret, 0o600)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	asNobody := func(args ...string) (int, string) {
		cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", exe}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stderr.String()
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"zeroed /proc/kallsyms", []string{"-k", "/proc/kallsyms", log}, 1, []string{"/proc/kallsyms", "kptr_restrict", "root", "-m"}},
		{"live sources", []string{log}, 1, []string{"/proc/kallsyms", "kptr_restrict", "no System.map", "-k", "-m"}},
		{"unreadable log", []string{"-m", filepath.Join(dir, "map"), secret}, 1, []string{secret, "permission denied"}},
		{"unreadable table", []string{"-k", secret, log}, 1, []string{secret, "permission denied", "run as root"}},
	} {
		if tc.name == "live sources" && anyExists(systemMapPaths(kernelRelease())) {
			continue // this machine has a System.map to fall back on
		}
		if tc.name == "unreadable log" {
			copyFile(t, readXZPath(t, nokallsymsMap), filepath.Join(dir, "map"), 0o644)
		}
		code, stderr := asNobody(tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d: %s", tc.name, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q: %s", tc.name, w, stderr)
			}
		}
	}
}

func anyExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// readXZPath decompresses an .xz test file into a temporary file and
// returns its path.
func readXZPath(t *testing.T, path string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(strings.TrimSuffix(path, ".xz")))
	if err := os.WriteFile(out, readXZ(t, path), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
