// Package lazyre holds regular expressions compiled on first use. The
// parsers' tables are plain data the linker lays out: nothing is compiled
// when a program starts (a millisecond and half a megabyte for a run that
// annotates one oops), and a log that never needs a format never compiles
// it.
package lazyre

import (
	"regexp"
	"sync"
)

// A Regexp is a regular expression compiled the first time it is used.
// Its zero value but for Src is ready; it must not be copied after first
// use.
type Regexp struct {
	Src  string
	once sync.Once
	re   *regexp.Regexp
}

// New returns a Regexp for src.
func New(src string) *Regexp { return &Regexp{Src: src} }

// Get returns the compiled expression, or nil for a nil Regexp. It panics,
// as regexp.MustCompile does, when Src does not compile: the sources are
// the program's own, and their tests compile every one.
func (r *Regexp) Get() *regexp.Regexp {
	if r == nil {
		return nil
	}
	r.once.Do(func() { r.re = regexp.MustCompile(r.Src) })
	return r.re
}

// GetFrom is Get for a Regexp whose source is made from others: src is
// called once, at the first use, and Src is ignored.
func (r *Regexp) GetFrom(src func() string) *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(src()) })
	return r.re
}
