package annotate

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/srcline"
)

// A LineResolver maps code addresses to source lines: the chain of
// functions inlined at an address, innermost first. *srcline.Set is one.
type LineResolver interface {
	Frames(addr uint64, module string) ([]srcline.Frame, error)
}

// InlineMode says how the functions inlined at a frame are shown.
type InlineMode uint8

const (
	// InlineLines puts each inlined function on a line of its own above
	// the frame's line, innermost first, marked "[inline]", the way
	// syzkaller's reports show them:
	//
	//	[    4.579878]  [inline] unuse_pde (fs/proc/inode.c:211)
	//	[    4.579878]  0xffffffff812aabc0 proc_reg_write+0x50/0x90 (fs/proc/inode.c:353)
	InlineLines InlineMode = iota
	// InlineCompact keeps one line per frame and lists the inlined
	// functions after its location, innermost first:
	//
	//	... proc_reg_write+0x50/0x90 (fs/proc/inode.c:353) [inline: unuse_pde fs/proc/inode.c:211]
	InlineCompact
)

// InlineMarker starts every line the annotator inserts for an inlined
// function, after the log line's own prefix and indentation. Kernel logs
// never print it there, so a reader (or a test) can take such lines out.
const InlineMarker = "[inline] "

// A BuildIDChecker compares the build id the log printed for a module
// with the module's file; *srcline.Set is one. On a mismatch the module's
// frames get no source lines.
type BuildIDChecker interface {
	CheckBuildID(module string, id []byte) error
}

// LineOptions turn on source lines: after the symbol of each frame, its
// file and line in parentheses, " (fs/read_write.c:584)", and the
// functions inlined there.
type LineOptions struct {
	Resolver LineResolver
	Inline   InlineMode
}

// sourceState is the annotator's scratch for source lines.
type sourceState struct {
	inline  []byte // inserted lines waiting to go out before the line
	printed []parse.PrintedSpan
	lastIP  uint64          // the last faulting pc seen
	checked map[string]bool // modules whose printed build id was checked
	frames  int64           // frames given a source line
	err     error           // the first lookup error
	errors  int64
	dec     decision // the decision the line being annotated is resolved by
}

// SourceStats counts what source-line lookups did.
type SourceStats struct {
	Frames int64 // frames given a source line
	Errors int64 // lookups that failed: a damaged DWARF, a module file that could not be opened
	First  error // the first of those errors
}

// SourceStats returns the counts of source-line lookups so far.
func (a *Annotator) SourceStats() SourceStats {
	return SourceStats{Frames: a.src.frames, Errors: a.src.errors, First: a.src.err}
}

// sourceFor returns the inline chain for an address the kernel printed in
// role, placed in module by the symbol table. Return addresses are looked
// up at the call instruction before them, the faulting pc as it is.
func (a *Annotator) sourceFor(addr uint64, role parse.Role, module string) []srcline.Frame {
	lo := a.opts.Lines
	if lo == nil || lo.Resolver == nil || addr == 0 || role == parse.RoleValue {
		return nil
	}
	// arm64 and ARM traces start with the faulting pc itself, printed as
	// a frame: a "return address" equal to the pc just printed is that pc.
	pc := addr
	if role == parse.RoleIP {
		a.src.lastIP = addr
	} else if addr != a.src.lastIP {
		pc--
	}
	if module == "" && a.static != nil {
		// The vmlinux's lines are at link-time addresses, like the
		// System.map's: take the boot's KASLR offset off.
		pc -= a.src.dec.verdict.Offset
	}
	frames, err := lo.Resolver.Frames(pc, module)
	if err != nil {
		if a.src.err == nil {
			a.src.err = err
		}
		a.src.errors++
		return nil
	}
	if len(frames) == 0 || frames[len(frames)-1].File == "" {
		return nil
	}
	a.src.frames++
	return frames
}

// appendSource appends a frame's location, " (file:line)", to b, with the
// inlined functions in compact mode; in line mode it queues their lines.
func (a *Annotator) appendSource(b, line []byte, frames []srcline.Frame) []byte {
	outer := frames[len(frames)-1]
	b = append(b, " ("...)
	b = appendLocation(b, outer)
	b = append(b, ')')
	inlined := frames[:len(frames)-1]
	if len(inlined) == 0 {
		return b
	}
	if a.opts.Lines.Inline == InlineCompact {
		b = append(b, " [inline: "...)
		for i, f := range inlined {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, f.Func...)
			b = append(b, ' ')
			b = appendLocation(b, f)
		}
		return append(b, ']')
	}
	indent := parse.SplitPrefix(line)
	for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
		indent++
	}
	for _, f := range inlined {
		a.src.inline = append(a.src.inline, line[:indent]...)
		a.src.inline = append(a.src.inline, InlineMarker...)
		a.src.inline = append(a.src.inline, f.Func...)
		a.src.inline = append(a.src.inline, " ("...)
		a.src.inline = appendLocation(a.src.inline, f)
		a.src.inline = append(a.src.inline, ')')
		a.src.inline = append(a.src.inline, a.eol()...)
	}
	return b
}

