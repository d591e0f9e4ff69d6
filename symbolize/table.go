package symbolize

import (
	"cmp"
	"fmt"
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
	// lazyShift is a relocation not applied to the arrays: every entry is
	// at addrs[i]+lazyShift (a table without modules moves as one piece,
	// so Relocate need not copy it, and it keeps its name index).
	lazyShift uint64
	anchors   map[string]uint64
	byName    *nameIndex // built on first use by LookupName
}

// nameIndex finds lookup entries by name: a chained hash table over the
// entries, two int32 arrays and no map, so that it is built in a few
// milliseconds for 100k names. It is built once, on demand: most runs
// never ask for a name.
type nameIndex struct {
	once  sync.Once
	heads []int32 // by hash & mask: the first entry + 1, 0 for none
	next  []int32 // by entry: the next entry + 1 of the same bucket
	mask  uint32
}

// nameHash is FNV-1a over the name's bytes.
func nameHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// build indexes names.
func (x *nameIndex) build(names []string) {
	size := 1
	for size < 2*len(names) {
		size <<= 1
	}
	x.mask = uint32(size - 1)
	x.heads = make([]int32, size)
	x.next = make([]int32, len(names))
	// Walking backwards leaves each chain in entry order.
	for i := len(names) - 1; i >= 0; i-- {
		b := nameHash(names[i]) & x.mask
		x.next[i] = x.heads[b]
		x.heads[b] = int32(i + 1)
	}
}

// isAnchorName reports the core symbols whose addresses the table
// remembers: they bound the kernel's range and anchor KASLR offsets.
func isAnchorName(name string) bool {
	switch name {
	case "_text", "_stext", "_etext", "_sinittext", "_einittext", "_end":
		return true
	}
	return false
}

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

// KernelRange returns the core kernel's address range [lo, hi): core
// symbols are only looked up inside it, from _stext to _end. A kallsyms
// listing of a kernel built without CONFIG_KALLSYMS_ALL ends it at
// _einittext, and lookups in its rodata and data, between _etext and
// _sinittext, find nothing, as in that kernel. ok is false when the table
// has no core symbols.
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
// only come from runtime sources. Core symbols that an offset too large
// would push past the top of the table's address space (2^32 or 2^64) are
// dropped: no kernel straddles it.
func (t *Table) Relocate(offset uint64) *Table {
	if offset == 0 {
		return t
	}
	if len(t.modNames) == 0 {
		n := *t
		n.relocation = t.relocation + offset
		n.lazyShift = t.lazyShift + offset
		if l, h, ok := t.shift(t.coreLo, t.coreHi, offset); ok {
			n.coreLo, n.coreHi = l, h
			return &n
		}
		// The top of the kernel passes the end of the address space: its
		// range is that of the entries that still fit.
		n.coreLo, n.coreHi = 0, 0
		for i := range n.addrs {
			if lo, _, ok := n.shift(n.addrs[i], n.ends[i], n.lazyShift); ok {
				n.coreLo = lo
				break
			}
		}
		for i := len(n.addrs) - 1; i >= 0; i-- {
			if _, hi, ok := n.shift(n.addrs[i], n.ends[i], n.lazyShift); ok {
				n.coreHi = hi
				break
			}
		}
		return &n
	}
	if t.lazyShift != 0 {
		t = t.materialize()
	}
	n := *t
	n.relocation = t.relocation + offset
	n.byName = &nameIndex{}
	es := make([]entry, 0, len(t.addrs))
	var lo, hi uint64
	for i := range t.addrs {
		e := entry{t.addrs[i], t.ends[i], t.names[i], t.mods[i], t.types[i]}
		if e.mod < 0 {
			var ok bool
			if e.addr, e.end, ok = t.shift(e.addr, e.end, offset); !ok {
				continue
			}
			if hi == 0 {
				lo = e.addr
			}
			hi = e.end
		}
		es = append(es, e)
	}
	if l, h, ok := t.shift(t.coreLo, t.coreHi, offset); ok {
		lo, hi = l, h
	}
	n.coreLo, n.coreHi = lo, hi
	// Shifting keeps the order within the core; only the merge with the
	// module entries can change.
	if len(t.modNames) > 0 {
		slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.addr, b.addr) })
	}
	n.setEntries(es)
	return &n
}

