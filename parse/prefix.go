package parse

import (
	"bytes"
	"math/bits"
)

// A prefixFormat recognises one kind of header a log collector puts in
// front of the kernel's text, and returns its length (0: not this kind).
type prefixFormat struct {
	name string
	// first holds every byte the prefix can start with: a line is only
	// offered to the formats that can start with its first byte
	// (TestPrefixFirstBytes keeps it true).
	first string
	match func(line []byte) int
	// opens is set for a prefix that only ever opens a line: it is not
	// looked for behind another.
	opens bool
}

// prefixFormats are tried in turn, repeatedly, because they stack:
// "Nov 22 10:00:00 host kernel: [   12.345678] " or "<4>[ 1.2][  T1] ".
var prefixFormats = []prefixFormat{
	{"printk level <N>", "<", matchLevel, false},
	{"dmesg timestamp [  12.345678], or journalctl short-monotonic '[   12.345678] host kernel: '", "[", matchMonotonic, false},
	{"caller id [  T123]/[  C1]", "[", matchCallerID, false},
	{"dmesg -T [Sun Nov 22 10:00:00 2026]", "[", matchHumanTime, false},
	{"dmesg -x 'kern  :warn  : '", lowerCase, matchDecoded, true},
	{"syslog/journalctl 'Nov 22 10:00:00 host kernel: '", "JFMASOND", matchSyslog, false},
	{"journalctl short-iso '2026-11-22T10:00:00+0000 host kernel: '", digits, matchISO, false},
	{"journalctl short-full 'Sun 2026-11-22 10:00:00 UTC host kernel: '", "MTWFS", matchShortFull, false},
	{"journalctl short-unix '1795940682.901519 host kernel: '", digits, matchShortUnix, false},
	{"journalctl short-delta '[   15.239845 <    0.000053 >] host kernel: '", "[", matchShortDelta, false},
}

const (
	lowerCase = "abcdefghijklmnopqrstuvwxyz"
	digits    = "0123456789"
)

// prefixFormatsByFirst is, for each byte, the bit set of the prefixFormats
// that can start with it.
var prefixFormatsByFirst = func() (t [256]uint16) {
	for i, f := range prefixFormats {
		for k := range len(f.first) {
			t[f.first[k]] |= 1 << i
		}
	}
	return t
}()

// prefixFormatsOpening is the bit set of the prefixFormats that only open
// a line.
var prefixFormatsOpening = func() (m uint16) {
	for i, f := range prefixFormats {
		if f.opens {
			m |= 1 << i
		}
	}
	return m
}()

