package srcline

import (
	"bytes"
	"debug/elf"
)

// symbolName returns the name of the symbol addr2line would choose for
// addr when the DWARF has no function there (assembly, or the bytes after
// a call to a noreturn function that end a function): the nearest
// function or untyped symbol at or below addr in the code section holding
// addr, even when its size ends before addr. Of several at one address,
// one whose size covers addr is preferred, then the largest.
//
// It scans the raw .symtab rather than decoding it with elf.File.Symbols:
// a vmlinux has 100k symbols, and only the one chosen needs its name.
func (f *File) symbolName(addr uint64) (string, bool) {
	symtab := f.elf.SectionByType(elf.SHT_SYMTAB)
	if symtab == nil || int(symtab.Link) >= len(f.elf.Sections) {
		return "", false
	}
	syms, err := f.sectionData(symtab)
	if err != nil {
		return "", false
	}
	strs, err := f.sectionData(f.elf.Sections[symtab.Link])
	if err != nil {
		return "", false
	}
	is64 := f.elf.Class == elf.ELFCLASS64
	size := 16
	if is64 {
		size = 24
	}
	order := f.order
	found := false
	var bestName uint32
	var bestValue, bestSize uint64
	for p := size; p+size <= len(syms); p += size { // entry 0 is the null symbol
		e := syms[p : p+size]
		var name uint32
		var info byte
		var shndx uint16
		var value, sz uint64
		if is64 {
			name, info, shndx = order.Uint32(e), e[4], order.Uint16(e[6:])
			value, sz = order.Uint64(e[8:]), order.Uint64(e[16:])
		} else {
			name, info, shndx = order.Uint32(e), e[12], order.Uint16(e[14:])
			value, sz = uint64(order.Uint32(e[4:])), uint64(order.Uint32(e[8:]))
		}
		if name == 0 {
			continue
		}
		if f.elf.Type == elf.ET_REL {
			// A module's symbols are offsets into their sections.
			if shndx >= uint16(elf.SHN_LORESERVE) || int(shndx) >= len(f.elf.Sections) {
				continue
			}
			base, placed := f.sectionAddr(f.elf.Sections[shndx])
			if !placed {
				continue
			}
			value += base
		}
		if value > addr {
			continue
		}
		if typ := elf.SymType(info & 0xf); typ != elf.STT_FUNC && typ != elf.STT_NOTYPE {
			continue
		}
		if found && (value < bestValue || value == bestValue && !better(addr-value, sz, bestSize)) {
			continue
		}
		if shndx == uint16(elf.SHN_UNDEF) || shndx >= uint16(elf.SHN_LORESERVE) || int(shndx) >= len(f.elf.Sections) {
			continue
		}
		sec := f.elf.Sections[shndx]
		base, placed := f.sectionAddr(sec)
		if !placed || sec.Flags&elf.SHF_EXECINSTR == 0 || addr < base || addr-base >= sec.Size {
			continue
		}
		found, bestName, bestValue, bestSize = true, name, value, sz
	}
	if !found || int(bestName) >= len(strs) {
		return "", false
	}
	n := strs[bestName:]
	if i := bytes.IndexByte(n, 0); i >= 0 {
		n = n[:i]
	}
	return string(n), true
}

// better reports whether a symbol of size sz at offset off from addr is a
// better choice than one of size best at the same address.
func better(off, sz, best uint64) bool {
	covers, bestCovers := off < sz, off < best
	if covers != bestCovers {
		return covers
	}
	return sz > best
}

// sectionAddr returns where sec is in memory: its address in a linked
// file, its load address in a module.
func (f *File) sectionAddr(sec *elf.Section) (uint64, bool) {
	if f.elf.Type != elf.ET_REL {
		return sec.Addr, true
	}
	a, ok := f.place[sec.Name]
	return a, ok
}

// SymbolValue returns the value of the first symbol named name in the
// file's .symtab (for a vmlinux, its link-time address), scanning the raw
// table: it serves the few well-known symbols (_stext, _etext) that align
// the file with a kallsyms listing, without decoding 100k symbols.
func (f *File) SymbolValue(name string) (uint64, bool) {
	f.life.RLock()
	defer f.life.RUnlock()
	if f.closed {
		return 0, false
	}
	symtab := f.elf.SectionByType(elf.SHT_SYMTAB)
	if symtab == nil || int(symtab.Link) >= len(f.elf.Sections) {
		return 0, false
	}
	syms, err := f.sectionData(symtab)
	if err != nil {
		return 0, false
	}
	strs, err := f.sectionData(f.elf.Sections[symtab.Link])
	if err != nil {
		return 0, false
	}
	size := 16
	if f.elf.Class == elf.ELFCLASS64 {
		size = 24
	}
	for p := size; p+size <= len(syms); p += size {
		e := syms[p : p+size]
		off := int(f.order.Uint32(e))
		if off+len(name) >= len(strs) || strs[off+len(name)] != 0 || string(strs[off:off+len(name)]) != name {
			continue
		}
		if size == 24 {
			return f.order.Uint64(e[8:]), true
		}
		return uint64(f.order.Uint32(e[4:])), true
	}
	return 0, false
}
