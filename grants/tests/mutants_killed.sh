#!/bin/sh
# mutants_killed.sh DIR ID... - the unit tests must pass on the real library (DIR/unit-m0) and
# fail at least one test on every mutant (DIR/unit-m<ID>). One TAP line per build; the test
# binaries' own output goes to DIR/unit-m<ID>.log so their "not ok" lines are not counted here.
dir=$1; shift
fail=0
name_of() { sed -n "s/^MUTANT($1, *\([a-z0-9_]*\),.*/\1/p" grants/mutants.def; }

if "$dir/unit-m0" >"$dir/unit-m0.log" 2>&1; then
	echo "ok - real library passes every unit test ($(grep -c '^ok' "$dir/unit-m0.log") tests)"
else
	echo "not ok - real library fails unit tests: $(grep '^not ok' "$dir/unit-m0.log" | tr '\n' ' ') (see $dir/unit-m0.log)"
	fail=1
fi
for id in "$@"; do
	log="$dir/unit-m$id.log"
	"$dir/unit-m$id" >"$log" 2>&1
	rc=$?
	n=$(grep -c '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$n" -gt 0 ]; then
		echo "ok - mutant $id $(name_of "$id") killed by $n unit tests"
	elif [ "$rc" -ne 0 ]; then
		echo "not ok - mutant $id $(name_of "$id") crashed (exit $rc) without a failing test (see $log)"
		fail=1
	else
		echo "not ok - mutant $id $(name_of "$id") survived every unit test"
		fail=1
	fi
done
exit $fail
