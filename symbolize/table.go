package symbolize

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// PageSize is the granularity the kernel rounds a module's text region to
// (CONFIG_STRICT_MODULE_RWX page-aligns it). It bounds the last text symbol
// of a module region when nothing else does.
const PageSize = 4096

// A Table is a sorted symbol table with the kernel's own size rules, ready
// for binary-searched lookups. It is immutable after construction and safe
// for concurrent use.
//
// The core kernel's entries (100k of them) are kept small, 12 bytes each:
// a 32-bit address (an offset from the start of the kernel), the offset of
// the name in text (the symbol file itself when it was parsed from memory,
// so that names are never copied), and a key that packs the type, the
// name's length and a hash of the name for LookupName (see makeKey).
// Their ends are not stored: an entry runs to the next entry or to the end
// of its address range (see coreEnd). The few module entries are kept
// apart, with their ends.
type Table struct {
	// Core entries, sorted by address: one per distinct address that the
	// kernel answers lookups at, the symbol it prints there. Addresses
	// are before the table's shift, which includes the base they are
	// offsets from. wide holds them instead (addrs nil) in the rare
	// table whose core spans more than 4 GB.
	addrs []uint32
	wide  []uint64
	names []uint32 // offset of each entry's name in text
	keys  []uint32 // makeKey of each entry
	// lens holds the lengths of the names of an ELF symbol table, which
	// may hold any byte but NUL; nil for an nm-format text, whose names
	// end at the first blank, CR, newline or NUL (nameEnd), as the
	// parser makes sure. Either is only read for names too long for
	// their key.
	lens []uint16
	// sample is every sampleStep-th address of addrs: the first steps
	// of a lookup's binary search stay in these few cache lines. (A wide
	// table, only ever made by hand, is searched without.)
	sample []uint32
	text   string // the bytes the names point into
	ranges []addrRange
	// shift is what is added to the stored addresses: the base they are
	// offsets from and the relocation not applied to them. Core entry i
	// is at addrAt(i)+shift. Only the first coreN entries exist after
	// it; the others would pass the top of the address space.
	shift uint64
	coreN int

	// Module entries, sorted by address (ties in module order), each
	// covering [maddrs[i], mends[i]).
	maddrs, mends []uint64
	mnames        []string
	mmods         []int32 // index into modNames
	mtypes        []byte
	modNames      []string

	coreLo, coreHi uint64 // the core kernel's lookup range [lo, hi)
	bits           int    // 32 or 64, from the width of the addresses
	symbols        int    // symbols read, before filtering
	source         string // what the table was built from, for diagnostics
	relocation     uint64 // offset added to the link-time addresses
	anchors        anchorSet
	byName         *nameIndex // shared by the relocated copies of a table
}

// addrAt returns core entry i's address, before the shift.
func (t *Table) addrAt(i int) uint64 {
	if t.wide != nil {
		return t.wide[i]
	}
	return uint64(t.addrs[i])
}

// nameAt returns core entry i's name.
func (t *Table) nameAt(i int) string {
	o := t.names[i]
	if n := t.keys[i] & keyLong; n < keyLong {
		return t.text[o : o+n]
	}
	if t.lens != nil {
		return t.text[o : o+uint32(t.lens[i])]
	}
	return t.text[o:nameEnd(unsafe.Slice(unsafe.StringData(t.text), len(t.text)), int(o))]
}

// typAt returns core entry i's type letter.
func (t *Table) typAt(i int) byte { return byte(t.keys[i] & keyTypBits >> keyTypShift) }

// A core entry's key packs what lookups read besides the name's offset,
// so that they read nothing of the text but the name printed: the
// length of the name (keyLong for keyLong bytes or more, which are
// measured in text), then the type letter (7 bits: an ASCII letter),
// then the high 17 bits of nameHash for LookupName. A name's length and
// hash, the key without the type, is what a question compares (nameKey).
const (
	keyLong      = 1<<8 - 1
	keyTypShift  = 8
	keyTypBits   = 0x7f << keyTypShift
	keyHashShift = 15
)

// makeKey returns the key of an entry of type typ whose name, n bytes
// long, hashes to h.
func makeKey(h uint32, typ byte, n int) uint32 {
	return h>>keyHashShift<<keyHashShift | uint32(typ&0x7f)<<keyTypShift | uint32(min(n, keyLong))
}

