package report

import (
	"bytes"
	"strconv"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/literal"
)

// A lineKind says what a report line holds, for the analysis.
type lineKind uint8

const (
	lineOther lineKind = iota
	lineIP             // the faulting instruction: RIP, pc, PC is at, NIP, epc, PSW
	lineLR             // a link register: lr, LR is at, ra (not a frame of the stack)
	lineTrace          // a call-trace entry
	lineLock           // where lockdep says a lock was taken ("..., at: func+0x1/0x2")
)

// A frameFormat is one way the kernel prints a stack entry or an
// instruction pointer. re matches the start of the kernel's text; the
// entry itself ("[<addr>] ? name+0xoff/0xsize [mod]") is read from the
// end of the match by parseEntry. literal is a cheap prefilter.
type frameFormat struct {
	name    string
	literal string
	re      pattern
	kind    lineKind
	// match, when set, is re written out (the end of its match, or -1):
	// for the forms every report of their architecture has, whose
	// expression would be compiled in every run (TestFrameMatchIsPattern).
	match func(body []byte) int
}

// frameFormats are tried in order; the first whose pattern matches decides
// the line's kind, and a line of no kind may still be a plain trace entry.
var frameFormats = []frameFormat{
	// x86: "RIP: 0010:func+0x1f/0x280", "RIP: 0010:[<ffffffff82d4e304>]
	// [<ffffffff82d4e304>] __memset+0x24/0x30", "EIP: 0060:[<c0123456>]".
	// A user-mode selector ("RIP: 0033:") is user space: no kernel frame.
	{"x86 RIP/EIP with segment", "IP: ", pattern{Src: `^\s*[RE]IP: [0-9a-f]{4}:`}, lineIP, x86SegmentIP},
	// x86 before 4.x: "IP: [<ffffffff8109b2e8>] func+0x..", the end of
	// oops " RIP  [<...>] func", i386 "EIP is at func+0x..".
	{"x86 IP", "IP", pattern{Src: `^\s*(?:[RE]?IP:? +|EIP is at )`}, lineIP, nil},
	// arm64 and ARM: "pc : func+0x68/0x12c [mod]", "pc : [<bf005138>]".
	{"ARM pc", "pc : ", pattern{Src: `^\s*pc : `}, lineIP, nil},
	{"ARM PC is at", "PC is at ", pattern{Src: `^\s*PC is at `}, lineIP, nil},
	// powerpc: "NIP [c00000000007b5a8] func+0x../0x..".
	{"powerpc NIP", "NIP", pattern{Src: `^\s*NIP:? +`}, lineIP, nil},
	// RISC-V and MIPS: "epc : func+0x../0x..".
	{"RISC-V/MIPS epc", "epc", pattern{Src: `^\s*epc\s*: `}, lineIP, nil},
	// powerpc: "--- interrupt: 700 at assert_slb_presence+0x2c/0x70".
	{"powerpc interrupt", "--- interrupt: ", pattern{Src: `^\s*--- interrupt: \w+ at `}, lineIP, nil},
	// s390: "Krnl PSW : 0704c00180000000 000000000012345a (func+0x../0x..)".
	{"s390 PSW", "PSW", pattern{Src: `^\s*Krnl PSW : [0-9a-f]{16} [0-9a-f]{16} `}, lineIP, nil},
	{"link register", "", pattern{}, lineLR, nil}, // isLinkRegister
	// lockdep: " (&bdev->bd_mutex){+.+.}, at: [<ffffffff8232bf0e>] blkdev_reread_part+0x1e/0x40",
	// " #0: ffff88801cbd4d28 (&fi->mutex){+.+.}-{3:3}, at: fuse_lock_inode+0xaf/0xe0".
	{"lockdep lock", ", at: ", pattern{Src: `^.*?\}, at: `}, lineLock, nil},
}

// x86SegmentIP is `^\s*[RE]IP: [0-9a-f]{4}:`: "RIP: 0010:" opening the
// text, after blanks.
func x86SegmentIP(b []byte) int {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i+10 > len(b) || b[i] != 'R' && b[i] != 'E' || string(b[i+1:i+5]) != "IP: " || b[i+9] != ':' {
		return -1
	}
	for _, c := range b[i+5 : i+9] {
		if !isLowerHex(c) {
			return -1
		}
	}
	return i + 10
}

