package srcline

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// A relocator loads the debug sections of a relocatable file (a kernel
// module) as the module was loaded: every address in them is a relocation
// against the section holding the code or data, and comes out as that
// section's load address plus the offset. References between debug
// sections (.debug_str, .debug_line, ...) are relocations too, against
// sections that are not loaded: they resolve to plain section offsets.
//
// debug/elf's own DWARF method applies such relocations only as if every
// section were at address 0, which puts a module's .text and
// .text.unlikely on top of each other.
type relocator struct {
	f     *elf.File
	place map[string]uint64
	syms  []elf.Symbol
	// relocs maps a section index to the indexes of the SHT_REL and
	// SHT_RELA sections that apply to it.
	relocs map[int][]int
}

func newRelocator(f *elf.File, place map[string]uint64) (*relocator, error) {
	r := &relocator{f: f, place: place, relocs: map[int][]int{}}
	for i, s := range f.Sections {
		if s.Type == elf.SHT_REL || s.Type == elf.SHT_RELA {
			r.relocs[int(s.Info)] = append(r.relocs[int(s.Info)], i)
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("reading .symtab: %w", err)
	}
	r.syms = syms
	return r, nil
}

// load returns the contents of s with its relocations applied.
func (r *relocator) load(s *elf.Section) ([]byte, error) {
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	idx := -1
	for i, x := range r.f.Sections {
		if x == s {
			idx = i
		}
	}
	for _, ri := range r.relocs[idx] {
		rs := r.f.Sections[ri]
		if err := r.apply(data, rs); err != nil {
			return nil, fmt.Errorf("%s: %w", rs.Name, err)
		}
	}
	return data, nil
}

// symbolValue returns where symbol i (a 1-based .symtab index) is: for a
// symbol in a placed section its load address, for one in an unplaced
// section (a debug section) its offset there, or an error for an
// undefined symbol, which debug sections never reference.
func (r *relocator) symbolValue(i uint32) (uint64, error) {
	if i == 0 {
		return 0, nil
	}
	if int(i) > len(r.syms) {
		return 0, fmt.Errorf("symbol index %d out of range (%d symbols)", i, len(r.syms))
	}
	s := r.syms[i-1]
	switch {
	case s.Section == elf.SHN_ABS:
		return s.Value, nil
	case s.Section == elf.SHN_UNDEF || int(s.Section) >= len(r.f.Sections):
		return 0, fmt.Errorf("relocation against undefined symbol %q", s.Name)
	}
	sec := r.f.Sections[s.Section]
	if sec.Flags&elf.SHF_ALLOC != 0 {
		// A section the loader did not keep (freed init code) or that
		// the caller did not place stays at 0: its addresses then match
		// no kernel address.
		return r.place[sec.Name] + s.Value, nil
	}
	return s.Value, nil
}

// relocType describes how one relocation type computes and stores its
// value: its width in bytes, and the operation on the old value.
type relocType struct {
	size int
	op   relocOp
}

type relocOp int

const (
	opAbs  relocOp = iota // S + A
	opAdd                 // old + S + A (RISC-V pairs for label differences)
	opSub                 // old - (S + A)
	opSet6                // low 6 bits := S + A
	opSub6                // low 6 bits -= S + A
	opNone                // nothing to do
)

// relocTypes lists, by machine, the relocation types found in the debug
// sections of kernel modules: absolute addresses and section offsets.
var relocTypes = map[elf.Machine]map[uint32]relocType{
	elf.EM_X86_64: {
		uint32(elf.R_X86_64_NONE): {0, opNone},
		uint32(elf.R_X86_64_64):   {8, opAbs},
		uint32(elf.R_X86_64_32):   {4, opAbs},
		uint32(elf.R_X86_64_32S):  {4, opAbs},
	},
	elf.EM_386: {
		uint32(elf.R_386_NONE): {0, opNone},
		uint32(elf.R_386_32):   {4, opAbs},
	},
	elf.EM_AARCH64: {
		uint32(elf.R_AARCH64_NONE):  {0, opNone},
		uint32(elf.R_AARCH64_ABS64): {8, opAbs},
		uint32(elf.R_AARCH64_ABS32): {4, opAbs},
	},
	elf.EM_ARM: {
		uint32(elf.R_ARM_NONE):    {0, opNone},
		uint32(elf.R_ARM_ABS32):   {4, opAbs},
		uint32(elf.R_ARM_TARGET1): {4, opAbs},
	},
	elf.EM_RISCV: {
		uint32(elf.R_RISCV_NONE):  {0, opNone},
		uint32(elf.R_RISCV_32):    {4, opAbs},
		uint32(elf.R_RISCV_64):    {8, opAbs},
		uint32(elf.R_RISCV_ADD8):  {1, opAdd},
		uint32(elf.R_RISCV_ADD16): {2, opAdd},
		uint32(elf.R_RISCV_ADD32): {4, opAdd},
		uint32(elf.R_RISCV_ADD64): {8, opAdd},
		uint32(elf.R_RISCV_SUB8):  {1, opSub},
		uint32(elf.R_RISCV_SUB16): {2, opSub},
		uint32(elf.R_RISCV_SUB32): {4, opSub},
		uint32(elf.R_RISCV_SUB64): {8, opSub},
		uint32(elf.R_RISCV_SET6):  {1, opSet6},
		uint32(elf.R_RISCV_SUB6):  {1, opSub6},
		uint32(elf.R_RISCV_SET8):  {1, opAbs},
		uint32(elf.R_RISCV_SET16): {2, opAbs},
		uint32(elf.R_RISCV_SET32): {4, opAbs},
		uint32(elf.R_RISCV_RELAX): {0, opNone},
	},
	elf.EM_PPC64: {
		uint32(elf.R_PPC64_NONE):   {0, opNone},
		uint32(elf.R_PPC64_ADDR64): {8, opAbs},
		uint32(elf.R_PPC64_ADDR32): {4, opAbs},
	},
	elf.EM_S390: {
		uint32(elf.R_390_NONE): {0, opNone},
		uint32(elf.R_390_32):   {4, opAbs},
		uint32(elf.R_390_64):   {8, opAbs},
	},
}

// apply applies the relocation section rs to data.
func (r *relocator) apply(data []byte, rs *elf.Section) error {
	types, ok := relocTypes[r.f.Machine]
	if !ok {
		return fmt.Errorf("relocations for %v are not supported", r.f.Machine)
	}
	raw, err := rs.Data()
	if err != nil {
		return err
	}
	order := r.f.ByteOrder
	is64 := r.f.Class == elf.ELFCLASS64
	rela := rs.Type == elf.SHT_RELA
	entSize := map[[2]bool]int{{true, true}: 24, {true, false}: 16, {false, true}: 12, {false, false}: 8}[[2]bool{is64, rela}]
	for p := 0; p+entSize <= len(raw); p += entSize {
		var off, addend uint64
		var sym, typ uint32
		if is64 {
			off = order.Uint64(raw[p:])
			info := order.Uint64(raw[p+8:])
			sym, typ = uint32(info>>32), uint32(info)
			if rela {
				addend = order.Uint64(raw[p+16:])
			}
		} else {
			off = uint64(order.Uint32(raw[p:]))
			info := order.Uint32(raw[p+4:])
			sym, typ = info>>8, info&0xff
			if rela {
				addend = uint64(int64(int32(order.Uint32(raw[p+8:]))))
			}
		}
		t, ok := types[typ]
		if !ok {
			return fmt.Errorf("unsupported %v relocation type %d at offset %#x", r.f.Machine, typ, off)
		}
		if t.op == opNone {
			continue
		}
		if off+uint64(t.size) > uint64(len(data)) || off+uint64(t.size) < off {
			return fmt.Errorf("relocation at offset %#x is past the section's end (%#x)", off, len(data))
		}
		s, err := r.symbolValue(sym)
		if err != nil {
			return err
		}
		dst := data[off : off+uint64(t.size)]
		old := readUint(dst, order)
		if !rela && t.op == opAbs {
			// SHT_REL keeps the addend in the place itself.
			addend = old
			if t.size == 4 {
				addend = uint64(int64(int32(uint32(old))))
			}
		}
		v := s + addend
		switch t.op {
		case opAdd:
			v = old + v
		case opSub:
			v = old - v
		case opSet6:
			v = old&^0x3f | v&0x3f
		case opSub6:
			v = old&^0x3f | (old-v)&0x3f
		}
		writeUint(dst, order, v)
	}
	return nil
}

func readUint(b []byte, order binary.ByteOrder) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(order.Uint16(b))
	case 4:
		return uint64(order.Uint32(b))
	}
	return order.Uint64(b)
}

func writeUint(b []byte, order binary.ByteOrder, v uint64) {
	switch len(b) {
	case 1:
		b[0] = byte(v)
	case 2:
		order.PutUint16(b, uint16(v))
	case 4:
		order.PutUint32(b, uint32(v))
	default:
		order.PutUint64(b, v)
	}
}
