package xopen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksymoops-go/ksymoops-go/cmd/internal/xopen/xopentest"
)

const line = "[    4.579878]  0xffffffff8122a3b2\r\n"

// text is long enough that its compressed forms have a body worth
// truncating and corrupting, and varied enough not to compress to nothing.
var text = func() string {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "[%5d.%06d]  0xffffffff81%06x\r\n", i/100, i*7919%1000000, i*104729%0x1000000)
	}
	return b.String()
}()

// formats are the inputs Open reads: plain, then every compressed format.
var formats = append([]xopentest.Format{
	{Name: "plain", Compress: func(_ testing.TB, data []byte) []byte { return data }},
}, xopentest.Formats()...)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens path and reads it to the end, closing it.
func readAll(path string, stdin io.Reader) (string, error) {
	rc, err := Open(path, stdin)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return string(b), err
}

func TestOpenFormats(t *testing.T) {
	dir := t.TempDir()
	for _, f := range formats {
		for _, data := range []string{line, text} {
			// The name says nothing: the format is told by its magic.
			p := writeFile(t, dir, f.Name+"-data", f.Compress(t, []byte(data)))
			if got, err := readAll(p, nil); err != nil || got != data {
				t.Errorf("%s file: %d bytes, %v; want %d bytes", f.Name, len(got), err, len(data))
			}
			got, err := readAll("-", bytes.NewReader(f.Compress(t, []byte(data))))
			if err != nil || got != data {
				t.Errorf("%s on standard input: %d bytes, %v; want %d bytes", f.Name, len(got), err, len(data))
			}
		}
	}
}

// TestOpenConcatenated: `cat a.gz b.gz`, `cat a.xz b.xz`, `cat a.zst b.zst`
// are valid files of their format and decompress to both parts.
func TestOpenConcatenated(t *testing.T) {
	dir := t.TempDir()
	for _, f := range formats[1:] {
		data := append(f.Compress(t, []byte(line)), f.Compress(t, []byte("second\n"))...)
		p := writeFile(t, dir, f.Name, data)
		if got, err := readAll(p, nil); err != nil || got != line+"second\n" {
			t.Errorf("%s: %q, %v", f.Name, got, err)
		}
	}
}

// TestOpenShortInputs: inputs shorter than any magic, or starting like one,
// are plain text.
func TestOpenShortInputs(t *testing.T) {
	dir := t.TempDir()
	for _, data := range []string{"", "\n", "x", "\x1f", "\xfd7zX", "(\xb5/", "(no oops here)\n", "\x1fx\n"} {
		p := writeFile(t, dir, "short", []byte(data))
		if got, err := readAll(p, nil); err != nil || got != data {
			t.Errorf("%q: got %q, %v", data, got, err)
		}
		if got, err := readAll("-", strings.NewReader(data)); err != nil || got != data {
			t.Errorf("%q on standard input: got %q, %v", data, got, err)
		}
	}
}

// TestOpenDoesNotWaitForMagic: on a live pipe (dmesg -w | ksymoops-go) the
// first line must be readable as soon as it arrives, even when it is
// shorter than the longest magic; Open must not wait for more input.
func TestOpenDoesNotWaitForMagic(t *testing.T) {
	for _, first := range []string{"ab\n", "\n", "\x1f\n"} {
		pr, pw := io.Pipe()
		go pw.Write([]byte(first)) // then the writer stays silent
		done := make(chan string, 1)
		go func() {
			rc, err := Open("-", pr)
			if err != nil {
				done <- "error: " + err.Error()
				return
			}
			b := make([]byte, 64)
			n, err := rc.Read(b)
			if err != nil {
				done <- "error: " + err.Error()
				return
			}
			done <- string(b[:n])
		}()
		select {
		case got := <-done:
			if got != first {
				t.Errorf("first read %q, want %q", got, first)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Open blocked on a %d-byte first chunk waiting for more input", len(first))
		}
		pw.Close()
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "directory") || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: %v", err)
	}
	missing := filepath.Join(dir, "missing.log")
	if _, err := Open(missing, nil); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	for _, f := range formats[1:] {
		full := f.Compress(t, []byte(text))
		corrupt := bytes.Clone(full)
		for i := len(corrupt) / 3; i < len(corrupt)/3+8; i++ {
			corrupt[i] ^= 0x55
		}
		badHeader := bytes.Clone(full)
		for i := len(full) / 2; i < len(full); i++ {
			badHeader[i] = 0
		}
		cases := map[string][]byte{
			"truncated":      full[:len(full)/2],
			"truncated-tail": full[:len(full)-1],
			"corrupt":        corrupt,
			"zeroed-half":    badHeader,
			"magic-only":     full[:6],
		}
		for what, data := range cases {
			name := f.Name + "-" + what
			p := writeFile(t, dir, name, data)
			_, err := readAll(p, nil)
			var xe *Error
			if !errors.As(err, &xe) || xe.Name != p || strings.Count(err.Error(), p) != 1 {
				t.Errorf("%s: error %v does not name the file once", name, err)
			}
			if _, err := readAll("-", bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), "standard input") {
				t.Errorf("%s on standard input: error %v does not say standard input", name, err)
			}
		}
	}
}

// closeCounter counts Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestReaderClosesUnderlying(t *testing.T) {
	for _, f := range formats {
		cc := &closeCounter{Reader: bytes.NewReader(f.Compress(t, []byte(line)))}
		rc, err := Reader(cc, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(rc); err != nil || string(b) != line {
			t.Errorf("%s: %q %v", f.Name, b, err)
		}
		rc.Close()
		if cc.closed != 1 {
			t.Errorf("%s: underlying reader closed %d times", f.Name, cc.closed)
		}
	}
	// A header that cannot be decoded closes the input too.
	cc := &closeCounter{Reader: bytes.NewReader([]byte{0xfd, '7', 'z', 'X', 'Z', 0, 0xff, 0xff, 0xff})}
	if _, err := Reader(cc, "bad.xz"); err == nil || cc.closed != 1 || !strings.Contains(err.Error(), "bad.xz") {
		t.Errorf("bad xz header: %v, closed %d times", err, cc.closed)
	}
}

// TestPlain: a plain file is opened for reading at any offset, with its
// size; compressed files, directories, standard input and missing files
// are left to Open.
func TestPlain(t *testing.T) {
	dir := t.TempDir()
	for _, f := range formats {
		path := writeFile(t, dir, f.Name, f.Compress(t, []byte(text)))
		file, size, ok := Plain(path)
		if ok != (f.Name == "plain") {
			t.Errorf("%s: Plain says %v", f.Name, ok)
		}
		if !ok {
			continue
		}
		b := make([]byte, 10)
		if _, err := file.ReadAt(b, size-10); err != nil || string(b) != text[len(text)-10:] || size != int64(len(text)) {
			t.Errorf("%s: size %d, tail %q, %v", f.Name, size, b, err)
		}
		file.Close()
	}
	for _, path := range []string{"-", dir, filepath.Join(dir, "missing")} {
		if _, _, ok := Plain(path); ok {
			t.Errorf("%s: Plain says ok", path)
		}
	}
	empty := writeFile(t, dir, "empty", nil)
	if f, size, ok := Plain(empty); !ok || size != 0 {
		t.Errorf("empty file: %v, size %d", ok, size)
	} else {
		f.Close()
	}
}
