#!/bin/sh
# dom0-plan.sh - the dom0 side of a nested-Xen (or real-Xen) run: for each target, create its
# domU, run the peer with every strategy (the outside oracle looks while the peer holds its
# maps), collect the target's log, destroy it. Prints "=== GNTFUZZ ..." marker lines that
# harness/nested/nested.py parses.
#
# Targets (labels; each has $GNTFUZZ_CFG/<label>.cfg, domain name gntfuzz-<label>):
#   pvh-*   the PVH guest in the round protocol (gntfuzz-peer --protocol rounds)
#   wl-*    the PVH guest serving the workload frontend (one session per strategy)
#   vbd-*, vif-*  the PVH guest running our blkfront/netfront (cmdline device=vbd|vif): a fresh
#           guest per strategy; gntfuzz-peer --device hot-plugs the device it waits for
#   linux   the Linux domU: the round protocol (linux-target on Linux's gntalloc), then the
#           device phases: gntfuzz-peer --device vbd, then vif, hot-plugs one device per
#           strategy into the running domU, where Linux's own xen-blkfront/xen-netfront take it
#           and linux-devio keeps it busy
#
# env: GNTFUZZ_TARGETS   the labels
#      GNTFUZZ_STRATEGIES  rounds strategies, one round each (pvh-*, linux)
#      GNTFUZZ_WL_STRATEGIES  workload strategies, one session each (wl-*)
#      GNTFUZZ_VBD_STRATEGIES, GNTFUZZ_VIF_STRATEGIES  device strategies (vbd-*/vif-* and the
#                        linux device phases): "all" (default) asks `gntfuzz-peer --list
#                        vbd-strategies|vif-strategies`; empty skips that phase
#      GNTFUZZ_OURS_VBD_STRATEGIES, GNTFUZZ_OURS_VIF_STRATEGIES  the same for our frontends
#                        (vbd-*/vif-*; default: the lists above)
#      GNTFUZZ_DEV_DURATION  seconds the peer serves each device after it connected (default 4)
#      GNTFUZZ_BIN       where gntfuzz-peer and outside-oracle live
#      GNTFUZZ_PEER      the peer program (default: $GNTFUZZ_BIN/gntfuzz-peer, peer/'s)
#      GNTFUZZ_WL_DURATION    seconds the peer plays each workload session (default 1)
#      GNTFUZZ_DMESG=1   also print the target's Xen console lines (real hosts: no serial log)
#      GNTFUZZ_PRESTART  targets created (running) before the plan starts and played last, so
#                        that a slow boot (a Linux domU takes ~90 s under TCG) overlaps the others
#      GNTFUZZ_LINUX_REBOOTS  fresh Linux domUs the device phases may boot when a lying blkback
#                        wedged the domU's xenbus (default 0: the remaining disks are skipped);
#                        not used with GNTFUZZ_LINUX_SAVE
#      GNTFUZZ_LINUX_SAVE  a booted Linux domU saved by `xl save` (the nested dom0's /init makes
#                        it before the snapshot): each use of Linux restores a fresh copy of it --
#                        the rounds, and every device strategy on a domU of its own
BIN=${GNTFUZZ_BIN:-/usr/bin}
CFG=${GNTFUZZ_CFG:-/etc/gntfuzz}
PEER=${GNTFUZZ_PEER:-$BIN/gntfuzz-peer}
STRATEGIES=${GNTFUZZ_STRATEGIES-honest forged-done forged-ro storm}
WL_STRATEGIES=${GNTFUZZ_WL_STRATEGIES-hold forged-done race-end storm copy-loop flood bad-ids early-closed}
VBD_STRATEGIES=${GNTFUZZ_VBD_STRATEGIES-all}
VIF_STRATEGIES=${GNTFUZZ_VIF_STRATEGIES-all}
DEV_DURATION=${GNTFUZZ_DEV_DURATION:-4}
TARGETS=${GNTFUZZ_TARGETS:-pvh-grants-fixed pvh-grants-msa02 linux}
LINUX_SAVE=${GNTFUZZ_LINUX_SAVE:-}
up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "=== GNTFUZZ [$(up)] $*"; }
key() { xenstore-read "/local/domain/$1/data/gntfuzz/$2" 2>/dev/null; }
# the peer's own table, one source: "all" means every strategy it lists
[ "$VBD_STRATEGIES" = all ] && VBD_STRATEGIES=$("$PEER" --list vbd-strategies 2>/dev/null | tr '\n' ' ')
[ "$VIF_STRATEGIES" = all ] && VIF_STRATEGIES=$("$PEER" --list vif-strategies 2>/dev/null | tr '\n' ' ')
# our frontends (vbd-*/vif-*: a fresh PVH guest per strategy) may play a shorter list
OURS_VBD_STRATEGIES=${GNTFUZZ_OURS_VBD_STRATEGIES-$VBD_STRATEGIES}
OURS_VIF_STRATEGIES=${GNTFUZZ_OURS_VIF_STRATEGIES-$VIF_STRATEGIES}
[ "$OURS_VBD_STRATEGIES" = all ] && OURS_VBD_STRATEGIES=$("$PEER" --list vbd-strategies 2>/dev/null | tr '\n' ' ')
[ "$OURS_VIF_STRATEGIES" = all ] && OURS_VIF_STRATEGIES=$("$PEER" --list vif-strategies 2>/dev/null | tr '\n' ' ')

