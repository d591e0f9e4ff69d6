//go:build unix

package xopen

import "syscall"

// Map maps a regular, uncompressed file into memory, read-only, so that a
// large symbol file is not copied (and its pages not counted twice). ok is
// false when the file should be read through Open instead: standard input,
// a compressed, empty or special file, or a mapping the system refused.
// The mapping lives until unmap is called.
func Map(path string) (data []byte, unmap func() error, ok bool) {
	f, size, ok := Plain(path)
	if !ok {
		return nil, nil, false
	}
	defer f.Close()
	if size == 0 || size != int64(int(size)) {
		return nil, nil, false
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, false
	}
	return data, func() error { return syscall.Munmap(data) }, true
}
