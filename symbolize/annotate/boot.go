package annotate

import (
	"fmt"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// A LiveKernel describes the running kernel, so that a log from another
// boot is told apart from the running one's.
type LiveKernel struct {
	Release string  // uname -r
	Uptime  float64 // seconds since the running kernel booted, when the run began
	// Offset returns the running kernel's KASLR offset against the
	// link-time table (the live kallsyms' _stext minus the table's), for
	// a static table; nil or false when it cannot be read.
	Offset func() (uint64, bool)
}

// An OffsetSource says where the KASLR offset of a boot came from.
type OffsetSource uint8

const (
	// OffsetUnknown: no evidence; a static table's names are withheld.
	OffsetUnknown OffsetSource = iota
	// OffsetRuntime: the table has the addresses the kernel ran at
	// (kallsyms): there is no offset to find.
	OffsetRuntime
	// OffsetUser: given by the user (--kaslr-offset).
	OffsetUser
	// OffsetLogLine: the log's "Kernel Offset: 0x... from 0x..." line.
	OffsetLogLine
	// OffsetPairs: inferred from addresses the kernel printed with their
	// symbols, all agreeing.
	OffsetPairs
	// OffsetNoKASLR: "nokaslr" on the kernel command line.
	OffsetNoKASLR
	// OffsetDisabled: "Kernel Offset: disabled" from a 64-bit kernel.
	OffsetDisabled
	// OffsetPreKASLR: the log's release predates KASLR (3.14).
	OffsetPreKASLR
	// OffsetLive: the running kernel's kallsyms, for a log of its boot.
	OffsetLive
	// OffsetAssumed: no evidence, 0 assumed because the user forced it.
	OffsetAssumed
	// OffsetNoRandomization: the architecture has no KASLR (32-bit ARM).
	OffsetNoRandomization
)

func (s OffsetSource) String() string {
	switch s {
	case OffsetRuntime:
		return "none needed: the table has the running kernel's addresses"
	case OffsetUser:
		return "given with --kaslr-offset"
	case OffsetLogLine:
		return "from the log's \"Kernel Offset:\" line"
	case OffsetPairs:
		return "inferred from addresses the kernel printed with their symbols"
	case OffsetNoKASLR:
		return "nokaslr on the kernel command line"
	case OffsetDisabled:
		return "the log says \"Kernel Offset: disabled\""
	case OffsetPreKASLR:
		return "the kernel predates KASLR"
	case OffsetLive:
		return "from the running kernel's kallsyms"
	case OffsetAssumed:
		return "assumed without evidence: forced"
	case OffsetNoRandomization:
		return "32-bit ARM kernels are not randomized"
	}
	return "unknown"
}

// A Verdict is what the Annotator concluded about one boot in the log:
// the KASLR offset it used, where that came from, and whether the table's
// names are printed.
type Verdict struct {
	Boot      int   // 1 for the first "Linux version" banner; 0 for lines before any
	FirstLine int64 // the boot's first line in the stream, 1-based
	Release   string
	Source    OffsetSource
	Offset    uint64
	Pairs     int  // address/symbol pairs the offset agrees with
	Trusted   bool // the table's names are printed for this boot
	// Problems are the evidence that the table does not fit this boot,
	// or that its offset is in doubt, in words. Any problem withholds
	// the names, unless forced.
	Problems []string
	// Notes are lesser warnings: evidence set aside for better evidence.
	Notes []string
}

func (v Verdict) String() string {
	var b strings.Builder
	if v.Boot == 0 {
		fmt.Fprintf(&b, "log from line %d", v.FirstLine)
	} else {
		fmt.Fprintf(&b, "boot %d (line %d)", v.Boot, v.FirstLine)
	}
	if v.Release != "" {
		fmt.Fprintf(&b, ", kernel %s", v.Release)
	}
	switch v.Source {
	case OffsetRuntime:
	case OffsetUnknown:
		b.WriteString(": KASLR offset unknown")
	case OffsetPairs:
		fmt.Fprintf(&b, ": KASLR offset %#x (inferred from %d addresses the kernel printed with their symbols)", v.Offset, v.Pairs)
	default:
		fmt.Fprintf(&b, ": KASLR offset %#x (%s)", v.Offset, v.Source)
	}
	if !v.Trusted {
		b.WriteString("; names withheld")
	}
	for _, p := range v.Problems {
		b.WriteString("; ")
		b.WriteString(p)
	}
	for _, n := range v.Notes {
		b.WriteString("; note: ")
		b.WriteString(n)
	}
	return b.String()
}

// kaslrSince is the first release with KASLR on any architecture (x86,
// 3.14): an older kernel runs at its link-time addresses.
const kaslrMajor, kaslrMinor = 3, 14

// maxVoteOffsets bounds the distinct offsets remembered for a boot.
const maxVoteOffsets = 64

// bootState is the evidence gathered about one boot of the log.
type bootState struct {
	index     int
	firstLine int64
	release   string
	claim     parse.Fact // the last "Kernel Offset:" line, Kind FactNone if none
	claimLine int64
	noKASLR   bool
	unloaded  string  // the module the log says was unloaded last
	maxTime   float64 // the largest printk timestamp seen
	arch      parse.Arch
	last      bool  // known to be the log's last boot (prescan)
	lines     int64 // lines read after its banner

	// Address/symbol pairs against the link-time table: for each offset,
	// how many pairs it explains.
	pairs     int
	unmatched int // core pairs whose name and size the table lacks
	votes     map[uint64]int

	// Checks against the table in use.
	agreed, disagreed           int64
	namesAgreed, namesDisagreed int64

	notified *Verdict // the verdict last reported, to report changes only
	used     bool     // an address of this boot was looked up (or withheld)
}

func newBoot(index int, firstLine int64) *bootState {
	return &bootState{index: index, firstLine: firstLine}
}

// merge takes over the evidence a prescan found for the same boot, so that
// what comes late in the log (the "Kernel Offset:" line of a panic) is
// known from its first line.
func (b *bootState) merge(p *bootState) {
	b.takeFacts(p)
	b.last = p.last
	b.pairs, b.unmatched, b.votes = p.pairs, p.unmatched, p.votes
	b.agreed, b.disagreed = p.agreed, p.disagreed
	b.namesAgreed, b.namesDisagreed = p.namesAgreed, p.namesDisagreed
}

// extend takes in the evidence of the rest of the same boot, read apart
// (a later piece of a log, see PrescanAt), as if read after b's.
func (b *bootState) extend(n *bootState) {
	b.takeFacts(n)
	b.lines += n.lines
	b.pairs += n.pairs
	b.unmatched += n.unmatched
	// Past maxVoteOffsets distinct offsets the pairs conflict whichever
	// are kept; below it, this is the sum.
	for o, c := range n.votes {
		if b.votes == nil {
			b.votes = map[uint64]int{}
		}
		if _, ok := b.votes[o]; ok || len(b.votes) < maxVoteOffsets {
			b.votes[o] += c
		}
	}
	b.agreed += n.agreed
	b.disagreed += n.disagreed
	b.namesAgreed += n.namesAgreed
	b.namesDisagreed += n.namesDisagreed
}

// takeFacts takes in what n, read after b, says of the kernel: the first
// release named, the last "Kernel Offset:" line and unloaded module, the
// latest time, the architecture shown last.
func (b *bootState) takeFacts(n *bootState) {
	if b.release == "" {
		b.release = n.release
	}
	if n.claim.Kind != parse.FactNone {
		b.claim, b.claimLine = n.claim, n.claimLine
	}
	b.noKASLR = b.noKASLR || n.noKASLR
	if n.unloaded != "" {
		b.unloaded = n.unloaded
	}
	b.maxTime = max(b.maxTime, n.maxTime)
	if n.arch != parse.ArchUnknown {
		b.arch = n.arch
	}
}

// observeFact records what one line says about the kernel.
func (b *bootState) observeFact(f parse.Fact, line int64) {
	switch f.Kind {
	case parse.FactBanner, parse.FactRelease:
		if b.release == "" {
			b.release = f.Release
		}
	case parse.FactOffset, parse.FactOffsetDisabled:
		b.claim, b.claimLine = f, line
	case parse.FactNoKASLR:
		b.noKASLR = true
	case parse.FactLastUnloaded:
		b.unloaded = f.Module
	}
}

// vote records an address the kernel printed with its symbol, against the
// link-time table: the offsets that would put that symbol there.
func (b *bootState) vote(table *symbolize.Table, addr uint64, ps parse.PrintedSymbol) {
	if ps.Module != "" {
		return // modules do not move with the kernel's offset
	}
	cands := table.LookupName(ps.Name, "")
	found := false
	for _, c := range cands {
		if c.Size != ps.Size || ps.Offset > c.Size {
			continue
		}
		link := c.Start + ps.Offset
		if addr < link {
			continue // the kernel only moves up
		}
		off := addr - link
		if table.Bits() == 32 && off >= 1<<32 {
			continue
		}
		if !found {
			found = true
			b.pairs++
		}
		if b.votes == nil {
			b.votes = map[uint64]int{}
		}
		if _, ok := b.votes[off]; ok || len(b.votes) < maxVoteOffsets {
			b.votes[off]++
		}
	}
	if !found {
		b.unmatched++
	}
}

// inferred returns the offset that every pair agrees on, if there is one
// and it is aligned as the kernel aligns its offsets. conflict is true when
// the pairs point at different offsets.
func (b *bootState) inferred(align uint64) (off uint64, n int, ok, conflict bool) {
	if b.pairs == 0 {
		return 0, 0, false, false
	}
	best, count := uint64(0), 0
	for o, c := range b.votes {
		if c > count || c == count && o < best {
			best, count = o, c
		}
	}
	if count < b.pairs || best%align != 0 {
		return best, count, false, true
	}
	return best, count, true, false
}

// offsetAlign is the granularity of KASLR offsets: CONFIG_PHYSICAL_ALIGN,
// at least 2 MiB on x86_64, and 2 MiB on arm64; a page elsewhere.
func offsetAlign(arch parse.Arch, bits int) uint64 {
	if bits == 64 && (arch == parse.ArchX86 || arch == parse.ArchARM64) {
		return 2 << 20
	}
	return 4 << 10
}

// anchorSlack is how far a kernel's _text (or _stext) may lie above the base
// its "Kernel Offset:" line names: arm64's _stext is 64 KiB above
// KIMAGE_VADDR. Another boot's offset differs by at least the 2 MiB
// alignment.
const anchorSlack = 2 << 20

// tableAnchor returns the address of the kernel's start in t: _text, or
// _stext where kallsyms lacks _text (arm64).
func tableAnchor(t *symbolize.Table) (uint64, bool) {
	if a, ok := t.Anchor("_text"); ok {
		return a, true
	}
	return t.Anchor("_stext")
}

// decision is how the current boot's addresses are resolved.
type decision struct {
	verdict Verdict
	res     Resolver // nil when names are withheld
	// modules is true when the module regions may be used: nothing says
	// the log is of another boot (an unknown offset does not matter to
	// module addresses, which do not move with the kernel's).
	modules bool
}

// decide weighs the evidence about boot b and picks the resolver for its
// addresses. The order is the user's word, then the log's own evidence,
// then the running kernel; evidence that contradicts a claim wins over it.
func (a *Annotator) decide(b *bootState) decision {
	v := Verdict{Boot: b.index, FirstLine: b.firstLine, Release: b.release}
	if a.static == nil {
		v.Source = OffsetRuntime
		a.checkRuntime(b, &v)
	} else {
		a.findOffset(b, &v)
	}
	a.checkCommon(b, &v)
	v.Trusted = len(v.Problems) == 0 && v.Source != OffsetUnknown
	if a.opts.Force && !v.Trusted {
		v.Trusted = true
		if v.Source == OffsetUnknown {
			v.Source = OffsetAssumed
		}
	}
	d := decision{verdict: v, modules: v.Trusted || len(v.Problems) == 0}
	if v.Trusted {
		d.res = a.res
		if a.static != nil {
			d.res = a.relocated(v.Offset)
		}
	}
	return d
}

// findOffset determines the KASLR offset of boot b for the link-time
// table.
func (a *Annotator) findOffset(b *bootState, v *Verdict) {
	arch := b.arch
	if arch == parse.ArchUnknown {
		arch = a.parser.Arch()
	}
	align := offsetAlign(arch, a.static.Bits())
	inferred, n, ok, conflict := b.inferred(align)
	if conflict {
		v.Problems = append(v.Problems, fmt.Sprintf("the addresses the kernel printed with their symbols disagree on the offset (%d of %d agree on %#x)", n, b.pairs, inferred))
	}
	claimed, claimOK := a.claimedOffset(b, v)
	switch {
	case a.opts.OffsetSet:
		v.Source, v.Offset = OffsetUser, a.opts.Offset
		if ok && inferred != a.opts.Offset {
			v.Problems = append(v.Problems, fmt.Sprintf("%d addresses the kernel printed with their symbols say the offset is %#x, not the %#x given", n, inferred, a.opts.Offset))
		}
	case ok:
		v.Source, v.Offset, v.Pairs = OffsetPairs, inferred, n
		if claimOK && claimed.Offset != inferred {
			// The evidence wins over the line.
			v.Notes = append(v.Notes, fmt.Sprintf("line %d claims KASLR offset %#x, but %d addresses the kernel printed with their symbols agree on %#x, which is used",
				b.claimLine, claimed.Offset, n, inferred))
		}
	case claimOK:
		v.Source, v.Offset = claimed.Source, claimed.Offset
	case b.noKASLR:
		v.Source = OffsetNoKASLR
	case arch == parse.ArchARM:
		// Mainline never randomized 32-bit ARM's kernel image.
		v.Source = OffsetNoRandomization
	case preKASLR(b.release):
		v.Source = OffsetPreKASLR
	default:
		if off, ok := a.liveOffset(b); ok {
			v.Source, v.Offset = OffsetLive, off
		}
	}
	if b.unmatched > 0 && b.unmatched >= b.pairs {
		v.Problems = append(v.Problems, fmt.Sprintf("%d of %d symbols the kernel printed with addresses are not in the table with that size", b.unmatched, b.unmatched+b.pairs))
	}
}

// A claim is an offset the log states.
type claim struct {
	Source OffsetSource
	Offset uint64
}

// claimedOffset reads the boot's "Kernel Offset:" line. "disabled" is only
// believed from a 64-bit kernel: 32-bit x86 prints it while running
// randomized, because its kaslr_enabled() also asks for
// CONFIG_RANDOMIZE_MEMORY, which only 64-bit kernels have.
func (a *Annotator) claimedOffset(b *bootState, v *Verdict) (claim, bool) {
	switch b.claim.Kind {
	case parse.FactOffset:
		if link, ok := tableAnchor(a.static); ok && (link < b.claim.Base || link-b.claim.Base >= anchorSlack) {
			v.Problems = append(v.Problems, fmt.Sprintf("line %d says the kernel was linked at %#x, the table's kernel starts at %#x", b.claimLine, b.claim.Base, link))
		}
		return claim{OffsetLogLine, b.claim.Offset}, true
	case parse.FactOffsetDisabled:
		if a.static.Bits() == 64 {
			return claim{OffsetDisabled, 0}, true
		}
		v.Notes = append(v.Notes, fmt.Sprintf("line %d says \"Kernel Offset: disabled\", which a 32-bit kernel prints even when randomized: not taken as evidence", b.claimLine))
	}
	return claim{}, false
}

// preKASLR reports whether release is older than KASLR on any
// architecture.
func preKASLR(release string) bool {
	major, minor, ok := parse.ReleaseVersion(release)
	return ok && (major < kaslrMajor || major == kaslrMajor && minor < kaslrMinor)
}

// liveOffset returns the running kernel's offset, when boot b can be the
// running boot.
func (a *Annotator) liveOffset(b *bootState) (uint64, bool) {
	live := a.opts.Live
	if live == nil || live.Offset == nil || a.notLive(b) != "" {
		return 0, false
	}
	return live.Offset()
}

// notLive says why boot b cannot be the running kernel's boot, or "".
func (a *Annotator) notLive(b *bootState) string {
	live := a.opts.Live
	switch {
	case live == nil:
		return ""
	case b.index < a.lastBoot:
		return "a later boot follows it in the log, so it is not the running kernel's"
	case live.Release != "" && b.release != "" && b.release != live.Release:
		return fmt.Sprintf("it ran %s, the running kernel is %s", b.release, live.Release)
	case live.Uptime > 0 && b.maxTime > live.Uptime+1:
		return fmt.Sprintf("its timestamps run to %.0f s, but the running kernel has been up %.0f s: it is an earlier boot", b.maxTime, live.Uptime)
	}
	return ""
}

// checkRuntime checks a table of runtime addresses (kallsyms) against
// what the log says about where its kernel ran.
func (a *Annotator) checkRuntime(b *bootState, v *Verdict) {
	if why := a.notLive(b); why != "" {
		v.Problems = append(v.Problems, "the table is the running kernel's, but "+why)
	}
	t, ok := a.res.(*symbolize.Table)
	if !ok || b.claim.Kind != parse.FactOffset {
		return
	}
	anchor, ok := tableAnchor(t)
	if !ok {
		return
	}
	// The kernel of the log started at Base+Offset; the table's at anchor.
	want := b.claim.Base + b.claim.Offset
	if anchor < want || anchor-want >= anchorSlack {
		v.Problems = append(v.Problems, fmt.Sprintf("line %d says the kernel ran at %#x (offset %#x), the table's kernel starts at %#x: it is from another boot or build",
			b.claimLine, want, b.claim.Offset, anchor))
	}
}

// checkCommon applies the checks that do not depend on the kind of table:
// the release, and the symbols the kernel printed.
func (a *Annotator) checkCommon(b *bootState, v *Verdict) {
	if r := a.opts.TableRelease; r != "" && b.release != "" && r != b.release {
		v.Problems = append(v.Problems, fmt.Sprintf("the log's kernel is %s, the table is for %s", b.release, r))
	}
	if b.disagreed > 0 && b.disagreed >= b.agreed {
		v.Problems = append(v.Problems, fmt.Sprintf("%d of %d addresses the kernel printed with their symbols resolve differently", b.disagreed, b.agreed+b.disagreed))
	}
	if b.namesDisagreed >= minNameEvidence && b.namesDisagreed > b.namesAgreed {
		v.Problems = append(v.Problems, fmt.Sprintf("%d of %d symbols the kernel printed have another size in the table", b.namesDisagreed, b.namesAgreed+b.namesDisagreed))
	}
}

// relocated returns the link-time table moved by offset, made once per
// offset.
func (a *Annotator) relocated(offset uint64) *symbolize.Table {
	if t, ok := a.moved[offset]; ok {
		return t
	}
	t := a.static.Relocate(offset)
	if a.moved == nil {
		a.moved = map[uint64]*symbolize.Table{}
	}
	a.moved[offset] = t
	return t
}

// moduleSlack is how far from the known modules an address may lie and
// still be taken for a module's: module memory is allocated in one area
// (x86_64: 1 GiB from 0xffffffffc0000000; arm64 and ARM: next to the
// kernel), and a module unloaded before the others were saved lay among
// them.
const moduleSlack = 64 << 20

// moduleNote says what is known of an address in no symbol: the module
// whose memory holds it ("[oopsdemo+0x1a2]"), or, when the log says a
// module was unloaded, that the address lies where modules live, in none
// that is loaded: "[in unloaded module oopsdemo_uaf?]".
func (a *Annotator) moduleNote(addr uint64) string {
	if m := a.opts.Modules; m != nil {
		if mod, off, ok := m.Lookup(addr); ok {
			return fmt.Sprintf("[%s+%#x]", mod.Name, off)
		}
	}
	// Only the log's word that a module was unloaded makes it more than a
	// guess: the table may be of another boot, with other module places.
	if a.cur.unloaded == "" || !a.inModuleArea(addr) {
		return ""
	}
	return "[in unloaded module " + a.cur.unloaded + "?]"
}

// inModuleArea reports whether addr lies among the known modules (of the
// table or the module map), and outside the core kernel. Without any
// module to go by it says no: a System.map knows no module.
func (a *Annotator) inModuleArea(addr uint64) bool {
	lo, hi, ok := uint64(0), uint64(0), false
	if t, isTable := a.res.(*symbolize.Table); isTable {
		lo, hi, ok = t.ModuleSpan()
		if clo, chi, core := t.KernelRange(); core && addr >= clo && addr < chi {
			return false
		}
	}
	if m := a.opts.Modules; m != nil {
		mlo, mhi := m.Span()
		if !ok {
			lo, hi = mlo, mhi
		}
		lo, hi, ok = min(lo, mlo), max(hi, mhi), true
	}
	if !ok {
		return false
	}
	return addr+moduleSlack >= lo && addr < hi+moduleSlack && addr+moduleSlack > addr
}

// Verdict returns the conclusion about the boot of the line last
// annotated: the one its names come from.
func (a *Annotator) Verdict() Verdict { return a.decision().verdict }
