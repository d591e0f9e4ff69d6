package main

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse/report"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

// jsonReport is the JSON form of a kernel report that --format json
// writes, one object per line. Its field names are an interface: README.md
// documents them, and they change only by adding fields.
type jsonReport struct {
	Input           string      `json:"input"`
	Title           string      `json:"title"`
	Type            string      `json:"type"`
	Frame           string      `json:"frame"`
	Corrupted       bool        `json:"corrupted"`
	CorruptedReason string      `json:"corrupted_reason,omitempty"`
	Panicked        bool        `json:"panicked"`
	Start           int64       `json:"start"`
	End             int64       `json:"end"`
	Line            int         `json:"line"`
	Lines           int         `json:"lines"`
	Truncated       bool        `json:"truncated,omitempty"`
	Arch            string      `json:"arch"`
	Release         string      `json:"release,omitempty"`
	CPU             *int        `json:"cpu,omitempty"`
	PID             *int        `json:"pid,omitempty"`
	Comm            string      `json:"comm,omitempty"`
	Taint           string      `json:"taint,omitempty"`
	Modules         []string    `json:"modules"`
	Frames          []jsonFrame `json:"frames"`
	// Code is the disassembly of the report's Code: lines, one
	// instruction a string, as the text output lists it.
	Code []string `json:"code,omitempty"`
	// Symbols says how far the names can be trusted: whether the table
	// fits the report's boot, and the KASLR offset it was moved by.
	Symbols jsonSymbols `json:"symbols"`
}

// jsonSymbols is the verdict on the symbol table for a report's boot.
type jsonSymbols struct {
	Trusted      bool     `json:"trusted"`
	KASLROffset  string   `json:"kaslr_offset,omitempty"`
	OffsetSource string   `json:"offset_source"`
	Problems     []string `json:"problems,omitempty"`
}

// jsonFrame is one stack entry of a jsonReport. Addresses are strings
// ("0xffffffff81234567"): JSON numbers lose precision past 2^53.
type jsonFrame struct {
	Address  string `json:"address,omitempty"`
	Name     string `json:"name,omitempty"`
	Offset   uint64 `json:"offset"`
	Size     uint64 `json:"size"`
	Module   string `json:"module,omitempty"`
	Reliable bool   `json:"reliable"`
	IP       bool   `json:"ip,omitempty"`
	Resolved bool   `json:"resolved,omitempty"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Inlined  bool   `json:"inlined,omitempty"`
}

func toJSON(input string, r *report.Report, code []string, v annotate.Verdict) jsonReport {
	j := jsonReport{
		Input: input, Title: r.Title, Type: r.Type, Frame: r.Frame, Corrupted: r.Corrupted,
		CorruptedReason: r.CorruptedReason, Panicked: r.Panicked, Start: r.Start, End: r.End,
		Line: r.StartLine, Lines: r.Lines, Truncated: r.Truncated, Arch: r.Arch.String(),
		Release: r.Release, Comm: r.Comm, Taint: r.Taint, Modules: r.Modules, Frames: []jsonFrame{},
	}
	if j.Modules == nil {
		j.Modules = []string{}
	}
	j.Code = code
	j.Symbols = jsonSymbols{Trusted: v.Trusted, OffsetSource: v.Source.String(), Problems: v.Problems}
	if v.Source != annotate.OffsetRuntime && v.Source != annotate.OffsetUnknown {
		j.Symbols.KASLROffset = "0x" + strconv.FormatUint(v.Offset, 16)
	}
	if r.CPU >= 0 {
		j.CPU = &r.CPU
	}
	if r.PID >= 0 {
		j.PID = &r.PID
	}
	for _, f := range r.Frames {
		jf := jsonFrame{Name: f.Name, Offset: f.Offset, Size: f.Size, Module: f.Module, Reliable: f.Reliable,
			IP: f.IP, Resolved: f.Resolved, File: f.File, Line: f.Line, Inlined: f.Inlined}
		if f.Address != 0 {
			jf.Address = "0x" + strconv.FormatUint(f.Address, 16)
		}
		j.Frames = append(j.Frames, jf)
	}
	return j
}

// appendJSONReport appends r as one line of JSON.
func appendJSONReport(dst []byte, input string, r *report.Report, code []string, v annotate.Verdict) []byte {
	b, err := json.Marshal(toJSON(input, r, code, v))
	if err != nil {
		// Strings, numbers and booleans always marshal; keep the line
		// count right if that ever changes.
		b = []byte(`{"error":` + strconv.Quote(err.Error()) + `}`)
	}
	return append(append(dst, b...), '\n')
}

// appendGitHubAnnotation appends a GitHub Actions workflow command that
// shows r as an error annotation of the run, pointing at the report's
// lines in the input.
func appendGitHubAnnotation(dst []byte, input string, r *report.Report) []byte {
	dst = append(dst, "::error file="...)
	dst = append(dst, escapeGitHubProperty(input)...)
	dst = append(dst, ",line="...)
	dst = strconv.AppendInt(dst, int64(r.StartLine), 10)
	if r.Lines > 1 {
		dst = append(dst, ",endLine="...)
		dst = strconv.AppendInt(dst, int64(r.StartLine+r.Lines-1), 10)
	}
	dst = append(dst, ",title="...)
	title := "kernel " + summaryType(r)
	if r.Corrupted {
		title += " (corrupted report)"
	}
	dst = append(dst, escapeGitHubProperty(title)...)
	dst = append(dst, "::"...)
	dst = append(dst, escapeGitHubData(r.Title)...)
	return append(dst, '\n')
}

// escapeGitHubData escapes a workflow command's message: '%' and line
// breaks would end or garble it.
func escapeGitHubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeGitHubProperty escapes a workflow command's property value, which
// ':' and ',' would also cut.
func escapeGitHubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
