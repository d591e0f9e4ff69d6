package parse

import (
	"bytes"
	"strconv"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/literal"
)

// A FactKind says what a log line tells about the kernel that wrote it.
type FactKind uint8

const (
	// FactNone: the line says nothing about the kernel itself.
	FactNone FactKind = iota
	// FactBanner: "Linux version 6.1.0-56-amd64 (...)", printed first
	// at every boot. The lines after it are another boot's.
	FactBanner
	// FactRelease: a report's "CPU: 1 PID: 131 Comm: init Tainted: G
	// W OE 6.1.0-56-amd64 #1 ..." line, which names the release.
	FactRelease
	// FactOffset: "Kernel Offset: 0xd400000 from 0xffffffff81000000",
	// the KASLR offset printed at the end of a panic.
	FactOffset
	// FactOffsetDisabled: "Kernel Offset: disabled".
	FactOffsetDisabled
	// FactNoKASLR: the kernel command line, with "nokaslr" on it.
	FactNoKASLR
	// FactReportEnd: "---[ end trace ... ]---" or "---[ end Kernel
	// panic ...": the end of a report.
	FactReportEnd
	// FactLastUnloaded: "Modules linked in: ... [last unloaded:
	// oopsdemo_uaf(OE)]": Module names the module unloaded last.
	FactLastUnloaded
)

// A Fact is what one line says about the kernel that wrote the log.
type Fact struct {
	Kind    FactKind
	Release string // FactBanner, FactRelease
	Module  string // FactLastUnloaded
	// Offset and Base of FactOffset: the kernel ran Offset bytes above
	// its link address Base (x86: _text's; arm64: KIMAGE_VADDR).
	Offset, Base uint64
}

// factFormat recognises one kind of fact by the start of the kernel's text.
type factFormat struct {
	prefix string
	parse  func(body []byte) (Fact, bool)
}

// factFormats are the lines that tell about the kernel itself. Each is
// recognised by how the kernel's text starts, so that a line that is none
// of them costs a switch on its first byte.
var factFormats = []factFormat{
	{"Linux version ", parseBanner},
	{"Kernel Offset: ", parseKernelOffset},
	{"Command line: ", parseCommandLine},        // x86's early copy
	{"Kernel command line: ", parseCommandLine}, // every arch
	{"CPU: ", parseReleaseLine},                 // dump_stack_print_info since 3.x
	{"Pid: ", parseReleaseLine},                 // 2.6's show_regs: "Pid: 1, comm: swapper Not tainted 2.6.32 #1"
	{"---[ end trace ", parseReportEnd},
	{"---[ end Kernel panic", parseReportEnd},
	{"Modules linked in:", parseModulesLinkedIn},
}

// factFirstBytes holds the first byte of every factFormats prefix.
const factFirstBytes = "LKCP-M"

// LineFact returns what line (without its terminator, with any collector
// prefix) says about the kernel that wrote it.
func LineFact(line []byte) Fact {
	return bodyFact(line[SplitPrefix(line):])
}

// bodyFact is LineFact for the kernel's text, its prefix split off.
func bodyFact(body []byte) Fact {
	i := factPrefixes.First(body)
	if i < 0 {
		return Fact{}
	}
	f := factFormats[i]
	if fact, ok := f.parse(body[len(f.prefix):]); ok {
		return fact
	}
	return Fact{}
}

// factPrefixes finds the first of factFormats whose prefix a text has, by
// its first two bytes.
var factPrefixes = func() *literal.Set {
	var prefixes []string
	for _, f := range factFormats {
		prefixes = append(prefixes, f.prefix)
	}
	return literal.New(prefixes...)
}()

// parseBanner: "Linux version 6.1.0-56-amd64 (debian-kernel@...) ...".
func parseBanner(rest []byte) (Fact, bool) {
	rel := firstField(rest)
	if !isRelease(rel) {
		return Fact{}, false
	}
	return Fact{Kind: FactBanner, Release: string(rel)}, true
}

// parseKernelOffset: "0xd400000 from 0xffffffff81000000 (relocation
// range: ...)" or "disabled".
func parseKernelOffset(rest []byte) (Fact, bool) {
	if bytes.HasPrefix(rest, []byte("disabled")) {
		return Fact{Kind: FactOffsetDisabled}, true
	}
	off, rest, ok := cutHex(rest)
	if !ok {
		return Fact{}, false
	}
	rest, found := bytes.CutPrefix(rest, []byte(" from "))
	if !found {
		return Fact{}, false
	}
	base, _, ok := cutHex(rest)
	if !ok {
		return Fact{}, false
	}
	return Fact{Kind: FactOffset, Offset: off, Base: base}, true
}

// cutHex parses a "0x..." number at the start of b.
func cutHex(b []byte) (v uint64, rest []byte, ok bool) {
	b, found := bytes.CutPrefix(b, []byte("0x"))
	if !found {
		return 0, nil, false
	}
	n := 0
	for n < len(b) && isHexDigit(b[n]) {
		n++
	}
	v, ok = parseHex(b[:n])
	return v, b[n:], ok
}

// parseCommandLine finds "nokaslr" among the boot parameters.
func parseCommandLine(rest []byte) (Fact, bool) {
	// The words one by one (bytes.Fields would make a slice of them at
	// every boot of a long log).
	for word := range bytes.FieldsSeq(rest) {
		if string(word) == "nokaslr" {
			return Fact{Kind: FactNoKASLR}, true
		}
	}
	return Fact{}, false
}

