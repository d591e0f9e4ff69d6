package report

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/literal"
)

// A fieldFormat is a line that tells facts about the crash: which task on
// which CPU, the taint, the release. Its regexp's named groups ("cpu",
// "pid", "comm", "taint", "release") fill the report's fields that are
// still unset; the first line that tells a fact wins, because later ones
// are often another CPU's or a panic's.
type fieldFormat struct {
	literal string
	re      pattern
}

var fieldFormats = []fieldFormat{
	// "CPU: 1 PID: 132 Comm: init Tainted: G        W  OE      6.1.0-56-amd64 #1",
	// "CPU: 0 UID: 0 PID: 5944 Comm: syz-executor1 Not tainted 4.15.0-rc4+ #164",
	// with a crash kernel loaded "CPU: 0 PID: 96 Comm: init Kdump: loaded Tainted: ...".
	{"Comm: ", pattern{Src: `CPU: (?P<cpu>\d+) (?:UID: \d+ )?PID: (?P<pid>-?\d+) Comm: (?P<comm>.*?) (?:Kdump: loaded )?(?:Not tainted|Tainted: (?P<taint>[A-Z ]*?)) +(?P<release>\d\S*)`}},
	{"Comm: ", pattern{Src: `CPU: (?P<cpu>\d+) (?:UID: \d+ )?PID: (?P<pid>-?\d+) Comm: (?P<comm>\S+)`}},
	// "WARNING: CPU: 1 PID: 130 at ...".
	{"WARNING: CPU: ", pattern{Src: `WARNING: CPU: (?P<cpu>\d+) PID: (?P<pid>-?\d+) at `}},
	// "WARNING: fs/dcache.c:829 at fast_dput+0x334/0x430, CPU#0: syz.0.17/6007".
	{", CPU#", pattern{Src: `, CPU#(?P<cpu>\d+): (?P<comm>.+)/(?P<pid>\d+)$`}},
	// "INFO: task syz-executor5:10045 blocked for more than 120 seconds."
	{"INFO: task ", pattern{Src: `INFO: task (?P<comm>.+):(?P<pid>\d+) (?:blocked|can't die)`}},
	// "BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor0:4569]".
	{"stuck for ", pattern{Src: `CPU#(?P<cpu>\d+) stuck for \d+s! \[(?P<comm>.+):(?P<pid>\d+)\]`}},
	// "BUG: scheduling while atomic: syz-executor0/19425/0x00000000",
	// "BUG: using smp_processor_id() in preemptible [00000000] code: dhcpcd/4088".
	{"BUG: scheduling while atomic: ", pattern{Src: `atomic: (?P<comm>.+)/(?P<pid>\d+)/0x`}},
	{"code: ", pattern{Src: `preemptible \[[0-9a-f]+\] code: (?P<comm>.+)/(?P<pid>\d+)$`}},
	// "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 5915, name: syz".
	{"name: ", pattern{Src: `, pid: (?P<pid>\d+), name: (?P<comm>\S+)`}},
	// ARM: "Process init (pid: 1, stack limit = 0xc1234000)".
	{"Process ", pattern{Src: `^Process (?P<comm>.+) \(pid: (?P<pid>\d+), stack limit`}},
	// lockdep: "4.15.0+ #221 Not tainted", "6.1.0 #1 Tainted: G        W".
	{" #", pattern{Src: `^(?P<release>\d+\.\d+\S*) #\S+(?: [\w.-]+)* (?:Not tainted|Tainted: (?P<taint>[A-Z ]*[A-Z]))`}},
}

// fieldLiterals finds the literals of fieldFormats in one pass over a
// line: bit i stands for fieldFormats[i]'s.
var fieldLiterals = func() *literal.Set {
	lits := make([]string, len(fieldFormats))
	for i := range fieldFormats {
		lits[i] = fieldFormats[i].literal
	}
	return literal.New(lits...)
}()

// fieldGroups are the groups of a fieldFormat's pattern.
type fieldGroups struct{ cpu, pid, comm, taint, release int }

// The fields a fieldFormat can fill, as bits.
const (
	fillsCPU = 1 << iota
	fillsPID
	fillsComm
	fillsRelease // and the taint, which the line of the release tells
)

// fieldFills holds, for each of fieldFormats, the fields its pattern has
// groups for: a format that can fill none of those still unset is neither
// compiled nor run (the second "Comm: " format, after the first matched).
var fieldFills = func() []uint8 {
	fills := make([]uint8, len(fieldFormats))
	for i := range fieldFormats {
		src := fieldFormats[i].re.Src
		for group, bit := range map[string]uint8{"cpu": fillsCPU, "pid": fillsPID, "comm": fillsComm, "release": fillsRelease} {
			if strings.Contains(src, "(?P<"+group+">") {
				fills[i] |= bit
			}
		}
	}
	return fills
}()

// unsetFields returns the fields of r a line may still fill, as bits.
func unsetFields(r *Report, tainted bool) uint8 {
	var unset uint8
	if r.CPU < 0 {
		unset |= fillsCPU
	}
	if r.PID < 0 {
		unset |= fillsPID
	}
	if r.Comm == "" {
		unset |= fillsComm
	}
	if r.Release == "" || !tainted {
		unset |= fillsRelease
	}
	return unset
}

// readFields fills r's task, CPU, taint, release and modules from the
// report's lines.
func readFields(r *Report, lines []heldLine) {
	tainted := false
	for i := range lines {
		b := bytes.TrimLeft(lines[i].text, " \t")
		if r.Modules == nil && bytes.HasPrefix(b, []byte("Modules linked in:")) {
			r.Modules = parseModules(b[len("Modules linked in:"):])
			continue
		}
		found := fieldLiterals.Find(b)
		for k := range fieldFormats {
			f := &fieldFormats[k]
			if found&(1<<k) == 0 || fieldFills[k]&unsetFields(r, tainted) == 0 {
				continue
			}
			re := f.re.Get()
			m := re.FindSubmatchIndex(b)
			if m == nil {
				continue
			}
			g := fieldGroups{re.SubexpIndex("cpu"), re.SubexpIndex("pid"), re.SubexpIndex("comm"),
				re.SubexpIndex("taint"), re.SubexpIndex("release")}
			group := func(i int) string {
				if i < 0 || m[2*i] < 0 {
					return ""
				}
				return string(b[m[2*i]:m[2*i+1]])
			}
			if r.CPU < 0 {
				if v, err := strconv.Atoi(group(g.cpu)); err == nil {
					r.CPU = v
				}
			}
			if r.PID < 0 {
				if v, err := strconv.Atoi(group(g.pid)); err == nil {
					r.PID = v
				}
			}
			if r.Comm == "" {
				r.Comm = group(g.comm)
			}
			if r.Release == "" {
				r.Release = group(g.release)
			}
			if !tainted && g.release >= 0 && m[2*g.release] >= 0 {
				// The line that tells the release tells the taint.
				r.Taint = strings.ReplaceAll(group(g.taint), " ", "")
				tainted = true
			}
		}
	}
}

// parseModules reads the module list of "Modules linked in: a(OE) b c",
// without the per-module taint flags.
func parseModules(b []byte) []string {
	if i := bytes.Index(b, []byte("[last unloaded")); i >= 0 {
		b = b[:i]
	}
	mods := []string{}
	for _, f := range bytes.Fields(b) {
		if i := bytes.IndexByte(f, '('); i > 0 {
			f = f[:i]
		}
		if len(f) > 0 {
			mods = append(mods, string(f))
		}
	}
	return mods
}
