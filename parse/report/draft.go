package report

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A draft is a report being read: the lines held so far, already
// classified, and the bookkeeping that decides where it ends.
type draft struct {
	rep     Report
	hdr     *header   // the header that opened the report
	title   []byte    // the header's text, from where it matched
	headers []*header // headers that joined it ("Oops:", a panic)
	lines   []heldLine
	buf     []byte // the chunk keep cuts the lines' text from
	max     int
	ctx     string // caller id of the header line, "" without one
	// quiet counts the lines in a row that are no part of a report;
	// pendingLines those held (or passed) since the last line known to
	// belong.
	quiet, pendingLines int
	// traceFrames counts the call-trace entries held: a continuation
	// header ("Oops:") joins only a report whose stack has not started.
	traceFrames int
	section     sectionKind
	// lockNext: the last line announced a lock's place on the next one.
	lockNext bool
	// tracing: a "Call Trace:" opened the stack of the current section.
	tracing bool
	// lastCaller is the caller the last ARM "callee from caller" entry
	// named: the next entry's callee, normally.
	lastCaller string
	// prefixed: the header line had a collector's prefix (a timestamp),
	// so lines without one are another program's; foreign counts them.
	prefixed bool
	foreign  int
	// ended: the report printed its end (or went quiet); it waits
	// tailLeft more lines for a panic over it.
	ended    bool
	tailLeft int
	// lastTime is the dmesg timestamp of the report's last line, -1 when
	// not known.
	lastTime float64
	// arm: the report has ARM's "callee from caller" entries, which only
	// ARM prints.
	arm bool
}

// A heldLine is one line of a report, reduced to what the analysis reads.
type heldLine struct {
	text    []byte // the kernel's text, at most maxHeldLine bytes
	kind    lineKind
	frame   Frame
	section sectionKind // the part of the report the line is in
	marker  bool        // the line opens its section
	belongs bool        // known to be part of the report when held
}

func newDraft(h *header, m []byte, ln *lineInfo, max int) *draft {
	if len(m) > maxHeldLine {
		m = m[:maxHeldLine]
	}
	d := &draft{hdr: h, title: append([]byte(nil), m...), max: max, ctx: string(ln.ctx), prefixed: ln.prefix > 0, lastTime: -1}
	d.rep.Start = ln.off
	d.rep.PID, d.rep.CPU = -1, -1
	d.rep.Panicked = h.flags&panics != 0
	return d
}

// hold keeps ln for the analysis, classified, unless the report already
// holds as many lines as it may.
func (d *draft) hold(p *parse.Parser, ln *lineInfo, belongs bool) {
	if len(d.lines) >= d.max {
		d.rep.Truncated = true
		return
	}
	if ln.literals()&archBits != 0 {
		// The parser learns the architecture from the line (in Scan: the
		// line's addresses, what the rest of Tokens finds, are not
		// needed).
		p.Scan(ln.text)
	}
	body := ln.body
	if len(body) > maxHeldLine {
		body = body[:maxHeldLine]
	}
	h := heldLine{text: d.keep(body), belongs: belongs}
	// A line cut to maxHeldLine is another text than the one its
	// literals were found in.
	whole := len(ln.body) <= maxHeldLine
	var callTrace bool
	if whole {
		callTrace = ln.literals()&callTraceBit != 0
	} else {
		callTrace = bytes.Contains(body, []byte("Call Trace:"))
	}
	if k, ok := sectionOf(body, callTrace); ok {
		h.marker = true
		// A "Call Trace:" inside another task's or CPU's dump is that
		// dump's stack, not the report's.
		if k != secTrace || d.section == secHead || d.section == secTrace || d.section == secAux {
			d.section = k
		}
		d.tracing = k == secTrace
		d.lastCaller = ""
	}
	h.section = d.section
	if !h.marker {
		kind, fr, ok := lineOther, Frame{}, false
		switch {
		case !whole:
			kind, fr, ok = classifyFrame(h.text)
		case !ln.notFrame:
			kind, fr, ok = classifyFrameFound(h.text, ln.literals())
		}
		switch {
		case kind == lineTrace && d.lockNext:
			// "is trying to release lock (mrt_lock) at:" names the
			// place on the next line.
			kind = lineLock
		case kind == lineTrace && !d.tracing && needsMarker(d.section) && (d.section != secHead || d.hdr.flags&stackFirst == 0) &&
			!bytes.Contains(h.text, []byte(" from ")) && p.Arch() != parse.ArchRISCV:
			// Stack entries before the "Call Trace:" of their part of
			// the report are another CPU's, interleaved with it. (ARM's
			// "callee from caller" entries are unmistakable, and ARM
			// prints no marker before an NMI backtrace, RISC-V none
			// after a WARNING's registers.)
			kind, ok = lineOther, false
		}
		h.kind = kind
		if ok {
			h.frame = fr
			nameRaw(&h.frame, ln)
			if kind == lineTrace {
				d.traceFrames++
				if caller, ok := armCaller(h.text); ok {
					d.holdARM(h, caller, ln)
					return
				}
			}
		} else if kind == lineTrace {
			h.kind = lineOther
		}
	}
	d.lockNext = bytes.HasSuffix(bytes.TrimRight(body, " "), []byte(") at:"))
	d.lines = append(d.lines, h)
}

