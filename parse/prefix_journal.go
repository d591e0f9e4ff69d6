package parse

// Prefixes of journalctl's short output formats that the syslog-style
// matchers in prefix.go do not cover. Each ends in journalctl's
// " host kernel: ".

// matchShortFull: journalctl -o short-full, "Sun 2026-11-29 08:24:42 UTC
// host kernel: " (the zone is a name or an offset such as "+0100").
func matchShortFull(b []byte) int {
	if len(b) < 24 || b[3] != ' ' || !isWeekday(b[:3]) {
		return 0
	}
	d := b[4:]
	if !isISODate(d) || d[10] != ' ' {
		return 0
	}
	n := matchClock(d[11:])
	if n == 0 {
		return 0
	}
	i := 4 + 11 + n
	if i >= len(b) || b[i] != ' ' {
		return 0
	}
	j := i + 1
	for j < len(b) && j-i <= 6 && (b[j] >= 'A' && b[j] <= 'Z' || b[j] >= 'a' && b[j] <= 'z' || b[j] == '+' || b[j] == '-' || isDigit(b[j])) {
		j++
	}
	if j == i+1 {
		return 0
	}
	return withHostKernel(b, j)
}

// isISODate reports whether b starts with a date "2026-11-29".
func isISODate(b []byte) bool {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(b[i]) {
			return false
		}
	}
	return true
}

// withHostKernel returns the length of a prefix of n bytes followed by
// journalctl's " host kernel: ", or 0 when it is not followed by it.
func withHostKernel(b []byte, n int) int {
	k := matchHostKernel(b[n:])
	if k == 0 {
		return 0
	}
	return n + k
}

func isWeekday(b []byte) bool {
	for _, w := range weekdays {
		if string(b) == w {
			return true
		}
	}
	return false
}

// matchShortUnix: journalctl -o short-unix, "1795940682.901519 host
// kernel: " (seconds since the epoch).
func matchShortUnix(b []byte) int {
	i := 0
	for i < len(b) && i < 12 && isDigit(b[i]) {
		i++
	}
	if i < 9 || i >= len(b) || b[i] != '.' {
		return 0
	}
	i++
	d := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == d {
		return 0
	}
	return withHostKernel(b, i)
}

// matchShortDelta: journalctl -o short-delta, "[   15.239845 <
// 0.000053 >] host kernel: ", the first entry with blanks instead of the
// delta.
func matchShortDelta(b []byte) int {
	i := bracketLead(b)
	if i == 0 {
		return 0
	}
	d := i
	for i < len(b) && (isDigit(b[i]) || b[i] == '.') {
		i++
	}
	if i == d || i >= len(b) || b[i] != ' ' {
		return 0
	}
	// The delta, "<    0.000053 >", or blanks, up to the closing bracket.
	end := i
	for end < len(b) && end-i < 32 && (b[end] == ' ' || b[end] == '<' || b[end] == '>' || b[end] == '.' || isDigit(b[end])) {
		end++
	}
	if end >= len(b) || b[end] != ']' {
		return 0
	}
	return withHostKernel(b, end+1)
}
