// Package annotate rewrites a kernel log stream, adding after each raw
// kernel address the symbol it falls in, in the kernel's own
// "name+0xoff/0xsize [module]" format. It joins package parse, which finds
// the addresses, with a symbol table from package symbolize.
package annotate

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

// A Resolver answers address lookups. *symbolize.Table is one.
type Resolver interface {
	// Lookup resolves an address as the kernel's %pS does.
	Lookup(addr uint64) (symbolize.Location, bool)
	// LookupReturn resolves a return address as the kernel's %pB does.
	LookupReturn(addr uint64) (symbolize.Location, bool)
}

// A Style paints the parts of an annotation, e.g. with terminal colours.
// A nil function leaves its part plain.
type Style struct {
	Symbol     func(string) string // "name+0xoff/0xsize"
	Module     func(string) string // "[module]"
	Unresolved func(string) string // a kernel address no symbol covers
	Trap       func(string) string // the trapping instruction's line of a Code: listing, after its marker
}

// Options configure an Annotator.
type Options struct {
	// Arch fixes the architecture of the log; ArchUnknown lets the parser
	// learn it from the log.
	Arch parse.Arch
	// Style paints annotations; nil means plain text.
	Style *Style
	// MaxLine is the longest line parsed whole (parse.DefaultMaxLine when
	// zero); longer lines are copied through unparsed.
	MaxLine int

	// LinkTime says the resolver, a *symbolize.Table, holds link-time
	// addresses (a System.map or vmlinux): a kernel randomized by KASLR
	// ran at them plus an offset, which the Annotator finds for each boot
	// in the log (see Verdict). Until it is known, names are withheld.
	LinkTime bool
	// Offset is the KASLR offset of every boot, when OffsetSet (the
	// user's --kaslr-offset). Evidence against it is reported.
	Offset    uint64
	OffsetSet bool
	// TableRelease is the kernel release the table is for ("" when
	// unknown); a boot of another release does not get its names.
	TableRelease string
	// Live describes the running kernel when the table is its own, or
	// when its kallsyms can tell the offset of a log of its boot.
	Live *LiveKernel
	// Force prints names even where the evidence says the table does not
	// fit the log, or the offset is unknown (then 0 is assumed). The
	// verdicts still say so.
	Force bool
	// OnVerdict, if set, is called when the Annotator first uses a
	// conclusion about a boot, when that conclusion changes, and when the
	// boot ends with new findings.
	OnVerdict func(Verdict)
	// Modules are the regions of the loaded modules (a saved
	// /proc/modules): an address in a module the table has no symbols for
	// is annotated "[module+0xoff]".
	Modules *symbolize.ModuleMap
	// Code adds, after each "Code:" line, the disassembly of its bytes
	// (Stream only): lines that start with disasm.Marker.
	Code bool
	// MaxHold bounds the lines Stream holds back while the offset of a
	// report's boot is unknown (DefaultMaxHold when zero).
	MaxHold int
	// Lines adds source lines to the frames; nil leaves them out.
	Lines *LineOptions
	// Sink, when set, takes what Stream makes of each line instead of its
	// writer (package parse/report's readers follow the log this way).
	Sink LineSink
}

// A LineSink takes the lines Stream writes, in input order.
type LineSink interface {
	// Line gets an input line, the bytes Stream makes of it (the line
	// annotated, after the listing of the Code: line before it, and any
	// inserted lines) and the raw addresses it named there. The slices
	// are reused after Line returns.
	Line(in parse.Line, out []byte, resolved []Resolved) error
	// Tail gets what is written after the last line: the listing of a
	// Code: line that ends the input.
	Tail(out []byte) error
}

// DefaultMaxHold is how many lines of a report Stream holds back, at most,
// waiting for the evidence of its kernel's offset.
const DefaultMaxHold = 4096

// maxHoldBytes bounds the bytes held back, whatever the line count.
const maxHoldBytes = 64 << 20

