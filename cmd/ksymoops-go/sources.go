package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen"
	"github.com/ksymoops-go/ksymoops-go/symbolize"
)

// liveSources are where the running kernel's symbols are looked for.
type liveSources struct {
	kallsyms string   // /proc/kallsyms
	release  string   // uname -r
	maps     []string // System.map candidates, in order
}

// defaultLiveSources are the running kernel's.
func defaultLiveSources() liveSources {
	release := kernelRelease()
	return liveSources{kallsyms: "/proc/kallsyms", release: release, maps: systemMapPaths(release)}
}

// loadTable builds the symbol table the options ask for: -k, -m, or with
// neither the running kernel's /proc/kallsyms, then its System.map on
// klogd's search path.
func loadTable(o *options, stdin io.Reader, diag *diagnostics) (*symbolize.Table, error) {
	switch {
	case o.kallsyms != "":
		if o.systemMap != "" {
			diag.warnf("both -k and -m given: using the kallsyms %s, which has module symbols; the System.map is not used", o.kallsyms)
		}
		if o.kaslrOffsetSet {
			diag.warnf("--kaslr-offset ignored: kallsyms addresses are already the running kernel's")
		}
		return parseFile(o.kallsyms, stdin, symbolize.ParseKallsyms)
	case o.systemMap != "":
		t, err := parseFile(o.systemMap, stdin, symbolize.ParseSystemMap)
		if err != nil {
			return nil, err
		}
		return t.Relocate(o.kaslrOffset), nil
	}
	return loadLiveTable(o, defaultLiveSources(), diag)
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
func loadLiveTable(o *options, live liveSources, diag *diagnostics) (*symbolize.Table, error) {
	t, kerr := parseFile(live.kallsyms, nil, symbolize.ParseKallsyms)
	if kerr == nil {
		if o.kaslrOffsetSet {
			diag.warnf("--kaslr-offset ignored: %s has the running kernel's addresses", live.kallsyms)
		}
		return t, nil
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
			diag.notef("a System.map has link-time addresses: if this kernel was randomized (KASLR), " +
				"pass the \"Kernel Offset:\" of its panic with --kaslr-offset, or a kallsyms read as root with -k")
		}
		return t.Relocate(o.kaslrOffset), nil
	}
	return nil, fmt.Errorf("no symbol table: %s: %w; and no System.map for release %q in %s. "+
		"Pass a saved kallsyms with -k or the kernel's System.map with -m",
		live.kallsyms, kerr, live.release, strings.Join(live.maps, ", "))
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
