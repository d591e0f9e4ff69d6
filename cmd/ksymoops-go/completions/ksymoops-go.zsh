#compdef ksymoops-go
# zsh completion for ksymoops-go, generated from the command's definition by `make docs`: do not edit.
_arguments -s \
	'(--kallsyms -k)'{--kallsyms,-k}'[symbols from a FILE in /proc/kallsyms format (live or saved)]:file:_files' \
	'(--system-map -m)'{--system-map,-m}'[symbols from a System.map FILE (link-time addresses)]:file:_files' \
	'--lsmod[module regions from a saved /proc/modules FILE\: an address in a module with no symbols gets "\[module+0xoff\]"]:file:_files' \
	'--kaslr-offset[the KASLR offset HEX of the System.map'\''s kernel (default\: found in the log, see README)]:value: ' \
	'--color[colour the annotations\: auto|always|never (auto\: only on a terminal, not with NO_COLOR)]:value:(auto always never)' \
	'--arch[the ARCH of the log (x86, arm64, arm, powerpc, riscv, s390, mips) instead of guessing it]:value:(x86 arm64 arm powerpc riscv s390 mips)' \
	'(--quiet -q)'{--quiet,-q}'[print no diagnostics]' \
	'--no-code[do not add the disassembly of Code\: lines (lines starting "Code| ")]' \
	'--force[print names even where the log shows the table is not its kernel'\''s, or the KASLR offset is unknown (0 is assumed)]' \
	'--fail-on-oops[exit with status 3 when a kernel report (oops, BUG, WARNING, panic, ...) was found]' \
	'--format[what to write\: text|json|github (the annotated log; one JSON object per kernel report; the log with GitHub Actions error annotations)]:value: ' \
	'--github[the same as --format github]' \
	'--only-reports[write only the lines of kernel reports (text and github formats)]' \
	'--input-format[the inputs'\'' FORMAT\: auto|text|kmsg|journal-json|pstore (auto\: told by each input'\''s first line)]:value:(auto text kmsg journal-json pstore)' \
	'--kmsg[read the kernel log from /dev/kmsg and follow it, like dmesg -w (needs root where kernel.dmesg_restrict is set)]' \
	'--redact[for posting in public\: replace every kernel address by its symbol or "(redacted)", and the KASLR offset (see README)]' \
	'--vmlinux[the kernel'\''s ELF FILE\: its symbols (when neither -k nor -m is given) and, with DWARF, source lines (Debian\: /usr/lib/debug/boot/vmlinux-<release>)]:file:_files' \
	'--modules[find modules'\'' .ko files (.ko.xz, .ko.zst, .ko.gz too) under DIR for their source lines; default with --vmlinux\: /lib/modules/$(uname -r)]:value: ' \
	'--module-sections[the modules'\'' load addresses\: a FILE of "module section 0xaddress" lines, or a copy of /sys/module (default\: from the modules'\'' symbols in -k)]:file:_files' \
	'--strip-prefix[]' \
	'--inline[show inlined functions on lines of their own marked \[inline\] (lines), or after the frame'\''s location (compact)]:value: ' \
	'(--help -h)'{--help,-h}'[show help]' \
	'(--version -v)'{--version,-v}'[print the version]' \
	'*:log file:_files'