// lineLiterals finds in one pass over a report's line the literals that
// the reading of the line looks for: those of frameFormats
// (frameLiteralBits[i] is the bit of frameFormats[i]'s), the words of
// parse's architecture cues (archBits) and the "Call Trace:" that may end
// a line (callTraceBit). A line is classified, checked for a cue and for a
// section marker: one pass, not three.
var lineLiterals, frameLiteralBits, archBits, callTraceBit = func() (*literal.Set, []uint64, uint64, uint64) {
	var lits []string
	bits := make([]uint64, len(frameFormats))
	for i := range frameFormats {
		if l := frameFormats[i].literal; l != "" {
			bits[i] = 1 << len(lits)
			lits = append(lits, l)
		}
	}
	var arch uint64
	for _, w := range archWords {
		arch |= 1 << len(lits)
		lits = append(lits, w)
	}
	trace := uint64(1) << len(lits)
	lits = append(lits, "Call Trace:")
	return literal.New(lits...), bits, arch, trace
}()

// archWords are words of parse's architecture cues.
var archWords = []string{"IP", "EFLAGS", "TASK>", "pstate", "Call trace", "psr", "PC is", "epc", "PSW"}

// classifyFrame returns what kind of line body is and the stack entry it
// holds, if any.
func classifyFrame(body []byte) (lineKind, Frame, bool) {
	return classifyFrameFound(body, lineLiterals.Find(body))
}

// classifyFrameFound is classifyFrame for a body whose lineLiterals are
// found.
func classifyFrameFound(body []byte, found uint64) (lineKind, Frame, bool) {
	for i := range frameFormats {
		f := &frameFormats[i]
		if f.literal != "" && found&frameLiteralBits[i] == 0 {
			continue
		}
		if f.kind == lineLR {
			if isLinkRegister(body) {
				return lineLR, Frame{}, false
			}
			continue
		}
		var m []int
		if f.match != nil {
			if end := f.match(body); end >= 0 {
				m = []int{0, end}
			}
		} else {
			m = f.re.Get().FindIndex(body)
		}
		if m == nil {
			continue
		}
		if f.kind == lineLock {
			fr, ok := parseEntry(body, m[1])
			return lineLock, fr, ok
		}
		if m[1] >= 5 && body[m[1]-1] == ':' && isUserSelector(body[m[1]-5:m[1]-1]) {
			return lineOther, Frame{}, false // "RIP: 0033:": user space
		}
		fr, ok := parseEntry(body, m[1])
		fr.IP = true
		return lineIP, fr, ok
	}
	fr, ok := parseEntry(body, 0)
	if !ok {
		return lineOther, Frame{}, false
	}
	return lineTrace, fr, true
}

// isLinkRegister reports a link register line: `^\s*(?:lr : |LR is at
// |ra\s*: |LR \[)`.
func isLinkRegister(b []byte) bool {
	b = b[skipSpace(b, 0):]
	switch {
	case len(b) < 3:
		return false
	case b[0] == 'l':
		return bytes.HasPrefix(b, []byte("lr : "))
	case b[0] == 'L':
		return bytes.HasPrefix(b, []byte("LR is at ")) || bytes.HasPrefix(b, []byte("LR ["))
	case b[0] == 'r' && b[1] == 'a':
		return bytes.HasPrefix(b[skipSpace(b, 2):], []byte(": "))
	}
	return false
}

// parseEntry reads one stack entry from b[p:], in any of the forms the
// kernel (or a symbolizer run over its output) prints:
//
//	[<ffffffff81234567>] ? func+0x1f/0x280 [mod]   x86 before 4.x, RISC-V, old arm64
//	? func+0x1f/0x280 [mod]                       x86 and arm64 today
//	[<c0123456>] (func) from [<c0123000>] (...)   ARM, CONFIG_BACKTRACE_VERBOSE
//	[<c0123456>] (func+0x10/0x20) from ...        ARM before 4.x
//	func from caller+0x10/0x28                    ARM 6.x
//	[c0000000fe0db9e0] [c000000000012345] func+0x10/0x20 (unreliable)   powerpc
//	([<000000000012345a>] func+0x../0x..)         s390
//	0xffffffffc00001a2, ? 0xffffffffc025c000      a raw entry (no kallsyms)
//	func+0x1f/0x280 net/core/dev.c:123            symbolized
//	func net/core/dev.c:123 [inline]              symbolized, inlined
//
// ok is false when b[p:] is none of them. ARM's "callee from caller"
// entries give the callee; armCaller gives the caller.
func parseEntry(b []byte, p int) (fr Frame, ok bool) {
	fr, _, ok = parseCallee(b, p)
	return fr, ok
}