// materialize returns t with its lazy relocation applied to the arrays,
// the entries it would push past the top of the address space dropped.
func (t *Table) materialize() *Table {
	if t.lazyShift == 0 {
		return t
	}
	n := *t
	n.lazyShift = 0
	es := make([]entry, 0, len(t.addrs))
	for i := range t.addrs {
		e := entry{t.addrs[i], t.ends[i], t.names[i], t.mods[i], t.types[i]}
		var ok bool
		if e.addr, e.end, ok = t.shift(e.addr, e.end, t.lazyShift); ok {
			es = append(es, e)
		}
	}
	n.setEntries(es)
	return &n
}

// shift adds offset to the range [lo, hi), and reports false when the
// result would not fit the table's address space.
func (t *Table) shift(lo, hi, offset uint64) (uint64, uint64, bool) {
	nl, nh := lo+offset, hi+offset
	if nl < lo || nh < hi || t.bits == 32 && nh > 1<<32 {
		return 0, 0, false
	}
	return nl, nh, true
}

// Lookup finds the symbol containing addr and returns it with addr's
// offset, exactly as the kernel's %pS prints it. ok is false where the
// kernel prints a raw address: user space, below _stext or from _end on,
// gaps between modules, a module's data, and a kernel's rodata and data
// when its kallsyms shows it was built without CONFIG_KALLSYMS_ALL.
func (t *Table) Lookup(addr uint64) (Location, bool) {
	i, ok := t.find(addr)
	if !ok {
		return Location{}, false
	}
	return t.location(i, addr-t.start(i)), true
}

// start returns the address of entry i.
func (t *Table) start(i int) uint64 { return t.addrs[i] + t.lazyShift }

// LookupReturn resolves a return address the way the kernel's %pB does: it
// looks up addr-1 (the call instruction, which for a call to a noreturn
// function is the last byte of the caller) and prints the offset of addr.
// When addr-1 is in no symbol but addr is the first byte of one (a function
// pointer left on the stack, just after a gap), it answers sym+0x0, where
// the kernel printed the raw address ("? 0xffffffffc025c000").
func (t *Table) LookupReturn(addr uint64) (Location, bool) {
	if addr != 0 {
		if i, ok := t.find(addr - 1); ok {
			return t.location(i, addr-t.start(i)), true
		}
	}
	if i, ok := t.find(addr); ok && t.start(i) == addr {
		return t.location(i, 0), true
	}
	return Location{}, false
}

// LookupName returns the symbols named name (in module, "" for the core
// kernel) that lookups can print. Several come back for names defined in
// more than one file (static functions).
func (t *Table) LookupName(name, module string) []Location {
	x := t.byName
	x.once.Do(func() { x.build(t.names) })
	var out []Location
	for i := x.heads[nameHash(name)&x.mask]; i != 0; i = x.next[i-1] {
		if t.names[i-1] != name {
			continue
		}
		l := t.location(int(i-1), 0)
		if l.Module == module {
			out = append(out, l)
		}
	}
	return out
}

func (t *Table) find(addr uint64) (int, bool) {
	sh := t.lazyShift
	if addr < sh {
		return 0, false // every entry that fits is at sh or above
	}
	addr -= sh
	// The first entry above addr, then step back one.
	i, found := slices.BinarySearch(t.addrs, addr)
	if !found {
		i--
	}
	if i < 0 || addr >= t.ends[i] {
		return 0, false
	}
	if sh != 0 {
		if _, _, ok := t.shift(t.addrs[i], t.ends[i], sh); !ok {
			return 0, false // moved past the top of the address space
		}
	}
	return i, true
}

