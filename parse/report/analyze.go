package report

import (
	"bytes"
	"regexp"
	"strings"
)

// analyze turns a finished draft into its Report: the facts, the stack,
// the guilty frame, the title, and whether the report can be trusted.
func (d *draft) analyze() *Report {
	r := d.rep
	lines := d.lines
	// Lines held after the last one known to belong are not the report's.
	for len(lines) > 0 && !lines[len(lines)-1].belongs {
		lines = lines[:len(lines)-1]
	}
	readFields(&r, lines)
	r.Frames = mainFrames(lines)
	r.Title, r.Frame, r.CorruptedReason = d.makeTitle(lines)
	if r.CorruptedReason == "" {
		r.CorruptedReason = corruption(d.hdr, lines)
	}
	r.Corrupted = r.CorruptedReason != ""
	r.Type = typeOf(r.Title)
	return &r
}

// inMainStack reports whether a section is part of the report's own
// stack, as opposed to allocation stacks, other tasks and explanations.
func inMainStack(s sectionKind) bool {
	return s == secHead || s == secTrace || s == secStack || s == secPanic
}

// mainFrames returns the report's stack: the faulting instruction and the
// first call trace, down to where the task entered the kernel. A report
// whose stack is in a part of its own (kmemleak's backtrace, the CPUs an
// RCU stall dumps) has that one.
func mainFrames(lines []heldLine) []Frame {
	if f := firstStack(lines, inMainStack); len(f) > 0 {
		return f
	}
	return firstStack(lines, func(s sectionKind) bool { return s == secLeak || s == secNMI || s == secTask })
}

// firstStack returns the frames of the first stack in the sections in
// allows.
func firstStack(lines []heldLine, in func(sectionKind) bool) []Frame {
	var frames []Frame
	traced := false
	for i := range lines {
		l := &lines[i]
		if l.marker && traced {
			break
		}
		if !in(l.section) || (l.kind != lineIP && l.kind != lineTrace) {
			continue
		}
		frames = append(frames, l.frame)
		traced = traced || l.kind == lineTrace
		if isKernelEntry(baseName(l.frame.Name)) {
			break // what follows is user space's registers
		}
	}
	return frames
}

// isKernelEntry reports the outermost frames of a task's kernel stack:
// the syscall and exception entries from user space, and the start of
// kernel threads. It is the expression
//
//	^(?:entry_SYSCALL\w*|entry_SYSENTER\w*|entry_INT80\w*|ret_from_fork\w*|el0t?_\d*_?sync|el0_svc|ret_fast_syscall|system_call\w*|ret_from_syscall)$
//
// written out (TestIsKernelEntry holds it to it): every report's stack
// is walked with it.
func isKernelEntry(name string) bool {
	switch name {
	case "el0_svc", "ret_fast_syscall", "ret_from_syscall":
		return true
	}
	for _, p := range [...]string{"entry_SYSCALL", "entry_SYSENTER", "entry_INT80", "ret_from_fork", "system_call"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			for i := range len(rest) {
				if !isWordByte(rest[i]) {
					return false
				}
			}
			return true
		}
	}
	// el0t?_\d*_?sync: "el0_sync", "el0t_64_sync", "el0_32_sync".
	rest, ok := strings.CutPrefix(name, "el0")
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "t")
	if rest, ok = strings.CutPrefix(rest, "_"); !ok {
		return false
	}
	rest = strings.TrimLeft(rest, "0123456789")
	rest = strings.TrimPrefix(rest, "_")
	return rest == "sync"
}