func appendLocation(b []byte, f srcline.Frame) []byte {
	if f.File == "" {
		return append(b, "??"...)
	}
	b = append(b, f.File...)
	b = append(b, ':')
	return strconv.AppendInt(b, int64(f.Line), 10)
}

// eol is the terminator of the line being annotated, for inserted lines.
func (a *Annotator) eol() []byte {
	if a.lineEOL != nil {
		return a.lineEOL
	}
	return []byte{'\n'}
}

// addPrintedSources gives source lines to the symbols the kernel printed
// itself in line: after an address (toks, Symbolized), the address says
// where; without one ("vfs_write+0xc7/0x3f0" in an x86 call trace), the
// table's symbol of that name and size does. It adds their edits and
// returns dst with the queued inline lines appended.
func (a *Annotator) addPrintedSources(dst, line []byte, toks []parse.Token) []byte {
	if a.opts.Lines != nil && a.src.dec.res != nil && hasPlusHex(line) {
		a.src.printed = parse.PrintedSpans(a.src.printed[:0], line)
		added := false
		for _, p := range a.src.printed {
			if bytes.HasPrefix(line[p.End:], []byte(" (")) {
				continue // annotated already, by an earlier run
			}
			if p.BuildID != "" && !a.checkBuildID(p.Module, p.BuildID) {
				continue
			}
			var frames []srcline.Frame
			if t, ok := tokenBefore(toks, line, p.Start); ok {
				frames = a.sourceFor(t.Value, t.Role, p.Module)
			} else if addr, ok := printedAddress(a.src.dec.res, p.PrintedSymbol); ok {
				frames = a.sourceFor(addr, printedRole(line[:p.Start]), p.Module)
			}
			if frames == nil {
				continue
			}
			from := len(a.text)
			a.text = a.appendSource(a.text, line, frames)
			a.edits = append(a.edits, parse.Edit{At: p.End, Text: a.text[from:len(a.text):len(a.text)]})
			added = true
		}
		if added {
			slices.SortStableFunc(a.edits, func(x, y parse.Edit) int { return cmp.Compare(x.At, y.At) })
		}
	}
	dst = append(dst, a.src.inline...)
	a.src.inline = a.src.inline[:0]
	return dst
}

// checkBuildID checks a module's printed build id once, and reports
// whether its lines can be trusted.
func (a *Annotator) checkBuildID(module, hexID string) bool {
	c, ok := a.opts.Lines.Resolver.(BuildIDChecker)
	if !ok {
		return true
	}
	if a.src.checked == nil {
		a.src.checked = map[string]bool{}
	}
	if good, done := a.src.checked[module]; done {
		return good
	}
	id, err := hex.DecodeString(hexID)
	if err != nil {
		return true // not a build id after all
	}
	err = c.CheckBuildID(module, id)
	if err != nil {
		if a.src.err == nil {
			a.src.err = err
		}
		a.src.errors++
	}
	a.src.checked[module] = err == nil
	return err == nil
}

// printedAddress returns the address a symbol the kernel printed stands
// for: res's one symbol of that name, module and size (for a link-time
// table, moved by the boot's KASLR offset), plus the offset. A name res
// has more than once with that size is ambiguous, and skipped.
func printedAddress(res Resolver, ps parse.PrintedSymbol) (uint64, bool) {
	nr, ok := res.(NameResolver)
	if !ok || ps.Offset > ps.Size {
		return 0, false
	}
	var found symbolize.Location
	n := 0
	for _, c := range nr.LookupName(ps.Name, ps.Module) {
		if c.Size == ps.Size {
			found = c
			n++
		}
	}
	if n != 1 {
		return 0, false
	}
	return found.Start + ps.Offset, true
}

// tokenBefore returns the address token the kernel printed right before
// the symbol at start (with blanks, "? " or "(" between).
func tokenBefore(toks []parse.Token, line []byte, start int) (parse.Token, bool) {
	for _, t := range toks {
		if !t.Symbolized || t.End > start {
			continue
		}
		gap := bytes.Trim(line[t.End:start], " \t(")
		if len(gap) == 0 || string(gap) == "?" {
			return t, true
		}
	}
	return parse.Token{}, false
}

// printedRole tells how the kernel printed a symbol without an address,
// from the text before it: the faulting instruction's lines print the pc
// itself, every other frame a return address.
func printedRole(before []byte) parse.Role {
	for _, cue := range [...]string{"RIP: ", "EIP: ", "IP: ", "pc : ", "PC is at ", "NIP ", "NIP: ", "epc : ", "PSW: ", "WARNING: "} {
		if bytes.Contains(before, []byte(cue)) {
			return parse.RoleIP
		}
	}
	return parse.RoleReturn
}
