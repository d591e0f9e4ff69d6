package srcline

import (
	"cmp"
	"debug/dwarf"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// A unit is one compilation unit, prepared on first use: a dwarf.Data over
// just its own bytes of .debug_info (the other sections are shared and
// addressed by absolute offsets, so they need no copy), its abbreviations
// for the entry walker, and a reader of its line table. Lookups use the
// walker's and the line reader's state, one at a time (mu).
type unit struct {
	mu      sync.Mutex
	data    *dwarf.Data
	cu      *dwarf.Entry
	compDir string
	file    *File

	walk       scopeWalk // over the unit's own bytes
	firstChild int       // offset of the unit entry's first child
	addrBase   uint64    // DW_AT_addr_base: the unit's part of .debug_addr

	lr    *dwarf.LineReader // nil when the unit has no line table
	files []*dwarf.LineFile
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
	u := &unit{data: d, cu: cu, compDir: dir, file: f}
	if base, ok := cu.Val(dwarf.AttrAddrBase).(int64); ok {
		u.addrBase = uint64(base)
	}
	if err := u.initWalk(info[off:end:end], hdr); err != nil {
		return nil, err
	}
	if u.lr, err = d.LineReader(cu); err != nil {
		return nil, err
	}
	if u.lr != nil {
		u.files = u.lr.Files()
	}
	return u, nil
}

// initWalk decodes the unit's header and abbreviations and finds its
// first child entry, for walkScopes.
func (u *unit) initWalk(data []byte, lenSize int) error {
	r := dieReader{data: data, off: lenSize, order: u.file.order, is64: lenSize == 12}
	r.version = int(r.fixed(2))
	var abbrevOff uint64
	if r.version >= 5 {
		if typ := r.u8(); typ != 1 && typ != 3 { // DW_UT_compile, DW_UT_partial
			return fmt.Errorf("unit type %d is not a compilation unit", typ)
		}
		r.addrLen = int(r.u8())
		abbrevOff = r.fixed(r.offsetLen())
	} else {
		abbrevOff = r.fixed(r.offsetLen())
		r.addrLen = int(r.u8())
	}
	if r.err != nil {
		return r.err
	}
	abbrevs, err := parseAbbrevs(u.file.sec.abbrev, abbrevOff, u.file.order)
	if err != nil {
		return err
	}
	// Skip the unit's own entry.
	a := abbrevs[r.uleb()]
	if a == nil {
		return errors.New("unit entry has an unknown abbreviation code")
	}
	for _, x := range a.attrs {
		r.value(x.form, x.implicit)
	}
	if r.err != nil {
		return r.err
	}
	u.firstChild = r.off
	if !a.children {
		u.firstChild = len(data)
	}
	u.walk = scopeWalk{r: r, abbrevs: abbrevs}
	return nil
}

// address returns the address an attribute value of an address form
// stands for: itself, or an entry of .debug_addr.
func (u *unit) address(form, v uint64) (uint64, error) {
	if form == formAddr {
		return v, nil
	}
	n := uint64(u.walk.r.addrLen)
	addrs := u.file.sec.addr
	off := u.addrBase + v*n
	if n != 4 && n != 8 || off+n > uint64(len(addrs)) || off+n < off {
		return 0, fmt.Errorf(".debug_addr index %d out of range", v)
	}
	if n == 4 {
		return uint64(u.file.order.Uint32(addrs[off:])), nil
	}
	return u.file.order.Uint64(addrs[off:]), nil
}

// rangesAt returns the code ranges of the entry at off.
func (u *unit) rangesAt(off dwarf.Offset) ([][2]uint64, error) {
	e, err := u.entryAt(off)
	if err != nil {
		return nil, err
	}
	return u.data.Ranges(e)
}

// entryAt decodes the entry at off with debug/dwarf.
func (u *unit) entryAt(off dwarf.Offset) (*dwarf.Entry, error) {
	r := u.data.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("no debug entry at unit offset %#x", off)
	}
	return e, nil
}

// lineRow is the line table's answer for an address.
type lineRow struct {
	file   *dwarf.LineFile
	line   int
	column int
	discr  int
}

// lineAt returns the line table row for pc: the last row at or below pc
// whose sequence goes on past pc (of several rows at one address, the
// last, as addr2line takes it). The table is scanned anew for each
// lookup: most units are asked about one or two addresses, and a scan
// costs less than decoding and sorting the table into memory.
func (u *unit) lineAt(pc uint64) (lineRow, bool, error) {
	if u.lr == nil {
		return lineRow{}, false, nil
	}
	u.lr.Reset()
	var prev, e dwarf.LineEntry
	havePrev := false
	for {
		if err := u.lr.Next(&e); err != nil {
			if err == io.EOF {
				return lineRow{}, false, nil
			}
			return lineRow{}, false, err
		}
		if havePrev && !prev.EndSequence && prev.Address <= pc && pc < e.Address && prev.File != nil {
			return lineRow{prev.File, prev.Line, prev.Column, prev.Discriminator}, true, nil
		}
		prev, havePrev = e, true
	}
}

// frames returns the inline chain at pc.
func (u *unit) frames(pc uint64) ([]Frame, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	offs, err := u.walkScopes(pc)
	if err != nil {
		return nil, err
	}
	chain := make([]*dwarf.Entry, len(offs))
	for i, off := range offs {
		if chain[i], err = u.entryAt(off); err != nil {
			return nil, err
		}
	}
	row, hasLine, err := u.lineAt(pc)
	if err != nil {
		return nil, err
	}
	if !hasLine && len(chain) == 0 {
		return nil, nil
	}
	inner := Frame{}
	if hasLine {
		inner = Frame{File: row.file.Name, Line: row.line, Column: row.column, Discriminator: row.discr}
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
