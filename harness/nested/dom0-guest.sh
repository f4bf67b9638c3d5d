# dom0-guest.sh - the "guest" target (make ... GUEST=<xl.cfg>): a user's guest, PV, PVH or HVM,
# attacked through the disk and network the peer serves. Sourced by dom0-plan.sh (uses its
# mark, key, dead, wait_shutdown, PEER, BIN, CFG, VBD_STRATEGIES, VIF_STRATEGIES, failed).
# $CFG/guest.cfg and guest.env come from harness/nested/guest_cfg.py.
#
# Every strategy on a fresh guest, in one of two modes (GUEST_RESTORE):
# 0 (default) paused create: attached before the guest's first look at its devices. The guest is
#   created paused, the peer (in the background: it serves for --duration and blocks) creates the
#   device in xenstore as a toolstack does, the plan waits for the device's backend node, then
#   unpauses. The peer's --connect-timeout (GUEST_TIMEOUT) covers the guest's whole boot:
#   firmware under nested TCG takes minutes. For guests that enumerate devices only at boot.
# 1 restore: for guests that take hot-plugged devices. The guest is booted once with none of the
#   attacked devices, until it is up (below), and saved (xl save: memory, vCPUs and, HVM, the
#   device model's state); each strategy restores a fresh copy of it, running, and the peer
#   hot-plugs its device into it (--attach new). A guest that never comes up or cannot be saved
#   plays every strategy in mode 0 instead (said in the log and the report).
# "Up", generically: the guest wrote data/gntfuzz/state=booted in its own xenstore directory
# (linux-devio --wait-start does, linux-start.h), or a line of its console (PV console or the
# HVM UART) contains GUEST_READY (# gntfuzz-ready: <text>). Every guest, in either mode, finds
# data/gntfuzz/start=1 written when it is unpaused: a program that waits for it (linux-devio
# --wait-start) learns its domid only then, as a restored copy has a new one.
# dom0's /run: a tmpfs of its own (half of dom0's RAM), nearly empty; the root file system holds
# the payload and the saved Linux domU and has no room for a guest's memory
GUEST_SAVE=/run/gntfuzz/guest.save
GUEST_LOGS=/var/log/xen/console/guest-gntfuzz-guest

guest_console() { # kind strategy: what the guest printed (PV console and, HVM, the emulated UART)
	echo "----- device console gntfuzz-guest $1 $2 -----"
	for f in $GUEST_LOGS.log $GUEST_LOGS-serial.log; do
		[ -s "$f" ] && tr -d '\r' < "$f"
	done
	echo "----- end device console -----"
}

guest_up() { # domid seconds: 0 once the guest is up (above), GUEST_UP_BY says how; 1 if it died
	# or the time ran out
	end=$(($(date +%s) + $2))
	while :; do
		[ "$(key "$1" state)" = booted ] && { GUEST_UP_BY=state; return 0; }
		[ -n "$GUEST_READY" ] && cat $GUEST_LOGS.log $GUEST_LOGS-serial.log 2>/dev/null | grep -qF -- "$GUEST_READY" &&
			{ GUEST_UP_BY=console; return 0; }
		{ gone "$1" || [ "$(date +%s)" -ge $end ]; } && return 1
		sleep 0.5
	done
}

