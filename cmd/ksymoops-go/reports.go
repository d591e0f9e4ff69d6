package main

import (
	"bufio"
	"errors"
	"io"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/parse/report"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
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
	w      *bufio.Writer
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
}

type heldLine struct {
	off  int64
	text []byte
}

func newReportStream(o *options, input string, w *bufio.Writer, a *annotate.Annotator, arch parse.Arch) *reportStream {
	return &reportStream{o: o, input: input, w: w, a: a, x: report.NewExtractor(report.Options{Arch: arch}),
		counts: map[string]int64{}}
}

// run copies r to the output, line by line. Like annotate's Stream, it
// flushes whenever it has consumed all the input read so far, so that a
// live source is processed as it arrives.
func (s *reportStream) run(r io.Reader, maxLine int) error {
	lr := parse.NewLineReader(r, maxLine)
	var out []byte
	for {
		l, err := lr.Next()
		if errors.Is(err, io.EOF) {
			s.reports(s.x.Flush())
			s.release()
			return s.w.Flush() // the writer keeps the first error of its writes
		}
		if err != nil {
			if ferr := s.w.Flush(); ferr != nil {
				return ferr
			}
			return err
		}
		out = out[:0]
		s.named = s.named[:0]
		if l.Whole {
			out = s.a.AppendLine(out, l.Text)
			for _, res := range s.a.Resolutions() {
				loc := res.Location
				s.named = append(s.named, report.Named{At: res.Token.Start,
					Symbol: parse.PrintedSymbol{Name: loc.Name, Offset: loc.Offset, Size: loc.Size, Module: loc.Module}})
			}
		} else {
			out = append(out, l.Text...)
		}
		out = append(out, l.EOL...)
		reps := s.x.LineNamed(l, s.named)
		if err := s.write(l.Offset, out); err != nil {
			return err
		}
		s.reports(reps)
		if s.o.onlyReports && !s.x.Reading() {
			s.release()
		}
		if lr.Buffered() == 0 {
			if err := s.w.Flush(); err != nil {
				return err
			}
		}
	}
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
		s.spans = append(s.spans, [2]int64{r.Start, r.End})
		switch s.o.format {
		case formatJSON:
			s.w.Write(appendJSONReport(nil, s.input, r))
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

// summaryType is the type a report is counted under on standard error.
func summaryType(r *report.Report) string {
	if r.Type != "" {
		return r.Type
	}
	return "other"
}
