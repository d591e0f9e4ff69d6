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
	head, _ := br.Peek(6)
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
		return nil, fmt.Errorf("%s: bad compressed data: %w", name, err)
	}
	return readCloser{&errorNamer{dec, name}, rc, end}, nil
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
		err = fmt.Errorf("%s: decompressing: %w", e.name, err)
	}
	return n, err
}