// makeTitle builds the title from the header's template and returns it
// with the guilty frame, and why the report is corrupted when the title
// shows it.
func (d *draft) makeTitle(lines []heldLine) (title, frame, corrupted string) {
	h := d.hdr
	tmpl := h.title
	var m []int
	re := h.re()
	if re != nil {
		m = re.FindSubmatchIndex(d.title)
	}
	group := func(name string) string {
		if m == nil {
			return ""
		}
		if i := re.SubexpIndex(name); i >= 0 && m[2*i] >= 0 {
			return string(d.title[m[2*i]:m[2*i+1]])
		}
		return ""
	}
	checker, skip := "", h.skip
	if len(h.classes) > 0 {
		c := classify(h.classes, group("file"), group("fn"))
		tmpl = c.title
		if c.checker {
			checker = baseName(group("fn"))
		}
		if c.skip != nil {
			skip = c.skip
		}
	}
	if m != nil && strings.Contains(tmpl, "$") {
		tmpl = string(re.Expand(nil, []byte(tmpl), d.title, m))
	}
	if strings.Contains(tmpl, "{access}") {
		access := accessOf(lines)
		if access == "" {
			// Without the access line the report is cut: its own header
			// is the best title.
			tmpl = "{text}"
			corrupted = "the report lacks its access line (Read/Write of size)"
		}
		tmpl = strings.ReplaceAll(tmpl, "{access}", access)
	}
	if strings.Contains(tmpl, "{text}") {
		tmpl = strings.ReplaceAll(tmpl, "{text}", headerText(d.title))
		if fn := group("fn"); fn != "" {
			frame = canonical(fn) // the function the header names
		}
	}
	if strings.Contains(tmpl, "{frame}") {
		named := group("fn")
		if detail := h.detail(); detail != nil {
			named = detailFn(detail, lines)
		}
		frame = d.guiltyFrame(lines, named, checker, skip.Get())
		switch {
		case frame == "" && h.flags&textIfNoFrame != 0:
			tmpl = headerText(d.title)
			corrupted = "no frame in the report's stack can be blamed"
		case frame == "":
			tmpl = strings.ReplaceAll(tmpl, "{frame}", "corrupted")
			corrupted = "no frame in the report's stack can be blamed"
			if rawStack(lines) {
				corrupted = "the report's stack has addresses without symbols (give a symbol table)"
			}
		default:
			tmpl = strings.ReplaceAll(tmpl, "{frame}", frame)
		}
	}
	return normalizeTitle(tmpl), frame, corrupted
}

// detailFn returns the "fn" group of the first line re matches.
func detailFn(re *regexp.Regexp, lines []heldLine) string {
	i := re.SubexpIndex("fn")
	for k := range lines {
		if m := re.FindSubmatch(lines[k].text); m != nil && i >= 0 {
			return string(m[i])
		}
	}
	return ""
}

// classify returns the first class that matches a location.
func classify(classes []locClass, file, fn string) locClass {
	for _, c := range classes {
		if (c.file == "" || strings.HasSuffix(file, c.file)) && (c.fn == "" || strings.HasPrefix(fn, c.fn)) {
			return c
		}
	}
	return locClass{title: "{text}"}
}

// headerText is a header's own text as a title: without "BUG: " (syzkaller
// titles sanitizer reports by the sanitizer's name).
func headerText(b []byte) string {
	s := string(b)
	s = strings.TrimPrefix(s, "BUG: ")
	return s
}

// accessOf returns "Read" or "Write" from KASAN's "Read of size 8 at
// addr" (or, with hardware tags, "Read at addr").
func accessOf(lines []heldLine) string {
	for i := range lines {
		b := bytes.TrimLeft(lines[i].text, " \t")
		switch {
		case bytes.HasPrefix(b, []byte("Read of size")), bytes.HasPrefix(b, []byte("Read at addr")):
			return "Read"
		case bytes.HasPrefix(b, []byte("Write of size")), bytes.HasPrefix(b, []byte("Write at addr")):
			return "Write"
		}
	}
	return ""
}

