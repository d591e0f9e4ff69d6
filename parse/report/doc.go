// Package report finds the kernel reports in a log stream: oopses, BUGs,
// WARNINGs, panics, KASAN/KMSAN/KFENCE/UBSAN findings, lockdep splats,
// hung tasks, RCU stalls and kmemleak leaks, on x86, arm, arm64, powerpc,
// riscv and s390.
//
// An Extractor is fed a log one line at a time and hands back each report
// once its end is known: its byte range in the input, a one-line title in
// syzkaller's conventions (what kernel CI dashboards deduplicate on), the
// guilty frame, the stack, and the facts the kernel printed about the
// crash (CPU, process, taint, release, modules, whether it panicked). It
// holds at most a bounded number of lines per report, so memory stays
// bounded whatever the input.
//
// The tables are data: the lines that open a report (headers.go), the ways
// a stack entry is printed (frames.go), the frames that are never to blame
// (guilty.go) and the title classes (types.go).
package report
