package disasm

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/internal/testfiles"
)

// consoles are the repository's real consoles with the symbol table of the
// boot they come from.
var consoles = []struct{ dir, table string }{
	{"x86_64-nokaslr-module-oops", "x86_64-nokaslr-module-oops/kallsyms.txt.xz"},
	{"x86_64-kaslr-sysrq-panic", "x86_64-kaslr-sysrq-panic/kallsyms.txt.xz"},
	{"x86_64-nokallsyms-nokaslr-module-oops", "maps/System.map-6.1.192-nokallsyms.xz"},
	{"i386-module-oops", "i386-module-oops/kallsyms.txt.xz"},
	{"arm64-kaslr-module-oops", "arm64-kaslr-module-oops/kallsyms.txt.xz"},
}

func loadTable(t testing.TB, rel string) *symbolize.Table {
	data := testfiles.Read(t, rel)
	var tab *symbolize.Table
	var err error
	if bytes.Contains([]byte(rel), []byte("System.map")) {
		tab, err = symbolize.ParseSystemMap(bytes.NewReader(data), rel)
	} else {
		tab, err = symbolize.ParseKallsyms(bytes.NewReader(data), rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// userIP matches the IP line of user-space code, which the parser drops:
// x86-64's user code selectors 0033 and 0023.
var userIP = regexp.MustCompile(`\bRIP: 00[23]3:0x([0-9a-f]+)`)

// addListings does what doc.go tells a log rewriter to do: after every
// Code: line of log it adds the listing, for the machine the report shows,
// at the report's IP, with targets named through tab (none for user
// code). It returns the new log and the Code: lines with their listings.
func addListings(t testing.TB, log []byte, tab *symbolize.Table) (out, listings []byte) {
	p := parse.NewParser(parse.ArchUnknown)
	bits := 0
	var ip uint64
	user := false
	named := func(a uint64) (string, bool) {
		loc, ok := tab.Lookup(a)
		if !ok {
			return "", false
		}
		return loc.String(), true
	}
	lr := parse.NewLineReader(bytes.NewReader(log), 0)
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return out, listings
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l.Text...)
		out = append(out, l.EOL...)
		toks := p.Tokens(l.Text)
		if b, ok := X86Bits(l.Text); ok {
			bits = b
		}
		if newIP, isUser, ok := reportIP(l.Text, toks, tab); ok {
			ip, user = newIP, isUser
		}
		start, ok := FindCode(l.Text)
		if !ok {
			continue
		}
		c, err := ParseCode(l.Text[start:])
		if err != nil {
			continue
		}
		m := Machine{Arch: p.Arch(), Bits: bits}
		sym := named
		if user {
			sym = nil
		}
		insns, err := c.Disassemble(m, ip, sym)
		if err != nil {
			t.Fatalf("%q: %v", l.Text, err)
		}
		listings = append(append(listings, l.Text...), '\n')
		listings = AppendListing(listings, m, insns, nil)
		out = AppendListing(out, m, insns, l.EOL)
	}
}

// reportIP reads the IP of a report's IP line: "RIP: 0010:0x...",
// "RIP: 0010:func+0x32/0xfe [mod]", "EIP: ...", arm64's "pc : ...". ok is
// false for other lines.
func reportIP(line []byte, toks []parse.Token, tab *symbolize.Table) (ip uint64, user, ok bool) {
	body := bytes.TrimLeft(line[parse.SplitPrefix(line):], " ")
	if !bytes.HasPrefix(body, []byte("RIP: ")) && !bytes.HasPrefix(body, []byte("EIP: ")) && !bytes.HasPrefix(body, []byte("pc : ")) {
		return 0, false, false
	}
	if m := userIP.FindSubmatch(body); m != nil {
		v, _ := strconv.ParseUint(string(m[1]), 16, 64)
		return v, true, true
	}
	for _, tk := range toks {
		if tk.Role == parse.RoleIP && !tk.Symbolized {
			return tk.Value, false, true
		}
	}
	for _, s := range parse.PrintedSymbols(nil, body) {
		if locs := tab.LookupName(s.Name, s.Module); len(locs) > 0 {
			return locs[0].Start + s.Offset, false, true
		}
	}
	return 0, false, true
}

// TestListings disassembles the Code: lines of the repository's consoles
// with their boot's symbol table, as a log rewriter would, and compares the
// listings with testdata/listings (-update rewrites them); the added lines
// are all marked, and deleting them gives the console back byte for byte.
func TestListings(t *testing.T) {
	for _, c := range consoles {
		t.Run(c.dir, func(t *testing.T) {
			tab := loadTable(t, c.table)
			log := testfiles.Read(t, c.dir+"/console.log")
			out, listings := addListings(t, log, tab)
			if len(listings) == 0 {
				t.Fatal("no Code: line was disassembled")
			}
			golden := "testdata/listings/" + c.dir + ".golden"
			if *update {
				writeTestFile(t, golden, listings)
			}
			if want := readTestFile(t, golden); !bytes.Equal(listings, want) {
				t.Errorf("listings differ from %s (go test -run TestListings -update rewrites it):\n%s", golden, listings)
			}
			if back := StripListings(nil, out); !bytes.Equal(back, log) {
				t.Error("stripping the listings does not give the console back")
			}
			added := 0
			for _, line := range bytes.SplitAfter(out, []byte("\n")) {
				if IsListingLine(line) {
					added++
				}
			}
			if want := bytes.Count(out, []byte("\n")) - bytes.Count(log, []byte("\n")); added != want {
				t.Errorf("%d lines added, %d of them marked", want, added)
			}
		})
	}
}

// TestListingLinesInert: the lines a listing adds must not look like
// anything the log parser acts on, so that a rewriter running over its own
// output (or a later tool) finds no addresses to annotate, no report to
// count and no Code: line in them. (That annotating a log with its
// listings changes nothing is symbolize/annotate's
// TestNothingLostAndIdempotent.)
func TestListingLinesInert(t *testing.T) {
	for _, c := range consoles {
		tab := loadTable(t, c.table)
		_, listings := addListings(t, testfiles.Read(t, c.dir+"/console.log"), tab)
		p := parse.NewParser(parse.ArchUnknown)
		for _, line := range bytes.Split(listings, []byte("\n")) {
			if !IsListingLine(line) {
				p.Tokens(line) // the Code: line, for the parser's state
				continue
			}
			if toks := p.Tokens(line); len(toks) > 0 {
				t.Errorf("%s: the parser finds %d addresses in %q", c.dir, len(toks), line)
			}
			if kind, ok := parse.ReportStart(line); ok {
				t.Errorf("%s: %q starts a report (%s)", c.dir, line, kind)
			}
			if _, ok := FindCode(line); ok {
				t.Errorf("%s: %q is a Code: line", c.dir, line)
			}
		}
	}
}

// TestStripListingsKeepsOthers: StripListings removes marked lines only,
// with their terminators, and keeps a last line without one.
func TestStripListingsKeepsOthers(t *testing.T) {
	log := testfiles.Read(t, "i386-module-oops/console.log") // CRLF lines among LF ones
	if got := StripListings(nil, log); !bytes.Equal(got, log) {
		t.Error("a console without listings was changed")
	}
	in := []byte("a\r\nCode| x\r\nCode: 0f 0b\nCode| y\nCode|z\nlast")
	want := []byte("a\r\nCode: 0f 0b\nCode|z\nlast")
	if got := StripListings(nil, in); !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestListingUnknownIP: without the trapping address the listing shows
// offsets from the trapping byte, and branch targets in the same terms.
func TestListingUnknownIP(t *testing.T) {
	// The WARN of the nokaslr boot: "RIP: 0010:oopsdemo_level3+0x51/0xfe
	// [oopsdemo]", with no table to place oopsdemo_level3.
	const line = "85 c0 75 13 48 8b 05 e9 22 00 00 c7 40 10 2a 00 00 00 e9 aa 00 00 00 48 c7 c6 f4 20 20 c0 48 89 df e8 86 b7 7e c1 85 c0 75 07 <0f> 0b e9 90 00 00 00 48 c7 c6 f9 20 20 c0 48 89 df e8 6c b7 7e c1"
	c, err := ParseCode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	m := Machine{Arch: parse.ArchX86, Bits: 64}
	insns, err := c.Disassemble(m, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := string(AppendListing(nil, m, insns, nil))
	for _, want := range []string{
		"Code|   trap-0x2a:  85 c0                 test   %eax,%eax\n",
		"Code|   trap-0x28:  75 13                 jne    trap-0x13\n",
		"Code|   trap-0x26:  48 8b 05 e9 22 00 00  mov    0x22e9(%rip),%rax        # trap+0x22ca\n",
		"Code| * trap+0x0:   0f 0b                 ud2     <-- trapping instruction\n",
	} {
		if !bytes.Contains([]byte(got), []byte(want)) {
			t.Errorf("listing lacks %q:\n%s", want, got)
		}
	}
	for _, in := range insns {
		if in.AddrKnown || in.Addr != 0 {
			t.Errorf("%+v: an address without the IP", in)
		}
	}
}
