package parse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse/internal/lazyre"
	"github.com/ksymoops-go/ksymoops-go/parse/internal/literal"
)

// An Arch is the architecture a report comes from, as far as the log shows
// it. It decides how call-trace entries were printed.
type Arch uint8

const (
	ArchUnknown Arch = iota
	ArchX86
	ArchARM64
	ArchARM
	ArchPowerPC
	ArchRISCV
	ArchS390
	ArchMIPS
)

var archNames = [...]string{"unknown", "x86", "arm64", "arm", "powerpc", "riscv", "s390", "mips"}

func (a Arch) String() string {
	if int(a) < len(archNames) {
		return archNames[a]
	}
	return "unknown"
}

// ParseArch maps a name (as for --arch) to an Arch; ok is false for names
// it does not know.
func ParseArch(name string) (Arch, bool) {
	switch name {
	case "x86", "x86_64", "amd64", "i386", "i686", "x86-64":
		return ArchX86, true
	case "arm64", "aarch64":
		return ArchARM64, true
	case "arm", "arm32", "armhf", "armel":
		return ArchARM, true
	case "powerpc", "ppc", "ppc64", "ppc64le":
		return ArchPowerPC, true
	case "riscv", "riscv64":
		return ArchRISCV, true
	case "s390", "s390x":
		return ArchS390, true
	case "mips", "mips64", "mipsel":
		return ArchMIPS, true
	}
	return ArchUnknown, false
}

// FrameRole is how an architecture prints call-trace entries: x86 uses %pB
// (return address minus one), the others %pS.
func (a Arch) FrameRole() Role {
	if a == ArchX86 || a == ArchUnknown {
		return RoleReturn
	}
	return RoleCall
}

// An archCue is a literal that only one architecture's reports print;
// seeing it sets the stream's architecture.
type archCue struct {
	literal string
	arch    Arch
}

var archCues = []archCue{
	{"RIP: ", ArchX86},
	{"EIP: ", ArchX86},
	{" EFLAGS: ", ArchX86},
	{"<TASK>", ArchX86},
	{"pstate: ", ArchARM64},
	{"Call trace:", ArchARM64},
	{" psr: ", ArchARM},
	{"PC is at ", ArchARM},
	// Every 32-bit ARM trace starts in the unwinder: " unwind_backtrace
	// from show_stack+0x18/0x1c" (6.x), "(unwind_backtrace+0x0/0xf0) from"
	// (BACKTRACE_VERBOSE and 2.6-4.x).
	{"unwind_backtrace from ", ArchARM},
	{"(unwind_backtrace+", ArchARM},
	{"CPU: ARMv", ArchARM}, // the boot's "CPU: ARMv7 Processor [414fc0f0] revision 0 (ARMv7)"
	{"NIP: ", ArchPowerPC},
	{"NIP [", ArchPowerPC},
	{"epc : ", ArchRISCV},
	{"Krnl PSW", ArchS390},
	{"epc   : ", ArchMIPS},
}

// archCueFirstBytes holds the first byte of every archCues literal that can
// start a line's text (TestCueFirstBytes keeps it true).
const archCueFirstBytes = "REpCPNeKu(<"

// isArchCueFirst is archCueFirstBytes as a table.
var isArchCueFirst = byteTable(archCueFirstBytes)

// A slot is one capture group of a format: an address, and how the kernel
// printed it.
type slot struct {
	group int  // capture group holding the hex digits
	role  Role // 0: the architecture's frame role
	// span, when non-zero, is the group whose bounds are the token's
	// (e.g. the whole "[<...>]"), so annotations go after the decoration.
	span int
	// segment, when non-zero, is a group holding an x86 segment selector:
	// a user-mode selector (RPL 3) means the address is user space.
	segment int
}

// A lineFormat is one way the kernel prints addresses. literal is a cheap
// prefilter: the regexp only runs on text that contains it (or, for a row
// without one, one of also).
type lineFormat struct {
	name    string
	literal string
	// also, when set, are literals of which the line must hold one too:
	// for rows whose own literal is common in ordinary log lines.
	also []string
	// pre, when set, is a cheaper test the line must pass before re runs.
	pre   func(body []byte) bool
	re    *lazyre.Regexp
	slots []slot
	// anchored formats describe a whole line; they are tried against the
	// kernel's text only, never against the middle of other text.
	all bool // find every match in the line, not just the first
}

// hex is the address grammar: the kernel prints addresses in lower case,
// zero-padded (%px, [<%p>]) or not (0x%lx from an unresolved %pS).
const hex = `([0-9a-f]{1,16})`