// Stats counts what an Annotator did.
type Stats struct {
	Lines      int64 // lines read
	Addresses  int64 // raw kernel addresses found (not counting register values)
	Resolved   int64 // of those, annotated with a symbol
	Registers  int64 // register values annotated because they point into code
	Symbolized int64 // addresses the kernel had already printed a symbol for
	Agreed     int64 // of those, ones the table resolves to the same text
	Disagreed  int64 // of those, ones the table resolves differently
	Withheld   int64 // addresses left raw because the table does not fit the log, or its offset is unknown
	InModules  int64 // addresses without a symbol annotated with their module, or as in an unloaded one
	// HoldsCut counts the reports whose lines were held back for the
	// offset of their kernel until MaxHold lines or 64 MiB, then let go.
	HoldsCut int64
	// CodeListings counts the Code: lines disassembled.
	CodeListings int64
	// Symbols the kernel printed without an address, compared by name and
	// size with the table.
	NamesAgreed, NamesDisagreed int64
	// Reports counts the kernel reports (oops, BUG, WARNING, panic, ...)
	// that start in the stream, by kind.
	Reports map[string]int64
}

// ReportCount returns the number of kernel reports found.
func (s Stats) ReportCount() int64 {
	var n int64
	for _, c := range s.Reports {
		n += c
	}
	return n
}

// An Annotator adds symbols to log lines. It is not safe for concurrent
// use; make one per stream.
type Annotator struct {
	res    Resolver
	static *symbolize.Table // res, when it holds link-time addresses
	opts   Options
	parser *parse.Parser
	edits  []parse.Edit
	text   []byte // backing store for edit texts
	stats  Stats
	// mismatches are the first disagreements between the log and the table.
	mismatches []Mismatch
	printed    []parse.PrintedSymbol // scratch for checkNames

	cur       *bootState
	lastBoot  int          // the index of the log's last boot, as far as known
	prescan   []*bootState // evidence of every boot, from Prescan
	verdicts  []Verdict    // final verdicts of the boots that ended
	done      []*bootState // the boots that ended, when keepBoots
	keepBoots bool         // a Prescan's collector keeps every boot
	// pairsBlind: the collector weighed an address/symbol pair before the
	// log showed its architecture (see PrescanAt).
	pairsBlind bool
	dec        decision                    // how cur's addresses are resolved now
	stale      bool                        // evidence changed since dec was made
	moved      map[uint64]*symbolize.Table // the link-time table at each offset used
	inReport   bool                        // a report started and has not ended
	hold       hold

	code        codeContext                  // how the next Code: line is to be decoded
	codeLine    *codeContext                 // the context of the line just observed, if it is a Code: line
	pending     []byte                       // the listing of the last Code: line written, not yet written itself
	listings    [cachedListings]listingCache // recent Code: listings (appendListing)
	nextListing int                          // the slot of listings to fill next
	out         []byte                       // scratch for the output of one line

	src      sourceState
	lineEOL  []byte     // the terminator of the line being annotated
	resolved []Resolved // the last line's annotations (report.go)
}

// New returns an Annotator that resolves through res.
func New(res Resolver, opts Options) *Annotator {
	a := &Annotator{res: res, opts: opts, parser: parse.NewParser(opts.Arch), stats: Stats{Reports: map[string]int64{}}, stale: true}
	if t, ok := res.(*symbolize.Table); ok && opts.LinkTime {
		a.static = t
	}
	a.cur = newBoot(0, 1)
	return a
}

// Stats returns the counts so far. The Reports map is a copy.
func (a *Annotator) Stats() Stats {
	s := a.stats
	s.Reports = make(map[string]int64, len(a.stats.Reports))
	for k, v := range a.stats.Reports {
		s.Reports[k] = v
	}
	return s
}