// armCaller reads the caller of an ARM "callee from caller" entry: the
// return address, which is what the callee was called from even when it
// never returns (the caller then shows as the next function: "panic from
// sysrq_reset_seq_param_set+0x0/0x90").
func armCaller(b []byte) (Frame, bool) {
	_, end, ok := parseCallee(b, 0)
	if !ok || !bytes.HasPrefix(b[end:], []byte(" from ")) {
		return Frame{}, false
	}
	fr, _, ok := parseCallee(b, end+len(" from "))
	return fr, ok
}

// parseCallee reads one entry and returns it with where it ends.
func parseCallee(b []byte, p int) (fr Frame, end int, ok bool) {
	fr.Reliable = true
	p = skipBlanks(b, p)
	for _, mark := range [...]string{"<IRQ>", "<EOI>", "<NMI>"} {
		// Old x86 kernels start the first entry of a stack on the line
		// that says which stack it is: "<IRQ>  [<ffffffff816ecb37>] f".
		if bytes.HasPrefix(b[p:], []byte(mark)) {
			p = skipBlanks(b, p+len(mark))
		}
	}
	if p < len(b) && b[p] == '(' && bytes.HasPrefix(b[p+1:], []byte("[<")) {
		p++ // s390's "([<...>] func)": an entry the unwinder guessed
		fr.Reliable = false
	}
	for range 2 {
		// "[<addr>]", twice in x86's old RIP line; powerpc "[sp] [pc]".
		if a, n := bracketed(b[p:]); n > 0 {
			fr.Address = a
			p = skipBlanks(b, p+n)
		}
	}
	if bytes.HasPrefix(b[p:], []byte("? ")) {
		fr.Reliable = false
		p += 2
	}
	if bytes.HasPrefix(b[p:], []byte("0x")) {
		// A raw address: the kernel had no name for it.
		q := p + 2
		for q < len(b) && isHex(b[q]) {
			q++
		}
		if q == p+2 || q-p-2 > 16 || (q < len(b) && !isBlank(b[q]) && b[q] != ')') {
			return Frame{}, p, false
		}
		if fr.Address == 0 {
			fr.Address, _ = strconv.ParseUint(string(b[p+2:q]), 16, 64)
		}
		return fr, readSuffixes(b, q, &fr), true
	}
	paren := false
	if p < len(b) && b[p] == '(' {
		paren = true
		p++
		if bytes.HasPrefix(b[p:], []byte("0x")) {
			// ARM's "[<bf005138>] (0xbf005138) from": no name.
			e := bytes.IndexByte(b[p:], ')')
			return fr, p + e + 1, e > 0 && fr.Address != 0
		}
	}
	start := p
	if p < len(b) && b[p] >= '0' && b[p] <= '9' {
		return Frame{}, p, false // names do not start with a digit
	}
	for p < len(b) && isNameByte(b[p]) {
		p++
	}
	if p == start {
		return Frame{}, p, false
	}
	// The name is made a string only for an entry: most lines that
	// start with a word are none.
	name := b[start:p]
	if off, size, n := offsetSize(b[p:]); n > 0 {
		fr.Offset, fr.Size = off, size
		p += n
		if paren {
			if p >= len(b) || b[p] != ')' {
				return Frame{}, p, false
			}
			p++
		}
		fr.Name = string(name)
		return fr, readSuffixes(b, p, &fr), true
	}
	switch {
	case paren:
		// ARM's "[<c0123456>] (func) from": a bare name in parentheses
		// after an address only.
		fr.Name = string(name)
		return fr, p + 1, p < len(b) && b[p] == ')' && fr.Address != 0
	case bytes.HasPrefix(b[p:], []byte(" from ")):
		fr.Name = string(name)
		return fr, p, true // ARM 6.x "callee from caller+0x10/0x28"
	case p < len(b) && b[p] == ' ' && sourceLine(b[p+1:], &fr) > 0:
		fr.Name = string(name)
		return fr, readSuffixes(b, p, &fr), true
	}
	return Frame{}, p, false
}

