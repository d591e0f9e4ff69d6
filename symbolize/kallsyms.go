package symbolize

import (
	"fmt"
	"io"
)

// ParseKallsyms reads a /proc/kallsyms listing, live or saved:
//
//	ffffffff81000000 T _stext
//	ffffffffc0201000 t oopsdemo_write	[oopsdemo]
//
// Addresses are the running kernel's, so no relocation applies. Module
// symbols (the tab-separated "[module]" column) are kept per module, with
// the sizes kernel/module/kallsyms.c would print. file names the input in
// error messages. A listing whose addresses are all zero returns
// ErrRestricted.
func ParseKallsyms(r io.Reader, file string) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", displayName(file), err)
	}
	return ParseKallsymsData(data, file)
}

// ParseKallsymsData is ParseKallsyms over a listing already in memory (a
// mapped file, say): it is not copied, and the table's names point into
// it, so data must not be changed or unmapped while the table is in use.
func ParseKallsymsData(data []byte, file string) (*Table, error) {
	sr := &symbolReader{file: file, kind: "kallsyms", modIndex: map[string]int{}, names: map[string]string{}}
	nonzero := false
	err := scanNM(data, file, "kallsyms", func(lineNo int, l *nmLine) error {
		if l.addr != 0 {
			nonzero = true
		}
		return sr.add(lineNo, l)
	})
	if err != nil {
		return nil, err
	}
	if sr.read == 0 {
		return nil, fmt.Errorf("%s: %w: the file has no symbol lines", displayName(file), ErrNoSymbols)
	}
	if !nonzero {
		return nil, fmt.Errorf("%s: %w", displayName(file), ErrRestricted)
	}
	t, err := newTable("kallsyms "+displayName(file), sr.bits(), sr.read, sr.core, fileOrder, sr.modules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(file), err)
	}
	return t, nil
}
