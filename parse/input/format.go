package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
)

// A Format is a kind of kernel log source.
type Format uint8

const (
	// Auto: detect the format from the first line (Detect).
	Auto Format = iota
	// Text is kernel text as dmesg, syslog, journalctl's short formats, a
	// serial console or kdump's vmcore-dmesg.txt write it: passed through.
	Text
	// Kmsg is /dev/kmsg's records, "prio,seq,usec,flags;text" followed by
	// " KEY=value" dictionary lines, as `cat /dev/kmsg` saves them.
	Kmsg
	// JournalJSON is `journalctl -o json`: one JSON object per line.
	JournalJSON
	// Pstore is a pstore dump (/sys/fs/pstore/dmesg-ramoops-N,
	// dmesg-efi-*): parts with a "Panic#2 Part1" header, the newest first.
	Pstore
)

var formatNames = [...]string{Auto: "auto", Text: "text", Kmsg: "kmsg", JournalJSON: "journal-json", Pstore: "pstore"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// ParseFormat returns the Format named s, as String spells it.
func ParseFormat(s string) (Format, bool) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), true
		}
	}
	return Auto, false
}

// Formats returns the names of all formats, Auto first.
func Formats() []string { return slices.Clone(formatNames[:]) }

// Detect returns the format of a source that starts with head (at least
// its first line, when the source has one). Text is the answer for
// anything else: text passes through unchanged, so a wrong guess of Text
// loses nothing.
func Detect(head []byte) Format {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	switch {
	case isKmsgHeader(line):
		return Kmsg
	case isJournalJSON(line):
		return JournalJSON
	case isPstoreHeader(line):
		return Pstore
	}
	return Text
}

// isJournalJSON recognises the first line of `journalctl -o json`: an
// object with the journal's own fields. journalctl writes __CURSOR first;
// other writers of the same format may not, so MESSAGE is enough.
func isJournalJSON(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	return len(line) > 0 && line[0] == '{' &&
		(bytes.Contains(line, []byte(`"__CURSOR"`)) || bytes.Contains(line, []byte(`"MESSAGE"`)))
}

// maxSniff bounds how much of a source is looked at to detect its format:
// a journal JSON line can be long, but its first fields come first.
const maxSniff = 64 << 10

// Sniff returns the start of br, up to its first newline or maxSniff bytes,
// without consuming it. It reads only while no newline has arrived, so a
// live source (dmesg -w, /dev/kmsg) is not waited on past its first line.
// A read error ends the sniffing early; br returns it again when read.
func Sniff(br *bufio.Reader) []byte {
	head, err := br.Peek(1)
	for err == nil {
		head, _ = br.Peek(br.Buffered())
		if bytes.IndexByte(head, '\n') >= 0 || len(head) >= min(maxSniff, br.Size()) {
			break
		}
		head, err = br.Peek(len(head) + 1)
	}
	if errors.Is(err, bufio.ErrBufferFull) || err != nil {
		head, _ = br.Peek(br.Buffered())
	}
	return head
}

// SniffAt is Sniff for a file of size bytes that can be read at any
// offset: the start of r up to its first newline, maxSniff bytes or its
// end, read a little at a time (a log's first line is short).
func SniffAt(r io.ReaderAt, size int64) []byte {
	limit := int(min(size, maxSniff))
	head := make([]byte, 0, min(limit, 4<<10))
	for len(head) < limit {
		want := min(limit, max(2*len(head), cap(head)))
		if cap(head) < want {
			head = append(head, make([]byte, want-len(head))...)[:len(head)]
		}
		n, err := r.ReadAt(head[len(head):want], int64(len(head)))
		line := head[len(head) : len(head)+n]
		head = head[:len(head)+n]
		if bytes.IndexByte(line, '\n') >= 0 || err != nil || n == 0 {
			break
		}
	}
	return head
}
