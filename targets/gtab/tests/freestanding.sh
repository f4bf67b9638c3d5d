#!/bin/sh
# freestanding.sh OUT CC... - build gtab and its adapter (each variant's sources and switches, as
# `make list-sources` and `make list-mutants` read target.mk) as shipped and per mutant,
# freestanding, with each compiler; -Werror. The partially linked objects must need nothing from
# outside. With clang, also as the harness builds targets (trace-loads/trace-stores, and gntfuzz's
# pass plugin when $GNTFUZZ_PASS names it): then the only outside symbols are the __sanitizer_cov
# hooks (and the pass's __gntfuzz_* hooks: the barriers, and as shipped the swap, written in inline
# asm, must be among them), and 16-bit loads and stores (the grant flags) are among the traced
# ones. Run from the repo root.
out=$1; [ $# -gt 0 ] && shift
dir=targets/gtab
manifest=$dir/target.mk
if [ -z "$out" ] || [ $# -eq 0 ] || [ ! -f "$manifest" ]; then
	echo "usage: $0 OUT CC... (from the repo root)" >&2; exit 2
fi
# The build's own reading of the manifest (a sub-make of its own: MAKEFLAGS emptied, so no
# jobserver or goal of a calling make leaks in). Sources are paths from the repo root.
ask() { MAKEFLAGS='' make -s --no-print-directory "$1" TARGET=$dir || { echo "$0: make $1 failed" >&2; exit 2; }; }
sources=$(ask list-sources) || exit 2
list=$(ask list-mutants) || exit 2
mutants=$(printf '%s\n' "$list" | awk '{ print $2 }')
flags_of() { printf '%s\n' "$list" | awk -v m="$1" '$2 == m { $1 = $2 = ""; sub(/^ +/, ""); print }'; }
srcs_of() { printf '%s\n' "$sources" | awk -v m="$1" '$2 == m { $1 = $2 = ""; sub(/^ +/, ""); print }'; }
trace="-fsanitize-coverage=trace-loads,trace-stores,inline-8bit-counters${GNTFUZZ_PASS:+ -fpass-plugin=$GNTFUZZ_PASS}"
fail=0 n=0

# check CC VARIANT FLAGS [trace]: one TAP line
check() {
	n=$((n + 1))
	o="$out/$(basename "$1")-$2${4:+-trace}"
	rm -rf "$o" && mkdir -p "$o" || exit 2
	inc=$($1 -print-file-name=include)
	for s in $(srcs_of "$2"); do
		# shellcheck disable=SC2086 # the flags are word lists
		if ! $1 -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdinc \
			-isystem "$inc" -idirafter /usr/include -I$dir -Iharness/seam $3 ${4:+$trace} \
			-c "$s" -o "$o/$(basename "${s%.c}").o" 2>>"$o/build.log"; then
			echo "not ok $n - $1 $2${4:+ traced}: $s does not build (see $o/build.log)"; fail=1; return
		fi
	done
	$1 -r -nostdlib -o "$o/gtab.o" "$o"/*.o 2>>"$o/build.log" || { echo "not ok $n - $1 $2: ld -r failed"; fail=1; return; }
	undef=$(nm -u "$o/gtab.o" | awk '{print $NF}')
	if [ -z "$4" ]; then
		if [ -z "$undef" ]; then echo "ok $n - $1 $2: freestanding, no outside symbol"
		else echo "not ok $n - $1 $2: outside symbols: $(echo "$undef" | tr '\n' ' ')"; fail=1; fi
		return
	fi
	other=$(printf '%s\n' "$undef" | grep -v '^__sanitizer_cov_' | grep -v '^__st[a-z]*___sancov' | grep -v '^__gntfuzz_')
	if [ -n "$other" ]; then echo "not ok $n - $1 $2 traced: outside symbols: $(echo "$other" | tr '\n' ' ')"; fail=1
	elif [ -n "$GNTFUZZ_PASS" ] && { ! printf '%s\n' "$undef" | grep -q '^__gntfuzz_fence$' ||
	     { [ "$2" = fixed ] && ! printf '%s\n' "$undef" | grep -q '^__gntfuzz_rmw$'; }; }; then
		echo "not ok $n - $1 $2 traced: the pass saw no asm barrier (or, as shipped, no asm swap)"; fail=1
	elif ! printf '%s\n' "$undef" | grep -q '^__sanitizer_cov_load2$' ||
	     ! printf '%s\n' "$undef" | grep -q '^__sanitizer_cov_store2$'; then
		echo "not ok $n - $1 $2 traced: no traced 16-bit load or store"; fail=1
	else echo "ok $n - $1 $2 traced: only coverage hooks outside"; fi
}

for cc in "$@"; do
	check "$cc" fixed ""
	for m in $mutants; do
		check "$cc" "$m" "$(flags_of "$m")"
	done
	case $("$cc" --version 2>/dev/null) in *clang*)
		check "$cc" fixed "" trace
		for m in $mutants; do
			check "$cc" "$m" "$(flags_of "$m")" trace
		done ;;
	esac
done
echo "1..$n"
exit $fail
