// Package parse reads kernel log text as a stream and finds the kernel
// addresses in it.
//
// A log line is split into the prefix its collector added (dmesg
// timestamps, caller ids, printk levels, syslog and journalctl headers) and
// the kernel's own text. The kernel's text is matched against a table of
// line formats (formats.go), each naming the addresses it holds and how the
// kernel printed them (Role). Every Token carries its byte offsets in the
// line, so a caller can splice annotations in without parsing again
// (Splice). The parser knows nothing of symbol files: package symbolize
// answers the lookups.
package parse
