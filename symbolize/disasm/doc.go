// Package disasm decodes the "Code:" line of a kernel report: the bytes
// around the faulting instruction, disassembled in-process with
// golang.org/x/arch (x86asm for x86-64 and i386, arm64asm, armasm), where
// ksymoops, the kernel's scripts/decodecode and syzkaller run objdump.
//
// The kernel prints the line in three forms (Form): x86's bytes with the
// one at the IP in angle brackets, arm64's and ARM's instruction words
// with the one at the PC in parentheses, and ARM's Thumb halfwords.
// ParseCode reads them; lines where the kernel could not read the bytes
// ("Unable to access opcode bytes at ...", "Bad RIP value.") and anything
// malformed are errors, and such lines are left alone. Code.Disassemble
// decodes for a Machine; AppendListing formats the result as lines to add
// after the Code: line, each opening with Marker:
//
//	[   13.079596] Code: 85 c0 75 13 48 8b 05 e9 22 00 00 ... 85 c0 75 07 <0f> 0b e9 90 ...
//	Code| x86-64 disassembly of the Code: line above; * marks the trapping instruction
//	...
//	Code|   ffffffffc0201105:  e8 86 b7 7e c1        call   ffffffff819ec890 <strcmp+0x0/0x30>
//	Code|   ffffffffc020110a:  85 c0                 test   %eax,%eax
//	Code|   ffffffffc020110c:  75 07                 jne    ffffffffc0201115 <oopsdemo_level3+0x58/0xfe [oopsdemo]>
//	Code| * ffffffffc020110e:  0f 0b                 ud2     <-- trapping instruction
//	Code|   ffffffffc0201110:  e9 90 00 00 00        jmp    ffffffffc02011a5 <oopsdemo_level3+0xe8/0xfe [oopsdemo]>
//
// # Wiring it into a log rewriter
//
// For each log line:
//
//  1. A line for which IsListingLine holds was added by an earlier run:
//     pass it through (or drop it with StripListings).
//  2. FindCode finds the text of a Code: line; ParseCode parses it. On an
//     error, leave the line alone.
//  3. The Machine comes from the report: its architecture is the
//     parse.Parser's (parse.Parser.Arch, learnt from "RIP:", "pstate:",
//     " psr:", "PC is at", ... or fixed by --arch); for x86 the width is
//     the last X86Bits seen ("RIP:" 64, "EIP:" 32, "RIP: 0023:" 32 for
//     compat user code), which the kernel prints just before Code:.
//  4. The trapping address is the report's IP: the raw address of
//     "RIP: 0010:0x..." or "pc : [<...>]", or for "RIP: 0010:func+0x32/0xfe"
//     func's address plus 0x32 when the symbol table knows func; else 0,
//     and the listing shows offsets from the trapping byte.
//  5. The symbolizer names targets as %pS does, through the same table;
//     give none for user-space code (an x86 "RIP: 0033:").
//  6. Append the listing after the Code: line, with that line's own
//     terminator. To stay idempotent, hold it until the next line is read:
//     if that line IsListingLine, the input already carries a listing and
//     the new one is dropped.
//
// Decoding is bounded: a Code: line is read in one linear pass and at most
// MaxBytes bytes are taken from it; x86's search for where the bytes before
// the IP start decodes each offset once.
//
// Disassemble is safe for concurrent use. golang.org/x/arch's arm and
// arm64 decoders record coverage in package variables on every call, so
// the calls into them are serialised (arm.go).
package disasm
