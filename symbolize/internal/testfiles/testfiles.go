// Package testfiles reads the repository's shared test data for the tests
// of package symbolize and its subpackages.
package testfiles

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// Dir returns the repository's testdata directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata")
}

// Read returns testdata/rel, decompressed when it ends in ".xz".
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(), rel))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rel, ".xz") {
		return b
	}
	r, err := xz.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if b, err = io.ReadAll(r); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return b
}

// Golden compares got with the golden file, or writes it when update is
// set. On a difference it writes got beside it as file.out and reports
// the first differing line.
func Golden(t testing.TB, file string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	os.WriteFile(file+".out", got, 0o644)
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		gl, wl := "(end)", "(end)"
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("output differs from %s (see %s.out; go test -update rewrites it), first at line %d:\n got  %q\n want %q", file, file, i+1, gl, wl)
			return
		}
	}
}
