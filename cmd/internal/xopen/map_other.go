//go:build !unix

package xopen

// Map reports that files are read through Open on this system.
func Map(path string) (data []byte, unmap func() error, ok bool) {
	return nil, nil, false
}
