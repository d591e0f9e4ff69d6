package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

// decodeJSONLines parses --format json output: one object per line.
func decodeJSONLines(t *testing.T, out string) []jsonReport {
	t.Helper()
	var reps []jsonReport
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var r jsonReport
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v in %q", err, l)
		}
		reps = append(reps, r)
	}
	return reps
}

// TestJSONReports: --format json writes one object per kernel report of
// the real consoles, in log order, with the documented fields; the golden
// files hold them (go test -update rewrites them).
func TestJSONReports(t *testing.T) {
	for _, dir := range append(scenarios, "x86_64-nokallsyms-nokaslr-module-oops") {
		t.Run(dir, func(t *testing.T) {
			log := td + "/" + dir + "/console.log"
			args := []string{"-q", "--format", "json", "-k", td + "/" + dir + "/kallsyms.txt.xz", log}
			if strings.Contains(dir, "nokallsyms") {
				args = []string{"-q", "--format", "json", "-m", nokallsymsMap, log}
			}
			r := runCmd(t, "", noEnv, args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden(t, dir+".jsonl", r.stdout)
			input := readFile(t, log)
			var prev int64
			for _, rep := range decodeJSONLines(t, r.stdout) {
				if rep.Start < prev || rep.End <= rep.Start || rep.End > int64(len(input)) || rep.Input != log {
					t.Errorf("report %q spans [%d, %d) of %s", rep.Title, rep.Start, rep.End, rep.Input)
					continue
				}
				// line is the line of start.
				if got := strings.Count(input[:rep.Start], "\n") + 1; got != rep.Line {
					t.Errorf("report %q at line %d, start is on line %d", rep.Title, rep.Line, got)
				}
				prev = rep.Start
			}
		})
	}
}

// TestJSONOneCrashOneReport: the x86_64 console's WARNING, NULL
// dereference ("BUG:" and "Oops:"), kernel BUG ("kernel BUG at" and
// "invalid opcode") and sysrq panic are four reports, counted once each on
// standard error.
func TestJSONOneCrashOneReport(t *testing.T) {
	r := runCmd(t, "", noEnv, "--format", "json", "-k", nokaslrKallsyms, nokaslrLog)
	reps := decodeJSONLines(t, r.stdout)
	var titles []string
	for _, rep := range reps {
		titles = append(titles, rep.Title)
	}
	want := []string{
		"WARNING in oopsdemo_level3",
		"BUG: unable to handle kernel NULL pointer dereference in oopsdemo_level3",
		"kernel BUG in oopsdemo_level3",
		"kernel panic: sysrq triggered crash",
	}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("titles %q, want %q", titles, want)
	}
	if !strings.Contains(r.stderr, "4 kernel reports found: 1 BUG, 1 DoS, 1 NULL-POINTER-DEREFERENCE, 1 WARNING") {
		t.Errorf("summary: %q", r.stderr)
	}
	w := reps[0]
	if w.Line != 362 || w.CPU == nil || *w.CPU != 1 || w.PID == nil || *w.PID != 130 || w.Comm != "init" ||
		w.Taint != "GOE" || w.Release != "6.1.0-56-amd64" || len(w.Modules) != 1 || w.Modules[0] != "oopsdemo" {
		t.Errorf("WARNING report %+v", w)
	}
	if f := w.Frames[0]; f.Name != "oopsdemo_level3" || f.Offset != 0x51 || f.Size != 0xfe || f.Module != "oopsdemo" || !f.IP || !f.Reliable {
		t.Errorf("first frame %+v", f)
	}
}

