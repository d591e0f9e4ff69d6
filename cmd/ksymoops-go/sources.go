package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen"
	"github.com/ksymoops-go/ksymoops-go/parse"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
	"github.com/ksymoops-go/ksymoops-go/symbolize/annotate"
)

// liveSources are where the running kernel's symbols are looked for.
type liveSources struct {
	kallsyms string   // /proc/kallsyms
	release  string   // uname -r
	uptime   float64  // seconds since boot, 0 when unknown
	maps     []string // System.map candidates, in order
}

// liveKallsyms is the running kernel's kallsyms.
const liveKallsyms = "/proc/kallsyms"

// defaultLiveSources are the running kernel's.
func defaultLiveSources() liveSources {
	release := kernelRelease()
	return liveSources{kallsyms: liveKallsyms, release: release, uptime: uptime(), maps: systemMapPaths(release)}
}

// A symbolSet is a loaded symbol table and what is known about the kernel
// it describes, which decides how far a log can trust it.
type symbolSet struct {
	table    *symbolize.Table
	linkTime bool   // System.map: link-time addresses, to be moved by each boot's KASLR offset
	release  string // the kernel release the table is for, "" when unknown
	live     *annotate.LiveKernel
}

// loadTable builds the symbol table the options ask for: -k, -m, or with
// neither the running kernel's /proc/kallsyms, then its System.map on
// klogd's search path.
func loadTable(o *options, stdin io.Reader, diag *diagnostics) (*symbolSet, error) {
	switch {
	case o.kallsyms != "":
		if o.systemMap != "" {
			diag.warnf("both -k and -m given: using the kallsyms %s, which has module symbols; the System.map is not used", o.kallsyms)
		}
		if o.kaslrOffsetSet {
			diag.warnf("--kaslr-offset ignored: kallsyms addresses are already the running kernel's")
		}
		t, err := parseTable(o.kallsyms, stdin, symbolize.ParseKallsyms, symbolize.ParseKallsymsMapped)
		if err != nil {
			return nil, err
		}
		set := &symbolSet{table: t}
		if o.kallsyms == liveKallsyms {
			live := defaultLiveSources()
			set.release = live.release
			set.live = &annotate.LiveKernel{Release: live.release, Uptime: live.uptime}
		}
		return set, nil
	case o.systemMap != "":
		t, err := parseTable(o.systemMap, stdin, symbolize.ParseSystemMap, symbolize.ParseSystemMapMapped)
		if err != nil {
			return nil, err
		}
		set := &symbolSet{table: t, linkTime: true, release: releaseFromName(o.systemMap)}
		live := defaultLiveSources()
		if set.release == "" || set.release == live.release {
			// The running kernel may be the one of the map and the log:
			// its kallsyms then tells the offset of a log of this boot.
			set.live = &annotate.LiveKernel{Release: live.release, Uptime: live.uptime, Offset: liveOffset(live.kallsyms, t)}
		}
		return set, nil
	}
	return loadLiveTable(o, defaultLiveSources(), diag)
}

// loadModules reads a saved /proc/modules.
func loadModules(path string, stdin io.Reader) (*symbolize.ModuleMap, error) {
	rc, err := xopen.Open(path, stdin)
	if err != nil {
		return nil, explainOpenError(err)
	}
	defer rc.Close()
	name := path
	if path == "-" {
		name = "standard input"
	}
	return symbolize.ParseModules(rc, name)
}

// liveOffset returns a function that reads the running kernel's kallsyms,
// once and only when asked, and returns its KASLR offset against the
// link-time table t. The inputs are annotated in parallel: it may be
// called from several goroutines.
func liveOffset(kallsyms string, t *symbolize.Table) func() (uint64, bool) {
	var (
		once   sync.Once
		offset uint64
		ok     bool
	)
	return func() (uint64, bool) {
		once.Do(func() {
			if live, err := parseFile(kallsyms, nil, symbolize.ParseKallsyms); err == nil {
				offset, ok = anchorOffset(live, t)
				ok = ok && sameBuild(live, t.Relocate(offset))
			}
		})
		return offset, ok
	}
}

// anchorOffset is how far the runtime table's kernel lies above the
// link-time table's: the difference of _text, or of _stext.
func anchorOffset(runtime, link *symbolize.Table) (uint64, bool) {
	for _, name := range []string{"_text", "_stext"} {
		r, ok1 := runtime.Anchor(name)
		l, ok2 := link.Anchor(name)
		if ok1 && ok2 && r >= l {
			return r - l, true
		}
	}
	return 0, false
}

