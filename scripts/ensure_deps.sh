#!/usr/bin/env bash
# Install the Debian packages a job of gntfuzz needs, only those missing. Runs as root or through sudo.
#   ensure_deps.sh fuzz   what the fuzzing jobs need (make fuzz, killmatrix, coverage, reproduce):
#                         compilers, LLVM (llvm-cov, llvm-addr2line; llvm-14-dev's headers for
#                         gntfuzz's pass plugin, built by clang++ from clang with build-essential's
#                         libstdc++), AFL++, Xen's public headers
#   ensure_deps.sh all    everything (make test, nested-xen, real-xen, sim-attack, bench): the
#                         fuzz group plus cmocka, the Xen hypervisor and tools, QEMU, a kernel,
#                         busybox and cpio for the nested guest's initramfs, xz for the HVM example's
#                         kernel modules (the default)
set -euo pipefail
FUZZ=(build-essential clang llvm llvm-14-dev libclang-rt-14-dev libxen-dev afl++ python3)
ALL=("${FUZZ[@]}" libcmocka-dev xen-utils-4.17 xen-hypervisor-4.17-amd64 qemu-system-x86 qemu-system-xen linux-image-amd64
     busybox-static cpio xz-utils)
group=${1:-all}
case "$group" in
fuzz) PKGS=("${FUZZ[@]}") ;;
all)  PKGS=("${ALL[@]}") ;;
*)    echo "ensure_deps: unknown package group '$group' (choose from: fuzz all)" >&2; exit 2 ;;
esac
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure_deps: installing ($group) ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "ensure_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || { echo "ensure_deps: apt-get update failed" >&2; exit 1; }
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
	|| { echo "ensure_deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
