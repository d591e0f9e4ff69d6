package input

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseKmsgHeader(t *testing.T) {
	for _, tc := range []struct {
		line            string
		ok              bool
		level, facility uint8
		seq, usec       uint64
		flags           byte
		caller, text    string
	}{
		{line: "6,1,0,-;Command line: console=ttyS0", ok: true, level: 6, seq: 1, flags: '-', text: "Command line: console=ttyS0"},
		{line: "4,585,16138987,-;R13: 0000000013cc6d70", ok: true, level: 4, seq: 585, usec: 16138987, flags: '-', text: "R13: 0000000013cc6d70"},
		{line: "12,7,900,c;user text", ok: true, level: 4, facility: 1, seq: 7, usec: 900, flags: 'c', text: "user text"},
		{line: "6,339,5554321,-,caller=T1;Run /init as init process", ok: true, level: 6, seq: 339, usec: 5554321, flags: '-', caller: "T1", text: "Run /init as init process"},
		{line: "6,2,3,-,caller=C0,future=x;t", ok: true, level: 6, seq: 2, usec: 3, flags: '-', caller: "C0", text: "t"},
		{line: "6,2,3,-,caller=X9;t", ok: true, level: 6, seq: 2, usec: 3, flags: '-', text: "t"}, // not a caller id: ignored
		{line: "6,1,0,-;", ok: true, level: 6, seq: 1, flags: '-'},
		{line: "6,1,0;text"},         // three fields
		{line: "6,1,0,-text"},        // no ';'
		{line: "a,1,0,-;text"},       // prio not a number
		{line: "6,,0,-;text"},        // empty seq
		{line: "2000,1,0,-;text"},    // prio out of range
		{line: "6,1,0,-x;text"},      // junk after flags
		{line: "[    1.0] 6,1,0,-;"}, // text, not a record
		{line: " SUBSYSTEM=acpi"},
		{line: ""},
	} {
		r, ok := parseKmsgHeader([]byte(tc.line))
		if ok != tc.ok {
			t.Errorf("%q: ok = %v, want %v", tc.line, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if r.level != tc.level || r.facility != tc.facility || r.seq != tc.seq || r.usec != tc.usec || r.flags != tc.flags ||
			string(r.caller) != tc.caller || string(r.text) != tc.text {
			t.Errorf("%q: have %d %d %d %d %q %q %q", tc.line, r.level, r.facility, r.seq, r.usec, r.flags, r.caller, r.text)
		}
	}
}

func TestUnescapeKmsg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, "plain"},
		{`rcu: \x09RCU restricting`, "rcu: \tRCU restricting"},
		{`a\x0ab\x0Ac`, "a\nb\nc"},
		{`back\x5cslash`, `back\slash`},
		{`\xff\xfe`, "\xff\xfe"},
		{`\x`, `\x`},
		{`\x4`, `\x4`},
		{`\xzz`, `\xzz`},
		{`end\`, `end\`},
	} {
		if have := string(unescapeKmsg(nil, []byte(tc.in))); have != tc.want {
			t.Errorf("%q: have %q, want %q", tc.in, have, tc.want)
		}
	}
}

func TestDmesgPrefix(t *testing.T) {
	for _, tc := range []struct {
		usec   uint64
		caller string
		want   string
	}{
		{0, "", "[    0.000000] "},
		{16138987, "", "[   16.138987] "},
		{123456789012, "", "[123456.789012] "},
		{5554321, "T1", "[    5.554321][    T1] "},
		{5554321, "T1234567", "[    5.554321][T1234567] "},
	} {
		if have := string(appendDmesgPrefix(nil, tc.usec, []byte(tc.caller))); have != tc.want {
			t.Errorf("%d %q: have %q, want %q", tc.usec, tc.caller, have, tc.want)
		}
	}
}

// decode runs a Reader over in and returns its output.
func decode(t *testing.T, in string, f Format) (string, *Reader) {
	t.Helper()
	r := NewReader(strings.NewReader(in), f)
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return string(out), r
}

func TestKmsgDecoder(t *testing.T) {
	in := "6,100,1000,-;first\n SUBSYSTEM=acpi\n DEVICE=+acpi:PNP0A03:00\n" +
		"4,101,1579394,-;Unstable clock\\x0aIf you want\\x0a  \"trace_clock=local\"\n" +
		"6,104,2000000,-;after a gap\n" +
		"not a record\n" +
		" indented text after a non-record\n" +
		"6,105,2000001,-,caller=T42;with caller"
	want := "[    0.001000] first\n" +
		"[    1.579394] Unstable clock\n[    1.579394] If you want\n[    1.579394]   \"trace_clock=local\"\n" +
		"[    2.000000] after a gap\n" +
		"not a record\n" +
		" indented text after a non-record\n" +
		"[    2.000001][   T42] with caller\n"
	out, r := decode(t, in, Auto)
	if r.Format() != Kmsg {
		t.Fatalf("detected %v, want kmsg", r.Format())
	}
	if out != want {
		t.Errorf("have\n%s\nwant\n%s", out, want)
	}
	if s := r.Stats(); s.Records != 4 || s.Lost != 2 || s.Other != 2 {
		t.Errorf("stats %+v, want 4 records, 2 lost, 2 other", s)
	}
}

func TestFieldValues(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string
		ok   bool
	}{
		{`"text"`, []string{"text"}, true},
		{`"a\nb"`, []string{"a\nb"}, true},
		{`[104,105,255]`, []string{"hi\xff"}, true},
		{`["one","two"]`, []string{"one", "two"}, true},
		{`["one",[116,119,111]]`, []string{"one", "two"}, true},
		{`[]`, []string{""}, true},
		{`null`, nil, false},
		{``, nil, false},
		{`42`, nil, false},
		{`[256]`, nil, false},
		{`[["a"]]`, nil, false}, // deeper than the journal nests
		{`[[[104]]]`, nil, false},
		{`{"a":1}`, nil, false},
	} {
		vals, ok := fieldValues(nil, json.RawMessage(tc.raw))
		var have []string
		for _, v := range vals {
			have = append(have, string(v))
		}
		if ok != tc.ok || strings.Join(have, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: have %q %v, want %q %v", tc.raw, have, ok, tc.want, tc.ok)
		}
	}
}

func TestJournalDecoder(t *testing.T) {
	in := `{"__CURSOR":"s=1","MESSAGE":"Linux version 6.1.0","_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"0","__MONOTONIC_TIMESTAMP":"4012345"}` + "\n" +
		`{"MESSAGE":[82,73,80,58,32,255],"_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"16138987"}` + "\n" +
		`{"MESSAGE":"two\nlines","_TRANSPORT":"kernel","__MONOTONIC_TIMESTAMP":"2000000"}` + "\n" +
		`{"MESSAGE":null,"_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"1"}` + "\n" +
		`{"MESSAGE":"Journal started","_TRANSPORT":"driver","SYSLOG_IDENTIFIER":"systemd-journald","_PID":"52","__MONOTONIC_TIMESTAMP":"3000000"}` + "\n" +
		`{"MESSAGE":"no time"}` + "\n" +
		"{broken\n"
	want := "[    0.000000] Linux version 6.1.0\n" +
		"[   16.138987] RIP: \xff\n" +
		"[    2.000000] two\n[    2.000000] lines\n" +
		"[    3.000000] systemd-journald[52]: Journal started\n" +
		"no time\n" +
		"{broken\n"
	out, r := decode(t, in, Auto)
	if r.Format() != JournalJSON {
		t.Fatalf("detected %v, want journal-json", r.Format())
	}
	if out != want {
		t.Errorf("have\n%q\nwant\n%q", out, want)
	}
	if s := r.Stats(); s.Records != 6 || s.Omitted != 1 || s.Other != 1 {
		t.Errorf("stats %+v, want 6 records, 1 omitted, 1 other", s)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Format
	}{
		{"5,0,0,-;Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)\n", Kmsg},
		{"6,339,5554321,-,caller=T1;Run /init\n", Kmsg},
		{`{"__CURSOR":"s=2c;i=1","__REALTIME_TIMESTAMP":"1795940459000000","MESSAGE":"x"}` + "\n", JournalJSON},
		{` {"MESSAGE":"x"}`, JournalJSON},
		{"Oops#1 Part1\n<5>[    1.408375] Key type encrypted registered\n", Pstore},
		{"Panic#12 Part3\r\n", Pstore},
		{"[    0.000000] Linux version 6.1.0-56-amd64\n", Text},
		{"Nov 29 08:20:40 localhost kernel: Linux version 6.1.0-56-amd64\n", Text},
		{"Oops#1 Part\n", Text},
		{"Oops #1 Part1\n", Text},
		{"{not json journal}\n", Text},
		{"", Text},
	} {
		if have := Detect([]byte(tc.head)); have != tc.want {
			t.Errorf("%q: have %v, want %v", tc.head, have, tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, name := range Formats() {
		f, ok := ParseFormat(name)
		if !ok || f.String() != name {
			t.Errorf("%q: have %v %v", name, f, ok)
		}
	}
	if _, ok := ParseFormat("json"); ok {
		t.Error(`"json" accepted`)
	}
}

// TestLiveRecordAtATime checks that a Reader hands out a record as soon as
// it has arrived, without waiting for the next: /dev/kmsg and dmesg -w are
// followed live.
func TestLiveRecordAtATime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		first  string
		second string
		want   string
	}{
		{"kmsg", "6,1,5,-;one\n", "6,2,6,-;two\n", "[    0.000005] one\n"},
		{"journal", `{"MESSAGE":"one","_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"5"}` + "\n", `{"MESSAGE":"two"}` + "\n", "[    0.000005] one\n"},
		{"text", "[    0.000005] one\n", "[    0.000006] two\n", "[    0.000005] one\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go pw.Write([]byte(tc.first))
			r := NewReader(pr, Auto)
			line, err := bufio.NewReader(r).ReadString('\n')
			if err != nil || line != tc.want {
				t.Fatalf("have %q %v, want %q", line, err, tc.want)
			}
			pw.Close()
		})
	}
}

func TestPstoreOrderSynthetic(t *testing.T) {
	// Parts of two dumps, as a shell glob would list them: the newest
	// part of each dump first.
	files := []string{
		"Oops#1 Part1\n<4>[    3.0] oops c\n",
		"Oops#1 Part2\n<4>[    2.0] oops b\n",
		"Oops#1 Part3\n<4>[    1.0] oops a\n",
		"Panic#2 Part1\n<0>[    5.0] panic b",
		"Panic#2 Part2\n<0>[    4.0] panic a\n",
	}
	want := "Oops#1 Part3\n<4>[    1.0] oops a\n<4>[    2.0] oops b\n<4>[    3.0] oops c\n" +
		"Panic#2 Part2\n<0>[    4.0] panic a\n<0>[    5.0] panic b\n"
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {3, 0, 4, 2, 1}} {
		var set PstoreSet
		var all bytes.Buffer
		for _, i := range order {
			if err := set.Add(strings.NewReader(files[i]), time.Time{}); err != nil {
				t.Fatal(err)
			}
			all.WriteString(files[i])
			if !strings.HasSuffix(files[i], "\n") {
				all.WriteString("\n")
			}
		}
		out, _ := io.ReadAll(set.Reader())
		if string(out) != want {
			t.Errorf("order %v: have\n%s\nwant\n%s", order, out, want)
		}
		if d := set.Describe(); d != "Oops#1 (parts 3-1), Panic#2 (parts 2-1)" {
			t.Errorf("order %v: Describe() = %q", order, d)
		}
		// The same parts in one stream (cat dmesg-* | ksymoops-go).
		if out, _ := decode(t, all.String(), Auto); out != want {
			t.Errorf("order %v, one stream: have\n%s\nwant\n%s", order, out, want)
		}
	}
}

// TestSniffAtIsSniff: the head read at offsets tells the same format as
// the head a buffered reader peeks, for the formats' first lines, long
// first lines (a journal line's MESSAGE after 5 KB, a line past maxSniff)
// and none.
func TestSniffAtIsSniff(t *testing.T) {
	long := `{"__REALTIME_TIMESTAMP":"1","X":"` + strings.Repeat("y", 5000) + `","MESSAGE":"x"}` + "\n"
	for _, head := range []string{
		"5,0,0,-;Linux version 6.1.0-56-amd64\nmore\n",
		long, long[:len(long)-1],
		"Panic#12 Part3\r\n<5>[    1.4] x\n",
		"[    0.000000] Linux version 6.1.0-56-amd64\n",
		`{"` + strings.Repeat("z", 70<<10) + `":"","MESSAGE":"x"}` + "\n",
		"", "x", "\n",
	} {
		want := Detect(Sniff(bufio.NewReaderSize(strings.NewReader(head), maxSniff)))
		got := SniffAt(strings.NewReader(head), int64(len(head)))
		if Detect(got) != want || !strings.HasPrefix(head, string(got)) {
			t.Errorf("%.40q: SniffAt tells %v (%d bytes), Sniff %v", head, Detect(got), len(got), want)
		}
	}
}
