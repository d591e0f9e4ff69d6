package srcline

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sync"
)

// A Frame is one function of the inline chain at an address.
type Frame struct {
	Func string // the function's name; "" when the DWARF and the symbols have none
	File string // source file, "" when the line is unknown
	Line int    // 1-based line, 0 when unknown
	// Column is the 1-based column, 0 when unknown. It is not part of
	// addr2line's output.
	Column int
	// Discriminator tells apart blocks of code that share one line (loop
	// bodies, both arms of a conditional); 0 when there is none. addr2line
	// prints it as " (discriminator N)".
	Discriminator int
}

// Options configure a File.
type Options struct {
	// StripPrefixes are removed from the front of source paths. nil
	// selects the default: a path inside the compilation unit's build
	// directory is shown relative to it, and a path in the kernel's
	// source tree beside a separate build directory (kbuild's O=, as in
	// Debian's packages) relative to the tree, so that paths read
	// "fs/read_write.c"; other paths (an external module's source) stay
	// as they are. An empty, non-nil slice keeps the paths as the DWARF
	// gives them, as addr2line prints them.
	StripPrefixes []string
	// Sections places the sections of a relocatable file (a .ko) at the
	// addresses the kernel loaded them at, by section name. Sections
	// left out cannot be looked up. It is ignored for a linked file.
	Sections map[string]uint64
}

// ErrNoDWARF is returned (wrapped) by Open and NewFile for an ELF file
// without debugging information.
var ErrNoDWARF = errors.New("no DWARF debugging information (.debug_info): build with CONFIG_DEBUG_INFO, or use the debug package's vmlinux or modules (Debian: linux-image-<release>-dbg)")

// A File resolves addresses to source lines with the DWARF of one ELF
// file. It is safe for concurrent use.
type File struct {
	name    string
	elf     *elf.File
	mapped  []byte // the whole file when memory-mapped, else nil
	closer  io.Closer
	order   binary.ByteOrder
	strip   []string
	buildID []byte
	place   map[string]uint64 // a module's section load addresses

	sec     debugSections
	aranges []cuRange

	// life keeps Close from unmapping the file under a lookup: lookups
	// hold it shared, Close exclusively.
	life   sync.RWMutex
	closed bool

	mu     sync.Mutex
	units  map[uint64]*unit // decoded compilation units by offset
	cuList []cuRange        // every unit's ranges, when .debug_aranges fails us
	cuErr  error
}

// debugSections holds the DWARF sections the resolver reads.
type debugSections struct {
	info, abbrev, line, str, ranges []byte
	addr, lineStr, strOffsets, rng  []byte
}