// keep returns a copy of b, cut from a chunk of the draft's: the lines of
// a report cost an allocation a few dozen lines, not one each.
func (d *draft) keep(b []byte) []byte {
	if cap(d.buf)-len(d.buf) < len(b) {
		d.buf = make([]byte, 0, max(keepChunk, len(b)))
	}
	n := len(d.buf)
	d.buf = append(d.buf, b...)
	return d.buf[n:len(d.buf):len(d.buf)]
}

// keepChunk is the size of the chunks keep cuts lines from.
const keepChunk = 4096

// holdARM holds an ARM "callee from caller" entry as the frames it adds to
// the stack: the callee when the line before did not already name it as
// its caller (the first entry, or a return into the next function after a
// call that does not return), and the caller.
func (d *draft) holdARM(h heldLine, caller Frame, ln *lineInfo) {
	d.lockNext = false
	d.arm = true
	if h.frame.Name == "" || h.frame.Name != d.lastCaller {
		d.lines = append(d.lines, h)
	}
	nameRaw(&caller, ln)
	d.lastCaller = caller.Name
	h.frame = caller
	d.lines = append(d.lines, h)
}

// nameRaw gives a raw frame the name a caller resolved for its address.
func nameRaw(fr *Frame, ln *lineInfo) {
	if fr.Name != "" || fr.Address == 0 {
		return
	}
	for _, n := range ln.named {
		at := n.At - ln.prefix
		if at < 0 || at >= len(ln.body) {
			continue
		}
		if v, ok := addressAt(ln.body, at); ok && v == fr.Address {
			fr.Name, fr.Offset, fr.Size, fr.Module = n.Symbol.Name, n.Symbol.Offset, n.Symbol.Size, n.Symbol.Module
			fr.Resolved = true
			return
		}
	}
}

