package xopen

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

const line = "[    4.579878]  0xffffffff8122a3b2\r\n"

func TestOpenFormats(t *testing.T) {
	dir := t.TempDir()
	var gz, zs, x bytes.Buffer
	g := gzip.NewWriter(&gz)
	g.Write([]byte(line))
	g.Close()
	z, _ := zstd.NewWriter(&zs)
	z.Write([]byte(line))
	z.Close()
	w, _ := xz.NewWriter(&x)
	w.Write([]byte(line))
	w.Close()
	for name, data := range map[string][]byte{"plain": []byte(line), "gz": gz.Bytes(), "zst": zs.Bytes(), "xz": x.Bytes()} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		rc, err := Open(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != line {
			t.Errorf("%s: got %q, %v", name, got, err)
		}
	}
	rc, err := Open("-", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(rc); string(got) != line {
		t.Errorf("stdin: %q", got)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	trunc := filepath.Join(dir, "trunc.xz")
	var x bytes.Buffer
	w, _ := xz.NewWriter(&x)
	w.Write(bytes.Repeat([]byte(line), 1000))
	w.Close()
	os.WriteFile(trunc, x.Bytes()[:x.Len()/2], 0o644)
	rc, err := Open(trunc, nil)
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "trunc.xz") {
		t.Errorf("truncated xz: %v", err)
	}
}
