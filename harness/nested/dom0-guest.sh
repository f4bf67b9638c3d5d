# dom0-guest.sh - the "guest" target (make ... GUEST=<xl.cfg>): a user's guest, PV, PVH or HVM,
# attacked through the disk and network the peer serves. Sourced by dom0-plan.sh (uses its
# mark, dead, wait_shutdown, PEER, BIN, CFG, VBD_STRATEGIES, VIF_STRATEGIES, failed).
# $CFG/guest.cfg and guest.env come from harness/nested/guest_cfg.py.
#
# Every strategy on a fresh guest, attached before the guest's first look at its devices: the
# guest is created paused, the peer (in the background: it serves for --duration and blocks)
# creates the device in xenstore as a toolstack does, the plan waits for the device's backend
# node, then unpauses. The peer's --connect-timeout (GUEST_TIMEOUT) covers the guest's whole boot:
# firmware under nested TCG takes minutes.

guest_console() { # kind strategy: what the guest printed (PV console and, HVM, the emulated UART)
	echo "----- device console gntfuzz-guest $1 $2 -----"
	for f in /var/log/xen/console/guest-gntfuzz-guest.log /var/log/xen/console/guest-gntfuzz-guest-serial.log; do
		[ -s "$f" ] && tr -d '\r' < "$f"
	done
	echo "----- end device console -----"
}

guest_session() { # kind strategy devid
	xl destroy gntfuzz-guest >/dev/null 2>&1
	rm -f /var/log/xen/console/guest-gntfuzz-guest*.log
	if ! xl create -p "$CFG/guest.cfg" >/tmp/xl-create-guest.log 2>&1; then
		cat /tmp/xl-create-guest.log
		for f in /var/log/xen/qemu-dm-gntfuzz-guest.log; do [ -f "$f" ] && tail -n 20 "$f"; done
		mark "target-error guest xl-create"; failed=1; return 1
	fi
	gd=$(xl domid gntfuzz-guest)
	mark "target-domid guest $gd"
	mark "device-start guest $1 $2 devid=$3 domid=$gd"
	"$BIN/outside-oracle" "$gd" device $((GUEST_TIMEOUT + GUEST_DURATION + 30)) >/tmp/oracle-guest.out 2>&1 &
	opid=$!
	dur=$GUEST_DURATION; [ "$2" = honest ] && dur=$((GUEST_DURATION + 4))
	"$PEER" --device "$1" --target "$gd" --devid "$3" --strategy "$2" --duration "$dur" \
		--connect-timeout "$GUEST_TIMEOUT" --attach new $([ "$1" = vbd ] && echo --image /tmp/disk.img) \
		>/tmp/peer-guest.out 2>&1 &
	ppid=$!
	# unpause only once the device is in xenstore: the guest finds it at its first enumeration
	i=0
	while [ $i -lt 300 ] && ! xenstore-read "/local/domain/0/backend/$1/$gd/$3/state" >/dev/null 2>&1 &&
	      kill -0 $ppid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	xenstore-read "/local/domain/0/backend/$1/$gd/$3/state" >/dev/null 2>&1 ||
		echo "peer: the backend node of $1 $3 never appeared before unpause"
	mark "guest-unpause guest $1 $2"
	xl unpause "$gd"
	wait $ppid
	rc=$?
	cat /tmp/peer-guest.out
	kill "$opid" 2>/dev/null
	wait "$opid"
	cat /tmp/oracle-guest.out
	# our PVH kernels print their RESULT line and power off; a guest that crashed is a note
	[ "$GUEST_VARIANT" != - ] && wait_shutdown "$gd" 20
	xl list "$gd" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /c/)}' && mark "device-crashed guest $1 $2"
	sleep 1   # xenconsoled writes the log about a second late
	guest_console "$1" "$2"
	[ "${GNTFUZZ_DMESG:-0}" = 1 ] && xl dmesg | grep "(d$gd)"
	xl destroy "$gd" 2>/dev/null
	mark "device-end guest $1 $2 rc=$rc"
}

guest_target() {
	. "$CFG/guest.env"
	mark "guest-info guest type=$GUEST_TYPE name=$GUEST_NAME vbd=$GUEST_VBD vif=$GUEST_VIF variant=$GUEST_VARIANT timeout=$GUEST_TIMEOUT duration=$GUEST_DURATION"
	for kind in vbd vif; do
		if [ $kind = vbd ]; then devid=$GUEST_VBD; list=$VBD_STRATEGIES; else devid=$GUEST_VIF; list=$VIF_STRATEGIES; fi
		[ "$devid" = none ] && continue
		for s in $list; do
			guest_session $kind "$s" "$devid" || { mark "target-end guest"; return; }
		done
	done
	mark "target-end guest"
}
