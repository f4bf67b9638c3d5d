#!/bin/sh
# mutants_killed.sh OUT CC CFLAGS - build gtab's unit tests once as shipped and once per mutant
# of targets/gtab/target.mk (as `make list-mutants` reads it: each mutant's switches), then check
# that the shipped build passes every test and each mutant fails at least one. Run from the repo
# root. One TAP line per build; each test binary's own output goes to OUT/unit-<variant>.log.
out=$1 cc=${2:-cc} cflags=${3:--std=gnu11 -O2 -g -Wall -Wextra}
dir=targets/gtab
manifest=$dir/target.mk
if [ -z "$out" ] || [ ! -f "$manifest" ]; then
	echo "usage: $0 OUT [CC [CFLAGS]] (from the repo root)" >&2; exit 2
fi
mkdir -p "$out" || exit 2

# One "gtab MUTANT SWITCH..." line per mutant, from the build itself (a sub-make of its own:
# MAKEFLAGS emptied, so no jobserver or goal of a calling make leaks in).
list=$(MAKEFLAGS='' make -s --no-print-directory list-mutants TARGET=$dir) || { echo "$0: make list-mutants failed" >&2; exit 2; }
mutants=$(printf '%s\n' "$list" | awk '{ print $2 }')
flags_of() { printf '%s\n' "$list" | awk -v m="$1" '$2 == m { $1 = $2 = ""; sub(/^ +/, ""); print }'; }
run=""; command -v timeout >/dev/null 2>&1 && run="timeout 60"
fail=0 n=0

# build VARIANT EXTRA-FLAGS: 0 if the test binary OUT/unit-VARIANT was built (with the test-only
# trace of gtab_arch.h's primitives, as gtab.mk's unit build)
build() {
	# shellcheck disable=SC2086 # the flags are word lists
	$cc $cflags -DGTAB_TEST_TRACE $2 -I$dir -I$dir/tests -Iharness/seam -o "$out/unit-$1" $dir/*.c $dir/tests/*.c \
		>"$out/unit-$1.build.log" 2>&1
}

n=$((n + 1))
if ! build fixed ""; then
	echo "not ok $n - gtab as shipped does not build (see $out/unit-fixed.build.log)"; fail=1
elif $run "$out/unit-fixed" >"$out/unit-fixed.log" 2>&1; then
	echo "ok $n - gtab as shipped passes every unit test ($(grep -c '^ok' "$out/unit-fixed.log") tests)"
else
	echo "not ok $n - gtab as shipped fails: $(grep '^not ok' "$out/unit-fixed.log" | tr '\n' ' ')(see $out/unit-fixed.log)"
	fail=1
fi
for m in $mutants; do
	n=$((n + 1))
	f=$(flags_of "$m")
	if [ -z "$f" ]; then
		echo "not ok $n - mutant $m has no TARGET_MUTANT_FLAGS.$m in $manifest"; fail=1; continue
	fi
	if ! build "$m" "$f"; then
		echo "not ok $n - mutant $m ($f) does not build (see $out/unit-$m.build.log)"; fail=1; continue
	fi
	$run "$out/unit-$m" >"$out/unit-$m.log" 2>&1
	rc=$?
	k=$(grep -c '^not ok' "$out/unit-$m.log")
	if [ "$rc" -ne 0 ] && [ "$k" -gt 0 ]; then
		first=$(grep -m1 '^not ok' "$out/unit-$m.log" | sed 's/^not ok [0-9]* - //')
		echo "ok $n - mutant $m killed by $k unit tests (first: $first)"
	elif [ "$rc" -ne 0 ]; then
		echo "not ok $n - mutant $m crashed or hung (exit $rc) without a failing test (see $out/unit-$m.log)"; fail=1
	else
		echo "not ok $n - mutant $m survived every unit test"; fail=1
	fi
done
echo "1..$n"
exit $fail