// addressAt reads the address whose text starts at b[at:]: "0x...",
// "[<...>]", "[...]" or bare hex.
func addressAt(b []byte, at int) (uint64, bool) {
	if v, n := bracketed(b[at:]); n > 0 {
		return v, true
	}
	p := at
	if bytes.HasPrefix(b[p:], []byte("0x")) {
		p += 2
	}
	q := p
	for q < len(b) && isHex(b[q]) {
		q++
	}
	if q == p || q-p > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b[p:q] {
		v = v<<4 | uint64(hexVal(c))
	}
	return v, true
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// A sectionKind is a part of a report: its stacks are told apart by the
// lines that introduce them.
type sectionKind uint8

const (
	secHead    sectionKind = iota // from the header to the first marker
	secTrace                      // "Call Trace:", "Call trace:", "Backtrace:"
	secStack                      // lockdep's "stack backtrace:"
	secLeak                       // kmemleak's "backtrace:"
	secAlloc                      // KASAN's "Allocated by task N:"
	secFree                       // KASAN's "Freed by task N:"
	secAux                        // descriptions that hold no stack of the bug
	secOrigin                     // KMSAN's "Uninit was created at:"
	secNMI                        // "NMI backtrace for cpu N"
	secChain                      // lockdep's dependency chain "-> #N"
	secTask                       // another task's dump ("Task dump for CPU N:")
	secKthread                    // the RCU grace-period kthread's stack: not the stall's
	secIrqSafe                    // lockdep's "... which became HARDIRQ-irq-safe at:"
	secPanic                      // "Kernel panic - not syncing" and its dump
)

// needsMarker reports the sections whose stack entries follow a "Call
// Trace:" line; other sections (lockdep's chains, KASAN's allocation
// stacks, kmemleak's backtrace) list them right after their own marker.
func needsMarker(s sectionKind) bool {
	switch s {
	case secHead, secPanic, secStack, secNMI, secTask, secKthread:
		return true
	}
	return false
}

// A sectionMarker is the start of a line that opens a section.
type sectionMarker struct {
	prefix string
	kind   sectionKind
}

// sectionMarkers are the lines that open a section, matched at the start
// of the kernel's text (blanks trimmed).
var sectionMarkers = []sectionMarker{
	{"Call Trace:", secTrace},
	{"Call trace:", secTrace},
	{"Call Trace", secTrace},
	{"Backtrace:", secTrace},
	{"Backtrace: ", secTrace},
	{"stack backtrace:", secStack},
	{"backtrace:", secLeak},
	{"backtrace (crc ", secLeak},
	{"Allocated by task ", secAlloc},
	{"Allocated by ", secAlloc},
	{"Freed by task ", secFree},
	{"Freed by ", secFree},
	{"Last potentially related work creation:", secAux},
	{"Second to last potentially related work creation:", secAux},
	{"Last call_rcu():", secAux},
	{"Second to last call_rcu():", secAux},
	{"The buggy address belongs to", secAux},
	{"Memory state around the buggy address", secAux},
	{"Uninit was created at:", secOrigin},
	{"Uninit was stored to memory at:", secOrigin},
	{"Local variable ", secOrigin},
	{"Bytes ", secAux},
	{"NMI backtrace for cpu ", secNMI},
	{"Sending NMI from CPU ", secAux},
	{"-> #", secChain},
	{"... which became ", secIrqSafe},
	{"other info that might help us debug this", secAux},
	{"Showing all locks held", secAux},
	{"the existing dependency chain", secAux},
	{"Task dump for CPU ", secTask},
	{"RCU grace-period kthread stack dump:", secKthread},
	{"Showing busy workqueues", secAux},
	{"Preemption disabled at:", secAux},
	{"CPU0: stopping", secTask},
	{"CPU1: stopping", secTask},
	{"CPU2: stopping", secTask},
	{"CPU3: stopping", secTask},
	{"page last allocated", secTrace},
	{"page last free", secFree},
	{"Kernel panic - not syncing", secPanic},
}

// sectionMarkerIndex finds the sectionMarkers a line starts with.
var sectionMarkerIndex = prefixList[sectionMarker]{list: sectionMarkers, prefix: func(m sectionMarker) string { return m.prefix }}

// sectionOf reports whether body opens a section, and which; callTrace
// says whether body holds "Call Trace:".
func sectionOf(body []byte, callTrace bool) (sectionKind, bool) {
	b := bytes.TrimLeft(body, " \t")
	b = bytes.TrimPrefix(b, []byte("rcu: "))
	if len(b) < 5 {
		return 0, false
	}
	if i := sectionMarkerIndex.find(b); i >= 0 {
		return sectionMarkers[i].kind, true
	}
	if callTrace {
		return secTrace, true // glued to the end of a stack dump's words
	}
	return 0, false
}
