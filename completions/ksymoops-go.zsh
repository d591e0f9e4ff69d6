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
	'--force[print names even where the log shows the table is not its kernel'\''s, or the KASLR offset is unknown (0 is assumed)]' \
	'--fail-on-oops[exit with status 3 when a kernel report (oops, BUG, WARNING, panic, ...) was found]' \
	'--input-format[the inputs'\'' FORMAT\: auto|text|kmsg|journal-json|pstore (auto\: told by each input'\''s first line)]:value:(auto text kmsg journal-json pstore)' \
	'--kmsg[read the kernel log from /dev/kmsg and follow it, like dmesg -w (needs root where kernel.dmesg_restrict is set)]' \
	'--redact[for posting in public\: replace every kernel address by its symbol or "(redacted)", and the KASLR offset (see README)]' \
	'(--help -h)'{--help,-h}'[show help]' \
	'(--version -v)'{--version,-v}'[print the version]' \
	'*:log file:_files'
