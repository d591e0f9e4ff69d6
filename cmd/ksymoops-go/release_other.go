//go:build !linux

package main

// releasePages is madvise(MADV_DONTNEED) on Linux; elsewhere the pages
// stay.
func releasePages(b []byte) {}
