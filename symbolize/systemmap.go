package symbolize

import (
	"bytes"
	"fmt"
	"io"
)

// ParseSystemMap reads a System.map (the kernel build's `nm -n vmlinux`):
//
//	ffffffff81000000 T _stext
//
// Its addresses are link-time addresses: for a kernel randomized by KASLR,
// Relocate the table by the boot's offset. Absolute symbols are dropped, as
// scripts/kallsyms drops them, and aliases are ordered the way the kernel's
// own table orders them so that lookups print the name the kernel prints.
// file names the input in error messages. Debian's placeholder file returns
// ErrPlaceholder.
func ParseSystemMap(r io.Reader, file string) (*Table, error) {
	sr := &symbolReader{file: file, kind: "System.map", modIndex: map[string]int{}, names: map[string]string{}}
	err := readNM(r, file, "System.map", func(lineNo int, l *nmLine) error {
		if l.module != nil {
			return &FormatError{File: file, Line: lineNo, Msg: "a System.map has no module column (is this a kallsyms file? use -k)", Text: lineExcerpt(l.name)}
		}
		if l.typ == 'A' || l.typ == 'a' {
			sr.read++
			return nil
		}
		return sr.add(lineNo, l)
	})
	if isPlaceholderError(err) {
		return nil, fmt.Errorf("%s: %w", displayName(file), ErrPlaceholder)
	}
	if err != nil {
		return nil, err
	}
	if sr.read == 0 {
		return nil, fmt.Errorf("%s: %w: the file is empty", displayName(file), ErrNoSymbols)
	}
	t, err := newTable("System.map "+displayName(file), sr.bits(), sr.read, sr.core, kallsymsOrder, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(file), err)
	}
	return t, nil
}

// isPlaceholderError recognises the placeholder's one line, "ffffffffffffffff
// B The real System.map is in the linux-image-<version>-dbg package", which
// fails to parse as a symbol line because of the spaces in its "name".
func isPlaceholderError(err error) bool {
	fe, ok := err.(*FormatError)
	return ok && fe.Line == 1 && bytes.Contains([]byte(fe.Text), []byte("The real System.map is in"))
}
