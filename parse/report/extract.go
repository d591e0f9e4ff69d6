package report

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// An Extractor finds the kernel reports in a log fed to it one line at a
// time, and hands each back once its end is known. It is not safe for
// concurrent use; make one per stream.
type Extractor struct {
	opts   Options
	parser *parse.Parser
	index  *headerIndex
	// active are the reports being read, oldest first. There is more
	// than one when the log's printk caller ids ("[  T123]") tell the
	// lines of reports printed at the same time apart, and while a report
	// that printed its end marker waits in case the kernel panics over it
	// ("---[ end trace ]---", then "Kernel panic - not syncing: Fatal
	// exception": one crash, one report).
	active []*draft
	// done are finished reports waiting for an older active one to
	// finish, so that reports come out in the order they start.
	done  []*Report
	out   []*Report
	many  []*Report  // the reports of the lines Lines reads
	spare []heldLine // the held lines' array of a finished draft, for the next
	// spareText is the last chunk a finished draft cut its lines' text
	// from, for the next.
	spareText []byte

	inReport bool
	// line is the 1-based number of the line being read; midLine says
	// the last piece handed in did not end its line.
	line    int
	midLine bool
}

// NewExtractor returns an Extractor.
func NewExtractor(opts Options) *Extractor {
	if opts.MaxLines <= 0 {
		opts.MaxLines = DefaultMaxLines
	}
	return &Extractor{opts: opts, parser: parse.NewParser(opts.Arch), index: headerIndexOf()}
}

// tailLines is how long an ended report waits for a panic over it. The
// kernel prints the panic right after the end marker, at most after a
// repeat of the first oops's registers (x86) and a few lines of other
// CPUs.
const tailLines = 40

// quietLines is how many lines in a row that are no part of any report's
// vocabulary end a report that printed no end marker (lockdep, hung
// tasks, RCU stalls): the log has gone back to other things.
const quietLines = 32

// foreignLines is how many lines in a row without the collector's prefix
// end a report whose lines have one. Such lines are not the kernel's (a
// shell, a fuzzer's program log, init) and are skipped, however many of
// them interleave with a report, up to this many.
const foreignLines = 1000

// maxActive bounds the reports read at once (several CPUs crashing
// together); beyond it the oldest is finished.
const maxActive = 8

// maxWaiting bounds the finished reports held back until an older one
// ends; beyond it they are handed out, out of order.
const maxWaiting = 64

// Line takes the next line of the input (as parse.LineReader hands it out)
// and returns the reports that it completed, usually none, in the order
// they started. The slice is reused by the next call.
func (x *Extractor) Line(l parse.Line) []*Report { return x.LineNamed(l, nil) }

// LineNamed is Line for a line whose raw addresses a caller has resolved
// (e.g. while annotating it): frames at those addresses take the names.
func (x *Extractor) LineNamed(l parse.Line, named []Named) []*Report {
	x.out = x.out[:0]
	x.inReport = false
	if !x.midLine {
		x.line++
	}
	x.midLine = len(l.EOL) == 0
	end := l.Offset + int64(len(l.Text)+len(l.EOL))
	if !l.Whole {
		// A piece of an overlong line: junk for the analysis, but it
		// still separates what comes before from what comes after.
		for _, d := range x.active {
			x.quiet(d)
		}
		x.emit()
		return x.out
	}
	text := l.Text
	// The lines of no report, most of a log, cost one scan: they hold no
	// header word, and no report is being read.
	cand := x.index.candidates(text)
	if cand.empty() && len(x.active) == 0 {
		return x.out
	}
	n := parse.SplitPrefix(text)
	body := text[n:]
	var h *header
	var m []byte
	if !cand.empty() {
		h, m = matchHeader(body, &cand)
	}
	if h != nil && h.flags&notFirst != 0 && l.Offset == 0 {
		h = nil
	}
	if h == nil && len(x.active) == 0 {
		return x.out
	}
	ln := lineInfo{off: l.Offset, end: end, text: text, body: body, ctx: callerID(text[:n]), named: named, prefix: n}
	d := x.route(&ln)
	if h != nil && d != nil && !d.ended && (h.flags&weak != 0 || d.prefixed && n == 0) {
		// Not enough to end the report that is being printed: a line of
		// it, or another program's.
		h = nil
	}
	switch {
	case h != nil && d != nil && d.joins(h, timestamp(text[:n])):
		d.ended = false
		x.take(d, &ln, h)
	case h != nil:
		x.start(h, m, &ln)
	case d != nil && d.ended:
		x.continueTail(d, &ln)
	case d != nil:
		x.continueOpen(d, &ln)
	}
	x.emit()
	return x.out
}

// Flush ends the input: it returns the reports still open. The slice is
// reused by the next call.
func (x *Extractor) Flush() []*Report {
	x.out = x.out[:0]
	for len(x.active) > 0 {
		x.finish(x.active[0])
	}
	x.emit()
	return x.out
}