// sameBuild reports whether two tables of the core kernel, at the same
// offset, are of the same build: symbols spread over the runtime table are
// found at the same addresses, with the same sizes, in the other.
func sameBuild(runtime, moved *symbolize.Table) bool {
	lo, hi, ok := runtime.KernelRange()
	if !ok {
		return false
	}
	const samples = 64
	step := (hi - lo) / samples
	checked, same := 0, 0
	for i := uint64(0); i < samples && step > 0; i++ {
		want, ok := runtime.Lookup(lo + i*step)
		if !ok || want.Module != "" {
			continue
		}
		checked++
		if got, ok := moved.Lookup(lo + i*step); ok && got.Name == want.Name && got.Offset == want.Offset && got.Size == want.Size {
			same++
		}
	}
	return checked > 0 && same*10 >= checked*9
}

// releaseFromName takes the kernel release from a symbol file named like
// Debian's and kbuild's install: "System.map-6.1.0-56-amd64" (also
// compressed, "....xz").
func releaseFromName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".xz", ".gz", ".zst"} {
		base = strings.TrimSuffix(base, ext)
	}
	for _, prefix := range []string{"System.map-", "vmlinux-", "kallsyms-"} {
		if rel, ok := strings.CutPrefix(base, prefix); ok {
			if major, _, ok := parse.ReleaseVersion(rel); ok && major > 0 {
				return rel
			}
		}
	}
	return ""
}

// uptime is the running kernel's seconds since boot, 0 when unknown.
func uptime() float64 {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return 0
	}
	return v
}

// parseTable parses a symbol file the user named: mapped into memory when
// it is a plain file, so that it is not copied (the table's names point
// into the mapping, which lives as long as the process: it is never
// unmapped once a table uses it), read otherwise. The pages already
// parsed are released as the parser goes (releasePages).
func parseTable(path string, stdin io.Reader, parse func(io.Reader, string) (*symbolize.Table, error), parseMapped func([]byte, string, func([]byte)) (*symbolize.Table, error)) (*symbolize.Table, error) {
	if data, unmap, ok := xopen.Map(path); ok {
		t, err := parseMapped(data, path, releasePages)
		if err != nil {
			unmap()
		}
		return t, err
	}
	return parseFile(path, stdin, parse)
}

func parseFile(path string, stdin io.Reader, parse func(io.Reader, string) (*symbolize.Table, error)) (*symbolize.Table, error) {
	rc, err := xopen.Open(path, stdin)
	if err != nil {
		return nil, explainOpenError(err)
	}
	defer rc.Close()
	name := path
	if path == "-" {
		name = "standard input"
	}
	t, err := parse(rc, name)
	var xe *xopen.Error
	if errors.As(err, &xe) {
		// Bad compressed data: the decompressor's error names the file.
		return nil, xe
	}
	return t, err
}

// loadLiveTable finds the running kernel's symbols.
func loadLiveTable(o *options, live liveSources, diag *diagnostics) (*symbolSet, error) {
	lk := &annotate.LiveKernel{Release: live.release, Uptime: live.uptime}
	t, kerr := parseFile(live.kallsyms, nil, symbolize.ParseKallsyms)
	if kerr == nil {
		if o.kaslrOffsetSet {
			diag.warnf("--kaslr-offset ignored: %s has the running kernel's addresses", live.kallsyms)
		}
		return &symbolSet{table: t, release: live.release, live: lk}, nil
	}
	for _, path := range live.maps {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t, err := parseFile(path, nil, symbolize.ParseSystemMap)
		if err != nil {
			diag.warnf("%v", err)
			continue
		}
		diag.notef("%s unusable (%v); using %s", live.kallsyms, shortError(kerr), path)
		if !o.kaslrOffsetSet {
			diag.notef("a System.map has link-time addresses: the KASLR offset of each boot is taken from the log's evidence; " +
				"where it has none, pass the \"Kernel Offset:\" of its panic with --kaslr-offset, or a kallsyms read as root with -k")
		}
		return &symbolSet{table: t, linkTime: true, release: live.release, live: lk}, nil
	}
	return nil, fmt.Errorf("no symbol table: %w; and no System.map for release %q in %s. "+
		"Pass a saved kallsyms with -k or the kernel's System.map with -m",
		kerr, live.release, strings.Join(live.maps, ", "))
}

// systemMapPaths is klogd's search path for System.map, with and without
// the release suffix.
func systemMapPaths(release string) []string {
	var paths []string
	for _, p := range []string{"/boot/System.map", "/System.map", "/usr/src/linux/System.map"} {
		if release != "" {
			paths = append(paths, p+"-"+release)
		}
		paths = append(paths, p)
	}
	if release != "" {
		paths = append(paths, "/lib/modules/"+release+"/build/System.map", "/usr/lib/debug/boot/System.map-"+release)
	}
	return paths
}

// kernelRelease is `uname -r` of the running kernel.
func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// explainOpenError says what to do about the usual reasons a symbol file
// cannot be opened.
func explainOpenError(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w (run as root, or pass a readable copy with -k or -m)", err)
	}
	return err
}

func shortError(err error) string {
	s := err.Error()
	if i := strings.Index(s, " (kernel.kptr_restrict"); i > 0 {
		return s[:i] + " (kptr_restrict)"
	}
	return s
}
