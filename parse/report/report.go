package report

import (
	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A Report is one kernel report found in a log: an oops, BUG, WARNING,
// panic, sanitizer finding, lockdep splat, hung task, RCU stall or leak.
type Report struct {
	// Title is a one-line summary in syzkaller's conventions ("KASAN:
	// use-after-free Read in tty_release"), normalised so that the same
	// bug gives the same title on every run: numbers, addresses and
	// offsets are replaced by NUM, ADDR, and the like.
	Title string
	// Type is the crash class ("WARNING", "KASAN-USE-AFTER-FREE-READ",
	// "NULL-POINTER-DEREFERENCE", "HANG", "LOCKDEP", "DoS", ...), as
	// syzkaller names it where it names one.
	Type string
	// Frame is the guilty function: the first frame of the stack that is
	// not part of the reporting machinery or a generic helper; "" when
	// the report has none.
	Frame string
	// Frames is the report's main stack, innermost first: the faulting
	// instruction (RIP, pc, NIP, epc) when the report has one, then the
	// call trace.
	Frames []Frame
	// Comm, PID and CPU are the task and processor the kernel reported
	// the problem on; PID and CPU are -1 when the log does not say.
	Comm     string
	PID, CPU int
	// Taint is the kernel's taint flags at the time ("GWOE"), "" when it
	// printed "Not tainted" or nothing.
	Taint string
	// Release is the kernel release as printed ("6.1.0-56-amd64").
	Release string
	// Modules are the modules of "Modules linked in:", in its order.
	Modules []string
	// Panicked is true when the kernel panicked in or right after the
	// report ("Kernel panic - not syncing").
	Panicked bool
	// Corrupted is true when the report is unreliable: cut short,
	// interleaved with other output, or without the stack its kind needs.
	// CorruptedReason says why.
	Corrupted       bool
	CorruptedReason string
	// Start and End are byte offsets in the input: the report is
	// input[Start:End], whole lines. StartLine is the 1-based number of
	// its first line.
	Start, End int64
	StartLine  int
	// Lines is how many lines the report spans. Truncated is true when it
	// had more than the extractor holds (Options.MaxLines), so that the
	// fields were taken from its first lines only.
	Lines     int
	Truncated bool
	// Arch is the architecture the report comes from, as far as the log
	// shows it.
	Arch parse.Arch
}

// A Frame is one entry of a stack trace.
type Frame struct {
	// Address is the address the kernel printed, 0 when it printed only
	// a symbol.
	Address uint64
	// Name, Offset, Size and Module are the symbol: printed by the kernel
	// ("name+0xoff/0xsize [module]"), or resolved from a symbol table
	// when the kernel printed a raw address (then Resolved is true).
	Name         string
	Offset, Size uint64
	Module       string
	Resolved     bool
	// Reliable is false for the entries the unwinder marks as guesses
	// ("? func+0x1/0x2", powerpc's "(unreliable)").
	Reliable bool
	// File, Line and Inlined are present when the log itself was
	// symbolized to source lines ("func+0x1/0x2 net/core/dev.c:123",
	// "func net/core/dev.c:123 [inline]").
	File    string
	Line    int
	Inlined bool
	// IP is true for the faulting instruction (RIP, pc, NIP, epc ...),
	// false for call-trace entries.
	IP bool
}

// A Named is the symbol a caller resolved for a raw address of a line
// (see Extractor.LineNamed): At is the byte offset in the line where the
// address's text starts, as parse.Token.Start gives it.
type Named struct {
	At     int
	Symbol parse.PrintedSymbol
}

// Options configure an Extractor.
type Options struct {
	// Arch fixes the architecture of the log; ArchUnknown lets the
	// extractor learn it from the log.
	Arch parse.Arch
	// MaxLines bounds the lines held per report (DefaultMaxLines when
	// zero). A longer report is still found and delimited, but its fields
	// come from its first MaxLines lines, and Truncated is set.
	MaxLines int
}

// DefaultMaxLines is the number of lines held per report by default: the
// longest real reports (RCU stalls dumping every CPU, lockdep listing
// every held lock) are a few thousand lines.
const DefaultMaxLines = 4000

// maxHeldLine bounds the bytes kept of one line: no header, frame or field
// the analysis reads is longer, and a console that lost its newlines must
// not make a report hold megabytes.
const maxHeldLine = 1024
