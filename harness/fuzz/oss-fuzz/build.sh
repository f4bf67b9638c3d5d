#!/bin/bash -eu
# build.sh - OSS-Fuzz's build script for gntfuzz: the ClusterFuzzLite one, .clusterfuzzlite/build.sh,
# is the only build script (same variables, same $OUT). OSS-Fuzz's Dockerfile clones the tree into
# $SRC/gntfuzz and copies this file to $SRC/build.sh.
for cand in "${SRC:+$SRC/gntfuzz}" "$PWD" "$(dirname "${BASH_SOURCE[0]}")/../../.."; do
	if [ -n "$cand" ] && [ -f "$cand/.clusterfuzzlite/build.sh" ]; then exec bash "$cand/.clusterfuzzlite/build.sh"; fi
done
echo "build.sh: .clusterfuzzlite/build.sh not found in \$SRC/gntfuzz, . or this script's tree" >&2
exit 1
