package lazyre

import (
	"sync"
	"testing"
)

func TestGet(t *testing.T) {
	var nilRe *Regexp
	if nilRe.Get() != nil {
		t.Error("a nil Regexp compiles to something")
	}
	r := New(`^a+b$`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !r.Get().MatchString("aab") || r.Get().MatchString("ab c") {
				t.Error("wrong expression")
			}
		})
	}
	wg.Wait()
	var from Regexp
	calls := 0
	for range 3 {
		if !from.GetFrom(func() string { calls++; return `^x` }).MatchString("xy") {
			t.Error("GetFrom: wrong expression")
		}
	}
	if calls != 1 {
		t.Errorf("GetFrom called its source %d times", calls)
	}
	defer func() {
		if recover() == nil {
			t.Error("a bad expression compiled")
		}
	}()
	New(`(`).Get()
}
