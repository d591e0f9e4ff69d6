package srcline

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// A ModuleLayout is where the kernel loaded one module: the load address
// of each section, by name, and the module's build id when known.
type ModuleLayout struct {
	Sections map[string]uint64
	BuildID  []byte
}

// ParseModuleSections reads a saved listing of module load addresses, one
// section a line as "module section 0xaddress" (what
// `grep . /sys/module/*/sections/*` gives, reshaped), and optionally
// "module build-id-note HEX", the module's raw build id note
// (/sys/module/<m>/notes/.note.gnu.build-id). Blank lines and lines
// starting with '#' are skipped. file names the input in errors.
func ParseModuleSections(r io.Reader, file string) (map[string]*ModuleLayout, error) {
	out := map[string]*ModuleLayout{}
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"module section 0xaddress\", got %q", file, n, line)
		}
		mod := normalizeModule(f[0])
		l := out[mod]
		if l == nil {
			l = &ModuleLayout{Sections: map[string]uint64{}}
			out[mod] = l
		}
		if f[1] == "build-id-note" {
			note, err := hex.DecodeString(f[2])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: build id note: %w", file, n, err)
			}
			// The note is in the kernel's byte order; the GNU note's
			// sizes are small, which tells the order.
			l.BuildID = parseBuildIDNote(note, noteOrder(note))
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
		if err != nil || !strings.HasPrefix(f[2], "0x") {
			return nil, fmt.Errorf("%s:%d: section %s: want a 0x-prefixed hexadecimal address, got %q", file, n, f[1], f[2])
		}
		l.Sections[f[1]] = v
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no module sections listed", file)
	}
	return out, nil
}

// noteOrder guesses the byte order of a raw ELF note from its name size,
// which is small.
func noteOrder(note []byte) binary.ByteOrder {
	if len(note) >= 4 && binary.LittleEndian.Uint32(note) > 0xffff {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// ReadModuleSectionsDir reads a copy of /sys/module (or /sys/module
// itself): dir/<module>/sections/<section> holds the section's load
// address, dir/<module>/notes/.note.gnu.build-id the build id note.
func ReadModuleSectionsDir(dir string) (map[string]*ModuleLayout, error) {
	mods, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*ModuleLayout{}
	for _, m := range mods {
		secDir := filepath.Join(dir, m.Name(), "sections")
		secs, err := os.ReadDir(secDir)
		if err != nil {
			continue // built-in modules have no sections
		}
		l := &ModuleLayout{Sections: map[string]uint64{}}
		for _, s := range secs {
			b, err := os.ReadFile(filepath.Join(secDir, s.Name()))
			if err != nil {
				return nil, err
			}
			text := strings.TrimSpace(string(b))
			v, err := strconv.ParseUint(strings.TrimPrefix(text, "0x"), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: want a hexadecimal address, got %q", filepath.Join(secDir, s.Name()), text)
			}
			l.Sections[s.Name()] = v
		}
		if note, err := os.ReadFile(filepath.Join(dir, m.Name(), "notes", ".note.gnu.build-id")); err == nil {
			l.BuildID = parseBuildIDNote(note, noteOrder(note))
		}
		out[normalizeModule(m.Name())] = l
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no <module>/sections/ directories (is it a copy of /sys/module?)", dir)
	}
	return out, nil
}

// normalizeModule spells a module name as the kernel does: '-' in a file
// name is '_' in the module's name.
func normalizeModule(name string) string { return strings.ReplaceAll(name, "-", "_") }

// moduleSuffixes are the names a module file can have, by preference.
var moduleSuffixes = []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"}

// ErrModuleNotFound is returned (wrapped) by FindModule.
var ErrModuleNotFound = errors.New("module file not found")

// FindModule looks for the file of module name under dir and its
// subdirectories (as /lib/modules/<release>/ lays them out): name.ko,
// compressed or not, with '-' and '_' taken as the same. An uncompressed
// file is preferred to a compressed one. To look up several modules, a
// ModuleDir walks the tree once.
func FindModule(dir, name string) (string, error) {
	return NewModuleDir(dir).Find(name)
}

// A ModuleDir finds module files under a directory, which it walks once,
// on the first Find. It is safe for concurrent use.
type ModuleDir struct {
	dir   string
	once  sync.Once
	files map[string]moduleCandidate // by module name
	err   error
}

type moduleCandidate struct {
	path string
	rank int // index in moduleSuffixes
}

// NewModuleDir returns a ModuleDir over dir.
func NewModuleDir(dir string) *ModuleDir { return &ModuleDir{dir: dir} }

// Find returns the file of module name (see FindModule).
func (m *ModuleDir) Find(name string) (string, error) {
	m.once.Do(m.index)
	if m.err != nil {
		return "", m.err
	}
	want := normalizeModule(name)
	c, ok := m.files[want]
	if !ok {
		return "", fmt.Errorf("%w: %s.ko (or compressed) under %s", ErrModuleNotFound, want, m.dir)
	}
	return c.path, nil
}

func (m *ModuleDir) index() {
	m.files = map[string]moduleCandidate{}
	err := filepath.WalkDir(m.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == m.dir {
				return err
			}
			return nil // an unreadable subdirectory: look elsewhere
		}
		if d.IsDir() {
			// /lib/modules/<release>/build and source point into the
			// kernel's tree, which holds no module of this boot.
			if p != m.dir && (d.Name() == "build" || d.Name() == "source") {
				return fs.SkipDir
			}
			return nil
		}
		for rank, suf := range moduleSuffixes {
			base, ok := strings.CutSuffix(d.Name(), suf)
			if !ok {
				continue
			}
			name := normalizeModule(base)
			if c, seen := m.files[name]; !seen || rank < c.rank {
				m.files[name] = moduleCandidate{p, rank}
			}
			break
		}
		return nil
	})
	if err != nil {
		m.err = fmt.Errorf("looking for modules in %s: %w", m.dir, err)
	}
}