// nameKey returns the key of a name, with no type.
func nameKey(name string) uint32 { return makeKey(nameHash(name), 0, len(name)) }

// coreEnd returns the end of core entry i, before the shift: the next
// distinct address of the kernel's table, or the end of the entry's
// range, whichever comes first (get_symbol_pos). Entries are exactly the
// distinct addresses inside the ranges, so within a range the next
// address is the next entry's.
func (t *Table) coreEnd(i int) uint64 {
	a := t.addrAt(i)
	hi := t.ranges[0].hi
	if len(t.ranges) > 1 && a >= t.ranges[1].lo {
		hi = t.ranges[1].hi
	}
	if i+1 < len(t.names) {
		if next := t.addrAt(i + 1); next < hi {
			return next
		}
	}
	return hi
}

// anchorNames are the core symbols whose addresses the table remembers:
// they bound the kernel's range and anchor KASLR offsets.
var anchorNames = [...]string{"_text", "_stext", "_etext", "_sinittext", "_einittext", "_end"}

// anchorSet holds the first address of each of anchorNames.
type anchorSet struct {
	addr [len(anchorNames)]uint64
	have uint8 // bit i: anchorNames[i] is set
}

// anchorIndex returns the index of name in anchorNames, or -1.
func anchorIndex(name string) int {
	if len(name) < 4 || len(name) > 10 || name[0] != '_' {
		return -1
	}
	for i, a := range anchorNames {
		if a == name {
			return i
		}
	}
	return -1
}

func (s *anchorSet) get(name string) (uint64, bool) {
	i := anchorIndex(name)
	if i < 0 || s.have&(1<<i) == 0 {
		return 0, false
	}
	return s.addr[i], true
}

// note records addr for name if name is an anchor seen for the first time.
func (s *anchorSet) note(name string, addr uint64) {
	if i := anchorIndex(name); i >= 0 && s.have&(1<<i) == 0 {
		s.addr[i] = addr
		s.have |= 1 << i
	}
}

// Len returns the number of lookup entries.
func (t *Table) Len() int { return t.coreN + len(t.maddrs) }

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
	a, ok := t.anchors.get(name)
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
// dropped: no kernel straddles it. The copy shares t's arrays: nothing is
// moved until a lookup adds the offset.
func (t *Table) Relocate(offset uint64) *Table {
	if offset == 0 {
		return t
	}
	n := *t
	n.relocation = t.relocation + offset
	n.shift = t.shift + offset
	// The entries that still fit are a prefix: addresses and ends grow.
	n.coreN = t.fitting(offset)
	if l, h, ok := t.shiftRange(t.coreLo, t.coreHi, offset); ok {
		n.coreLo, n.coreHi = l, h
		return &n
	}
	// The top of the kernel passes the end of the address space: its
	// range is that of the entries that still fit.
	n.coreLo, n.coreHi = 0, 0
	if n.coreN > 0 {
		n.coreLo = n.addrAt(0) + n.shift
		n.coreHi = n.coreEnd(n.coreN-1) + n.shift
	}
	return &n
}

