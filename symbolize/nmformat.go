package symbolize

import (
	"bytes"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// maxSymbolLine bounds one line of a symbol file. Real lines are well under
// 1 KB (kernel symbol names are at most 512 bytes); anything longer means
// the input is not a symbol file.
const maxSymbolLine = 64 << 10

// nmLine is one parsed line of nm-format output ("ADDR TYPE NAME"), with the
// kallsyms module column ("\t[module]") when present.
type nmLine struct {
	addr   uint64
	digits int // width of the address field, for 32/64-bit detection
	typ    byte
	name   []byte
	module []byte
	// nameText is name as a string sharing the input's memory.
	nameText string
	lines    int // lines in the whole input, a capacity hint
}

// parseNMLine parses "ffffffff81000000 T _stext" and
// "ffffffffc0201000 t oopsdemo_write\t[oopsdemo]". It returns a message
// describing the first problem, or "" when the line is well formed.
func parseNMLine(line []byte, l *nmLine) string {
	i := 0
	var addr uint64
	for i < len(line) {
		v, ok := hexVal(line[i])
		if !ok {
			break
		}
		if i >= 16 {
			return "address longer than 64 bits"
		}
		addr = addr<<4 | uint64(v)
		i++
	}
	if i == 0 {
		return "expected a hexadecimal address at the start of the line"
	}
	if i >= len(line) || line[i] != ' ' {
		return "expected a space after the address"
	}
	l.addr, l.digits = addr, i
	i++
	if i >= len(line) || !isTypeLetter(line[i]) {
		return "expected a symbol type letter after the address"
	}
	l.typ = line[i]
	i++
	if i >= len(line) || line[i] != ' ' {
		return "expected a space after the symbol type"
	}
	i++
	rest := line[i:]
	l.module = nil
	if tab := bytes.IndexByte(rest, '\t'); tab >= 0 {
		mod := bytes.TrimRight(rest[tab+1:], " \t")
		if len(mod) < 3 || mod[0] != '[' || mod[len(mod)-1] != ']' {
			return "expected \"[module]\" after the tab"
		}
		l.module = mod[1 : len(mod)-1]
		rest = rest[:tab]
	}
	rest = bytes.TrimRight(rest, " ")
	if len(rest) == 0 {
		return "missing symbol name"
	}
	for _, c := range rest {
		// Real System.maps have names with control bytes (arm64's
		// "__kvm_nvhe_.L14472\x021"); only NUL and blanks are impossible.
		if c == 0 || c == ' ' || c == '\t' {
			return "symbol name contains a NUL or blank byte"
		}
	}
	l.name = rest
	return ""
}

func isTypeLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '?' || c == '-'
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// scanNM reads the nm-format lines of data and calls fn for each well-formed
// one. Blank lines are skipped; CRLF line ends are accepted. A malformed
// line stops the read with a *FormatError naming file and line.
//
// Symbol names are substrings of data instead of one allocation each (a
// kernel has about 100k symbols): data must not change while they are in
// use.
func scanNM(data []byte, file, kind string, fn func(lineNo int, l *nmLine) error) error {
	text := unsafe.String(unsafe.SliceData(data), len(data)) // data is never written again
	l := nmLine{lines: bytes.Count(data, []byte{'\n'}) + 1}
	parsedAny := false
	for lineNo, pos := 1, 0; pos < len(data); lineNo++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := pos + end + 1
		if end < 0 {
			end, next = len(data)-pos, len(data)
		}
		line := data[pos : pos+end]
		if len(line) > maxSymbolLine {
			msg := fmt.Sprintf("line longer than %d bytes: not a %s file", maxSymbolLine, kind)
			if what := guessInput(data); what != "" && !parsedAny {
				msg = fmt.Sprintf("this is %s, not a %s file", what, kind)
			}
			return &FormatError{File: file, Line: lineNo, Msg: msg, Text: lineExcerpt(line)}
		}
		body := bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(body)) > 0 {
			if msg := parseNMLine(body, &l); msg != "" {
				msg = "not a " + kind + " line: " + msg
				if what := guessInput(data); what != "" && !parsedAny {
					// The very first line fails: most likely the wrong
					// file was given, so say what it looks like.
					msg = fmt.Sprintf("this is %s, not a %s file (whose lines read \"ADDRESS TYPE NAME\")", what, kind)
				}
				return &FormatError{File: file, Line: lineNo, Msg: msg, Text: lineExcerpt(body)}
			}
			parsedAny = true
			l.nameText = substring(text, data, l.name)
			if err := fn(lineNo, &l); err != nil {
				return err
			}
		}
		pos = next
	}
	return nil
}

