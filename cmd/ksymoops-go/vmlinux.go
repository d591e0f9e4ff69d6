package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
	"github.com/ksymoops-go/ksymoops-go/symbolize/srcline"
)

// sourceOptions are the flags for ELF symbols and DWARF source lines.
type sourceOptions struct {
	vmlinux        string
	modules        string // a directory of .ko files ("" for the default)
	moduleSections string // a sections dump, or a copy of /sys/module
	strip          []string
	stripSet       bool
	inline         annotate.InlineMode
}

// enabled reports whether source lines were asked for.
func (s *sourceOptions) enabled() bool {
	return s.vmlinux != "" || s.modules != "" || s.moduleSections != ""
}

func sourceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "vmlinux", Usage: "the kernel's ELF `FILE`: its symbols (when neither -k nor -m is given) and, with DWARF, source lines (Debian: /usr/lib/debug/boot/vmlinux-<release>)"},
		&cli.StringFlag{Name: "modules", Usage: "find modules' .ko files (.ko.xz, .ko.zst, .ko.gz too) under `DIR` for their source lines; default with --vmlinux: /lib/modules/$(uname -r)"},
		&cli.StringFlag{Name: "module-sections", Usage: "the modules' load addresses: a `FILE` of \"module section 0xaddress\" lines, or a copy of /sys/module (default: from the modules' symbols in -k)"},
		&cli.StringSliceFlag{Name: "strip-prefix", Usage: "remove `DIR` from the front of source paths (repeatable; empty: paths as the DWARF has them); default: paths relative to the kernel tree, fs/read_write.c"},
		&cli.StringFlag{Name: "inline", Value: "lines", Usage: "show inlined functions on lines of their own marked [inline] (`lines`), or after the frame's location (compact)"},
	}
}

func parseSourceOptions(c *cli.Context, o *options) error {
	s := &o.src
	s.vmlinux, s.modules, s.moduleSections = c.String("vmlinux"), c.String("modules"), c.String("module-sections")
	if c.IsSet("strip-prefix") {
		s.stripSet = true
		s.strip = []string{}
		for _, p := range c.StringSlice("strip-prefix") {
			if p != "" {
				s.strip = append(s.strip, p)
			}
		}
	}
	switch c.String("inline") {
	case "lines":
		s.inline = annotate.InlineLines
	case "compact":
		s.inline = annotate.InlineCompact
	default:
		return fmt.Errorf("--inline: want lines or compact, not %q", c.String("inline"))
	}
	return nil
}

// loadSources builds the symbol table as loadTable does, or from the
// vmlinux's symbols when it is the only table given, adds the symbols of
// the modules a sections dump places, and opens the source-line resolver
// when one was asked for (nil otherwise).
func loadSources(o *options, stdin io.Reader, diag *diagnostics) (*symbolSet, *srcline.Set, error) {
	s := &o.src
	if !s.enabled() {
		set, err := loadTable(o, stdin, diag)
		return set, nil, err
	}
	// The vmlinux's symbols are read only when they are the table: to
	// align its DWARF with a -k or -m table, two of them are enough.
	var set *symbolSet
	if s.vmlinux != "" && o.kallsyms == "" && o.systemMap == "" {
		table, err := parseELFFile(s.vmlinux)
		if err != nil {
			return nil, nil, err
		}
		// Link-time addresses, like a System.map's: each boot's KASLR
		// offset is found in the log.
		set = &symbolSet{table: table, linkTime: true, release: releaseFromName(s.vmlinux)}
		if live := defaultLiveSources(); set.release == "" || set.release == live.release {
			set.live = &annotate.LiveKernel{Release: live.release, Uptime: live.uptime, Offset: liveOffset(live.kallsyms, table)}
		}
	} else {
		var err error
		if set, err = loadTable(o, stdin, diag); err != nil {
			return nil, nil, err
		}
	}
	table := set.table
	layouts, err := readModuleSections(s.moduleSections)
	if err != nil {
		return nil, nil, err
	}
	dir := s.modules
	if dir == "" {
		if rel := kernelRelease(); rel != "" {
			dir = "/lib/modules/" + rel
		}
	}
	mods := &moduleOpener{dir: dir, files: srcline.NewModuleDir(dir), layouts: layouts, table: table, opts: srcline.Options{StripPrefixes: s.strip}, diag: diag}
	table = mods.addSymbols(table)
	mods.table = table

	var core *srcline.File
	var offset uint64
	if s.vmlinux != "" {
		core, offset = openCore(s.vmlinux, table, srcline.Options{StripPrefixes: s.strip}, diag)
		if core != nil {
			mods.machine = core.Machine()
		}
	}
	set.table = table
	return set, srcline.NewSet(core, offset, mods.open), nil
}