// SplitPrefix returns the length of the collector's prefix of line: the
// kernel's own text starts at line[n:].
func SplitPrefix(line []byte) (n int) {
	for range 6 {
		if n >= len(line) {
			break
		}
		progressed := false
		m := prefixFormatsByFirst[line[n]]
		if n > 0 {
			// Behind another prefix: dmesg -x's words come first or
			// not at all. Ordinary lines ("[    1.2] usb 1-1: ...")
			// would offer every lower-case word to them.
			m &^= prefixFormatsOpening
		}
		for ; m != 0; m &= m - 1 {
			if k := prefixFormats[bits.TrailingZeros16(m)].match(line[n:]); k > 0 {
				n += k
				progressed = true
				break
			}
		}
		if !progressed {
			break
		}
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matchLevel: "<4>" or a syslog priority "<12>".
func matchLevel(b []byte) int {
	if len(b) < 3 || b[0] != '<' {
		return 0
	}
	i := 1
	for i < len(b) && i <= 4 && isDigit(b[i]) {
		i++
	}
	if i == 1 || i >= len(b) || b[i] != '>' {
		return 0
	}
	return i + 1
}

// matchTimestamp: "[   12.345678]" with an optional following space.
func matchTimestamp(b []byte) int {
	i := bracketLead(b)
	if i == 0 {
		return 0
	}
	d := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == d || i >= len(b) || b[i] != '.' {
		return 0
	}
	i++
	d = i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == d || i >= len(b) || b[i] != ']' {
		return 0
	}
	i++
	return skipOneSpace(b, i)
}

// matchCallerID: "[  T123]" or "[    C1]" (CONFIG_PRINTK_CALLER).
func matchCallerID(b []byte) int {
	i := bracketLead(b)
	if i == 0 {
		return 0
	}
	if i >= len(b) || (b[i] != 'T' && b[i] != 'C') {
		return 0
	}
	i++
	d := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == d || i >= len(b) || b[i] != ']' {
		return 0
	}
	return skipOneSpace(b, i+1)
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// matchHumanTime: dmesg -T's "[Sun Nov 22 10:00:00 2026] ".
func matchHumanTime(b []byte) int {
	if len(b) < 26 || b[0] != '[' || b[4] != ' ' {
		return 0
	}
	ok := false
	for _, w := range weekdays {
		if string(b[1:4]) == w {
			ok = true
		}
	}
	if !ok {
		return 0
	}
	end := bytes.IndexByte(b[:min(len(b), 40)], ']')
	if end < 0 || matchClock(b[5:]) == 0 && matchSyslogDate(b[5:]) == 0 {
		return 0
	}
	return skipOneSpace(b, end+1)
}

var months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// matchSyslogDate matches "Nov 22 10:00:00" (and ".123456" fractions) and
// returns its length.
func matchSyslogDate(b []byte) int {
	if len(b) < 15 || b[3] != ' ' {
		return 0
	}
	ok := false
	for _, m := range months {
		if string(b[:3]) == m {
			ok = true
		}
	}
	if !ok || !(b[4] == ' ' || isDigit(b[4])) || !isDigit(b[5]) || b[6] != ' ' {
		return 0
	}
	n := matchClock(b[7:])
	if n == 0 {
		return 0
	}
	return 7 + n
}

// matchClock matches "10:00:00" with an optional fraction.
func matchClock(b []byte) int {
	if len(b) < 8 || !isDigit(b[0]) || !isDigit(b[1]) || b[2] != ':' || !isDigit(b[3]) || !isDigit(b[4]) ||
		b[5] != ':' || !isDigit(b[6]) || !isDigit(b[7]) {
		return 0
	}
	i := 8
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i
}

// matchHostKernel matches " host kernel: " after a date: the host name and
// the "kernel:" tag (with an optional "[pid]").
func matchHostKernel(b []byte) int {
	if len(b) < 2 || b[0] != ' ' {
		return 0
	}
	sp := bytes.IndexByte(b[1:min(len(b), 300)], ' ')
	if sp <= 0 {
		return 0
	}
	rest := b[1+sp+1:]
	if len(rest) < len("kernel:") || string(rest[:len("kernel:")]) != "kernel:" {
		return 0
	}
	n := 1 + sp + 1 + len("kernel:")
	if len(rest) > len("kernel:") && rest[len("kernel:")] == ' ' {
		n++
	}
	return n
}

// matchSyslog: "Nov 22 10:00:00 host kernel: ".
func matchSyslog(b []byte) int {
	n := matchSyslogDate(b)
	if n == 0 {
		return 0
	}
	k := matchHostKernel(b[n:])
	if k == 0 {
		return 0
	}
	return n + k
}

// matchISO: "2026-11-22T10:00:00+0000 host kernel: " (journalctl -o
// short-iso, rsyslog's RFC 3339 format).
func matchISO(b []byte) int {
	if len(b) < 20 || !isISODate(b) || b[10] != 'T' {
		return 0
	}
	n := matchClock(b[11:])
	if n == 0 {
		return 0
	}
	i := 11 + n
	for i < len(b) && (b[i] == 'Z' || b[i] == '+' || b[i] == '-' || b[i] == ':' || isDigit(b[i])) {
		i++
	}
	k := matchHostKernel(b[i:])
	if k == 0 {
		return 0
	}
	return i + k
}

// matchMonotonic: dmesg's "[   12.345678] ", and journalctl -o
// short-monotonic's "[   12.345678] host kernel: ", which starts alike.
func matchMonotonic(b []byte) int {
	n := matchTimestamp(b)
	if n == 0 || b[n-1] != ' ' {
		return n
	}
	if k := matchHostKernel(b[n-1:]); k > 0 {
		return n - 1 + k
	}
	return n
}

// bracketLead returns where a bracketed field's value starts: after the
// "[" that opens b and the blanks that pad the value ("[   12.345678]",
// "[  T123]"); 0 when b opens with no "[" or is too short for a field.
func bracketLead(b []byte) int {
	if len(b) < 4 || b[0] != '[' {
		return 0
	}
	i := 1
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

func skipOneSpace(b []byte, i int) int {
	if i < len(b) && b[i] == ' ' {
		return i + 1
	}
	return i
}

var (
	facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	levels = []string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}
)

// matchDecoded: dmesg -x's "kern  :warn  : " (facility and level, padded).
func matchDecoded(b []byte) int {
	i := paddedWordBeforeColon(b, facilities)
	if i == 0 {
		return 0
	}
	j := paddedWordBeforeColon(b[i+1:], levels)
	if j == 0 || i+1+j+1 >= len(b) || b[i+1+j+1] != ' ' {
		return 0
	}
	return i + 1 + j + 2
}

// paddedWordBeforeColon returns the length of one of words, padded with
// spaces, that b starts with and that a colon follows (the colon not
// counted), or 0. Most lines fail at the first byte after their first
// word, before any word is compared.
func paddedWordBeforeColon(b []byte, words []string) int {
	w := 0
	for w < len(b) && (b[w] >= 'a' && b[w] <= 'z' || isDigit(b[w])) {
		w++
	}
	i := w
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if w == 0 || i >= len(b) || b[i] != ':' {
		return 0
	}
	for _, word := range words {
		if string(b[:w]) == word {
			return i
		}
	}
	return 0
}