// Verdicts returns the conclusions about every boot seen so far, the
// current one last.
func (a *Annotator) Verdicts() []Verdict {
	return append(a.verdicts[:len(a.verdicts):len(a.verdicts)], a.decide(a.cur).verdict)
}

// AppendLine appends line (without its terminator) to dst with annotations
// inserted, and returns the extended buffer. It never holds a line back:
// a report whose kernel's offset shows only later is annotated with what
// is known now.
func (a *Annotator) AppendLine(dst, line []byte) []byte {
	toks := a.observe(line)
	return a.appendAnnotated(dst, line, toks)
}

// observe takes in what line tells: the boot it belongs to, facts about its
// kernel, and the symbols the kernel printed, which are evidence for or
// against the table. It returns the line's addresses.
func (a *Annotator) observe(line []byte) []parse.Token {
	a.stats.Lines++
	a.cur.lines++
	var toks []parse.Token
	printed := hasPlusHex(line) // a symbol the kernel printed
	if a.keepBoots && !printed {
		// A prescan needs a line's addresses only where the kernel
		// printed symbols: the evidence of pairs and names.
		a.parser.Scan(line)
	} else {
		toks = a.parser.Tokens(line)
	}
	if kind := a.parser.ReportStarted(); kind != "" {
		a.stats.Reports[kind]++
		a.inReport = true
		a.hold.spent = false
	}
	factKind := a.parser.FactKind()
	if arch := a.parser.Arch(); arch != parse.ArchUnknown {
		a.cur.arch = arch
	}
	switch factKind {
	case parse.FactNone:
	case parse.FactBanner:
		a.startBoot()
		a.inReport = false
	case parse.FactReportEnd:
		a.inReport = false
	}
	a.codeLine = nil
	if a.opts.Code && !a.keepBoots {
		lead := bytes.TrimLeft(line[a.parser.Prefix():], " ")
		a.observeCode(lead, toks)
		if isCodeLead(lead) {
			c := a.code
			c.arch = a.parser.Arch()
			a.codeLine = &c
		}
	}
	if a.prescan != nil {
		return toks // the evidence is known from the prescan
	}
	if factKind != parse.FactNone {
		a.cur.observeFact(a.parser.Fact(), a.stats.Lines)
		a.stale = true
	}
	if a.opts.Live != nil {
		if ts, ok := parse.PrefixTimestamp(line[:a.parser.Prefix()]); ok && ts > a.cur.maxTime {
			a.cur.maxTime = ts
			a.stale = true
		}
	}
	for _, t := range toks {
		if !t.Symbolized || t.Role == parse.RoleValue {
			continue
		}
		if ps, ok := parse.SymbolAfter(line, t.End); ok {
			if a.parser.Arch() == parse.ArchUnknown {
				a.pairsBlind = true // the pair's role is x86's by default
			}
			if a.static != nil {
				a.vote(t, ps)
			} else {
				a.check(line, t, ps)
			}
			a.stale = true
		}
	}
	// Lines with addresses the kernel named were checked pair by pair
	// above; the symbols of other lines are checked by name and size. A
	// line where any address already carries a symbol, this tool's own
	// annotation of a register included, is left out, so that a second
	// run weighs the same evidence as the first.
	if printed && !hasSymbolizedToken(toks) {
		a.checkNames(line)
	}
	return toks
}

// startBoot ends the current boot at a "Linux version" banner.
func (a *Annotator) startBoot() {
	a.endBoot()
	switch {
	case a.keepBoots:
		// A prescan keeps the evidence itself; its verdicts are made
		// where the evidence is used.
		a.done = append(a.done, a.cur)
	case len(a.verdicts) < maxVerdicts:
		a.verdicts = append(a.verdicts, a.decide(a.cur).verdict)
	}
	a.cur = newBoot(a.cur.index+1, a.stats.Lines)
	a.lastBoot = max(a.lastBoot, a.cur.index)
	if a.prescan != nil && a.cur.index < len(a.prescan) {
		a.cur.merge(a.prescan[a.cur.index])
	}
	a.stale = true
}

