package srcline

import (
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
)

// This file walks a unit's tree of debugging entries without decoding
// them. debug/dwarf's Reader decodes every attribute of every entry into
// allocated values; a kernel unit has thousands of type entries before
// the function that is looked for, and only a handful of attributes of a
// few entries matter (their code ranges and siblings). The walker skips
// the rest by form; the entries it finds are then read with debug/dwarf.

// DWARF 5 attribute forms (DWARF 5, section 7.5.6).
const (
	formAddr          = 0x01
	formBlock2        = 0x03
	formBlock4        = 0x04
	formData2         = 0x05
	formData4         = 0x06
	formData8         = 0x07
	formString        = 0x08
	formBlock         = 0x09
	formBlock1        = 0x0a
	formData1         = 0x0b
	formFlag          = 0x0c
	formSdata         = 0x0d
	formStrp          = 0x0e
	formUdata         = 0x0f
	formRefAddr       = 0x10
	formRef1          = 0x11
	formRef2          = 0x12
	formRef4          = 0x13
	formRef8          = 0x14
	formRefUdata      = 0x15
	formIndirect      = 0x16
	formSecOffset     = 0x17
	formExprloc       = 0x18
	formFlagPresent   = 0x19
	formStrx          = 0x1a
	formAddrx         = 0x1b
	formRefSup4       = 0x1c
	formStrpSup       = 0x1d
	formData16        = 0x1e
	formLineStrp      = 0x1f
	formRefSig8       = 0x20
	formImplicitConst = 0x21
	formLoclistx      = 0x22
	formRnglistx      = 0x23
	formRefSup8       = 0x24
	formStrx1         = 0x25
	formStrx2         = 0x26
	formStrx3         = 0x27
	formStrx4         = 0x28
	formAddrx1        = 0x29
	formAddrx2        = 0x2a
	formAddrx3        = 0x2b
	formAddrx4        = 0x2c
	formGNUAddrIndex  = 0x1f01
	formGNUStrIndex   = 0x1f02
	formGNURefAlt     = 0x1f20
	formGNUStrpAlt    = 0x1f21
)

// An abbrev is one entry of a unit's abbreviation table.
type abbrev struct {
	tag      dwarf.Tag
	children bool
	attrs    []abbrevAttr
}

type abbrevAttr struct {
	attr     dwarf.Attr
	form     uint64
	implicit int64 // the value of a DW_FORM_implicit_const
}

// dieReader is a cursor over a unit's bytes with the unit's encoding.
type dieReader struct {
	data    []byte
	off     int
	order   binary.ByteOrder
	is64    bool // 64-bit DWARF: 8-byte section offsets
	addrLen int
	version int
	err     error
}

func (r *dieReader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("debug entry at unit offset %#x: %s", r.off, msg)
	}
	r.off = len(r.data)
}

func (r *dieReader) skip(n uint64) {
	if n > uint64(len(r.data)-r.off) {
		r.fail("truncated")
		return
	}
	r.off += int(n)
}

func (r *dieReader) u8() uint64 {
	if r.off >= len(r.data) {
		r.fail("truncated")
		return 0
	}
	r.off++
	return uint64(r.data[r.off-1])
}

func (r *dieReader) fixed(n int) uint64 {
	if n > len(r.data)-r.off {
		r.fail("truncated")
		return 0
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(r.order.Uint16(b))
	case 3:
		if r.order == binary.BigEndian {
			return uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])
		}
		return uint64(b[2])<<16 | uint64(b[1])<<8 | uint64(b[0])
	case 4:
		return uint64(r.order.Uint32(b))
	}
	return r.order.Uint64(b)
}

func (r *dieReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.off >= len(r.data) {
			r.fail("truncated LEB128")
			return 0
		}
		c := r.data[r.off]
		r.off++
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *dieReader) offsetLen() int {
	if r.is64 {
		return 8
	}
	return 4
}

// value reads an attribute value of the given form. It returns the value
// of constants, addresses, references and section offsets, and skips
// blocks and strings (returning 0).
func (r *dieReader) value(form uint64, implicit int64) uint64 {
	switch form {
	case formAddr:
		return r.fixed(r.addrLen)
	case formData1, formRef1, formFlag, formStrx1, formAddrx1:
		return r.fixed(1)
	case formData2, formRef2, formStrx2, formAddrx2:
		return r.fixed(2)
	case formStrx3, formAddrx3:
		return r.fixed(3)
	case formData4, formRef4, formRefSup4, formStrx4, formAddrx4:
		return r.fixed(4)
	case formData8, formRef8, formRefSig8, formRefSup8:
		return r.fixed(8)
	case formData16:
		r.skip(16)
	case formUdata, formRefUdata, formStrx, formAddrx, formLoclistx, formRnglistx, formGNUAddrIndex, formGNUStrIndex:
		return r.uleb()
	case formSdata:
		return r.uleb() // the bits are not needed, only the length
	case formStrp, formLineStrp, formSecOffset, formStrpSup, formGNURefAlt, formGNUStrpAlt:
		return r.fixed(r.offsetLen())
	case formRefAddr:
		if r.version <= 2 {
			return r.fixed(r.addrLen)
		}
		return r.fixed(r.offsetLen())
	case formString:
		for r.off < len(r.data) && r.data[r.off] != 0 {
			r.off++
		}
		r.skip(1)
	case formBlock1:
		r.skip(r.fixed(1))
	case formBlock2:
		r.skip(r.fixed(2))
	case formBlock4:
		r.skip(r.fixed(4))
	case formBlock, formExprloc:
		r.skip(r.uleb())
	case formFlagPresent:
		return 1
	case formImplicitConst:
		return uint64(implicit)
	case formIndirect:
		return r.value(r.uleb(), 0)
	default:
		r.fail(fmt.Sprintf("unknown attribute form %#x", form))
	}
	return 0
}

