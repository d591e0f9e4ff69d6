package srcline

import (
	"errors"
	"fmt"
	"sync"
)

// A Set resolves source lines for a whole kernel: the core kernel's from
// its vmlinux, and each module's from its .ko, opened on first use. It is
// safe for concurrent use.
type Set struct {
	core   *File
	offset uint64
	open   func(module string) (*File, error)

	mu   sync.Mutex
	mods map[string]*moduleFile
}

// moduleFile is a module's File, or why there is none.
type moduleFile struct {
	f   *File
	err error
}

// ErrNoModuleFile may be returned by a Set's module opener for a module
// without a file: lookups in that module then find no lines, and report
// no error.
var ErrNoModuleFile = errors.New("no file for the module")

// NewSet returns a Set over core (a vmlinux; nil for none), whose link-time
// addresses are offset below the running kernel's (the KASLR offset), and
// open, which opens the File of a module by name, placed at its load
// addresses (nil: no modules). The Set closes the files on Close.
func NewSet(core *File, offset uint64, open func(module string) (*File, error)) *Set {
	return &Set{core: core, offset: offset, open: open, mods: map[string]*moduleFile{}}
}

// Frames returns the inline chain at the running kernel's address addr,
// which the symbol table placed in module ("" for the core kernel). See
// File.Frames. Errors opening a module are returned on its first lookup
// only, and the module's addresses find no lines from then on.
func (s *Set) Frames(addr uint64, module string) ([]Frame, error) {
	if module == "" {
		if s.core == nil {
			return nil, nil
		}
		return s.core.Frames(addr - s.offset)
	}
	module = normalizeModule(module)
	s.mu.Lock()
	m, seen := s.module(module)
	s.mu.Unlock()
	if m.f == nil {
		if seen || errors.Is(m.err, ErrNoModuleFile) {
			return nil, nil
		}
		if m.err != nil {
			return nil, fmt.Errorf("module %s: %w", module, m.err)
		}
		return nil, nil
	}
	return m.f.Frames(addr)
}

// module returns the entry of a module, opening its file on first use, and
// whether it was there before. s.mu must be held.
func (s *Set) module(name string) (*moduleFile, bool) {
	if m, seen := s.mods[name]; seen {
		return m, true
	}
	m := &moduleFile{}
	if s.open != nil {
		m.f, m.err = s.open(name)
	}
	s.mods[name] = m
	return m, false
}

// CheckBuildID compares a build id the log printed for module (the kernel
// prints "[module build-id]" with CONFIG_STACKTRACE_BUILD_ID) with the
// module's file. On a mismatch it returns a *BuildIDError, and the module
// gives no lines from then on: its lines would belong to another build.
func (s *Set) CheckBuildID(module string, id []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, _ := s.module(normalizeModule(module))
	if m.f == nil {
		return nil // nothing to compare with
	}
	if err := CheckBuildID(m.f, id); err != nil {
		m.f.Close()
		m.f, m.err = nil, err
		return err
	}
	return nil
}

// Close closes every file the Set opened, and core.
func (s *Set) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, m := range s.mods {
		if m.f != nil {
			errs = append(errs, m.f.Close())
		}
	}
	s.mods = map[string]*moduleFile{}
	if s.core != nil {
		errs = append(errs, s.core.Close())
	}
	return errors.Join(errs...)
}
