/* myfront.c - the template's frontend: a small vbd driver in the Mini-OS style (one ring page, one
 * request at a time, blocking waits on xenbus and the event channel), on the OS calls of
 * myfront_os.h. It stands for your driver: replace it, keep adapter.c's side of the seam. */
#include <stdint.h>
#include <string.h>
#include <stdio.h>
/* ring.h's barriers: the OS defines them (here, the compiler's) */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include "myfront_os.h"

static char dir[64], be[96];
static blkif_front_ring_t ring;
static uint64_t ring_frame;
static grant_ref_t ring_ref;
static evtchn_port_t port;
static domid_t be_id;

static int num(const char *s)
{
	int v = 0;
	for (; *s >= '0' && *s <= '9' && v < 100000; s++)
		v = v * 10 + (*s - '0');
	return *s ? -1 : v;
}

static int be_state(void)
{
	char path[128], v[16];
	snprintf(path, sizeof path, "%s/state", be);
	return os_xs_read(path, v, sizeof v) ? -1 : num(v);
}

/* The backend's state, waiting for a change up to ms (the watch fires os_wait). */
static int wait_state(int want, unsigned ms)
{
	uint64_t end = os_now_ms() + ms;
	int s;
	while ((s = be_state()) != want && s >= 0 && s != XenbusStateClosing && s != XenbusStateClosed && os_now_ms() < end)
		os_wait(0, 10);
	return s;
}

static int put(const char *key, unsigned v)
{
	char path[128], val[16];
	snprintf(path, sizeof path, "%s/%s", dir, key);
	snprintf(val, sizeof val, "%u", v);
	return os_xs_write(path, val);
}

/* End a grant the way a careful driver does: the page is ours again only if the end says so;
 * else the OS keeps it and we take another. */
static void end_and_reuse(grant_ref_t ref, uint64_t *frame)
{
	uint64_t old = *frame;
	int rc = os_end_grant(ref, frame);
#ifdef MYFRONT_BUG_REUSE_BUSY
	if (rc) { /* mutant: "the backend answered, so it is done with the page": it is freed for reuse */
		os_page_free(old);
		rc = os_page_alloc(frame);
	}
#endif
	(void)old;
	if (rc == 0)
		memset(os_page_mem(*frame), 0x5a, 4096); /* ours: refill it (the next request's data) */
	else
		*frame = 0;
}

static int connect(void)
{
	char path[128], v[32];
	if (os_page_alloc(&ring_frame))
		return -1;
	blkif_sring_t *s = os_page_mem(ring_frame);
	memset(s, 0, 4096);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&ring, s, 4096);
	if (os_grant(be_id, ring_frame, 0, &ring_ref) || os_evtchn_alloc(be_id, &port)) {
		os_page_free(ring_frame);
		return -1;
	}
	snprintf(path, sizeof path, "%s/protocol", dir);
	os_xs_write(path, XEN_IO_PROTO_ABI_NATIVE);
	put("ring-ref", ring_ref);
	put("event-channel", port);
	put("state", XenbusStateInitialised);
	(void)v;
	return 0;
}

static void disconnect(void)
{
	put("state", XenbusStateClosing);
	if (os_end_grant(ring_ref, &ring_frame) == 0)
		os_page_free(ring_frame);
	os_evtchn_close(port);
	put("state", XenbusStateClosed);
}

/* One read of one page: grant it, push the request, wait for the answer, end the grant. */
static int one_request(uint64_t id, uint64_t *frame)
{
	grant_ref_t ref;
	if (!*frame && os_page_alloc(frame))
		return -1;
	if (os_grant(be_id, *frame, 0, &ref))
		return -1;
	blkif_request_t *r = RING_GET_REQUEST(&ring, ring.req_prod_pvt);
	r->operation = BLKIF_OP_READ;
	r->nr_segments = 1;
	r->handle = 0;
	r->id = id;
	r->sector_number = 0;
	r->seg[0].gref = ref;
	r->seg[0].first_sect = 0;
	r->seg[0].last_sect = 7;
	ring.req_prod_pvt++;
	int notify;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring, notify);
	if (notify)
		os_evtchn_notify(port);
	for (uint64_t end = os_now_ms() + 1000; os_now_ms() < end;) {
		RING_IDX rp = ring.sring->rsp_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (rp - ring.rsp_cons > RING_SIZE(&ring))
			return -1; /* the backend lies about the ring */
		while (ring.rsp_cons != rp) {
			blkif_response_t *rsp = RING_GET_RESPONSE(&ring, ring.rsp_cons++);
			if (rsp->id == id) {
				end_and_reuse(ref, frame);
				return rsp->status == BLKIF_RSP_OKAY ? 0 : 1;
			}
		}
		if (be_state() != XenbusStateConnected)
			break;
		os_wait(port, 10);
	}
	end_and_reuse(ref, frame); /* no answer: end it anyway, careful about the answer */
	return -1;
}

int myfront_main(unsigned devid, unsigned requests)
{
	char path[128], v[96];
	snprintf(dir, sizeof dir, "device/vbd/%u", devid);
	snprintf(path, sizeof path, "%s/backend", dir);
	if (os_xs_read(path, be, sizeof be))
		return -1;
	snprintf(path, sizeof path, "%s/backend-id", dir);
	if (os_xs_read(path, v, sizeof v))
		return -1;
	if (num(v) < 0)
		return -1;
	be_id = (domid_t)num(v);
	os_xs_watch(be);
	put("state", XenbusStateInitialising);
	int connected = 0;
	uint64_t data = 0; /* the data page while it is ours, 0 after the OS kept it */
	while (be_state() >= 0) {
		if (wait_state(XenbusStateInitWait, 1000) != XenbusStateInitWait)
			break;
		if (connect())
			break;
		if (wait_state(XenbusStateConnected, 1000) != XenbusStateConnected) {
			disconnect();
			break;
		}
		put("state", XenbusStateConnected);
		connected = 1;
		for (unsigned i = 0; i < requests && be_state() == XenbusStateConnected; i++)
			if (one_request(i, &data) < 0)
				break;
		disconnect();
		while (be_state() == XenbusStateConnected || be_state() == XenbusStateClosing)
			os_wait(0, 10);
	}
	if (data)
		os_page_free(data);
	while (os_pending_pages())
		os_wait(0, 10);
	return connected ? 0 : -1;
}