// releaseAfterTaint finds the release in the line that names the task and
// the taint: "... Tainted: G        W  OE      6.1.0-56-amd64 #1 Debian
// 6.1.192-2", "... Not tainted 6.1.0 #1", 2.6's "... Not tainted
// 2.6.32-5-amd64 #1", and with a "(" before it on 2.6.18's "Tainted: P
// (2.6.18 #1)". The taint flags are capital letters and blanks. It returns
// where the release is in b, as the regular expression
//
//	(?:Not tainted|Tainted: [A-Z ]*?) +\(?([0-9][^ ()#]*) #
//
// would capture it (TestReleaseAfterTaint holds it to that); written out
// because every report has this line, and compiling the expression cost a
// run over one oops more than reading the line.
func releaseAfterTaint(b []byte) (start, end int, ok bool) {
	for i := bytes.Index(b, []byte("ainted")); i >= 0; {
		// A release follows the first "Not tainted" or "Tainted: " whose
		// blanks and flags end in a blank before a digit or "(".
		at := i - 1
		j := -1
		switch {
		case at >= 4 && string(b[at-4:at+len("tainted")]) == "Not tainted":
			j = at + len("tainted")
			k := j
			for k < len(b) && b[k] == ' ' {
				k++
			}
			if k == j {
				j = -1
			} else {
				j = k
			}
		case at >= 0 && b[at] == 'T' && bytes.HasPrefix(b[at:], []byte("Tainted: ")):
			j = at + len("Tainted: ")
			k := j
			for k < len(b) && (b[k] == ' ' || b[k] >= 'A' && b[k] <= 'Z') {
				k++
			}
			if k == j || b[k-1] != ' ' {
				j = -1
			} else {
				j = k
			}
		}
		if j >= 0 {
			if j < len(b) && b[j] == '(' {
				j++
			}
			if j < len(b) && isDigit(b[j]) {
				e := j
				for e < len(b) && b[e] != ' ' && b[e] != '(' && b[e] != ')' && b[e] != '#' {
					e++
				}
				if e+1 < len(b) && b[e] == ' ' && b[e+1] == '#' {
					return j, e, true
				}
			}
		}
		next := bytes.Index(b[i+1:], []byte("ainted"))
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return 0, 0, false
}

// parseReleaseLine takes the release from a report's task line.
func parseReleaseLine(rest []byte) (Fact, bool) {
	s, e, ok := releaseAfterTaint(rest)
	if !ok || !isRelease(rest[s:e]) {
		return Fact{}, false
	}
	return Fact{Kind: FactRelease, Release: string(rest[s:e])}, true
}

func parseReportEnd([]byte) (Fact, bool) { return Fact{Kind: FactReportEnd}, true }

// parseModulesLinkedIn finds "[last unloaded: name(OE)]" at the end of the
// module list.
func parseModulesLinkedIn(rest []byte) (Fact, bool) {
	_, after, found := bytes.Cut(rest, []byte("[last unloaded: "))
	if !found {
		return Fact{}, false
	}
	end := bytes.IndexAny(after, "( ]")
	if end <= 0 {
		return Fact{}, false
	}
	return Fact{Kind: FactLastUnloaded, Module: string(after[:end])}, true
}

// isRelease accepts what uname -r can print: it starts with a version
// number ("2.6.32", "6.1.0-56-amd64", "6.12.0-rc1+").
func isRelease(b []byte) bool {
	if len(b) < 3 || len(b) > 128 || !isDigit(b[0]) {
		return false
	}
	dot := bytes.IndexByte(b, '.')
	return dot > 0 && dot+1 < len(b) && isDigit(b[dot+1])
}

func firstField(b []byte) []byte {
	end := bytes.IndexAny(b, " \t")
	if end < 0 {
		return b
	}
	return b[:end]
}

// Timestamp returns the seconds since boot of a line's printk timestamp
// ("[   12.345678]", also after a syslog or level prefix), and false for a
// line without one.
func Timestamp(line []byte) (seconds float64, ok bool) {
	return PrefixTimestamp(line[:SplitPrefix(line)])
}

// PrefixTimestamp is Timestamp for a line's prefix, already split off (see
// Parser.Prefix).
func PrefixTimestamp(prefix []byte) (seconds float64, ok bool) {
	for {
		i := bytes.IndexByte(prefix, '[')
		if i < 0 {
			return 0, false
		}
		prefix = prefix[i:]
		if n := matchTimestamp(prefix); n > 0 {
			inner := bytes.TrimSpace(bytes.TrimRight(bytes.TrimSpace(prefix[1:n]), "]"))
			if v, err := strconv.ParseFloat(string(inner), 64); err == nil {
				return v, true
			}
		}
		prefix = prefix[1:]
	}
}

// ReleaseVersion returns the major and minor version of a release
// ("6.1.0-56-amd64": 6, 1).
func ReleaseVersion(release string) (major, minor int, ok bool) {
	b := []byte(release)
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '.' {
		return 0, 0, false
	}
	j := i + 1
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j == i+1 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(release[:i])
	minor, err2 := strconv.Atoi(release[i+1 : j])
	return major, minor, err1 == nil && err2 == nil
}
