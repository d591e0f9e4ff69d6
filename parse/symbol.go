package parse

import (
	"bytes"
)

// A PrintedSymbol is a symbol as the kernel prints it with %pS or %pB:
// "name+0xoff/0xsize", with " [module]" for module symbols.
type PrintedSymbol struct {
	Name         string
	Offset, Size uint64
	Module       string
}

// symbolStart skips what may stand between an address and the symbol the
// kernel printed for it: blanks, "? " (an unreliable frame), 2.6's
// ":module:" and an opening parenthesis (ARM's "(func)"). It returns where
// the name starts, whether a parenthesis was skipped, and the module of a
// ":module:" prefix.
func symbolStart(b []byte, end int) (j int, paren bool, colonModule []byte) {
	j = end
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if j+1 < len(b) && b[j] == '?' && b[j+1] == ' ' {
		j += 2
	}
	if j < len(b) && b[j] == ':' {
		if k := bytes.IndexByte(b[j+1:], ':'); k > 0 {
			colonModule = b[j+1 : j+1+k]
			j += k + 2
		}
	}
	if j < len(b) && b[j] == '(' {
		paren = true
		j++
	}
	return j, paren, colonModule
}

// SymbolAfter parses the "name+0xoff/0xsize [mod]" the kernel printed right
// after an address that ends at byte end of line. ok is false when there
// is none, or it lacks the offset and size (ARM's "(func)").
func SymbolAfter(line []byte, end int) (sym PrintedSymbol, ok bool) {
	sp, ok := spanAfter(line, end)
	return sp.PrintedSymbol, ok
}

// A PrintedSpan is a symbol the kernel printed and where it stands in the
// line: line[Start:End] is "name+0xoff/0xsize", with its " [module]" or
// " [module build-id]" (CONFIG_STACKTRACE_BUILD_ID) when there is one.
type PrintedSpan struct {
	PrintedSymbol
	Start, End int
	BuildID    string // hexadecimal, as printed; "" when none
}

// spanAfter is SymbolAfter with the symbol's place in the line.
func spanAfter(line []byte, end int) (PrintedSpan, bool) {
	j, _, colonModule := symbolStart(line, end)
	start := j
	for j < len(line) && isSymbolByte(line[j]) {
		j++
	}
	if j == start || !bytes.HasPrefix(line[j:], []byte("+0x")) {
		return PrintedSpan{}, false
	}
	name := line[start:j]
	j += 3
	k := j
	for k < len(line) && isHexDigit(line[k]) {
		k++
	}
	off, ok1 := parseHex(line[j:k])
	if !ok1 || !bytes.HasPrefix(line[k:], []byte("/0x")) {
		return PrintedSpan{}, false
	}
	j = k + 3
	k = j
	for k < len(line) && isHexDigit(line[k]) {
		k++
	}
	size, ok2 := parseHex(line[j:k])
	if !ok2 {
		return PrintedSpan{}, false
	}
	sp := PrintedSpan{PrintedSymbol: PrintedSymbol{Name: string(name), Offset: off, Size: size, Module: string(colonModule)}, Start: start, End: k}
	if rest := line[k:]; len(rest) > 2 && rest[0] == ' ' && rest[1] == '[' {
		if e := bytes.IndexByte(rest, ']'); e > 2 {
			mod := rest[2:e]
			if sp := bytes.IndexByte(mod, ' '); sp > 0 {
				mod = mod[:sp] // "[mod build-id]" (CONFIG_STACKTRACE_BUILD_ID)
			}
			sp.Module = string(mod)
			if len(mod) < e-2 {
				sp.BuildID = string(rest[2+len(mod)+1 : e])
			}
			sp.End = k + e + 1
		}
	}
	return sp, true
}

func isHexDigit(c byte) bool {
	_, ok := hexDigit(c)
	return ok
}

// PrintedSymbols appends to dst every "name+0xoff/0xsize [mod]" in line:
// the symbols the kernel itself printed, with or without an address. A
// caller can check them against a symbol table.
func PrintedSymbols(dst []PrintedSymbol, line []byte) []PrintedSymbol {
	eachPrinted(line, func(sp PrintedSpan) { dst = append(dst, sp.PrintedSymbol) })
	return dst
}

// PrintedSpans is PrintedSymbols with where each symbol stands in the
// line, for a caller that adds text after them.
func PrintedSpans(dst []PrintedSpan, line []byte) []PrintedSpan {
	eachPrinted(line, func(sp PrintedSpan) { dst = append(dst, sp) })
	return dst
}

func eachPrinted(line []byte, fn func(PrintedSpan)) {
	from := 0
	for {
		k := bytes.Index(line[from:], []byte("+0x"))
		if k < 0 {
			return
		}
		plus := from + k
		start := plus
		for start > 0 && isSymbolByte(line[start-1]) {
			start--
		}
		if start < plus && (start == 0 || !isSymbolByte(line[start-1])) {
			if sp, ok := spanAfter(line, start); ok {
				fn(sp)
			}
		}
		from = plus + 3
	}
}
