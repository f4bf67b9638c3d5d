/* frontends/template/adapter.c - the template frontend's side of gntfuzz's frontend seam
 * (harness/devices/front_seam.h): its OS calls (myfront_os.h) on the host the device world gives
 * it. Everything a frontend touches goes through here: xenbus, its event channel, its pages, and
 * the grant library under test (fe_ops share/unshare/tick: the oracle watches each call). */
#include "front_seam.h"
#include "myfront_os.h"

static const struct dev_host *host;   /* set for the run: the adapter's whole state */
#define OPS (host->ops)

int os_xs_read(const char *path, char *buf, unsigned size) { return OPS->xs_read(OPS->ctx, path, buf, size); }
int os_xs_write(const char *path, const char *value) { return OPS->xs_write(OPS->ctx, path, value); }
int os_xs_watch(const char *path) { return host->xs_watch ? host->xs_watch(host->ctx, path) : -1; }
int os_wait(evtchn_port_t port, unsigned ms)
{
	OPS->tick(OPS->ctx); /* the OS's idle loop: the grant library retries what it deferred */
	return host->wait(host->ctx, port, ms);
}
uint64_t os_now_ms(void) { return host->now_ms(host->ctx); }
int os_page_alloc(uint64_t *frame) { return OPS->page_alloc(OPS->ctx, frame); }
void os_page_free(uint64_t frame) { OPS->page_free(OPS->ctx, frame); }
void *os_page_mem(uint64_t frame) { return OPS->page_mem(OPS->ctx, frame); }
int os_evtchn_alloc(domid_t remote, evtchn_port_t *port) { return OPS->evtchn_alloc_unbound(OPS->ctx, remote, port); }
void os_evtchn_notify(evtchn_port_t port) { OPS->evtchn_notify(OPS->ctx, port); }
void os_evtchn_close(evtchn_port_t port)
{
	if (OPS->evtchn_close)
		OPS->evtchn_close(OPS->ctx, port);
}
int os_grant(domid_t backend, uint64_t frame, int readonly, grant_ref_t *ref)
{
	return OPS->share(OPS->ctx, backend, frame, readonly, ref) == SEAM_OK ? 0 : -1;
}
/* The seam's unshare gives the page to the library: on SEAM_OK it ended and the library freed the
 * page, so the driver gets a page again from the allocator (in a guest, usually that very page);
 * on anything else the library keeps the page until the backend lets go. */
int os_end_grant(grant_ref_t ref, uint64_t *frame)
{
	int rc = OPS->unshare(OPS->ctx, ref, *frame);
	if (rc != SEAM_OK)
		return rc == SEAM_BUSY ? 1 : -1;
	return OPS->page_alloc(OPS->ctx, frame) ? -1 : 0;
}
unsigned os_pending_pages(void) { return host->deferred(host->ctx); }
void os_log(const char *msg, uint64_t a, uint64_t b)
{
	if (OPS->log)
		OPS->log(OPS->ctx, msg, a, b);
}

static int run(const struct dev_host *h, const struct dev_params *p, struct dev_stats *st)
{
	host = h;
	int rc = myfront_main(p->devid, p->requests);
	st->end = rc ? "never connected" : "backend gone";
	return rc ? DEV_SETUP : DEV_DONE;
}

const struct front_adapter gntfuzz_front_vbd = { "myfront", "vbd", run };
