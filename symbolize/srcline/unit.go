package srcline

import (
	"cmp"
	"debug/dwarf"
	"errors"
	"fmt"
	"io"
	"slices"
)

// A unit is one compilation unit, decoded on first use: a dwarf.Data over
// just its own bytes of .debug_info (the other sections are shared and
// addressed by absolute offsets, so they need no copy), and its line
// table, decoded whole and sorted once.
type unit struct {
	data    *dwarf.Data
	cu      *dwarf.Entry
	compDir string

	linesDone bool
	rows      []lineRow
	files     []*dwarf.LineFile
	lineErr   error
}

// lineRow is one row of a line table.
type lineRow struct {
	addr   uint64
	file   *dwarf.LineFile
	line   int32
	column int32
	discr  int32
	end    bool // the end of a sequence: the address after its code
}

// attrGNUDiscriminator is GCC's DW_AT_GNU_discriminator on inlined
// subroutines: the discriminator of the call's line.
const attrGNUDiscriminator dwarf.Attr = 0x2136

func (f *File) newUnit(off uint64) (*unit, error) {
	info := f.sec.info
	if off >= uint64(len(info)) {
		return nil, fmt.Errorf("offset past the end of .debug_info (%#x bytes)", len(info))
	}
	length, hdr, _ := unitLength(info[off:], f.order)
	end := off + uint64(hdr) + length
	if hdr == 0 || end < off || end > uint64(len(info)) {
		return nil, errors.New("bad unit length")
	}
	// Offsets inside the unit's own Data are relative to the unit's start:
	// references within a unit (DW_FORM_ref*) are, and that is all a C
	// kernel uses. A reference to another unit (DW_FORM_ref_addr, only
	// with LTO) cannot be followed.
	d, err := dwarf.New(f.sec.abbrev, nil, nil, info[off:end:end], f.sec.line, nil, f.sec.ranges, f.sec.str)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		data []byte
	}{{".debug_addr", f.sec.addr}, {".debug_line_str", f.sec.lineStr}, {".debug_str_offsets", f.sec.strOffsets}, {".debug_rnglists", f.sec.rng}} {
		if s.data != nil {
			if err := d.AddSection(s.name, s.data); err != nil {
				return nil, err
			}
		}
	}
	cu, err := d.Reader().Next()
	if err != nil {
		return nil, err
	}
	if cu == nil {
		return nil, errors.New("empty unit")
	}
	dir, _ := cu.Val(dwarf.AttrCompDir).(string)
	return &unit{data: d, cu: cu, compDir: dir}, nil
}

// lines decodes the unit's line table on first use.
func (u *unit) lines() error {
	if u.linesDone {
		return u.lineErr
	}
	u.linesDone = true
	lr, err := u.data.LineReader(u.cu)
	if err != nil || lr == nil {
		u.lineErr = err
		return err
	}
	var e dwarf.LineEntry
	for {
		if err := lr.Next(&e); err != nil {
			if err != io.EOF {
				u.lineErr = err
			}
			break
		}
		u.rows = append(u.rows, lineRow{addr: e.Address, file: e.File, line: int32(e.Line), column: int32(e.Column),
			discr: int32(e.Discriminator), end: e.EndSequence})
	}
	u.files = lr.Files()
	// Sequences come in any order. Sorted by address, with a sequence's
	// end before a row that starts another sequence at the same address,
	// the row for an address is the last one at or below it; of several
	// rows at one address the last wins, as in addr2line.
	slices.SortStableFunc(u.rows, func(a, b lineRow) int {
		if c := cmp.Compare(a.addr, b.addr); c != 0 {
			return c
		}
		switch {
		case a.end && !b.end:
			return -1
		case b.end && !a.end:
			return 1
		}
		return 0
	})
	return u.lineErr
}

// lineAt returns the line table row for pc.
func (u *unit) lineAt(pc uint64) (lineRow, bool) {
	i, _ := slices.BinarySearchFunc(u.rows, pc, func(r lineRow, pc uint64) int {
		if r.addr <= pc {
			return -1
		}
		return 1
	})
	if i == 0 {
		return lineRow{}, false
	}
	r := u.rows[i-1]
	if r.end || r.file == nil {
		return lineRow{}, false
	}
	return r, true
}

