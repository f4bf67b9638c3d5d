#!/bin/bash
# build-images.sh - the images for the nested-Xen run (after the shared recipe's build.sh): the
# dom0 base (Xen's tools and the Linux domU for linux-target: what nested.py boots once and
# snapshots), the payload (this run's plan, our dom0 programs, the PVH guests and one xl config
# per target: a tar dom0 reads from a disk after the snapshot) and the uncompressed Xen that
# QEMU's multiboot wants.
#
# usage: build-images.sh <out-dir> <bin-dir> <pvh-dir>
#   bin-dir: gntfuzz-peer outside-oracle linux-target linux-devio   pvh-dir: <library>/<mutant>/gntfuzz-pvh.elf
# env: GNTFUZZ_TARGETS, GNTFUZZ_STRATEGIES (written into the dom0's plan), K (kernel version),
#      GNTFUZZ_VARIANTS  the variants (LIB/MUTANT, as make names them) whose kernels go into dom0's
#                        image, as /guest/gntfuzz-pvh-<library>-<mutant>.elf (default: every kernel
#                        under pvh-dir); every pvh-*/wl-*/vbd-*/vif-* label must name one of them
#      GNTFUZZ_VBD_STRATEGIES, GNTFUZZ_VIF_STRATEGIES, GNTFUZZ_DEV_DURATION  (the plan's device phases)
#      GNTFUZZ_GUEST (target "guest": a user's xl.cfg, guest_cfg.py), GNTFUZZ_GUEST_VBD, _VIF, _TIMEOUT, _DURATION
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
# reproducible: the same files give the same bytes (times, inode numbers, order), so the
# snapshot made from the base stays valid across rebuilds
cpio_of() {
	find "$1" -exec touch -h -d @0 {} +
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible 2>/dev/null | gzip -n -1) > "$2"
}

# ---------- Linux target domU ----------
U=$OUT/rootfs-linux
base_root "$U"
mods "$U" xen-evtchn xen-gntdev xen-gntalloc xen-blkfront xen-netfront
add_prog "$U" "$BIN/linux-target"
add_prog "$U" "$BIN/linux-devio"
install -m755 "$HERE/init-linux-domU" "$U/init"
cpio_of "$U" "$OUT/linux-domU.cpio.gz"

# ---------- dom0: the base (booted once, then restored from a snapshot) ----------
# Everything in it is part of the snapshot's key (nested.py): Xen's tools, the kernel modules,
# /init, and the Linux domU that /init boots and saves before the snapshot.
D=$OUT/rootfs-dom0
base_root "$D"
for t in $XB/xl $XB/xenstored $XB/xenconsoled $XB/xen-init-dom0 $XB/libxl-save-helper \
	 /usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-ls /usr/bin/xenstore-rm /usr/bin/xenstore-chmod; do add_tool "$D" "$t"; done
install -D -m644 /lib/x86_64-linux-gnu/libgcc_s.so.1 "$D/lib/x86_64-linux-gnu/libgcc_s.so.1" # xl dlopen()s it
# virtio: the payload disk the plan comes on, read after the snapshot
mods "$D" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs \
	virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
mkdir -p "$D/etc/xen" "$D/var/lib/xen" "$D/var/log/xen/console" "$D/base" "$D/payload"
: > "$D/etc/xen/xl.conf"
cp /boot/vmlinuz-$K "$D/base/vmlinuz"
cp "$OUT/linux-domU.cpio.gz" "$D/base/"
"$HERE/target-cfg.sh" linux /base > "$D/base/linux.cfg"
install -m755 "$HERE/init-dom0" "$D/init"
install -m755 "$HERE/linux-pool" "$D/usr/bin/linux-pool"
cpio_of "$D" "$OUT/dom0-base.cpio.gz.new"
# keep the old file (and its time) when nothing changed: the snapshot's key hashes it anyway
if cmp -s "$OUT/dom0-base.cpio.gz.new" "$OUT/dom0-base.cpio.gz"; then rm "$OUT/dom0-base.cpio.gz.new"
else mv "$OUT/dom0-base.cpio.gz.new" "$OUT/dom0-base.cpio.gz"; fi

# ---------- the payload: this run's plan, programs and guests, read by dom0 after "go" ----------
P=$OUT/payload
rm -rf "$P"; mkdir -p "$P/bin" "$P/lib" "$P/guest" "$P/cfg"
for p in gntfuzz-peer outside-oracle; do
	install -m755 "$BIN/$p" "$P/bin/$p"
	for l in $(ldd "$BIN/$p" | grep -oE '/[^ ]+'); do cp -n "$(readlink -f "$l")" "$P/lib/$(basename "$l")"; done
