#!/bin/bash -eu
# build.sh - the ClusterFuzzLite / OSS-Fuzz build of gntfuzz's fuzz targets (one script for both:
# harness/fuzz/oss-fuzz/build.sh, OSS-Fuzz's, runs this one).
#
# Honours what the builder sets: $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $OUT (and $WORK,
# $SRC when present; $SANITIZER and $FUZZING_ENGINE are already in those flags), so the same script
# serves libFuzzer, AFL++ and honggfuzz builds and every sanitizer. Into $OUT, per fuzz target
# (`make fuzz-manifest`):
#   <target>-<library>   for a target that runs a grant library, one per library `make
#                        list-variants` names, on its fixed (unmutated) build; TARGET=<dir> in the
#                        environment builds your library only
#   <target>             for the others
# each with <name>_seed_corpus.zip and <name>.dict beside it.
#
# make builds everything (it alone knows each target's sources and each library's sources,
# includes and defines), in a tree of its own under $WORK, with its libFuzzer flavour's compilers
# and flags replaced by the builder's:
#   - hosted code (world, oracle, simulator, seam hooks, fuzz targets): $CC $CFLAGS;
#   - the library under test: $CFLAGS plus -fsanitize-coverage=trace-loads,trace-stores (every
#     load and store it makes is a scheduling point, harness/seam/seam.h) beside the engine's own
#     edge type, without which clang emits no load/store hooks. AFL++'s compiler drops extra
#     coverage flags, so under it the library is compiled by plain clang with trace-pc-guard
#     edges, whose hooks AFL++'s runtime implements (as mk/targets.mk does). harness/seam/
#     seam_hooks.c defines the load/store hooks: it is hosted code and never gets the two flags;
#     plus gntfuzz's LLVM pass plugin (harness/seam/pass/: hooks at RMWs, fences and ordered
#     atomics), built with the container's llvm-config when one matches the library's clang and
#     the plugin loads; else the library goes without it, and one warning line says so;
#   - linking: $CXX $CXXFLAGS objects $LIB_FUZZING_ENGINE (the engine runtimes are C++).

: "${CC:?}" "${CXX:?}" "${CFLAGS?}" "${CXXFLAGS?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
# The tree: where the builder's Dockerfile put it ($SRC/gntfuzz), the working directory (the
# builder runs $SRC/build.sh, a copy of this file, from the Dockerfile's WORKDIR), or this file's.
ROOT=""
for cand in "${SRC:+$SRC/gntfuzz}" "$PWD" "$(dirname "${BASH_SOURCE[0]}")/.."; do
	if [ -n "$cand" ] && [ -f "$cand/harness/fuzz/fuzz.mk" ]; then ROOT="$(cd "$cand" && pwd)"; break; fi
done
[ -n "$ROOT" ] || { echo "build.sh: the gntfuzz tree is not in \$SRC/gntfuzz, . or beside this script" >&2; exit 1; }
B="${WORK:-$(mktemp -d)}/gntfuzz-build"
mkdir -p "$OUT" "$B"
cd "$ROOT"

SEAM_TRACE="-fsanitize-coverage=trace-loads,trace-stores"
cc_name=$(basename "${CC%% *}")
DRIVER=""
case "$cc_name" in
afl-*)  # AFL++: plain clang for the library, pc-guard edges for AFL++'s runtime
	LIB_CC="${AFL_CC:-clang}"
	LIB_EDGE="-fsanitize-coverage=trace-pc-guard"
	export AFL_QUIET=1 ;;
*)
	LIB_CC="$CC"
	case " $CFLAGS " in
	*" -fsanitize=fuzzer"*|*" -fsanitize-coverage="*)
		LIB_EDGE="" ;;                          # the engine's own edges are in $CFLAGS
	*)
		case "$cc_name" in
		hfuzz-*) LIB_EDGE="" ;;                 # honggfuzz's compiler adds its edges itself
		*)  # no engine edges (a coverage or plain build): our own, with weak hooks linked in
			LIB_EDGE="-fsanitize-coverage=inline-8bit-counters"
			DRIVER="$B/fuzz/obj/libfuzzer/harness/seam/seam_cov_stubs.o" ;;
		esac ;;
	esac ;;
