#!/bin/bash -eu
# build.sh - OSS-Fuzz / ClusterFuzzLite build of gntfuzz's fuzz targets.
#
# Honours what the builder sets: $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $OUT (and $WORK,
# $SRC when present). Sources are compiled with $CC $CFLAGS, linked with $CXX $CXXFLAGS
# $LIB_FUZZING_ENGINE (the engine runtimes are C++), so the same script serves libFuzzer, AFL++
# and honggfuzz builds and every sanitizer. Per target it installs into $OUT: the binary, a seed
# corpus zip (<target>_seed_corpus.zip) and a dictionary (<target>.dict).
# The target list and sources come from harness/fuzz/fuzz.mk (`make fuzz-manifest`), so a target
# added there is built here too.

: "${CC:?}" "${CXX:?}" "${CFLAGS?}" "${CXXFLAGS?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
if [ -n "${SRC:-}" ] && [ -f "$SRC/gntfuzz/harness/fuzz/fuzz.mk" ]; then
	ROOT="$SRC/gntfuzz"                        # OSS-Fuzz: the Dockerfile clones here
else
	ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
fi
OBJ="${WORK:-$(mktemp -d)}/gntfuzz-obj"
mkdir -p "$OUT" "$OBJ"
cd "$ROOT"

XEN_IFACE="-D__XEN_INTERFACE_VERSION__=0x00040e00"
HOSTED="-std=gnu11 $XEN_IFACE -Igrants/include -Iharness -Iharness/xenstored -Iharness/multiproc"
# grants/ is freestanding: compiler headers only, Xen's public headers after them.
FREE="-std=gnu11 $XEN_IFACE -ffreestanding -fno-builtin -nostdinc -isystem $($CC -print-file-name=include) \
      -idirafter /usr/include -Igrants/include"

compile() { # flags source -> prints the object path
	local o="$OBJ/${2//\//_}.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS $1 -c "$2" -o "$o"
	echo "$o"
}

MANIFEST="$(make -s --no-print-directory fuzz-manifest)"
GRANTS_OBJS=()
for s in $(echo "$MANIFEST" | awk '$1 == "grants" { $1 = $2 = ""; print }'); do
	GRANTS_OBJS+=("$(compile "$FREE" "$s")")
done

built=0
while read -r name grants srcs; do
	[ "$name" = grants ] && continue
	objs=()
	for s in $srcs; do
		objs+=("$(compile "$HOSTED" "$s")")
	done
	[ "$grants" = y ] && objs+=("${GRANTS_OBJS[@]}")
	# shellcheck disable=SC2086
	$CXX $CXXFLAGS "${objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$name"
	if [ -d "corpora/fuzz/$name" ]; then
		(cd "corpora/fuzz/$name" && python3 -c 'import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w") as z:
    [z.write(f) for f in sorted(os.listdir(".")) if os.path.isfile(f)]' "$OUT/${name}_seed_corpus.zip")
	fi
	[ -f "corpora/fuzz/$name.dict" ] && cp "corpora/fuzz/$name.dict" "$OUT/$name.dict"
	built=$((built + 1))
done <<< "$MANIFEST"
echo "gntfuzz: $built fuzz target(s) in $OUT"
