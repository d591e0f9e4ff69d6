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
// it, so data must not be changed or unmapped while the table or any name
// it returned is in use.
func ParseKallsymsData(data []byte, file string) (*Table, error) {
	return parseKallsyms(data, file, nil, nil)
}

// ParseKallsymsMapped is ParseKallsymsData over a read-only mapping of a
// file. release is called with the parts of data already read, in order
// within each part of a large file that is read in parts side by side
// (so from several goroutines at once: it must be safe for that);
// the caller may drop their pages from memory (madvise MADV_DONTNEED),
// which the file gives back when a name is read again. Only the names of
// the symbols printed are then read back, and the file's pages do not
// count in the process's memory as it is parsed.
func ParseKallsymsMapped(data []byte, file string, release func([]byte)) (*Table, error) {
	return parseKallsyms(data, file, release, nil)
}

// parseKallsyms reads data cut into parts at cuts (nil: as parseNM
// chooses, empty: in one pass).
func parseKallsyms(data []byte, file string, release func([]byte), cuts []int) (*Table, error) {
	p, err := parseNM(data, file, "kallsyms", fileOrder, release, cuts)
	if err != nil {
		return nil, err
	}
	if p.t.symbols == 0 {
		return nil, fmt.Errorf("%s: %w: the file has no symbol lines", displayName(file), ErrNoSymbols)
	}
	if !p.nonzero {
		return nil, fmt.Errorf("%s: %w", displayName(file), ErrRestricted)
	}
	p.t.bits = p.bits()
	t, err := p.t.finish(p.modules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(file), err)
	}
	p.done(t)
	return t, nil
}
