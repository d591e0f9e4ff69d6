package input

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// The real samples (testdata/README.md): one boot of Debian's
// 6.1.0-56-amd64 under QEMU, read as /dev/kmsg records, through journald,
// and from ramoops after the reboot; another boot's EFI pstore dumps; and a
// kdump's vmcore-dmesg.txt.
const (
	td       = "../../testdata"
	inputs   = td + "/x86_64-kaslr-inputs"
	efiDir   = td + "/x86_64-efi-pstore"
	kdumpDir = td + "/x86_64-kdump"
)

func readSample(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".xz") {
		r, err := xz.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(r); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func decodeSample(t *testing.T, path string, want Format) ([]string, Stats) {
	t.Helper()
	r := NewReader(bytes.NewReader(readSample(t, path)), Auto)
	if r.Format() != want {
		t.Fatalf("%s: detected %v, want %v", path, r.Format(), want)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return splitLines(string(out)), r.Stats()
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// firstBoot returns the console lines of a sample's first boot that the
// kernel printed (the init script's lines have no timestamp), up to the
// line that starts with until.
func firstBoot(t *testing.T, dir, until string) []string {
	var lines []string
	banners := 0
	for _, l := range splitLines(strings.ReplaceAll(string(readSample(t, dir+"/console.log")), "\r\n", "\n")) {
		if strings.Contains(l, "] Linux version ") {
			banners++
		}
		if banners > 1 || until != "" && strings.HasPrefix(l, until) {
			break
		}
		if strings.HasPrefix(l, "[") {
			lines = append(lines, l)
		}
	}
	return lines
}

// isSubsequence reports whether every line of sub is in seq, in order, and
// returns the first that is not.
func isSubsequence(sub, seq []string) (string, bool) {
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

// TestKmsgSampleIsTheConsole: the records of /dev/kmsg, decoded, are the
// lines the kernel printed on its console, byte for byte, plus the
// KERN_DEBUG ones the console left out.
func TestKmsgSampleIsTheConsole(t *testing.T) {
	kmsg, st := decodeSample(t, inputs+"/kmsg.txt", Kmsg)
	// The records were read before the init script said this.
	console := firstBoot(t, inputs, "inputs-init: trigger sysrq-c")
	if missing, ok := isSubsequence(console, kmsg); !ok {
		t.Errorf("console line not in the decoded kmsg records: %q", missing)
	}
	if st.Records < 500 || st.Lost != 0 || st.Other != 0 {
		t.Errorf("stats %+v", st)
	}
	// The multi-line record, and the tab escapes.
	for _, want := range []string{
		"[    2.628589] If you want to keep using the local clock, then add:",
		"[    0.165659] rcu: \tRCU restricting CPUs from NR_CPUS=8192 to nr_cpu_ids=2.",
	} {
		if !slices.Contains(kmsg, want) {
			t.Errorf("no line %q", want)
		}
	}
}

// TestJournalSampleIsKmsg: journald's copy of the kernel's records, from
// `journalctl -k -o json`, decodes to the same lines as /dev/kmsg did:
// the kernel's timestamps, not journald's.
func TestJournalSampleIsKmsg(t *testing.T) {
	kmsg, _ := decodeSample(t, inputs+"/kmsg.txt", Kmsg)
	journal, st := decodeSample(t, inputs+"/journal/json.xz", JournalJSON)
	if missing, ok := isSubsequence(journal, kmsg); !ok {
		t.Errorf("journal line not in kmsg: %q", missing)
	}
	if len(journal) < len(kmsg)*9/10 || st.Omitted != 0 || st.Other != 0 {
		t.Errorf("%d journal lines for %d kmsg lines; stats %+v", len(journal), len(kmsg), st)
	}
	// Without -k, journald's own entries come with their sender.
	all, _ := decodeSample(t, inputs+"/journal/all-json.xz", JournalJSON)
	var kernel, other int
	for _, l := range all {
		body := l[parse.SplitPrefix([]byte(l)):]
		if strings.HasPrefix(body, "systemd-journald[") {
			other++
		} else {
			kernel++
		}
	}
	if other == 0 || kernel < len(journal) {
		t.Errorf("journal without -k: %d kernel lines, %d of journald", kernel, other)
	}
}

// TestJournalShortFormats: every short format of journalctl, as real
// samples, has its prefix recognised, leaving the kernel's text that the
// JSON export holds. Continuation lines of a multi-line message are
// indented by journalctl to the width of the prefix.
func TestJournalShortFormats(t *testing.T) {
	journal, _ := decodeSample(t, inputs+"/journal/json.xz", JournalJSON)
	var want []string
	for _, l := range journal {
		// journalctl's short formats print a tab as eight spaces.
		want = append(want, strings.ReplaceAll(l[parse.SplitPrefix([]byte(l)):], "\t", "        "))
	}
	for _, name := range []string{"short", "short-precise", "short-iso", "short-iso-precise", "short-full", "short-monotonic", "short-unix", "short-delta"} {
		t.Run(name, func(t *testing.T) {
			lines, _ := decodeSample(t, inputs+"/journal/"+name+".txt.xz", Text)
			var have []string
			width := 0
			for _, l := range lines {
				n := parse.SplitPrefix([]byte(l))
				if n == 0 && width > 0 && len(l) > width && strings.TrimLeft(l[:width], " ") == "" {
					have = append(have, l[width:])
					continue
				}
				if n == 0 {
					t.Fatalf("no prefix recognised: %q", l)
				}
				width = n
				have = append(have, l[n:])
			}
			if len(have) != len(want) {
				t.Fatalf("%d lines, want %d", len(have), len(want))
			}
			for i := range have {
				if have[i] != want[i] {
					t.Fatalf("line %d: have %q, want %q", i+1, have[i], want[i])
				}
			}
		})
	}
}

// pstoreFiles returns a directory's dump files in the given order.
func pstoreFiles(t *testing.T, dir string) []string {
	names, err := filepath.Glob(dir + "/dmesg-*")
	if err != nil || len(names) == 0 {
		t.Fatalf("no pstore files in %s: %v", dir, err)
	}
	return names
}

// TestPstoreSamples: the real dumps, given in any order, come out oldest
// dump first, each dump's parts from the oldest text to the newest: each
// dump's lines are the crashed boot's console lines, in the same order
// (timestamps are no guide: a secondary CPU's first lines go back in time).
func TestPstoreSamples(t *testing.T) {
	for _, tc := range []struct {
		dir      string
		describe string
		lastLine string
	}{
		{inputs + "/pstore", "Oops#1 (part 1), Oops#2 (part 1), Oops#3 (part 1), Panic#4 (part 1)", "Kernel Offset: 0x"},
		{efiDir + "/pstore", "Oops#1 (parts 14-1), Panic#2 (parts 14-1)", "Kernel Offset: 0x1b800000 from 0xffffffff81000000"},
	} {
		t.Run(filepath.Base(filepath.Dir(tc.dir)), func(t *testing.T) {
			names := pstoreFiles(t, tc.dir)
			var first string
			for _, order := range [][]string{names, reversed(names), shuffled(names)} {
				var set PstoreSet
				for _, n := range order {
					if err := set.Add(bytes.NewReader(readSample(t, n)), time.Time{}); err != nil {
						t.Fatal(err)
					}
				}
				if d := set.Describe(); d != tc.describe {
					t.Errorf("Describe() = %q, want %q", d, tc.describe)
				}
				out, _ := io.ReadAll(set.Reader())
				if first == "" {
					first = string(out)
				} else if string(out) != first {
					t.Fatalf("the order of the files changed the output")
				}
			}
			lines := splitLines(first)
			if !strings.Contains(lines[len(lines)-1], tc.lastLine) {
				t.Errorf("last line %q, want the panic's %q", lines[len(lines)-1], tc.lastLine)
			}
			console := firstBoot(t, filepath.Dir(tc.dir), "")
			count, headers := 0, 0
			var dump []string
			check := func() {
				if missing, ok := isSubsequence(dump, console); !ok {
					t.Errorf("dump #%d: line not in the console, or out of order: %q", count, missing)
				}
				dump = dump[:0]
			}
			for _, l := range lines {
				if h, ok := parsePstoreHeader([]byte(l)); ok {
					headers++
					if h.count != count {
						check()
						if h.count != count+1 {
							t.Fatalf("dump %q after dump #%d", l, count)
						}
						count = h.count
					}
					continue
				}
				// "<4>[    9.462949] text": the console shows levels 0-6.
				if len(l) > 3 && l[0] == '<' && l[1] < '7' && l[2] == '>' {
					dump = append(dump, l[3:])
				}
			}
			check()
			if headers != count {
				t.Errorf("%d headers for %d dumps", headers, count)
			}
			// The text of the files, reordered: nothing added or lost but
			// the headers of the parts after each dump's first.
			var all []byte
			for _, n := range names {
				all = append(all, readSample(t, n)...)
			}
			if !sameBytes(withoutHeaders(all), withoutHeaders([]byte(first))) {
				t.Error("the output is not the files' bytes reordered")
			}
			// One stream (cat dmesg-* | ksymoops-go) gives the same.
			r := NewReader(bytes.NewReader(all), Auto)
			if out, _ := io.ReadAll(r); r.Format() != Pstore || string(out) != first {
				t.Errorf("as one stream: format %v, same output %v", r.Format(), string(out) == first)
			}
		})
	}
}

// withoutHeaders returns text without its pstore header lines.
func withoutHeaders(text []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(text, []byte("\n")) {
		if !isPstoreHeader(bytes.TrimRight(l, "\r\n")) {
			out = append(out, l...)
		}
	}
	return out
}

// sameBytes reports whether a and b hold the same bytes, in any order.
func sameBytes(a, b []byte) bool {
	var ca, cb [256]int
	for _, c := range a {
		ca[c]++
	}
	for _, c := range b {
		cb[c]++
	}
	return ca == cb
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// shuffled is a fixed shuffle: every third name first.
func shuffled(s []string) []string {
	var r []string
	for start := range 3 {
		for i := start; i < len(s); i += 3 {
			r = append(r, s[i])
		}
	}
	return r
}

// TestKdumpSampleIsText: kdump's vmcore-dmesg.txt is dmesg's text, passed
// through unchanged.
func TestKdumpSampleIsText(t *testing.T) {
	in := readSample(t, kdumpDir+"/vmcore-dmesg.txt")
	r := NewReader(bytes.NewReader(in), Auto)
	out, err := io.ReadAll(r)
	if err != nil || r.Format() != Text || !bytes.Equal(out, in) {
		t.Errorf("format %v, unchanged %v, err %v", r.Format(), bytes.Equal(out, in), err)
	}
	if !bytes.Contains(in, []byte("] Kernel panic - not syncing: sysrq triggered crash\n")) {
		t.Error("vmcore-dmesg.txt does not end in the panic")
	}
}

// TestPstoreTimes: parts are grouped into dumps by the time pstore gives
// their files, so that two boots' "Oops#1" stay apart, and dumps are
// ordered by it.
func TestPstoreTimes(t *testing.T) {
	t0 := time.Unix(1795940591, 0)
	var set PstoreSet
	for _, p := range []struct {
		text string
		at   time.Time
	}{
		{"Oops#1 Part1\nnew b\n", t0.Add(time.Hour)},
		{"Oops#1 Part1\nold b\n", t0},
		{"Oops#1 Part2\nold a\n", t0.Add(time.Second)},
		{"Oops#1 Part2\nnew a\n", t0.Add(time.Hour + time.Second)},
	} {
		if err := set.Add(strings.NewReader(p.text), p.at); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := io.ReadAll(set.Reader())
	want := "Oops#1 Part2\nold a\nold b\nOops#1 Part2\nnew a\nnew b\n"
	if string(out) != want {
		t.Errorf("have\n%s\nwant\n%s", out, want)
	}
}

func TestPstoreTooLarge(t *testing.T) {
	var set PstoreSet
	big := strings.Repeat("x", 1<<20) + "\n"
	var err error
	for i := 0; i < 70 && err == nil; i++ {
		err = set.Add(strings.NewReader("Oops#1 Part"+strconv.Itoa(i+1)+"\n"+big), time.Time{})
	}
	if err != ErrPstoreTooLarge {
		t.Errorf("err = %v, want ErrPstoreTooLarge", err)
	}
}
