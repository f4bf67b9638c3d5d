#!/bin/sh
# target-cfg.sh <label> <guest-dir> - print the xl config of one target domU.
# Labels: pvh-<library>-<mutant>[-v2] (the PVH guest built with that variant, LIB/MUTANT of
# `make list-variants`, "fixed" = the library as shipped; v2 = grant table v2 for the peer
# rounds), wl-<library>-<mutant>[-v2] (the same guest serving the workload frontend to peer/'s
# gntfuzz-peer) and "linux" (Linux's gntalloc behind linux-target). The kernel of a variant is
# <guest-dir>/gntfuzz-pvh-<library>-<mutant>.elf (build-images.sh and `make real-xen` put it there).
# PVH guests: paused creation and "preserve" so short guests and triple faults stay inspectable.
label=$1; dir=$2
common='vcpus = 1
on_poweroff = "preserve"
on_reboot = "preserve"
on_crash = "preserve"'
case "$label" in
linux)
	printf 'name = "gntfuzz-linux"\ntype = "pvh"\nkernel = "%s/vmlinuz"\nramdisk = "%s/linux-domU.cpio.gz"\n' "$dir" "$dir"
	printf 'extra = "console=hvc0 rdinit=/init quiet"\nmemory = 160\n%s\n' "$common" ;;
pvh-*|wl-*)
	rest=${label#*-}; ver=1; wl=0
	case "$label" in wl-*) wl=1 ;; esac
	case "$rest" in *-v2) ver=2; rest=${rest%-v2} ;; esac
	case "$rest" in ?*-?*) ;; *) echo "target-cfg: label $label names no library-mutant" >&2; exit 1 ;; esac
	printf 'name = "gntfuzz-%s"\ntype = "pvh"\nkernel = "%s/gntfuzz-pvh-%s.elf"\n' "$label" "$dir" "$rest"
	printf 'cmdline = "ver=%s pages=4 backend=0 workload=%s requests=16 inflight=4"\nmemory = 32\n%s\n' "$ver" "$wl" "$common" ;;
*)
	echo "target-cfg: unknown target label $label" >&2; exit 1 ;;
esac
