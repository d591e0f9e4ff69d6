package report

import (
	"bytes"
)

// isEndMarker reports the line the kernel prints last in a report:
// "---[ end trace 0000000000000000 ]---", "---[ end Kernel panic - not
// syncing: ... ]---".
func isEndMarker(body []byte) bool {
	b := bytes.TrimLeft(body, " \t")
	return bytes.HasPrefix(b, []byte("---[ end trace")) || bytes.HasPrefix(b, []byte("---[ end Kernel panic"))
}

// reportVocabulary are the starts of lines that only a report prints
// (blanks trimmed): register dumps, the task line, lockdep's and the
// sanitizers' explanations. A line that starts with one of them keeps a
// report open; too many lines in a row without one end it.
var reportVocabulary = []string{
	"Call Trace", "Call trace:", "Backtrace:", "stack backtrace:", "backtrace:", "<TASK>", "</TASK>", "<IRQ>", "</IRQ>",
	"<NMI>", "</NMI>", "<EOI>", "<SOFTIRQ>", "</SOFTIRQ>", "---[ ", "------------[ cut here ]",
	"CPU: ", "Hardware name: ", "Modules linked in:", "Code: ", "Code ", "RIP: ", "EIP: ", "RSP: ", "ESP: ", "EFLAGS: ",
	"FS: ", "CS: ", "DS: ", "CR2: ", "DR0: ", "DR3: ", "DR6: ", "PKRU: ", "Stack:", "PGD ", "#PF: ", "Oops", "Internal error",
	"Kernel Offset:", "PHYS_OFFSET:", "CPU features:", "Memory Limit:", "Dumping ftrace buffer:", "(ftrace buffer empty)",
	"Rebooting in ", "Kernel panic", "pc : ", "lr : ", "sp : ", "pstate: ", "Mem abort info:", "ESR = ", "EC = ", "SET = ",
	"FAR = ", "EA = ", "S1PTW = ", "FSC = ", "Data abort info:", "ISV = ", "CM = ", "GCS = ", "user pgtable:",
	"swapper pgtable:", "PC is at ", "LR is at ", "psr: ", "Flags: ", "Control: ", "Process ", "Stack: (", "Exception stack(",
	"NIP", "LR ", "REGS: ", "MSR: ", "CFAR: ", "GPR", "IRQMASK: ", "Instruction dump:", "epc : ", " ra : ", "status: ",
	"Krnl PSW", "Krnl GPRS:", "Krnl Code:", "Last Breaking-Event-Address:", "irq event stamp:", "hardirqs last",
	"softirqs last", "other info that might help", "Possible unsafe locking scenario", "*** DEADLOCK ***",
	"Chain exists of:", "the existing dependency chain", "which lock already depends", "but task is already holding",
	"is trying to acquire", "lock(", "-> #", "Showing all locks held", "INFO: lockdep is turned off", "no locks held by",
	"locks held by", "lock held by", "#0:", "#1:", "#2:", "#3:", "#4:", "Read of size", "Write of size", "Allocated by",
	"Freed by", "The buggy address", "Memory state around", "page:", "flags:", "raw: ", "page dumped because",
	"page_owner", "Uninit was", "Local variable", "Bytes ", "NMI backtrace for cpu", "Sending NMI from CPU",
	"rcu: ", "rcu_", "Task dump for CPU", "task:", "Showing busy workqueues", "workqueue ", "pool ", "in-flight:",
	"Disabling lock debugging", "unreferenced object", "comm \"", "hex dump", "kasan:", "KASAN:", "kmemleak:",
	"Object ", "Redzone ", "Padding ", "INFO: ", "BUG: ", "WARNING: ", "ODEBUG:", "UBSAN:", "index ", "shift exponent",
	"signed integer overflow", "load of value", "invalid opcode", "general protection fault", "divide error",
	"Unable to handle", "Internal error:", "Fixing recursive fault", "note: ", "Kernel BUG", "kernel BUG",
	"Register ", "r10:", "r7 :", "r3 :",
}