wait_key() { # domid key value seconds (wall clock: under TCG each xenstore-read costs time too)
	end=$(($(date +%s) + $4))
	while [ "$(key "$1" "$2")" != "$3" ]; do
		[ "$(date +%s)" -ge $end ] && return 1
		sleep 0.1
	done
	return 0
}

crashed() { # domid: crashed (state c; on_crash=preserve keeps it listed)
	xl list "$1" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /c/)}'
}

dead() { # domid: shut down or crashed (xl list state column has s or c)
	xl list "$1" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /[sc]/)}'
}

gone() { # domid: dead, or no longer listed (destroyed)
	dead "$1" || ! xl list "$1" >/dev/null 2>&1
}

fe_connected() { # domid kind devid: the frontend got past InitWait (3..6)
	case "$(fe_state "$1" "$2" "$3")" in 3|4|5|6) return 0 ;; *) return 1 ;; esac
}

# While the peer (pid) serves a device, stop it if its domain died: PEER_DIED=before (the
# frontend never connected: it never will; the caller may play the strategy once more) or after
# (crashed after connecting). Xen turns a triple fault (seen under nested TCG) into a crash (c) or,
# for HVM and PVH, a reboot (s, on_reboot=preserve): both count before connecting. After
# connecting only a crash does: our PVH guests power off when their session is done. The peer
# removes the device as it ends, so a guest that finished and powered off just then shows no
# frontend state either: "before" also needs the peer still waiting 2 s later.
watch_peer() { # domid kind devid pid
	PEER_DIED=""
	while kill -0 "$4" 2>/dev/null; do
		if fe_connected "$1" "$2" "$3"; then
			if crashed "$1"; then PEER_DIED=after; sleep 1; kill "$4" 2>/dev/null; return; fi
		elif gone "$1"; then
			i=0
			while [ $i -lt 4 ] && kill -0 "$4" 2>/dev/null; do sleep 0.5; i=$((i + 1)); done
			if kill -0 "$4" 2>/dev/null && ! fe_connected "$1" "$2" "$3"; then
				PEER_DIED=before; kill "$4" 2>/dev/null; return
			fi
		fi
		sleep 0.5
	done
}

wait_idle() { # domid seconds: published state=idle; 1 at once if the domain died (a guest
	# that failed its setup powers off: waiting minutes for it only costs the run)
	end=$(($(date +%s) + $2))
	while [ "$(key "$1" state)" != idle ]; do
		{ [ "$(date +%s)" -ge $end ] || dead "$1"; } && return 1
		sleep 0.2
	done
	return 0
}

wait_shutdown() { # domid seconds (wall clock; on_poweroff=preserve keeps it listed, state "s")
	end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt $end ] && ! xl list "$1" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /s/)}'; do
		sleep 0.1
	done
}

console_of() { # name [shown-as]: the guest's console log so far
	f=/var/log/xen/console/guest-$1.log
	[ -f "$f" ] || return 0
	echo "----- console of ${2:-$1} -----"
	cat "$f"
	echo "----- end console of $1 -----"
}

create() { # label: create its domain paused; prints the domid
	xl destroy "gntfuzz-$1" >/dev/null 2>&1
	xl create -p "$CFG/$1.cfg" >"/tmp/xl-create-$1.log" 2>&1 || { cat "/tmp/xl-create-$1.log" >&2; return 1; }
	xl domid "gntfuzz-$1"
}

fe_state() { xenstore-read "/local/domain/$1/device/$2/$3/state" 2>/dev/null; } # domid kind devid

