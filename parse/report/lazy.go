package report

import (
	"sync"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/lazyre"
)

// The package's tables are plain data that the linker lays out: nothing
// is compiled when a program starts, and a run that meets no report
// compiles nothing. Each regular expression is compiled the first time it
// is used.

// A pattern is a regular expression compiled on first use.
type pattern = lazyre.Regexp

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

// A prefixList finds which of a list of entries a line starts with (the
// prefix of each), looking only at those that start with its first byte.
type prefixList[T any] struct {
	list    []T
	prefix  func(T) string
	once    sync.Once
	byFirst [256][]uint16 // indexes in list, in order
}

// find returns the index of the first entry of the list whose prefix b
// starts with, or -1.
func (p *prefixList[T]) find(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	p.once.Do(p.build)
	for _, i := range p.byFirst[b[0]] {
		if s := p.prefix(p.list[i]); len(b) >= len(s) && string(b[:len(s)]) == s {
			return int(i)
		}
	}
	return -1
}

func (p *prefixList[T]) build() {
	for i, e := range p.list {
		s := p.prefix(e)
		if s == "" {
			panic("report: empty prefix")
		}
		p.byFirst[s[0]] = append(p.byFirst[s[0]], uint16(i))
	}
}

// itself is the prefix of a prefixList of strings.
func itself(s string) string { return s }
