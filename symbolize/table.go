package symbolize

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// PageSize is the granularity the kernel rounds a module's text region to
// (CONFIG_STRICT_MODULE_RWX page-aligns it). It bounds the last text symbol
// of a module region when nothing else does.
const PageSize = 4096

// A Table is a sorted symbol table with the kernel's own size rules, ready
// for binary-searched lookups. It is immutable after construction and safe
// for concurrent use.
type Table struct {
	// Lookup entries, struct-of-arrays, sorted by addr. Each covers
	// [addrs[i], ends[i]). Only the symbol the kernel would print is kept
	// for an address that several names share.
	addrs []uint64
	ends  []uint64
	names []string
	mods  []int32 // index into modNames, -1 for the core kernel
	types []byte

	modNames []string

	coreLo, coreHi uint64 // the core kernel's lookup range [lo, hi)
	bits           int    // 32 or 64, from the width of the addresses
	symbols        int    // symbols read, before filtering
	source         string // what the table was built from, for diagnostics
	relocation     uint64 // offset added to the link-time addresses
	anchors        map[string]uint64
	byName         *nameIndex // built on first use by LookupName
}

// nameIndex maps symbol names to their lookup entries. It is built once,
// on demand: most runs never ask for a name.
type nameIndex struct {
	once sync.Once
	m    map[string][]int32
}

// anchorNames are the core symbols whose addresses the table remembers:
// they bound the kernel's range and anchor KASLR offsets.
var anchorNames = [...]string{"_text", "_stext", "_etext", "_sinittext", "_einittext", "_end"}

// Len returns the number of lookup entries.
func (t *Table) Len() int { return len(t.addrs) }

// Symbols returns the number of symbols read from the source, before the
// kernel's filters (undefined, mapping and duplicate names) were applied.
func (t *Table) Symbols() int { return t.symbols }

// Bits returns the address width of the table: 32 or 64.
func (t *Table) Bits() int { return t.bits }

// Source describes where the table came from, e.g. "kallsyms /proc/kallsyms".
func (t *Table) Source() string { return t.source }

// Modules returns the names of the modules that have symbols in the table.
func (t *Table) Modules() []string { return slices.Clone(t.modNames) }

// KernelRange returns the core kernel's address range [lo, hi) in which
// lookups are answered from core symbols. ok is false when the table has no
// core symbols.
func (t *Table) KernelRange() (lo, hi uint64, ok bool) {
	return t.coreLo, t.coreHi, t.coreHi > t.coreLo
}

// Anchor returns the address of a well-known core symbol (_text, _stext,
// _etext, _sinittext, _einittext, _end) as the table has it, relocation
// included.
func (t *Table) Anchor(name string) (uint64, bool) {
	a, ok := t.anchors[name]
	if !ok {
		return 0, false
	}
	return a + t.relocation, true
}

// Relocation returns the offset that Relocate applied to the table.
func (t *Table) Relocation() uint64 { return t.relocation }

// Relocate returns a copy of t whose core kernel addresses are shifted by
// offset: a System.map carries link-time addresses, and a kernel randomized
// by KASLR runs at link-time + offset. Module symbols are not moved; they
// only come from runtime sources.
func (t *Table) Relocate(offset uint64) *Table {
	if offset == 0 {
		return t
	}
	n := *t
	n.addrs = slices.Clone(t.addrs)
	n.ends = slices.Clone(t.ends)
	for i := range n.addrs {
		if n.mods[i] < 0 {
			n.addrs[i] += offset
			n.ends[i] += offset
		}
	}
	n.coreLo += offset
	n.coreHi += offset
	n.relocation = t.relocation + offset
	n.byName = &nameIndex{}
	// Modules and the core do not overlap, so shifting the core keeps the
	// order within it; only the merge with module entries can change.
	if len(t.modNames) > 0 {
		n.resort()
	}
	return &n
}

// Lookup finds the symbol containing addr and returns it with addr's
// offset, exactly as the kernel's %pS prints it. ok is false for addresses
// outside every symbol: user space, gaps between modules, past the end of
// the kernel, and addresses of a table that does not cover them.
func (t *Table) Lookup(addr uint64) (Location, bool) {
	i, ok := t.find(addr)
	if !ok {
		return Location{}, false
	}
	return t.location(i, addr-t.addrs[i]), true
}

// LookupReturn resolves a return address the way the kernel's %pB does: it
// looks up addr-1 (the call instruction, which for a call to a noreturn
// function is the last byte of the caller) and prints the offset of addr.
// When addr-1 is in no symbol but addr is the first byte of one (a function
// pointer left on the stack, just after a gap), it answers sym+0x0.
func (t *Table) LookupReturn(addr uint64) (Location, bool) {
	if addr != 0 {
		if i, ok := t.find(addr - 1); ok {
			return t.location(i, addr-t.addrs[i]), true
		}
	}
	if i, ok := t.find(addr); ok && t.addrs[i] == addr {
		return t.location(i, 0), true
	}
	return Location{}, false
}

