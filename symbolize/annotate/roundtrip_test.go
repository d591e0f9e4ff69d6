package annotate

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
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

// printedSymbol is any "name+0xoff/0xsize" the kernel printed.
var printedSymbol = regexp.MustCompile(`[A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+`)

// symbolAt matches a symbol the kernel printed where it prints a raw
// address when it has no symbol: a call-trace entry (x86 " name" and
// " ? name", arm64 "  name"), "RIP: 0010:", i386 "EIP: ", arm64 "pc : " and
// "lr : ", ARM "PC is at ", "LR is at " and the caller of " callee from
// caller", and the location of a WARNING. Groups: 2 name, 3 offset, 4 size,
// 5 module.
var symbolAt = regexp.MustCompile(`(^\[[ 0-9.]+\]\s+(?:\? )?|RIP: 0010:|EIP: |pc : |lr : |PC is at |LR is at | from |WARNING: CPU: \d+ PID: \d+ at \S+:\d+ )([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[([\w-]+)\])?`)

// symbolIndex maps "name" and "name [mod]" to the addresses kallsyms gives
// them.
func symbolIndex(raw []byte) map[string][]uint64 {
	byName := map[string][]uint64{}
	s := bufio.NewScanner(bytes.NewReader(raw))
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) < 3 {
			continue
		}
		a, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			continue
		}
		key := f[2]
		if len(f) > 3 {
			key += " " + f[3]
		}
		byName[key] = append(byName[key], a)
	}
	return byName
}

// rawified is a console log with the kernel's symbols turned back into the
// raw addresses they stand for.
type rawified struct {
	in, want []string // the log to annotate, and what must come out
	// rewritten[i] tells that line i had a symbol replaced.
	rewritten []bool
	// printed counts every "name+0xoff/0xsize" of the log, frames the
	// ones in a position that has a raw form, and ambiguous the frames
	// whose name kallsyms has more than once.
	printed, frames, ambiguous int
}

// rawify turns every symbol the kernel printed in a raw-capable position
// into 0xADDR, ADDR = the symbol's kallsyms address + the printed offset,
// and expects "0xADDR name+0xoff/0xsize [mod]" back.
func rawify(console []byte, byName map[string][]uint64) rawified {
	var r rawified
	s := bufio.NewScanner(bytes.NewReader(console))
	for s.Scan() {
		line := s.Text()
		r.printed += len(printedSymbol.FindAllStringIndex(line, -1))
		var in, want strings.Builder
		pos := 0
		for _, m := range symbolAt.FindAllStringSubmatchIndex(line, -1) {
			r.frames++
			key := line[m[4]:m[5]]
			if m[10] >= 0 {
				key += " [" + line[m[10]:m[11]] + "]"
			}
			addrs := byName[key]
			if len(addrs) != 1 {
				r.ambiguous++
				continue
			}
			off, _ := strconv.ParseUint(line[m[6]:m[7]], 16, 64)
			rawAddr := fmt.Sprintf("0x%x", addrs[0]+off)
			in.WriteString(line[pos:m[4]] + rawAddr)
			want.WriteString(line[pos:m[4]] + rawAddr + " " + line[m[4]:m[1]])
			pos = m[1]
		}
		r.rewritten = append(r.rewritten, pos > 0)
		in.WriteString(line[pos:])
		want.WriteString(line[pos:])
		r.in = append(r.in, in.String())
		r.want = append(r.want, want.String())
	}
	return r
}

// TestRoundTrip is the check of the whole chain on real logs: every symbol
// a kernel printed in a place where it prints a raw address when it has no
// symbol is replaced by that raw address, computed from the same boot's
// kallsyms, and the annotator must give the kernel's own text back right
// after the address: name, offset, size and module. x86 traces are %pB
// (a return address after a noreturn call comes back as
// "prev+0xsize/0xsize"); arm64 and ARM frames are %pS.
//
// Every line without a rewritten symbol must come out byte-identical,
// unless it holds an address the kernel left raw or a register value:
// those may gain annotations, and nothing else.
func TestRoundTrip(t *testing.T) {
	for _, dir := range []string{"x86_64-nokaslr-module-oops", "x86_64-kaslr-sysrq-panic", "arm64-kaslr-module-oops", "armhf-sysrq-panic", "i386-module-oops"} {
		t.Run(dir, func(t *testing.T) {
			tab, raw := kallsymsTable(t, dir)
			r := rawify(readTestdata(t, dir+"/console.log"), symbolIndex(raw))
			input := strings.Join(r.in, "\n") + "\n"
			var got bytes.Buffer
			w := bufio.NewWriter(&got)
			if err := New(tab, Options{}).Stream(w, strings.NewReader(input)); err != nil {
				t.Fatal(err)
			}
			gotLines := strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n")
			if len(gotLines) != len(r.want) {
				t.Fatalf("%d lines out, want %d", len(gotLines), len(r.want))
			}
			p := parse.NewParser(parse.ArchUnknown)
			rewritten, bad := 0, 0
			for i, want := range r.want {
				// The parser must see every line, for its arch cue.
				raw := hasRawAddress(p.Tokens([]byte(r.in[i])))
				if r.rewritten[i] {
					rewritten++
				}
				if gotLines[i] == want {
					continue
				}
				if !r.rewritten[i] && raw && removeInsertions([]byte(gotLines[i]), []byte(r.in[i])) {
					continue // an address the kernel left raw, or a register into code
				}
				if r.rewritten[i] {
					bad++
				}
				t.Errorf("line %d:\n in   %s\n got  %s\n want %s", i+1, r.in[i], gotLines[i], want)
			}
			roundTripped := r.frames - r.ambiguous
			t.Logf("%d of %d frames round-tripped (%d lines); %d frames skipped as ambiguous names; %d of the log's %d printed symbols are in no raw-capable position",
				rewritten-bad, rewritten, len(r.want), r.ambiguous, r.printed-r.frames, r.printed)
			if roundTripped < 15 {
				t.Errorf("only %d symbols rewritten: the test lost its input", roundTripped)
			}
		})
	}
}

// hasRawAddress reports tokens the kernel printed without a symbol.
func hasRawAddress(toks []parse.Token) bool {
	for _, t := range toks {
		if !t.Symbolized {
			return true
		}
	}
	return false
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
