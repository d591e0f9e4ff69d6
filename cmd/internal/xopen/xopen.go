// Package xopen opens input files, decompressing xz, gzip and zstd
// transparently (recognised by their magic bytes, not their names).
package xopen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

var (
	magicXZ   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Open opens path ("-" is stdin) and returns a reader of its decompressed
// contents. The caller closes it.
func Open(path string, stdin io.Reader) (io.ReadCloser, error) {
	if path == "-" {
		return Reader(io.NopCloser(stdin), "standard input")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory, not a file", path)
	}
	return Reader(f, path)
}

// Reader wraps rc, decompressing it if it starts with a known magic.
func Reader(rc io.ReadCloser, name string) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(rc, 64<<10)
	head := sniff(br)
	var (
		dec io.Reader
		err error
		end func()
	)
	switch {
	case bytes.HasPrefix(head, magicXZ):
		dec, err = xz.NewReader(br)
	case bytes.HasPrefix(head, magicGzip):
		var g *gzip.Reader
		g, err = gzip.NewReader(br)
		dec = g
	case bytes.HasPrefix(head, magicZstd):
		var z *zstd.Decoder
		z, err = zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if z != nil {
			end = z.Close
		}
		dec = z
	default:
		return readCloser{br, rc, nil}, nil
	}
	if err != nil {
		rc.Close()
		return nil, &Error{Name: name, Op: "bad compressed data", Err: err}
	}
	return readCloser{&errorNamer{dec, name}, rc, end}, nil
}

// sniff returns enough of the start of br to tell whether it begins with
// a known magic. It asks for more bytes only while what has arrived could
// still be the start of one: a live stream (dmesg -w) whose first line is
// shorter than a magic must not wait for the next line before it is read.
func sniff(br *bufio.Reader) []byte {
	head, err := br.Peek(1) // one read, of whatever is there
	for err == nil {
		head, _ = br.Peek(br.Buffered())
		if !undecided(head) {
			break
		}
		head, err = br.Peek(len(head) + 1)
	}
	return head
}

// undecided reports whether head is a proper prefix of a magic.
func undecided(head []byte) bool {
	for _, m := range [][]byte{magicXZ, magicGzip, magicZstd} {
		if len(head) < len(m) && bytes.HasPrefix(m, head) {
			return true
		}
	}
	return false
}

type readCloser struct {
	io.Reader
	c   io.Closer
	end func()
}

func (r readCloser) Close() error {
	if r.end != nil {
		r.end()
	}
	return r.c.Close()
}

// errorNamer names the file in decompression errors that surface later,
// mid-stream.
type errorNamer struct {
	r    io.Reader
	name string
}

func (e *errorNamer) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		err = &Error{Name: e.name, Op: "decompressing", Err: err}
	}
	return n, err
}

// Error is a failure to decompress an input. Its message names the input,
// so callers need not.
type Error struct {
	Name string // the path, or "standard input"
	Op   string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s: %v", e.Name, e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Plain opens path when it is a regular file that is not compressed, to be
// read at any offset (io.ReaderAt); ok is false for anything else (standard
// input, a compressed or special file, an error), which is read through
// Open. The caller closes f.
func Plain(path string) (f *os.File, size int64, ok bool) {
	if path == "-" {
		return nil, 0, false
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		// Not opened: opening a FIFO would take the one reading of it
		// from whoever opens it next.
		return nil, 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, false
	}
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	for _, m := range [][]byte{magicXZ, magicGzip, magicZstd} {
		if bytes.HasPrefix(head[:n], m) {
			f.Close()
			return nil, 0, false
		}
	}
	return f, fi.Size(), true
}