// A BuildIDError reports a module file whose build id is not the one of
// the module the kernel ran: its lines would be confidently wrong.
type BuildIDError struct {
	File      string
	Have, Log []byte
}

func (e *BuildIDError) Error() string {
	if len(e.Have) == 0 {
		return fmt.Sprintf("%s has no build id, but the kernel's module has %x: cannot tell it is the same build", e.File, e.Log)
	}
	return fmt.Sprintf("%s has build id %x, but the kernel's module has %x: it is another build of the module", e.File, e.Have, e.Log)
}

// CheckBuildID returns a *BuildIDError when want is not empty and is not
// f's build id. want may be a prefix (logs may print a shortened id).
func CheckBuildID(f *File, want []byte) error {
	if len(want) == 0 {
		return nil
	}
	if len(f.buildID) < len(want) || !bytes.Equal(f.buildID[:len(want)], want) {
		return &BuildIDError{File: f.name, Have: f.buildID, Log: want}
	}
	return nil
}

// InferSections works out where the sections of a module were loaded
// from where its symbols are: lookup returns the address a symbol of the
// module has in the running kernel (from a kallsyms listing of the boot),
// for the module's defined symbols. A section's address is a symbol's
// address less the symbol's offset in the section. It is the way to place
// a module when no sections dump was saved; sections without a symbol the
// listing has (a module's data, with kallsyms listing only its code) stay
// unplaced.
func InferSections(r io.ReaderAt, file string, lookup func(name string) (uint64, bool)) (map[string]uint64, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %w", file, err)
	}
	syms, err := ef.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: reading .symtab: %w", file, err)
	}
	out := map[string]uint64{}
	for _, s := range syms {
		if s.Name == "" || s.Section == elf.SHN_UNDEF || int(s.Section) >= len(ef.Sections) {
			continue
		}
		typ := elf.ST_TYPE(s.Info)
		if typ == elf.STT_SECTION || typ == elf.STT_FILE || isMappingSymbol(s.Name) {
			continue
		}
		sec := ef.Sections[s.Section]
		if sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		addr, ok := lookup(s.Name)
		if !ok || addr < s.Value {
			continue
		}
		base := addr - s.Value
		if prev, dup := out[sec.Name]; dup && prev != base {
			return nil, fmt.Errorf("%s: the symbols place section %s at both %#x and %#x: they are not this module's", file, sec.Name, prev, base)
		}
		out[sec.Name] = base
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: none of its symbols is known at a load address", file)
	}
	return out, nil
}

// isMappingSymbol reports ARM's and RISC-V's mapping symbols ($a, $d,
// $t, $x, with an optional ".suffix"), which mark code and data inside a
// section rather than name anything.
func isMappingSymbol(name string) bool {
	return len(name) >= 2 && name[0] == '$' && (len(name) == 2 || name[2] == '.')
}
