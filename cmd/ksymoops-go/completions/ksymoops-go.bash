# bash completion for ksymoops-go, generated from the command's definition by `make docs`: do not edit.
_ksymoops_go() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--kallsyms|-k)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--system-map|-m)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--lsmod)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--kaslr-offset)
		return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return ;;
	--arch)
		COMPREPLY=($(compgen -W "x86 arm64 arm powerpc riscv s390 mips" -- "$cur"))
		return ;;
	--format)
		return ;;
	--input-format)
		COMPREPLY=($(compgen -W "auto text kmsg journal-json pstore" -- "$cur"))
		return ;;
	--vmlinux)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--modules)
		return ;;
	--module-sections)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--inline)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--kallsyms -k --system-map -m --lsmod --kaslr-offset --color --arch --quiet -q --no-code --force --fail-on-oops --format --github --only-reports --input-format --kmsg --redact --vmlinux --modules --module-sections --strip-prefix --inline --help -h --version -v" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _ksymoops_go ksymoops-go
