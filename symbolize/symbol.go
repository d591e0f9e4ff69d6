package symbolize

import (
	"strconv"
)

// A Symbol is one entry of a symbol file, as read.
type Symbol struct {
	Addr   uint64
	Name   string
	Module string // "" for the core kernel
	Type   byte   // nm type letter: 't', 'T', 'd', 'W', ...
}

// IsText reports whether the symbol's type letter marks code.
// nm's 'W'/'w' (weak, not an object) are functions in practice.
func (s Symbol) IsText() bool { return isTextType(s.Type) }

func isTextType(t byte) bool {
	switch t {
	case 't', 'T', 'w', 'W':
		return true
	}
	return false
}

// isMappingSymbol reports whether name is an ARM/arm64/RISC-V mapping
// symbol ($a, $d, $t, $x, optionally followed by ".suffix"), which the
// kernel never prints.
func isMappingSymbol(name string) bool {
	if len(name) < 2 || name[0] != '$' {
		return false
	}
	switch name[1] {
	case 'a', 'd', 't', 'x':
	default:
		return false
	}
	return len(name) == 2 || name[2] == '.'
}

// A Location is the answer to a lookup: the symbol an address falls in and
// where in it, in the shape the kernel prints with %pS.
type Location struct {
	Name   string
	Module string // "" for the core kernel
	Start  uint64 // address of the symbol
	Offset uint64 // offset of the looked-up address from Start, as printed
	Size   uint64 // size of the symbol by the kernel's rules
	Type   byte
}

// IsText reports whether the location is inside a code symbol.
func (l Location) IsText() bool { return isTextType(l.Type) }

// AppendText appends "name+0xoff/0xsize" and, for module symbols,
// " [module]": the text the kernel's %pS/%pB would have printed.
func (l Location) AppendText(b []byte) []byte {
	b = append(b, l.Name...)
	b = append(b, "+0x"...)
	b = strconv.AppendUint(b, l.Offset, 16)
	b = append(b, "/0x"...)
	b = strconv.AppendUint(b, l.Size, 16)
	if l.Module != "" {
		b = append(b, " ["...)
		b = append(b, l.Module...)
		b = append(b, ']')
	}
	return b
}

// String returns the same text as AppendText.
func (l Location) String() string { return string(l.AppendText(nil)) }
