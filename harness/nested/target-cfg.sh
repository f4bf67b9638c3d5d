#!/bin/sh
# target-cfg.sh <label> <guest-dir> - print the xl config of one target domU.
# Labels: pvh-<library>-<mutant>[-v2] (the PVH guest built with that variant, LIB/MUTANT of
# `make list-variants`, "fixed" = the library as shipped; v2 = grant table v2 for the peer
# rounds), wl-<library>-<mutant>[-v2] (the same guest serving the workload frontend to peer/'s
# gntfuzz-peer), vbd-<library>-<mutant> and vif-<library>-<mutant> (the same guest running our
# blkfront/netfront, cmdline device=vbd|vif, on the device gntfuzz-peer --device hot-plugs), and
# "linux" (Linux's gntalloc behind linux-target, and its own xen-blkfront/xen-netfront). The
# kernel of a variant is <guest-dir>/gntfuzz-pvh-<library>-<mutant>.elf (build-images.sh and
# `make real-xen` put it there).
# PVH guests: paused creation and "preserve" so short guests and triple faults stay inspectable.
label=$1; dir=$2
common='vcpus = 1
on_poweroff = "preserve"
on_reboot = "preserve"
on_crash = "preserve"'
case "$label" in
linux)
	printf 'name = "gntfuzz-linux"\ntype = "pvh"\nkernel = "%s/vmlinuz"\nramdisk = "%s/linux-domU.cpio.gz"\n' "$dir" "$dir"
	printf 'extra = "console=hvc0 rdinit=/init quiet"\nmemory = 192\n%s\n' "$common" ;;
pvh-*|wl-*|vbd-*|vif-*)
	rest=${label#*-}; ver=1; mode="workload=0 requests=16"
	# device=: our frontend does 64 requests, or stops after 30 s (the peer serves a few seconds)
	case "$label" in wl-*) mode="workload=1 requests=16" ;; vbd-*|vif-*) mode="device=${label%%-*} requests=64 duration=30" ;; esac
	case "$rest" in *-v2) ver=2; rest=${rest%-v2} ;; esac
	case "$rest" in ?*-?*) ;; *) echo "target-cfg: label $label names no library-mutant" >&2; exit 1 ;; esac
	printf 'name = "gntfuzz-%s"\ntype = "pvh"\nkernel = "%s/gntfuzz-pvh-%s.elf"\n' "$label" "$dir" "$rest"
	printf 'cmdline = "ver=%s pages=4 backend=0 %s inflight=4"\nmemory = 32\n%s\n' "$ver" "$mode" "$common" ;;
*)
	echo "target-cfg: unknown target label $label" >&2; exit 1 ;;
esac