// LookupName returns the symbols named name (in module, "" for the core
// kernel) that lookups can print. Several come back for names defined in
// more than one file (static functions).
func (t *Table) LookupName(name, module string) []Location {
	t.byName.once.Do(func() {
		t.byName.m = make(map[string][]int32, len(t.names))
		for i, n := range t.names {
			t.byName.m[n] = append(t.byName.m[n], int32(i))
		}
	})
	var out []Location
	for _, i := range t.byName.m[name] {
		l := t.location(int(i), 0)
		if l.Module == module {
			out = append(out, l)
		}
	}
	return out
}

func (t *Table) find(addr uint64) (int, bool) {
	// The first entry above addr, then step back one.
	i, found := slices.BinarySearch(t.addrs, addr)
	if !found {
		i--
	}
	if i < 0 || addr >= t.ends[i] {
		return 0, false
	}
	return i, true
}

func (t *Table) location(i int, off uint64) Location {
	l := Location{
		Name:   t.names[i],
		Start:  t.addrs[i],
		Offset: off,
		Size:   t.ends[i] - t.addrs[i],
		Type:   t.types[i],
	}
	if m := t.mods[i]; m >= 0 {
		l.Module = t.modNames[m]
	}
	return l
}

// entry is one lookup entry while a table is being built.
type entry struct {
	addr, end uint64
	name      string
	mod       int32
	typ       byte
}

func (t *Table) setEntries(es []entry) {
	t.addrs = make([]uint64, len(es))
	t.ends = make([]uint64, len(es))
	t.names = make([]string, len(es))
	t.mods = make([]int32, len(es))
	t.types = make([]byte, len(es))
	for i, e := range es {
		t.addrs[i], t.ends[i], t.names[i], t.mods[i], t.types[i] = e.addr, e.end, e.name, e.mod, e.typ
	}
}

func (t *Table) resort() {
	es := make([]entry, len(t.addrs))
	for i := range es {
		es[i] = entry{t.addrs[i], t.ends[i], t.names[i], t.mods[i], t.types[i]}
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.addr, b.addr) })
	t.setEntries(es)
}

// tieOrder decides which of several symbols at one address comes first.
type tieOrder int

const (
	// fileOrder keeps the order of the source: /proc/kallsyms already lists
	// symbols in the kernel's own order.
	fileOrder tieOrder = iota
	// kallsymsOrder re-creates the order scripts/kallsyms gives the
	// kernel's table, for sources (System.map, ELF) that list aliases in
	// another order: strong before weak, linker-script boundary symbols
	// last, fewer leading underscores first, then source order.
	kallsymsOrder
)

// newTable builds a Table from the core kernel's symbols and per-module
// symbols, applying the kernel's rules for which names are printed and
// how large each symbol is.
func newTable(source string, bits, read int, core []Symbol, order tieOrder, modules []moduleSymbols) (*Table, error) {
	t := &Table{bits: bits, symbols: read, source: source, anchors: map[string]uint64{}, byName: &nameIndex{}}
	es := t.coreEntries(core, order)
	for _, m := range modules {
		es = append(es, t.moduleEntries(m)...)
	}
	if len(es) == 0 {
		return nil, ErrNoSymbols
	}
	if byAddr := func(a, b entry) int { return cmp.Compare(a.addr, b.addr) }; !slices.IsSortedFunc(es, byAddr) {
		slices.SortStableFunc(es, byAddr)
	}
	t.setEntries(es)
	return t, nil
}

// coreEntries applies kernel/kallsyms.c's rules: the symbol printed for an
// address is the first of its aliases in the kernel's order, and its size
// runs to the next distinct address in the whole table. Lookups are only
// answered inside [_stext, _end), like is_ksym_addr().
func (t *Table) coreEntries(core []Symbol, order tieOrder) []entry {
	syms := make([]Symbol, 0, len(core))
	for _, s := range core {
		if s.Name == "" || isMappingSymbol(s.Name) || s.Type == 'U' || s.Type == 'u' {
			continue
		}
		syms = append(syms, s)
	}
	// Both sources list core symbols by address already (the parsers
	// insist); only aliases at one address may need reordering.
	if order == kallsymsOrder {
		if !slices.IsSortedFunc(syms, compareKallsyms) {
			slices.SortStableFunc(syms, compareKallsyms)
		}
	} else if !slices.IsSortedFunc(syms, compareAddr) {
		slices.SortStableFunc(syms, compareAddr)
	}
	for _, s := range syms {
		for _, a := range anchorNames {
			if s.Name == a {
				if _, dup := t.anchors[a]; !dup {
					t.anchors[a] = s.Addr
				}
			}
		}
	}
	lo, hasLo := t.anchors["_stext"]
	if !hasLo {
		lo, hasLo = t.anchors["_text"]
	}
	if !hasLo {
		// No anchor: start at the lowest code symbol, so that per-cpu
		// offsets and absolute values at small addresses never match.
		for _, s := range syms {
			if isTextType(s.Type) {
				lo, hasLo = s.Addr, true
				break
			}
		}
	}
	if !hasLo {
		return nil
	}
	hi, hasHi := t.anchors["_end"]
	if !hasHi || hi <= lo {
		// Without _end the last symbol's size is unknown: let it end at
		// the next page boundary rather than run to the end of memory.
		last := syms[len(syms)-1].Addr
		hi = roundUp(last+1, PageSize)
	}
	t.coreLo, t.coreHi = lo, hi

	es := make([]entry, 0, len(syms))
	for i := 0; i < len(syms); {
		s := syms[i]
		j := i + 1
		for j < len(syms) && syms[j].Addr == s.Addr {
			j++
		}
		end := hi
		if j < len(syms) && syms[j].Addr < hi {
			end = syms[j].Addr
		}
		if s.Addr >= lo && s.Addr < hi {
			es = append(es, entry{addr: s.Addr, end: end, name: s.Name, mod: -1, typ: s.Type})
		}
		i = j
	}
	return es
}