# Restore mode: boot the guest once, with none of the attacked devices, until it is up; save it.
guest_save() { # 0 if $GUEST_SAVE holds the saved guest
	xl destroy gntfuzz-guest >/dev/null 2>&1
	rm -f $GUEST_LOGS*.log "$GUEST_SAVE"
	mkdir -p "${GUEST_SAVE%/*}"
	mark "guest-boot guest"
	if ! xl create "$CFG/guest.cfg" >/tmp/xl-create-guest.log 2>&1; then
		cat /tmp/xl-create-guest.log
		GUEST_WHY=xl-create; return 1
	fi
	gd=$(xl domid gntfuzz-guest)
	mark "target-domid guest $gd"
	# one boot for the whole run: more time than a session's connect wait (an HVM Linux took
	# 164 s to "booted" at load ~3, over 240 s with three nested QEMUs on two cores)
	boot=$((GUEST_TIMEOUT * 3))
	isup=0; guest_up "$gd" "$boot" && isup=1
	sleep 1   # xenconsoled writes the log about a second late
	echo "----- console of gntfuzz-guest (booted once, to be saved) -----"
	for f in $GUEST_LOGS.log $GUEST_LOGS-serial.log; do [ -s "$f" ] && tr -d '\r' < "$f"; done
	echo "----- end console of gntfuzz-guest -----"
	if [ $isup = 0 ]; then
		echo "guest: never up in $boot s: no data/gntfuzz/state=booted$([ -n "$GUEST_READY" ] && echo " and no console line with '$GUEST_READY'")"
		xl destroy "$gd" 2>/dev/null; GUEST_WHY=never-up; return 1
	fi
	mark "guest-up guest by=$GUEST_UP_BY"
	# xl save: the guest's PV drivers suspend it (control/shutdown), libxl saves the device model
	if ! xl save "$gd" "$GUEST_SAVE" >/tmp/xl-save-guest.log 2>&1; then
		cat /tmp/xl-save-guest.log
		df -k "${GUEST_SAVE%/*}" 2>/dev/null
		for f in /var/log/xen/qemu-dm-gntfuzz-guest.log; do [ -f "$f" ] && tail -n 20 "$f"; done
		xl destroy "$gd" 2>/dev/null; rm -f "$GUEST_SAVE"; GUEST_WHY=xl-save; return 1
	fi
	grep -v '^$' /tmp/xl-save-guest.log | sed 's/^/xl save: /'
	mark "guest-saved guest bytes=$(wc -c < "$GUEST_SAVE")"
	return 0
}

guest_peer() { # kind strategy devid (uses gd, dur): the peer in the background, its pid in ppid
	"$PEER" --device "$1" --target "$gd" --devid "$3" --strategy "$2" --duration "$dur" \
		--connect-timeout "$GUEST_TIMEOUT" --attach new $([ "$1" = vbd ] && echo --image /tmp/disk.img) \
		>/tmp/peer-guest.out 2>&1 &
	ppid=$!
}

