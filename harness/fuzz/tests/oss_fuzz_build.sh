#!/bin/bash
# test-oss-fuzz-build: the ClusterFuzzLite layout (.clusterfuzzlite/: Dockerfile, build.sh,
# project.yaml; the workflows that run it), then its build.sh run the way ClusterFuzzLite's
# `compile` runs it: the tree in $SRC/gntfuzz, the script copied to $SRC/build.sh and run from
# there, with the variables OSS-Fuzz's base-builder sets for an ASan libFuzzer build (CC CXX CFLAGS
# CXXFLAGS LIB_FUZZING_ENGINE SANITIZER FUZZING_ENGINE ARCHITECTURE OUT SRC WORK), into a temporary
# $OUT; then each produced binary runs on its seed corpus the way ClusterFuzz does (seeds
# unzipped, -runs over them). Expected in
# $OUT: <target>-<library> for every target that runs a library and every fixed library
# (`make fuzz-manifest`, `make list-variants`), <target> for the others. The library's code must
# carry the load/store hooks (calls to __sanitizer_cov_load*/store* in its functions) and no hosted
# code may (the hooks' own file, harness/seam/seam_hooks.c, above all). Then the same with AFL++'s
# settings, through OSS-Fuzz's entry point harness/fuzz/oss-fuzz/build.sh (it runs the same
# script). TAP lines; exit 1 if any failed. (libc++ is not installed here: CXXFLAGS omit
# -stdlib=libc++; no Docker either: the image itself is not built.)
set -u
cd "$(dirname "$0")/../../.." || exit 1
tmp=$(mktemp -d /tmp/oss-fuzz-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
tap() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fails=$((fails + 1)); fi; }

# Functions whose code calls a load/store hook, from a disassembly: "name" lines.
hooked_functions() {
	objdump -d --no-show-raw-insn "$1" | awk '
		/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
		/call.*<__sanitizer_cov_(load|store)[0-9]+>/ { print fn }' | sort -u
}
# Function names defined in C files (good enough for the project's style: name at line start or after the type).
defined_functions() {
	sed -n 's/^[a-z_][a-z0-9_ \*]*[ \*]\([a-z_][a-z0-9_]*\)(.*/\1/p' "$@" | sort -u
}

