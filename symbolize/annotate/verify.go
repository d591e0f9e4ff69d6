package annotate

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// A Mismatch is an address the kernel printed together with its symbol,
// which the table resolves to something else: evidence that the table is
// not the one of the kernel that wrote the log.
type Mismatch struct {
	Line   int64  // 1-based line number in the stream
	Addr   uint64 // the address
	Kernel string // what the kernel printed, "name+0xoff/0xsize [mod]"
	Table  string // what the table says, or "" when it has no symbol there
}

func (m Mismatch) String() string {
	table := m.Table
	if table == "" {
		table = "no symbol"
	}
	return fmt.Sprintf("line %d: %#x is %s in the log, %s in the table", m.Line, m.Addr, m.Kernel, table)
}

// maxMismatches bounds the examples kept for the diagnostics.
const maxMismatches = 5

// check compares an address the kernel already named with the table's
// answer. It returns false when they disagree.
func (a *Annotator) check(line []byte, t parse.Token) bool {
	name, off, size, mod, ok := kernelSymbolAfter(line, t.End)
	if !ok {
		return true // a form we cannot compare (no offset/size printed)
	}
	loc, found := a.resolve(t)
	if found && loc.Name == name && loc.Offset == off && loc.Size == size && (mod == "" || loc.Module == mod) {
		a.stats.Agreed++
		return true
	}
	a.stats.Disagreed++
	if len(a.mismatches) < maxMismatches {
		m := Mismatch{Line: a.stats.Lines, Addr: t.Value, Kernel: symbolize.Location{Name: name, Offset: off, Size: size, Module: mod}.String()}
		if found {
			m.Table = loc.String()
		}
		a.mismatches = append(a.mismatches, m)
	}
	return false
}

// Mismatches returns the first few disagreements between the log and the
// table.
func (a *Annotator) Mismatches() []Mismatch { return a.mismatches }

// distrusted reports whether the table has been shown not to match the
// log: more addresses the kernel named disagree with it than agree.
func (a *Annotator) distrusted() bool {
	return a.stats.Disagreed > 0 && a.stats.Disagreed >= a.stats.Agreed
}

// kernelSymbolAfter parses the "name+0xoff/0xsize [mod]" the kernel printed
// after an address (allowing "? ", "(" and 2.6's ":mod:" prefix).
func kernelSymbolAfter(b []byte, end int) (name string, off, size uint64, mod string, ok bool) {
	j := end
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if j+1 < len(b) && b[j] == '?' && b[j+1] == ' ' {
		j += 2
	}
	if j < len(b) && b[j] == '(' {
		j++
	}
	rest := b[j:]
	plus := bytes.Index(rest, []byte("+0x"))
	if plus <= 0 {
		return "", 0, 0, "", false
	}
	nm := rest[:plus]
	if bytes.ContainsAny(nm, " \t()[]") {
		return "", 0, 0, "", false
	}
	if nm[0] == ':' { // 2.6's ":module:name+0x../0x.."
		if k := bytes.IndexByte(nm[1:], ':'); k >= 0 {
			mod, nm = string(nm[1:1+k]), nm[2+k:]
		}
	}
	rest = rest[plus+3:]
	slash := bytes.Index(rest, []byte("/0x"))
	if slash <= 0 {
		return "", 0, 0, "", false
	}
	o, err1 := strconv.ParseUint(string(rest[:slash]), 16, 64)
	rest = rest[slash+3:]
	k := 0
	for k < len(rest) && isHexByte(rest[k]) {
		k++
	}
	s, err2 := strconv.ParseUint(string(rest[:k]), 16, 64)
	if err1 != nil || err2 != nil || len(nm) == 0 {
		return "", 0, 0, "", false
	}
	rest = rest[k:]
	if len(rest) > 2 && rest[0] == ' ' && rest[1] == '[' {
		if e := bytes.IndexByte(rest, ']'); e > 2 {
			mod = string(rest[2:e])
			if sp := strings.IndexByte(mod, ' '); sp > 0 {
				mod = mod[:sp] // "[mod build-id]" since CONFIG_STACKTRACE_BUILD_ID
			}
		}
	}
	return string(nm), o, s, mod, true
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
