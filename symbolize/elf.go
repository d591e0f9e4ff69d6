package symbolize

import (
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ParseELF reads the symbol table (.symtab) of an ELF kernel image: a
// vmlinux, or a symbol image such as Solaris' /dev/ksyms (a SYMTAB and its
// STRTAB whose symbols are absolute, SHN_ABS).
//
// The table equals the one ParseSystemMap builds from the same build's
// System.map, which is `nm -n vmlinux` filtered by scripts/mksysmap: the
// same symbols, aliases in the same order, and the same sizes. Sizes follow
// the kernel's rule, the distance to the next symbol, and not the ELF
// st_size: the kernel computes kallsyms sizes that way (it never sees
// st_size), so only that rule prints the /0xsize the kernel printed. It
// also gives alignment padding and st_size-less assembly symbols an owner.
//
// Addresses are link-time: Relocate the table by the boot's KASLR offset
// (the _text and _stext anchors are kept, as from a System.map). r is read
// at random; an *os.File serves, and only the headers and the symbol and
// string tables are read, not the whole image. file names the input in
// error messages.
func ParseELF(r io.ReaderAt, file string) (*Table, error) {
	name := displayName(file)
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %w", name, err)
	}
	core, read, err := elfCoreSymbols(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	bits := 64
	if f.Class == elf.ELFCLASS32 {
		bits = 32
	}
	t, err := newTable(fmt.Sprintf("ELF %s (%s)", name, ELFArch(f.Machine)), bits, read, core, kallsymsOrder, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// ErrNoSymtab is returned (wrapped) by ParseELF for an ELF file without a
// .symtab: a stripped image, such as the vmlinux inside a bzImage.
var ErrNoSymtab = errors.New("the ELF file has no symbol table (.symtab): it is stripped; " +
	"use the unstripped vmlinux of the build (Debian: linux-image-<release>-dbg, /usr/lib/debug/boot/vmlinux-<release>) or its System.map")

// elfCoreSymbols returns an ELF kernel's symbols the way nm -n lists them
// after scripts/mksysmap's filter, and how many symbols the file has.
func elfCoreSymbols(f *elf.File) ([]Symbol, int, error) {
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, 0, ErrNoSymtab
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading .symtab: %w", err)
	}
	image := f.Type == elf.ET_REL && hasAbsoluteFunctions(syms)
	if f.Type == elf.ET_REL && !image {
		return nil, 0, fmt.Errorf("a relocatable object (a kernel module?) has no kernel addresses: give modules with --modules, and the kernel's vmlinux or System.map as the symbol table")
	}
	out := make([]Symbol, 0, len(syms))
	for _, s := range syms {
		typ := nmType(f, s, image)
		if typ == 0 || s.Name == "" {
			continue
		}
		// scripts/mksysmap drops types a, N, U and w and the export
		// tables' strings; dropUnlisted below does the rest of its filter
		// and of the kernel's. Absolute symbols go too, as ParseSystemMap
		// drops them.
		switch typ {
		case 'a', 'A', 'N', 'U', 'w', 'v':
			continue
		}
		if strings.HasPrefix(s.Name, "__kstrtab") || strings.HasPrefix(s.Name, "L0") {
			continue // __kstrtab_ and __kstrtabns_
		}
		out = append(out, Symbol{Addr: s.Value, Name: s.Name, Type: typ})
	}
	// nm -n sorts by address, then by name (its numeric sort falls back to
	// the name order); the kernel's table is built from that order.
	slices.SortFunc(out, func(a, b Symbol) int {
		if c := cmp.Compare(a.Addr, b.Addr); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return dropUnlisted(out), len(syms), nil
}

// hasAbsoluteFunctions reports whether a relocatable file is a symbol
// image: its functions are absolute symbols (SHN_ABS) with the running
// kernel's addresses rather than offsets into its own sections.
func hasAbsoluteFunctions(syms []elf.Symbol) bool {
	for _, s := range syms {
		if s.Section == elf.SHN_ABS && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			return true
		}
	}
	return false
}

// nmType returns the letter nm prints for s, or 0 for the symbols nm does
// not list (section and file symbols). In a symbol image (image), absolute
// functions and objects are typed as code and data: there they are the
// kernel's symbols, where in a vmlinux absolute symbols are constants.
func nmType(f *elf.File, s elf.Symbol, image bool) byte {
	typ := elf.ST_TYPE(s.Info)
	bind := elf.ST_BIND(s.Info)
	if typ == elf.STT_SECTION || typ == elf.STT_FILE {
		return 0
	}
	var c byte
	switch {
	case s.Section == elf.SHN_UNDEF:
		if bind == elf.STB_WEAK {
			if typ == elf.STT_OBJECT {
				return 'v'
			}
			return 'w'
		}
		return 'U'
	case s.Section == elf.SHN_COMMON:
		return 'C'
	case bind == elf.STB_WEAK:
		if typ == elf.STT_OBJECT {
			return 'V'
		}
		return 'W'
	case typ == elf.STT_GNU_IFUNC:
		return 'i'
	case s.Section == elf.SHN_ABS:
		switch {
		case image && typ == elf.STT_FUNC:
			c = 't'
		case image && typ == elf.STT_OBJECT:
			c = 'd'
		default:
			c = 'a'
		}
	case int(s.Section) < len(f.Sections):
		c = sectionType(f.Sections[s.Section])
	default:
		c = '?'
	}
	if bind != elf.STB_LOCAL && c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	return c
}

// sectionType is nm's letter for a symbol defined in sec, in lower case.
func sectionType(sec *elf.Section) byte {
	switch {
	case sec.Flags&elf.SHF_ALLOC == 0:
		return 'n'
	case sec.Flags&elf.SHF_EXECINSTR != 0:
		return 't'
	case sec.Type == elf.SHT_NOBITS:
		return 'b'
	case sec.Flags&elf.SHF_WRITE == 0:
		return 'r'
	}
	return 'd'
}

// ELFArch names an ELF machine the way --arch does (x86, arm64, arm,
// powerpc, riscv, s390, mips), or by its ELF name for others.
func ELFArch(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64, elf.EM_386:
		return "x86"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_PPC, elf.EM_PPC64:
		return "powerpc"
	case elf.EM_RISCV:
		return "riscv"
	case elf.EM_S390:
		return "s390"
	case elf.EM_MIPS, elf.EM_MIPS_RS3_LE:
		return "mips"
	}
	return m.String()
}

// ModuleSymbols reads a kernel module's (.ko) symbol table and returns the
// symbols the kernel's module kallsyms would list, at the addresses the
// module was loaded at: sections maps a section name (".text",
// ".text.unlikely", ".init.text", ...) to its load address, as
// /sys/module/<module>/sections/ shows them. Symbols of sections without a
// load address are left out, as are undefined, section and file symbols
// and those of sections the module does not load (.modinfo). file names the
// input in error messages.
func ModuleSymbols(r io.ReaderAt, file, module string, sections map[string]uint64) ([]Symbol, error) {
	name := displayName(file)
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %w", name, err)
	}
	if f.Type != elf.ET_REL {
		return nil, fmt.Errorf("%s: not a kernel module: ELF type %v, want a relocatable object (ET_REL)", name, f.Type)
	}
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: %w", name, ErrNoSymtab)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading .symtab: %w", name, err)
	}
	var out []Symbol
	for _, s := range syms {
		if s.Name == "" || int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		sec := f.Sections[s.Section]
		base, placed := sections[sec.Name]
		if !placed || sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		typ := nmType(f, s, false)
		if typ == 0 {
			continue
		}
		out = append(out, Symbol{Addr: base + s.Value, Name: s.Name, Module: module, Type: typ})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no symbol lies in a section with a load address (%d sections given)", name, ErrNoSymbols, len(sections))
	}
	return out, nil
}

// WithModule returns a copy of t with module's symbols added (as from
// ModuleSymbols), sized by the kernel's module rules. Symbols t already has
// for that module are replaced. It is how a table from a System.map or a
// vmlinux, which know no modules, learns them from the .ko files.
func (t *Table) WithModule(module string, syms []Symbol) *Table {
	n := *t
	n.modNames = nil
	es := make([]entry, 0, len(t.maddrs)+len(syms))
	remap := make([]int32, len(t.modNames))
	for i, m := range t.modNames {
		remap[i] = -1
		if m != module {
			remap[i] = int32(len(n.modNames))
			n.modNames = append(n.modNames, m)
		}
	}
	for j := range t.maddrs {
		if mod := remap[t.mmods[j]]; mod >= 0 {
			es = append(es, entry{t.maddrs[j], t.mends[j], t.mnames[j], mod, t.mtypes[j]})
		}
	}
	es = append(es, n.moduleEntries(moduleSymbols{name: module, syms: syms})...)
	n.setModuleEntries(es)
	return &n
}