// reportVocabularyIndex finds the reportVocabulary a line starts with.
var reportVocabularyIndex = prefixList[string]{list: reportVocabulary, prefix: itself}

// afterEndVocabulary are the starts of the lines afterEnd keeps (blanks
// trimmed).
var afterEndVocabulary = prefixList[string]{prefix: itself, list: []string{"RIP: ", "EIP: ", "Code: ", "RSP: ", "ESP: ", "FS: ", "CS: ", "DS: ",
	"CR2: ", "DR0: ", "DR3: ", "DR6: ", "PKRU: ", "Kernel Offset:", "PHYS_OFFSET:", "CPU features:", "Memory Limit:",
	"---[ end Kernel panic", "Rebooting in ", "Dumping ftrace buffer:", "(ftrace buffer empty)", "note: ",
	"Fixing recursive fault"}}

// isRegisterLine reports a register dump line: "RAX: 0000000000000000
// RBX:", "x29: ffff800008453980 x28:", "r10: c1c2d3c4  r9 : 00000000",
// "GPR04:". It is `^\s*[A-Za-z][A-Za-z0-9]{0,4}\s?: ?[0-9a-f]{8,16}\b`.
func isRegisterLine(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || !isLetter(b[i]) {
		return false
	}
	j := i + 1
	for j < len(b) && (isLetter(b[j]) || isDigit(b[j])) {
		j++
	}
	if j-i > 5 {
		return false
	}
	if j < len(b) && isSpace(b[j]) {
		j++
	}
	if j >= len(b) || b[j] != ':' {
		return false
	}
	j++
	if j < len(b) && b[j] == ' ' {
		j++
	}
	k := j
	for k < len(b) && isLowerHex(b[k]) {
		k++
	}
	return k-j >= 8 && k-j <= 16 && (k == len(b) || !isWordByte(b[k]))
}

// isHexDumpLine reports a line of a stack or memory dump: "1ac0: 80275518
// 802a0f18 ...", "ffff88801d5b7f00: fa fb fb fb". It is
// `^\s*[0-9a-f]{4,16}: (?: *[0-9a-f]{2,16})+`.
func isHexDumpLine(b []byte) bool {
	i := skipSpace(b, 0)
	j := i
	for j < len(b) && isLowerHex(b[j]) {
		j++
	}
	if j-i < 4 || j-i > 16 || j+1 >= len(b) || b[j] != ':' || b[j+1] != ' ' {
		return false
	}
	j += 2
	for j < len(b) && b[j] == ' ' {
		j++
	}
	return j+1 < len(b) && isLowerHex(b[j]) && isLowerHex(b[j+1])
}

// skipSpace returns the index of the first byte of b[i:] that is not in
// \s ([\t\n\f\r ]).
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool    { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
func isLetter(c byte) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isLowerHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
func isWordByte(c byte) bool { return c == '_' || isLetter(c) || isDigit(c) }

// reportish reports whether ln's body is the kind of line a report is
// made of: a frame, a register dump, an indented continuation, a blank, or
// a line of the reports' vocabulary. When it is not, classifyFrame found
// it no frame (or other line kind) either.
func reportish(ln *lineInfo) bool {
	body := ln.body
	if len(bytes.TrimSpace(body)) == 0 || body[0] == ' ' || body[0] == '\t' {
		return true
	}
	if reportVocabularyIndex.find(body) >= 0 {
		return true
	}
	if k, _, ok := classifyFrameFound(body, ln.literals()); ok || k != lineOther {
		return true
	}
	return isRegisterLine(body) || isHexDumpLine(body)
}

// afterEnd reports the lines the kernel prints after a report's end
// marker that still belong to the crash: x86 repeats the first oops's
// RIP, Code and registers; a panic prints its offsets and its own end.
func afterEnd(body []byte) bool {
	b := bytes.TrimLeft(body, " \t")
	if afterEndVocabulary.find(b) >= 0 {
		return true
	}
	return isRegisterLine(b)
}
