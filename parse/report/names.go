package report

import (
	"regexp"
	"strings"
)

// A nameSet matches whole function names against a table of patterns,
// written as regular expressions but mostly plain names ("panic") or
// names with a wildcard end ("kasan_\w+", "\w*_lru_init"). Those are
// looked up in a map and compared as prefixes, suffixes and infixes; only
// the rest goes to a regular expression. Every frame of every report is
// checked against several such tables, and one alternation of hundreds of
// patterns is slow.
type nameSet struct {
	exact    map[string]bool
	prefixes []string // "foo\w*" (and "foo\w+")
	suffixes []string // "\w*foo"
	infixes  []string // "\w*foo\w*"
	rest     *regexp.Regexp
}

// plainName matches a pattern that is a name, with no regexp syntax.
var plainName = pattern{Src: `^[A-Za-z0-9_.:$]+$`}

func compileNames(patterns []string) nameSet {
	s := nameSet{exact: map[string]bool{}}
	var rest []string
	for _, p := range patterns {
		core, pre := strings.CutPrefix(p, `\w*`)
		core, post := cutWildcardSuffix(core)
		switch {
		case !plainName.Get().MatchString(core):
			rest = append(rest, p)
		case pre && post:
			s.infixes = append(s.infixes, core)
		case pre:
			s.suffixes = append(s.suffixes, core)
		case post:
			s.prefixes = append(s.prefixes, core)
		default:
			s.exact[core] = true
		}
	}
	if len(rest) > 0 {
		s.rest = regexp.MustCompile(`^(?:` + strings.Join(rest, "|") + `)$`)
	}
	return s
}

// cutWildcardSuffix cuts "\w*" (any ending) from p. A "\w+" ending (at
// least one more byte) is kept as regexp syntax.
func cutWildcardSuffix(p string) (string, bool) {
	return strings.CutSuffix(p, `\w*`)
}

// has reports whether name is in the set.
func (s *nameSet) has(name string) bool {
	if s.exact[name] {
		return true
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, p := range s.suffixes {
		if strings.HasSuffix(name, p) {
			return true
		}
	}
	for _, p := range s.infixes {
		if strings.Contains(name, p) {
			return true
		}
	}
	return s.rest != nil && s.rest.MatchString(name)
}
