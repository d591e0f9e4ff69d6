package symbolize

import (
	"bytes"
	"fmt"
	"io"
	"strings"
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
	t, err := newTable("System.map "+displayName(file), sr.bits(), sr.read, dropUnlistedText(sr.core), kallsymsOrder, nil)
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

// dropUnlistedText removes the names scripts/kallsyms leaves out of the
// kernel's own table although nm lists them: local labels, linker veneers
// and thunks, and the EFI stub's aliases of kernel functions
// (__efistub_memchr beside __pi_memchr). Left in, they would be printed
// instead of the name the kernel prints.
func dropUnlistedText(syms []Symbol) []Symbol {
	out := syms[:0]
	for _, s := range syms {
		if !unlistedName(s.Name) {
			out = append(out, s)
		}
	}
	return out
}

var (
	unlistedPrefixes = []string{".L", "__crc_", "__efistub_", "__kvm_nvhe_$", "__kvm_nvhe_.L",
		"__AArch64ADRPThunk_", "__ARMV5PILongThunk_", "__ARMV7PILongThunk_", "__ThumbV7PILongThunk_",
		"__LA25Thunk_", "__microLA25Thunk_", "__kcfi_typeid_"}
	unlistedSuffixes = []string{"_from_arm", "_from_thumb", "_veneer"}
)

func unlistedName(name string) bool {
	for _, p := range unlistedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, p := range unlistedSuffixes {
		if strings.HasSuffix(name, p) {
			return true
		}
	}
	return false
}
