#!/bin/sh
# dom0-plan.sh - the dom0 side of a nested-Xen (or real-Xen) run: for each target, create its
# domU paused, unpause it, wait for it to publish, run the peer with every strategy (the outside
# oracle looks while the peer holds its maps), tell the target to quit, collect its log, destroy.
# Prints "=== GNTFUZZ ..." marker lines that harness/nested/nested.py parses.
#
# env: GNTFUZZ_TARGETS   labels; each has $GNTFUZZ_CFG/<label>.cfg (domain name gntfuzz-<label>)
#      GNTFUZZ_STRATEGIES  peer strategies, one round each
#      GNTFUZZ_BIN       where gntfuzz-peer and outside-oracle live
#      GNTFUZZ_PEER      the peer program (default: $GNTFUZZ_BIN/gntfuzz-peer, peer/'s): pvh-* and
#                        linux targets get --protocol rounds, wl-* targets its workload protocol
#      GNTFUZZ_WL_STRATEGIES  its strategies for wl-* targets, one session each
#      GNTFUZZ_WL_DURATION    seconds the peer plays each session (default 1)
#      GNTFUZZ_DMESG=1   also print the target's Xen console lines (real hosts: no serial log)
#      GNTFUZZ_PRESTART  targets created (running) before the plan starts, so that a slow boot
#                        (a Linux domU takes ~90 s under TCG) overlaps the other targets' runs
BIN=${GNTFUZZ_BIN:-/usr/bin}
CFG=${GNTFUZZ_CFG:-/etc/gntfuzz}
PEER=${GNTFUZZ_PEER:-$BIN/gntfuzz-peer}
STRATEGIES=${GNTFUZZ_STRATEGIES:-honest forged-done forged-ro storm}
WL_STRATEGIES=${GNTFUZZ_WL_STRATEGIES:-hold forged-done race-end storm copy-loop flood bad-ids early-closed}
TARGETS=${GNTFUZZ_TARGETS:-pvh-grants-fixed pvh-grants-msa02 linux}
up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "=== GNTFUZZ [$(up)] $*"; }
key() { xenstore-read "/local/domain/$1/data/gntfuzz/$2" 2>/dev/null; }

wait_key() { # domid key value seconds (wall clock: under TCG each xenstore-read costs time too)
	end=$(($(date +%s) + $4))
	while [ "$(key "$1" "$2")" != "$3" ]; do
		[ "$(date +%s)" -ge $end ] && return 1
		sleep 0.1
	done
	return 0
}

dead() { # domid: shut down or crashed (xl list state column has s or c)
	xl list "$1" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /[sc]/)}'
}

failed=0
PRESTART=${GNTFUZZ_PRESTART-linux}
early=""
for label in $PRESTART; do
	case " $TARGETS " in *" $label "*) ;; *) continue ;; esac
	xl destroy "gntfuzz-$label" >/dev/null 2>&1
	if xl create "$CFG/$label.cfg" >"/tmp/xl-create-$label.log" 2>&1; then
		early="$early $label"; mark "target-prestart $label"
	fi
done
for label in $TARGETS; do
	name=gntfuzz-$label
	mark "target-start $label"
	case " $early " in
	*" $label "*) ;;   # already created and booting
	*)
		xl destroy "$name" >/dev/null 2>&1
		if ! xl create -p "$CFG/$label.cfg" >/tmp/xl-create.log 2>&1; then
			cat /tmp/xl-create.log; mark "target-error $label xl-create"; failed=1; continue
		fi ;;
	esac
	domid=$(xl domid "$name")
	[ -n "$domid" ] || { mark "target-error $label no-domain"; failed=1; continue; }
	mark "target-domid $label $domid"
	xl unpause "$domid" 2>/dev/null
	# A domU that died while booting gets one more try (seen here: a Linux PVH domU triple
	# faulting in early boot under nested TCG, about one run in five).
	if dead "$domid" || ! wait_key "$domid" state idle 90; then
		mark "target-retry $label (domain $domid died or never published)"
		xl destroy "$domid" 2>/dev/null
		if xl create -p "$CFG/$label.cfg" >/tmp/xl-create.log 2>&1 && domid=$(xl domid "$name"); then
			mark "target-domid $label $domid"
			xl unpause "$domid"
		else
			cat /tmp/xl-create.log
		fi
	fi
	if ! wait_key "$domid" state idle 180; then
		mark "target-error $label never-published"; failed=1
	elif [ "${label#wl-}" != "$label" ]; then
		mark "target-ready $label"
		# as a toolstack does for a PV device: the frontend's directory, owned by the frontend
		fe=/local/domain/$domid/device/wl/0
		xenstore-write "$fe/state" 1 && xenstore-chmod -r "/local/domain/$domid/device/wl" "n$domid" \
			|| echo "peer: cannot create $fe for the frontend"
		k=1
		for s in $WL_STRATEGIES; do
			mark "strategy-start $label $s"
			xenstore-rm "/local/domain/0/backend/wl/$domid" 2>/dev/null
			# the outside oracle samples the whole session (gntfuzz-peer has no hold hook)
			"$BIN/outside-oracle" "$domid" watch "wl-done $k" 60 >/tmp/oracle.out 2>&1 &
			opid=$!
			xenstore-write "/local/domain/$domid/data/gntfuzz/go" "$k"
			if wait_key "$domid" state "wl-ready $k" 30; then
				"$PEER" --strategy "$s" --target "$domid" --duration "${GNTFUZZ_WL_DURATION:-1}"; rc=$?
			else
				echo "peer: target never became ready for session $k"; rc=1
			fi
			xenstore-write "/local/domain/$domid/data/gntfuzz/stop" "$k"
			wait_key "$domid" state "wl-done $k" 30 || echo "peer: target never finished session $k"
			wait $opid
			cat /tmp/oracle.out
			mark "strategy-end $label $s rc=$rc"
			k=$((k + 1))
		done
		xenstore-write "/local/domain/$domid/data/gntfuzz/go" quit
	else
		mark "target-ready $label"
		round=1
		for s in $STRATEGIES; do
			mark "strategy-start $label $s"
			GNTFUZZ_HOLD_HOOK="$BIN/outside-oracle $domid once" \
				"$PEER" --protocol rounds --target "$domid" --strategy "$s" --round "$round" --label "$label"
			mark "strategy-end $label $s rc=$?"
			round=$((round + 1))
		done
		"$PEER" --protocol rounds --target "$domid" --quit
	fi
	# wait for the guest to shut down (on_poweroff=preserve keeps it listed, state "s")
	i=0
	while [ $i -lt 300 ] && ! xl list "$domid" 2>/dev/null | awk 'NR==2 {exit !($5 ~ /s/)}'; do
		sleep 0.1; i=$((i + 1))
	done
	[ "${GNTFUZZ_DMESG:-0}" = 1 ] && xl dmesg | grep "(d$domid)"
	if [ -f "/var/log/xen/console/guest-$name.log" ]; then
		echo "----- console of $name -----"
		cat "/var/log/xen/console/guest-$name.log"
		echo "----- end console of $name -----"
	fi
	xl destroy "$domid" 2>/dev/null
	mark "target-end $label"
done
mark "plan-complete failed=$failed"
[ $failed = 0 ]
