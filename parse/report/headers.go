package report

import (
	"bytes"
	"math/bits"
	"regexp"
)

// headerFlags say how a header relates to the reports around it.
type headerFlags uint16

const (
	// continues: the header is a later line of a report that an earlier
	// header opened ("Oops: 0002 [#1]" after "BUG: kernel NULL pointer
	// dereference"); it opens a report only when none is open.
	continues headerFlags = 1 << iota
	// panics: a panic. It joins the report it follows, which then
	// panicked.
	panics
	// anyContext: the report prints from several tasks and CPUs (stalls,
	// hung tasks), so lines with another printk caller id are its own.
	anyContext
	// atStart: the header is only a header at the start of the kernel's
	// text, not after other text on its line.
	atStart
	// headerFrame: when the stack names no guilty frame, the function
	// the header names (the re group "fn") is the guilty one.
	headerFrame
	// absorbs: the kernel follows this header with another one for the
	// same crash ("skbuff: skb_over_panic" with "kernel BUG at"), which
	// joins the report until its stack starts.
	absorbs
	// stackFirst: the report's stack follows its header directly, with
	// no "Call Trace:" (KMSAN, KFENCE).
	stackFirst
	// weak: the header does not interrupt a report that is open: it is
	// printed by other CPUs in the middle of long reports, or it is a
	// complaint of user space.
	weak
	// notFirst: the header is one only after other lines of the log.
	notFirst
	// noStack: the report is whole without a call trace.
	noStack
	// textIfNoFrame: when no frame can be blamed, the title is the
	// header's own text rather than "... in corrupted".
	textIfNoFrame
)

// A header is a line that opens a kernel report, and how the report's
// title is made.
type header struct {
	// literal is the header's fixed start: the line holds the header
	// where it holds literal, and pat (when set) must match from there.
	literal string
	// pat is a regular expression that re compiles on first use.
	pat      string
	compiled pattern
	// title is the title's template: $1 or ${name} are re's groups,
	// {frame} the guilty frame, {access} KASAN's "Read" or "Write",
	// {text} the header's own text, normalised.
	title string
	// guilty says where the guilty frame comes from.
	guilty guiltyRule
	flags  headerFlags
	// classes refine the title by the location the header names (the
	// re groups "file" and "fn"): a WARNING in lib/refcount.c is a
	// refcount bug. The first class that matches wins.
	classes []locClass
	// detailPat, when set, is a later line of the report that names the
	// function (its group "fn") instead of the header; detail compiles
	// it.
	detailPat      string
	compiledDetail pattern
	// skip, when set, matches more functions not to blame for this
	// kind of report.
	skip *pattern
}

// A locClass titles the reports of one source location.
type locClass struct {
	file  string // the location's file ends with it ("" any)
	fn    string // the function at the location starts with it ("" any)
	title string
	// checker: the function at the location is a generic check (the
	// refcount or list code, usb_submit_urb's sanity checks), not to
	// blame; its caller is.
	checker bool
	// skip, when set, matches more functions not to blame for this
	// class of report.
	skip *pattern
}

// odebugSkip: a debugobjects report fires in the API the object was
// handed to (call_rcu), not in its misuser.
var odebugSkip = &pattern{Src: `^(?:__)?call_rcu\w*$|^kfree_call_rcu$|^init_timer\w*$|^__init_timer\w*$`}

// warningClasses title WARNINGs by where they fire: generic checkers
// whose own name says nothing of the bug.
var warningClasses = []locClass{
	{file: "lib/refcount.c", title: "WARNING: refcount bug in {frame}", checker: true},
	{file: "lib/debugobjects.c", title: "WARNING: ODEBUG bug in {frame}", checker: true, skip: odebugSkip},
	{file: "kernel/locking/lockdep.c", title: "WARNING: locking bug in {frame}", checker: true},
	{file: "fs/proc/generic.c", fn: "proc_register", title: "WARNING: proc registration bug in {frame}", checker: true},
	{file: "lib/kobject.c", title: "WARNING: kobject bug in {frame}", checker: true},
	{file: "mm/usercopy.c", title: "WARNING: bad usercopy in {frame}", checker: true},
	{fn: "kmalloc_slab", title: "WARNING: kmalloc bug in {frame}", checker: true},
	{fn: "kvmalloc_node", title: "WARNING: kmalloc bug in {frame}", checker: true},
	{fn: "__vmalloc_node_range", title: "WARNING: zero-size vmalloc in {frame}", checker: true},
	{file: "drivers/usb/core/urb.c", fn: "usb_submit_urb", title: "WARNING in {frame}/usb_submit_urb", checker: true},
	{title: "WARNING in {frame}"},
}

