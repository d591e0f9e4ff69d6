package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// The real samples of where kernel logs live (testdata/README.md).
const (
	inputsDir      = td + "/x86_64-kaslr-inputs"
	inputsKallsyms = inputsDir + "/kallsyms.txt.xz"
	efiPstoreDir   = td + "/x86_64-efi-pstore/pstore"
	kdumpLog       = td + "/x86_64-kdump/vmcore-dmesg.txt"
)

// The oops in freed module text of the inputs sample: its raw RIP, as
// the boot's kallsyms resolves it.
const uafRIP = "RIP: 0010:0xffffffffc036a00f oopsdemo_uaf_nap+0xf/0x30 [oopsdemo_uaf]"

// TestEveryInputFormat: the same boot read as /dev/kmsg records, as
// journald's JSON and as a syslog-style journalctl export is annotated
// alike; the format is told from the first line, or given.
func TestEveryInputFormat(t *testing.T) {
	var kmsgOut string
	for _, tc := range []struct {
		file, format string
		note         string
	}{
		{"kmsg.txt", "", "kmsg, 583 records"},
		{"kmsg.txt", "kmsg", "kmsg, 583 records"},
		{"journal/json.xz", "", "journal-json, 583 records"},
		{"journal/json.xz", "journal-json", "journal-json, 583 records"},
		{"journal/short-precise.txt.xz", "", ""},
		{"journal/short-delta.txt.xz", "text", ""},
	} {
		t.Run(tc.file+"/"+tc.format, func(t *testing.T) {
			args := []string{"-k", inputsKallsyms, inputsDir + "/" + tc.file}
			if tc.format != "" {
				args = append(args, "--input-format", tc.format)
			}
			r := runCmd(t, "", noEnv, args...)
			if r.code != 0 || !strings.Contains(r.stdout, uafRIP+"\n") {
				t.Fatalf("exit %d, stderr %q; no %q in the output", r.code, r.stderr, uafRIP)
			}
			if tc.note != "" && !strings.Contains(r.stderr, tc.note) {
				t.Errorf("stderr %q does not say %q", r.stderr, tc.note)
			}
			switch tc.file {
			case "kmsg.txt":
				kmsgOut = r.stdout
			case "journal/json.xz":
				// journald copied the records journald read: every
				// annotated line is kmsg's.
				if missing, ok := subsequence(lines(r.stdout), lines(kmsgOut)); !ok {
					t.Errorf("journal line not in the kmsg output: %q", missing)
				}
			}
		})
	}
	// Forced to text, records are read as text: not decoded.
	r := runCmd(t, "", noEnv, "-q", "-k", inputsKallsyms, "--input-format", "text", inputsDir+"/kmsg.txt")
	if !strings.HasPrefix(r.stdout, "5,0,0,-;Linux version ") {
		t.Errorf("--input-format text decoded the records: %.40q", r.stdout)
	}
	// Standard input is detected too.
	r = runCmd(t, readFile(t, inputsDir+"/kmsg.txt"), noEnv, "-q", "-k", inputsKallsyms)
	if r.stdout != kmsgOut {
		t.Errorf("kmsg records on standard input: not the file's output (%q)", r.stderr)
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func subsequence(sub, seq []string) (string, bool) {
	j := 0
	for _, l := range sub {
		for j < len(seq) && seq[j] != l {
			j++
		}
		if j == len(seq) {
			return l, false
		}
		j++
	}
	return "", true
}

// TestPstoreArguments: `ksymoops-go /sys/fs/pstore/*` gives the dumps in
// the order they were logged, the last crash last, whatever the order of
// the files; other files keep their place, the dumps taking the place of
// the first pstore file; a quoted pattern is expanded.
func TestPstoreArguments(t *testing.T) {
	files, _ := filepath.Glob(efiPstoreDir + "/dmesg-efi-*")
	if len(files) != 28 {
		t.Fatalf("%d EFI pstore files", len(files))
	}
	dir := t.TempDir()
	before := writeFile(t, filepath.Join(dir, "before.log"), []byte("before\n"))
	after := writeFile(t, filepath.Join(dir, "after.log"), []byte("after\n"))
	base := []string{"-m", amd64Map}
	want := runCmd(t, "", noEnv, append(base, files...)...)
	if want.code != 0 {
		t.Fatalf("exit %d: %s", want.code, want.stderr)
	}
	out := lines(want.stdout)
	if !strings.HasPrefix(out[0], "Oops#1 Part14") || !strings.Contains(out[len(out)-1], "Kernel Offset: 0x1b800000") {
		t.Errorf("first line %q, last %q: want the oldest part first, the panic last", out[0], out[len(out)-1])
	}
	for _, note := range []string{"KASLR offset 0x1b800000", "28 parts: Oops#1 (parts 14-1), Panic#2 (parts 14-1)"} {
		if !strings.Contains(want.stderr, note) {
			t.Errorf("stderr %q does not say %q", want.stderr, note)
		}
	}
	shuffled := slices.Clone(files)
	slices.Reverse(shuffled)
	shuffled[3], shuffled[20] = shuffled[20], shuffled[3]
	for _, args := range [][]string{
		shuffled,
		{efiPstoreDir + "/dmesg-efi-*"},
		append(append([]string{}, files...), "--input-format", "pstore"),
	} {
		if r := runCmd(t, "", noEnv, append(base, args...)...); r.stdout != want.stdout {
			t.Errorf("%.60v...: another output", args)
		}
	}
	// Between other files, the dumps come where the first of them was.
	args := append(append(append(base, before), shuffled[:5]...), after)
	args = append(args, shuffled[5:]...)
	r := runCmd(t, "", noEnv, args...)
	if r.stdout != "before\n"+want.stdout+"after\n" {
		t.Errorf("order around the dumps: %.80q ... %q", r.stdout, r.stdout[len(r.stdout)-80:])
	}
}

// TestKdumpText: kdump's vmcore-dmesg.txt is text: passed through with its
// reports found.
func TestKdumpText(t *testing.T) {
	r := runCmd(t, "", noEnv, "--fail-on-oops", "--no-code", "-m", amd64Map, kdumpLog)
	if r.code != exitOops || r.stdout != readFile(t, kdumpLog) {
		t.Errorf("exit %d, output unchanged %v: %s", r.code, r.stdout == readFile(t, kdumpLog), r.stderr)
	}
}

// TestParallelInOrder: many files are annotated in parallel, the output
// and the diagnostics of each in the order of the arguments, as one by
// one.
func TestParallelInOrder(t *testing.T) {
	logs := []string{inputsDir + "/kmsg.txt", inputsDir + "/journal/json.xz", inputsDir + "/console.log", inputsDir + "/journal/short.txt.xz"}
	var args []string
	for range 3 {
		args = append(args, logs...)
	}
	all := runCmd(t, "", noEnv, append([]string{"-k", inputsKallsyms}, args...)...)
	var wantOut strings.Builder
	var names []string
	for _, f := range args {
		r := runCmd(t, "", noEnv, "-q", "-k", inputsKallsyms, f)
		wantOut.WriteString(r.stdout)
		names = append(names, f+": ")
	}
	if all.code != 0 || all.stdout != wantOut.String() {
		t.Fatalf("exit %d; output differs from one run per file", all.code)
	}
	// Each file's lines summary, in argument order.
	var seen []string
	for _, l := range lines(all.stderr) {
		if strings.Contains(l, " lines; resolved ") {
			l = strings.TrimPrefix(l, "ksymoops-go: ")
			seen = append(seen, l[:strings.Index(l, ": ")+2])
		}
	}
	if !slices.Equal(seen, names) {
		t.Errorf("summaries in order %q, want %q", seen, names)
	}
}

// TestInputUsageErrors: wrong combinations are usage errors.
func TestInputUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--input-format", "json", "x.log"},
		{"--kmsg", "x.log"},
		{"--kmsg", "--input-format", "pstore"},
	} {
		if r := runCmd(t, "", noEnv, append([]string{"-k", inputsKallsyms}, args...)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

func TestExplainKmsgError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: kmsgDevice, Err: syscall.EPERM}, "dmesg -w | ksymoops-go"},
		{&fs.PathError{Op: "open", Path: kmsgDevice, Err: syscall.EACCES}, "run ksymoops-go --kmsg as root"},
		{&fs.PathError{Op: "open", Path: kmsgDevice, Err: syscall.ENOENT}, "no kernel log device here"},
		{&fs.PathError{Op: "open", Path: kmsgDevice, Err: syscall.EIO}, "input/output error"},
	} {
		err := explainKmsgError(tc.err)
		if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err.(*fs.PathError).Err) {
			t.Errorf("%v: %v", tc.err, err)
		}
	}
}

