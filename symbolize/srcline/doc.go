// Package srcline maps kernel code addresses to source lines with the
// DWARF of a vmlinux or a module (.ko): for each address, the chain of
// functions inlined at it, innermost first, each with its file and line,
// as `addr2line -f -i` prints them.
//
// It is built for one-shot use on large files: a 600 MB vmlinux is mapped
// into memory, not read, and only the compilation units holding the
// looked-up addresses are decoded (found through .debug_aranges), each
// once. A module is a relocatable ELF file: its sections are placed at the
// addresses the kernel loaded them at (a /sys/module/<m>/sections dump, or
// inferred from the module's symbols in a kallsyms table) and the
// relocations of its debug sections are applied before its DWARF is read.
package srcline
