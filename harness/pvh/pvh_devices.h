/* pvh_devices.h - the PVH guest as the frontend of a standard PV device: kernel command line
 * device=vbd|vif runs our blkfront or netfront (harness/devices) on this guest's pages, event
 * channels, xenstore and the grant library behind the seam, against whatever backend the
 * toolstack (xl) or dom0's gntfuzz-peer --device sets up. */
#ifndef PVH_DEVICES_H
#define PVH_DEVICES_H

#include <stdint.h>
#include <xen/xen.h>

/* The device named by `device=` on the command line: 0 none (or unknown), 1 vbd, 2 vif. */
int pvh_device_kind(const char *cmdline);
/* Run it (devid=, requests=, inflight=, ring-order=, persistent=, indirect=, duration= seconds
 * from the command line) and print its result lines; 0 when it ran, -1 when it could not start. */
int pvh_device_run(int kind, const char *cmdline);

#endif
