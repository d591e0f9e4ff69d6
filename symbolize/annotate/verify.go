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
// kernel has each of them with the same size, wherever KASLR put it.
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
		a.stale = true
		if agree {
			a.stats.NamesAgreed++
			a.cur.namesAgreed++
			continue
		}
		a.stats.NamesDisagreed++
		a.cur.namesDisagreed++
		if len(a.mismatches) < maxMismatches {
			kernel := symbolize.Location{Name: ps.Name, Offset: ps.Offset, Size: ps.Size, Module: ps.Module}.String()
			table := fmt.Sprintf("%s of size %#x", cands[0].Name, cands[0].Size)
			a.mismatches = append(a.mismatches, Mismatch{Line: a.stats.Lines, Kernel: kernel, Table: table})
		}
	}
}

// maxMismatches bounds the examples kept for the diagnostics.
const maxMismatches = 5

// check compares an address the kernel printed with its symbol ps with
// the answer of a table of runtime addresses.
func (a *Annotator) check(line []byte, t parse.Token, ps parse.PrintedSymbol) {
	loc, found := resolve(a.res, t)
	if found && loc.Name == ps.Name && loc.Offset == ps.Offset && loc.Size == ps.Size && (ps.Module == "" || loc.Module == ps.Module) {
		a.stats.Agreed++
		a.cur.agreed++
		return
	}
	a.stats.Disagreed++
	a.cur.disagreed++
	if len(a.mismatches) < maxMismatches {
		m := Mismatch{Line: a.stats.Lines, Addr: t.Value, Kernel: symbolize.Location{Name: ps.Name, Offset: ps.Offset, Size: ps.Size, Module: ps.Module}.String()}
		if found {
			m.Table = loc.String()
		}
		a.mismatches = append(a.mismatches, m)
	}
}

// Mismatches returns the first few disagreements between the log and the
// table.
func (a *Annotator) Mismatches() []Mismatch { return a.mismatches }

// vote takes an address the kernel printed with its symbol as evidence of
// the offset of a link-time table, and counts it as agreeing when the
// table has that symbol with that size.
func (a *Annotator) vote(t parse.Token, ps parse.PrintedSymbol) {
	if ps.Module != "" {
		return // a link-time table has no modules, and they do not move with the kernel
	}
	unmatched := a.cur.unmatched
	a.cur.vote(a.static, t.Value, ps)
	if a.cur.unmatched == unmatched {
		a.stats.Agreed++
		return
	}
	a.stats.Disagreed++
	if len(a.mismatches) < maxMismatches {
		m := Mismatch{Line: a.stats.Lines, Addr: t.Value, Kernel: symbolize.Location{Name: ps.Name, Offset: ps.Offset, Size: ps.Size}.String()}
		if cands := a.static.LookupName(ps.Name, ""); len(cands) > 0 {
			m.Table = fmt.Sprintf("%s of size %#x", cands[0].Name, cands[0].Size)
		}
		a.mismatches = append(a.mismatches, m)
	}
}