// bugClasses title "kernel BUG at" reports by the file whose check fired.
var bugClasses = []locClass{
	{file: "lib/list_debug.c", title: "BUG: corrupted list in {frame}", checker: true},
	{file: "mm/usercopy.c", title: "BUG: bad usercopy in {frame}", checker: true},
	{title: "kernel BUG in {frame}"},
}

// re returns h's pattern compiled, or nil when it has none. Every header
// pattern is matched at its literal, so it is anchored there.
func (h *header) re() *regexp.Regexp {
	if h.pat == "" {
		return nil
	}
	return h.compiled.GetFrom(func() string { return `^(?:` + h.pat + `)` })
}

// detail returns h's detail pattern compiled, or nil when it has none.
func (h *header) detail() *regexp.Regexp {
	if h.detailPat == "" {
		return nil
	}
	return h.compiledDetail.GetFrom(func() string { return `^(?:` + h.detailPat + `)` })
}

// headers are the lines that open a kernel report, most specific first:
// the first that matches a line decides.
var headers = [...]header{
	// Sanitizers.
	{literal: "BUG: KASAN: ", pat: `BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in (?P<fn>[\w.]+)`, title: "KASAN: invalid-free in {frame}", guilty: guiltyMain, flags: headerFrame},
	{literal: "BUG: KASAN: ", pat: `BUG: KASAN: (\S+) on address`, title: "KASAN: $1 {access}", guilty: guiltyNone},
	{literal: "BUG: KASAN: ", pat: `BUG: KASAN: (\S+) in (?P<fn>[\w.]+)`, title: "KASAN: $1 {access} in {frame}", guilty: guiltyMain, flags: headerFrame},
	{literal: "BUG: KASAN: ", title: "{text}", guilty: guiltyNone},
	{literal: "BUG: KMSAN: ", pat: `BUG: KMSAN: (\S+) in (?P<fn>[\w.]+)`, title: "KMSAN: $1 in {frame}", guilty: guiltyMain, flags: headerFrame | stackFirst},
	{literal: "BUG: KFENCE: ", pat: `BUG: KFENCE: (.+?) in (?P<fn>[\w.]+)`, title: "KFENCE: $1 in {frame}", guilty: guiltyMain, flags: headerFrame | stackFirst},
	{literal: "BUG: KCSAN: ", pat: `BUG: KCSAN: [\w:-]+(?: [\w-]+)* in (?P<fn>[\w.]+)`, title: "{text}", guilty: guiltyNone, flags: noStack},
	{literal: "BUG: KCSAN: ", title: "{text}", guilty: guiltyNone, flags: noStack},
	{literal: "UBSAN: Undefined behaviour in ", title: "UBSAN: undefined-behaviour in {frame}", guilty: guiltyMain},
	{literal: "UBSAN: ", pat: `UBSAN: ([a-z-]+) in `, title: "UBSAN: $1 in {frame}", guilty: guiltyMain},
	{literal: "INFO: Allocated in ", title: "{text}", guilty: guiltyNone},
	{literal: "INFO: Freed in ", title: "{text}", guilty: guiltyNone},

	// Faults.
	{literal: "BUG: unable to handle kernel NULL pointer dereference", title: "BUG: unable to handle kernel NULL pointer dereference in {frame}", guilty: guiltyMain},
	{literal: "BUG: kernel NULL pointer dereference", title: "BUG: unable to handle kernel NULL pointer dereference in {frame}", guilty: guiltyMain},
	{literal: "BUG: unable to handle kernel paging request", title: "BUG: unable to handle kernel paging request in {frame}", guilty: guiltyMain},
	{literal: "BUG: unable to handle page fault", title: "BUG: unable to handle kernel paging request in {frame}", guilty: guiltyMain},
	{literal: "BUG: unable to handle kernel", title: "BUG: unable to handle kernel", guilty: guiltyNone},
	{literal: "Unable to handle kernel NULL pointer dereference", title: "BUG: unable to handle kernel NULL pointer dereference in {frame}", guilty: guiltyMain},
	{literal: "Unable to handle kernel paging request", title: "BUG: unable to handle kernel paging request in {frame}", guilty: guiltyMain},
	{literal: "Unable to handle kernel access to user memory", title: "BUG: unable to handle kernel access to user memory in {frame}", guilty: guiltyMain},
	{literal: "Unable to handle kernel ", title: "BUG: unable to handle kernel paging request in {frame}", guilty: guiltyMain},
	{literal: "general protection fault", title: "general protection fault in {frame}", guilty: guiltyMain},
	{literal: "Oops: general protection fault", title: "general protection fault in {frame}", guilty: guiltyMain},
	{literal: "segment-related general protection fault", title: "general protection fault in {frame}", guilty: guiltyMain},
	{literal: "kernel BUG at ", pat: `kernel BUG at (?P<file>[^:\s]+):`, classes: bugClasses, guilty: guiltyMain},
	{literal: "Kernel BUG at ", pat: `Kernel BUG at (?P<file>[^:\s]+)`, classes: bugClasses, guilty: guiltyMain},
	{literal: "skbuff: skb_", pat: `skbuff: skb_(?:over|under)_panic`, title: "kernel BUG in {frame}", guilty: guiltyMain, flags: absorbs},
	{literal: "divide error: ", title: "divide error in {frame}", guilty: guiltyMain},
	{literal: "divide_error: ", title: "divide error in {frame}", guilty: guiltyMain},
	{literal: "PANIC: double fault", title: "PANIC: double fault in {frame}", guilty: guiltyMain},
	{literal: "stack segment: ", title: "stack segment fault in {frame}", guilty: guiltyMain},
	{literal: "Oops: int3: ", title: "int3 in {frame}", guilty: guiltyMain},
	{literal: "int3: ", title: "int3 in {frame}", guilty: guiltyMain},
	{literal: "Oops: invalid opcode: ", title: "invalid opcode in {frame}", guilty: guiltyMain, flags: continues},
	{literal: "invalid opcode: ", title: "invalid opcode in {frame}", guilty: guiltyMain, flags: continues},
	{literal: "Oops: ", title: "Oops in {frame}", guilty: guiltyMain, flags: continues},
	{literal: "Oops#", title: "Oops in {frame}", guilty: guiltyMain, flags: continues},
	{literal: "Internal error: ", title: "Internal error in {frame}", guilty: guiltyMain, flags: continues},
	{literal: "Unhandled fault: ", title: "Unhandled fault in {frame}", guilty: guiltyMain},
	{literal: "Alignment trap: ", title: "Alignment trap in {frame}", guilty: guiltyMain},
	{literal: "BUG: stack guard page was hit", title: "BUG: stack guard page was hit in {frame}", guilty: guiltyOverflow},
	{literal: "BUG: TASK stack guard page was hit", title: "BUG: stack guard page was hit in {frame}", guilty: guiltyOverflow},

	// A Rust panic (the kernel BUG that follows is its own way to stop).
	{literal: "attempt to ", pat: `attempt to (\w+(?: \w+)?) with overflow`, title: "attempt to $1 with overflow in {frame}", guilty: guiltyMain, flags: atStart | absorbs},

	// Panics. A panic right after a report is part of it; alone, it is
	// titled by its message.
	{literal: "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ", pat: `Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: (?P<fn>[A-Za-z_][\w.]*)`, title: "kernel panic: stack is corrupted in {frame}", guilty: guiltyNamed, flags: panics | noStack},
	{literal: "Kernel panic - not syncing: stack-protector: ", title: "kernel panic: stack is corrupted in {frame}", guilty: guiltyMain, flags: panics},
	{literal: "Kernel panic - not syncing: corrupted stack end detected inside scheduler", title: "kernel panic: corrupted stack end in {frame}", guilty: guiltyStall, flags: panics},
	{literal: "Kernel panic - not syncing: kernel stack overflow", title: "kernel stack overflow in {frame}", guilty: guiltyOverflow, flags: panics},
	{literal: "Kernel panic - not syncing: Attempted to kill init!", title: "kernel panic: Attempted to kill init!", flags: panics},
	{literal: "Kernel panic - not syncing: Couldn't open N_TTY ldisc", title: "kernel panic: Couldn't open N_TTY ldisc", flags: panics},
	{literal: "Kernel panic - not syncing: Fatal exception", title: "kernel panic: Fatal exception", flags: panics},
	// A crash asked for: no stack is missing when a kernel that already
	// oopsed prints none.
	{literal: "Kernel panic - not syncing: sysrq triggered crash", title: "kernel panic: sysrq triggered crash", flags: panics | noStack},
	{literal: "Kernel panic - not syncing: panic_on_warn set", title: "kernel panic: panic_on_warn set", flags: panics},
	{literal: "Kernel panic - not syncing: ", pat: `Kernel panic - not syncing: (.*)`, title: "kernel panic: $1", flags: panics},

	// Hangs and stalls.
	{literal: "INFO: task ", pat: `INFO: task .*can't die for more than`, title: "INFO: task can't die in {frame}", guilty: guiltyHang, flags: anyContext},
	{literal: "INFO: task ", pat: `INFO: task .*blocked .*for more than`, title: "INFO: task hung in {frame}", guilty: guiltyHang, flags: anyContext},
	// The task's name may be garbled, or its line cut: still a hang.
	{literal: "INFO: task ", title: "INFO: task hung in {frame}", guilty: guiltyHang, flags: anyContext},
	{literal: "INFO: rcu_", pat: `INFO: rcu_\w+ (?:self-)?detected (?:expedited )?stalls?`, title: "INFO: rcu detected stall in {frame}", guilty: guiltyStall, flags: anyContext},
	{literal: "INFO: rcu_tasks detected stalls", title: "INFO: rcu detected stall in {frame}", guilty: guiltyStall, flags: anyContext},
	{literal: "BUG: soft lockup", title: "BUG: soft lockup in {frame}", guilty: guiltyLockup, flags: anyContext},
	{literal: "BUG: workqueue lockup", title: "BUG: workqueue lockup", flags: anyContext | noStack},
	{literal: "watchdog: Watchdog detected hard LOCKUP", title: "watchdog: Watchdog detected hard LOCKUP in {frame}", guilty: guiltyStall, flags: anyContext},
	{literal: "unregister_netdevice: waiting for ", title: "unregister_netdevice: waiting for DEV to become free", flags: weak | noStack},

	// Lockdep and friends.
	{literal: "WARNING: possible circular locking dependency detected", title: "possible deadlock in {frame}", guilty: guiltyLocks, flags: textIfNoFrame},
	{literal: "INFO: possible circular locking dependency detected", title: "possible deadlock in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: possible recursive locking detected", title: "possible deadlock in {frame}", guilty: guiltyLocks},
	{literal: "INFO: possible recursive locking detected", title: "possible deadlock in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: possible irq lock inversion dependency detected", title: "possible deadlock in {frame}", guilty: guiltyLocks},
	{literal: "INFO: possible irq lock inversion dependency detected", title: "possible deadlock in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: ", pat: `WARNING: [A-Z]+-safe -> [A-Z]+-unsafe lock order detected`, title: "possible deadlock in {frame}", guilty: guiltyIrqSafe},
	{literal: "INFO: ", pat: `INFO: [A-Z]+-safe -> [A-Z]+-unsafe lock order detected`, title: "possible deadlock in {frame}", guilty: guiltyIrqSafe},
	{literal: "WARNING: inconsistent lock state", title: "inconsistent lock state in {frame}", guilty: guiltyLocks},
	{literal: "INFO: inconsistent lock state", title: "inconsistent lock state in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: suspicious RCU usage", title: "WARNING: suspicious RCU usage in {frame}", guilty: guiltyLockdep, flags: textIfNoFrame},
	{literal: "INFO: suspicious RCU usage", title: "INFO: suspicious RCU usage in {frame}", guilty: guiltyLockdep},
	{literal: "INFO: trying to register non-static key", title: "INFO: trying to register non-static key in {frame}", guilty: guiltyLockdep},
	{literal: "BUG: bad unlock balance detected!", title: "BUG: bad unlock balance in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: bad unlock balance detected!", title: "WARNING: bad unlock balance in {frame}", guilty: guiltyLocks},
	{literal: "BUG: held lock freed!", title: "BUG: held lock freed in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: held lock freed!", title: "WARNING: held lock freed in {frame}", guilty: guiltyLocks},
	{literal: "BUG: lock held when returning to user space!", title: "BUG: lock held when returning to user space in {frame}", guilty: guiltyLocks, flags: noStack},
	{literal: "WARNING: lock held when returning to user space!", title: "WARNING: lock held when returning to user space in {frame}", guilty: guiltyLocks, flags: noStack},
	{literal: "BUG: ", pat: `BUG: \S+ still has locks held!`, title: "BUG: still has locks held in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: ", pat: `WARNING: \S+ still has locks held!`, title: "WARNING: still has locks held in {frame}", guilty: guiltyLocks},
	{literal: "WARNING: Nested lock was not taken", title: "WARNING: nested lock was not taken in {frame}", guilty: guiltyLockdep},
	{literal: "BUG: Invalid wait context", title: "WARNING: locking bug in {frame}", guilty: guiltyLockdep},
	{literal: "DEBUG_LOCKS_WARN_ON(", title: "WARNING: locking bug in {frame}", guilty: guiltyMain, flags: absorbs | continues},
	{literal: "BUG: MAX_STACK_TRACE_ENTRIES too low!", title: "BUG: MAX_STACK_TRACE_ENTRIES too low!", flags: noStack},
	{literal: "BUG: MAX_LOCKDEP_", pat: `BUG: (MAX_LOCKDEP_\w+ too low!)`, title: "BUG: $1", flags: noStack},
	{literal: "BUG: spinlock ", pat: `BUG: spinlock (.+?) on CPU`, title: "BUG: spinlock $1 in {frame}", guilty: guiltyMain},
	{literal: "BUG: rwlock ", pat: `BUG: rwlock (.+?) on CPU`, title: "BUG: rwlock $1 in {frame}", guilty: guiltyMain},

	// Scheduling and context checks.
	{literal: "BUG: scheduling while atomic", title: "BUG: scheduling while atomic in {frame}", guilty: guiltyMain},
	{literal: "BUG: sleeping function called from invalid context", title: "BUG: sleeping function called from invalid context in {frame}", guilty: guiltyMain},
	{literal: "BUG: using ", pat: `BUG: using (\S+) in preemptible`, title: "BUG: using $1 in preemptible code in {frame}", guilty: guiltyMain},
	{literal: "BUG: workqueue leaked lock or atomic", title: "BUG: workqueue leaked lock or atomic in {frame}", guilty: guiltyNamed, detailPat: `\s*last function: (?P<fn>[\w.]+)`, flags: noStack},

	// Memory management.
	{literal: "BUG: Bad page state", title: "BUG: Bad page state in {frame}", guilty: guiltyMain},
	{literal: "BUG: Bad page map", title: "BUG: Bad page map", flags: noStack},
	{literal: "BUG: Bad rss-counter state", title: "BUG: Bad rss-counter state", flags: noStack},
	{literal: "BUG: Dentry ", pat: `BUG: Dentry .*still in use`, title: "BUG: Dentry still in use in unmount", flags: noStack},
	{literal: "unreferenced object 0x", title: "memory leak in {frame}", guilty: guiltyLeak, flags: continues},
	{literal: "BUG: memory leak", title: "memory leak in {frame}", guilty: guiltyLeak, flags: absorbs},
	{literal: "BUG ", pat: `BUG [\w-]+ \([^)]*\): Object already free`, title: "BUG: Object already free"},
	{literal: "VFS: Busy inodes after unmount", title: "VFS: Busy inodes after unmount (use-after-free)", flags: noStack},
	{literal: "VFS: Close: file count is 0", title: "VFS: Close: file count is zero (use-after-free)", flags: noStack},

	// WARNINGs, by location; the other WARNINGs last.
	{literal: "WARNING: CPU: ", pat: `WARNING: CPU: \d+ PID: -?\d+ at (?P<file>\S+?)(?::\d+)? (?P<fn>[\w.]*)`, classes: warningClasses, guilty: guiltyMain},
	{literal: "WARNING: at ", pat: `WARNING: at (?P<file>\S+?)(?::\d+)? (?P<fn>[\w.]*)`, classes: warningClasses, guilty: guiltyMain},
	{literal: "WARNING: ", pat: `WARNING: (?:\[.*?\] )?(?P<file>[\w./-]+\.[ch]):\d+ at (?P<fn>[\w.]*)`, classes: warningClasses, guilty: guiltyMain},
	// With hashed pointers ("(ptrval)") both kinds read the same.
	{literal: "WARNING: kernel stack ", pat: `WARNING: kernel stack (?:regs|frame pointer) at +\(_*ptrval_*\)`, title: "WARNING: kernel stack regs has bad value", flags: noStack},
	{literal: "WARNING: kernel stack regs at ", pat: `WARNING: kernel stack regs at .* has bad 'bp' value`, title: "WARNING: kernel stack regs has bad 'bp' value", flags: noStack},
	{literal: "WARNING: kernel stack regs at ", title: "WARNING: kernel stack regs has bad value", flags: noStack},
	{literal: "WARNING: kernel stack frame pointer at ", title: "WARNING: kernel stack frame pointer has bad value", flags: noStack},
	{literal: "ODEBUG: ", pat: `ODEBUG: \w+ (?:active|not available|destroyed|activate)`, title: "WARNING: ODEBUG bug in {frame}", guilty: guiltyMain, flags: absorbs | continues, skip: odebugSkip},

	// The machine's firmware starting over: the kernel rebooted without a
	// word. (Not at the start of a log: the banner of the first boot.)
	{literal: "SeaBIOS (version ", title: "unexpected kernel reboot", flags: atStart | notFirst | noStack},

	// The harness's own failures (syzkaller).
	{literal: "SYZFAIL: ", pat: `SYZFAIL: (.*)`, title: "SYZFAIL: $1", flags: atStart | weak | noStack},
	{literal: "SYZFATAL: ", pat: `SYZFATAL: (.*)`, title: "SYZFATAL: $1", flags: weak | noStack},

	// The generic forms, last.
	{literal: "WARNING: ", pat: `WARNING: (.*)`, title: "WARNING: $1", flags: atStart | noStack},
	{literal: "BUG: ", pat: `BUG: (.*)`, title: "BUG: $1", flags: atStart | noStack},
}

