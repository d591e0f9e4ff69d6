package parse

// A Role says how the kernel printed an address, which decides how it must
// be looked up to print what the kernel would have printed.
type Role uint8

const (
	// RoleIP is a faulting instruction pointer (RIP, EIP, pc, PC is at,
	// NIP, the address of a WARNING): looked up as is, like %pS.
	RoleIP Role = iota + 1
	// RoleCall is a return address the kernel prints with %pS (arm64 and
	// ARM frames, ARM "from", link registers, powerpc and RISC-V frames):
	// looked up as is.
	RoleCall
	// RoleReturn is a return address the kernel prints with %pB (x86 call
	// traces): looked up at address-1, printed with the offset of address.
	RoleReturn
	// RoleValue is a register's value: only worth a name when it points
	// into code.
	RoleValue
)

func (r Role) String() string {
	switch r {
	case RoleIP:
		return "ip"
	case RoleCall:
		return "call"
	case RoleReturn:
		return "return"
	case RoleValue:
		return "value"
	}
	return "unknown"
}

// A Token is one address found in a line.
type Token struct {
	// Start and End are byte offsets of the address's text in the line
	// (including its "[<", ">]" or "0x" decoration). An annotation goes
	// at End.
	Start, End int
	Value      uint64
	Role       Role
	Format     string // name of the line format that matched
	// Symbolized is true when the kernel (or an earlier run of this tool)
	// already printed a symbol right after the address.
	Symbolized bool
}
