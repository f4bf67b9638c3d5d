#!/usr/bin/env bash
# Install the Debian packages gntfuzz needs, only those missing. Runs as root or through sudo.
set -euo pipefail
PKGS=(build-essential clang llvm libclang-rt-14-dev libxen-dev libcmocka-dev afl++ python3
      xen-utils-4.17 xen-hypervisor-4.17-amd64 qemu-system-x86 linux-image-amd64 busybox-static cpio)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "ensure_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || { echo "ensure_deps: apt-get update failed" >&2; exit 1; }
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
	|| { echo "ensure_deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