// noiseHeaders are lines that look like headers but report nothing wrong
// with the kernel; they are checked against the header's text.
var noiseHeaders = []string{
	"INFO: lockdep is turned off",
	"WARNING: /etc/ssh/moduli does not exist",
	"WARNING: The mand mount option",
	"WARNING: the mand mount option",
	"WARNING: fbcon: ",
	"WARNING: workqueue cpumask",
	"WARNING: Unprivileged eBPF",
	"WARNING: kernel not compiled with",
	"WARNING: See https://",
	"WARNING: `",
	"WARNING: Reset corrupted AGFL",
	"general protection fault ip:",    // a user-space fault, reported by "traps:"
	"WARNING: Unsupported flag value", // the dynamic loader's
}

// matchHeader finds the header in body, the kernel's text of one line,
// among the headers of cand (those whose word the line holds: see
// headerIndex). It returns the header and the text from where it starts,
// or nil.
func matchHeader(body []byte, cand *headerSet) (*header, []byte) {
	if len(body) < 5 {
		return nil, nil
	}
	for k, w := range cand {
		for ; w != 0; w &= w - 1 {
			h := &headers[k*64+bits.TrailingZeros64(w)]
			at := findHeader(body, h)
			if at < 0 {
				continue
			}
			text := body[at:]
			if re := h.re(); re != nil && !re.Match(text) {
				continue
			}
			for _, n := range noiseHeaders {
				if bytes.HasPrefix(text, []byte(n)) {
					return nil, nil
				}
			}
			return h, text
		}
	}
	return nil, nil
}