// parseELFFile reads the symbol table of an ELF file on disk without
// reading the rest of it (a vmlinux with DWARF is 600 MB).
func parseELFFile(path string) (*symbolize.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, explainOpenError(err)
	}
	defer f.Close()
	if what := compressedMagic(f); what != "" {
		return nil, fmt.Errorf("%s is %s-compressed: decompress it first (it is read in place, not into memory)", path, what)
	}
	return symbolize.ParseELF(f, path)
}

// compressedMagic names the compression of r, or "".
func compressedMagic(r io.ReaderAt) string {
	head := make([]byte, 6)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return "xz"
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return "gzip"
	case bytes.HasPrefix(head, []byte("\x28\xb5\x2f\xfd")):
		return "zstd"
	}
	return ""
}

// openCore opens the vmlinux's DWARF and works out how far the running
// kernel (the table's addresses) lies from the vmlinux's link-time
// addresses. Without DWARF, or for another build than the table's, there
// are no core source lines, which is said, not fatal.
func openCore(path string, table *symbolize.Table, opts srcline.Options, diag *diagnostics) (*srcline.File, uint64) {
	f, err := srcline.Open(path, opts)
	if err != nil {
		diag.warnf("no source lines for the kernel: %v", err)
		return nil, 0
	}
	offset, err := coreOffset(table, f)
	if err != nil {
		f.Close()
		diag.warnf("%s: no source lines for the kernel: %v", path, err)
		return nil, 0
	}
	return f, offset
}

// coreOffset returns the table's addresses less the vmlinux's, from their
// _stext (or _text), after checking that the kernel's text has the same
// length in both: a vmlinux of another build gives wrong lines.
func coreOffset(table *symbolize.Table, vmlinux *srcline.File) (uint64, error) {
	for _, anchor := range []string{"_stext", "_text"} {
		a, ok1 := table.Anchor(anchor)
		b, ok2 := vmlinux.SymbolValue(anchor)
		if !ok1 || !ok2 {
			continue
		}
		if ea, ok := table.Anchor("_etext"); ok {
			if eb, ok := vmlinux.SymbolValue("_etext"); ok && ea-a != eb-b {
				return 0, fmt.Errorf("its text is %#x bytes long, the symbol table's kernel's %#x: another build", eb-b, ea-a)
			}
		}
		return a - b, nil
	}
	return 0, errors.New("neither it nor the symbol table has _stext or _text to align them")
}

