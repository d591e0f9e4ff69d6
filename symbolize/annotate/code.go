package annotate

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize/disasm"
)

// codeContext is what a report said before its Code: line that decoding
// the line needs: the instruction pointer, as a raw address or as the
// symbol the kernel printed for it, whether it was user space, and x86's
// instruction width.
type codeContext struct {
	arch   parse.Arch
	bits   int    // x86: 64 or 32, from the last RIP/EIP/RAX/EAX line
	ip     uint64 // the raw instruction pointer, 0 when not printed raw
	sym    parse.PrintedSymbol
	hasSym bool
	user   bool // the IP is user space: no kernel symbols for its targets
}

// ipLines are the lines that print a report's instruction pointer, by how
// the kernel's text starts.
var ipLines = []string{"RIP: ", "EIP: ", "pc : ", "PC is at ", "NIP: ", "epc : "}

// codeLineFirstBytes holds the first bytes of ipLines and of the register
// lines that tell x86's mode, "RAX: " and "EAX: " (TestCodeLineFirstBytes).
const codeLineFirstBytes = "REpPNe"

// isCodeLineFirst is codeLineFirstBytes as a table: a test every line
// pays.
var isCodeLineFirst = func() (t [256]bool) {
	for i := range len(codeLineFirstBytes) {
		t[codeLineFirstBytes[i]] = true
	}
	return t
}()

// observeCode follows the lines that tell how to decode the next Code:
// line. lead is the line's text after its prefix and blanks.
func (a *Annotator) observeCode(lead []byte, toks []parse.Token) {
	if len(lead) < 5 || !isCodeLineFirst[lead[0]] {
		return // most lines: one byte tested
	}
	switch {
	case bytes.HasPrefix(lead, []byte("RIP: 0023:")):
		a.code.bits = 32
	case bytes.HasPrefix(lead, []byte("RIP: ")), bytes.HasPrefix(lead, []byte("RAX: ")):
		a.code.bits = 64
	case bytes.HasPrefix(lead, []byte("EIP: ")), bytes.HasPrefix(lead, []byte("EAX: ")):
		a.code.bits = 32
	}
	for _, p := range ipLines {
		if !bytes.HasPrefix(lead, []byte(p)) {
			continue
		}
		c := codeContext{bits: a.code.bits}
		for _, t := range toks {
			if t.Role == parse.RoleIP {
				c.ip = t.Value
				break
			}
		}
		if c.ip == 0 {
			c.user = userIP(lead)
			if c.user {
				c.ip = rawUserIP(lead)
			} else if syms := parse.PrintedSymbols(nil, lead); len(syms) > 0 {
				c.sym, c.hasSym = syms[0], true
			}
		}
		a.code = c
		return
	}
}

// userIP reports an x86-64 instruction pointer in user space: the code
// segment selectors 0x33 (64-bit) and 0x23 (32-bit compat) of ring 3.
func userIP(lead []byte) bool {
	return bytes.HasPrefix(lead, []byte("RIP: 0033:")) || bytes.HasPrefix(lead, []byte("RIP: 0023:"))
}

// rawUserIP reads "RIP: 0033:0x47b7a0".
func rawUserIP(lead []byte) uint64 {
	rest, ok := bytes.CutPrefix(lead[len("RIP: 0033:"):], []byte("0x"))
	if !ok {
		return 0
	}
	var v uint64
	for i, c := range rest {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			if i == 0 {
				return 0
			}
			return v
		}
		if i >= 16 {
			return 0
		}
	}
	return v
}

// isCodeLead is a cheap test for a Code: line's text after its prefix
// and blanks, before disasm.FindCode looks closer.
func isCodeLead(lead []byte) bool {
	return bytes.HasPrefix(lead, []byte("Code: "))
}

