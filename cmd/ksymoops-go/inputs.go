package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/ordered"
	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen"
	"github.com/ksymoops-go/ksymoops-go/parse/input"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

// kmsgDevice is the kernel's log device, read by --kmsg.
const kmsgDevice = "/dev/kmsg"

// A source is one input of the command line: a file, standard input, the
// pstore files given (read together, their dumps put in order), or
// /dev/kmsg. Each is annotated on its own, in the order of the arguments.
type source struct {
	name   string   // for messages
	path   string   // a file, or "-" for standard input
	pstore []string // the pstore files, in the order given
	kmsg   string   // the log device to follow
	format input.Format
	// sniffed is the format a file's first line shows, when format is
	// Auto (Auto when it was not looked at).
	sniffed input.Format
	// overrun, if set, is called when the kernel overwrote records of the
	// log device before they were read.
	overrun func()
}

// knownFormat is the source's format as far as known before it is read:
// the one asked for, or the one its first line showed (Auto when neither).
func (s *source) knownFormat() input.Format {
	if s.format == input.Auto {
		return s.sniffed
	}
	return s.format
}

// rereadable reports whether the source can be read twice, the first time
// for the evidence about its kernels (annotate.Prescan): files can, pipes
// cannot (standard input, <(journalctl -o json), a FIFO).
func (s *source) rereadable() bool {
	if s.pstore != nil {
		return true
	}
	return s.kmsg == "" && s.path != "-" && isRegular(s.path)
}

// isRegular reports whether path names a regular file, which can be read
// more than once. An error is reported when the file is read.
func isRegular(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// planSources turns the arguments into sources. Quoted glob patterns are
// expanded (a CI step may pass "logs/*.log" without a shell); pstore files
// (by content, or all files with --input-format pstore) become one source
// at the place of the first of them, so that their dumps are put in order
// whatever the order of the arguments.
func planSources(o *options) []*source {
	if o.kmsg != "" {
		return []*source{{name: o.kmsg, kmsg: o.kmsg, format: input.Kmsg}}
	}
	files := o.files
	if len(files) == 0 {
		files = []string{"-"}
	}
	var sources []*source
	var pstore *source
	for _, pattern := range files {
		for _, path := range expandGlob(pattern) {
			// Only a regular file is looked at beforehand: what is read
			// from a pipe is gone.
			sniffed := input.Auto
			if path != "-" && o.inputFormat == input.Auto && isRegular(path) {
				sniffed = sniffFormat(path)
			}
			if path != "-" && isRegular(path) && (o.inputFormat == input.Pstore || sniffed == input.Pstore) {
				if pstore == nil {
					pstore = &source{format: input.Pstore}
					sources = append(sources, pstore)
				}
				pstore.pstore = append(pstore.pstore, path)
				continue
			}
			name := path
			if path == "-" {
				name = "standard input"
			}
			sources = append(sources, &source{name: name, path: path, format: o.inputFormat, sniffed: sniffed})
		}
	}
	if pstore != nil {
		pstore.name = "pstore " + strings.Join(pstore.pstore, " ")
		if len(pstore.pstore) > 3 {
			pstore.name = fmt.Sprintf("pstore (%d files from %s)", len(pstore.pstore), pstore.pstore[0])
		}
	}
	return sources
}

// expandGlob expands a pattern that names no file itself.
func expandGlob(pattern string) []string {
	if pattern == "-" || !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}
	}
	if _, err := os.Lstat(pattern); err == nil {
		return []string{pattern}
	}
	matches, err := filepath.Glob(pattern)
	if err != nil || len(matches) == 0 {
		return []string{pattern} // the error is the file's: reported in its turn
	}
	return matches
}

// sniffFormat returns the format of a file by its first line, Text when it
// cannot be read (the error is reported when it is read in its turn).
func sniffFormat(path string) input.Format {
	if f, size, ok := xopen.Plain(path); ok {
		defer f.Close()
		return input.Detect(input.SniffAt(f, size))
	}
	rc, err := xopen.Open(path, nil)
	if err != nil {
		return input.Text
	}
	defer rc.Close()
	return input.Detect(input.Sniff(bufio.NewReaderSize(rc, 64<<10)))
}

// decoded is a source opened for reading: the plain kernel text, and what
// its decoder counted.
type decoded struct {
	io.Reader
	dec    *input.Reader
	pstore *input.PstoreSet
	close  func() error
	size   int64 // of a plain file, read as it is; 0 when not known
	// at reads a plain text file at any offset, so that it can be read
	// for its evidence before it is streamed (annotate.PrescanAt); nil
	// for anything else.
	at io.ReaderAt
}

// Size returns the size of a plain file read as it is, 0 when not known:
// the annotator sizes its read buffer to it.
func (d *decoded) Size() int64 { return d.size }

func (d *decoded) Close() error {
	if d.close == nil {
		return nil
	}
	return d.close()
}