// endBoot reports the final verdict of the current boot, if it mattered.
func (a *Annotator) endBoot() {
	if a.opts.OnVerdict != nil && a.cur.used {
		a.report(a.decide(a.cur).verdict, true)
	}
}

// maxVerdicts bounds the verdicts kept for a log of many boots.
const maxVerdicts = 1000

// decision returns how the current boot's addresses are resolved, weighing
// the evidence again when it changed.
func (a *Annotator) decision() decision {
	if a.stale {
		a.dec = a.decide(a.cur)
		a.stale = false
	}
	return a.dec
}

// report passes a verdict that addresses were resolved by to OnVerdict
// when it says something new: a different offset or trust, or at the end
// of a boot, new problems.
func (a *Annotator) report(v Verdict, final bool) {
	if a.opts.OnVerdict == nil {
		return
	}
	last := a.cur.notified
	changed := last == nil || last.Offset != v.Offset || last.Trusted != v.Trusted ||
		(last.Source == OffsetUnknown) != (v.Source == OffsetUnknown)
	if final && last != nil && !changed {
		changed = len(last.Problems) != len(v.Problems) || len(last.Notes) != len(v.Notes)
	}
	if !changed {
		return
	}
	// A copy of its own: v itself stays on the stack of every call that
	// changes nothing (one for each line with addresses).
	notified := v
	a.cur.notified = &notified
	a.opts.OnVerdict(v)
}

// appendAnnotated appends line with the symbols of its addresses toks.
func (a *Annotator) appendAnnotated(dst, line []byte, toks []parse.Token) []byte {
	a.resolved = a.resolved[:0]
	if a.addsNothing(line, toks) {
		return append(dst, line...)
	}
	d := a.decision()
	a.src.dec = d
	a.resolved = a.resolved[:0]
	if len(toks) > 0 {
		a.cur.used = true
		a.report(d.verdict, false)
	}
	a.edits = a.edits[:0]
	a.text = a.text[:0]
	type span struct{ at, from, to int }
	var spans [16]span
	pending := spans[:0]
	for _, t := range toks {
		if t.Symbolized {
			if t.Role != parse.RoleValue {
				a.stats.Symbolized++
			}
			continue
		}
		var loc symbolize.Location
		ok := false
		if d.res != nil {
			loc, ok = resolve(d.res, t)
		} else if t.Value != 0 && t.Role != parse.RoleValue {
			// The table does not fit this boot, or its offset is not
			// known: a name from it would be a confident guess, and
			// wrong names are worse than none. Leave the address raw.
			a.stats.Withheld++
		}
		if t.Role == parse.RoleValue {
			if !ok || !loc.IsText() {
				continue
			}
			a.stats.Registers++
		} else {
			a.stats.Addresses++
		}
		if !ok && t.Role != parse.RoleValue && d.modules {
			if note := a.moduleNote(t.Value); note != "" {
				a.stats.InModules++
				from := len(a.text)
				if a.opts.Style != nil && a.opts.Style.Module != nil {
					note = a.opts.Style.Module(note)
				}
				a.text = append(append(a.text, ' '), note...)
				pending = append(pending, span{t.End, from, len(a.text)})
				continue
			}
		}
		if !ok {
			if a.opts.Style != nil && a.opts.Style.Unresolved != nil {
				// Paint the address itself: escape before, reset after.
				from := len(a.text)
				painted := a.opts.Style.Unresolved(string(line[t.Start:t.End]))
				pre, post := splitPaint(painted, string(line[t.Start:t.End]))
				a.text = append(a.text, pre...)
				pending = append(pending, span{t.Start, from, len(a.text)})
				from = len(a.text)
				a.text = append(a.text, post...)
				pending = append(pending, span{t.End, from, len(a.text)})
			}
			continue
		}
		if t.Role != parse.RoleValue {
			a.stats.Resolved++
		}
		if t.Role != parse.RoleValue {
			a.resolved = append(a.resolved, Resolved{Token: t, Location: loc})
		}
		from := len(a.text)
		a.text = a.appendLocation(append(a.text, ' '), loc)
		if frames := a.sourceFor(t.Value, t.Role, loc.Module); frames != nil {
			a.text = a.appendSource(a.text, line, frames)
		}
		pending = append(pending, span{t.End, from, len(a.text)})
	}
	for _, s := range pending {
		a.edits = append(a.edits, parse.Edit{At: s.at, Text: a.text[s.from:s.to]})
	}
	dst = a.addPrintedSources(dst, line, toks)
	return parse.Splice(dst, line, a.edits)
}

