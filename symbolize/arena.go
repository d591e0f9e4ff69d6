package symbolize

import "unsafe"

// hugePage is the size of a transparent huge page on the systems that
// have them (x86-64, arm64 with 4 KB pages).
const hugePage = 2 << 20

// An arena hands out the large arrays of one table (its core's and its
// name index's) from a single allocation, laid on huge pages where the
// system allows it (adviseHuge). A fresh 4 KB page costs a fault when it
// is first written, and on virtual machines that trap page-table writes
// a fault costs several microseconds: the core of a 100k-symbol table
// is some 350 of them, one huge page is one. Arrays asked beyond what
// was reserved are made as usual.
type arena struct {
	free []byte
}

// newArena reserves size bytes. Below half a huge page, or where there
// are none, it is an ordinary allocation. Otherwise it is aligned to a
// huge page and advised as huge pages: whole ones, and a last one only
// when more than half of it is used (its whole size counts in the
// process's memory once it is touched).
func newArena(size int) *arena {
	if size < hugePage/2 || !hugePagesAdvisable {
		return &arena{free: make([]byte, size)}
	}
	huge := size &^ (hugePage - 1)
	if size-huge > hugePage/2 {
		huge += hugePage
	}
	buf := make([]byte, max(size, huge)+hugePage)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	skip := int((p+hugePage-1)&^(hugePage-1) - p)
	free := buf[skip : skip+size : skip+size]
	adviseHuge(buf[skip : skip+huge])
	return &arena{free: free}
}

// uint32s returns n zeroed uint32s. Ask for them before any uint16s:
// the arena keeps no alignment of its own.
func (a *arena) uint32s(n int) []uint32 { return carve[uint32](a, n) }

// uint16s returns n zeroed uint16s.
func (a *arena) uint16s(n int) []uint16 { return carve[uint16](a, n) }

// carve returns n zeroed Ts from a's free bytes, or made as usual when
// they are too few or not aligned for a T.
func carve[T uint16 | uint32](a *arena, n int) []T {
	size := int(unsafe.Sizeof(T(0)))
	if a == nil || n*size > len(a.free) || uintptr(unsafe.Pointer(unsafe.SliceData(a.free)))%uintptr(size) != 0 {
		return make([]T, n)
	}
	s := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(a.free))), n)
	a.free = a.free[n*size:]
	return s
}
