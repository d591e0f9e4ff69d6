package parse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
)

// MaxTokens bounds the addresses taken from one line. The kernel prints at
// most a handful per line (2.4's call traces: about eight); a line with
// thousands is junk, and the bound keeps the work per line linear.
const MaxTokens = 64

// A Parser finds the kernel addresses in log lines, one line at a time. It
// remembers the architecture the log's reports come from, which decides how
// call-trace entries are looked up. A Parser is not safe for concurrent
// use; make one per stream.
type Parser struct {
	arch      Arch
	fixedArch bool
	toks      []Token
	report    string   // kind of report the last line of Tokens started, or ""
	fact      Fact     // what the last line of Tokens said about the kernel
	prefix    int      // length of the collector's prefix of that line
	literals  uint64   // lineLiterals found in that line's text, when it may hold addresses
	spans     [][2]int // scratch for the register values of a dump line
}

// NewParser returns a Parser. A non-zero arch fixes the architecture
// (--arch); otherwise the parser learns it from the log.
func NewParser(arch Arch) *Parser {
	return &Parser{arch: arch, fixedArch: arch != ArchUnknown}
}

// NewParserAssuming returns a Parser that assumes arch until the log shows
// another: for a log read from its middle, in the architecture its start
// showed.
func NewParserAssuming(arch Arch) *Parser {
	return &Parser{arch: arch}
}

// Arch returns the architecture the parser currently assumes.
func (p *Parser) Arch() Arch { return p.arch }

// ReportStarted returns the kind of kernel report the line last given to
// Tokens starts (as ReportStart does), or "" when it starts none.
func (p *Parser) ReportStarted() string { return p.report }

// Fact returns what the line last given to Tokens says about the kernel
// that wrote the log (as LineFact does).
func (p *Parser) Fact() Fact { return p.fact }

// FactKind is Fact().Kind, without a copy of the fact: most lines say
// none, and a caller asks this first.
func (p *Parser) FactKind() FactKind { return p.fact.Kind }

// Prefix returns the length of the collector's prefix (timestamps, syslog
// header) of the line last given to Tokens or Scan.
func (p *Parser) Prefix() int { return p.prefix }

// Scan takes in what line says without looking for its addresses: the
// report it starts, its fact about the kernel, the architecture it shows.
// It is Tokens without the tokens, for a pass that only gathers evidence.
// It reports whether the line may hold addresses.
func (p *Parser) Scan(line []byte) (mayHold bool) {
	n := SplitPrefix(line)
	p.prefix = n
	body := line[n:]
	p.report, _ = reportKind(body)
	p.fact = bodyFact(body)
	mayHold = mayHoldAddress(body)
	p.literals = 0
	if mayHold {
		p.literals = lineLiterals.Find(body)
	}
	p.learnArch(body, mayHold)
	return mayHold
}

// Tokens returns the addresses in line (without its line terminator), in
// order. The slice is reused by the next call.
func (p *Parser) Tokens(line []byte) []Token {
	p.toks = p.toks[:0]
	if !p.Scan(line) {
		return p.toks
	}
	n := p.prefix
	body := line[n:]
	if isCodeLine(body) {
		return p.toks
	}
	for i := range lineFormats {
		f := &lineFormats[i]
		m := literalMasks[i]
		if p.literals&m.need != m.need || m.any != 0 && p.literals&m.any == 0 || f.pre != nil && !f.pre(body) {
			continue
		}
		limit := 1
		if f.all {
			limit = MaxTokens
		}
		for _, m := range f.re.Get().FindAllSubmatchIndex(body, limit) {
			for _, s := range f.slots {
				p.addSlot(body, n, m, s, f.name)
			}
		}
	}
	for i := range registerFormats {
		f := &registerFormats[i]
		if !f.opens(body) {
			continue
		}
		p.spans = f.values(body, p.spans[:0])
		for _, v := range p.spans {
			p.addSlot(body, n, []int{v[0], v[1], v[0], v[1]}, slot{group: 1, role: RoleValue}, f.name)
		}
		break
	}
	p.toks = slices.DeleteFunc(p.toks, func(t Token) bool { return t.Role == roleUser })
	slices.SortFunc(p.toks, func(a, b Token) int { return a.Start - b.Start })
	return p.toks
}