// guessInput names what data is when it is recognisably not a symbol
// file: people pass a log, a vmlinux or a compressed file by mistake. It
// returns "" when it cannot tell.
func guessInput(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return "an ELF file (a vmlinux or a module? give its System.map or /proc/kallsyms instead)"
	case bytes.HasPrefix(data, []byte("\xfd7zXZ\x00")), bytes.HasPrefix(data, []byte("\x1f\x8b")),
		bytes.HasPrefix(data, []byte("\x28\xb5\x2f\xfd")), bytes.HasPrefix(data, []byte("BZh")):
		return "compressed data (decompress it first)"
	}
	head := data[:min(len(data), 512)]
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head[:max(0, len(head)-utf8.UTFMax)]) {
		return "binary data"
	}
	line := head
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	if isLogLine(line) {
		return "a kernel log"
	}
	return ""
}

// isLogLine reports whether line starts like a kernel log line: a printk
// timestamp ("[    0.000000] "), optionally after a "<6>" level, or the
// banner "Linux version ".
func isLogLine(line []byte) bool {
	if len(line) > 3 && line[0] == '<' && line[2] == '>' {
		line = line[3:]
	}
	if bytes.HasPrefix(line, []byte("Linux version ")) {
		return true
	}
	if len(line) < 3 || line[0] != '[' {
		return false
	}
	i := 1
	for i < len(line) && (line[i] == ' ' || line[i] == '.' || line[i] >= '0' && line[i] <= '9') {
		i++
	}
	return i > 1 && i < len(line) && line[i] == ']'
}

// substring returns the part of text (a string over data) that sub, a
// slice of data, covers.
func substring(text string, data, sub []byte) string {
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(sub))) - uintptr(unsafe.Pointer(unsafe.SliceData(data))))
	return text[off : off+len(sub)]
}

func displayName(file string) string {
	if file == "" {
		return "<input>"
	}
	return file
}

// symbolReader accumulates parsed lines into core and module symbols and
// checks that every address has the same width.
type symbolReader struct {
	file, kind string
	digits     int
	digitsLine int
	maxAddr    uint64
	read       int
	// The previous core symbol, to check the order: nm -n and the kernel
	// both list core symbols by ascending address.
	lastAddr uint64
	lastLine int
	core     []Symbol
	modules  []moduleSymbols
	modIndex map[string]int
	names    map[string]string // interned module names
}

func (sr *symbolReader) add(lineNo int, l *nmLine) error {
	// nm and /proc/kallsyms zero-pad addresses to the word size; an
	// unpadded field (a hand-made file) says nothing about the width.
	if l.digits == 8 || l.digits == 16 {
		switch {
		case sr.digits == 0:
			sr.digits, sr.digitsLine = l.digits, lineNo
		case l.digits != sr.digits:
			return &FormatError{File: sr.file, Line: lineNo,
				Msg: fmt.Sprintf("%d-digit address, but line %d has %d digits: 32- and 64-bit symbols mixed", l.digits, sr.digitsLine, sr.digits)}
		}
	}
	if l.addr > sr.maxAddr {
		sr.maxAddr = l.addr
	}
	sr.read++
	s := Symbol{Addr: l.addr, Name: l.nameText, Type: l.typ}
	if l.module == nil {
		if sr.core == nil {
			sr.core = make([]Symbol, 0, l.lines)
		}
		if sr.lastLine > 0 {
			// Equal neighbours are legal: real System.maps and kallsyms list
			// static symbols of one name and address twice (lockdep's
			// "__key.3"). Going down is not.
			if s.Addr < sr.lastAddr {
				return &FormatError{File: sr.file, Line: lineNo, Text: lineExcerpt(l.name),
					Msg: fmt.Sprintf("address %#x is below line %d's %#x: %s files list the kernel's symbols by ascending address (is it sorted with nm -n, and not two files joined?)", s.Addr, sr.lastLine, sr.lastAddr, sr.kind)}
			}
		}
		sr.lastAddr, sr.lastLine = s.Addr, lineNo
		sr.core = append(sr.core, s)
		return nil
	}
	mod, ok := sr.names[string(l.module)]
	if !ok {
		mod = string(l.module)
		sr.names[mod] = mod
	}
	s.Module = mod
	i, ok := sr.modIndex[mod]
	if !ok {
		i = len(sr.modules)
		sr.modIndex[mod] = i
		sr.modules = append(sr.modules, moduleSymbols{name: mod})
	}
	sr.modules[i].syms = append(sr.modules[i].syms, s)
	return nil
}

func (sr *symbolReader) bits() int {
	if sr.digits == 16 || sr.digits == 0 && sr.maxAddr > 0xffffffff {
		return 64
	}
	return 32
}