// guiltyFrame picks the report's guilty function by its header's rule.
// named is the function the header names; checker, when set, is a
// function that only checked and is not to blame, and skip (when set)
// matches more functions not to blame for this kind of report.
func (d *draft) guiltyFrame(lines []heldLine, named, checker string, skip *regexp.Regexp) string {
	var notChecker func(string) bool
	if checker != "" || skip != nil {
		notChecker = func(name string) bool { return name == checker || skip != nil && skip.MatchString(name) }
	}
	main := func() string { return firstBlamable(lines, inMainStack, notChecker) }
	lockdep := func() string {
		if f := firstBlamable(lines, func(s sectionKind) bool { return s == secStack }, workqueueLockRe.Get().MatchString); f != "" {
			return f
		}
		return main()
	}
	var f string
	switch d.hdr.guilty {
	case guiltyNamed:
		if named != "" && !isAllHexString(named) {
			return canonical(named)
		}
		f = main()
	case guiltyLocks:
		if f = firstLock(lines); f == "" {
			f = firstBlamable(lines, func(s sectionKind) bool { return s == secChain }, workqueueLockRe.Get().MatchString)
		}
		if f == "" {
			f = lockdep()
		}
	case guiltyIrqSafe:
		f = firstBlamable(lines, func(s sectionKind) bool { return s == secIrqSafe }, nil)
		if f == "" {
			f = firstLock(lines)
		}
		if f == "" {
			f = lockdep()
		}
	case guiltyLockdep:
		f = lockdep()
	case guiltyLeak:
		f = firstBlamable(lines, func(s sectionKind) bool { return s == secLeak }, notLeakingSet.has)
	case guiltyHang:
		f = firstBlamable(lines, func(s sectionKind) bool { return s == secHead || s == secTrace }, waitingSet.has)
	case guiltyStall:
		f = stallFrame(lines)
	case guiltyLockup:
		f = lockupFrame(lines)
	case guiltyOverflow:
		// The instruction that overflowed the stack is any of the
		// recursion's; the recursion is in the trace.
		var frames []*Frame
		for i := range lines {
			if l := &lines[i]; l.kind == lineTrace && l.frame.Reliable && l.frame.Name != "" && inMainStack(l.section) {
				frames = append(frames, &l.frame)
			}
		}
		f = stalledIn(frames)
	default:
		f = main()
	}
	if f == "" && d.hdr.flags&headerFrame != 0 && named != "" && blamable(&Frame{Name: named}) {
		// The stack is missing, but the header named the function.
		f = canonical(named)
	}
	return f
}

// firstBlamable returns the first reliable frame, in the sections in
// allows, that may be blamed and that skip (when set) does not skip.
func firstBlamable(lines []heldLine, in func(sectionKind) bool, skip func(string) bool) string {
	badPC := uint64(0) // a jump to a bad address shows it as IP and first entry
	for i := range lines {
		if l := &lines[i]; l.kind == lineIP && l.frame.Name == "" {
			badPC = l.frame.Address
			break
		}
	}
	for i := range lines {
		l := &lines[i]
		if l.kind != lineIP && l.kind != lineTrace || !in(l.section) {
			continue
		}
		fr := &l.frame
		if l.kind == lineTrace && fr.Reliable && fr.Name == "" && fr.Address != 0 && fr.Address != badPC {
			// An address without a symbol may be the guilty frame: the
			// named frames after it cannot be blamed in its place.
			return ""
		}
		if !fr.Reliable || !blamable(fr) {
			continue
		}
		if skip != nil && skip(baseName(fr.Name)) {
			continue
		}
		return canonical(fr.Name)
	}
	return ""
}

// workqueueLockRe matches where lockdep's annotations of work items and
// work queues are taken: the workqueue code, not the work's user.
var workqueueLockRe = pattern{Src: `^(?:process_one_work|worker_thread|__flush_work|flush_work|flush_workqueue|__flush_workqueue)$`}

// firstLock returns the first blamable place lockdep says a lock was
// taken ("is trying to acquire lock: ... at: func").
func firstLock(lines []heldLine) string {
	for i := range lines {
		l := &lines[i]
		if l.section != secHead {
			break // the locks held, listed later, are not the report's
		}
		if l.kind == lineLock && blamable(&l.frame) && !workqueueLockRe.Get().MatchString(baseName(l.frame.Name)) {
			return canonical(l.frame.Name)
		}
	}
	return ""
}

