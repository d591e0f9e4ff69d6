package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	exitOops  = 3 // --fail-on-oops and a kernel report was found
)

// usageError marks errors in how the command was called (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run is the whole command, with its environment passed in so that tests
// can call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var status int
	app := newApp(stdout, stderr, func(o *options) error {
		var err error
		status, err = annotateFiles(o, stdin, stdout, stderr, lookupEnv)
		return err
	})
	err := app.RunContext(context.Background(), interspersed(args, app.Flags))
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ksymoops-go: %v\nRun 'ksymoops-go --help' for usage.\n", ue.err)
		return exitUsage
	case errors.As(err, new(quietError)):
		return exitError
	case err != nil:
		fmt.Fprintf(stderr, "ksymoops-go: %v\n", err)
		return exitError
	}
	return status
}

// annotateFiles loads the symbol table and annotates each input in turn.
func annotateFiles(o *options, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) (int, error) {
	diag := &diagnostics{w: stderr, quiet: o.quiet}
	restoreGC := func() {}
	if !o.src.enabled() {
		// The collector's first cycle would come at 4 MB of heap, in the
		// middle of loading a symbol table whose every byte stays live:
		// it frees nothing and costs a run over one oops a fifth of its
		// time. Without debug information, whose index can be a hundred
		// megabytes, the heap may grow to three times what is live.
		prev := debug.SetGCPercent(200)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	set, lines, err := loadSources(o, stdin, diag)
	if err != nil {
		return exitError, err
	}
	if !smallFiles(o.files) {
		// Long logs (or pipes, which may be) are read with the setting
		// the run started with: their garbage then stays within what is
		// live, not twice that. (A short one would pay a cycle for
		// nothing: the heap is past the goal the setting restores.)
		restoreGC()
	}
	if lines != nil {
		defer lines.Close()
	}
	describeTable(diag, set.table)
	var modules *symbolize.ModuleMap
	if o.lsmod != "" {
		if modules, err = loadModules(o.lsmod, stdin); err != nil {
			return exitError, err
		}
		diag.notef("using %s: %d modules", modules.Source(), len(modules.Modules()))
	}

	opts := annotate.Options{
		Arch:         o.arch,
		LinkTime:     set.linkTime,
		Offset:       o.kaslrOffset,
		OffsetSet:    o.kaslrOffsetSet && set.linkTime,
		TableRelease: set.release,
		Live:         set.live,
		Force:        o.force,
		Modules:      modules,
		Code:         !o.noCode,
		Lines:        lineOptions(o, lines),
	}
	if useColor(o.color, stdout, lookupEnv) {
		opts.Style = newStyle()
	}
	sink := &outputWriter{w: stdout}
	out := bufio.NewWriterSize(sink, 64<<10)
	reports := map[string]int64{}
	status, err := annotateSources(o, stdin, out, sink, stderr, set.table, opts, reports)
	if err != nil {
		return status, err
	}
	if err := out.Flush(); err != nil {
		return outputFailed(err)
	}
	total := summarizeReports(diag, reports)
	if status == exitOK && o.failOnOops && total > 0 {
		status = exitOops
	}
	return status, nil
}

// smallFiles reports whether files are regular files, each smaller than
// smallInput (the logs of a few oopses); standard input, a pattern or a
// device may be anything.
func smallFiles(files []string) bool {
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() >= smallInput {
			return false
		}
	}
	return len(files) > 0
}

// outputWriter remembers the first error writing the annotated stream, so
// that it is told apart from errors reading an input.
type outputWriter struct {
	w   io.Writer
	err error
}