// TestJSONResolvedFrames: frames the kernel printed raw take the names
// the symbol table gives them, marked resolved, and the title names the
// guilty one.
func TestJSONResolvedFrames(t *testing.T) {
	// The kernel printed names; turn them into the raw addresses they stand
	// for, as a kernel without kallsyms would have printed them.
	log := strings.Join([]string{
		"[   13.076482] WARNING: CPU: 1 PID: 130 at fs/read_write.c:50 vfs_write+0xc7/0x3f0",
		"[   13.081288] Call Trace:",
		"[   13.081288]  <TASK>",
		"[   13.081288]  ? 0x" + hex(kallsymsAddr(t, nokaslrKallsyms, "proc_reg_write")+0x56),
		"[   13.081288]  0x" + hex(kallsymsAddr(t, nokaslrKallsyms, "ksys_write")+0x6b),
		"[   13.081288]  </TASK>",
		"[   13.086289] ---[ end trace 0000000000000000 ]---",
	}, "\n") + "\n"
	r := runCmd(t, log, noEnv, "--format", "json", "-k", nokaslrKallsyms, "-")
	reps := decodeJSONLines(t, r.stdout)
	if len(reps) != 1 {
		t.Fatalf("reports %q", r.stdout)
	}
	fr := reps[0].Frames
	if len(fr) != 2 || fr[0].Name != "proc_reg_write" || fr[0].Offset != 0x56 || !fr[0].Resolved || fr[0].Reliable ||
		fr[1].Name != "ksys_write" || fr[1].Offset != 0x6b || !fr[1].Resolved || !strings.HasPrefix(fr[1].Address, "0xffffffff") {
		t.Errorf("frames %+v", fr)
	}
	// ksys_write is the write syscall's: titles call it "write".
	if reps[0].Title != "WARNING in write" || reps[0].Input != "standard input" {
		t.Errorf("report %+v", reps[0])
	}
}

func hex(v uint64) string { return strconv.FormatUint(v, 16) }

// TestGitHubAnnotations: --github (and --format github) writes the
// annotated log and, after each report, an error annotation naming the
// log, the report's lines and its title.
func TestGitHubAnnotations(t *testing.T) {
	text := runCmd(t, "", noEnv, "-q", "-k", nokaslrKallsyms, nokaslrLog)
	for _, flag := range [][]string{{"--github"}, {"--format", "github"}, {"--format=github", "--github"}} {
		r := runCmd(t, "", noEnv, append(append([]string{"-q", "-k", nokaslrKallsyms}, flag...), nokaslrLog)...)
		var log []string
		var cmds []string
		for _, l := range strings.SplitAfter(r.stdout, "\n") {
			if strings.HasPrefix(l, "::") {
				cmds = append(cmds, l)
			} else {
				log = append(log, l)
			}
		}
		if strings.Join(log, "") != text.stdout {
			t.Errorf("%v: the log is not the text output", flag)
		}
		want := "::error file=" + escapeGitHubProperty(nokaslrLog) + ",line=406,endLine=458,title=kernel NULL-POINTER-DEREFERENCE::" +
			"BUG: unable to handle kernel NULL pointer dereference in oopsdemo_level3\n"
		if len(cmds) != 4 || cmds[1] != want {
			t.Errorf("%v: annotations %q", flag, cmds)
		}
	}
	if r := runCmd(t, "", noEnv, "--github", "--format", "json", nokaslrLog); r.code != 2 {
		t.Errorf("--github --format json: exit %d", r.code)
	}
	if got := escapeGitHubData("50% done\r\nnext"); got != "50%25 done%0D%0Anext" {
		t.Errorf("escaped %q", got)
	}
}

// TestOnlyReports: --only-reports writes exactly the reports' lines, as
// the JSON's byte ranges give them, annotated.
func TestOnlyReports(t *testing.T) {
	input := readFile(t, nokallsymsLog)
	reps := decodeJSONLines(t, runCmd(t, "", noEnv, "-q", "--format", "json", "-m", nokallsymsMap, nokallsymsLog).stdout)
	var want strings.Builder
	for _, rep := range reps {
		want.WriteString(input[rep.Start:rep.End])
	}
	r := runCmd(t, "", noEnv, "-q", "--only-reports", "--color", "never", "-m", nokallsymsMap, nokallsymsLog)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// Deleting the annotations (and the Code: listings) gives the
	// reports' lines back.
	if !onlyInsertions(want.String(), string(disasm.StripListings(nil, []byte(r.stdout)))) {
		t.Errorf("--only-reports wrote %d bytes, not the reports' %d annotated:\n%s", len(r.stdout), want.Len(), r.stdout)
	}
	if !strings.Contains(r.stdout, "0xffffffff8122a3b2 vfs_write+0xc2/0x3e0\r\n") {
		t.Errorf("--only-reports output not annotated")
	}
	if r := runCmd(t, "", noEnv, "--only-reports", "--format", "json", nokallsymsLog); r.code != 2 {
		t.Errorf("--only-reports --format json: exit %d", r.code)
	}
}

