#!/bin/bash
# test-oss-fuzz-build: run harness/fuzz/oss-fuzz/build.sh with the variables set the way OSS-Fuzz's
# base-builder sets them for an ASan libFuzzer build, into a temporary $OUT, then run each produced
# binary on its seed corpus the way ClusterFuzz does (seeds unzipped, -runs over them).
# TAP lines; exit 1 if any failed. (libc++ is not installed here: CXXFLAGS omit -stdlib=libc++.)
set -u
cd "$(dirname "$0")/../../.."
tmp=$(mktemp -d /tmp/oss-fuzz-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
tap() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fails=$((fails + 1)); fi; }

export CC=clang CXX=clang++ OUT="$tmp/out" WORK="$tmp/work" SRC="$tmp/src"
export SANITIZER_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $SANITIZER_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
mkdir -p "$OUT" "$WORK" "$SRC"
bash harness/fuzz/oss-fuzz/build.sh > "$tmp/build.log" 2>&1
rc=$?
tap $rc "build.sh with OSS-Fuzz's variables (CC=clang, ASan, LIB_FUZZING_ENGINE=-fsanitize=fuzzer)"
[ $rc = 0 ] || tail -5 "$tmp/build.log"
targets=$(make -s --no-print-directory fuzz-manifest | awk '$1 != "grants" { print $1 }')
[ -n "$targets" ]; tap $? "fuzz-manifest lists targets: $(echo $targets)"
for t in $targets; do
	[ -x "$OUT/$t" ] && [ -f "$OUT/${t}_seed_corpus.zip" ]
	tap $? "$t: binary and seed corpus zip in \$OUT"
	mkdir -p "$tmp/seeds-$t"
	python3 -m zipfile -e "$OUT/${t}_seed_corpus.zip" "$tmp/seeds-$t" 2>/dev/null
	dict=(); [ -f "$OUT/$t.dict" ] && dict=(-dict="$OUT/$t.dict")
	out=$("$OUT/$t" -runs=500 "${dict[@]}" "$tmp/seeds-$t" 2>&1)
	rc=$?
	echo "$out" | grep -q "Done 500 runs"
	tap $(( rc != 0 || $? != 0 )) "$t: the OSS-Fuzz binary runs 500 inputs from its seed corpus"
	[ $rc = 0 ] || echo "$out" | tail -3
done

# The same script with OSS-Fuzz's AFL++ settings: afl-clang-fast and its libFuzzer-compatible driver.
if command -v afl-clang-fast >/dev/null && [ -f /usr/lib/afl/libAFLDriver.a ]; then
	export CC=afl-clang-fast CXX=afl-clang-fast++ OUT="$tmp/out-afl" WORK="$tmp/work-afl" AFL_QUIET=1
	export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only" CXXFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only"
	export LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a
	mkdir -p "$OUT" "$WORK"
	bash harness/fuzz/oss-fuzz/build.sh > "$tmp/build-afl.log" 2>&1
	rc=$?
	tap $rc "build.sh with AFL++ (CC=afl-clang-fast, LIB_FUZZING_ENGINE=libAFLDriver.a)"
	[ $rc = 0 ] || tail -5 "$tmp/build-afl.log"
	seed=$(ls "$tmp/seeds-world"/* 2>/dev/null | head -1)
	if [ -n "$seed" ] && [ -x "$OUT/world" ]; then
		"$OUT/world" "$seed" > "$tmp/afl-run.log" 2>&1
		tap $? "the AFL++ world binary runs a seed outside afl-fuzz"
	fi
fi
[ $fails = 0 ]