func (t *Table) location(i int, off uint64) Location {
	l := Location{
		Name:   t.names[i],
		Start:  t.start(i),
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
	// The core entries go straight into the table's arrays: a kernel has
	// 100k of them, and every intermediate copy is megabytes at the
	// process's peak. The few module entries are merged in after.
	var mods []entry
	for _, m := range modules {
		mods = append(mods, t.moduleEntries(m)...)
	}
	t.coreEntries(core, order, len(mods))
	if len(t.addrs)+len(mods) == 0 {
		return nil, fmt.Errorf("%w: none of the %d symbols read lies in the kernel's text range or is a module's code", ErrNoSymbols, read)
	}
	t.mergeEntries(mods)
	return t, nil
}

// appendEntry adds e at the end of the table's arrays.
func (t *Table) appendEntry(e entry) {
	t.addrs = append(t.addrs, e.addr)
	t.ends = append(t.ends, e.end)
	t.names = append(t.names, e.name)
	t.mods = append(t.mods, e.mod)
	t.types = append(t.types, e.typ)
}

// mergeEntries merges es into the table's sorted arrays, after the
// entries of equal address already there.
func (t *Table) mergeEntries(es []entry) {
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.addr, b.addr) })
	if len(es) == 0 {
		return
	}
	if n := len(t.addrs); n == 0 || es[0].addr >= t.addrs[n-1] {
		for _, e := range es {
			t.appendEntry(e)
		}
		return
	}
	core := *t
	t.addrs, t.ends, t.names, t.mods, t.types = nil, nil, nil, nil, nil
	i := 0
	for _, e := range es {
		for i < len(core.addrs) && core.addrs[i] <= e.addr {
			t.appendEntry(entry{core.addrs[i], core.ends[i], core.names[i], core.mods[i], core.types[i]})
			i++
		}
		t.appendEntry(e)
	}
	for ; i < len(core.addrs); i++ {
		t.appendEntry(entry{core.addrs[i], core.ends[i], core.names[i], core.mods[i], core.types[i]})
	}
}

// coreEntries applies kernel/kallsyms.c's rules: the symbol printed for an
// address is the first of its aliases in the kernel's order, and its size
// runs to the next distinct address in the whole table (get_symbol_pos).
//
// Which addresses are looked up at all is is_ksym_addr()'s decision. A
// kernel built with CONFIG_KALLSYMS_ALL answers in [_stext, _end); one
// without answers only in its text, [_stext, _etext) and
// [_sinittext, _einittext), and prints anything else (rodata, data, bss)
// as a raw address. Its /proc/kallsyms shows which: scripts/kallsyms then
// keeps only the symbols of those two ranges, their end markers included,
// so _end is missing. There the end markers themselves (_etext+0x..., the
// whole rodata and data) are never printed and must not be answered.
func (t *Table) coreEntries(core []Symbol, order tieOrder, spare int) {
	// Filtered in place: the caller hands its slice over, and a copy of
	// 100k symbols is 5 MB more at the process's peak.
	syms := core[:0]
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
		if isAnchorName(s.Name) {
			if _, dup := t.anchors[s.Name]; !dup {
				t.anchors[s.Name] = s.Addr
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
		return
	}
	ranges := t.coreRanges(lo, syms)
	t.coreLo, t.coreHi = ranges[0].lo, ranges[len(ranges)-1].hi

	n := spare // distinct addresses: one entry each at most, and room for the modules'
	for i := range syms {
		if i == 0 || syms[i].Addr != syms[i-1].Addr {
			n++
		}
	}
	t.addrs, t.ends = make([]uint64, 0, n), make([]uint64, 0, n)
	t.names, t.mods, t.types = make([]string, 0, n), make([]int32, 0, n), make([]byte, 0, n)
	r := 0
	for i := 0; i < len(syms); {
		s := syms[i]
		j := i + 1
		for j < len(syms) && syms[j].Addr == s.Addr {
			j++
		}
		for r < len(ranges) && s.Addr >= ranges[r].hi {
			r++
		}
		if r == len(ranges) {
			break
		}
		if s.Addr >= ranges[r].lo {
			end := ranges[r].hi
			if j < len(syms) && syms[j].Addr < end {
				end = syms[j].Addr
			}
			t.appendEntry(entry{addr: s.Addr, end: end, name: s.Name, mod: -1, typ: s.Type})
		}
		i = j
	}
}

// addrRange is a half-open address range [lo, hi).
type addrRange struct{ lo, hi uint64 }

// coreRanges returns the ranges, ascending and disjoint, in which the
// kernel answers lookups from its core symbols (see coreEntries). syms is
// sorted by address and not empty.
func (t *Table) coreRanges(lo uint64, syms []Symbol) []addrRange {
	if end, ok := t.anchors["_end"]; ok && end > lo {
		return []addrRange{{lo, end}}
	}
	etext, hasEtext := t.anchors["_etext"]
	if hasEtext && etext > lo {
		text := []addrRange{{lo, etext}}
		s, okS := t.anchors["_sinittext"]
		e, okE := t.anchors["_einittext"]
		if okS && okE && s >= etext && e > s {
			text = append(text, addrRange{s, e})
		}
		return text
	}
	// Neither: a partial listing. Let the last symbol end at the next
	// page boundary rather than run to the end of memory.
	return []addrRange{{lo, roundUp(syms[len(syms)-1].Addr+1, PageSize)}}
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
