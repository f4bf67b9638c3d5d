/* xenstore.c - the ring protocol: copy a xsd_sockmsg + payload into req, bump req_prod,
 * notify; wait for a whole reply in rsp. Indices are free-running, masked on use. */
#include <stdint.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>
#include "events.h"
#include "hypercall.h"
#include "lib.h"
#include "xenstore.h"

#define XS_TIMEOUT_NS 10000000000ull /* a silent xenstored is an error, not a hang */

static volatile struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static uint32_t next_req_id = 1;

static long hvm_param(unsigned idx, uint64_t *val)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = idx };
	long rc = hyp_hvm_op(HVMOP_get_param, &p);
	*val = p.value;
	return rc;
}

int xs_init(void)
{
	uint64_t pfn, evt;
	if (hvm_param(HVM_PARAM_STORE_PFN, &pfn) || hvm_param(HVM_PARAM_STORE_EVTCHN, &evt) || !pfn)
		return -1;
	ring = (void *)(uintptr_t)(pfn << 12);
	port = (evtchn_port_t)evt;
	return 0;
}

evtchn_port_t xs_port(void) { return port; }

static int ring_put(const void *data, size_t len, uint64_t deadline)
{
	const char *p = data;
	while (len) {
		uint32_t prod = ring->req_prod;
		asm volatile("" ::: "memory");
		uint32_t space = XENSTORE_RING_SIZE - (prod - ring->req_cons);
		if (!space) {
			if (!evtchn_wait(port, deadline))
				return -1;
			continue;
		}
		uint32_t off = MASK_XENSTORE_IDX(prod);
		uint32_t chunk = XENSTORE_RING_SIZE - off;
		if (chunk > space) chunk = space;
		if (chunk > len) chunk = (uint32_t)len;
		memcpy((char *)ring->req + off, p, chunk);
		asm volatile("sfence" ::: "memory"); /* data before the index */
		ring->req_prod = prod + chunk;
		p += chunk;
		len -= chunk;
		evtchn_send(port);
	}
	return 0;
}

static int ring_get(void *data, size_t len, uint64_t deadline)
{
	char *p = data;
	while (len) {
		uint32_t cons = ring->rsp_cons;
		uint32_t avail = ring->rsp_prod - cons;
		asm volatile("lfence" ::: "memory"); /* index before the data */
		if (!avail) {
			if (!evtchn_wait(port, deadline))
				return -1;
			continue;
		}
		uint32_t off = MASK_XENSTORE_IDX(cons);
		uint32_t chunk = XENSTORE_RING_SIZE - off;
		if (chunk > avail) chunk = avail;
		if (chunk > len) chunk = (uint32_t)len;
		if (p)
			memcpy(p, (const char *)ring->rsp + off, chunk), p += chunk;
		asm volatile("mfence" ::: "memory"); /* done reading before giving the space back */
		ring->rsp_cons = cons + chunk;
		len -= chunk;
		evtchn_send(port);
	}
	return 0;
}

/* Send one request made of two payload parts; read the reply body into out (NUL-terminated). */
static int xs_talk(enum xsd_sockmsg_type type, const char *a, size_t alen, const char *b, size_t blen,
		   char *out, size_t cap)
{
	uint64_t deadline = now_ns() + XS_TIMEOUT_NS;
	struct xsd_sockmsg msg = { .type = type, .req_id = next_req_id++, .tx_id = 0,
				   .len = (uint32_t)(alen + blen) };
	if (msg.len > XENSTORE_PAYLOAD_MAX || ring_put(&msg, sizeof(msg), deadline) ||
	    ring_put(a, alen, deadline) || (blen && ring_put(b, blen, deadline)))
		return -1;
	for (;;) {
		struct xsd_sockmsg rsp;
		if (ring_get(&rsp, sizeof(rsp), deadline) || rsp.len > XENSTORE_PAYLOAD_MAX)
			return -1;
		if (rsp.type == XS_WATCH_EVENT || rsp.req_id != msg.req_id) {
			if (ring_get(0, rsp.len, deadline))   /* not ours: skip it */
				return -1;
			continue;
		}
		size_t keep = rsp.len < cap - 1 ? rsp.len : cap - 1;
		if (ring_get(out, keep, deadline) || ring_get(0, rsp.len - keep, deadline))
			return -1;
		out[keep] = 0;
		return rsp.type == XS_ERROR ? -1 : (int)keep;
	}
}

int xs_read(const char *path, char *buf, size_t cap)
{
	return xs_talk(XS_READ, path, strlen(path) + 1, 0, 0, buf, cap);
}

int xs_write(const char *path, const char *value)
{
	char reply[16];
	return xs_talk(XS_WRITE, path, strlen(path) + 1, value, strlen(value), reply, sizeof(reply)) < 0 ? -1 : 0;
}

int xs_rm(const char *path)
{
	char reply[16];
	return xs_talk(XS_RM, path, strlen(path) + 1, 0, 0, reply, sizeof(reply)) < 0 ? -1 : 0;
}
