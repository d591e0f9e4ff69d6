//go:build unix

package srcline

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps f read-only into memory. The mapping is shared with the
// page cache, so a warm file costs no copy and only the pages touched
// count towards the process's memory. An empty file maps to nil.
func mapFile(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%d bytes: too large to map", size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	// The DWARF of a vmlinux is read at a few scattered places; read-ahead
	// would only fill memory with pages nobody looks at.
	_ = syscall.Madvise(data, syscall.MADV_RANDOM)
	return data, nil
}

func unmapFile(data []byte) error {
	if data == nil {
		return nil
	}
	return syscall.Munmap(data)
}