// open opens the source and decodes it into kernel text.
func (s *source) open(stdin io.Reader) (*decoded, error) {
	switch {
	case s.kmsg != "":
		f, err := os.Open(s.kmsg)
		if err != nil {
			return nil, explainKmsgError(err)
		}
		dev := &kmsgReader{f: f, overrun: s.overrun}
		dec := input.NewReader(dev, input.Kmsg)
		return &decoded{Reader: dec, dec: dec, close: f.Close}, nil
	case s.pstore != nil:
		set := &input.PstoreSet{}
		for _, path := range s.pstore {
			if err := addPstoreFile(set, path); err != nil {
				return nil, err
			}
		}
		return &decoded{Reader: set.Reader(), pstore: set}, nil
	}
	if f, size, ok := xopen.Plain(s.path); ok {
		// Read as it is, without a buffer of xopen's (the line reader
		// has one).
		dec := input.NewReader(f, s.knownFormat())
		d := &decoded{Reader: dec, dec: dec, close: f.Close}
		if dec.Format() == input.Text {
			d.size, d.at = size, f
		}
		return d, nil
	}
	rc, err := xopen.Open(s.path, stdin)
	if err != nil {
		return nil, explainOpenError(err)
	}
	dec := input.NewReader(rc, s.knownFormat())
	return &decoded{Reader: dec, dec: dec, close: rc.Close}, nil
}

// addPstoreFile adds one pstore file, with the time pstore gave it.
func addPstoreFile(set *input.PstoreSet, path string) error {
	rc, err := xopen.Open(path, nil)
	if err != nil {
		return explainOpenError(err)
	}
	defer rc.Close()
	var mtime time.Time
	if fi, err := os.Stat(path); err == nil {
		mtime = fi.ModTime()
	}
	if err := set.Add(rc, mtime); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// kmsgReader reads /dev/kmsg, a record per read. A read fails with EPIPE
// when the kernel overwrote records the reader had not read yet; the next
// read goes on from the oldest record left, and the decoder counts the gap
// in the sequence numbers. A read must have room for a whole record, so
// reads go through a buffer larger than any.
type kmsgReader struct {
	f       *os.File
	overrun func()
	buf     [64 << 10]byte
	pending []byte
}

func (k *kmsgReader) Read(p []byte) (int, error) {
	for len(k.pending) == 0 {
		n, err := k.f.Read(k.buf[:])
		if errors.Is(err, syscall.EPIPE) {
			if k.overrun != nil {
				k.overrun()
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		k.pending = k.buf[:n]
	}
	n := copy(p, k.pending)
	k.pending = k.pending[n:]
	return n, nil
}

// explainKmsgError says what to do when /dev/kmsg cannot be read.
func explainKmsgError(err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: reading the kernel log needs root here (or CAP_SYSLOG: kernel.dmesg_restrict is set); "+
			"run ksymoops-go --kmsg as root, or pipe the log in: sudo dmesg -w | ksymoops-go", err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: no kernel log device here (a container?); pipe the log in instead: dmesg -w | ksymoops-go", err)
	}
	return err
}

// describeInput says on stderr what decoding a source found, when it is
// worth saying: the format that was detected, records lost, entries
// without a message.
func describeInput(diag *diagnostics, s *source, d *decoded) {
	if d.pstore != nil {
		diag.notef("%s: %d parts: %s", s.name, d.pstore.Parts(), d.pstore.Describe())
		return
	}
	st, format := d.dec.Stats(), d.dec.Format()
	if format == input.Text {
		return
	}
	msg := fmt.Sprintf("%s: %s, %d records", s.name, format, st.Records)
	if st.Other > 0 {
		msg += fmt.Sprintf(", %d other lines passed through", st.Other)
	}
	diag.notef("%s", msg)
	if st.Lost > 0 {
		diag.warnf("%s: %d records were lost: the kernel overwrote them before they were read", s.name, st.Lost)
	}
	if st.Omitted > 0 {
		diag.warnf("%s: %d journal entries have no MESSAGE: journalctl -o json prints null for a value longer than 4096 bytes; run it with --all", s.name, st.Omitted)
	}
}

// annotateSources annotates every source, in parallel when there are
// several (ordered.Run: at most GOMAXPROCS at once), their outputs and
// diagnostics in the order of the arguments. It returns the exit status.
func annotateSources(o *options, stdin io.Reader, out *bufio.Writer, sink *outputWriter, stderr io.Writer,
	table *symbolize.Table, opts annotate.Options, reports map[string]int64) (int, error) {
	sources := planSources(o)
	if o.redact {
		opts.Style = nil // escapes would hide the symbols that replace addresses
	}
	perSource := make([]map[string]int64, len(sources))
	errs := ordered.Run(len(sources), ordered.Options{}, out, stderr, func(i int, w, errW *ordered.Writer) error {
		perSource[i] = map[string]int64{}
		diag := &diagnostics{w: errW, quiet: o.quiet}
		if src := sources[i]; src.kmsg != "" {
			// Followed live, the source never ends: say it as it happens.
			src.overrun = func() {
				diag.warnf("%s: the kernel overwrote records before they were read (it logs faster than they are annotated)", src.name)
			}
		}
		var dst annotate.Flusher = w
		var red *annotate.Redactor
		if o.redact {
			lo, _, _ := table.KernelRange()
			if mlo, _, ok := table.ModuleSpan(); ok && mlo < lo {
				lo = mlo
			}
			red = annotate.NewRedactor(w, table.Bits(), annotate.RedactFloor(table.Bits(), lo))
			dst = red
		}
		err := annotateSource(o, sources[i], stdin, dst, table, opts, diag, perSource[i])
		if red != nil && err == nil {
			err = red.Close()
		}
		if err != nil && w.Flush() == nil {
			// The output so far comes before the message.
			fmt.Fprintf(errW, "ksymoops-go: %v\n", err)
		}
		return err
	})
	status := exitOK
	for i, err := range errs {
		for k, v := range perSource[i] {
			reports[k] += v
		}
		if err != nil {
			status = exitError
		}
	}
	if sink.err != nil {
		return outputFailed(sink.err)
	}
	return status, nil
}
