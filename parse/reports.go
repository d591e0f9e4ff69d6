package parse

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/literal"
)

// reportFirstBytes holds the first byte of every reportHeaders prefix, so
// that most lines cost one byte test (TestReportFirstBytes keeps it true).
const reportFirstBytes = "BIKOPUVWdgikrsuw"

// A reportHeader is the first line of one kind of kernel report, as the
// kernel prints it at the start of its text.
type reportHeader struct {
	kind   string // what the report is, for summaries
	prefix string // the line's text (after the collector's prefix) starts with it
}

// reportHeaders lists the lines that open a kernel report: oopses, BUGs,
// WARNINGs, panics, lockdep, hung tasks, RCU stalls and kmemleak, across
// architectures. More specific prefixes come first.
var reportHeaders = []reportHeader{
	{"kernel BUG", "kernel BUG at "},
	{"BUG", "BUG: "},
	{"WARNING", "WARNING: "},
	{"Oops", "Oops: "},
	{"Oops", "Oops#"},
	{"Oops", "Internal error: "},
	{"general protection fault", "general protection fault"},
	{"Unable to handle kernel", "Unable to handle kernel "},
	{"panic", "Kernel panic - not syncing"},
	{"hung task", "INFO: task "},
	{"RCU stall", "INFO: rcu"},
	{"RCU stall", "rcu: INFO: rcu"},
	{"lockdep", "INFO: trying to register non-static key"},
	{"lockdep", "INFO: suspicious RCU usage"},
	{"divide error", "divide error: "},
	{"invalid opcode", "invalid opcode: "},
	{"double fault", "PANIC: double fault"},
	{"stack segment", "stack segment: "},
	{"VFS", "VFS: Busy inodes after unmount"},
	{"VFS", "VFS: Close: file count is zero"},
	{"netdev leak", "unregister_netdevice: waiting for "},
	{"lockdep", "INFO: possible "},
	{"UBSAN", "UBSAN: "},
	{"soft lockup", "watchdog: BUG: soft lockup"},
	{"kmemleak", "unreferenced object 0x"},
	{"Oops", "Kernel BUG at "},
	{"Oops", "Unable to handle kernel paging request"},
}

// ReportStart reports whether line (without its terminator) is the first
// line of a kernel report, and of which kind. It looks at one line alone,
// so one crash can start several times ("BUG:" then "Oops:"); package
// parse/report reads whole reports, one per crash, with their titles.
func ReportStart(line []byte) (kind string, ok bool) {
	return reportKind(line[SplitPrefix(line):])
}

// reportKind is ReportStart for the kernel's text, its prefix split off.
func reportKind(body []byte) (kind string, ok bool) {
	body = bytes.TrimLeft(body, " ")
	if len(body) < 5 || !reportFirstByte[body[0]] {
		return "", false
	}
	if i := reportPrefixes.First(body); i >= 0 {
		return reportHeaders[i].kind, true
	}
	return "", false
}

// reportFirstByte is reportFirstBytes as a table.
var reportFirstByte = byteTable(reportFirstBytes)

// byteTable returns the bytes of s as a table: the test of a line's first
// byte that every line pays is one load.
func byteTable(s string) (t [256]bool) {
	for i := range len(s) {
		t[s[i]] = true
	}
	return t
}

// reportPrefixes finds the first of reportHeaders a text starts with, by
// its first two bytes.
var reportPrefixes = func() *literal.Set {
	var prefixes []string
	for _, h := range reportHeaders {
		prefixes = append(prefixes, h.prefix)
	}
	return literal.New(prefixes...)
}()
