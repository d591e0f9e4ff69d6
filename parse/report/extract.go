package report

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// An Extractor finds the kernel reports in a log fed to it one line at a
// time, and hands each back once its end is known. It is not safe for
// concurrent use; make one per stream.
type Extractor struct {
	opts   Options
	parser *parse.Parser
	// open is the report being read; tail is one that printed its end
	// marker, kept for a few lines in case the kernel panics over it
	// ("---[ end trace ]---" then "Kernel panic - not syncing: Fatal
	// exception"): one crash, one report.
	open, tail *draft
	tailLeft   int
	out        []*Report
	inReport   bool
}

// NewExtractor returns an Extractor.
func NewExtractor(opts Options) *Extractor {
	if opts.MaxLines <= 0 {
		opts.MaxLines = DefaultMaxLines
	}
	return &Extractor{opts: opts, parser: parse.NewParser(opts.Arch)}
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

// Line takes the next line of the input (as parse.LineReader hands it out)
// and returns the reports that it completed, usually none. The slice is
// reused by the next call.
func (x *Extractor) Line(l parse.Line) []*Report { return x.LineNamed(l, nil) }

// LineNamed is Line for a line whose raw addresses a caller has resolved
// (e.g. while annotating it): frames at those addresses take the names.
func (x *Extractor) LineNamed(l parse.Line, named []Named) []*Report {
	x.out = x.out[:0]
	x.inReport = false
	end := l.Offset + int64(len(l.Text)+len(l.EOL))
	if !l.Whole {
		// A piece of an overlong line: junk for the analysis, but it
		// still separates what comes before from what comes after.
		x.quiet(end)
		return x.out
	}
	text := l.Text
	n := parse.SplitPrefix(text)
	body := text[n:]
	ln := lineInfo{off: l.Offset, end: end, text: text, body: body, ctx: callerID(text[:n]), named: named, prefix: n}
	h, m := matchHeader(body)
	if h != nil && h.flags&notFirst != 0 && l.Offset == 0 {
		h = nil
	}
	if h != nil && x.open != nil && (h.flags&weak != 0 || x.open.prefixed && n == 0) {
		// Not enough to end the report that is being printed: a line of
		// it, or another program's.
		h = nil
	}
	switch {
	case h != nil && x.joins(h):
		x.take(x.open, &ln, h)
	case h != nil && h.flags&panics != 0 && x.tail != nil:
		// The panic over a report that already ended: the same crash.
		x.open, x.tail = x.tail, nil
		x.take(x.open, &ln, h)
	case h != nil:
		x.finishAll()
		x.open = newDraft(h, m, &ln, x.opts.MaxLines)
		x.add(x.open, &ln, true)
	case x.open != nil:
		x.continueOpen(&ln)
	case x.tail != nil:
		x.continueTail(&ln)
	}
	return x.out
}

// Flush ends the input: it returns the reports still open. The slice is
// reused by the next call.
func (x *Extractor) Flush() []*Report {
	x.out = x.out[:0]
	x.finishAll()
	return x.out
}

// InReport reports whether the line last given belongs to a report as far
// as is known yet. A report's last lines are known only when it ends: the
// lines of a Report are exactly those in [Start, End).
func (x *Extractor) InReport() bool { return x.inReport }

// joins reports whether header h continues the open report rather than
// starting a new one: "Oops: 0002 [#1]" after "BUG: kernel NULL pointer
// dereference", "invalid opcode" after "kernel BUG at", a panic in the
// middle of a report.
func (x *Extractor) joins(h *header) bool {
	if x.open == nil {
		return false
	}
	if h.flags&panics != 0 {
		return true
	}
	return (h.flags&continues != 0 || x.open.hdr.flags&absorbs != 0) && x.open.traceFrames == 0
}

// take adds a header line that joins d.
func (x *Extractor) take(d *draft, ln *lineInfo, h *header) {
	if h.flags&panics != 0 {
		d.rep.Panicked = true
	}
	d.headers = append(d.headers, h)
	x.add(d, ln, true)
}

func (x *Extractor) continueOpen(ln *lineInfo) {
	d := x.open
	if d.ctx != "" && ln.ctx != "" && ln.ctx != d.ctx && d.hdr.flags&anyContext == 0 {
		// Another task's or CPU's line interleaved: not the report's,
		// and no sign that the report is over either.
		return
	}
	if d.prefixed && ln.prefix == 0 && len(ln.text) > 0 {
		// Not the kernel's: another program writing to the console.
		if d.foreign++; d.foreign >= foreignLines {
			x.endOpen()
		}
		return
	}
	d.foreign = 0
	if isEndMarker(ln.body) {
		x.add(d, ln, true)
		if bytes.Contains(ln.body, []byte("end Kernel panic")) {
			x.finish(d)
			x.open = nil
			return
		}
		x.open, x.tail, x.tailLeft = nil, d, tailLines
		return
	}
	if reportish(ln.body) {
		x.add(d, ln, true)
		return
	}
	x.add(d, ln, false)
	if d.quiet >= quietLines {
		x.endOpen()
	}
}

// endOpen ends the open report where its last known line is. It waits
// in the tail, as after an end marker, in case the kernel panics over it.
func (x *Extractor) endOpen() {
	if x.tail != nil {
		x.finish(x.tail)
	}
	x.open, x.tail, x.tailLeft = nil, x.open, tailLines
}

// continueTail extends an ended report over what the kernel prints after
// its end marker (x86 repeats the first oops's registers), without reading
// those lines for the report's facts.
func (x *Extractor) continueTail(ln *lineInfo) {
	d := x.tail
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
	x.tailLeft--
	if x.tailLeft <= 0 {
		x.finish(d)
		x.tail = nil
	}
}

// quiet counts a line that cannot belong to a report.
func (x *Extractor) quiet(end int64) {
	if x.open != nil {
		x.open.quiet++
		x.open.pendingLines++
		if x.open.quiet >= quietLines {
			x.endOpen()
		}
		return
	}
	if x.tail != nil {
		x.tail.pendingLines++
		if x.tailLeft--; x.tailLeft <= 0 {
			x.finish(x.tail)
			x.tail = nil
		}
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
		x.inReport = true
	} else {
		d.pendingLines++
		d.quiet++
	}
}

func (x *Extractor) finishAll() {
	if x.tail != nil {
		x.finish(x.tail)
		x.tail = nil
	}
	if x.open != nil {
		x.finish(x.open)
		x.open = nil
	}
}

func (x *Extractor) finish(d *draft) {
	r := d.analyze()
	r.Arch = x.parser.Arch()
	x.out = append(x.out, r)
}

// A lineInfo is one input line as the extractor sees it.
type lineInfo struct {
	off, end int64  // the line's offsets in the input, end after its terminator
	text     []byte // the whole line, without its terminator
	body     []byte // the kernel's text: text without the collector's prefix
	prefix   int    // len(text) - len(body)
	ctx      string // the printk caller id ("T123", "C1"), or ""
	named    []Named
}

// callerID returns the printk caller id in a line's prefix ("[  T123]" or
// "[    C1]", CONFIG_PRINTK_CALLER), or "".
func callerID(prefix []byte) string {
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
			return string(prefix[j:k])
		}
	}
	return ""
}
