package input

import (
	"bytes"
	"encoding/json"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A journalEntry holds the fields of a `journalctl -o json` entry that make
// its line. Each is kept raw: a field's value is a string, an array of
// byte values (when it is not printable UTF-8), an array of either (when
// the field occurs more than once), or null (when journalctl left out a
// value longer than it prints without --all).
type journalEntry struct {
	Message    json.RawMessage `json:"MESSAGE"`
	SourceMono json.RawMessage `json:"_SOURCE_MONOTONIC_TIMESTAMP"`
	Mono       json.RawMessage `json:"__MONOTONIC_TIMESTAMP"`
	Transport  json.RawMessage `json:"_TRANSPORT"`
	Identifier json.RawMessage `json:"SYSLOG_IDENTIFIER"`
	PID        json.RawMessage `json:"_PID"`
}

// fieldValues appends the values of a journal field to dst. ok is false
// for a value that is null, missing, or not one of the journal's shapes.
func fieldValues(dst [][]byte, raw json.RawMessage) (_ [][]byte, ok bool) {
	return appendValues(dst, raw, true)
}

// appendValues is fieldValues; the values of a field that occurs more
// than once (multi) are arrays themselves, but no deeper: a value nested
// deeper is not the journal's, and would cost a decoding per level.
func appendValues(dst [][]byte, raw json.RawMessage, multi bool) (_ [][]byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return dst, false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return dst, false
		}
		return append(dst, []byte(s)), true
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return dst, false
		}
		if b, ok := byteArray(elems); ok {
			return append(dst, b), true
		}
		if !multi {
			return dst, false
		}
		ok := false
		for _, e := range elems {
			var one bool
			dst, one = appendValues(dst, e, false)
			ok = ok || one
		}
		return dst, ok
	}
	return dst, false
}

// byteArray decodes a value journalctl printed as an array of bytes.
func byteArray(elems []json.RawMessage) ([]byte, bool) {
	b := make([]byte, 0, len(elems))
	for _, e := range elems {
		v, ok := parseDecimal(bytes.TrimSpace(e))
		if !ok || v > 255 {
			return nil, false
		}
		b = append(b, byte(v))
	}
	return b, true
}

// firstString returns a field's first value.
func firstString(raw json.RawMessage) ([]byte, bool) {
	vals, ok := fieldValues(nil, raw)
	if !ok || len(vals) == 0 {
		return nil, false
	}
	return vals[0], true
}

// journalDecoder prints journal entries as dmesg prints the kernel's
// records: "[   12.345678] text". The time is the kernel's own timestamp
// of the record (_SOURCE_MONOTONIC_TIMESTAMP); journald's time of receipt
// (__MONOTONIC_TIMESTAMP) is used only for entries without one, since
// journald starts seconds after the kernel and reads the early records
// late. Entries that are not the kernel's get their sender, as in
// "[   20.1] systemd[1]: text". Lines that are not JSON pass through.
type journalDecoder struct {
	lr     *parse.LineReader
	stats  *Stats
	prefix []byte
	vals   [][]byte
}

func (d *journalDecoder) next(dst []byte) ([]byte, error) {
	for {
		l, err := d.lr.Next()
		if err != nil {
			return dst, err
		}
		text := bytes.TrimSpace(l.Text)
		if !l.Whole || len(text) == 0 || text[0] != '{' {
			d.stats.Other++
			return append(append(dst, l.Text...), l.EOL...), nil
		}
		var e journalEntry
		if err := json.Unmarshal(text, &e); err != nil {
			d.stats.Other++
			return append(append(dst, l.Text...), l.EOL...), nil
		}
		d.stats.Records++
		var ok bool
		d.vals, ok = fieldValues(d.vals[:0], e.Message)
		if !ok {
			d.stats.Omitted++
			continue
		}
		d.prefix = d.prefix[:0]
		ts, ok := firstString(e.SourceMono)
		if !ok {
			ts, ok = firstString(e.Mono)
		}
		if usec, good := parseDecimal(ts); ok && good {
			d.prefix = appendDmesgPrefix(d.prefix, usec, nil)
		}
		if t, _ := firstString(e.Transport); string(t) != "kernel" {
			if id, ok := firstString(e.Identifier); ok {
				d.prefix = append(d.prefix, id...)
				if pid, ok := firstString(e.PID); ok {
					d.prefix = append(append(append(d.prefix, '['), pid...), ']')
				}
				d.prefix = append(d.prefix, ": "...)
			}
		}
		for _, v := range d.vals {
			dst = appendPrefixedLines(dst, d.prefix, v)
		}
		return dst, nil
	}
}