done
install -m755 "$HERE/dom0-plan.sh" "$HERE/dom0-run.sh" "$P/"
VARIANTS=${GNTFUZZ_VARIANTS:-$(cd "$PVH" && ls -d */*/gntfuzz-pvh.elf 2>/dev/null | sed 's|/gntfuzz-pvh.elf$||')}
for v in $VARIANTS; do
	[ -f "$PVH/$v/gntfuzz-pvh.elf" ] || { echo "build-images: missing $PVH/$v/gntfuzz-pvh.elf (make pvh)" >&2; exit 1; }
	cp "$PVH/$v/gntfuzz-pvh.elf" "$P/guest/gntfuzz-pvh-$(echo "$v" | tr / -).elf"
done
for label in $TARGETS; do
	case "$label" in pvh-*|wl-*|vbd-*|vif-*) ;; *) continue ;; esac
	rest=${label#*-}; rest=${rest%-v2}
	[ -f "$P/guest/gntfuzz-pvh-$rest.elf" ] || {
		echo "build-images: target $label names no variant built here (variants: $VARIANTS)" >&2; exit 1; }
done
for label in $TARGETS; do
	[ "$label" = guest ] && continue   # the user's guest: guest_cfg.py below
	dir=/payload/guest; [ "$label" = linux ] && dir=/base
	"$HERE/target-cfg.sh" "$label" "$dir" > "$P/cfg/$label.cfg"
done
# GNTFUZZ_GUEST (make's GUEST=<xl.cfg>): the user's guest, its files, and for HVM the device model
install -m644 "$HERE/dom0-guest.sh" "$P/"
case " $TARGETS " in *" guest "*)
	[ -n "${GNTFUZZ_GUEST:-}" ] || { echo "build-images: target guest needs GUEST=<xl.cfg>" >&2; exit 1; }
	python3 "$HERE/guest_cfg.py" payload "$GNTFUZZ_GUEST" "$P" --base-root "$D" --vbd "${GNTFUZZ_GUEST_VBD:-}" \
		--vif "${GNTFUZZ_GUEST_VIF:-}" --timeout "${GNTFUZZ_GUEST_TIMEOUT:-}" --duration "${GNTFUZZ_GUEST_DURATION:-}" ;;
esac
printf 'export GNTFUZZ_TARGETS="%s"\nexport GNTFUZZ_STRATEGIES="%s"\n' "$TARGETS" "$STRATEGIES" > "$P/plan.env"
for v in GNTFUZZ_VBD_STRATEGIES GNTFUZZ_VIF_STRATEGIES GNTFUZZ_OURS_VBD_STRATEGIES GNTFUZZ_OURS_VIF_STRATEGIES \
	 GNTFUZZ_DEV_DURATION GNTFUZZ_LINUX_REBOOTS GNTFUZZ_LINUX_BESIDE; do # unset: the plan's default
	if [ -n "${!v+set}" ]; then printf 'export %s="%s"\n' "$v" "${!v}" >> "$P/plan.env"; fi
done
[ -n "${GNTFUZZ_WL_STRATEGIES:-}" ] && printf 'export GNTFUZZ_WL_STRATEGIES="%s"\n' "$GNTFUZZ_WL_STRATEGIES" >> "$P/plan.env"
[ -n "${GNTFUZZ_PEER:-}" ] && printf 'export GNTFUZZ_PEER="%s"\n' "$GNTFUZZ_PEER" >> "$P/plan.env"
# dom0 prints the id it read: the host knows the plan it gave is the plan that ran
head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$P/id"
# the disk's layout (init-dom0): a header block naming the tar's length in blocks, the tar
(cd "$P" && tar -cf "$OUT/payload.body" .)
blocks=$((($(stat -c %s "$OUT/payload.body") + 511) / 512))
{ printf 'gntfuzz-payload %d\n' "$blocks" | dd bs=512 conv=sync 2>/dev/null; cat "$OUT/payload.body"; } > "$OUT/payload.tar"
rm "$OUT/payload.body"
cp "$P/id" "$OUT/payload.id"

cp /boot/vmlinuz-$K "$OUT/vmlinuz"
zcat /boot/xen-4.17-amd64.gz > "$OUT/xen"
echo "build-images: $OUT/{xen,vmlinuz,dom0-base.cpio.gz,payload.tar} targets: $TARGETS"