func (o *outputWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// outputFailed is the result of a failed write of the annotated stream. A
// reader that went away (ksymoops-go crash.log | head) is not an error worth
// a message: it is what SIGPIPE would have ended quietly, had it been
// delivered.
func outputFailed(err error) (int, error) {
	if errors.Is(err, syscall.EPIPE) {
		return exitError, quietError{}
	}
	return exitError, fmt.Errorf("writing output: %w", err)
}

// quietError ends the command with exit status 1 and no message.
type quietError struct{}

func (quietError) Error() string { return "output closed" }

func annotateSource(o *options, src *source, stdin io.Reader, out annotate.Flusher, table *symbolize.Table, opts annotate.Options, diag *diagnostics, reports map[string]int64) error {
	name := src.name
	opts.OnVerdict = func(v annotate.Verdict) { tellVerdict(diag, name, v, opts) }
	rs := newReportStream(o, name, out, opts.Arch)
	rs.maxLine = opts.MaxLine
	if !rs.unread {
		opts.Sink = rs
	}
	a := annotate.New(table, opts)
	rs.a = a
	rc, err := src.open(stdin)
	if err != nil {
		return err
	}
	defer rc.Close()
	if src.rereadable() {
		// A file can be read twice: the evidence of each boot (the
		// "Kernel Offset:" line at the end of a panic) then applies from
		// its first line, and nothing is held back.
		if err := prescan(a, src, rc); err != nil {
			return err
		}
	}
	if err := rs.run(rc); err != nil {
		return nameError(name, err)
	}
	describeInput(diag, src, rc)
	s := a.Stats()
	for k, v := range rs.counts {
		reports[k] += v
	}
	if s.Disagreed > 0 || s.NamesDisagreed > 0 {
		// Said even with -q: a table from another kernel gives wrong names.
		fmt.Fprintf(diag.w, "ksymoops-go: WARNING: %s: the symbol table does not match the kernel that wrote this log: "+
			"%d of %d addresses the kernel named itself resolve differently, and %d of %d symbols it printed have another size, in %s\n",
			name, s.Disagreed, s.Agreed+s.Disagreed, s.NamesDisagreed, s.NamesAgreed+s.NamesDisagreed, table.Source())
		for _, m := range a.Mismatches() {
			fmt.Fprintf(diag.w, "ksymoops-go:   %v\n", m)
		}
	}
	if s.HoldsCut > 0 {
		fmt.Fprintf(diag.w, "ksymoops-go: WARNING: %s: %d reports were held back as long as allowed (%d lines) waiting for their kernel's offset, then written without it; give the log as a file to have it read twice\n",
			name, s.HoldsCut, annotate.DefaultMaxHold)
	}
	if s.Withheld > 0 {
		fmt.Fprintf(diag.w, "ksymoops-go: WARNING: %s: %d addresses were left unannotated rather than given names from a table that may not be their kernel's (see above; --force prints them anyway)\n", name, s.Withheld)
	}
	reportSources(diag, name, a)
	diag.notef("%s: %d lines; resolved %d of %d raw addresses (the rest are user space or outside the table), %d register values point into code; %d addresses the kernel had already named",
		name, s.Lines, s.Resolved, s.Addresses, s.Registers, s.Symbolized)
	return nil
}

// minPrescanPiece is the least a prescan piece is worth reading apart:
// below it, starting a reader costs more than it saves.
const minPrescanPiece = 4 << 20

// prescan reads the log of src once for the evidence about its kernels,
// before the stream opened, d, is read: a plain file through d, in pieces
// side by side, anything else through a decoder of its own.
func prescan(a *annotate.Annotator, src *source, d *decoded) error {
	if d.at != nil {
		parts := min(runtime.GOMAXPROCS(0), int(d.size/minPrescanPiece)+1)
		if err := a.PrescanAt(d.at, d.size, parts); err != nil {
			return nameError(src.name, err)
		}
		return nil
	}
	rc, err := src.open(nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := a.Prescan(rc); err != nil {
		return nameError(src.name, err)
	}
	return nil
}

// tellVerdict says on stderr what was concluded about a boot in the log:
// where its KASLR offset came from, and why names were withheld. Problems
// are said even with -q: without them, missing names would be a mystery,
// and forced names a trap.
func tellVerdict(diag *diagnostics, name string, v annotate.Verdict, opts annotate.Options) {
	switch {
	case !v.Trusted || len(v.Problems) > 0 || v.Source == annotate.OffsetAssumed:
		msg := v.String()
		if opts.Force && len(v.Problems) > 0 {
			msg += " (names printed anyway: --force)"
		}
		fmt.Fprintf(diag.w, "ksymoops-go: WARNING: %s: %s\n", name, msg)
		if v.Source == annotate.OffsetUnknown {
			fmt.Fprintf(diag.w, "ksymoops-go:   the log shows no trustworthy \"Kernel Offset:\" line and no address printed with its symbol for this boot: "+
				"pass its offset with --kaslr-offset HEX (0 if it was not randomized), or a kallsyms of that boot with -k\n")
		}
	case v.Source != annotate.OffsetRuntime || len(v.Notes) > 0:
		diag.notef("%s: %s", name, v)
	}
}

// nameError says which input err is about, unless it says so already.
func nameError(name string, err error) error {
	var pe *fs.PathError
	var xe *xopen.Error
	if errors.As(err, &pe) || errors.As(err, &xe) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// summarizeReports says on stderr how many kernel reports of each kind the
// inputs held, and returns their number.
func summarizeReports(diag *diagnostics, reports map[string]int64) int64 {
	var total int64
	kinds := make([]string, 0, len(reports))
	for k, v := range reports {
		total += v
		kinds = append(kinds, k)
	}
	if total == 0 {
		diag.notef("no kernel reports found")
		return 0
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", reports[k], k)
	}
	diag.notef("%d kernel reports found: %s", total, strings.Join(parts, ", "))
	return total
}

func describeTable(diag *diagnostics, t *symbolize.Table) {
	mods := t.Modules()
	msg := fmt.Sprintf("using %s: %d symbols (%d used for lookups), %d-bit", t.Source(), t.Symbols(), t.Len(), t.Bits())
	if len(mods) > 0 {
		msg += fmt.Sprintf(", %d modules", len(mods))
	}
	if lo, hi, ok := t.KernelRange(); ok {
		msg += fmt.Sprintf(", kernel %#x-%#x", lo, hi)
	}
	if r := t.Relocation(); r != 0 {
		msg += fmt.Sprintf(", relocated by KASLR offset %#x", r)
	}
	diag.notef("%s", msg)
}

// diagnostics writes notes and warnings to stderr, never into the
// annotated stream. Notes are silenced by -q; warnings too, as asked.
type diagnostics struct {
	w     io.Writer
	quiet bool
}

func (d *diagnostics) notef(format string, args ...any) {
	if !d.quiet {
		fmt.Fprintf(d.w, "ksymoops-go: "+format+"\n", args...)
	}
}

func (d *diagnostics) warnf(format string, args ...any) {
	if !d.quiet {
		fmt.Fprintf(d.w, "ksymoops-go: warning: "+format+"\n", args...)
	}
}
