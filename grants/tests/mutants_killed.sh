#!/bin/sh
# mutants_killed.sh DIR NAME... - the unit tests must pass on the fixed library (DIR/unit-fixed)
# and fail at least one test on every mutant (DIR/unit-<NAME>). One TAP line per build; the test
# binaries' own output goes to DIR/unit-<NAME>.log so their "not ok" lines are not counted here.
dir=$1; shift
fail=0

if "$dir/unit-fixed" >"$dir/unit-fixed.log" 2>&1; then
	echo "ok - fixed library passes every unit test ($(grep -c '^ok' "$dir/unit-fixed.log") tests)"
else
	echo "not ok - fixed library fails unit tests: $(grep '^not ok' "$dir/unit-fixed.log" | tr '\n' ' ') (see $dir/unit-fixed.log)"
	fail=1
fi
for name in "$@"; do
	log="$dir/unit-$name.log"
	"$dir/unit-$name" >"$log" 2>&1
	rc=$?
	n=$(grep -c '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$n" -gt 0 ]; then
		echo "ok - mutant $name killed by $n unit tests"
	elif [ "$rc" -ne 0 ]; then
		echo "not ok - mutant $name crashed (exit $rc) without a failing test (see $log)"
		fail=1
	else
		echo "not ok - mutant $name survived every unit test"
		fail=1
	fi
done
exit $fail