// frames returns the inline chain at pc.
func (u *unit) frames(pc uint64) ([]Frame, error) {
	if err := u.lines(); err != nil {
		return nil, err
	}
	chain, err := u.scopes(pc)
	if err != nil {
		return nil, err
	}
	row, hasLine := u.lineAt(pc)
	if !hasLine && len(chain) == 0 {
		return nil, nil
	}
	inner := Frame{}
	if hasLine {
		inner = Frame{File: row.file.Name, Line: int(row.line), Column: int(row.column), Discriminator: int(row.discr)}
	}
	frames := make([]Frame, 0, len(chain)+1)
	frames = append(frames, inner)
	// chain runs outermost (the subprogram) to innermost; every inlined
	// subroutine's call site is a line of the function around it.
	for i := len(chain) - 1; i >= 0; i-- {
		e := chain[i]
		frames[len(frames)-1].Func = u.name(e)
		if e.Tag != dwarf.TagInlinedSubroutine {
			break
		}
		frames = append(frames, Frame{
			File:          u.fileName(e.Val(dwarf.AttrCallFile)),
			Line:          intVal(e.Val(dwarf.AttrCallLine)),
			Column:        intVal(e.Val(dwarf.AttrCallColumn)),
			Discriminator: intVal(e.Val(attrGNUDiscriminator)),
		})
	}
	return frames, nil
}

// scopes returns the subprogram whose code holds pc and the inlined
// subroutines around pc inside it, outermost first. It walks the unit's
// tree once, skipping every subtree whose ranges miss pc.
func (u *unit) scopes(pc uint64) ([]*dwarf.Entry, error) {
	r := u.data.Reader()
	if _, err := r.Next(); err != nil { // the unit's own entry
		return nil, err
	}
	var chain []*dwarf.Entry
	depth := 0   // of the entries Next returns, below the unit
	inside := -1 // depth of the subprogram holding pc, once found
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if e.Tag == 0 { // the end of a list of children
			depth--
			if depth < 0 || inside >= 0 && depth <= inside {
				break
			}
			continue
		}
		descend := false
		switch e.Tag {
		case dwarf.TagSubprogram, dwarf.TagInlinedSubroutine, dwarf.TagLexDwarfBlock:
			rs, err := u.data.Ranges(e)
			if err != nil {
				return nil, err
			}
			switch {
			case contains(rs, pc):
				descend = true
				if e.Tag != dwarf.TagLexDwarfBlock {
					if e.Tag == dwarf.TagSubprogram && inside < 0 {
						inside = depth
					}
					chain = append(chain, e)
				}
			case len(rs) == 0 && e.Tag == dwarf.TagLexDwarfBlock:
				// A block without ranges of its own can still hold
				// inlined code.
				descend = true
			}
		}
		if !e.Children {
			continue
		}
		if descend {
			depth++
		} else {
			r.SkipChildren()
		}
	}
	return chain, nil
}

func contains(rs [][2]uint64, pc uint64) bool {
	for _, r := range rs {
		if r[0] <= pc && pc < r[1] {
			return true
		}
	}
	return false
}

// name returns a function's name, following the links from a concrete
// instance to its abstract origin and from a definition to its
// declaration.
func (u *unit) name(e *dwarf.Entry) string {
	for range 8 { // links are short; a cycle in bad data must not hang us
		if n, ok := e.Val(dwarf.AttrName).(string); ok {
			return n
		}
		off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			if off, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset); !ok {
				return ""
			}
		}
		r := u.data.Reader()
		r.Seek(off)
		next, err := r.Next()
		if err != nil || next == nil {
			return ""
		}
		e = next
	}
	return ""
}

// fileName returns the name of file number v of the unit's line table.
func (u *unit) fileName(v any) string {
	i, ok := v.(int64)
	if !ok || i < 0 || i >= int64(len(u.files)) || u.files[i] == nil {
		return ""
	}
	return u.files[i].Name
}

func intVal(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case uint64:
		return int(x)
	}
	return 0
}

func sortRanges(rs []cuRange) {
	slices.SortFunc(rs, func(a, b cuRange) int { return cmp.Compare(a.lo, b.lo) })
}