// InReport reports whether the line last given belongs to a report as far
// as is known yet. A report's last lines are known only when it ends: the
// lines of a Report are exactly those in [Start, End).
func (x *Extractor) InReport() bool { return x.inReport }

// Reading reports whether reports have started that are not handed out
// yet: their last lines are not known.
func (x *Extractor) Reading() bool { return len(x.active) > 0 || len(x.done) > 0 }

// route returns the active report a line continues: the newest one
// printed by the line's printk caller (or the newest one, in logs
// without caller ids), or one whose lines come from every CPU.
func (x *Extractor) route(ln *lineInfo) *draft {
	for i := len(x.active) - 1; i >= 0; i-- {
		d := x.active[i]
		if d.ctx == "" || len(ln.ctx) == 0 || d.ctx == string(ln.ctx) {
			return d
		}
	}
	for i := len(x.active) - 1; i >= 0; i-- {
		if d := x.active[i]; d.hdr.flags&anyContext != 0 && !d.ended {
			return d
		}
	}
	return nil
}

// start opens a new report at a header line. It ends the reports the
// same printk caller was printing (all of them, in logs without caller
// ids): a caller prints one report at a time.
func (x *Extractor) start(h *header, m []byte, ln *lineInfo) {
	for i := 0; i < len(x.active); {
		d := x.active[i]
		if len(ln.ctx) == 0 || d.ctx == "" || d.ctx == string(ln.ctx) {
			x.finish(d)
			continue
		}
		i++
	}
	if len(x.active) >= maxActive {
		x.finish(x.active[0])
	}
	d := newDraft(h, m, ln, x.opts.MaxLines)
	d.lines, x.spare = x.spare[:0], nil
	d.buf, x.spareText = x.spareText[:0], nil
	d.rep.StartLine = x.line
	x.active = append(x.active, d)
	x.add(d, ln, true)
}

// panicGap is how long after a report's last line a panic is still the
// same crash's: the kernel panics right away (panic_on_oops,
// panic_on_warn); a panic seconds later is another event (a watchdog, a
// sysrq).
const panicGap = 2.0

// joins reports whether header h, printed at time (seconds, < 0 when not
// known), continues report d rather than starting a new one: "Oops: 0002
// [#1]" after "BUG: kernel NULL pointer dereference", "invalid opcode"
// after "kernel BUG at", a panic in the middle of a report or right after
// its end.
func (d *draft) joins(h *header, time float64) bool {
	if h.flags&panics != 0 {
		return time < 0 || d.lastTime < 0 || time-d.lastTime <= panicGap
	}
	if d.ended {
		return false
	}
	return (h.flags&continues != 0 || d.hdr.flags&absorbs != 0) && d.traceFrames == 0
}

// take adds a header line that joins d.
func (x *Extractor) take(d *draft, ln *lineInfo, h *header) {
	if h.flags&panics != 0 {
		d.rep.Panicked = true
	}
	d.headers = append(d.headers, h)
	x.add(d, ln, true)
}

func (x *Extractor) continueOpen(d *draft, ln *lineInfo) {
	if d.ctx != "" && len(ln.ctx) != 0 && string(ln.ctx) != d.ctx && d.hdr.flags&anyContext == 0 {
		// Another task's or CPU's line interleaved: not the report's,
		// and no sign that the report is over either.
		return
	}
	if d.prefixed && ln.prefix == 0 && len(ln.text) > 0 {
		// Not the kernel's: another program writing to the console.
		if d.foreign++; d.foreign >= foreignLines {
			x.end(d)
		}
		return
	}
	d.foreign = 0
	if isEndMarker(ln.body) {
		x.add(d, ln, true)
		if bytes.Contains(ln.body, []byte("end Kernel panic")) {
			x.finish(d)
			return
		}
		x.end(d)
		return
	}
	if reportish(ln) {
		x.add(d, ln, true)
		return
	}
	ln.notFrame = true
	x.add(d, ln, false)
	if d.quiet >= quietLines {
		x.end(d)
	}
}

// end marks the report ended where its last known line is. It waits a
// few lines, in case the kernel panics over it.
func (x *Extractor) end(d *draft) {
	d.ended, d.tailLeft = true, tailLines
}

// continueTail extends an ended report over what the kernel prints after
// its end marker (x86 repeats the first oops's registers), without reading
// those lines for the report's facts.
func (x *Extractor) continueTail(d *draft, ln *lineInfo) {
	if d.prefixed && ln.prefix == 0 && len(ln.text) > 0 {
		return // not the kernel's
	}
	if afterEnd(ln.body) {
		d.rep.End = ln.end
		d.rep.Lines += d.pendingLines + 1
		d.pendingLines = 0
		x.inReport = true
	} else {
		d.pendingLines++
	}
	if d.tailLeft--; d.tailLeft <= 0 {
		x.finish(d)
	}
}

