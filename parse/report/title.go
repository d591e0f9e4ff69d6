package report

import "strings"

// maxTitle is the longest title: dashboards key on titles, and a runaway
// message must not make one a paragraph.
const maxTitle = 120

// A titleRewrite replaces what varies between runs of the same bug in a
// title, so that the same bug always gets the same title.
type titleRewrite struct {
	re   pattern
	with string
	// needs, when set, is text that every match of re holds: a title
	// without it is left alone.
	needs string
	// may, when set, is a cheap test that every title with a match of re
	// passes: the others are left alone without running re. (Every report
	// makes a title: the patterns cost more than the rest of a report's
	// analysis.)
	may func(string) bool
}

// titleRewrites are applied in order: names of fuzzer processes, then
// addresses, source lines, symbol offsets, CPU numbers, and what numbers
// remain.
var titleRewrites = []titleRewrite{
	// "syz-executor3/1234" and "syzkaller123456": a fuzzer process.
	{pattern{Src: `syz-executor[0-9]+(?:/[0-9]+)?`}, "syz-executor", "syz-executor", nil},
	{pattern{Src: `syzkaller[0-9]+`}, "syzkaller", "syzkaller", nil},
	// An address: six or more hex digits after a non-alphanumeric byte.
	{pattern{Src: `(^|[^A-Za-z0-9])(?:0x)?[0-9a-fA-F]{6,}([^A-Za-z0-9_]|$)`}, "${1}ADDR${2}", "", func(s string) bool { return hasRun(s, 6, isHex) }},
	// An IPv4 address.
	{pattern{Src: `(^|[^0-9.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}([^0-9.]|$)`}, "${1}IP${2}", ".", nil},
	// A source line: "file.c:123" or "file.c:123:45".
	{pattern{Src: `(\.[A-Za-z]+):[0-9]+(?::[0-9]+)?`}, "${1}:LINE", ":", func(s string) bool { return hasRun(s, 1, isDigit) }},
	// A symbol's offset and size: "func+0x1f/0x280" is func.
	{pattern{Src: `([A-Za-z0-9_.$]+)\+0x[0-9a-f]+/0x[0-9a-f]+`}, "${1}", "+0x", nil},
	{pattern{Src: `CPU#[0-9]+`}, "CPU", "CPU#", nil},
	// Numbers that stand alone, and long runs of digits anywhere.
	{pattern{Src: `[0-9]{7,}`}, "NUM", "", func(s string) bool { return hasRun(s, 7, isDigit) }},
	{pattern{Src: `(^|[^A-Za-z0-9_])[0-9]+([^A-Za-z0-9_]|$)`}, "${1}NUM${2}", "", func(s string) bool { return hasRun(s, 1, isDigit) }},
}

// hasRun reports whether s holds n bytes in a row of a class.
func hasRun(s string, n int, class func(byte) bool) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if !class(s[i]) {
			run = 0
		} else if run++; run >= n {
			return true
		}
	}
	return false
}

// normalizeTitle makes a title stable across runs of the same bug.
func normalizeTitle(s string) string {
	for i := range titleRewrites {
		r := &titleRewrites[i]
		if r.needs != "" && !strings.Contains(s, r.needs) || r.may != nil && !r.may(s) {
			continue
		}
		// The patterns consume the byte after a match, so that adjacent
		// matches ("(0,0)") need a second pass, when the first found
		// any.
		if t := r.re.Get().ReplaceAllString(s, r.with); t != s {
			s = r.re.Get().ReplaceAllString(t, r.with)
		}
	}
	return cleanTitle(s)
}

// cleanTitle turns tabs into spaces, drops control and non-ASCII bytes,
// collapses runs of spaces and caps the length.
func cleanTitle(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' {
			c = ' '
		}
		if c < ' ' || c >= 0x7f {
			continue
		}
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	t := strings.TrimSpace(b.String())
	if len(t) > maxTitle {
		t = strings.TrimSpace(t[:maxTitle])
	}
	return t
}