// findHeader returns where h's literal starts in body as a header: at the
// start of the kernel's text (blanks and lockdep's "[ " banner skipped),
// or, unless h is atStart, after other text that interleaved with it.
func findHeader(body []byte, h *header) int {
	from := 0
	for {
		i := indexString(body[from:], h.literal)
		if i < 0 {
			return -1
		}
		i += from
		if lead := bytes.TrimLeft(body[:i], " \t["); len(lead) == 0 {
			return i
		}
		if h.flags&atStart == 0 && (!isNameByte(body[i-1]) && body[i-1] != '-' || gluedToPrelude(body[:i])) {
			return i
		}
		from = i + 1
	}
}

// preludes are lines the kernel prints right before a report's header;
// a console that drops the newline glues the header to them.
var preludes = []string{
	"kasan: GPF could be caused by NULL-ptr deref or user memory access",
	"kasan: CONFIG_KASAN_INLINE enabled",
}

func gluedToPrelude(before []byte) bool {
	for _, p := range preludes {
		if bytes.HasSuffix(before, []byte(p)) {
			return true
		}
	}
	return false
}

// indexString is bytes.Index(b, []byte(s)) without making a copy of s
// for each call: the first byte of s is looked for, then the rest.
func indexString(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	for i := 0; len(b)-i >= len(s); {
		j := bytes.IndexByte(b[i:len(b)-len(s)+1], s[0])
		if j < 0 {
			return -1
		}
		i += j
		if string(b[i:i+len(s)]) == s {
			return i
		}
		i++
	}
	return -1
}