// fitting returns how many of t's core entries still fit the address
// space once moved by offset more.
func (t *Table) fitting(offset uint64) int {
	lo, hi := 0, t.coreN
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if _, _, ok := t.shiftRange(t.addrAt(m)+t.shift, t.coreEnd(m)+t.shift, offset); ok {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// shiftRange adds offset to the range [lo, hi), and reports false when
// the result would not fit the table's address space.
func (t *Table) shiftRange(lo, hi, offset uint64) (uint64, uint64, bool) {
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

// Entries are numbered core first: core entry i is i, module entry j is
// len(t.names)+j.

// start returns the address of entry i.
func (t *Table) start(i int) uint64 {
	if i < len(t.names) {
		return t.addrAt(i) + t.shift
	}
	return t.maddrs[i-len(t.names)]
}

// end returns the end of entry i.
func (t *Table) end(i int) uint64 {
	if i < len(t.names) {
		return t.coreEnd(i) + t.shift
	}
	return t.mends[i-len(t.names)]
}

// search returns the first index of a whose value is at least x, and
// whether it equals x.
func search[T uint32 | uint64](a []T, x T) (int, bool) {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(a) && a[lo] == x
}

// sampleStep is the distance of two entries of Table.sample: a power of
// two.
const sampleStep = 64

// searchCore is search over the core entries that exist, the first
// coreN, for an address before the shift: the sample narrows it down to
// sampleStep entries.
func (t *Table) searchCore(x uint64) (int, bool) {
	n := t.coreN
	if t.wide != nil {
		return search(t.wide[:n], x)
	}
	if x > 1<<32-1 {
		return n, false // past every entry
	}
	j, _ := search(t.sample, uint32(x))
	// addrs[(j-1)*step] < x <= addrs[j*step]: the answer is in between.
	lo, hi := 0, n
	if j > 0 {
		lo = min((j-1)*sampleStep+1, n)
	}
	if j*sampleStep < n {
		hi = j * sampleStep
	}
	i, _ := search(t.addrs[lo:hi], uint32(x))
	i += lo
	return i, i < n && t.addrs[i] == uint32(x)
}

// find returns the entry that contains addr. The core and module entries
// act as one array sorted by address in which a module entry follows the
// core one at an equal address: addr finds the first entry at its own
// address, else the last one below it.
func (t *Table) find(addr uint64) (int, bool) {
	c, cFound := -1, false
	if sh := t.shift; addr >= sh && t.coreN > 0 {
		var i int
		i, cFound = t.searchCore(addr - sh)
		if !cFound {
			i--
		}
		c = i
	}
	if len(t.maddrs) > 0 && !cFound {
		j, found := search(t.maddrs, addr)
		if !found {
			j--
		}
		if j >= 0 && (found || c < 0 || t.maddrs[j] >= t.addrAt(c)+t.shift) {
			if addr >= t.mends[j] {
				return 0, false
			}
			return len(t.names) + j, true
		}
	}
	if c < 0 || addr-t.shift >= t.coreEnd(c) {
		return 0, false
	}
	return c, true
}

func (t *Table) location(i int, off uint64) Location {
	if i < len(t.names) {
		a := t.addrAt(i)
		return Location{
			Name:   t.nameAt(i),
			Start:  a + t.shift,
			Offset: off,
			Size:   t.coreEnd(i) - a,
			Type:   t.typAt(i),
		}
	}
	j := i - len(t.names)
	return Location{
		Name:   t.mnames[j],
		Module: t.modNames[t.mmods[j]],
		Start:  t.maddrs[j],
		Offset: off,
		Size:   t.mends[j] - t.maddrs[j],
		Type:   t.mtypes[j],
	}
}

// LookupName returns the symbols named name (in module, "" for the core
// kernel) that lookups can print. Several come back for names defined in
// more than one file (static functions).
func (t *Table) LookupName(name, module string) []Location {
	var out []Location
	if module != "" {
		for j, n := range t.mnames {
			if n == name && t.modNames[t.mmods[j]] == module {
				out = append(out, t.location(len(t.names)+j, 0))
			}
		}
		return out
	}
	t.byName.each(t.keys, nameKey(name), func(i int) {
		if i < t.coreN && t.nameAt(i) == name {
			out = append(out, t.location(i, 0))
		}
	})
	return out
}

// nameIndex finds core entries by the key of their name, its length
// and hash (no name is read but those whose key matches). The first
// scanLimit questions compare the keys one by one, a few tens of
// microseconds each; past them, an index of the entries by the hash bits
// of their keys is built once (two uint16 arrays and no map, in about
// the time of ten scans): a log with a call trace asks about every symbol
// it printed. A table read in parts side by side has its index built
// ahead, on another goroutine, as soon as it is read (buildAhead):
// questions scan until it is ready rather than wait for it, which would
// take several scans' time.
//
// The entries are indexed in blocks of indexBlock, so that an entry is
// two bytes of the index (its offset in its block): the index of a
// kernel's 100k entries is 200 KB of fresh memory, half of what int32
// chains take, and a question looks at one bucket in each of a few
// blocks.
type nameIndex struct {
	arena *arena // where build takes its arrays from; nil: the heap
	asked atomic.Int32
	ahead atomic.Bool // built or being built by buildAhead
	once  sync.Once
	built atomic.Pointer[bucketIndex] // nil until built
}

// bucketIndex is a nameIndex once built.
type bucketIndex struct {
	// perm holds, block by block, the offsets in the block of its
	// entries, bucket by bucket, ascending in each bucket; block j's
	// bucket b is perm[j*indexBlock:][s[b]:s[b+1]], where s is
	// starts[j*(mask+2):].
	perm   []uint16
	starts []uint16
	mask   uint32 // the buckets of a block, less one
}

const (
	scanLimit  = 8
	indexBlock = 1 << 15 // at most 1<<16 - 1: a block's offsets, and its count of entries, are uint16
)

// each calls fn, in entry order, for the entries whose key, type left
// out, is k (a nameKey).
func (x *nameIndex) each(keys []uint32, k uint32, fn func(int)) {
	ix := x.built.Load()
	if ix == nil {
		if x.ahead.Load() || x.asked.Add(1) <= scanLimit {
			for i, v := range keys {
				if v&^keyTypBits == k {
					fn(i)
				}
			}
			return
		}
		x.once.Do(func() { x.build(keys) })
		ix = x.built.Load()
	}
	b := k >> keyHashShift & ix.mask
	stride := int(ix.mask) + 2
	for base, s := 0, ix.starts; base < len(keys); base, s = base+indexBlock, s[stride:] {
		for _, o := range ix.perm[base+int(s[b]) : base+int(s[b+1])] {
			if i := base + int(o); keys[i]&^keyTypBits == k {
				fn(i)
			}
		}
	}
}

// buildAhead starts building the index of keys, the final keys of a
// table's core entries, on a goroutine of its own.
func (x *nameIndex) buildAhead(keys []uint32) {
	x.ahead.Store(true)
	go x.once.Do(func() { x.build(keys) })
}

// build indexes keys: a counting sort of each block by bucket.
func (x *nameIndex) build(keys []uint32) {
	size := indexBuckets(len(keys))
	mask := uint32(size - 1)
	blocks := (len(keys) + indexBlock - 1) / indexBlock
	starts := x.arena.uint16s(blocks * (size + 1))
	// Written before they are read: the counts' pages are read at
	// random, and a fresh page read first is mapped twice (the shared
	// zero page, then a page of its own at the first write).
	clear(starts)
	perm := x.arena.uint16s(len(keys))
	next := make([]uint16, size)
	for base := 0; base < len(keys); base += indexBlock {
		blk := keys[base:min(base+indexBlock, len(keys))]
		s := starts[base/indexBlock*(size+1):][:size+1]
		for _, v := range blk {
			s[v>>keyHashShift&mask+1]++
		}
		for b := 1; b <= size; b++ {
			s[b] += s[b-1]
		}
		copy(next, s)
		out := perm[base:]
		for i, v := range blk {
			b := v >> keyHashShift & mask
			out[next[b]] = uint16(i)
			next[b]++
		}
	}
	x.built.Store(&bucketIndex{perm, starts, mask})
}

// indexBuckets is how many buckets a block of an index of n keys has:
// buckets of four to eight entries. A question compares that many keys
// in a block, nothing next to reading the names, and the starts take an
// eighth of the memory of perm. The buckets are told apart by the hash
// bits of the keys, at most 32-keyHashShift of them.
func indexBuckets(n int) int {
	size := 1
	for size < min(n, indexBlock)/8 && size < 1<<(32-keyHashShift) {
		size <<= 1
	}
	return size
}

// indexBytes is the memory the index of n keys takes (build's perm and
// starts).
func indexBytes(n int) int {
	return 2 * (n + (n+indexBlock-1)/indexBlock*(indexBuckets(n)+1))
}

// nameHash hashes a name eight bytes at a time: the words of the name
// (hashMix), then the bytes left and the length (hashEnd). The parsers
// compute it from the words they read to find the end of the name.
func nameHash(s string) uint32 {
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // only read
	h := uint64(hashSeed)
	for len(b) >= 8 {
		h = hashMix(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var w uint64
	for i := 0; i < len(b); i++ {
		w |= uint64(b[i]) << (8 * i)
	}
	return hashEnd(h, w, len(s))
}

const (
	hashSeed = 0x243f6a8885a308d3
	hashMul  = 0x9e3779b97f4a7c15
)

func hashMix(h, w uint64) uint64 { return bits.RotateLeft64((h^w)*hashMul, 29) }

// hashEnd finishes a hash with the last word, of fewer than 8 bytes, and
// the length of the name.
func hashEnd(h, w uint64, n int) uint32 {
	h = (h ^ w ^ uint64(n)<<56) * hashMul
	return uint32(h>>32) ^ uint32(h)
}

// entry is one module lookup entry while a table is being built.
type entry struct {
	addr, end uint64
	name      string
	mod       int32
	typ       byte
}

// setModuleEntries stores es, sorted by address, as the table's module
// entries.
func (t *Table) setModuleEntries(es []entry) {
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.addr, b.addr) })
	t.maddrs = make([]uint64, len(es))
	t.mends = make([]uint64, len(es))
	t.mnames = make([]string, len(es))
	t.mmods = make([]int32, len(es))
	t.mtypes = make([]byte, len(es))
	for i, e := range es {
		t.maddrs[i], t.mends[i], t.mnames[i], t.mmods[i], t.mtypes[i] = e.addr, e.end, e.name, e.mod, e.typ
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

// coreBuilder builds the core entries from the core symbols in address
// order, one symbol at a time, applying kernel/kallsyms.c's rules: the
// symbol printed for an address is the first of its aliases in the
// kernel's order, and its size runs to the next distinct address in the
// whole table (get_symbol_pos).
//
// Which addresses are looked up at all is is_ksym_addr()'s decision. A
// kernel built with CONFIG_KALLSYMS_ALL answers in [_stext, _end); one
// without answers only in its text, [_stext, _etext) and
// [_sinittext, _einittext), and prints anything else (rodata, data, bss)
// as a raw address. Its /proc/kallsyms shows which: scripts/kallsyms then
// keeps only the symbols of those two ranges, their end markers included,
// so _end is missing. There the end markers themselves (_etext+0x..., the
// whole rodata and data) are never printed and must not be answered.
// The ranges are only known at the end (_end is last): the entries of all
// distinct addresses are kept, and those outside the ranges cut at the
// end. An entry is the symbol printed at its address from the first
// alias on: the next alias replaces it when it comes first in the
// kernel's order.
type coreBuilder struct {
	t     *Table
	order tieOrder
	lens  bool // keep the names' lengths (Table.lens)
	// The first code symbol, for tables without anchors.
	firstText    uint64
	hasFirstText bool
	// The last entry's address: the next symbol at it is its alias, and
	// a table without anchors ends after it.
	last uint64
	// While the table is built, t.addrs holds the low 32 bits of the
	// addresses, and highs the high ones: a list, ascending, of where
	// they change. finish makes the addresses offsets from the kernel's
	// start.
	highs []highRun
}

// highRun says that the entries from at on, to the next run, have hi as
// the high 32 bits of their addresses.
type highRun struct {
	at int
	hi uint32
}

// add takes the next core symbol, whose name is text[off:off+n] and
// hashes to h (nameHash); typ is an ASCII letter. Symbols the kernel
// never prints (undefined, mapping symbols) are dropped.
func (b *coreBuilder) add(addr uint64, off, n int, typ byte, h uint32) {
	t := b.t
	name := t.text[off : off+n]
	if typ == 'U' || typ == 'u' || name[0] == '$' && isMappingSymbol(name) {
		return
	}
	k := len(t.names) - 1
	if k < 0 || b.last != addr {
		b.push(addr, off, n, typ, h)
		return
	}
	// An alias: the first in the kernel's order is printed.
	if name[0] == '_' {
		t.anchors.note(name, addr)
	}
	if !b.hasFirstText && isTextType(typ) {
		b.firstText, b.hasFirstText = addr, true
	}
	if b.order == kallsymsOrder && kallsymsBefore(typ, name, t.typAt(k), t.nameAt(k)) {
		t.names[k], t.keys[k] = uint32(off), makeKey(h, typ, n)
		if b.lens {
			t.lens[k] = uint16(n)
		}
	}
}

// push takes the next core symbol, as add does, when it is printed and
// above the last entry: it makes an entry.
func (b *coreBuilder) push(addr uint64, off, n int, typ byte, h uint32) {
	t := b.t
	if t.text[off] == '_' {
		t.anchors.note(t.text[off:off+n], addr)
	}
	if !b.hasFirstText && isTextType(typ) {
		b.firstText, b.hasFirstText = addr, true
	}
	if hi := uint32(addr >> 32); len(b.highs) == 0 || b.highs[len(b.highs)-1].hi != hi {
		b.noteHigh(len(t.names), hi)
	}
	t.addrs = append(t.addrs, uint32(addr))
	t.names = append(t.names, uint32(off))
	t.keys = append(t.keys, makeKey(h, typ, n))
	if b.lens {
		t.lens = append(t.lens, uint16(n))
	}
	b.last = addr
}

// noteHigh records that the entries from at on have hi as their high 32
// bits. A run that would hold no entry is replaced.
func (b *coreBuilder) noteHigh(at int, hi uint32) {
	if k := len(b.highs) - 1; k >= 0 {
		if b.highs[k].hi == hi {
			return
		}
		if b.highs[k].at >= at {
			b.highs = b.highs[:k]
			b.noteHigh(at, hi)
			return
		}
	}
	b.highs = append(b.highs, highRun{at, hi})
}

// fullAt returns entry i's address while the table is built.
func (b *coreBuilder) fullAt(i int) uint64 {
	r, _ := slices.BinarySearchFunc(b.highs, i, func(h highRun, i int) int { return cmp.Compare(h.at, i+1) })
	// highs[r-1] is the last run that starts at or before i.
	return uint64(b.highs[r-1].hi)<<32 | uint64(b.t.addrs[i])
}

// searchFull returns the first entry whose address is at least x while
// the table is built.
func (b *coreBuilder) searchFull(x uint64) int {
	t := b.t
	for r, h := range b.highs {
		if h.hi < uint32(x>>32) {
			continue
		}
		if h.hi > uint32(x>>32) {
			return h.at
		}
		end := len(t.addrs)
		if r+1 < len(b.highs) {
			end = b.highs[r+1].at
		}
		i, _ := search(t.addrs[h.at:end], uint32(x))
		return h.at + i
	}
	return len(t.addrs)
}

// finish cuts the entries to the kernel's ranges, and turns the
// addresses into offsets from the kernel's start (or, in a core that
// spans more than 4 GB, full addresses in Table.wide).
func (b *coreBuilder) finish() {
	t := b.t
	lo, hasLo := t.anchors.get("_stext")
	if !hasLo {
		lo, hasLo = t.anchors.get("_text")
	}
	if !hasLo {
		// No anchor: start at the lowest code symbol, so that per-cpu
		// offsets and absolute values at small addresses never match.
		lo, hasLo = b.firstText, b.hasFirstText
	}
	if !hasLo || len(t.names) == 0 {
		t.addrs, t.names, t.lens, t.keys = nil, nil, nil, nil
		return
	}
	ranges := t.coreRanges(lo, b.last)
	t.coreLo, t.coreHi = ranges[0].lo, ranges[len(ranges)-1].hi
	// The entries kept: those inside the ranges.
	var keep [2][2]int
	n, w := 0, 0
	for _, r := range ranges {
		i, j := b.searchFull(r.lo), b.searchFull(r.hi)
		if i < j {
			keep[n] = [2]int{i, j}
			n++
			w += j - i
		}
	}
	base := lo
	switch {
	case w == 0:
	case n == 1 && b.fullAt(keep[0][0])>>32 == b.fullAt(keep[0][1]-1)>>32 && lo>>32 == b.fullAt(keep[0][0])>>32:
		// The usual table: its kernel has one high half, the base, and
		// the entries are a stretch of the arrays as they are.
		base = lo &^ (1<<32 - 1)
		i, j := keep[0][0], keep[0][1]
		t.addrs, t.names, t.keys = t.addrs[i:j], t.names[i:j], t.keys[i:j]
		if t.lens != nil {
			t.lens = t.lens[i:j]
		}
	case b.fullAt(keep[n-1][1]-1)-lo <= 1<<32-1:
		// Offsets from lo, moved down over the entries cut.
		w = 0
		for _, k := range keep[:n] {
			for i := k[0]; i < k[1]; i++ {
				t.addrs[w] = uint32(b.fullAt(i) - lo)
				t.names[w], t.keys[w] = t.names[i], t.keys[i]
				if t.lens != nil {
					t.lens[w] = t.lens[i]
				}
				w++
			}
		}
	default:
		base = 0
		t.wide = make([]uint64, 0, w)
		w = 0
		for _, k := range keep[:n] {
			for i := k[0]; i < k[1]; i++ {
				t.wide = append(t.wide, b.fullAt(i))
				t.names[w], t.keys[w] = t.names[i], t.keys[i]
				if t.lens != nil {
					t.lens[w] = t.lens[i]
				}
				w++
			}
		}
		t.addrs = nil
	}
	if t.wide == nil {
		t.addrs = t.addrs[:w]
	}
	t.names, t.keys = t.names[:w], t.keys[:w]
	if t.lens != nil {
		t.lens = t.lens[:w]
	}
	t.shift = base
	for _, r := range ranges {
		t.ranges = append(t.ranges, addrRange{r.lo - base, r.hi - base})
	}
	t.coreN = w
	if t.wide == nil {
		t.sample = make([]uint32, 0, (w+sampleStep-1)/sampleStep)
		for i := 0; i < w; i += sampleStep {
			t.sample = append(t.sample, t.addrs[i])
		}
	}
}

// addrRange is a half-open address range [lo, hi).
type addrRange struct{ lo, hi uint64 }

// coreRanges returns the ranges, ascending and disjoint, in which the
// kernel answers lookups from its core symbols (see coreBuilder). last is
// the highest symbol address.
func (t *Table) coreRanges(lo, last uint64) []addrRange {
	if end, ok := t.anchors.get("_end"); ok && end > lo {
		return []addrRange{{lo, end}}
	}
	etext, hasEtext := t.anchors.get("_etext")
	if hasEtext && etext > lo {
		text := []addrRange{{lo, etext}}
		s, okS := t.anchors.get("_sinittext")
		e, okE := t.anchors.get("_einittext")
		if okS && okE && s >= etext && e > s {
			text = append(text, addrRange{s, e})
		}
		return text
	}
	// Neither: a partial listing. Let the last symbol end at the next
	// page boundary rather than run to the end of memory.
	return []addrRange{{lo, roundUp(last+1, PageSize)}}
}

// kallsymsBefore reports whether symbol a sorts before symbol b at the
// same address, as scripts/kallsyms orders them.
func kallsymsBefore(at byte, an string, bt byte, bn string) bool {
	wa, wb := at == 'w' || at == 'W', bt == 'w' || bt == 'W'
	if wa != wb {
		return wb
	}
	if la, lb := isLinkerBoundary(an), isLinkerBoundary(bn); la != lb {
		return lb
	}
	return leadingUnderscores(an) < leadingUnderscores(bn)
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

// newTable builds a Table from core symbols sorted by address (as Go
// strings: an ELF symbol table) and per-module symbols. The names are
// copied into one block; their lengths are kept (Table.lens), as such
// names may hold blanks.
func newTable(source string, bits, read int, core []Symbol, order tieOrder, modules []moduleSymbols) (*Table, error) {
	size := 0
	for _, s := range core {
		size += len(s.Name)
	}
	blob := make([]byte, 0, size)
	for _, s := range core {
		blob = append(blob, s.Name...)
	}
	t := &Table{bits: bits, symbols: read, source: source, text: string(blob), byName: &nameIndex{}}
	b := coreBuilder{t: t, order: order, lens: true}
	t.addrs = make([]uint32, 0, len(core))
	t.names = make([]uint32, 0, len(core))
	t.keys = make([]uint32, 0, len(core))
	t.lens = make([]uint16, 0, len(core))
	off := 0
	for _, s := range core {
		if s.Name != "" && len(s.Name) <= 0xffff {
			b.add(s.Addr, off, len(s.Name), s.Type, nameHash(s.Name))
		}
		off += len(s.Name)
	}
	b.finish()
	return t.finish(modules)
}

// finish adds the module entries to a table whose core is built.
func (t *Table) finish(modules []moduleSymbols) (*Table, error) {
	var mods []entry
	for _, m := range modules {
		mods = append(mods, t.moduleEntries(m)...)
	}
	if len(t.names)+len(mods) == 0 {
		return nil, errNoUsable(t.symbols)
	}
	t.setModuleEntries(mods)
	return t, nil
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