# A fresh Linux domU (restored from $LINUX_SAVE, else booted), told to start; waits until
# linux-target published; sets domid. 1 if it never did. Two tries: a Linux PVH domU sometimes
# triple-faults while booting under nested TCG.
linux_boot() { # label
	for try in 1 2; do
		lname=gntfuzz-$1
		if [ -n "$LINUX_SAVE" ]; then
			# a fresh copy from the pool (harness/nested/linux-pool), and the next one restored
			# in the background while this one plays
			lname=$(linux-pool take 180) && domid=$(xl domid "$lname") ||
				{ mark "target-retry $1 (no fresh copy of the saved domU)"; continue; }
			linux-pool fill 2 >/dev/null 2>&1 &
		else
			domid=$(create "$1") || return 1
		fi
		mark "target-domid $1 $domid"
		xl unpause "$domid"
		xenstore-write "/local/domain/$domid/data/gntfuzz/start" 1
		end=$(($(date +%s) + 240)) # a dead domU is given up at once, not after the 240 s
		while [ "$(key "$domid" state)" != idle ] && ! dead "$domid" && [ "$(date +%s)" -lt $end ]; do sleep 0.5; done
		[ "$(key "$domid" state)" = idle ] && { mark "target-ready $1"; return 0; }
		console_of "$lname"
		mark "target-retry $1 (domain $domid died or never published)"
	done
	return 1
}

# A vbd as xl creates one (backend dir owned by dom0 and readable by the guest, frontend dir
# owned by the guest, its state last), for gntfuzz-peer --attach existing.
xl_vbd() { # domid devid
	be=/local/domain/0/backend/vbd/$1/$2; fe=/local/domain/$1/device/vbd/$2
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$1" "$be/online" 1 "$be/state" 1 \
		"$be/params" "$DISK" "$be/mode" w "$be/device-type" disk "$be/removable" 0 "$be/type" gntfuzz &&
	xenstore-chmod -r "$be" n0 "r$1" &&
	xenstore-write "$fe/virtual-device" "$2" "$fe/device-type" disk "$fe/backend-id" 0 "$fe/backend" "$be" &&
	xenstore-chmod -r "$fe" "n$1" r0 &&
	xenstore-write "$fe/state" 1
}

# One device session: the peer hot-plugs device <kind> <devid> into domain <domid> and serves it
# with <strategy> while dom0's outside oracle samples the target's grant table. <attach>
# "existing": the plan made the device as xl does (xl_vbd) and it stays after the session.
device_session() { # label domid kind strategy devid [attach]
	mark "device-start $1 $3 $4 devid=$5 domid=$2"
	"$BIN/outside-oracle" "$2" device $((DEV_DURATION + 90)) >"/tmp/oracle-$1-$3.out" 2>&1 &
	opid=$!
	# the honest session is where the frontend must show real I/O: give it a few seconds more
	dur=$DEV_DURATION; [ "$4" = honest ] && dur=$((DEV_DURATION + 4))
	"$PEER" --device "$3" --target "$2" --devid "$5" --strategy "$4" --duration "$dur" \
		--connect-timeout "${CONNECT_TIMEOUT:-60}" --attach "${6:-new}" $([ "$3" = vbd ] && echo --image "$DISK") \
		>"/tmp/peer-$1-$3.out" 2>&1 &
	ppid=$!
	watch_peer "$2" "$3" "$5" "$ppid"   # the caller decides what a dead domain means
	DEV_CRASHED=$PEER_DIED
	wait "$ppid"
	rc=$?
	cat "/tmp/peer-$1-$3.out"
	kill "$opid" 2>/dev/null
	wait "$opid"
	cat "/tmp/oracle-$1-$3.out"
	DEV_RC=$rc
}