// appendListing decodes the Code: line text, if it is one, and appends
// its listing, each line ending in eol. c is the context the line was
// read in; d the decision for its boot, whose table names branch targets
// and finds the address of a symbolized instruction pointer.
func (a *Annotator) appendListing(dst, text, eol []byte, c codeContext, d decision) []byte {
	// After "---[ end trace" the kernel prints the first oops's RIP and
	// Code: again, and a WARNING that fires again prints the same bytes:
	// the same bytes at the same place give the same listing, whatever
	// the timestamp in front of them.
	key := text
	if i := bytes.Index(text, []byte("Code: ")); i >= 0 {
		key = text[i:]
	}
	for i := range a.listings {
		k := &a.listings[i]
		if k.valid && k.ctx == c && k.offset == d.verdict.Offset && k.named == (d.res != nil) &&
			bytes.Equal(k.text, key) && bytes.Equal(k.eol, eol) {
			a.stats.CodeListings++
			return append(dst, k.listing...)
		}
	}
	from := len(dst)
	dst = a.decodeListing(dst, text, eol, c, d)
	k := &a.listings[a.nextListing]
	a.nextListing = (a.nextListing + 1) % len(a.listings)
	*k = listingCache{valid: true, ctx: c, offset: d.verdict.Offset, named: d.res != nil,
		text: append(k.text[:0], key...), eol: append(k.eol[:0], eol...),
		listing: append(k.listing[:0], dst[from:]...)}
	return dst
}

// listingCache is a listing made, and what it was made from: the Code:
// text, its context, and the offset its names came from (the resolver of
// a decision is a function of its offset and whether it names at all,
// whichever boot it is for).
type listingCache struct {
	valid              bool
	ctx                codeContext
	offset             uint64
	named              bool
	text, eol, listing []byte
}

// cachedListings is how many listings an Annotator keeps: enough for the
// Code: lines of the few reports a looping crash repeats, each after the
// instruction pointers of the others. (Decoding one costs about as much
// as reading a thousand plain lines.)
const cachedListings = 32

// decodeListing is appendListing without the cache.
func (a *Annotator) decodeListing(dst, text, eol []byte, c codeContext, d decision) []byte {
	start, ok := disasm.FindCode(text)
	if !ok {
		return dst
	}
	code, err := disasm.ParseCode(text[start:])
	if err != nil {
		return dst // "Unable to access opcode bytes", or not a dump
	}
	m := disasm.Machine{Arch: c.arch, Bits: c.bits}
	if m.Arch == parse.ArchUnknown && c.bits != 0 {
		m.Arch = parse.ArchX86
	}
	trapIP := c.ip
	var name func(uint64) (string, bool)
	if !c.user && d.res != nil {
		if trapIP == 0 && c.hasSym && c.sym.Offset < c.sym.Size {
			trapIP, _ = printedAddress(d.res, c.sym)
		}
		name = func(addr uint64) (string, bool) {
			loc, ok := d.res.Lookup(addr)
			if !ok {
				return "", false
			}
			return loc.String(), true
		}
	}
	insns, err := code.Disassemble(m, trapIP, name)
	if err != nil {
		return dst // an architecture or form it cannot decode
	}
	a.stats.CodeListings++
	from := len(dst)
	dst = disasm.AppendListing(dst, m, insns, eol)
	if st := a.opts.Style; st != nil && st.Trap != nil {
		dst = append(dst[:from], paintTrap(dst[from:], eol, st.Trap)...)
	}
	return dst
}

// paintTrap paints the trapping instruction's line of a listing, leaving
// the marker at the start of the line, where it is recognised.
func paintTrap(listing, eol []byte, paint func(string) string) []byte {
	var out []byte
	for len(listing) > 0 {
		line := listing
		if i := bytes.Index(listing, eol); i >= 0 && len(eol) > 0 {
			line, listing = listing[:i], listing[i+len(eol):]
		} else {
			listing = nil
		}
		if bytes.Contains(line, []byte("<-- trapping instruction")) && bytes.HasPrefix(line, []byte(disasm.Marker)) {
			out = append(out, disasm.Marker...)
			out = append(out, paint(string(line[len(disasm.Marker):]))...)
		} else {
			out = append(out, line...)
		}
		out = append(out, eol...)
	}
	return out
}