// parseAbbrevs reads the abbreviation table at off of .debug_abbrev.
func parseAbbrevs(data []byte, off uint64, order binary.ByteOrder) (map[uint64]*abbrev, error) {
	if off >= uint64(len(data)) {
		return nil, errors.New("abbreviation table offset past the end of .debug_abbrev")
	}
	r := &dieReader{data: data, off: int(off), order: order}
	out := map[uint64]*abbrev{}
	for {
		code := r.uleb()
		if code == 0 || r.err != nil {
			break
		}
		a := &abbrev{tag: dwarf.Tag(r.uleb()), children: r.u8() != 0}
		for {
			attr, form := r.uleb(), r.uleb()
			if attr == 0 && form == 0 || r.err != nil {
				break
			}
			var implicit int64
			if form == formImplicitConst {
				implicit = sleb(r)
			}
			a.attrs = append(a.attrs, abbrevAttr{dwarf.Attr(attr), form, implicit})
		}
		out[code] = a
	}
	return out, r.err
}

func sleb(r *dieReader) int64 {
	var v int64
	var shift uint
	for {
		c := r.u8()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

// A scopeWalk walks one unit's entries: the reader over its bytes and
// its abbreviations.
type scopeWalk struct {
	r       dieReader
	abbrevs map[uint64]*abbrev
}

// walkScopes returns the offsets (relative to the unit's start, as
// debug/dwarf's Offsets in the unit's Data are) of the subprogram holding
// pc and of the inlined subroutines around pc inside it, outermost first.
func (u *unit) walkScopes(pc uint64) ([]dwarf.Offset, error) {
	w := &u.walk
	r := &w.r
	r.off, r.err = u.firstChild, nil
	var chain []dwarf.Offset
	depth, inside := 0, -1
	for r.off < len(r.data) {
		at := r.off
		code := r.uleb()
		if code == 0 {
			depth--
			if depth < 0 || inside >= 0 && depth <= inside {
				break
			}
			continue
		}
		a := w.abbrevs[code]
		if a == nil {
			return nil, fmt.Errorf("debug entry at unit offset %#x: unknown abbreviation code %d", at, code)
		}
		interesting := a.tag == dwarf.TagSubprogram || a.tag == dwarf.TagInlinedSubroutine || a.tag == dwarf.TagLexDwarfBlock
		var sibling, low, high uint64
		var hasSibling, hasLow, hasHigh, highIsOffset, hasRanges bool
		var lowForm, highForm uint64
		for _, at := range a.attrs {
			v := r.value(at.form, at.implicit)
			switch at.attr {
			case dwarf.AttrSibling:
				sibling, hasSibling = v, true
			case dwarf.AttrLowpc:
				low, lowForm, hasLow = v, at.form, true
			case dwarf.AttrHighpc:
				high, highForm, hasHigh = v, at.form, true
				highIsOffset = !isAddressForm(at.form)
			case dwarf.AttrRanges:
				hasRanges = true
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		descend := false
		if interesting {
			var holds, noRanges bool
			switch {
			case hasRanges:
				rs, err := u.rangesAt(dwarf.Offset(at))
				if err != nil {
					return nil, err
				}
				holds, noRanges = contains(rs, pc), len(rs) == 0
			case hasLow && hasHigh:
				lo, err := u.address(lowForm, low)
				if err != nil {
					return nil, err
				}
				hi := lo + high // DWARF 4 and later: high_pc is the length
				if !highIsOffset {
					if hi, err = u.address(highForm, high); err != nil {
						return nil, err
					}
				}
				holds = lo <= pc && pc < hi
			default:
				noRanges = true
			}
			switch {
			case holds:
				descend = true
				if a.tag != dwarf.TagLexDwarfBlock {
					if a.tag == dwarf.TagSubprogram && inside < 0 {
						inside = depth
					}
					chain = append(chain, dwarf.Offset(at))
				}
			case noRanges && a.tag == dwarf.TagLexDwarfBlock:
				// A block without ranges of its own can still hold
				// inlined code.
				descend = true
			}
		}
		if !a.children {
			continue
		}
		switch {
		case descend:
			depth++
		case hasSibling && sibling > uint64(at) && sibling <= uint64(len(r.data)):
			r.off = int(sibling)
		default:
			w.skipChildren()
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	return chain, r.err
}

// isAddressForm reports the forms of the address class; high_pc in
// another form is the length of the code.
func isAddressForm(form uint64) bool {
	switch form {
	case formAddr, formAddrx, formAddrx1, formAddrx2, formAddrx3, formAddrx4, formGNUAddrIndex:
		return true
	}
	return false
}

// skipChildren skips the children of the entry just read.
func (w *scopeWalk) skipChildren() {
	r := &w.r
	for depth := 1; depth > 0 && r.err == nil && r.off < len(r.data); {
		at := r.off
		code := r.uleb()
		if code == 0 {
			depth--
			continue
		}
		a := w.abbrevs[code]
		if a == nil {
			r.fail(fmt.Sprintf("unknown abbreviation code %d", code))
			return
		}
		var sibling uint64
		hasSibling := false
		for _, x := range a.attrs {
			v := r.value(x.form, x.implicit)
			if x.attr == dwarf.AttrSibling {
				sibling, hasSibling = v, true
			}
		}
		if a.children {
			if hasSibling && sibling > uint64(at) && sibling <= uint64(len(r.data)) {
				r.off = int(sibling)
			} else {
				depth++
			}
		}
	}
}