# Linux: one hot-plugged device per strategy into the running domU, a fresh devid each, so a
# device Linux still holds cannot stand in the way of the next; its console during the session
# is printed after it (xenconsoled writes it about a second late).
# Disks: Linux's xenbus thread waits for every request still in flight when a disk is removed
# (del_gendisk) or scanned for partitions; a request it refuses to complete (its answer to a
# backend that lied) stops all later hot-plug in that domU. So the disks name a partition
# (xvda1, xvdb1, ...: no partition scan) and stay, dead, after their session: the plan creates
# them as xl does and the peer takes them over (--attach existing). A disk whose frontend never
# closes after its session, or a device the domU no longer even probes (the session before it
# is then the culprit), has wedged the domU's xenbus ("device-wedged", a finding): the plan
# boots a fresh Linux domU for the next device while GNTFUZZ_LINUX_REBOOTS lasts, else the rest
# are "device-skipped". Linux connects in seconds: 20 s to connect is plenty.
linux_devices() { # label kind strategies (uses and may change $domid, $lname, $wedged, $last, $reboots)
	DISK=/tmp/disk-linux.img
	k=0
	for s in $3; do
	  retry=1
	  while :; do
		if [ -n "$LINUX_SAVE" ]; then
			# every strategy on a fresh copy of the booted domU: no session inherits a wedge
			xl destroy "$domid" 2>/dev/null
			if ! linux_boot "$1"; then
				mark "device-skipped $1 $2 $s wedged-by=no-fresh-domU"
				k=$((k + 1)); break
			fi
			wedged=""; last=""
		elif [ -n "$wedged" ]; then
			if [ "$reboots" -gt 0 ] && reboots=$((reboots - 1)) && console_of "gntfuzz-$1" && linux_boot "$1"; then
				wedged=""; last=""
			else
				mark "device-skipped $1 $2 $s wedged-by=$wedged"
				k=$((k + 1)); break
			fi
		fi
		log=/var/log/xen/console/guest-$lname.log
		attach=new; devid=$k
		if [ "$2" = vbd ]; then
			devid=$((51712 + 16 * (k % 26) + 1)); attach=existing
			xl_vbd "$domid" "$devid" || echo "peer: cannot create vbd $devid of domain $domid in xenstore"
		fi
		from=$(($(wc -c 2>/dev/null <"$log" || echo 0) + 1))
		CONNECT_TIMEOUT=20 device_session "$1" "$domid" "$2" "$s" "$devid" "$attach"
		skipped=""
		crashed=""
		if gone "$domid"; then
			# the domU died during the session (a triple fault: seen under nested TCG even while
			# booting): boot another and play the strategy once more
			wedged="$2/$s"; crashed=1; mark "device-crashed $1 $2 $s"
		elif [ "$DEV_RC" = 1 ] && [ -n "$last" ] && grep -q "did not" "/tmp/peer-$1-$2.out"; then
			# the domU no longer takes hot-plugged devices: the session before wedged its xenbus
			wedged=$last; skipped=$last; mark "device-wedged $1 ${last%/*} ${last#*/}"
		elif [ "$2" = vbd ]; then
			i=0
			while [ $i -lt 20 ] && [ "$(fe_state "$domid" vbd "$devid")" != 6 ]; do sleep 0.25; i=$((i + 1)); done
			[ "$(fe_state "$domid" vbd "$devid")" = 6 ] || { wedged="$2/$s"; mark "device-wedged $1 $2 $s"; }
		fi
		sleep 1
		echo "----- device console gntfuzz-$1 $2 $s -----"
		tail -c +"$from" "$log" 2>/dev/null
		echo "----- end device console -----"
		mark "device-end $1 $2 $s rc=$DEV_RC"
		[ -n "$skipped" ] && mark "device-skipped $1 $2 $s wedged-by=$skipped"
		last="$2/$s"
		k=$((k + 1))
		[ -n "$crashed" ] && [ $retry = 1 ] && { [ "$reboots" -gt 0 ] || [ -n "$LINUX_SAVE" ]; } && { retry=0; continue; }
		break
	  done
	done
}

# Our frontends in the PVH guest: a fresh guest per strategy; it waits for its device, does its
# I/O, prints its RESULT line and powers off.
# A guest that crashes before its device connected (under nested TCG a PVH guest now and then
# triple-faults at boot with Xen's own RIP: an emulation fault, not the frontend's) plays the
# strategy once more on a fresh guest; a crash after connecting is the session's outcome.
pvh_devices() { # label kind strategies
	for s in $3; do
	  for try in 1 2; do
		domid=$(create "$1") || { mark "target-error $1 xl-create"; failed=1; return; }
		mark "target-domid $1 $domid"
		xl unpause "$domid"
		devid=0; [ "$2" = vbd ] && devid=51712
		device_session "$1" "$domid" "$2" "$s" "$devid"
		wait_shutdown "$domid" 20
		[ "${GNTFUZZ_DMESG:-0}" = 1 ] && xl dmesg | grep "(d$domid)"
		xl destroy "$domid" 2>/dev/null
		if [ "$DEV_CRASHED" = before ] && [ $try = 1 ]; then
			mark "target-retry $1 $2 $s (domain $domid crashed before its device connected)"
			continue
		fi
		mark "device-end $1 $2 $s rc=$DEV_RC"
		break
	  done
	done
}