// quiet counts a line that cannot belong to a report.
func (x *Extractor) quiet(d *draft) {
	d.pendingLines++
	if d.ended {
		if d.tailLeft--; d.tailLeft <= 0 {
			x.finish(d)
		}
		return
	}
	if d.quiet++; d.quiet >= quietLines {
		x.end(d)
	}
}

// add appends a line to d; belongs says whether it is known to be part of
// the report (else it is held in case more report lines follow).
func (x *Extractor) add(d *draft, ln *lineInfo, belongs bool) {
	d.hold(x.parser, ln, belongs)
	if belongs {
		d.rep.End = ln.end
		d.rep.Lines += d.pendingLines + 1
		d.pendingLines = 0
		d.quiet = 0
		if t := timestamp(ln.text[:ln.prefix]); t >= 0 {
			d.lastTime = t
		}
		x.inReport = true
	} else {
		d.pendingLines++
		d.quiet++
	}
}

// finish analyzes d and queues its report.
func (x *Extractor) finish(d *draft) {
	for i, a := range x.active {
		if a == d {
			x.active = append(x.active[:i], x.active[i+1:]...)
			break
		}
	}
	r := d.analyze()
	// The report holds copies of what it needs (strings): the held
	// lines' array and their text serve the next draft.
	clear(d.lines)
	x.spare, d.lines = d.lines[:0], nil
	x.spareText, d.buf = d.buf[:0], nil
	r.Arch = x.parser.Arch()
	if r.Arch == parse.ArchUnknown && d.arm {
		r.Arch = parse.ArchARM
	}
	x.done = append(x.done, r)
}

// emit hands out the finished reports that no active report started
// before, in the order they started (unless too many wait).
func (x *Extractor) emit() {
	if len(x.done) == 0 {
		return
	}
	slices.SortStableFunc(x.done, func(a, b *Report) int { return cmp.Compare(a.Start, b.Start) })
	n := 0
	for _, r := range x.done {
		if len(x.active) > 0 && x.active[0].rep.Start < r.Start && len(x.done)-n <= maxWaiting {
			break
		}
		x.out = append(x.out, r)
		n++
	}
	x.done = append(x.done[:0], x.done[n:]...)
}

// A lineInfo is one input line as the extractor sees it.
type lineInfo struct {
	off, end int64  // the line's offsets in the input, end after its terminator
	text     []byte // the whole line, without its terminator
	body     []byte // the kernel's text: text without the collector's prefix
	prefix   int    // len(text) - len(body)
	ctx      []byte // the printk caller id ("T123", "C1"), or none
	named    []Named
	// notFrame: classifyFrame found the body no line of a stack (or of
	// another kind): reportish said so.
	notFrame bool
	// found are the lineLiterals in body, once haveFound.
	found     uint64
	haveFound bool
}

// literals returns the lineLiterals in the line's body, found once for
// all who look.
func (ln *lineInfo) literals() uint64 {
	if !ln.haveFound {
		ln.found, ln.haveFound = lineLiterals.Find(ln.body), true
	}
	return ln.found
}

// timestamp reads the dmesg timestamp ("[   12.345678]") in a line's
// prefix, in seconds; -1 when there is none.
func timestamp(prefix []byte) float64 {
	i := bytes.IndexByte(prefix, '[')
	if i < 0 {
		return -1
	}
	j := i + 1
	for j < len(prefix) && prefix[j] == ' ' {
		j++
	}
	secs, frac, scale, digits, dot := 0.0, 0.0, 1.0, 0, false
	for ; j < len(prefix); j++ {
		c := prefix[j]
		switch {
		case c >= '0' && c <= '9' && !dot:
			secs = secs*10 + float64(c-'0')
			digits++
		case c >= '0' && c <= '9':
			scale /= 10
			frac += float64(c-'0') * scale
		case c == '.' && !dot && digits > 0:
			dot = true
		case c == ']' && dot:
			return secs + frac
		default:
			return -1
		}
	}
	return -1
}

// callerID returns the printk caller id in a line's prefix ("[  T123]" or
// "[    C1]", CONFIG_PRINTK_CALLER), or nil.
func callerID(prefix []byte) []byte {
	for i := 0; i < len(prefix); i++ {
		if prefix[i] != '[' {
			continue
		}
		j := i + 1
		for j < len(prefix) && prefix[j] == ' ' {
			j++
		}
		if j >= len(prefix) || (prefix[j] != 'T' && prefix[j] != 'C') {
			continue
		}
		k := j + 1
		for k < len(prefix) && prefix[k] >= '0' && prefix[k] <= '9' {
			k++
		}
		if k > j+1 && k < len(prefix) && prefix[k] == ']' {
			return prefix[j:k]
		}
	}
	return nil
}
