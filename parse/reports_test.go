package parse

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestReportStartOnSyzkallerCorpus checks the report detector against
// syzkaller's corpus of real logs (when ../shared is beside the checkout):
// a log with a TITLE header has a crash, one without has none.
func TestReportStartOnSyzkallerCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../shared/corpus/syzkaller/report/*")
	if len(files) == 0 {
		t.Skip("../shared/corpus/syzkaller not present")
	}
	var withTitle, found, without, falsePos int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		header, log, _ := bytes.Cut(data, []byte("\n\n"))
		if bytes.HasPrefix(data, []byte("\n")) {
			header, log = nil, data[1:]
		}
		if i := bytes.Index(log, []byte("\n\nREPORT:\n")); i >= 0 {
			log = log[:i]
		}
		hasTitle := bytes.Contains(append([]byte("\n"), header...), []byte("\nTITLE: "))
		hit := false
		s := bufio.NewScanner(bytes.NewReader(log))
		s.Buffer(nil, 1<<20)
		for s.Scan() {
			if _, ok := ReportStart(s.Bytes()); ok {
				hit = true
				break
			}
		}
		if hasTitle {
			withTitle++
			if hit {
				found++
			}
		} else {
			without++
			if hit {
				falsePos++
			}
		}
	}
	t.Logf("crash logs with a report found: %d/%d; crash-free logs with one: %d/%d", found, withTitle, falsePos, without)
	// The misses are headers printed mid-line by interleaved CPUs, and
	// syzkaller's own SYZFAIL/go runtime lines, which are not kernel
	// reports. Raise the floors as detection improves.
	if found*100 < withTitle*92 {
		t.Errorf("found reports in only %d of %d crash logs", found, withTitle)
	}
	if falsePos*100 > without*20 {
		t.Errorf("reports found in %d of %d crash-free logs", falsePos, without)
	}
}

func TestReportStart(t *testing.T) {
	for line, want := range map[string]string{
		"[   13.076482] WARNING: CPU: 1 PID: 130 at /usr/src/oopsdemo-1.0/oopsdemo.c:50 oopsdemo_level3+0x51/0xfe [oopsdemo]": "WARNING",
		"[    5.603158] BUG: kernel NULL pointer dereference, address: 0000000000000010":                                      "BUG",
		"[   15.127866] kernel BUG at /usr/src/oopsdemo-1.0/oopsdemo.c:52!":                                                   "kernel BUG",
		"[    8.085065] Internal error: Oops: 0000000096000046 [#1] SMP":                                                      "Oops",
		"[   13.405409] Kernel panic - not syncing: sysrq triggered crash":                                                    "panic",
		"Jan 11 22:31:37 host kernel: [ 4552.564718] WARNING: at kernel/foo.c:1 bar()":                                        "WARNING",
		"[   13.405409] oopsdemo: level3 doing 'warn'":                                                                        "",
		"[    4.579878] Call Trace:": "",
	} {
		got, _ := ReportStart([]byte(line))
		if got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}