rounds() { # label domid
	round=1
	for s in $STRATEGIES; do
		mark "strategy-start $1 $s"
		GNTFUZZ_HOLD_HOOK="$BIN/outside-oracle $2 once" \
			"$PEER" --protocol rounds --target "$2" --strategy "$s" --round "$round" --label "$1"
		mark "strategy-end $1 $s rc=$?"
		round=$((round + 1))
	done
}

wl_sessions() { # label domid
	# as a toolstack does for a PV device: the frontend's directory, owned by the frontend
	fe=/local/domain/$2/device/wl/0
	xenstore-write "$fe/state" 1 && xenstore-chmod -r "/local/domain/$2/device/wl" "n$2" \
		|| echo "peer: cannot create $fe for the frontend"
	k=1
	for s in $WL_STRATEGIES; do
		mark "strategy-start $1 $s"
		xenstore-rm "/local/domain/0/backend/wl/$2" 2>/dev/null
		# the outside oracle samples the whole session (gntfuzz-peer has no hold hook)
		"$BIN/outside-oracle" "$2" watch "wl-done $k" 60 >/tmp/oracle.out 2>&1 &
		opid=$!
		xenstore-write "/local/domain/$2/data/gntfuzz/go" "$k"
		if wait_key "$2" state "wl-ready $k" 30; then
			"$PEER" --strategy "$s" --target "$2" --duration "${GNTFUZZ_WL_DURATION:-1}"; rc=$?
		else
			echo "peer: target never became ready for session $k"; rc=1
		fi
		xenstore-write "/local/domain/$2/data/gntfuzz/stop" "$k"
		wait_key "$2" state "wl-done $k" 30 || echo "peer: target never finished session $k"
		wait $opid
		cat /tmp/oracle.out
		mark "strategy-end $1 $s rc=$rc"
		k=$((k + 1))
	done
	xenstore-write "/local/domain/$2/data/gntfuzz/go" quit
}

# the vbd images (sparse): Linux's own, as it may play beside our frontends
dd if=/dev/zero of=/tmp/disk.img bs=1M count=0 seek=16 2>/dev/null
dd if=/dev/zero of=/tmp/disk-linux.img bs=1M count=0 seek=16 2>/dev/null
DISK=/tmp/disk.img
failed=0
PRESTART=${GNTFUZZ_PRESTART-linux}
[ -n "$LINUX_SAVE" ] && PRESTART=""   # a restored Linux is up in seconds: nothing to overlap
early=""
for label in $PRESTART; do
	case " $TARGETS " in *" $label "*) ;; *) continue ;; esac
	xl destroy "gntfuzz-$label" >/dev/null 2>&1
	if xl create "$CFG/$label.cfg" >"/tmp/xl-create-$label.log" 2>&1; then
		early="$early $label"; mark "target-prestart $label"
	fi