guest_session() { # kind strategy devid
	xl destroy gntfuzz-guest >/dev/null 2>&1
	rm -f $GUEST_LOGS*.log
	if [ "$GUEST_RESTORE" = 1 ]; then
		mark "guest-restore guest $1 $2"
		if ! xl restore -p "$CFG/guest.cfg" "$GUEST_SAVE" >/tmp/xl-restore-guest.log 2>&1; then
			cat /tmp/xl-restore-guest.log
			for f in /var/log/xen/qemu-dm-gntfuzz-guest.log; do [ -f "$f" ] && tail -n 20 "$f"; done
			mark "target-error guest xl-restore"; failed=1; return 1
		fi
		# the first session shows what xl and libxl said (the device model's state restored too)
		[ "$GUEST_SAID" = 1 ] || { grep -v '^$' /tmp/xl-restore-guest.log | sed 's/^/xl restore: /'; GUEST_SAID=1; }
	elif ! xl create -p "$CFG/guest.cfg" >/tmp/xl-create-guest.log 2>&1; then
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
	if [ "$GUEST_RESTORE" = 1 ]; then
		# a running copy of the booted guest: the peer hot-plugs its device into it, but only once
		# the copy has resumed. Linux re-registers its xenstore watch on device/ as it resumes and
		# never rescans: a device written before that is never probed (measured: the frontend
		# stayed Initialising for 240 s). A guest that says booted says it again once resumed
		# (its xenstore directory is new); one that is up by a console line gets GUEST_SETTLE s.
		mark "guest-unpause guest $1 $2"
		xl unpause "$gd"
		if [ "$GUEST_UP_BY" = state ]; then
			GUEST_READY="" guest_up "$gd" "$GUEST_TIMEOUT" ||
				echo "guest: the restored copy never said booted again in $GUEST_TIMEOUT s"
		else
			sleep "${GUEST_SETTLE:-10}"
		fi
		mark "guest-resumed guest $1 $2"
		xenstore-write "/local/domain/$gd/data/gntfuzz/start" 1
		guest_peer "$@"
	else
		guest_peer "$@"
		# unpause only once the device is in xenstore: the guest finds it at its first enumeration
		i=0
		while [ $i -lt 300 ] && ! xenstore-read "/local/domain/0/backend/$1/$gd/$3/state" >/dev/null 2>&1 &&
		      kill -0 $ppid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
		xenstore-read "/local/domain/0/backend/$1/$gd/$3/state" >/dev/null 2>&1 ||
			echo "peer: the backend node of $1 $3 never appeared before unpause"
		mark "guest-unpause guest $1 $2"
		xenstore-write "/local/domain/$gd/data/gntfuzz/start" 1
		xl unpause "$gd"
	fi
	# a guest that died before its frontend connected will not connect: the caller plays the
	# strategy once more (dom0-plan.sh's watch_peer)
	watch_peer "$gd" "$1" "$3" "$ppid"
	GUEST_CRASHED=$PEER_DIED
	wait $ppid
	rc=$?
	cat /tmp/peer-guest.out
	kill "$opid" 2>/dev/null
	wait "$opid"
	cat /tmp/oracle-guest.out
	# our PVH kernels print their RESULT line and power off; a guest that crashed is a note
	[ "$GUEST_VARIANT" != - ] && wait_shutdown "$gd" 20
	sleep 1   # xenconsoled writes the log about a second late
	guest_console "$1" "$2"
	[ "${GNTFUZZ_DMESG:-0}" = 1 ] && xl dmesg | grep "(d$gd)"
	if [ "$GUEST_CRASHED" = before ] && [ "$GUEST_TRY" = 1 ]; then
		xl destroy "$gd" 2>/dev/null
		mark "target-retry guest $1 $2 (domain $gd crashed before its device connected)"
		return 2
	fi
	{ crashed "$gd" || [ "$GUEST_CRASHED" = before ]; } && mark "device-crashed guest $1 $2"
	xl destroy "$gd" 2>/dev/null
	mark "device-end guest $1 $2 rc=$rc"
}

guest_target() {
	GUEST_RESTORE=0; GUEST_READY=""
	. "$CFG/guest.env"
	info="type=$GUEST_TYPE name=$GUEST_NAME vbd=$GUEST_VBD vif=$GUEST_VIF variant=$GUEST_VARIANT timeout=$GUEST_TIMEOUT duration=$GUEST_DURATION"
	mark "guest-info guest $info restore=$GUEST_RESTORE"
	if [ "$GUEST_RESTORE" = 1 ] && ! guest_save; then
		# the guest could not be saved: play every strategy on a paused-created guest instead
		echo "guest: restore mode failed ($GUEST_WHY): every strategy on a fresh paused-created guest instead"
		GUEST_RESTORE=0
		mark "guest-info guest $info restore=failed-$GUEST_WHY"
	fi
	for kind in vbd vif; do
		if [ $kind = vbd ]; then devid=$GUEST_VBD; list=$VBD_STRATEGIES; else devid=$GUEST_VIF; list=$VIF_STRATEGIES; fi
		[ "$devid" = none ] && continue
		for s in $list; do
			GUEST_TRY=1; guest_session $kind "$s" "$devid"; r=$?
			[ $r = 2 ] && { GUEST_TRY=2; guest_session $kind "$s" "$devid"; r=$?; }
			[ $r = 0 ] || { rm -f "$GUEST_SAVE"; mark "target-end guest"; return; }
		done
	done
	rm -f "$GUEST_SAVE"
	mark "target-end guest"
}