// TestReportsFromStdinLive: reports come out of standard input as it
// streams, as from dmesg -w.
func TestReportsFromStdinLive(t *testing.T) {
	data, err := os.ReadFile(nokaslrLog)
	if err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, string(data), noEnv, "-q", "--format", "json", "--fail-on-oops", "-k", nokaslrKallsyms)
	if r.code != 3 || len(decodeJSONLines(t, r.stdout)) != 4 {
		t.Errorf("exit %d, %q", r.code, r.stdout)
	}
}

// TestWorkerCountsAsInline: the text output counts reports on a goroutine
// of its own (extractWorker) for a pipe or a file of smallInput or more;
// its counts must be those of the JSON output, whose extractor runs
// inline, and of a small file's text output, which does too.
func TestWorkerCountsAsInline(t *testing.T) {
	summary := func(stderr string) string {
		for _, l := range strings.Split(stderr, "\n") {
			if strings.Contains(l, "kernel reports found") {
				return l
			}
		}
		return ""
	}
	for _, dir := range append(scenarios, "x86_64-nokallsyms-nokaslr-module-oops") {
		log := td + "/" + dir + "/console.log"
		table := []string{"-k", td + "/" + dir + "/kallsyms.txt.xz"}
		if strings.Contains(dir, "nokallsyms") {
			table = []string{"-m", nokallsymsMap}
		}
		text := runCmd(t, "", noEnv, append(table, log)...)
		json := runCmd(t, "", noEnv, append(table, "--format", "json", log)...)
		piped := runCmd(t, readFile(t, log), noEnv, table...)
		want := summary(json.stderr)
		if want == "" {
			t.Errorf("%s: no summary in %q", dir, json.stderr)
		}
		if got := summary(text.stderr); got != want {
			t.Errorf("%s: text output says %q, JSON %q", dir, got, want)
		}
		if got := summary(piped.stderr); got != want {
			t.Errorf("%s: piped text output says %q, JSON %q", dir, got, want)
		}
		// The console repeated past smallInput: a file the worker reads.
		one := readFile(t, log)
		big := filepath.Join(t.TempDir(), "big.log")
		if err := os.WriteFile(big, []byte(strings.Repeat(one, smallInput/len(one)+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		text = runCmd(t, "", noEnv, append(table, big)...)
		json = runCmd(t, "", noEnv, append(table, "--format", "json", big)...)
		if want, got := summary(json.stderr), summary(text.stderr); got != want || want == "" {
			t.Errorf("%s repeated: text output says %q, JSON %q", dir, got, want)
		}
	}
}

// TestQuietLeavesReports: with -q and the text output, nothing tells the
// reports, and they are not looked for; the annotated log must be the
// same as when they are, and --fail-on-oops must still find them, from a
// small file, a large one (a worker's, without -q) and a pipe.
func TestQuietLeavesReports(t *testing.T) {
	table := []string{"-m", nokallsymsMap}
	one := readFile(t, nokallsymsLog)
	big := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(big, []byte(strings.Repeat(one, smallInput/len(one)+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct{ name, file, stdin string }{
		{"small file", nokallsymsLog, ""},
		{"large file", big, ""},
		{"pipe", "", one},
	} {
		args := table
		if in.file != "" {
			args = append(slices.Clip(table), in.file)
		}
		loud := runCmd(t, in.stdin, noEnv, args...)
		quiet := runCmd(t, in.stdin, noEnv, append([]string{"-q"}, args...)...)
		if loud.code != 0 || quiet.code != 0 {
			t.Fatalf("%s: exit %d and %d with -q: %s%s", in.name, loud.code, quiet.code, loud.stderr, quiet.stderr)
		}
		if !strings.Contains(loud.stderr, "kernel reports found") {
			t.Errorf("%s: no summary of its reports: %q", in.name, loud.stderr)
		}
		if quiet.stdout != loud.stdout || quiet.stdout == "" {
			t.Errorf("%s: -q changes the annotated log (%d bytes, %d without -q)", in.name, len(quiet.stdout), len(loud.stdout))
		}
		failing := runCmd(t, in.stdin, noEnv, append([]string{"-q", "--fail-on-oops"}, args...)...)
		if failing.code != 3 || failing.stdout != loud.stdout {
			t.Errorf("%s: -q --fail-on-oops exits %d (want 3), output changed: %v", in.name, failing.code, failing.stdout != loud.stdout)
		}
	}
}