done
run_target() { # label: create, play, collect, destroy
	label=$1; name=gntfuzz-$label
	mark "target-start $label"
	case "$label" in
	vbd-*|vif-*)
		pvh_devices "$label" "${label%%-*}" "$([ "${label%%-*}" = vbd ] && echo "$OURS_VBD_STRATEGIES" || echo "$OURS_VIF_STRATEGIES")"
		mark "target-end $label"
		return ;;
	linux)
		if [ -n "$LINUX_SAVE" ]; then linux_saved; return; fi ;;
	guest)   # a user's guest (GUEST=<xl.cfg>): dom0-guest.sh
		guest_target; return ;;
	esac
	case " $early " in
	*" $label "*) ;;   # already created and booting
	*)
		xl destroy "$name" >/dev/null 2>&1
		if ! xl create -p "$CFG/$label.cfg" >"/tmp/xl-create-$label.log" 2>&1; then
			cat "/tmp/xl-create-$label.log"; mark "target-error $label xl-create"; failed=1; return
		fi ;;
	esac
	domid=$(xl domid "$name")
	[ -n "$domid" ] || { mark "target-error $label no-domain"; failed=1; return; }
	mark "target-domid $label $domid"
	xl unpause "$domid" 2>/dev/null
	start "$label" "$domid"
	# A domU that died while booting gets one more try (seen here: a Linux PVH domU triple
	# faulting in early boot under nested TCG, about one run in five).
	if ! wait_idle "$domid" 90; then
		mark "target-retry $label (domain $domid died or never published)"
		xl destroy "$domid" 2>/dev/null
		if xl create -p "$CFG/$label.cfg" >"/tmp/xl-create-$label.log" 2>&1 && domid=$(xl domid "$name"); then
			mark "target-domid $label $domid"
			xl unpause "$domid"
			start "$label" "$domid"
		else
			cat "/tmp/xl-create-$label.log"
		fi
	fi
	if ! wait_idle "$domid" 180; then
		mark "target-error $label never-published"; failed=1
	elif [ "${label#wl-}" != "$label" ]; then
		mark "target-ready $label"
		wl_sessions "$label" "$domid"
	else
		mark "target-ready $label"
		rounds "$label" "$domid"
		if [ "$label" = linux ]; then
			# netfront first: a lying blkback may wedge the domU's xenbus (see linux_devices)
			wedged=""; last=""; reboots=${GNTFUZZ_LINUX_REBOOTS:-0}
			linux_devices "$label" vif "$VIF_STRATEGIES"
			# the disks' honest session must run even if the interfaces used up the fresh domUs
			[ -n "$wedged" ] && [ "$reboots" = 0 ] && reboots=1
			linux_devices "$label" vbd "$VBD_STRATEGIES"
		fi
		"$PEER" --protocol rounds --target "$domid" --quit
	fi
	# Linux may hang in its device shutdown after a lying blkback: its log is what counts
	wait_shutdown "$domid" "$([ "$label" = linux ] && echo 10 || echo 30)"
	[ "${GNTFUZZ_DMESG:-0}" = 1 ] && xl dmesg | grep "(d$domid)"
	console_of "$name"
	xl destroy "$domid" 2>/dev/null
	mark "target-end $label"
}

. "$(dirname "$0")/dom0-guest.sh"   # the "guest" target

start() { # label domid: the Linux domU waits for this before it learns its domid
	[ "$1" = linux ] && xenstore-write "/local/domain/$2/data/gntfuzz/start" 1
	return 0
}

# Linux from the saved copy: the rounds on one restored domU, then every device strategy on a
# fresh one (linux_devices), so none inherits a xenbus another session wedged.
linux_saved() {
	if ! linux_boot linux; then
		mark "target-error linux never-published"; failed=1; mark "target-end linux"; return
	fi
	rounds linux "$domid"
	"$PEER" --protocol rounds --target "$domid" --quit
	# its last line on the console, not a shutdown: busybox's poweroff only halts a PVH Linux
	i=0
	while [ $i -lt 40 ] && ! grep -q "linux-target exit" "/var/log/xen/console/guest-$lname.log" 2>/dev/null; do
		sleep 0.25; i=$((i + 1))
	done
	console_of "$lname" gntfuzz-linux
	xl destroy "$domid" 2>/dev/null
	wedged=""; last=""; reboots=0
	linux_devices linux vif "$VIF_STRATEGIES"
	linux_devices linux vbd "$VBD_STRATEGIES"
	xl destroy "$domid" 2>/dev/null
	mark "target-end linux"
}

# The prestarted targets last: their boot overlaps everything before them. (Played beside the
# others while booting, a Linux domU's boot only slowed their sessions on 2 busy cores.)
# With a pool of restored Linux copies, Linux plays beside the others (GNTFUZZ_LINUX_BESIDE=1,
# the default then): its output goes to a file, printed whole when both are done, so the log
# reads as if played in turn; the markers carry dom0's uptime for the durations.
BESIDE=""
if [ -n "$LINUX_SAVE" ] && [ "${GNTFUZZ_LINUX_BESIDE:-1}" = 1 ]; then
	case " $TARGETS " in *" linux "*) BESIDE=linux ;; esac
fi
if [ -n "$BESIDE" ]; then
	( failed=0; run_target linux; echo "$failed" > /tmp/beside.failed ) > /tmp/beside.log 2>&1 &
	beside_pid=$!
fi
for label in $TARGETS; do
	case " $early $BESIDE " in *" $label "*) continue ;; esac
	run_target "$label"
done
for label in $early; do run_target "$label"; done
if [ -n "$BESIDE" ]; then
	wait "$beside_pid"
	cat /tmp/beside.log
	[ "$(cat /tmp/beside.failed 2>/dev/null)" = 0 ] || failed=1
fi
mark "plan-complete failed=$failed"
[ $failed = 0 ]
