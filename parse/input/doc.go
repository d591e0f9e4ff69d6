// Package input turns the places kernel logs are kept into the plain
// kernel text lines package parse reads: /dev/kmsg records, journald's JSON
// export, and pstore dumps, whose parts are put back in order. Text input
// (dmesg, syslog, journalctl's short formats, consoles, vmcore-dmesg.txt)
// passes through unchanged.
//
// A Reader decodes one source as a stream, a record at a time, so memory
// stays bounded whatever the input's length; only pstore dumps, which must
// be reordered, are read whole, and their size is bounded (MaxPstoreBytes).
package input
