#!/bin/bash
# guest-example.sh - example guests for `make nested-xen GUEST=<cfg>` (harness/nested/guest.mk):
#   hvm  OUT DEVIO       Debian's Linux 6.12 (bookworm-backports, fetched as a .deb, unmodified) as
#                        an HVM guest booted directly (kernel=/ramdisk=): its xen-blkfront and
#                        xen-netfront, kept busy by linux-devio -> OUT/hvm.cfg (restore mode:
#                        booted once, a restored copy per strategy takes the device by hot-plug)
#   ours OUT PVHDIR      our PVH guest running our blkfront on grants/ fixed and msa02 (as the
#                        vbd-grants-* targets) -> OUT/ours-fixed.cfg, OUT/ours-msa02.cfg
# The apt sources for backports are a temporary list (never the system's).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=$1; OUT=$(mkdir -p "$2" && cd "$2" && pwd)
SUITE="http://deb.debian.org/debian bookworm-backports main"

fetch_kernel() { # -> $OUT/deb/linux-image-*.deb (once)
	ls "$OUT"/deb/linux-image-6.12.*-amd64-unsigned_*.deb >/dev/null 2>&1 && return 0
	local t=$OUT/apt
	mkdir -p "$t/lists/partial" "$t/cache/archives/partial" "$OUT/deb"
	echo "deb $SUITE" > "$t/sources.list"
	local O=(-o Dir::Etc::sourcelist="$t/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$t/lists"
		 -o Dir::Cache="$t/cache" -o APT::Get::List-Cleanup=0)
	apt-get "${O[@]}" update -q >/dev/null || { echo "guest-example: cannot read $SUITE" >&2; exit 1; }
	local pkg
	pkg=$(apt-cache "${O[@]}" search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
		awk '{print $1}' | sort -V | tail -1)
	[ -n "$pkg" ] || { echo "guest-example: no linux-image-6.12.*-amd64-unsigned in $SUITE" >&2; exit 1; }
	(cd "$OUT/deb" && apt-get "${O[@]}" download -q "$pkg" >/dev/null) ||
		{ echo "guest-example: cannot download $pkg" >&2; exit 1; }
}

hvm() {
	local devio=$1 x=$OUT/kernel r=$OUT/rootfs-hvm
	fetch_kernel
	rm -rf "$x" "$r"; mkdir -p "$x"
	dpkg-deb -x "$(ls "$OUT"/deb/linux-image-6.12.*.deb | sort -V | tail -1)" "$x"
	local kver; kver=$(ls "$x/lib/modules" | head -1)
	cp "$x/boot/vmlinuz-$kver" "$OUT/vmlinuz-hvm"
	mkdir -p "$r"/{bin,usr/bin,proc,sys,dev,tmp,lib/modules}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	for m in xen-blkfront xen-netfront; do   # busybox insmod wants plain .ko files
		xz -dc "$(find "$x/lib/modules/$kver" -name "$m.ko.xz")" > "$r/lib/modules/$m.ko"
	done
	install -D -m755 "$devio" "$r/usr/bin/linux-devio"
	for l in $(ldd "$devio" | grep -oE '/[^ ]+'); do install -D -m755 "$(readlink -f "$l")" "$r$l"; done
	cat > "$r/init" <<'EOF'
#!/bin/sh
# the example HVM guest: Debian's own frontends on whatever disk/interface dom0's peer serves
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 0 > /proc/sys/vm/compact_unevictable_allowed
for m in xen-blkfront xen-netfront; do insmod /lib/modules/$m.ko || echo "insmod $m FAILED"; done
echo "guest-example: up $(uname -r)"
# --wait-start: writes data/gntfuzz/state=booted (the plan saves the guest then), waits for the
# plan's data/gntfuzz/start, and only then learns its domid (a restored copy has a new one)
exec /usr/bin/linux-devio --wait-start
EOF
	chmod 755 "$r/init"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) > "$OUT/initrd-hvm.cpio.gz"
	rm -rf "$x"
	cat > "$OUT/hvm.cfg" <<EOF
# Debian's Linux $kver (bookworm-backports, unmodified) as an HVM guest, booted directly;
# Linux uses its PV frontends through the Xen platform PCI device. The peer serves xvdb and vif 0.
# Its frontends take hot-plugged devices: booted once, saved when linux-devio says booted, and a
# restored copy per strategy (GUEST_RESTORE=0 creates it paused per strategy instead: each
# session then pays the HVM boot, about 2 min under nested TCG).
# gntfuzz-restore: 1
name = "debian-6.12-hvm"
type = "hvm"
device_model_version = "qemu-xen"
kernel = "$OUT/vmlinuz-hvm"
ramdisk = "$OUT/initrd-hvm.cpio.gz"
extra = "console=ttyS0 console=hvc0 rdinit=/init quiet"
xen_platform_pci = 1
vga = "none"
memory = 256
vcpus = 1
EOF
	echo "guest-example: $OUT/hvm.cfg (Linux $kver)"
}

ours() {
	local pvh=$1 m
	for m in fixed msa02; do
		[ -f "$pvh/grants/$m/gntfuzz-pvh.elf" ] || { echo "guest-example: missing $pvh/grants/$m/gntfuzz-pvh.elf (make pvh)" >&2; exit 1; }
		cp "$pvh/grants/$m/gntfuzz-pvh.elf" "$OUT/gntfuzz-pvh-grants-$m.elf"
		# the cmdline the vbd-grants-* targets use (target-cfg.sh), on the disk the peer serves (xvdb)
		cat > "$OUT/ours-$m.cfg" <<EOF
# our PVH guest: our blkfront on grants/ $m. The judge holds it to that variant's expectation.
# gntfuzz-variant: grants/$m
# gntfuzz-vbd: xvdb
# gntfuzz-vif: none
name = "gntfuzz-pvh-grants-$m"
type = "pvh"
kernel = "gntfuzz-pvh-grants-$m.elf"
cmdline = "ver=1 pages=4 backend=0 device=vbd devid=51728 requests=64 duration=30 inflight=4"
memory = 32
vcpus = 1
EOF
	done
	echo "guest-example: $OUT/ours-fixed.cfg $OUT/ours-msa02.cfg"
}

case "$cmd" in
hvm) hvm "$3" ;;
ours) ours "$3" ;;
*) echo "usage: guest-example.sh hvm|ours OUT DEVIO|PVHDIR" >&2; exit 2 ;;
esac
