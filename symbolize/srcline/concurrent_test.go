package srcline

import (
	"sync"
	"testing"
)

// TestConcurrentFrames looks up the same addresses from several
// goroutines: a File is safe for concurrent use (run it with -race).
func TestConcurrentFrames(t *testing.T) {
	f, err := Open("../testdata/elf/dwarf64.elf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[uint64]int{}
	for a := uint64(0xffffffff81000000); a < 0xffffffff81000057; a++ {
		fr, _ := f.Frames(a)
		want[a] = len(fr)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := uint64(0xffffffff81000000); a < 0xffffffff81000057; a++ {
				fr, err := f.Frames(a)
				if err != nil || len(fr) != want[a] {
					t.Errorf("%#x: %v %v", a, fr, err)
				}
			}
		}()
	}
	wg.Wait()
}
