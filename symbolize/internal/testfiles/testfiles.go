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
