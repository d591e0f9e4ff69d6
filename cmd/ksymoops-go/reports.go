package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

// maxHeldOutput bounds what --only-reports holds back while a report is
// read (its end is known only later). Past it, the lines are written as
// they are held: a report that long is most of the log anyway.
const maxHeldOutput = 16 << 20

// A reportStream annotates one input and finds its kernel reports, and
// writes what the output format asks for.
type reportStream struct {
	o      *options
	input  string // the input's name, for JSON and annotations
	w      annotate.Flusher
	a      *annotate.Annotator
	x      *report.Extractor
	named  []report.Named
	counts map[string]int64 // reports by type
	// held are the annotated lines --only-reports holds until the
	// reports they may belong to end; spans the extents of the reports
	// handed out since.
	held      []heldLine
	heldBytes int
	spans     [][2]int64
	lastOff   int64     // the offset of the last line
	listings  []listing // Code: disassemblies of the reports being read
	// worker, when set, owns x: the reports are only counted, beside
	// the writing of the lines (see extractWorker and fileWorker).
	worker reportCounter
	// maxLine is the annotator's line limit, which a fileWorker's line
	// reader keeps too.
	maxLine int
	// unread is set when nothing would tell the reports (see
	// reportsUnused): the Annotator then writes the lines itself, with
	// no LineSink.
	unread bool
}

// A reportCounter counts the reports of the lines the stream hands it, on
// a goroutine of its own.
type reportCounter interface {
	add(l parse.Line, named []report.Named)
	// finish waits for the lines handed over to be read, and returns
	// the reports by type.
	finish() (map[string]int64, error)
}

type heldLine struct {
	off  int64
	text []byte
}

func newReportStream(o *options, input string, w annotate.Flusher, arch parse.Arch) *reportStream {
	return &reportStream{o: o, input: input, w: w, x: report.NewExtractor(report.Options{Arch: arch}),
		counts: map[string]int64{}, unread: reportsUnused(o)}
}

// reportsUnused reports whether the reports of the inputs would go
// nowhere: the annotated log alone is written, -q silences the summary
// that counts them, and no --fail-on-oops asks for their number. Finding
// them is then work for nothing (on a long log, another core's worth).
func reportsUnused(o *options) bool {
	return reportsCounted(o) && o.quiet && !o.failOnOops
}

// reportsCounted reports whether the reports are only counted, for the
// summary on stderr: the output is the annotated log, all of it.
func reportsCounted(o *options) bool {
	return o.format == formatText && !o.onlyReports
}

// smallInput is the most an input may hold for its reports to be found
// on the annotating goroutine: below it, handing its lines to a worker
// (a goroutine, likely a thread to start, and copies of the lines) costs
// more than the extraction it moves aside.
const smallInput = 256 << 10

// run annotates r into the output through the Annotator, which hands
// each line to s (a LineSink): s follows the reports and writes what the
// format asks for.
func (s *reportStream) run(r io.Reader) error {
	if reportsCounted(s.o) && !s.unread && !knownSmall(r) {
		// The reports are only counted: beside the writing of the lines,
		// from the file itself when it can be read again.
		if d, ok := r.(*decoded); ok && d.at != nil {
			s.worker = newFileWorker(s.x, d.at, d.size, s.maxLine)
		} else {
			s.worker = newExtractWorker(s.x)
		}
	}
	err := s.a.Stream(s.w, r)
	if s.worker != nil {
		counts, cerr := s.worker.finish()
		for k, n := range counts {
			s.counts[k] += n
		}
		if err == nil && cerr != nil {
			err = fmt.Errorf("counting its reports: %w", cerr)
		}
		if ferr := s.w.Flush(); err == nil {
			err = ferr
		}
		return err
	}
	s.reports(s.x.Flush())
	s.release()
	if ferr := s.w.Flush(); err == nil {
		err = ferr // the writer keeps the first error of its writes
	}
	return err
}

