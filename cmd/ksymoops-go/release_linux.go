package main

import (
	"os"
	"syscall"
	"unsafe"
)

// releasePages drops the whole pages of b, part of a read-only mapping of
// a file, from the process's memory (madvise MADV_DONTNEED). They stay
// mapped: reading them again reads the file again (from the page cache).
// The symbol parsers call it behind them, so that a 4 MB kallsyms does not
// count in the process's peak memory; only the pages of the names printed
// come back.
func releasePages(b []byte) {
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(b))) &^ (page - 1)
	if hi <= lo {
		return
	}
	syscall.Madvise(b[lo-start:hi-start], syscall.MADV_DONTNEED) // advice: an error changes nothing
}
