//go:build unix

package xopen

import (
	"bytes"
	"os"
	"syscall"
)

// Map maps a regular, uncompressed file into memory, read-only, so that a
// large symbol file is not copied (and its pages not counted twice). ok is
// false when the file should be read through Open instead: standard input,
// a compressed, empty or special file, or a mapping the system refused.
// The mapping lives until unmap is called.
func Map(path string) (data []byte, unmap func() error, ok bool) {
	if path == "-" {
		return nil, nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.Size() != int64(int(fi.Size())) {
		return nil, nil, false
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, false
	}
	for _, m := range [][]byte{magicXZ, magicGzip, magicZstd} {
		if bytes.HasPrefix(data, m) {
			syscall.Munmap(data)
			return nil, nil, false
		}
	}
	return data, func() error { return syscall.Munmap(data) }, true
}