// lineFormats is the table of address formats, most specific first: a byte
// range claimed by one format is not looked at by later ones.
var lineFormats = []lineFormat{
	{
		// x86: "RIP: 0010:[<ffffffff82d4e304>]", "RIP: 0010:0xffffffffc025300f",
		// 2.4's "EIP:    0010:[<c0135cb0>]", user "RIP: 0033:0x47b7a0".
		name: "x86 RIP/EIP with segment", literal: "IP:",
		re:    lazyre.New(`\b[RE]?IP:\s*([0-9a-f]{4}):((?:\[<` + hex + `>\])|0x` + hex + `)`),
		slots: []slot{{group: 3, role: RoleIP, span: 2, segment: 1}, {group: 4, role: RoleIP, span: 2, segment: 1}},
	},
	{
		// i386 since 4.x: "EIP: 0xf742f012"; 4.x x86_64 "IP: 0x286" and the
		// end-of-oops "RIP: 0x286 RSP: ffff8801ca577540"; 2.6 x86_64
		// "IP: [<ffffffff8109b2e8>]" (raw: "IP: [<ffff8800b3d5ed58>]
		// 0xffff8800b3d5ed58", whose span takes both, so that an
		// annotation goes where the kernel puts the symbol), the
		// end-of-oops " RIP  [<ffffffff8109b2e8>]" and " EIP: [<c0123456>]".
		name: "x86 RIP/EIP/IP", literal: "IP", also: []string{"IP: 0x", "[<", "EIP is at 0x"},
		re:    lazyre.New(`(?:^|[\s\]])(?:[RE]?IP:?\s+(\[<` + hex + `>\](?: 0x[0-9a-f]{1,16}\b)?)|[RE]?IP: 0x` + hex + `\b|EIP is at 0x` + hex + `\b)`),
		slots: []slot{{group: 2, role: RoleIP, span: 1}, {group: 3, role: RoleIP}, {group: 4, role: RoleIP}},
	},
	{
		// x86 unchecked MSR access: "... at rIP: 0xffffffff81123aff
		// (add_atomic_switch_msr+0x5f/0x500)".
		name: "x86 MSR access rIP", literal: "rIP: 0x",
		re:    lazyre.New(` at rIP: 0x` + hex + `\b`),
		slots: []slot{{group: 1, role: RoleIP}},
	},
	{
		// powerpc: "Faulting instruction address: 0xc00000000022d79c".
		name: "powerpc faulting instruction", literal: "Faulting instruction address: 0x",
		re:    lazyre.New(`^Faulting instruction address: 0x` + hex + `\b`),
		slots: []slot{{group: 1, role: RoleIP}},
	},
	{
		// arm64 and ARM register lines: "pc : 0xffff800008123456",
		// "lr : [<bf005120>]", arm32's "pc : [<bf005138>]    lr : [<bf005120>]".
		name: "ARM pc/lr", literal: " : ",
		re:    lazyre.New(`(?:^|\s)(?:pc : (?:\[<` + hex + `>\]|0x` + hex + `\b)|lr : (?:\[<` + hex + `>\]|0x` + hex + `\b))`),
		slots: []slot{{group: 1, role: RoleIP}, {group: 2, role: RoleIP}, {group: 3, role: RoleCall}, {group: 4, role: RoleCall}},
		all:   true,
	},
	{
		// ARM and old arm64: "PC is at 0xbf018014", "LR is at 0xc0123456".
		name: "ARM PC/LR is at", literal: " is at ", also: []string{"PC is at ", "LR is at "},
		re:    lazyre.New(`(?:PC is at (?:0x)?` + hex + `\b|LR is at (?:0x)?` + hex + `\b)`),
		slots: []slot{{group: 1, role: RoleIP}, {group: 2, role: RoleCall}},
		all:   true,
	},
	{
		// RISC-V and MIPS: "epc : 0xffffffff80123456", " ra : 0x...".
		name: "RISC-V/MIPS epc/ra", literal: " : ",
		re:    lazyre.New(`^\s*(?:epc\s*: (?:\[<` + hex + `>\]|0x` + hex + `\b)|ra\s*: (?:\[<` + hex + `>\]|0x` + hex + `\b))`),
		slots: []slot{{group: 1, role: RoleIP}, {group: 2, role: RoleIP}, {group: 3, role: RoleCall}, {group: 4, role: RoleCall}},
	},
	{
		// MIPS register lines name the symbol after the value:
		// "epc   : 804dd50c kset_find_obj+0x3c/0x114", raw "epc   : 802daca0
		// 0x802daca0" (the span takes both: the annotation goes where the
		// kernel puts the symbol).
		name: "MIPS epc/ra", literal: " : ",
		re:    lazyre.New(`^\s*(?:epc\s+: (([0-9a-f]{8,16})\b(?: 0x[0-9a-f]{1,16}\b)?)|ra\s+: (([0-9a-f]{8,16})\b(?: 0x[0-9a-f]{1,16}\b)?))`),
		slots: []slot{{group: 2, role: RoleIP, span: 1}, {group: 4, role: RoleCall, span: 3}},
	},
	{
		// s390: "Krnl PSW : 0704c00180000000 000000000012345a (func+0x../0x..)":
		// the second word is the instruction address.
		name: "s390 PSW", literal: "PSW",
		re:    lazyre.New(`PSW\s*: [0-9a-f]{16} ([0-9a-f]{16})\b`),
		slots: []slot{{group: 1, role: RoleIP}},
	},
	{
		// powerpc: "NIP [c00000000007b5a8] func+0x../0x..", "LR [c...] ...";
		// raw, "NIP [c00000000007b5a8] 0xc00000000007b5a8", the span takes
		// both so that an annotation goes where the kernel puts the symbol.
		name: "powerpc NIP/LR", also: []string{"NIP ", "LR "},
		re:    lazyre.New(`^\s*(?:NIP|LR) +(\[([0-9a-f]{8,16})\](?: 0x[0-9a-f]{1,16}\b)?)`),
		slots: []slot{{group: 2, role: RoleIP, span: 1}},
	},
	{
		// powerpc frames: "[c0000000fe0db9e0] [c000000000012345] func+0x10/0x20"
		// (stack pointer, then the return address).
		name: "powerpc frame", literal: "] [",
		re:    lazyre.New(`^\s*\[[0-9a-f]{8,16}\] (\[([0-9a-f]{8,16})\](?: 0x[0-9a-f]{1,16}\b)?)`),
		slots: []slot{{group: 2, role: RoleCall, span: 1}},
	},
	{
		// WARNING's location, raw when the kernel has no symbol for it:
		// "WARNING: CPU: 0 PID: 92 at drivers/foo.c:50 0xffffffffc00000f0".
		name: "WARNING at", literal: "WARNING:",
		re:    lazyre.New(`WARNING: CPU: \d+ PID: \d+ at (?:\S+:\d+ )?0x` + hex + `\b`),
		slots: []slot{{group: 1, role: RoleIP}},
	},
	{
		// ARM 6.x unwinder without CONFIG_BACKTRACE_VERBOSE:
		// " callee from caller+0x10/0x28 [mod]", raw " 0xbf005000 from 0xbf0050b8".
		name: "ARM callee from caller", literal: " from ", pre: armFromCandidate,
		re:    lazyre.New(`^\s*(?:0x` + hex + `|[A-Za-z_.$][\w.$]*(?: \[[\w-]+\])?) from (?:0x` + hex + `\b)?`),
		slots: []slot{{group: 1, role: RoleIP}, {group: 2, role: RoleCall}},
	},
	{
		// Bracketed addresses anywhere: x86 traces of every era
		// ("[<ffffffff8123f8e0>]", several per line in 2.4), ARM verbose
		// "[<c0123456>] (func) from [<...>]", RISC-V, s390.
		// When the kernel had no symbol it printed the address again,
		// raw: "[<f8315000>] ? 0xf8315000", s390's "([<00000000027f8000>]
		// 0x27f8000)", ARM's "[<bf005138>] (0xbf005138) from"; the span
		// then takes both, so that an annotation goes where the kernel
		// puts the symbol. The bracketed value is the one looked up:
		// kernels before 3.x printed the raw %pB form minus one
		// ("[<ffffffffa02ff000>] ? 0xffffffffa02fefff").
		name: "bracketed [<addr>]", literal: "[<",
		re:    lazyre.New(`(\[<([0-9a-f]{8,16})>\](?: (?:\? )?0x[0-9a-f]{1,16}\b| \(0x[0-9a-f]{1,16}\))?)`),
		slots: []slot{{group: 2, span: 1}},
		all:   true,
	},
	{
		// A call-trace entry the kernel could not name: " 0xffffffffc00001a2",
		// " ? 0xffffffffc025c000", arm64 "  0xffffd790b04b101c".
		// It is the whole kernel text of its line; after a prefix this
		// tool does not know, it is still the end of the line.
		name: "bare trace entry", literal: "0x", pre: bareEntryCandidate,
		// After an unknown prefix it must stand apart (two blanks, as
		// the kernel indents its trace entries): "class 0x030000",
		// "PHYS_OFFSET: 0xffffb0b700000000" or "Kernel Offset: 0x... from
		// 0xffff800008000000" end a line too, and are data.
		re:    lazyre.New(`(?:^\s*(?:\? )?0x` + hex + `\b|\s\s(?:\? )?0x` + hex + `\s*$)`),
		slots: []slot{{group: 1}, {group: 2}},
	},
}

