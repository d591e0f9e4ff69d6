package annotate

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

func readTestdata(t testing.TB, rel string) []byte { return testfiles.Read(t, rel) }

func kallsymsTable(t testing.TB, dir string) (*symbolize.Table, []byte) {
	t.Helper()
	raw := readTestdata(t, dir+"/kallsyms.txt.xz")
	tab, err := symbolize.ParseKallsyms(bytes.NewReader(raw), dir)
	if err != nil {
		t.Fatal(err)
	}
	return tab, raw
}

// symbolAt matches a symbol the kernel printed where it prints a raw
// address when it has no symbol: a trace entry, "RIP: 0010:", "EIP: ",
// "pc : ", "lr : ", ARM's "from", and the location of a WARNING.
var symbolAt = regexp.MustCompile(`(^\[[ 0-9.]+\]\s+(?:\? )?|RIP: 0010:|EIP: |pc : |lr : | from |WARNING: CPU: \d+ PID: \d+ at \S+:\d+ )([A-Za-z_][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[([\w-]+)\])?`)

// TestRoundTrip is the check of the whole chain on real logs: every symbol
// a kernel printed is replaced by the raw address it stands for in that
// boot's kallsyms (the form the kernel prints when it has no symbol), and
// the annotator must give the kernel's own text back: name, offset, size
// and module, right after the address. Every other line must come out
// unchanged or with annotations only.
func TestRoundTrip(t *testing.T) {
	for _, dir := range []string{"x86_64-nokaslr-module-oops", "x86_64-kaslr-sysrq-panic", "arm64-kaslr-module-oops", "armhf-sysrq-panic", "i386-module-oops"} {
		t.Run(dir, func(t *testing.T) {
			tab, raw := kallsymsTable(t, dir)
			byName := map[string][]uint64{}
			s := bufio.NewScanner(bytes.NewReader(raw))
			for s.Scan() {
				f := strings.Fields(s.Text())
				if len(f) < 3 {
					continue
				}
				a, _ := strconv.ParseUint(f[0], 16, 64)
				key := f[2]
				if len(f) > 3 {
					key += " " + f[3]
				}
				byName[key] = append(byName[key], a)
			}
			var rawLog, want bytes.Buffer
			frames := 0
			s = bufio.NewScanner(bytes.NewReader(readTestdata(t, dir+"/console.log")))
			for s.Scan() {
				line := s.Text()
				m := symbolAt.FindStringSubmatchIndex(line)
				if m == nil {
					fmt.Fprintln(&rawLog, line)
					fmt.Fprintln(&want, line)
					continue
				}
				name, mod := line[m[4]:m[5]], ""
				key := name
				if m[10] >= 0 {
					mod = line[m[10]:m[11]]
					key += " [" + mod + "]"
				}
				addrs := byName[key]
				if len(addrs) != 1 {
					fmt.Fprintln(&rawLog, line)
					fmt.Fprintln(&want, line)
					continue
				}
				off, _ := strconv.ParseUint(line[m[6]:m[7]], 16, 64)
				rawAddr := fmt.Sprintf("0x%x", addrs[0]+off)
				symText := line[m[4]:m[1]]
				fmt.Fprintln(&rawLog, line[:m[4]]+rawAddr+line[m[1]:])
				fmt.Fprintln(&want, line[:m[4]]+rawAddr+" "+symText+line[m[1]:])
				frames++
			}
			var got bytes.Buffer
			a := New(tab, Options{})
			w := bufio.NewWriter(&got)
			if err := a.Stream(w, bytes.NewReader(rawLog.Bytes())); err != nil {
				t.Fatal(err)
			}
			gotLines := strings.Split(got.String(), "\n")
			wantLines := strings.Split(want.String(), "\n")
			inLines := strings.Split(rawLog.String(), "\n")
			if len(gotLines) != len(wantLines) {
				t.Fatalf("%d lines out, want %d", len(gotLines), len(wantLines))
			}
			bad := 0
			for i := range wantLines {
				if gotLines[i] == wantLines[i] {
					continue
				}
				if wantLines[i] == inLines[i] && removeInsertions([]byte(gotLines[i]), []byte(inLines[i])) {
					// Not rewritten, but annotated: a register pointing into
					// code, or an address the kernel itself printed raw.
					continue
				}
				bad++
				t.Errorf("line %d:\n got  %s\n want %s", i+1, gotLines[i], wantLines[i])
			}
			t.Logf("%d of %d kernel-printed symbols round-tripped through raw addresses", frames-bad, frames)
			if frames < 15 {
				t.Errorf("only %d symbols rewritten: the test lost its input", frames)
			}
		})
	}
}

// TestRegisterValues checks that a register pointing into code is named
// and one holding data is not (real arm64 register dump lines).
func TestRegisterValues(t *testing.T) {
	tab, _ := kallsymsTable(t, "arm64-kaslr-module-oops")
	a := New(tab, Options{})
	line := "[    8.087365] x17: 0000000000000000 x16: ffffcfc6aac9b470 x15: ffff800008453450"
	got := string(a.AppendLine(nil, []byte(line)))
	want := "[    8.087365] x17: 0000000000000000 x16: ffffcfc6aac9b470 __pi_strcmp+0x0/0x140 x15: ffff800008453450"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