# The library's and the hosted code's function names, for the hook checks on grants/ (the reference library).
libs=$(make -s --no-print-directory list-variants | awk '$2 == "fixed" { print $1 }')
defined_functions grants/src/*.c > "$tmp/lib-fns"
defined_functions harness/world/*.c harness/oracle/*.c harness/seam/*.c harness/xensim/*.c > "$tmp/host-fns"

check_hooks() { # binary label
	hooked_functions "$1" > "$tmp/hooked"
	lib_hooked=$(comm -12 "$tmp/hooked" "$tmp/lib-fns" | tr '\n' ' ')
	host_hooked=$(comm -12 "$tmp/hooked" "$tmp/host-fns" | tr '\n' ' ')
	self_hooked=$(grep '^__sanitizer_cov_\(load\|store\)' "$tmp/hooked" | tr '\n' ' ')
	[ -n "$lib_hooked" ]
	tap $? "$2: the library's functions call the load/store hooks (${lib_hooked:0:60}...)"
	[ -z "$host_hooked$self_hooked" ]
	tap $? "$2: no hosted function calls them, the hooks themselves included${host_hooked:+ (not: $host_hooked$self_hooked)}"
}

# The layout ClusterFuzzLite looks for, and what its workflows ask of it.
cfl=.clusterfuzzlite
[ -x $cfl/build.sh ] && grep -q '^language: c$' $cfl/project.yaml && grep -q '^FROM gcr.io/oss-fuzz-base/base-builder' $cfl/Dockerfile \
	&& grep -q "^COPY $cfl/build.sh \$SRC/" $cfl/Dockerfile
tap $? "$cfl/ holds build.sh, project.yaml (language c) and a Dockerfile on the base builder that installs build.sh"
pr=.github/workflows/cflite_pr.yml batch=.github/workflows/cflite_batch.yml
grep -q 'mode: code-change' $pr && grep -q 'pull_request:' $pr && grep -q 'mode: batch' $batch && grep -q 'schedule:' $batch \
	&& grep -q 'mode: prune' $batch && [ "$(grep -c 'language: c$' $pr $batch | awk -F: '{ s += $2 } END { print s }')" = 3 ]
tap $? "workflows: code-change fuzzing per pull request, a nightly batch job and a prune of its corpus, all language c"

export SRC="$tmp/src" OUT="$tmp/out" WORK="$tmp/work"
mkdir -p "$OUT" "$WORK" "$SRC"
ln -s "$PWD" "$SRC/gntfuzz"          # the Dockerfile's COPY of the tree
cp $cfl/build.sh "$SRC/build.sh"     # ... and of the build script
export CC=clang CXX=clang++ SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c
export SANITIZER_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $SANITIZER_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
(cd "$SRC/gntfuzz" && bash "$SRC/build.sh") > "$tmp/build.log" 2>&1
rc=$?
tap $rc "ClusterFuzzLite's compile: \$SRC/build.sh from \$SRC/gntfuzz with the base-builder's variables (clang, ASan, libFuzzer)"
[ $rc = 0 ] || tail -5 "$tmp/build.log"
names=$(make -s --no-print-directory fuzz-manifest | while read -r t y; do
	if [ "$y" = y ]; then for l in $libs; do echo "$t-$l"; done; else echo "$t"; fi; done)
[ -n "$names" ] && [ -n "$libs" ]
tap $? "fuzz-manifest and list-variants give the binaries to expect: $(echo "$names" | tr "\n" " ")"
for name in $names; do
	[ -x "$OUT/$name" ] && [ -f "$OUT/${name}_seed_corpus.zip" ]
	tap $? "$name: binary and seed corpus zip in \$OUT"
	mkdir -p "$tmp/seeds-$name"
	python3 -m zipfile -e "$OUT/${name}_seed_corpus.zip" "$tmp/seeds-$name" 2>/dev/null
	dict=(); [ -f "$OUT/$name.dict" ] && dict=(-dict="$OUT/$name.dict")
	out=$("$OUT/$name" -runs=500 "${dict[@]}" "$tmp/seeds-$name" 2>&1)
	rc=$?
	echo "$out" | grep -q "Done 500 runs"
	tap $(( rc != 0 || $? != 0 )) "$name: the OSS-Fuzz binary runs 500 inputs from its seed corpus"
	[ $rc = 0 ] || echo "$out" | tail -3
done
[ -x "$OUT/world-grants" ] && check_hooks "$OUT/world-grants" "libFuzzer world-grants"

# The same script with OSS-Fuzz's AFL++ settings: afl-clang-fast and its libFuzzer-compatible driver.
if command -v afl-clang-fast >/dev/null && [ -f /usr/lib/afl/libAFLDriver.a ]; then
	export CC=afl-clang-fast CXX=afl-clang-fast++ OUT="$tmp/out-afl" WORK="$tmp/work-afl" AFL_QUIET=1
	export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only" CXXFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only"
	export LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a
	mkdir -p "$OUT" "$WORK"
	unset SRC
	export FUZZING_ENGINE=afl
	bash harness/fuzz/oss-fuzz/build.sh > "$tmp/build-afl.log" 2>&1
	rc=$?
	tap $rc "OSS-Fuzz's harness/fuzz/oss-fuzz/build.sh (the same script) with AFL++ (CC=afl-clang-fast, LIB_FUZZING_ENGINE=libAFLDriver.a)"
	[ $rc = 0 ] || tail -5 "$tmp/build-afl.log"
	missing=""
	for name in $names; do [ -x "$OUT/$name" ] || missing="$missing $name"; done
	[ -z "$missing" ]
	tap $? "AFL++: every binary in \$OUT${missing:+ (missing:$missing)}"
	seed=$(ls "$tmp/seeds-world-grants"/* 2>/dev/null | head -1)
	if [ -n "$seed" ] && [ -x "$OUT/world-grants" ]; then
		"$OUT/world-grants" "$seed" > "$tmp/afl-run.log" 2>&1
		tap $? "the AFL++ world-grants binary runs a seed outside afl-fuzz"
		check_hooks "$OUT/world-grants" "AFL++ world-grants"
	fi
fi
[ $fails = 0 ]
