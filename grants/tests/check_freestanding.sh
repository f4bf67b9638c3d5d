#!/bin/sh
# check_freestanding.sh [--expect-fail] ARCHIVE... - one TAP line per archive and property:
# no undefined (outside) symbol, no writable global. With --expect-fail the properties must be
# violated instead (used on a probe archive, to prove the check can fail).
expect_fail=0
if [ "$1" = --expect-fail ]; then expect_fail=1; shift; fi
fail=0
verdict() { # verdict BAD-LIST MESSAGE
	if [ $expect_fail = 1 ]; then
		if [ -n "$1" ]; then echo "ok - probe $a flagged: $2: $1"; else echo "not ok - probe $a not flagged: $2"; fail=1; fi
	elif [ -z "$1" ]; then echo "ok - $a: no $2"
	else echo "not ok - $a: $2: $1"; fail=1; fi
}
for a in "$@"; do
	[ -f "$a" ] || { echo "not ok - $a: missing"; fail=1; continue; }
	verdict "$(nm -u -A "$a" | awk '{print $NF}' | tr '\n' ' ')" "outside symbols"
	verdict "$(nm "$a" | awk '$2 ~ /^[bBdDcC]$/ {print $3}' | tr '\n' ' ')" "writable globals"
done
exit $fail