// readSuffixes reads what may follow a symbol: " [module]" (with a build
// id), " file.c:123", " [inline]", powerpc's " (unreliable)". It returns
// where they end.
func readSuffixes(b []byte, p int, fr *Frame) int {
	for p < len(b) {
		q := skipBlanks(b, p)
		rest := b[q:]
		switch {
		case bytes.HasPrefix(rest, []byte("[inline]")):
			fr.Inlined = true
			p = q + len("[inline]")
		case bytes.HasPrefix(rest, []byte("(unreliable)")):
			fr.Reliable = false
			return q + len("(unreliable)")
		case len(rest) > 2 && rest[0] == '[' && rest[1] != '<':
			e := bytes.IndexByte(rest, ']')
			if e < 2 {
				return p
			}
			mod := rest[1:e]
			if sp := bytes.IndexByte(mod, ' '); sp > 0 {
				mod = mod[:sp] // "[mod build-id]"
			}
			if fr.Module == "" {
				fr.Module = string(mod)
			}
			p = q + e + 1
		default:
			n := sourceLine(rest, fr)
			if n == 0 {
				return p
			}
			p = q + n
		}
	}
	return p
}

// sourceLine reads "dir/file.c:123" (with an optional ":col") into fr and
// returns its length, or 0.
func sourceLine(b []byte, fr *Frame) int {
	end := bytes.IndexAny(b, " \t")
	if end < 0 {
		end = len(b)
	}
	w := b[:end]
	colon := bytes.IndexByte(w, ':')
	if colon <= 0 || bytes.IndexByte(w[:colon], '.') <= 0 {
		return 0
	}
	digits := w[colon+1:]
	if c := bytes.IndexByte(digits, ':'); c >= 0 {
		digits = digits[:c]
	}
	line, err := strconv.Atoi(string(digits))
	if err != nil {
		return 0
	}
	fr.File, fr.Line = string(w[:colon]), line
	return end
}

// offsetSize reads "+0xoff/0xsize" and returns its length, or 0.
func offsetSize(b []byte) (off, size uint64, n int) {
	if !bytes.HasPrefix(b, []byte("+0x")) {
		return 0, 0, 0
	}
	p := 3
	q := p
	for q < len(b) && isHex(b[q]) {
		q++
	}
	if q == p || q-p > 16 || !bytes.HasPrefix(b[q:], []byte("/0x")) {
		return 0, 0, 0
	}
	off, _ = strconv.ParseUint(string(b[p:q]), 16, 64)
	p = q + 3
	q = p
	for q < len(b) && isHex(b[q]) {
		q++
	}
	if q == p || q-p > 16 {
		return 0, 0, 0
	}
	size, _ = strconv.ParseUint(string(b[p:q]), 16, 64)
	return off, size, q
}

// bracketed reads "[<hex>]" or "[hex]" (powerpc) and returns the value and
// the length read, 0 when b does not start with one.
func bracketed(b []byte) (uint64, int) {
	if len(b) < 3 || b[0] != '[' {
		return 0, 0
	}
	p, closing := 1, "]"
	if b[1] == '<' {
		p, closing = 2, ">]"
	}
	q := p
	for q < len(b) && isHex(b[q]) {
		q++
	}
	if q-p < 8 || q-p > 16 || !bytes.HasPrefix(b[q:], []byte(closing)) {
		return 0, 0
	}
	v, _ := strconv.ParseUint(string(b[p:q]), 16, 64)
	return v, q + len(closing)
}

// isUserSelector reports an x86 code segment selector of user mode
// (requested privilege level 3: 0033, 0023, 0073).
func isUserSelector(sel []byte) bool {
	v, err := strconv.ParseUint(string(sel), 16, 16)
	return err == nil && v&3 == 3
}

func skipBlanks(b []byte, p int) int {
	for p < len(b) && isBlank(b[p]) {
		p++
	}
	return p
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isNameByte reports the bytes of a kernel symbol name, with the suffixes
// the compiler adds (".isra.0", ".constprop.0", ".cold").
func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
