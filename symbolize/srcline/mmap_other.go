//go:build !unix

package srcline

import (
	"io"
	"os"
)

// mapFile reads f whole where memory mapping is not available.
func mapFile(f *os.File) ([]byte, error) { return io.ReadAll(f) }

func unmapFile([]byte) error { return nil }