// Line takes one line as the Annotator made it: the extractor reads it
// with the names the annotation gave its raw addresses, and the output
// gets what the format asks for.
func (s *reportStream) Line(in parse.Line, out []byte, resolved []annotate.Resolved) error {
	s.named = s.named[:0]
	for _, res := range resolved {
		loc := res.Location
		s.named = append(s.named, report.Named{At: res.Token.Start,
			Symbol: parse.PrintedSymbol{Name: loc.Name, Offset: loc.Offset, Size: loc.Size, Module: loc.Module}})
	}
	if s.worker != nil {
		s.worker.add(in, s.named)
		return s.write(in.Offset, out)
	}
	reps := s.x.LineNamed(in, s.named)
	if listing := s.a.Listing(); len(listing) > 0 && s.o.format == formatJSON && s.x.InReport() {
		s.keepListing(in.Offset, listing)
	}
	s.lastOff = in.Offset
	if err := s.write(in.Offset, out); err != nil {
		return err
	}
	s.reports(reps)
	if s.o.onlyReports && !s.x.Reading() {
		s.release()
	}
	return nil
}

// Tail writes the listing of a Code: line that ends the input.
func (s *reportStream) Tail(out []byte) error { return s.write(s.lastOff, out) }

// maxListings bounds the Code: listings kept for the reports being read.
const maxListings = 16

// A listing is the disassembly of a report's Code: line, for JSON.
type listing struct {
	off   int64
	lines []string
}

// keepListing remembers the listing of the Code: line at off, without its
// markers.
func (s *reportStream) keepListing(off int64, text []byte) {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(text), "\r\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(strings.TrimRight(l, "\r"), disasm.Marker))
	}
	if len(s.listings) == maxListings {
		s.listings = append(s.listings[:0], s.listings[1:]...)
	}
	s.listings = append(s.listings, listing{off, lines})
}

// codeOf returns the listings of the Code: lines inside r.
func (s *reportStream) codeOf(r *report.Report) []string {
	var code []string
	for _, l := range s.listings {
		if l.off >= r.Start && l.off < r.End {
			code = append(code, l.lines...)
		}
	}
	return code
}

// write outputs one annotated line as the format asks: always for text
// and github, held back for --only-reports, never for JSON.
func (s *reportStream) write(off int64, line []byte) error {
	switch {
	case s.o.format == formatJSON:
		return nil
	case s.o.onlyReports && s.heldBytes+len(line) <= maxHeldOutput:
		s.held = append(s.held, heldLine{off, append([]byte(nil), line...)})
		s.heldBytes += len(line)
		return nil
	case s.o.onlyReports && s.x.Reading():
		s.flushHeld(true)
		_, err := s.w.Write(line)
		return err
	case s.o.onlyReports:
		return nil
	}
	_, err := s.w.Write(line)
	return err
}

// reports counts and writes the reports the extractor handed out. (Write
// errors stay in the buffered writer, which returns the first at Flush.)
func (s *reportStream) reports(reps []*report.Report) {
	for _, r := range reps {
		s.counts[summaryType(r)]++
		if s.o.onlyReports {
			s.spans = append(s.spans, [2]int64{r.Start, r.End})
		}
		switch s.o.format {
		case formatJSON:
			s.w.Write(appendJSONReport(nil, s.input, r, s.codeOf(r), s.a.Verdict()))
		case formatGitHub:
			if s.o.onlyReports {
				s.release() // the report's lines, then its annotation
			}
			s.w.Write(appendGitHubAnnotation(nil, s.input, r))
		}
	}
}

// release writes the held lines that belong to the reports handed out,
// and drops the others: no report holds them.
func (s *reportStream) release() { s.flushHeld(false) }

// flushHeld writes the held lines (all of them, when all is set) and
// forgets them. Write errors stay in the buffered writer, as above.
func (s *reportStream) flushHeld(all bool) {
	for _, h := range s.held {
		if all || s.inSpan(h.off) {
			s.w.Write(h.text)
		}
	}
	s.held, s.heldBytes = s.held[:0], 0
	if !s.x.Reading() {
		s.spans = s.spans[:0]
	}
}

func (s *reportStream) inSpan(off int64) bool {
	for _, sp := range s.spans {
		if off >= sp[0] && off < sp[1] {
			return true
		}
	}
	return false
}

// knownSmall reports whether r tells its size (a plain file), and it is
// below smallInput.
func knownSmall(r io.Reader) bool {
	sz, ok := r.(interface{ Size() int64 })
	return ok && sz.Size() > 0 && sz.Size() < smallInput
}

// summaryType is the type a report is counted under on standard error.
func summaryType(r *report.Report) string {
	if r.Type != "" {
		return r.Type
	}
	return "other"
}
