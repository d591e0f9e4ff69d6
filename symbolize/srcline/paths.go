package srcline

import (
	"path"
	"strings"
)

// fullPath returns a file name of the line table as addr2line shows it.
// In DWARF 5 the directories of the line table are relative to the build
// directory, which debug/dwarf does not prepend; file names in the build
// directory itself already have it.
func fullPath(p, compDir string) string {
	if p == "" || compDir == "" || path.IsAbs(p) {
		return p
	}
	if _, ok := cutDir(p, path.Clean(compDir)); ok {
		return p
	}
	return path.Join(compDir, p)
}

// stripPath shortens a source path for display (see
// Options.StripPrefixes). compDir is the unit's build directory.
func (f *File) stripPath(p, compDir string) string {
	if p == "" {
		return p
	}
	if f.strip != nil {
		for _, pre := range f.strip {
			if rest, ok := cutDir(p, pre); ok {
				return rest
			}
		}
		return p
	}
	return defaultStrip(path.Clean(p), compDir)
}

// defaultStrip shows p relative to the kernel's tree: relative to the
// build directory when inside it ("fs/read_write.c"); relative to the
// directory above it that holds the kernel's sources when the build
// directory is a separate output tree (kbuild's O=: Debian builds in
// <src>/debian/build/build_amd64_none_amd64, and the assembler names its
// sources <src>/arch/x86/entry/entry_64.S); and as it is otherwise: an
// external module's source, /usr/src/oopsdemo-1.0/oopsdemo.c, is best
// shown whole, as its WARN lines show it.
func defaultStrip(p, compDir string) string {
	if compDir == "" {
		return p
	}
	dir := path.Clean(compDir)
	if rest, ok := cutDir(p, dir); ok {
		return rest
	}
	for d := path.Dir(dir); d != "." && d != "/" && d != dir; dir, d = d, path.Dir(d) {
		if rest, ok := cutDir(p, d); ok {
			if top, _, _ := strings.Cut(rest, "/"); kernelTopDirs[top] {
				return rest
			}
			return p
		}
	}
	return p
}

// cutDir returns p relative to dir when p is inside dir.
func cutDir(p, dir string) (string, bool) {
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" || len(p) <= len(dir)+1 || !strings.HasPrefix(p, dir) || p[len(dir)] != '/' {
		return "", false
	}
	return strings.TrimLeft(p[len(dir)+1:], "/"), true
}

// kernelTopDirs are the top-level directories of the kernel's source tree.
var kernelTopDirs = map[string]bool{
	"arch": true, "block": true, "certs": true, "crypto": true, "drivers": true, "fs": true,
	"include": true, "init": true, "io_uring": true, "ipc": true, "kernel": true, "lib": true,
	"mm": true, "net": true, "rust": true, "samples": true, "scripts": true, "security": true,
	"sound": true, "tools": true, "usr": true, "virt": true,
}
