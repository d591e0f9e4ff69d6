package disasm

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// A Machine is what a Code: line is decoded as: the report's architecture
// and, for x86, the instruction width.
type Machine struct {
	Arch parse.Arch
	// Bits is the width of x86 code: 64 (x86-64) or 32 (i386, or 32-bit
	// user code under an x86-64 kernel); 0 means 64. X86Bits reads it from
	// a report. The other architectures ignore it: ARM's choice between
	// ARM and Thumb code shows in the Code: line itself.
	Bits int
}

func (m Machine) String() string {
	switch m.Arch {
	case parse.ArchX86:
		if m.Bits == 32 {
			return "i386"
		}
		return "x86-64"
	case parse.ArchARM64:
		return "arm64"
	case parse.ArchARM:
		return "arm"
	}
	return m.Arch.String()
}

// addrBits is the width of the machine's addresses.
func (m Machine) addrBits() int {
	switch m.Arch {
	case parse.ArchX86:
		if m.Bits == 32 {
			return 32
		}
	case parse.ArchARM:
		return 32
	}
	return 64
}

// X86Bits reads the width of x86 code from a report line (a whole log
// line): "RIP: 0010:" and "RAX: " say 64, "EIP: " and "EAX: " say 32, and
// "RIP: 0023:", the x86-64 kernel's selector for 32-bit user code, says
// 32. ok is false for other lines. A caller follows the report's lines and
// keeps the last width seen: the kernel prints RIP or EIP just before the
// Code: line.
func X86Bits(line []byte) (bits int, ok bool) {
	body := bytes.TrimLeft(line[parse.SplitPrefix(line):], " ")
	switch {
	case bytes.HasPrefix(body, []byte("RIP: 0023:")):
		return 32, true
	case bytes.HasPrefix(body, []byte("RIP: ")), bytes.HasPrefix(body, []byte("RAX: ")):
		return 64, true
	case bytes.HasPrefix(body, []byte("EIP: ")), bytes.HasPrefix(body, []byte("EAX: ")):
		return 32, true
	}
	return 0, false
}