// addSlot turns one capture group of a match into a token, unless its bytes
// were already claimed by an earlier, more specific format.
func (p *Parser) addSlot(body []byte, base int, m []int, s slot, format string) {
	gs, ge := m[2*s.group], m[2*s.group+1]
	if gs < 0 || len(p.toks) >= MaxTokens {
		return
	}
	start, end := gs, ge
	if s.span > 0 && m[2*s.span] >= 0 {
		start, end = m[2*s.span], m[2*s.span+1]
	} else if start >= 2 && body[start-2] == '0' && body[start-1] == 'x' {
		start -= 2
	} else if start >= 2 && body[start-2] == '[' && body[start-1] == '<' && end+1 < len(body) && body[end] == '>' && body[end+1] == ']' {
		// The decoration belongs to the token: annotations go after "]".
		start, end = start-2, end+2
	}
	for _, t := range p.toks {
		if t.Start < base+end && base+start < t.End {
			return
		}
	}
	value, ok := parseHex(body[gs:ge])
	if !ok {
		return
	}
	if s.segment > 0 && m[2*s.segment] >= 0 {
		if sel, ok := parseHex(body[m[2*s.segment]:m[2*s.segment+1]]); ok && sel&3 == 3 {
			// A user-mode selector: the address is user space. Claim the
			// bytes so no later format reads them as a kernel address.
			p.toks = append(p.toks, Token{Start: base + start, End: base + end, Value: value, Format: format, Role: roleUser})
			return
		}
	}
	role := s.role
	if role == 0 {
		role = p.arch.FrameRole()
	}
	p.toks = append(p.toks, Token{
		Start: base + start, End: base + end, Value: value, Role: role, Format: format,
		Symbolized: followedBySymbol(body, end) || followedBySame(body, end, body[gs:ge]),
	})
}

// roleUser marks a token that is known to be a user-space address. It is
// dropped before Tokens returns.
const roleUser Role = 0xff

// learnArch updates the stream's architecture from cue literals.
func (p *Parser) learnArch(body []byte, hasHex bool) {
	if p.fixedArch {
		return
	}
	// A cue in mid-line ("... EFLAGS: 00010246") comes with register
	// values, so a line without a hexadecimal number is only looked at
	// where a cue can start it: most lines cost one prefix test.
	lead := bytes.TrimLeft(body, " ")
	if !hasHex && (len(lead) == 0 || !isArchCueFirst[lead[0]]) {
		return
	}
	found := lineLiterals.Prefix(lead)
	if hasHex {
		found |= p.literals
	}
	if found == 0 {
		return
	}
	for i, c := range archCues {
		if found&cueMasks[i] != 0 {
			p.arch = c.arch
			return
		}
	}
}

// minAddressDigits is the fewest hex digits a kernel address is printed
// with: 32-bit kernels print eight, 64-bit ones sixteen (or the leading
// digits of 0xffff...). Shorter numbers are user space, NULL or offsets.
const minAddressDigits = 8