// stallFrame finds what a stalled CPU (or task) was doing: the innermost
// frame that a dispatcher (a syscall, file operation, packet handler,
// work item, timer ...) called, else the first frame to blame.
func stallFrame(lines []heldLine) string {
	var frames []*Frame
	for i := range lines {
		l := &lines[i]
		if (l.kind == lineIP || l.kind == lineTrace) && l.frame.Reliable && l.frame.Name != "" && l.section != secKthread {
			frames = append(frames, &l.frame)
		}
	}
	// What stalled is what the timer interrupt that noticed the stall
	// interrupted: the frames after it.
	for i, fr := range frames {
		if timerInterruptRe.Get().MatchString(baseName(fr.Name)) {
			j := i + 1
			for j < len(frames) && timerInterruptRe.Get().MatchString(baseName(frames[j].Name)) {
				j++
			}
			if f := stalledIn(frames[j:]); f != "" {
				return f
			}
			break
		}
	}
	return stalledIn(frames)
}

// lockupFrame finds what a CPU stuck in a soft lockup was doing: its own
// stack, as the watchdog's interrupt found it, first.
func lockupFrame(lines []heldLine) string {
	var frames []*Frame
	for i := range lines {
		l := &lines[i]
		if (l.kind == lineIP || l.kind == lineTrace) && l.frame.Reliable && l.frame.Name != "" && (l.section == secHead || l.section == secTrace) {
			frames = append(frames, &l.frame)
		}
	}
	if f := stalledIn(frames); f != "" {
		return f
	}
	return stallFrame(lines)
}

// stalledIn applies stallFrame's rules to one run of frames.
func stalledIn(frames []*Frame) string {
	suitable := func(fr *Frame) bool {
		base := baseName(fr.Name)
		return blamable(fr) && !waitingSet.has(base) && !stallPlumbingSet.has(base)
	}
	first := ""
	for _, fr := range frames {
		if suitable(fr) {
			first = canonical(fr.Name)
			break
		}
	}
	if first == "smp_call_function" {
		return first // cross-CPU calls are one well-known stall
	}
	for i := 0; i+1 < len(frames); i++ {
		if suitable(frames[i]) && stallAnchorSet.has(baseName(frames[i+1].Name)) {
			return canonical(frames[i].Name)
		}
	}
	return first
}

// rawStack reports a main stack whose frames are addresses without
// symbols.
func rawStack(lines []heldLine) bool {
	for i := range lines {
		l := &lines[i]
		if l.kind == lineTrace && inMainStack(l.section) && l.frame.Reliable {
			return l.frame.Name == "" && l.frame.Address != 0
		}
	}
	return false
}

// hasTrace reports whether the report printed any call-trace entry.
func hasTrace(lines []heldLine) bool {
	for i := range lines {
		if lines[i].kind == lineTrace {
			return true
		}
	}
	return false
}

func isAllHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// corruption returns why a report whose title is whole is still not to be
// trusted, or "".
func corruption(h *header, lines []heldLine) string {
	for i := range lines {
		if bytes.Contains(lines[i].text, []byte("serialport: VM disconnected.")) {
			return "the machine disconnected during the report"
		}
	}
	if h.flags&noStack == 0 && !hasTrace(lines) {
		return "the report has no call trace"
	}
	seen := map[sectionKind]bool{}
	for i := range lines {
		l := &lines[i]
		if !l.marker || (l.section != secTrace && l.section != secStack && l.section != secLeak &&
			l.section != secAlloc && l.section != secFree) || seen[l.section] {
			continue
		}
		seen[l.section] = true // later stacks of the kind are other tasks'
		rest := lines[i+1:]
		if len(rest) == 0 {
			return "the report ends right after its stack's marker"
		}
		found := false
		for j := 0; j < len(rest) && j < 15; j++ {
			if rest[j].kind == lineTrace || rest[j].kind == lineIP {
				found = true
				break
			}
		}
		if !found {
			return "no stack entry follows the stack's marker"
		}
	}
	return ""
}
