package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the real ksymoops-go, built once for the tests that need a
// process: pipes, signals, flushing.
var binary string

func TestMain(m *testing.M) {
	flagUpdate := false
	for _, a := range os.Args {
		flagUpdate = flagUpdate || strings.HasPrefix(a, "-update")
	}
	dir, err := os.MkdirTemp("", "ksymoops-go-test")
	if err == nil {
		out := filepath.Join(dir, "ksymoops-go")
		if b, err := exec.Command("go", "build", "-o", out, ".").CombinedOutput(); err == nil {
			binary = out
		} else if !flagUpdate {
			fmt.Fprintf(os.Stderr, "building the binary failed: %v\n%s", err, b)
		}
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func needBinary(t *testing.T) {
	if binary == "" {
		t.Skip("the binary could not be built (no go command?)")
	}
}

// TestLiveStreaming proves `dmesg -w | ksymoops-go` annotates as lines
// arrive: one line is written to the process and its annotated copy must
// come back while stdin is still open.
func TestLiveStreaming(t *testing.T) {
	needBinary(t)
	cmd := exec.Command(binary, "-q", "-m", nokallsymsMap)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		got <- line
	}()
	io.WriteString(stdin, "[    4.579878]  0xffffffff8122a3b2\n")
	select {
	case line := <-got:
		if line != "[    4.579878]  0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\n" {
			t.Errorf("got %q", line)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no output while the input stayed open: not flushed per line")
	}
	stdin.Close()
	cmd.Wait()
}

// TestSIGPIPEQuiet: `ksymoops-go big.log | head -1` ends without an error.
func TestSIGPIPEQuiet(t *testing.T) {
	needBinary(t)
	big := filepath.Join(t.TempDir(), "big.log")
	log, _ := os.ReadFile(nokallsymsLog)
	os.WriteFile(big, bytes.Repeat(log, 200), 0o644)
	cmd := exec.Command(binary, "-m", nokallsymsMap, big)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(stdout).ReadString('\n')
	stdout.Close()
	cmd.Wait()
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "broken pipe") || strings.Contains(l, "error") || strings.Contains(l, "panic") {
			t.Errorf("stderr after the reader went away: %q", stderr.String())
			break
		}
	}
}

func TestHelp(t *testing.T) {
	needBinary(t)
	if out, err := exec.Command(binary, "--version").CombinedOutput(); err != nil || !bytes.HasPrefix(out, []byte("ksymoops-go version ")) {
		t.Errorf("--version: %q %v", out, err)
	}
	out, err := exec.Command(binary, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"dmesg | ksymoops-go", "-k kallsyms.txt crash.log", "--kaslr-offset", "--color", "NO_COLOR"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// TestBytesPassThrough: a 1 MB line, CRLF, NUL and invalid UTF-8 come out
// exactly as they went in.
func TestBytesPassThrough(t *testing.T) {
	needBinary(t)
	in := strings.Repeat("[<0000000000000000>] ", 50000) + "\r\nx\x00y\xff\r\nno newline at the end"
	cmd := exec.Command(binary, "-q", "-m", nokallsymsMap)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("output differs from input (%d vs %d bytes)", len(out), len(in))
	}
}
