package symbolize

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// A Module is one loaded module's memory, as /proc/modules lists it.
type Module struct {
	Name string
	Base uint64 // load address of its core (text first)
	Size uint64 // bytes of its core: text, rodata and data
}

// A ModuleMap finds the module an address falls in, by the regions of a
// saved /proc/modules. It answers where a symbol table has no symbols
// for a module (a System.map, or a kallsyms saved before the module was
// loaded), the way klogd did: "[oopsdemo+0x1a2]". It is immutable and
// safe for concurrent use.
type ModuleMap struct {
	mods   []Module // sorted by Base, not overlapping
	source string
}

// ErrModulesRestricted is returned by ParseModules when every base address
// is zero: the kernel hid them (kptr_restrict, or a kernel without
// CONFIG_KALLSYMS).
var ErrModulesRestricted = errors.New("all module addresses are zero (kernel.kptr_restrict is set, the file was read without root, " +
	"or the kernel has no CONFIG_KALLSYMS): read /proc/modules as root with 'sysctl kernel.kptr_restrict=0'")

// ParseModules reads a saved /proc/modules:
//
//	oopsdemo 16384 0 - Live 0xffffffffc0201000 (OE)
//
// (name, size, reference count, users, state, base, taint). file names
// the input in error messages.
func ParseModules(r io.Reader, file string) (*ModuleMap, error) {
	name := displayName(file)
	s := bufio.NewScanner(r)
	s.Buffer(nil, 1<<20)
	m := &ModuleMap{source: "modules " + name}
	lineNo, zero := 0, 0
	for s.Scan() {
		lineNo++
		line := bytes.TrimRight(s.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		mod, err := parseModuleLine(line)
		if err != nil && lineNo == 1 && isLogLine(line) {
			err = errors.New("this is a kernel log, not a saved /proc/modules")
		}
		if err != nil {
			return nil, &FormatError{File: file, Line: lineNo, Msg: err.Error(), Text: lineExcerpt(line)}
		}
		if mod.Base == 0 {
			zero++
			continue
		}
		m.mods = append(m.mods, mod)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, lineNo+1, err)
	}
	if len(m.mods) == 0 {
		if zero > 0 {
			return nil, fmt.Errorf("%s: %w", name, ErrModulesRestricted)
		}
		return nil, fmt.Errorf("%s: no module lines: not a saved /proc/modules", name)
	}
	slices.SortFunc(m.mods, func(a, b Module) int { return cmp.Compare(a.Base, b.Base) })
	for i := 1; i < len(m.mods); i++ {
		if prev := m.mods[i-1]; prev.Base+prev.Size > m.mods[i].Base {
			return nil, fmt.Errorf("%s: modules %s and %s overlap: not one boot's /proc/modules", name, prev.Name, m.mods[i].Name)
		}
	}
	return m, nil
}

// parseModuleLine reads one /proc/modules line.
func parseModuleLine(line []byte) (Module, error) {
	f := bytes.Fields(line)
	if len(f) < 6 {
		return Module{}, fmt.Errorf("not a /proc/modules line (want: name size refcount users state address)")
	}
	size, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil || size == 0 {
		return Module{}, fmt.Errorf("module size %q is not a positive decimal number", f[1])
	}
	base, ok := cutHexAddr(f[5])
	if !ok {
		return Module{}, fmt.Errorf("module address %q is not 0x and hex digits", f[5])
	}
	if base+size < base {
		return Module{}, fmt.Errorf("module %s at %#x of size %d passes the end of the address space", f[0], base, size)
	}
	return Module{Name: string(f[0]), Base: base, Size: size}, nil
}

func cutHexAddr(b []byte) (uint64, bool) {
	b, ok := bytes.CutPrefix(b, []byte("0x"))
	if !ok || len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// Lookup returns the module whose memory holds addr, and addr's offset in
// it.
func (m *ModuleMap) Lookup(addr uint64) (mod Module, offset uint64, ok bool) {
	i, found := slices.BinarySearchFunc(m.mods, addr, func(mod Module, a uint64) int { return cmp.Compare(mod.Base, a) })
	if !found {
		i--
	}
	if i < 0 || addr-m.mods[i].Base >= m.mods[i].Size {
		return Module{}, 0, false
	}
	return m.mods[i], addr - m.mods[i].Base, true
}

// Modules returns the modules, by address.
func (m *ModuleMap) Modules() []Module { return slices.Clone(m.mods) }

// Span returns the lowest and highest (exclusive) address of any module.
func (m *ModuleMap) Span() (lo, hi uint64) {
	last := m.mods[len(m.mods)-1]
	return m.mods[0].Base, last.Base + last.Size
}

// Source describes where the map came from.
func (m *ModuleMap) Source() string { return m.source }

// ModuleSpan returns the lowest and highest (exclusive) address of the
// module symbols of the table; ok is false when it has none.
func (t *Table) ModuleSpan() (lo, hi uint64, ok bool) {
	if len(t.maddrs) == 0 {
		return 0, 0, false
	}
	return t.maddrs[0], t.mends[len(t.mends)-1], true
}
