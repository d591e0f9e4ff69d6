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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", displayName(file), err)
	}
	return ParseSystemMapData(data, file)
}

// ParseSystemMapData is ParseSystemMap over a file already in memory (a
// mapped file, say): it is not copied, and the table's names point into
// it, so data must not be changed or unmapped while the table or any name
// it returned is in use.
func ParseSystemMapData(data []byte, file string) (*Table, error) {
	return parseSystemMap(data, file, nil, nil)
}

// ParseSystemMapMapped is ParseSystemMapData over a read-only mapping of
// a file, whose parts already read are passed to release as
// ParseKallsymsMapped does.
func ParseSystemMapMapped(data []byte, file string, release func([]byte)) (*Table, error) {
	return parseSystemMap(data, file, release, nil)
}

// parseSystemMap reads data cut into parts at cuts, as parseKallsyms
// does.
func parseSystemMap(data []byte, file string, release func([]byte), cuts []int) (*Table, error) {
	p, err := parseNM(data, file, "System.map", kallsymsOrder, release, cuts)
	if isPlaceholderError(err) {
		return nil, fmt.Errorf("%s: %w", displayName(file), ErrPlaceholder)
	}
	if err != nil {
		return nil, err
	}
	if p.t.symbols == 0 {
		return nil, fmt.Errorf("%s: %w: the file has no symbol lines", displayName(file), ErrNoSymbols)
	}
	p.t.bits = p.bits()
	t, err := p.t.finish(nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(file), err)
	}
	p.done(t)
	return t, nil
}

// isPlaceholderError recognises the placeholder's one line, "ffffffffffffffff
// B The real System.map is in the linux-image-<version>-dbg package", which
// fails to parse as a symbol line because of the spaces in its "name".
func isPlaceholderError(err error) bool {
	fe, ok := err.(*FormatError)
	return ok && fe.Line == 1 && bytes.Contains([]byte(fe.Text), []byte("The real System.map is in"))
}

// dropUnlisted removes the names scripts/kallsyms (is_ignored_symbol in
// 6.1) leaves out of the kernel's own table although nm lists them: local
// and mapping labels, modversions CRCs, linker veneers and thunks, the EFI
// stub's aliases of kernel functions (__efistub_memchr beside __pi_memchr),
// and the kallsyms tables themselves, which are only added after the
// table is computed. Left in, they would be printed instead of the name
// the kernel prints, or cut the size of the symbol before them
// (linux_banner's size runs over kallsyms_offsets..kallsyms_token_index in
// the kernel's table).
func dropUnlisted(syms []Symbol) []Symbol {
	out := syms[:0]
	for _, s := range syms {
		if !unlistedName(s.Name) {
			out = append(out, s)
		}
	}
	return out
}

func unlistedName(name string) bool { return unlisted(name, true) }

// unlisted is unlistedName of a name that may have a dot, or has none
// (dot false: the parser sees it as it reads the name).
func unlisted(name string, dot bool) bool {
	if name == "" {
		return false
	}
	// Most names match nothing: look at their first and last bytes
	// before comparing strings (this runs for every symbol of a
	// System.map).
	switch name[0] {
	case 'k':
		switch name {
		case "kallsyms_addresses", "kallsyms_offsets", "kallsyms_relative_base", "kallsyms_num_syms",
			"kallsyms_names", "kallsyms_markers", "kallsyms_token_table", "kallsyms_token_index",
			"kallsyms_seqs_of_names":
			return true
		}
	case '$':
		return true
	case '.':
		if strings.HasPrefix(name, ".L") {
			return true
		}
	case '_':
		if name == "_SDA_BASE_" || name == "_SDA2_BASE_" {
			return true
		}
		if len(name) > 2 && name[1] == '_' {
			var prefixes []string
			switch name[2] {
			case 'c':
				prefixes = []string{"__crc_"}
			case 'e':
				prefixes = []string{"__efistub_"}
			case 'k':
				prefixes = []string{"__kvm_nvhe_$", "__kvm_nvhe_.L", "__kcfi_typeid_"}
			case 'A':
				prefixes = []string{"__AArch64ADRPThunk_", "__ARMV5PILongThunk_", "__ARMV7PILongThunk_"}
			case 'T':
				prefixes = []string{"__ThumbV7PILongThunk_"}
			case 'L':
				prefixes = []string{"__LA25Thunk_"}
			case 'm':
				prefixes = []string{"__microLA25Thunk_"}
			}
			for _, p := range prefixes {
				if strings.HasPrefix(name, p) {
					return true
				}
			}
		}
	}
	switch name[len(name)-1] {
	case 'm', 'b', 'r':
		if strings.HasSuffix(name, "_from_arm") || strings.HasSuffix(name, "_from_thumb") || strings.HasSuffix(name, "_veneer") {
			return true
		}
	}
	// powerpc's ".long_branch." and ".plt_branch." stubs: 12 bytes at
	// least.
	if dot && len(name) >= 12 && strings.IndexByte(name, '.') >= 0 && (strings.Contains(name, ".long_branch.") || strings.Contains(name, ".plt_branch.")) {
		return true
	}
	return false
}
