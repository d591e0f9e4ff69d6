package srcline

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// cuRange says that the compilation unit at offset unit of .debug_info
// holds the code in [lo, hi).
type cuRange struct {
	lo, hi uint64
	unit   uint64
}

// parseAranges reads .debug_aranges (DWARF 2-5, section 6.1.2): sets of
// address ranges, each set naming its compilation unit. The result is
// sorted by address; empty ranges and those at address 0 (code the linker
// discarded) are dropped.
func parseAranges(data []byte, order binary.ByteOrder) ([]cuRange, error) {
	var out []cuRange
	for off := 0; off < len(data); {
		start := off
		length, hdr, is64 := unitLength(data[off:], order)
		if hdr == 0 || uint64(len(data)-off-hdr) < length {
			return nil, fmt.Errorf(".debug_aranges: bad set length at offset %#x", start)
		}
		set := data[off+hdr : off+hdr+int(length)]
		off += hdr + int(length)
		if len(set) < 2 {
			continue
		}
		p := 2 // version
		var unit uint64
		if is64 {
			if len(set) < p+8 {
				return nil, fmt.Errorf(".debug_aranges: short set at offset %#x", start)
			}
			unit = order.Uint64(set[p:])
			p += 8
		} else {
			if len(set) < p+4 {
				return nil, fmt.Errorf(".debug_aranges: short set at offset %#x", start)
			}
			unit = uint64(order.Uint32(set[p:]))
			p += 4
		}
		if len(set) < p+2 {
			return nil, fmt.Errorf(".debug_aranges: short set at offset %#x", start)
		}
		asize, segsize := int(set[p]), int(set[p+1])
		p += 2
		if asize != 4 && asize != 8 || segsize != 0 {
			return nil, fmt.Errorf(".debug_aranges: set at offset %#x has %d-byte addresses and %d-byte segments", start, asize, segsize)
		}
		// Tuples are aligned to twice the address size, counted from the
		// start of the set (its length field included).
		hdrLen := hdr + p
		if r := hdrLen % (2 * asize); r != 0 {
			p += 2*asize - r
		}
		for ; p+2*asize <= len(set); p += 2 * asize {
			var lo, n uint64
			if asize == 8 {
				lo, n = order.Uint64(set[p:]), order.Uint64(set[p+8:])
			} else {
				lo, n = uint64(order.Uint32(set[p:])), uint64(order.Uint32(set[p+4:]))
			}
			if lo == 0 && n == 0 {
				break
			}
			if lo == 0 || n == 0 || lo+n < lo {
				continue
			}
			out = append(out, cuRange{lo, lo + n, unit})
		}
	}
	slices.SortFunc(out, func(a, b cuRange) int { return cmp.Compare(a.lo, b.lo) })
	return out, nil
}

// unitLength decodes an initial length field: it returns the length, the
// size of the field (4, or 12 for 64-bit DWARF; 0 when data is too short)
// and whether the unit is 64-bit DWARF.
func unitLength(data []byte, order binary.ByteOrder) (length uint64, size int, is64 bool) {
	if len(data) < 4 {
		return 0, 0, false
	}
	l := order.Uint32(data)
	if l < 0xfffffff0 {
		return uint64(l), 4, false
	}
	if l != 0xffffffff || len(data) < 12 {
		return 0, 0, false
	}
	return order.Uint64(data[4:]), 12, true
}

// findRange returns the unit whose range holds pc, from ranges sorted by
// lo. Ranges of different units do not overlap in a linked file.
func findRange(ranges []cuRange, pc uint64) (uint64, bool) {
	i, _ := slices.BinarySearchFunc(ranges, pc, func(r cuRange, pc uint64) int {
		if r.lo <= pc {
			return -1
		}
		return 1
	})
	if i == 0 || pc >= ranges[i-1].hi {
		return 0, false
	}
	return ranges[i-1].unit, true
}
