#!/bin/bash
# bench-dwarf.sh: ksymoops-go's DWARF resolver against llvm-addr2line and
# binutils addr2line, each as a whole process resolving the same 30
# addresses with -f -i on one vmlinux: median wall time of RUNS warm runs
# (the file in the page cache) and peak RSS, with ratios to
# llvm-addr2line. The outputs are compared too.
#
#   VMLINUX=/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64 cmd/ksymoops-addr2line/bench-dwarf.sh
#
# Environment: VMLINUX (required), RUNS (default 7), ADDRS (a file of
# addresses, one a line; default: the 30 first vmlinux frames of
# testdata/expected/expected-addr2line-amd64.txt for an x86-64 vmlinux,
# else 30 functions spread over the vmlinux's symbol table).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VMLINUX:?set VMLINUX to a vmlinux with DWARF (Debian: linux-image-<release>-dbg)}"
RUNS=${RUNS:-7}
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$GO build -trimpath -o "$tmp/ksymoops-addr2line" ./cmd/ksymoops-addr2line

if [ -n "${ADDRS:-}" ]; then
	grep -v '^[[:space:]]*$' "$ADDRS" | head -30 > "$tmp/addrs"
elif od -An -j18 -N2 -tu2 "$VMLINUX" | grep -qw 62; then # e_machine EM_X86_64
	grep -o 'vmlinux 0x[0-9a-f]*' testdata/expected/expected-addr2line-amd64.txt | awk '{print $2}' | head -30 > "$tmp/addrs"
else
	nm -n --defined-only "$VMLINUX" | awk '$2 ~ /^[tT]$/ {print $1}' > "$tmp/syms"
	step=$(( $(wc -l < "$tmp/syms") / 30 ))
	[ "$step" -ge 1 ] || step=1
	awk -v s="$step" 'NR % s == 0' "$tmp/syms" | head -30 | while read -r a; do printf '0x%x\n' $(( 16#$a + 4 )); done > "$tmp/addrs"
fi
addrs=$(cat "$tmp/addrs")
echo "vmlinux: $VMLINUX ($(du -h "$VMLINUX" | cut -f1)); $(wc -l < "$tmp/addrs") addresses; median of $RUNS warm runs"

tools=(ksymoops llvm binutils)
cmd_ksymoops=("$tmp/ksymoops-addr2line" -strip-prefix= -e "$VMLINUX")
cmd_llvm=(llvm-addr2line -f -i -e "$VMLINUX")
cmd_binutils=(addr2line -f -i -e "$VMLINUX")

have_time=0
if /usr/bin/time -f %M true 2>/dev/null; then have_time=1; fi

declare -A ms rss
for t in "${tools[@]}"; do
	declare -n cmd="cmd_$t"
	if ! command -v "${cmd[0]}" >/dev/null; then
		echo "$t: ${cmd[0]} not found, skipped"
		continue
	fi
	# shellcheck disable=SC2086
	"${cmd[@]}" $addrs > "$tmp/out.$t" # warm up: the file is now in the page cache
	: > "$tmp/times.$t"
	peak=0
	for _ in $(seq "$RUNS"); do
		start=$(date +%s%N)
		if [ $have_time = 1 ]; then
			# shellcheck disable=SC2086
			/usr/bin/time -f %M -o "$tmp/rss" "${cmd[@]}" $addrs > /dev/null
		else
			# shellcheck disable=SC2086
			"${cmd[@]}" $addrs > /dev/null
		fi
		end=$(date +%s%N)
		echo $(( (end - start) / 1000 )) >> "$tmp/times.$t"
		if [ $have_time = 1 ]; then
			r=$(tail -1 "$tmp/rss")
			[ "$r" -gt "$peak" ] && peak=$r
		fi
	done
	ms[$t]=$(sort -n "$tmp/times.$t" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	rss[$t]=$peak
done

printf '%-22s %12s %14s %12s %12s\n' tool "median ms" "peak RSS MB" "time/llvm" "RSS/llvm"
for t in "${tools[@]}"; do
	[ -n "${ms[$t]:-}" ] || continue
	declare -n cmd="cmd_$t"
	rt=$(awk -v a="${ms[$t]}" -v b="${ms[llvm]:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
	rr=$(awk -v a="${rss[$t]}" -v b="${rss[llvm]:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
	printf '%-22s %12.1f %14.1f %12s %12s\n' "$(basename "${cmd[0]}")" "$(awk -v x="${ms[$t]}" 'BEGIN{print x/1000}')" \
		"$(awk -v x="${rss[$t]}" 'BEGIN{print x/1024}')" "$rt" "$rr"
done

if [ -f "$tmp/out.binutils" ]; then
	if cmp -s "$tmp/out.ksymoops" "$tmp/out.binutils"; then
		echo "output: identical to binutils addr2line -f -i"
	else
		echo "output: differs from binutils addr2line -f -i:"
		diff "$tmp/out.ksymoops" "$tmp/out.binutils" | head -20
	fi
fi
