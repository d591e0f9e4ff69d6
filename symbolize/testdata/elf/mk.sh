#!/bin/sh
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
