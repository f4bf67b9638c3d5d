#!/bin/sh
# dom0-run.sh - the nested dom0 after the snapshot point (init-dom0 execs it from the payload):
# run dom0-plan.sh on this run's payload and hand the outcome to QEMU through isa-debug-exit
# (0x10 -> exit 33: the plan ran to its end; 0x01 -> exit 3: it did not). The verdicts
# themselves are read from the serial log by nested.py.
echo "=== GNTFUZZ [$(cut -d' ' -f1 /proc/uptime)] payload id=$(cat /payload/id)"
xl list   # the domains the restored machine holds, with the CPU seconds each used so far
. /payload/plan.env
# a user guest's device model and firmware (guest_cfg.py) go where libxl and QEMU look for them
[ -d /payload/root ] && (cd /payload/root && find . ! -type d) | while read -r f; do
	mkdir -p "$(dirname "${f#.}")" && ln -sf "/payload/root/${f#./}" "${f#.}"; done
[ -f /var/lib/gntfuzz/linux.save ] && export GNTFUZZ_LINUX_SAVE=/var/lib/gntfuzz/linux.save
if LD_LIBRARY_PATH=/payload/lib GNTFUZZ_BIN=/payload/bin GNTFUZZ_CFG=/payload/cfg sh /payload/dom0-plan.sh; then
	code='\020'
else
	code='\001'
fi
xl list
sync
printf "$code" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
echo "=== GNTFUZZ isa-debug-exit write did not stop QEMU"
poweroff -f