// Open maps the ELF file name into memory and prepares its DWARF. The
// caller must Close it.
func Open(name string, opts Options) (*File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	data, err := mapFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	file, err := newFile(bytes.NewReader(data), data, name, opts)
	if err != nil {
		unmapFile(data)
		f.Close()
		return nil, err
	}
	file.closer = closerFunc(func() error {
		err := unmapFile(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return file, nil
}

// NewFile prepares the DWARF of the ELF file r, e.g. a module decompressed
// into memory. Its debug sections are read whole; use Open for a vmlinux.
// name names the file in error messages.
func NewFile(r io.ReaderAt, name string, opts Options) (*File, error) {
	return newFile(r, nil, name, opts)
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

func newFile(r io.ReaderAt, mapped []byte, name string, opts Options) (*File, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %w", name, err)
	}
	f := &File{name: name, elf: ef, mapped: mapped, order: ef.ByteOrder, strip: opts.StripPrefixes, units: map[uint64]*unit{}, place: maps.Clone(opts.Sections)}
	if f.buildID, err = readBuildID(ef); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var load func(*elf.Section) ([]byte, error)
	switch ef.Type {
	case elf.ET_REL:
		rel, err := newRelocator(ef, opts.Sections)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		load = rel.load
	case elf.ET_EXEC, elf.ET_DYN:
		load = f.sectionData
	default:
		return nil, fmt.Errorf("%s: ELF type %v has no code addresses", name, ef.Type)
	}
	wanted := []struct {
		name string
		dst  *[]byte
	}{
		{".debug_info", &f.sec.info}, {".debug_abbrev", &f.sec.abbrev}, {".debug_line", &f.sec.line},
		{".debug_str", &f.sec.str}, {".debug_ranges", &f.sec.ranges}, {".debug_addr", &f.sec.addr},
		{".debug_line_str", &f.sec.lineStr}, {".debug_str_offsets", &f.sec.strOffsets}, {".debug_rnglists", &f.sec.rng},
	}
	for _, w := range wanted {
		s := ef.Section(w.name)
		if s == nil || s.Type == elf.SHT_NOBITS {
			continue
		}
		if *w.dst, err = load(s); err != nil {
			return nil, fmt.Errorf("%s: reading %s: %w", name, w.name, err)
		}
	}
	if len(f.sec.info) == 0 || len(f.sec.abbrev) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNoDWARF)
	}
	if s := ef.Section(".debug_aranges"); s != nil && s.Type != elf.SHT_NOBITS {
		data, err := load(s)
		if err != nil {
			return nil, fmt.Errorf("%s: reading .debug_aranges: %w", name, err)
		}
		// A broken table is not fatal: the units' own ranges serve.
		if f.aranges, err = parseAranges(data, f.order); err != nil || len(f.aranges) == 0 {
			f.aranges = nil
		}
	}
	return f, nil
}

// sectionData returns a linked file's section: a slice of the mapping when
// the file is mapped and the section stored plainly, else a copy
// (decompressed when SHF_COMPRESSED).
func (f *File) sectionData(s *elf.Section) ([]byte, error) {
	if f.mapped != nil && s.Flags&elf.SHF_COMPRESSED == 0 {
		end := s.Offset + s.FileSize
		if end < s.Offset || end > uint64(len(f.mapped)) {
			return nil, fmt.Errorf("section %s at %#x+%#x is past the end of the file", s.Name, s.Offset, s.FileSize)
		}
		return f.mapped[s.Offset:end:end], nil
	}
	return s.Data()
}

// ErrClosed is returned by Frames after Close.
var ErrClosed = errors.New("srcline: file already closed")

// Close releases the file's mapping, after the lookups under way.
func (f *File) Close() error {
	f.life.Lock()
	defer f.life.Unlock()
	f.closed = true
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

// Name returns the file name given to Open or NewFile.
func (f *File) Name() string { return f.name }

// Machine returns the file's ELF machine.
func (f *File) Machine() elf.Machine { return f.elf.Machine }

// BuildID returns the file's GNU build id (.note.gnu.build-id), or nil.
func (f *File) BuildID() []byte { return f.buildID }

// Frames returns the inline chain at addr, innermost first: the function
// the code at addr belongs to with the line of addr, then each function it
// was inlined into with the line of the call. For a return address, pass
// the address of the call instruction (the return address minus one), as
// the kernel's %pB and addr2line users do. An address without line
// information gives no frames and no error; an error means the DWARF is
// damaged.
func (f *File) Frames(addr uint64) ([]Frame, error) {
	f.life.RLock()
	defer f.life.RUnlock()
	if f.closed {
		return nil, fmt.Errorf("%s: %w", f.name, ErrClosed)
	}
	u, err := f.unitFor(addr)
	if err != nil || u == nil {
		return nil, err
	}
	frames, err := u.frames(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %#x: %w", f.name, addr, err)
	}
	if len(frames) > 0 && frames[0].Func == "" {
		// Assembly: the unit has lines but no functions, as addr2line
		// finds, the name comes from the symbol table.
		if name, ok := f.symbolName(addr); ok {
			frames[0].Func = name
		}
	}
	for i := range frames {
		frames[i].File = f.stripPath(fullPath(frames[i].File, u.compDir), u.compDir)
	}
	return frames, nil
}

// unitFor returns the decoded compilation unit holding addr, or nil.
func (f *File) unitFor(addr uint64) (*unit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ranges := f.aranges
	if ranges == nil {
		// Not every producer writes .debug_aranges (clang does not by
		// default): then every unit's own ranges are read, once. Where
		// the table exists it is trusted: an address it lacks (data,
		// code without debugging information) is in no unit, and
		// reading all 3000 units of a vmlinux to confirm it would cost a
		// second and 100 MB.
		if f.cuList == nil && f.cuErr == nil {
			f.cuList, f.cuErr = f.allUnitRanges()
		}
		if f.cuErr != nil {
			return nil, f.cuErr
		}
		ranges = f.cuList
	}
	off, ok := findRange(ranges, addr)
	if !ok {
		return nil, nil
	}
	if u, ok := f.units[off]; ok {
		return u, nil
	}
	u, err := f.newUnit(off)
	if err != nil {
		return nil, fmt.Errorf("%s: compilation unit at .debug_info+%#x: %w", f.name, off, err)
	}
	f.units[off] = u
	return u, nil
}

// allUnitRanges reads the address ranges of every compilation unit.
func (f *File) allUnitRanges() ([]cuRange, error) {
	list := []cuRange{}
	for off := uint64(0); off < uint64(len(f.sec.info)); {
		length, hdr, _ := unitLength(f.sec.info[off:], f.order)
		if hdr == 0 || length > uint64(len(f.sec.info))-off-uint64(hdr) {
			return nil, fmt.Errorf("%s: .debug_info: bad unit length at %#x", f.name, off)
		}
		u, err := f.newUnit(off)
		if err == nil {
			var rs [][2]uint64
			if rs, err = u.data.Ranges(u.cu); err == nil {
				for _, r := range rs {
					if r[0] != 0 && r[1] > r[0] {
						list = append(list, cuRange{r[0], r[1], off})
					}
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: compilation unit at .debug_info+%#x: %w", f.name, off, err)
		}
		off += uint64(hdr) + length
	}
	sortRanges(list)
	return list, nil
}
