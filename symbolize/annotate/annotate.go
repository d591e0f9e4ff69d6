// Package annotate rewrites a kernel log stream, adding after each raw
// kernel address the symbol it falls in, in the kernel's own
// "name+0xoff/0xsize [module]" format. It joins package parse, which finds
// the addresses, with a symbol table from package symbolize.
package annotate

import (
	"bytes"
	"errors"
	"io"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
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
}

// Stats counts what an Annotator did.
type Stats struct {
	Lines      int64 // lines read
	Addresses  int64 // raw kernel addresses found (not counting register values)
	Resolved   int64 // of those, annotated with a symbol
	Registers  int64 // register values annotated because they point into code
	Symbolized int64 // addresses the kernel had already printed a symbol for
	Agreed     int64 // of those, ones the table resolves to the same text
	Disagreed  int64 // of those, ones the table resolves differently
	Withheld   int64 // addresses left raw because the table contradicts the log
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
	opts   Options
	parser *parse.Parser
	edits  []parse.Edit
	text   []byte // backing store for edit texts
	stats  Stats
	// mismatches are the first disagreements between the log and the table.
	mismatches []Mismatch
	printed    []parse.PrintedSymbol // scratch for checkNames
	resolved   []Resolved            // the last line's annotations (report.go)
}

// New returns an Annotator that resolves through res.
func New(res Resolver, opts Options) *Annotator {
	return &Annotator{res: res, opts: opts, parser: parse.NewParser(opts.Arch), stats: Stats{Reports: map[string]int64{}}}
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

// AppendLine appends line (without its terminator) to dst with annotations
// inserted, and returns the extended buffer.
func (a *Annotator) AppendLine(dst, line []byte) []byte {
	a.stats.Lines++
	a.resolved = a.resolved[:0]
	toks := a.parser.Tokens(line)
	if kind := a.parser.ReportStarted(); kind != "" {
		a.stats.Reports[kind]++
	}
	if !hasSymbolizedToken(toks) && bytes.Contains(line, []byte("+0x")) {
		a.checkNames(line)
	}
	if len(toks) == 0 {
		return append(dst, line...)
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
				a.check(line, t)
			}
			continue
		}
		loc, ok := a.resolve(t)
		if ok && a.distrusted() {
			// The log's own symbols contradict the table: a name from it
			// would be a confident guess, and wrong names are worse than
			// none. Leave the address raw.
			ok = false
			if t.Role != parse.RoleValue {
				a.stats.Withheld++
			}
		}
		if t.Role == parse.RoleValue {
			if !ok || !loc.IsText() {
				continue
			}
			a.stats.Registers++
		} else {
			a.stats.Addresses++
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
			a.resolved = append(a.resolved, Resolved{Token: t, Location: loc})
		}
		from := len(a.text)
		a.text = a.appendLocation(append(a.text, ' '), loc)
		pending = append(pending, span{t.End, from, len(a.text)})
	}
	for _, s := range pending {
		a.edits = append(a.edits, parse.Edit{At: s.at, Text: a.text[s.from:s.to]})
	}
	return parse.Splice(dst, line, a.edits)
}

func hasSymbolizedToken(toks []parse.Token) bool {
	for _, t := range toks {
		if t.Symbolized {
			return true
		}
	}
	return false
}

func (a *Annotator) resolve(t parse.Token) (symbolize.Location, bool) {
	if t.Value == 0 {
		return symbolize.Location{}, false
	}
	if t.Role == parse.RoleReturn {
		return a.res.LookupReturn(t.Value)
	}
	return a.res.Lookup(t.Value)
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
func (a *Annotator) Stream(w Flusher, r io.Reader) error {
	lr := parse.NewLineReader(r, a.opts.MaxLine)
	var out []byte
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return w.Flush()
		}
		if err != nil {
			if ferr := w.Flush(); ferr != nil {
				return ferr
			}
			return err
		}
		out = out[:0]
		if l.Whole {
			out = a.AppendLine(out, l.Text)
		} else {
			out = append(out, l.Text...)
		}
		out = append(out, l.EOL...)
		if _, err := w.Write(out); err != nil {
			return err
		}
		if lr.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}