// readModuleSections reads --module-sections: a file, or a copy of
// /sys/module.
func readModuleSections(path string) (map[string]*srcline.ModuleLayout, error) {
	if path == "" {
		return nil, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return srcline.ReadModuleSectionsDir(path)
	}
	rc, err := xopen.Open(path, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return srcline.ParseModuleSections(rc, path)
}

// moduleOpener finds, reads and places modules for the source-line
// resolver, and tells once about each it cannot.
type moduleOpener struct {
	dir     string
	files   *srcline.ModuleDir
	layouts map[string]*srcline.ModuleLayout
	table   *symbolize.Table
	opts    srcline.Options
	machine elf.Machine // the vmlinux's; 0 when unknown
	diag    *diagnostics
}

// addSymbols adds to t the symbols of the modules the sections dump
// places and t lacks (a table from a System.map or a vmlinux has none).
func (m *moduleOpener) addSymbols(t *symbolize.Table) *symbolize.Table {
	have := map[string]bool{}
	for _, mod := range t.Modules() {
		have[mod] = true
	}
	for mod, l := range m.layouts {
		if have[mod] || m.dir == "" {
			continue
		}
		path, data, err := m.read(mod)
		if err != nil {
			if !errors.Is(err, srcline.ErrModuleNotFound) {
				m.diag.warnf("module %s: %v", mod, err)
			}
			continue
		}
		syms, err := symbolize.ModuleSymbols(bytes.NewReader(data), path, mod, l.Sections)
		if err != nil {
			m.diag.warnf("module %s: %v", mod, err)
			continue
		}
		t = t.WithModule(mod, syms)
	}
	return t
}

// read finds module mod's file and returns it, decompressed.
func (m *moduleOpener) read(mod string) (string, []byte, error) {
	if m.dir == "" {
		return "", nil, srcline.ErrModuleNotFound
	}
	path, err := m.files.Find(mod)
	if err != nil {
		return "", nil, err
	}
	rc, err := xopen.Open(path, nil)
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return path, data, nil
}

// open opens module mod's DWARF, placed by the sections dump or, without
// one, by the module's symbols in the table, and checks its build id.
func (m *moduleOpener) open(mod string) (*srcline.File, error) {
	path, data, err := m.read(mod)
	if errors.Is(err, srcline.ErrModuleNotFound) {
		m.diag.notef("no source lines for module %s: %v", mod, err)
		return nil, srcline.ErrNoModuleFile
	}
	if err != nil {
		return nil, err
	}
	opts := m.opts
	var buildID []byte
	if l := m.layouts[mod]; l != nil {
		opts.Sections, buildID = l.Sections, l.BuildID
	} else {
		lookup := func(name string) (uint64, bool) {
			locs := m.table.LookupName(name, mod)
			if len(locs) != 1 {
				return 0, false
			}
			return locs[0].Start, true
		}
		if opts.Sections, err = srcline.InferSections(bytes.NewReader(data), path, lookup); err != nil {
			return nil, fmt.Errorf("placing it: %w (pass its load addresses with --module-sections)", err)
		}
	}
	f, err := srcline.NewFile(bytes.NewReader(data), path, opts)
	if err != nil {
		return nil, err
	}
	if err := srcline.CheckBuildID(f, buildID); err != nil {
		return nil, err
	}
	if m.machine != 0 && f.Machine() != m.machine {
		return nil, fmt.Errorf("%s is for %v, the vmlinux for %v", path, f.Machine(), m.machine)
	}
	m.diag.notef("source lines for module %s from %s", mod, filepath.Clean(path))
	return f, nil
}

// lineOptions are the annotator's source-line options for set.
func lineOptions(o *options, set *srcline.Set) *annotate.LineOptions {
	if set == nil {
		return nil
	}
	return &annotate.LineOptions{Resolver: set, Inline: o.src.inline}
}

// reportSources says how many frames got source lines, and the first
// lookup error.
func reportSources(diag *diagnostics, name string, a *annotate.Annotator) {
	st := a.SourceStats()
	if st.Errors > 0 {
		diag.warnf("%s: %d source-line lookups failed, the first: %v", name, st.Errors, st.First)
	}
	if st.Frames > 0 {
		diag.notef("%s: %d frames given source lines", name, st.Frames)
	}
}

// sourceHelp is the help text's example for source lines.
const sourceHelp = `   With source lines and inlined functions, from the kernel's and the
   modules' DWARF (Debian: linux-image-<release>-dbg):
      ksymoops-go -k kallsyms.txt --vmlinux /usr/lib/debug/boot/vmlinux-6.1.0-56-amd64 \
         --modules /usr/lib/debug/lib/modules/6.1.0-56-amd64 crash.log`
