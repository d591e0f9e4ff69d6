package annotate

import (
	"fmt"

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
	ps, ok := parse.SymbolAfter(line, t.End)
	if !ok {
		return true // a form we cannot compare (no offset/size printed)
	}
	loc, found := a.resolve(t)
	if found && loc.Name == ps.Name && loc.Offset == ps.Offset && loc.Size == ps.Size && (ps.Module == "" || loc.Module == ps.Module) {
		a.stats.Agreed++
		return true
	}
	a.stats.Disagreed++
	if len(a.mismatches) < maxMismatches {
		m := Mismatch{Line: a.stats.Lines, Addr: t.Value, Kernel: symbolize.Location{Name: ps.Name, Offset: ps.Offset, Size: ps.Size, Module: ps.Module}.String()}
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