// TestKmsgFollowed: --kmsg follows the device: records are decoded as
// they come, the reader waiting for the next one. A FIFO stands in for
// /dev/kmsg: one read, one record.
func TestKmsgFollowed(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "kmsg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO:", err)
	}
	records := lines(readFile(t, inputsDir+"/kmsg.txt"))
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		for _, rec := range records[:4] {
			w.WriteString(rec + "\n")
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Hour) // a live device never ends
	}()
	src := &source{name: fifo, kmsg: fifo}
	d, err := src.open(nil)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(d)
	for i, want := range []string{"[    0.000000] Linux version 6.1.0-56-amd64", "[    0.000000] Command line:", "[    0.000000] BIOS-provided", "[    0.000000] BIOS-e820:"} {
		got, ok := readLineWithin(t, br, 10*time.Second)
		if !ok || !strings.HasPrefix(got, want) {
			t.Fatalf("record %d: %q, want %q...", i, got, want)
		}
	}
}

// TestKmsgDevice reads the real /dev/kmsg through the real binary, and
// follows it: a record written to the device after ksymoops-go started
// comes out. Needs root (or a readable device and permission to write).
func TestKmsgDevice(t *testing.T) {
	bin := needBinary(t)
	w, err := os.OpenFile(kmsgDevice, os.O_WRONLY, 0)
	if err != nil {
		t.Skip("cannot write to", kmsgDevice, err)
	}
	defer w.Close()
	if f, err := os.Open(kmsgDevice); err != nil {
		t.Skip("cannot read", kmsgDevice, err)
	} else {
		f.Close()
	}
	cmd := exec.Command(bin, "--kmsg", "-q", "-m", amd64Map, "--kaslr-offset", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	br := bufio.NewReader(stdout)
	// The records already logged come first, as dmesg prints them.
	first, ok := readLineWithin(t, br, 10*time.Second)
	if !ok || !regexp.MustCompile(`^\[ *\d+\.\d{6}\] `).MatchString(first) {
		t.Fatalf("first line %q", first)
	}
	// Closed by a word of its own: the record of another run of this
	// test, whose pid starts with this one's, must not match it.
	marker := "ksymoops-go test: following /dev/kmsg, pid " + strconv.Itoa(os.Getpid()) + " here"
	if _, err := fmt.Fprintf(w, "<6>%s\n", marker); err != nil {
		t.Skip("cannot write a record:", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		l, ok := readLineWithin(t, br, time.Until(deadline))
		if !ok {
			break
		}
		if strings.Contains(l, marker) {
			if body := l[parse.SplitPrefix([]byte(l)):]; body != marker+"\n" {
				t.Errorf("record printed as %q", l)
			}
			return
		}
	}
	t.Error("the record written after the start did not come out")
}

// TestPipeArguments: a pipe given as a file (<(journalctl -k -o json), a
// FIFO) is read once: neither looked at beforehand for its format nor read
// twice for the evidence of its kernel.
func TestPipeArguments(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "journal")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO:", err)
	}
	data := readXZ(t, inputsDir+"/journal/json.xz")
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write(data)
		w.Close()
	}()
	r := runCmd(t, "", noEnv, "-k", inputsKallsyms, fifo)
	if r.code != 0 || !strings.Contains(r.stdout, uafRIP+"\n") || !strings.Contains(r.stderr, "journal-json, 583 records") {
		t.Errorf("exit %d, %d bytes out; stderr %s", r.code, len(r.stdout), r.stderr)
	}
}
