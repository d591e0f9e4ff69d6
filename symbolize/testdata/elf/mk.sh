#!/bin/bash
# Rebuilds the ELF fuzz seeds from kernel.S and ksyms.S (binutils), and
# writes them as seed corpus entries of FuzzParseELF.
set -e
cd "$(dirname "$0")"
as --64 -o kernel64.o kernel.S
ld --no-warn-rwx-segments -m elf_x86_64 -T kernel.ld -o kernel64.elf kernel64.o
as --32 -o kernel32.o kernel.S
sed 's/0xffffffff81000000/0xc1000000/' kernel.ld > kernel32.ld
ld --no-warn-rwx-segments -m elf_i386 -T kernel32.ld -o kernel32.elf kernel32.o
as --64 -o ksyms.elf ksyms.S
for f in kernel64.elf kernel32.elf ksyms.elf; do objcopy -R .comment -R .note.gnu.property -R .note.GNU-stack "$f"; done
rm -f kernel64.o kernel32.o kernel32.ld
mkdir -p ../fuzz/FuzzParseELF
for f in kernel64.elf kernel32.elf ksyms.elf; do
	python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print("go test fuzz v1"); print("[]byte(" + "\"" + "".join("\\x%02x" % b for b in d) + "\")")' "$f" > "../fuzz/FuzzParseELF/$f"
done

# A linked image with DWARF 5 and inlined code, and binutils' answers for
# every 3rd byte of its code, up to its data (addr2line -f -i, the file names as the DWARF
# has them).
# It is compiled as init/inline.c of a tree at /usr/src/linux, as kbuild
# would, so that no path of this machine ends up in it.
src=$(mktemp -d)
mkdir "$src/init" && cp inline.c "$src/init/"
(cd "$src" && gcc -O2 -g -gdwarf-5 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -fno-asynchronous-unwind-tables \
	-fdebug-prefix-map="$src"=/usr/src/linux -c -o init/inline.o init/inline.c &&
	gcc -O2 -g -gdwarf-4 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -fno-asynchronous-unwind-tables \
	-fdebug-prefix-map="$src"=/usr/src/linux -c -o init/inline4.o init/inline.c)
ld --no-warn-rwx-segments -m elf_x86_64 -T kernel.ld -o dwarf64.elf "$src/init/inline.o"
# The same in DWARF 4, whose line tables and units are laid out otherwise.
ld --no-warn-rwx-segments -m elf_x86_64 -T kernel.ld -o dwarf4.elf "$src/init/inline4.o"
# Without .debug_aranges, as clang builds it: the units' own ranges serve.
objcopy -R .debug_aranges dwarf64.elf dwarf64-noaranges.elf
# The object itself is relocatable, like a module.
objcopy -R .comment -R .note.GNU-stack "$src/init/inline.o" dwarf64.o
rm -rf "$src"
lo=$(nm dwarf64.elf | awk '$3 == "do_work" {print $1}')
hi=$(nm -n dwarf64.elf | awk '$3 == "start_kernel" {print $1}')
: > dwarf64.addr2line
for a in $(seq $((16#$lo)) 3 $((16#$hi + 6))); do
	printf '0x%x\n' "$a"
done > dwarf64.addrs
addr2line -f -i -a -e dwarf64.elf $(cat dwarf64.addrs) > dwarf64.addr2line
addr2line -f -i -a -e dwarf4.elf $(cat dwarf64.addrs) > dwarf4.addr2line
addr2line -f -i -a -e dwarf64-noaranges.elf $(cat dwarf64.addrs) > dwarf64-noaranges.addr2line
rm -f dwarf64.addrs