// The literals of the formats and the cues, found in a line in one pass:
// literalMasks[i] is what lineFormats[i] needs (all of need, one of any
// when any is not zero), cueMasks[i] is archCues[i]'s literal.
var lineLiterals, literalMasks, cueMasks = compileLiterals()

type literalMask struct{ need, any uint64 }

func compileLiterals() (*literal.Set, []literalMask, []uint64) {
	var lits []string
	index := map[string]int{}
	add := func(l string) uint64 {
		i, ok := index[l]
		if !ok {
			i = len(lits)
			index[l] = i
			lits = append(lits, l)
		}
		return 1 << i
	}
	masks := make([]literalMask, len(lineFormats))
	for i, f := range lineFormats {
		if f.literal != "" {
			masks[i].need = add(f.literal)
		}
		for _, a := range f.also {
			masks[i].any |= add(a)
		}
	}
	cues := make([]uint64, len(archCues))
	for i, c := range archCues {
		cues[i] = add(c.literal)
	}
	return literal.New(lits...), masks, cues
}

// bareEntryCandidate is the bare trace entry's shape: "0x" or "? 0x"
// opening the text, or "0x" and hex digits ending it (but for blanks)
// after two blanks. Boot logs are full of "0x" elsewhere ("[mem
// 0x0000000000000000-0x...]"); this reads only the ends of the text.
func bareEntryCandidate(b []byte) bool {
	i := 0
	for i < len(b) && isRegexpSpace(b[i]) {
		i++
	}
	if bytes.HasPrefix(b[i:], []byte("0x")) || bytes.HasPrefix(b[i:], []byte("? 0x")) {
		return true
	}
	e := len(b)
	for e > 0 && isRegexpSpace(b[e-1]) {
		e--
	}
	k := e
	for k > 0 && isLowerHex(b[k-1]) {
		k--
	}
	if k == e || k < 2 || b[k-2] != '0' || b[k-1] != 'x' {
		return false
	}
	k -= 2
	if k >= 2 && isRegexpSpace(b[k-1]) && isRegexpSpace(b[k-2]) {
		return true
	}
	return k >= 4 && b[k-1] == ' ' && b[k-2] == '?' && isRegexpSpace(b[k-3]) && isRegexpSpace(b[k-4])
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// armFromCandidate is the ARM unwinder line's opening without its
// captures: one word (an address "0x..." or a name, with its "[module]")
// and then " from ". Logs say "from" in plenty of other places.
func armFromCandidate(b []byte) bool {
	i := 0
	for i < len(b) && isRegexpSpace(b[i]) {
		i++
	}
	start := i
	if bytes.HasPrefix(b[i:], []byte("0x")) {
		i += 2
		for i < len(b) && isLowerHex(b[i]) {
			i++
		}
		if i == start+2 {
			return false
		}
	} else {
		for i < len(b) && isSymbolByte(b[i]) {
			i++
		}
		if i == start || isDigit(b[start]) {
			return false
		}
		if bytes.HasPrefix(b[i:], []byte(" [")) {
			j := i + 2
			for j < len(b) && (isWordByte(b[j]) || b[j] == '-') {
				j++
			}
			if j > i+2 && j < len(b) && b[j] == ']' {
				i = j + 1
			}
		}
	}
	return bytes.HasPrefix(b[i:], []byte(" from "))
}

// A registerFormat is a register dump line: opens says a line is one, and
// values appends the bounds of each register's value in it to dst. Values
// are only worth a name when they point into code (RoleValue). Both are
// written by hand: most lines with hex digits are no register dump, and a
// regexp over the register names costs more than the line's other tests.
type registerFormat struct {
	name   string
	opens  func(body []byte) bool
	values func(body []byte, dst [][2]int) [][2]int
}

// registerNames are the general-purpose registers of the dumps the kernel
// prints (x86-64, i386, arm64, ARM, RISC-V, powerpc specials). Segment
// registers are left out; "sp" is there so that ARM's "sp : ... ip : ...
// fp : ..." line is recognised (a stack value never resolves to code).
var registerNames = func() map[string]bool {
	names := strings.Fields("sp RAX RBX RCX RDX RSI RDI RBP R8 R9 R10 R11 R12 R13 R14 R15 " +
		"EAX EBX ECX EDX ESI EDI EBP fp ip ra gp tp epc CTR LR NIP")
	for i := range 31 {
		names = append(names, fmt.Sprintf("x%d", i))
	}
	for i := range 11 {
		names = append(names, fmt.Sprintf("r%d", i))
	}
	for i := range 7 {
		names = append(names, fmt.Sprintf("t%d", i))
	}
	for i := range 12 {
		names = append(names, fmt.Sprintf("s%d", i))
	}
	for i := range 8 {
		names = append(names, fmt.Sprintf("a%d", i))
	}
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return set
}()

var registerFormats = []registerFormat{
	{
		// "RAX: 0000000000000000 RBX: ffffc900003a3c58", "x29: ffff800008453980
		// x28: ...", "r10: c1c2d3c4  r9 : 00000000", "epc : ffffffff80123456".
		name:   "register pairs",
		opens:  opensWithRegister,
		values: registerValues,
	},
	{
		// powerpc: "GPR04: c000000001234567 0000000000000000 ...".
		name:   "powerpc GPRs",
		opens:  opensWithGPR,
		values: gprValues,
	},
}

// opensWithRegister reports a line whose text opens with a register and
// its value, "RAX: 0000000000000000" or "r9 : 00000000", after blanks.
func opensWithRegister(b []byte) bool {
	i := 0
	for i < len(b) && isRegexpSpace(b[i]) {
		i++
	}
	_, _, ok := registerValueAt(b, i)
	return ok
}

// registerValueAt matches a register and its value at b[i:]: a register's
// name, an optional blank, a colon, an optional space, then eight or
// sixteen lower-case hex digits as a whole word. It returns the value's
// bounds.
func registerValueAt(b []byte, i int) (vs, ve int, ok bool) {
	j := i
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z') {
		j++
	}
	name := b[i:j]
	if j < len(b) && isRegexpSpace(b[j]) {
		j++
	}
	// The colon first: most words are no register's, and have none after
	// them; the name is looked up only where one follows.
	if len(name) == 0 || j >= len(b) || b[j] != ':' || !registerNames[string(name)] {
		return 0, 0, false
	}
	j++
	if j < len(b) && b[j] == ' ' {
		j++
	}
	n := hexWordAt(b, j)
	if n == 0 {
		return 0, 0, false
	}
	return j, j + n, true
}

