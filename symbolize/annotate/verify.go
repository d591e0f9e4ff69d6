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
	if m.Addr == 0 {
		return fmt.Sprintf("line %d: the kernel printed %s, the table has %s", m.Line, m.Kernel, table)
	}
	return fmt.Sprintf("line %d: %#x is %s in the log, %s in the table", m.Line, m.Addr, m.Kernel, table)
}

// A NameResolver finds symbols by name. *symbolize.Table is one; with it,
// symbols the kernel printed without an address are checked too.
type NameResolver interface {
	LookupName(name, module string) []symbolize.Location
}

// minNameEvidence is how many disagreeing names it takes to distrust a
// table: a single one can be a module symbol whose text region end the
// table could only estimate.
const minNameEvidence = 3

// checkNames compares the symbols the kernel printed in line, without an
// address, with the table's symbols of the same name: a table of the same
// kernel has each of them with the same size.
func (a *Annotator) checkNames(line []byte) {
	nr, ok := a.res.(NameResolver)
	if !ok {
		return
	}
	a.printed = parse.PrintedSymbols(a.printed[:0], line)
	for _, ps := range a.printed {
		cands := nr.LookupName(ps.Name, ps.Module)
		if len(cands) == 0 {
			continue // not in this table (a module a System.map lacks)
		}
		agree := false
		for _, c := range cands {
			agree = agree || (c.Size == ps.Size && ps.Offset <= c.Size)
		}
		if agree {
			a.stats.NamesAgreed++
			continue
		}
		a.stats.NamesDisagreed++
		if len(a.mismatches) < maxMismatches {
			kernel := symbolize.Location{Name: ps.Name, Offset: ps.Offset, Size: ps.Size, Module: ps.Module}.String()
			table := fmt.Sprintf("%s of size %#x", cands[0].Name, cands[0].Size)
			a.mismatches = append(a.mismatches, Mismatch{Line: a.stats.Lines, Kernel: kernel, Table: table})
		}
	}
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
// log: as many addresses the kernel named disagree with it as agree, or
// (weaker evidence, so more of it is needed) more of the symbols the kernel
// printed have another size in the table than the same.
func (a *Annotator) distrusted() bool {
	s := &a.stats
	return s.Disagreed > 0 && s.Disagreed >= s.Agreed ||
		s.NamesDisagreed >= minNameEvidence && s.NamesDisagreed > s.NamesAgreed
}