func compareAddr(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) }

// compareKallsyms orders symbols as scripts/kallsyms does.
func compareKallsyms(a, b Symbol) int {
	if c := cmp.Compare(a.Addr, b.Addr); c != 0 {
		return c
	}
	wa, wb := a.Type == 'w' || a.Type == 'W', b.Type == 'w' || b.Type == 'W'
	if wa != wb {
		if wa {
			return 1
		}
		return -1
	}
	if la, lb := isLinkerBoundary(a.Name), isLinkerBoundary(b.Name); la != lb {
		if la {
			return 1
		}
		return -1
	}
	return cmp.Compare(leadingUnderscores(a.Name), leadingUnderscores(b.Name))
}

// isLinkerBoundary reports names a linker script may PROVIDE for section
// boundaries (__start_foo, __stop_foo, __end_foo, __foo_start, __foo_end):
// kallsyms sorts them after the real symbol at the same address.
func isLinkerBoundary(name string) bool {
	if len(name) < 8 || !strings.HasPrefix(name, "__") {
		return false
	}
	rest := name[2:]
	return strings.HasPrefix(rest, "start_") || strings.HasPrefix(rest, "stop_") ||
		strings.HasPrefix(rest, "end_") || strings.HasSuffix(name, "_start") || strings.HasSuffix(name, "_end")
}

func leadingUnderscores(s string) int {
	n := 0
	for n < len(s) && s[n] == '_' {
		n++
	}
	return n
}

// moduleSymbols is one module's symbols in the order its symtab lists them.
type moduleSymbols struct {
	name string
	syms []Symbol
}

// moduleEntries applies kernel/module/kallsyms.c's find_kallsyms_symbol:
// undefined, unnamed and mapping symbols are skipped; among aliases the
// first in symtab order wins; a symbol's size runs to the next symbol of
// the same module, or to the end of the module's text region. Only code
// symbols are looked up: a module's data addresses are never in a trace.
func (t *Table) moduleEntries(m moduleSymbols) []entry {
	syms := make([]Symbol, 0, len(m.syms))
	for _, s := range m.syms {
		if s.Name == "" || isMappingSymbol(s.Name) || s.Type == 'U' || s.Type == 'u' ||
			s.Type == 'a' || s.Type == 'A' || s.Type == '?' {
			continue
		}
		syms = append(syms, s)
	}
	if len(syms) == 0 {
		return nil
	}
	mod := int32(len(t.modNames))
	t.modNames = append(t.modNames, m.name)
	slices.SortStableFunc(syms, func(a, b Symbol) int { return cmp.Compare(a.Addr, b.Addr) })

	var es []entry
	for i := 0; i < len(syms); {
		s := syms[i]
		j := i + 1
		for j < len(syms) && syms[j].Addr == s.Addr {
			j++
		}
		if isTextType(s.Type) {
			// The text region is page-aligned and ends before the module's
			// data; when the next symbol is not code (or there is none),
			// the region ends at the first page boundary we can be sure of.
			end := roundUp(s.Addr+1, PageSize)
			if j < len(syms) {
				next := syms[j]
				if isTextType(next.Type) && next.Addr-s.Addr < maxModuleFunc {
					end = next.Addr
				} else if next.Addr < end {
					end = next.Addr
				}
			}
			es = append(es, entry{addr: s.Addr, end: end, name: s.Name, mod: mod, typ: s.Type})
		}
		i = j
	}
	return es
}

// maxModuleFunc bounds the distance from a module's code symbol to the next
// one for them to count as neighbours in one text region. Farther apart,
// they are in different regions (a module's init and core text are
// allocated separately), and the first one ends at its page boundary.
const maxModuleFunc = 1 << 20

func roundUp(x, align uint64) uint64 {
	r := (x + align - 1) &^ (align - 1)
	if r < x { // overflow at the top of the address space
		return ^uint64(0)
	}
	return r
}