// registerValues appends the value of every register of a dump line:
// each name starts the text or follows a blank.
func registerValues(b []byte, dst [][2]int) [][2]int {
	for i := 0; i < len(b); {
		if i > 0 && !isRegexpSpace(b[i-1]) {
			i++
			continue
		}
		if vs, ve, ok := registerValueAt(b, i); ok {
			dst = append(dst, [2]int{vs, ve})
			i = ve + 1 // the blank after a value opens no match of its own
			continue
		}
		i++
	}
	return dst
}

// gprValues appends powerpc's GPR values: every hex word of eight or
// sixteen digits after a blank.
func gprValues(b []byte, dst [][2]int) [][2]int {
	for i := 1; i < len(b); {
		if !isRegexpSpace(b[i-1]) {
			i++
			continue
		}
		if n := hexWordAt(b, i); n > 0 {
			dst = append(dst, [2]int{i, i + n})
			i += n + 1
			continue
		}
		i++
	}
	return dst
}

// opensWithGPR reports powerpc's "GPR04: " opening a line.
func opensWithGPR(b []byte) bool {
	i := 0
	for i < len(b) && isRegexpSpace(b[i]) {
		i++
	}
	b = b[i:]
	return len(b) >= 7 && string(b[:3]) == "GPR" && isDigit(b[3]) && isDigit(b[4]) && b[5] == ':' && b[6] == ' '
}

// hexWordAt returns the length of the eight or sixteen lower-case hex
// digits at b[i:] that end a word (regexp's ([0-9a-f]{8}|[0-9a-f]{16})\b),
// or 0.
func hexWordAt(b []byte, i int) int {
	n := 0
	for i+n < len(b) && n <= 16 && (isDigit(b[i+n]) || b[i+n] >= 'a' && b[i+n] <= 'f') {
		n++
	}
	if n != 8 && n != 16 || i+n < len(b) && isWordByte(b[i+n]) {
		return 0
	}
	return n
}

// isRegexpSpace is regexp's \s: [\t\n\f\r ].
func isRegexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isWordByte is regexp's \w: [0-9A-Za-z_].
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
