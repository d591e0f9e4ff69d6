package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadLiveTable follows the search for the running kernel's symbols
// with stand-ins for /proc/kallsyms and klogd's System.map paths.
func TestLoadLiveTable(t *testing.T) {
	dir := t.TempDir()
	restricted := writeFile(t, filepath.Join(dir, "kallsyms"), []byte("0000000000000000 T _stext\n0000000000000000 T _etext\n"))
	good := writeFile(t, filepath.Join(dir, "kallsyms-root"), []byte("ffffffff81000000 T _stext\nffffffff81000100 T foo\n"))
	realMap := writeFile(t, filepath.Join(dir, "System.map-6.1.192-nokallsyms"), readXZ(t, nokallsymsMap))
	missing := filepath.Join(dir, "System.map-missing")
	load := func(o *options, live liveSources) (string, string, error) {
		var stderr bytes.Buffer
		tab, err := loadLiveTable(o, live, &diagnostics{w: &stderr, quiet: o.quiet})
		src := ""
		if tab != nil {
			src = tab.table.Source()
		}
		return src, stderr.String(), err
	}

	// A readable kallsyms is used, and an offset ignored with a warning.
	src, msg, err := load(&options{kaslrOffset: 0x1000, kaslrOffsetSet: true}, liveSources{kallsyms: good, maps: []string{realMap}})
	if err != nil || !strings.Contains(src, good) || !strings.Contains(msg, "--kaslr-offset ignored") {
		t.Errorf("readable kallsyms: %q %q %v", src, msg, err)
	}

	// kptr_restrict: the System.map search skips missing files, warns about
	// the placeholder and uses the first real one, saying why.
	live := liveSources{kallsyms: restricted, release: "6.1.192-nokallsyms", maps: []string{missing, placeholder, realMap}}
	src, msg, err = load(&options{}, live)
	if err != nil || !strings.Contains(src, realMap) {
		t.Fatalf("fallback: %q %v\n%s", src, err, msg)
	}
	for _, w := range []string{"placeholder", restricted + " unusable", "kptr_restrict", "using " + realMap, "--kaslr-offset"} {
		if !strings.Contains(msg, w) {
			t.Errorf("fallback: stderr lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, missing) {
		t.Errorf("a missing candidate was reported:\n%s", msg)
	}
	// With the offset given, no advice about it; -q says nothing.
	if _, msg, err = load(&options{kaslrOffset: 0xd400000, kaslrOffsetSet: true}, live); err != nil || strings.Contains(msg, "--kaslr-offset") {
		t.Errorf("fallback with an offset: %v\n%s", err, msg)
	}
	if _, msg, err = load(&options{quiet: true}, live); err != nil || msg != "" {
		t.Errorf("fallback with -q: %v %q", err, msg)
	}

	// Nothing usable: the error says what was tried and what to do.
	_, _, err = load(&options{quiet: true}, liveSources{kallsyms: restricted, release: "6.1.0-99-amd64", maps: []string{missing}})
	if err == nil {
		t.Fatal("no error without any symbol table")
	}
	for _, w := range []string{restricted, "kptr_restrict", "6.1.0-99-amd64", missing, "-k", "-m"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestSystemMapPaths(t *testing.T) {
	got := strings.Join(systemMapPaths("6.1.0-56-amd64"), " ")
	for _, w := range []string{"/boot/System.map-6.1.0-56-amd64", "/boot/System.map", "/usr/lib/debug/boot/System.map-6.1.0-56-amd64", "/lib/modules/6.1.0-56-amd64/build/System.map"} {
		if !strings.Contains(got, w+" ") && !strings.HasSuffix(got, w) {
			t.Errorf("search path lacks %s: %s", w, got)
		}
	}
	if got := systemMapPaths(""); strings.Contains(strings.Join(got, " "), "-") {
		t.Errorf("without a release: %v", got)
	}
}