// addsNothing reports a line appendAnnotated copies as it is: no address
// to name, and no printed symbol to give a source line.
func (a *Annotator) addsNothing(line []byte, toks []parse.Token) bool {
	return len(toks) == 0 && (a.opts.Lines == nil || !hasPlusHex(line))
}

func resolve(res Resolver, t parse.Token) (symbolize.Location, bool) {
	if t.Value == 0 {
		return symbolize.Location{}, false
	}
	if t.Role == parse.RoleReturn {
		return res.LookupReturn(t.Value)
	}
	return res.Lookup(t.Value)
}

func (a *Annotator) appendLocation(b []byte, loc symbolize.Location) []byte {
	st := a.opts.Style
	if st == nil || (st.Symbol == nil && st.Module == nil) {
		return loc.AppendText(b)
	}
	mod := loc.Module
	loc.Module = ""
	sym := string(loc.AppendText(nil))
	if st.Symbol != nil {
		sym = st.Symbol(sym)
	}
	b = append(b, sym...)
	if mod != "" {
		m := "[" + mod + "]"
		if st.Module != nil {
			m = st.Module(m)
		}
		b = append(b, ' ')
		b = append(b, m...)
	}
	return b
}

// splitPaint returns what a painter put before and after text.
func splitPaint(painted, text string) (pre, post string) {
	for i := 0; i+len(text) <= len(painted); i++ {
		if painted[i:i+len(text)] == text {
			return painted[:i], painted[i+len(text):]
		}
	}
	return "", ""
}

// A Flusher is a writer with a buffer that can be pushed out.
type Flusher interface {
	io.Writer
	Flush() error
}