// mayHoldAddress reports whether b has a run of hexadecimal digits long
// enough to be a kernel address. Most log lines have none, and this is all
// they cost: it reads eight bytes at a time (hexMask), and a run of eight
// digits fills at least the tail of one word and the head of the next, or
// a whole word.
func mayHoldAddress(b []byte) bool {
	run := 0 // hex digits ending the bytes before b[i:]
	i := 0
	for ; i+8 <= len(b); i += 8 {
		m := hexMask(binary.LittleEndian.Uint64(b[i:]))
		if m == allHigh {
			run += 8
		} else {
			// The digits before the first non-digit byte continue the run.
			run += bits.TrailingZeros64(^m&allHigh) / 8
			if run >= minAddressDigits {
				return true
			}
			// Those after the last non-digit byte start the next one.
			run = bits.LeadingZeros64(^m&allHigh) / 8
		}
		if run >= minAddressDigits {
			return true
		}
	}
	for ; i < len(b); i++ {
		if isHexByte(b[i]) {
			run++
			if run >= minAddressDigits {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// allHigh has the high bit of every byte of a word.
const allHigh = 0x8080808080808080

// hexMask returns the high bit of each byte of w (eight bytes, the first
// in the low byte) that is a hexadecimal digit. Each byte's low seven bits
// are compared with the bounds by adding to them: no carry crosses into
// the next byte, and a byte with its high bit set (UTF-8) is no digit.
func hexMask(w uint64) uint64 {
	const ones = 0x0101010101010101
	low := w & (ones * 0x7f)
	digit := (low + ones*(0x80-'0')) &^ (low + ones*(0x80-'9'-1))
	// Upper case to lower: only 'A'-'F' land on 'a'-'f'.
	folded := low | ones*0x20
	letter := (folded + ones*(0x80-'a')) &^ (folded + ones*(0x80-'f'-1))
	return (digit | letter) & allHigh &^ w
}

// isHexByte reports whether c is a hexadecimal digit, in two compares.
func isHexByte(c byte) bool {
	return c-'0' < 10 || (c|0x20)-'a' < 6
}

// isCodeLine reports the "Code:" byte dump, whose hex is instructions, not
// addresses.
func isCodeLine(body []byte) bool {
	b := bytes.TrimLeft(body, " \t")
	return bytes.HasPrefix(b, []byte("Code: ")) || bytes.HasPrefix(b, []byte("Krnl Code"))
}

// followedBySymbol reports whether the text after an address is a symbol
// the kernel (or an earlier run) printed for it: "func+0x1a/0x60",
// "? func+0x..", "(func)", "(func+0x10/0x20)", "func [mod]".
func followedBySymbol(b []byte, end int) bool {
	if k := end; k < len(b) && b[k] == ' ' && isModuleNote(b[k+1:]) {
		return true // this tool's "[oopsdemo+0x1a2]" or "[in unloaded module oopsdemo_uaf?]"
	}
	j, paren, _ := symbolStart(b, end)
	start := j
	for j < len(b) && isSymbolByte(b[j]) {
		j++
	}
	if j == start || (j-start >= 2 && b[start] == '0' && (b[start+1] == 'x' || b[start+1] == 'X')) {
		return false
	}
	if isAllHex(b[start:j]) && j-start >= 8 {
		return false // another address or a register value
	}
	switch {
	case j == len(b):
		return !paren
	case b[j] == ' ' && !paren && looksLikeSourcePath(b[j+1:]):
		// syzkaller-style "func kernel/cgroup/cpuset.c:965 [inline]"
		return true
	case b[j] == '+':
		return true
	case b[j] == ')':
		// ARM's "[<c0123456>] (func) from": a bare name in parentheses
		// follows a bracketed address only. powerpc's "[c...] 0xc...
		// (unreliable)" is no symbol.
		return paren && end > 0 && b[end-1] == ']'
	case b[j] == ' ' && j+1 < len(b) && b[j+1] == '[':
		return true
	}
	return false
}

// isModuleNote reports what is printed after an address in a module that
// has no symbols: the module and the offset in it, as klogd printed them,
// or that the address is where an unloaded module was. It is the regular
// expression
//
//	^\[(?:[\w-]+\+0x[0-9a-f]+|in unloaded module [\w-]+\?)\]
//
// written out (TestIsModuleNote holds it to it): it is asked after every
// address followed by a blank.
func isModuleNote(b []byte) bool {
	if len(b) < 2 || b[0] != '[' {
		return false
	}
	name := func(i int) int { // the end of the [\w-]+ run from i
		for i < len(b) && (isWordByte(b[i]) || b[i] == '-') {
			i++
		}
		return i
	}
	if i := name(1); i > 1 && bytes.HasPrefix(b[i:], []byte("+0x")) {
		j := i + 3
		for j < len(b) && isLowerHex(b[j]) {
			j++
		}
		if j > i+3 && j < len(b) && b[j] == ']' {
			return true
		}
	}
	const unloaded = "[in unloaded module "
	if !bytes.HasPrefix(b, []byte(unloaded)) {
		return false
	}
	i := name(len(unloaded))
	return i > len(unloaded) && bytes.HasPrefix(b[i:], []byte("?]"))
}

// isLowerHex reports a digit of an address as the kernel prints it:
// lower case (the address grammar, hex).
func isLowerHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' }

func isSymbolByte(c byte) bool {
	return c == '_' || c == '.' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isAllHex(b []byte) bool {
	for _, c := range b {
		if _, ok := hexDigit(c); !ok {
			return false
		}
	}
	return true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// followedBySame reports "[<ffffffff8109b2e8>]  [<ffffffff8109b2e8>] func":
// x86_64 of the 2.6-4.x era printed RIP twice, naming only the second.
func followedBySame(b []byte, end int, digits []byte) bool {
	j := end
	for j < len(b) && b[j] == ' ' {
		j++
	}
	rest := b[j:]
	return len(rest) > 4+len(digits) && rest[0] == '[' && rest[1] == '<' &&
		bytes.Equal(rest[2:2+len(digits)], digits) && rest[2+len(digits)] == '>'
}

// looksLikeSourcePath reports text starting with "dir/file.c:123".
func looksLikeSourcePath(b []byte) bool {
	end := bytes.IndexAny(b, " \t")
	if end < 0 {
		end = len(b)
	}
	w := b[:end]
	colon := bytes.LastIndexByte(w, ':')
	return colon > 0 && bytes.IndexByte(w[:colon], '.') > 0 && colon+1 < len(w) && w[colon+1] >= '0' && w[colon+1] <= '9'
}
