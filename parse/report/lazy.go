package report

import (
	"regexp"
	"sync"
)

// The package's tables are plain data that the linker lays out: nothing
// is compiled when a program starts, and a run that meets no report
// compiles nothing. Each regular expression is compiled the first time it
// is used.

// A pattern is a regular expression compiled on first use.
type pattern struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// get returns the compiled expression; p may be nil (none).
func (p *pattern) get() *regexp.Regexp {
	if p == nil {
		return nil
	}
	p.once.Do(func() { p.re = regexp.MustCompile(p.src) })
	return p.re
}

// A lazyNames is a nameSet built on first use.
type lazyNames struct {
	patterns []string
	once     sync.Once
	set      nameSet
}

// has reports whether name is in the set.
func (l *lazyNames) has(name string) bool {
	l.once.Do(func() { l.set = compileNames(l.patterns) })
	return l.set.has(name)
}