// Stream copies r to w line by line with annotations added. It flushes w
// whenever it has consumed all the input read so far, so that a live
// source (dmesg -w) is annotated as it arrives while a file is written in
// large blocks.
//
// With a link-time table, the lines of a report whose kernel's offset is
// not known yet are held back until the evidence arrives (the "Kernel
// Offset:" line at the end of a panic), the report ends, or MaxHold lines
// have been held; lines outside reports are written as they come. After a
// Prescan of the same input nothing needs to be held. When r has a Size
// method (bytes.Reader, io.SectionReader), its read buffer is sized to it.
func (a *Annotator) Stream(w Flusher, r io.Reader) error {
	err := a.stream(w, r)
	if err == nil {
		err = a.flushHold(w)
	}
	if err == nil {
		err = a.flushPending(w)
	}
	a.endBoot()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

func (a *Annotator) stream(w Flusher, r io.Reader) error {
	lr := parse.NewLineReaderSize(r, a.opts.MaxLine, sizeOf(r))
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var toks []parse.Token
		a.codeLine = nil
		if l.Whole {
			if a.hold.active() && parse.LineFact(l.Text).Kind == parse.FactBanner {
				// The held lines are the ending boot's.
				if err := a.flushHold(w); err != nil {
					return err
				}
			}
			toks = a.observe(l.Text)
		}
		if a.holding() {
			a.hold.add(l, toks, a.codeLine)
			if a.holdDone() {
				if err := a.flushHold(w); err != nil {
					return err
				}
			}
		} else if err := a.emit(w, l, toks, a.codeLine); err != nil {
			return err
		}
		if lr.Buffered() == 0 && !a.hold.active() {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}

// emit writes one line, annotated when whole, after the listing of the
// Code: line before it, and keeps the listing of this line if it is a
// Code: line (code is its context). A listing waits for the next line: if
// that is a listing already, the input is this tool's output, and the new
// one is dropped.
func (a *Annotator) emit(w io.Writer, l parse.Line, toks []parse.Token, code *codeContext) error {
	a.lineEOL = l.EOL
	if len(a.pending) == 0 && code == nil && (!l.Whole || a.addsNothing(l.Text, toks)) {
		// Nothing to add (most lines): the line goes out as it came,
		// from the reader's buffer.
		if raw, ok := l.Raw(); ok {
			a.resolved = a.resolved[:0]
			if a.opts.Sink != nil {
				return a.opts.Sink.Line(l, raw, a.resolved)
			}
			_, err := w.Write(raw)
			return err
		}
	}
	out := a.out[:0]
	if len(a.pending) > 0 {
		if !l.Whole || !disasm.IsListingLine(l.Text) {
			out = append(out, a.pending...)
		}
		a.pending = a.pending[:0]
	}
	a.resolved = a.resolved[:0]
	if l.Whole {
		out = a.appendAnnotated(out, l.Text, toks)
	} else {
		out = append(out, l.Text...)
	}
	out = append(out, l.EOL...)
	if code != nil && len(l.EOL) > 0 {
		// (A last line without its terminator gets no listing: the
		// listing's lines could only follow it by adding one.)
		a.pending = a.appendListing(a.pending[:0], l.Text, l.EOL, *code, a.decision())
	}
	a.out = out
	if a.opts.Sink != nil {
		return a.opts.Sink.Line(l, out, a.resolved)
	}
	_, err := w.Write(out)
	return err
}

// Listing returns the disassembly of the Code: line last written, to be
// written before the next line (empty when it was no Code: line). It is
// valid while a LineSink's Line runs.
func (a *Annotator) Listing() []byte { return a.pending }

// flushPending writes the listing of the last line, at the end of the
// input.
func (a *Annotator) flushPending(w io.Writer) error {
	if len(a.pending) == 0 {
		return nil
	}
	tail := a.pending
	a.pending = a.pending[:0]
	if a.opts.Sink != nil {
		return a.opts.Sink.Tail(tail)
	}
	_, err := w.Write(tail)
	return err
}

// holding reports whether the line just observed must wait: lines are
// held from the start of a report, while its boot's offset is unknown.
func (a *Annotator) holding() bool {
	if a.hold.active() {
		return true
	}
	if a.static == nil || a.prescan != nil || a.opts.OffsetSet || a.opts.Force || !a.inReport || a.hold.spent {
		return false
	}
	return a.decision().verdict.Source == OffsetUnknown
}

// holdDone reports whether the held lines can be written: the offset is
// known, the report ended, or the bound was reached.
func (a *Annotator) holdDone() bool {
	if !a.inReport || a.decision().verdict.Source != OffsetUnknown {
		return true
	}
	limit := a.opts.MaxHold
	if limit <= 0 {
		limit = DefaultMaxHold
	}
	if len(a.hold.lines) >= limit || a.hold.bytes >= maxHoldBytes {
		// Give up waiting for this report; the rest of it streams.
		a.hold.spent = true
		a.stats.HoldsCut++
		return true
	}
	return false
}

// flushHold writes the held lines, annotated with what is known now.
func (a *Annotator) flushHold(w Flusher) error {
	for i := range a.hold.lines {
		h := &a.hold.lines[i]
		l := parse.Line{Text: h.text, EOL: h.eol, Offset: h.offset, Whole: h.whole}
		if err := a.emit(w, l, h.toks, h.code); err != nil {
			return err
		}
	}
	a.hold.reset()
	return nil
}

// hold keeps the lines of a report while its kernel's offset is unknown.
type hold struct {
	lines []heldLine
	bytes int
	spent bool // the current report was held as long as allowed
}

type heldLine struct {
	text, eol []byte
	offset    int64
	whole     bool
	toks      []parse.Token
	code      *codeContext // the context of a Code: line
}

func (h *hold) active() bool { return len(h.lines) > 0 }

func (h *hold) add(l parse.Line, toks []parse.Token, code *codeContext) {
	text := append([]byte(nil), l.Text...)
	eol := append([]byte(nil), l.EOL...)
	h.lines = append(h.lines, heldLine{text: text, eol: eol, offset: l.Offset, whole: l.Whole, toks: append([]parse.Token(nil), toks...), code: code})
	h.bytes += len(text)
}

func (h *hold) reset() {
	clear(h.lines)
	h.lines = h.lines[:0]
	h.bytes = 0
}

// sizeOf returns the size of r's input when r tells it (a Size method, as
// bytes.Reader's and io.SectionReader's), 0 when it does not: the read
// buffers need be no larger.
func sizeOf(r io.Reader) int64 {
	if s, ok := r.(interface{ Size() int64 }); ok {
		return s.Size()
	}
	return 0
}

// Prescan reads a whole log for the evidence about each of its boots
// before Stream annotates it from its start: so the "Kernel Offset:" line
// at the end of a panic applies to every report of its boot, and a later
// boot in the log tells that an earlier one is not the running kernel's.
// r must hold the same log that Stream will be given.
func (a *Annotator) Prescan(r io.Reader) error {
	p := a.collector(parse.ArchUnknown)
	if err := p.collect(r); err != nil {
		return err
	}
	a.takeEvidence([]*Annotator{p})
	return nil
}

// PrescanAt is Prescan for a log that can be read at any offset (a file of
// size bytes): it is read in up to parts pieces, cut at line ends, side by
// side, and their evidence is joined as one reading in order would have
// found it.
func (a *Annotator) PrescanAt(r io.ReaderAt, size int64, parts int) error {
	cuts, err := lineCuts(r, size, parts)
	if err != nil {
		return err
	}
	piece := func(i int) io.Reader { return io.NewSectionReader(r, cuts[i], cuts[i+1]-cuts[i]) }
	cs := make([]*Annotator, len(cuts)-1)
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i := range cs {
		cs[i] = a.collector(parse.ArchUnknown)
		if i == len(cs)-1 {
			// The last piece is read here: one piece costs no goroutine
			// (a short log is read at once, often by a fresh thread).
			errs[i] = cs[i].collect(piece(i))
			break
		}
		wg.Go(func() { errs[i] = cs[i].collect(piece(i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// A piece starts without the architecture the log showed before it.
	// x86 and an unknown architecture read trace entries alike; for any
	// other, a piece that weighed address/symbol pairs before the log
	// showed its own architecture is read again, assuming it.
	arch := parse.ArchUnknown
	for i := range cs {
		if cs[i].pairsBlind && arch.FrameRole() != parse.ArchUnknown.FrameRole() {
			cs[i] = a.collector(arch)
			if err := cs[i].collect(piece(i)); err != nil {
				return err
			}
		}
		if x := cs[i].parser.Arch(); x != parse.ArchUnknown {
			arch = x
		}
	}
	a.takeEvidence(cs)
	return nil
}

// lineCuts returns the offsets that cut r's size bytes into at most n
// pieces of about equal size, each but the last ending with a line's end:
// 0, the cuts, and size.
func lineCuts(r io.ReaderAt, size int64, n int) ([]int64, error) {
	cuts := []int64{0}
	buf := make([]byte, 4<<10)
	for k := int64(1); k < int64(n); k++ {
		at := max(size*k/int64(n), cuts[len(cuts)-1])
		for at < size {
			m, err := r.ReadAt(buf[:min(int64(len(buf)), size-at)], at)
			if i := bytes.IndexByte(buf[:m], '\n'); i >= 0 {
				at += int64(i) + 1
				break
			}
			at += int64(m)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			if m == 0 {
				at = size
			}
		}
		if at >= size {
			break
		}
		if at > cuts[len(cuts)-1] {
			cuts = append(cuts, at)
		}
	}
	return append(cuts, size), nil
}

// collector returns an Annotator that gathers evidence as a's Prescan,
// its parser starting in arch.
func (a *Annotator) collector(arch parse.Arch) *Annotator {
	opts := a.opts
	opts.OnVerdict = nil
	p := New(a.res, opts)
	if arch != parse.ArchUnknown && opts.Arch == parse.ArchUnknown {
		p.parser = parse.NewParserAssuming(arch)
	}
	p.keepBoots = true
	return p
}

// collect reads r for evidence (see Prescan).
func (p *Annotator) collect(r io.Reader) error {
	lr := parse.NewLineReaderSize(r, p.opts.MaxLine, sizeOf(r))
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if l.Whole {
			p.observe(l.Text)
		}
	}
}

// boots returns the boots a collector saw, in order: the first continues
// the log before its piece.
func (p *Annotator) boots() []*bootState {
	return append(slices.Clip(p.done), p.cur)
}

// takeEvidence makes the evidence of collectors, which read the log's
// pieces in order, a's: each piece's first boot continues the last boot
// of the piece before it, and its line numbers follow that piece's.
func (a *Annotator) takeEvidence(cs []*Annotator) {
	var boots []*bootState
	var lines int64
	a.mismatches = a.mismatches[:0]
	a.stats.Agreed, a.stats.Disagreed, a.stats.NamesAgreed, a.stats.NamesDisagreed = 0, 0, 0, 0
	arch := parse.ArchUnknown // the architecture the log showed before the piece
	for i, c := range cs {
		for j, b := range c.boots() {
			b.firstLine += lines
			if b.claim.Kind != parse.FactNone {
				b.claimLine += lines
			}
			// A boot with lines whose piece had shown no architecture by
			// its end has the one the log showed before the piece.
			if b.arch == parse.ArchUnknown && b.lines > 0 {
				b.arch = arch
			}
			if i > 0 && j == 0 {
				boots[len(boots)-1].extend(b)
				continue
			}
			b.index = len(boots)
			boots = append(boots, b)
		}
		for _, m := range c.mismatches {
			if len(a.mismatches) < maxMismatches {
				m.Line += lines
				a.mismatches = append(a.mismatches, m)
			}
		}
		a.stats.Agreed += c.stats.Agreed
		a.stats.Disagreed += c.stats.Disagreed
		a.stats.NamesAgreed += c.stats.NamesAgreed
		a.stats.NamesDisagreed += c.stats.NamesDisagreed
		lines += c.stats.Lines
		if x := c.parser.Arch(); x != parse.ArchUnknown {
			arch = x
		}
	}
	last := len(boots) - 1
	for _, b := range boots {
		b.last = b.index == last
	}
	a.prescan = boots
	a.lastBoot = last
	if a.cur.index == 0 {
		a.cur.merge(boots[0])
	}
	a.stale = true
}

// hasPlusHex reports whether b holds "+0x", the mark of a symbol printed
// with its offset. A '+' is rare in a log line: most lines cost one byte
// search.
func hasPlusHex(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '+')
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if b[i+1] == '0' && b[i+2] == 'x' {
			return true
		}
		b = b[i+1:]
	}
}

func hasSymbolizedToken(toks []parse.Token) bool {
	for _, t := range toks {
		if t.Symbolized {
			return true
		}
	}
	return false
}
