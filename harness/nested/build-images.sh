#!/bin/bash
# build-images.sh - the initramfs images for the nested-Xen run (after the shared recipe's
# build.sh): a dom0 with Xen's tools, our dom0 programs and one xl config per target, and a
# Linux domU image for linux-target. Also the uncompressed Xen that QEMU's multiboot wants.
#
# usage: build-images.sh <out-dir> <bin-dir> <pvh-dir>
#   bin-dir: gntfuzz-peer outside-oracle linux-target linux-devio   pvh-dir: <library>/<mutant>/gntfuzz-pvh.elf
# env: GNTFUZZ_TARGETS, GNTFUZZ_STRATEGIES (written into the dom0's plan), K (kernel version),
#      GNTFUZZ_VARIANTS  the variants (LIB/MUTANT, as make names them) whose kernels go into dom0's
#                        image, as /guest/gntfuzz-pvh-<library>-<mutant>.elf (default: every kernel
#                        under pvh-dir); every pvh-*/wl-*/vbd-*/vif-* label must name one of them
#      GNTFUZZ_VBD_STRATEGIES, GNTFUZZ_VIF_STRATEGIES, GNTFUZZ_DEV_DURATION  (the plan's device phases)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "$1" && cd "$1" && pwd); BIN=$(cd "$2" && pwd); PVH=$(cd "$3" && pwd)
K=${K:-$(ls /lib/modules | sort -V | tail -1)}
XB=/usr/lib/xen-4.17/bin
TARGETS=${GNTFUZZ_TARGETS:-pvh-grants-fixed pvh-grants-msa02 linux}
STRATEGIES=${GNTFUZZ_STRATEGIES:-honest forged-done forged-ro storm}
for f in /boot/vmlinuz-$K /boot/xen-4.17-amd64.gz /bin/busybox $XB/xl; do
	[ -e "$f" ] || { echo "build-images: missing $f (run 'make deps')" >&2; exit 1; }
done

add_prog() { # root program: the program and every library ldd lists
	local r=$1 p=$2
	install -D -m755 "$p" "$r/usr/bin/$(basename "$p")"
	for l in $(ldd "$p" | grep -oE '/[^ ]+'); do
		[ -e "$r$l" ] || install -D -m755 "$(readlink -f "$l")" "$r$l"
	done
}
add_tool() { # root absolute-path-program (kept at its path)
	local r=$1 p=$2
	install -D -m755 "$p" "$r$p"
	for l in $(ldd "$p" | grep -oE '/[^ ]+'); do
		[ -e "$r$l" ] || install -D -m755 "$(readlink -f "$l")" "$r$l"
	done
}
base_root() {
	local r=$1
	rm -rf "$r"; mkdir -p "$r"/{bin,sbin,proc,sys,dev,run,tmp,etc,root,lib/modules,var/log,var/lib,usr/bin,usr/sbin}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	ln -sf ../run "$r/var/run"
}
mods() {
	local r=$1; shift
	for m in "$@"; do cp "$(find /lib/modules/$K -name "$m.ko*" | head -1)" "$r/lib/modules/"; done
	# busybox insmod wants plain .ko files
	for z in "$r"/lib/modules/*.ko.xz; do [ -e "$z" ] && xz -d "$z"; done
	return 0
}
cpio_of() { (cd "$1" && find . | cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) > "$2"; }

# ---------- Linux target domU ----------
U=$OUT/rootfs-linux
base_root "$U"
mods "$U" xen-evtchn xen-gntdev xen-gntalloc xen-blkfront xen-netfront
add_prog "$U" "$BIN/linux-target"
add_prog "$U" "$BIN/linux-devio"
install -m755 "$HERE/init-linux-domU" "$U/init"
cpio_of "$U" "$OUT/linux-domU.cpio.gz"

# ---------- dom0 ----------
D=$OUT/rootfs-dom0
base_root "$D"
for t in $XB/xl $XB/xenstored $XB/xenconsoled $XB/xen-init-dom0 $XB/libxl-save-helper \
	 /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-rm /usr/bin/xenstore-chmod; do add_tool "$D" "$t"; done
install -D -m644 /lib/x86_64-linux-gnu/libgcc_s.so.1 "$D/lib/x86_64-linux-gnu/libgcc_s.so.1" # xl dlopen()s it
mods "$D" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
for p in gntfuzz-peer outside-oracle; do add_prog "$D" "$BIN/$p"; done
install -m755 "$HERE/dom0-plan.sh" "$D/usr/bin/dom0-plan.sh"
mkdir -p "$D/etc/xen" "$D/var/lib/xen" "$D/var/log/xen/console" "$D/guest" "$D/etc/gntfuzz"
: > "$D/etc/xen/xl.conf"
VARIANTS=${GNTFUZZ_VARIANTS:-$(cd "$PVH" && ls -d */*/gntfuzz-pvh.elf 2>/dev/null | sed 's|/gntfuzz-pvh.elf$||')}
for v in $VARIANTS; do
	[ -f "$PVH/$v/gntfuzz-pvh.elf" ] || { echo "build-images: missing $PVH/$v/gntfuzz-pvh.elf (make pvh)" >&2; exit 1; }
	cp "$PVH/$v/gntfuzz-pvh.elf" "$D/guest/gntfuzz-pvh-$(echo "$v" | tr / -).elf"
done
for label in $TARGETS; do
	case "$label" in pvh-*|wl-*|vbd-*|vif-*) ;; *) continue ;; esac
	rest=${label#*-}; rest=${rest%-v2}
	[ -f "$D/guest/gntfuzz-pvh-$rest.elf" ] || {
		echo "build-images: target $label names no variant built here (variants: $VARIANTS)" >&2; exit 1; }
done
cp /boot/vmlinuz-$K "$D/guest/vmlinuz"
cp "$OUT/linux-domU.cpio.gz" "$D/guest/"
for label in $TARGETS; do
	"$HERE/target-cfg.sh" "$label" /guest > "$D/etc/gntfuzz/$label.cfg"
done
printf 'export GNTFUZZ_TARGETS="%s"\nexport GNTFUZZ_STRATEGIES="%s"\n' "$TARGETS" "$STRATEGIES" > "$D/etc/gntfuzz/plan.env"
for v in GNTFUZZ_VBD_STRATEGIES GNTFUZZ_VIF_STRATEGIES GNTFUZZ_OURS_VBD_STRATEGIES GNTFUZZ_OURS_VIF_STRATEGIES \
	 GNTFUZZ_DEV_DURATION GNTFUZZ_LINUX_REBOOTS; do # unset: the plan's default
	if [ -n "${!v+set}" ]; then printf 'export %s="%s"\n' "$v" "${!v}" >> "$D/etc/gntfuzz/plan.env"; fi
done
[ -n "${GNTFUZZ_WL_STRATEGIES:-}" ] && printf 'export GNTFUZZ_WL_STRATEGIES="%s"\n' "$GNTFUZZ_WL_STRATEGIES" >> "$D/etc/gntfuzz/plan.env"
[ -n "${GNTFUZZ_PEER:-}" ] && printf 'export GNTFUZZ_PEER="%s"\n' "$GNTFUZZ_PEER" >> "$D/etc/gntfuzz/plan.env"
install -m755 "$HERE/init-dom0" "$D/init"
cpio_of "$D" "$OUT/dom0.cpio.gz"

cp /boot/vmlinuz-$K "$OUT/vmlinuz"
zcat /boot/xen-4.17-amd64.gz > "$OUT/xen"
echo "build-images: $OUT/{xen,vmlinuz,dom0.cpio.gz} targets: $TARGETS"