esac

# The pass plugin must come from the LLVM of the clang that loads it ($LIB_CC).
PASS_ARGS=("SEAM_PASS=")
lib_clang=${LIB_CC%% *}
major=$("$lib_clang" -dumpversion 2>/dev/null | cut -d. -f1)
pass_so="$B/seam/gntfuzz-pass.so"
for lc in "llvm-config-$major" llvm-config; do
	command -v "$lc" >/dev/null 2>&1 && [ "$("$lc" --version 2>/dev/null | cut -d. -f1)" = "$major" ] || continue
	make -s --no-print-directory BUILD="$B" LLVM_CONFIG="$lc" CLANG="$lib_clang" "$pass_so" >"$B/pass-build.log" 2>&1 &&
		echo 'int f(int *p) { return __sync_fetch_and_add(p, 1); }' |
		"$lib_clang" -fpass-plugin="$pass_so" -x c -c - -o /dev/null >>"$B/pass-build.log" 2>&1 || continue
	PASS_ARGS=("SEAM_PASS=$pass_so" "LLVM_CONFIG=$lc")
	SEAM_TRACE="$SEAM_TRACE -fpass-plugin=$pass_so"
	break
done
[ "${PASS_ARGS[0]}" != "SEAM_PASS=" ] ||
	echo "build.sh: warning: no llvm-config with headers for $lib_clang (LLVM ${major:-?}) to build gntfuzz's pass plugin: the library is built without its RMW/fence hooks (load/store hooks only)" >&2

# One compiler name for make's compile and link rules: compiling is $CC's, linking $CXX's.
WRAP="$B/cc-or-link"
cat > "$WRAP" <<EOF
#!/bin/bash
for a in "\$@"; do [ "\$a" = -c ] && exec $CC "\$@"; done
exec $CXX $CXXFLAGS "\$@"
EOF
chmod +x "$WRAP"

MANIFEST="$(make -s --no-print-directory fuzz-manifest)"
LIBS="$(make -s --no-print-directory list-variants | awk '$2 == "fixed" { print $1 }')"
[ -n "$MANIFEST" ] || { echo "build.sh: make fuzz-manifest names no target" >&2; exit 1; }
goals=() names=() corpora=()
while read -r target runs_lib; do
	if [ "$runs_lib" = y ]; then
		for lib in $LIBS; do
			goals+=("$B/fuzz/libfuzzer/$target-$lib-fixed"); names+=("$target-$lib"); corpora+=("$target")
		done
	else
		goals+=("$B/fuzz/libfuzzer/$target"); names+=("$target"); corpora+=("$target")
	fi
done <<< "$MANIFEST"

make -s --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" BUILD="$B" "${PASS_ARGS[@]}" \
	FUZZ_CC_libfuzzer="$WRAP" FUZZ_CFLAGS_libfuzzer="$CFLAGS" \
	FUZZ_LDFLAGS_libfuzzer="$LIB_FUZZING_ENGINE" FUZZ_DRIVER_libfuzzer="$DRIVER" \
	TARGET_CC_libfuzzer="$LIB_CC" TARGET_CFLAGS_libfuzzer="$CFLAGS $LIB_EDGE $SEAM_TRACE" \
	"${goals[@]}"

for i in "${!goals[@]}"; do
	name=${names[$i]} corpus=${corpora[$i]}
	cp "${goals[$i]}" "$OUT/$name"
	if [ -d "corpora/fuzz/$corpus" ]; then
		(cd "corpora/fuzz/$corpus" && python3 -c 'import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w") as z:
    [z.write(f) for f in sorted(os.listdir(".")) if os.path.isfile(f)]' "$OUT/${name}_seed_corpus.zip")
	fi
	[ -f "corpora/fuzz/$corpus.dict" ] && cp "corpora/fuzz/$corpus.dict" "$OUT/$name.dict"
done
echo "gntfuzz: ${#goals[@]} fuzz target binaries in $OUT: ${names[*]}"
