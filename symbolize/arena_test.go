package symbolize

import (
	"testing"
	"unsafe"
)

// TestArena: the arrays an arena hands out are zeroed, as long as asked,
// apart from each other, and laid from a huge page boundary when the
// arena is large enough for huge pages; past what was reserved they are
// made as usual.
func TestArena(t *testing.T) {
	for _, size := range []int{0, 100, 4096, hugePage/2 - 4, hugePage / 2, hugePage*3/4 + 12, hugePage + 8, 3 * hugePage} {
		a := newArena(size)
		n32 := size / 4 / 3
		x, y := a.uint32s(n32), a.uint32s(n32)
		n16 := (size - 8*n32) / 2
		z := a.uint16s(n16)
		extra := a.uint16s(10) // beyond the reservation
		if len(x) != n32 || len(y) != n32 || len(z) != n16 || len(extra) != 10 {
			t.Fatalf("size %d: lengths %d %d %d %d", size, len(x), len(y), len(z), len(extra))
		}
		for i := range x {
			if x[i] != 0 || y[i] != 0 {
				t.Fatalf("size %d: not zeroed at %d", size, i)
			}
			x[i], y[i] = 1, 2
		}
		for i := range z {
			if z[i] != 0 {
				t.Fatalf("size %d: not zeroed at %d", size, i)
			}
			z[i] = 3
		}
		for i := range x {
			if x[i] != 1 || y[i] != 2 {
				t.Fatalf("size %d: the arrays overlap at %d", size, i)
			}
		}
		if cap(x) != n32 || cap(y) != n32 {
			t.Errorf("size %d: capacities %d %d reach into the next array", size, cap(x), cap(y))
		}
		if hugePagesAdvisable && size >= hugePage/2 && n32 > 0 {
			if p := uintptr(unsafe.Pointer(&x[0])); p%hugePage != 0 {
				t.Errorf("size %d: the first array starts at %#x, not on a huge page", size, p)
			}
		}
	}
	var none *arena
	if s := none.uint32s(5); len(s) != 5 {
		t.Errorf("a nil arena gave %d uint32s", len(s))
	}
}
