/* dev_watch.h - the black-box oracle for frontends nobody can instrument.
 *
 * Every data page the device still maps after it told the frontend "done" is watched: a
 * read-write map gets a planted marker (DW_MARKER: the page is filled with a pattern only we
 * write), a read-only one a snapshot (DW_SNAPSHOT). A correct frontend does not touch a page it
 * gave back while the grant is still mapped, except to hand it to the device again: the same gref
 * named in a later request (a persistent grant reused, or a ref granted afresh). So a change is
 * excused when its gref is named (dw_named) and otherwise reported once it has outlived a grace:
 * the grace time has passed AND the device has drained the ring since the change was seen (the
 * request that names it may be on its way). Reports:
 *   peer: REUSED-READ device=D ref=R req=ID page=K offset=O held-since-ms=T expected=<hex> saw=<hex>
 *   peer: REUSED-WRITE ...   (the map is read-write: memory the frontend uses that we can write)
 * A watch may cover only the bytes the request named (dw_watch_region): a frontend that grants a
 * page holding other live data (a packet in a slab page) exposes that data to the device by
 * design, and its changes are not reuse. They are reported once per page as
 *   peer: EXPOSED device=D ref=R req=ID page=K region=OFF+LEN offset=O   (counted, not a finding)
 * Pure C on addresses the caller maps: no Xen library, so it is unit-tested alone.
 */
#ifndef PEER_DEV_WATCH_H
#define PEER_DEV_WATCH_H

#include <stdint.h>
#include <stdio.h>

#define DW_MAX 512
#define DW_PAGE 4096u
#define DW_EVIDENCE 16       /* bytes of expected/saw printed */
#define DW_GRACE_S 0.1       /* a frontend fills a page and pushes its request well within this */

enum dw_mode { DW_SNAPSHOT = 0, DW_MARKER = 1 };

struct dw_entry {
	uint8_t in_use, rw, mode, pending, reported;
	uint32_t ref;
	uint64_t req;
	unsigned page;
	volatile uint8_t *addr;
	uint64_t marker_seed;
	double since, changed_at;
	unsigned change_off;
	uint8_t saw[DW_EVIDENCE];    /* the bytes around change_off when the change was first seen */
	unsigned region_off, region_len; /* the bytes the request named: changes elsewhere are EXPOSED */
	uint8_t exposed;             /* an EXPOSED line was printed for this watch */
	uint8_t *expect;             /* DW_PAGE bytes: what the page must show */
};

struct dev_watch {
	const char *device;
	double grace;                /* seconds a change may wait for its request */
	double drained_at;           /* the device last found the ring empty */
	double (*now)(void *ctx);    /* the clock (tests inject one) */
	void *ctx;
	FILE *out;                   /* report lines (stdout) */
	uint64_t observations, excused, watched, exposed, seed;
	struct dw_entry e[DW_MAX];
	uint8_t pages[DW_MAX][DW_PAGE];
};

void dw_init(struct dev_watch *w, const char *device, double grace, double (*now)(void *), void *ctx, FILE *out);
/* Watch the page at addr (mapped rw or not) after "done" for request req (page K of it). A marker
 * needs rw and is planted now; a snapshot copies the page. Re-watching addr re-arms it. 0, -1 full. */
int dw_watch(struct dev_watch *w, volatile uint8_t *addr, uint32_t ref, int rw, enum dw_mode mode, uint64_t req,
	     unsigned page);
/* The same, for the request's bytes [off, off+len) of the page only (a marker is planted there
 * only; the rest of the page is watched as a snapshot whose changes are EXPOSED, not reuse). */
int dw_watch_region(struct dev_watch *w, volatile uint8_t *addr, uint32_t ref, int rw, enum dw_mode mode,
		    uint64_t req, unsigned page, unsigned off, unsigned len);
/* The frontend named ref in a new request: its pages are legitimately the frontend's again. */
void dw_named(struct dev_watch *w, uint32_t ref);
/* The device writes its own bytes through a watched map (hostile writes): keep the expectation. */
void dw_device_wrote(struct dev_watch *w, volatile uint8_t *addr, unsigned off, const void *src, unsigned len);
/* Write every intact marker again (a device that keeps writing through its maps); a page whose
 * change is pending keeps its evidence. */
void dw_replant(struct dev_watch *w);
/* The device found the ring empty now. */
void dw_drained(struct dev_watch *w);
/* Compare every watched page; report changes past their grace. Returns new reports. */
unsigned dw_check(struct dev_watch *w);
/* 1 if addr shows a change still inside its grace (keep the map until it is judged). */
int dw_pending(struct dev_watch *w, volatile uint8_t *addr);
/* Stop watching addr (checked once more first: call before unmapping). */
void dw_unwatch(struct dev_watch *w, volatile uint8_t *addr);
/* The end: check every page, grace or not for changes that the ring can no longer excuse
 * (the caller drained or peeked the ring first), and forget them all. */
unsigned dw_finish(struct dev_watch *w);

#endif
