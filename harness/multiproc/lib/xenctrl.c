/* xenctrl.c - drop-in libxenctrl.so.4.17, only what the peer and the harness use:
 * open/close, domain info, pause/unpause. Pausing asks the broker, which stops the domain's
 * processes (SIGSTOP) until unpause.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include "client.h"

struct xc_interface_core {
	struct mp_conn conn;
};

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	struct xc_interface_core *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	if (mp_connect(&x->conn, MP_KIND_CTRL) < 0) {
		int e = errno;
		free(x);
		errno = e;
		return NULL;
	}
	return x;
}

int xc_interface_close(xc_interface *xch)
{
	if (xch) {
		mp_disconnect(&xch->conn);
		free(xch);
	}
	return 0;
}

/* Domains with id >= first, at most max; returns how many, or -1. */
static int list_domains(xc_interface *xch, uint32_t first, unsigned max, struct mp_dominfo *di)
{
	size_t got = 0;
	if (mp_call(&xch->conn, MP_DOMINFO, &first, sizeof(first), di, MP_MAX_DOMS * sizeof(*di), &got,
		    NULL) < 0)
		return -1;
	unsigned n = (unsigned)(got / sizeof(*di));
	return (int)(n < max ? n : max);
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info)
{
	struct mp_dominfo di[MP_MAX_DOMS];
	int n = list_domains(xch, first_domid, max_doms, di);
	for (int i = 0; i < n; i++) {
		memset(&info[i], 0, sizeof(info[i]));
		info[i].domid = di[i].domid;
		info[i].paused = !!di[i].paused;
		info[i].running = !di[i].paused && di[i].clients > 0;
		info[i].blocked = !di[i].paused && di[i].clients == 0;
		info[i].nr_pages = di[i].nr_pages;
		info[i].max_memkb = di[i].nr_pages * (MP_PAGE / 1024);
		info[i].nr_online_vcpus = 1;
		info[i].hvm = 1; /* PVH-like */
	}
	return n;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
			  xc_domaininfo_t *info)
{
	struct mp_dominfo di[MP_MAX_DOMS];
	int n = list_domains(xch, first_domain, max_domains, di);
	for (int i = 0; i < n; i++) {
		memset(&info[i], 0, sizeof(info[i]));
		info[i].domain = (domid_t)di[i].domid;
		info[i].flags = XEN_DOMINF_hvm_guest | (di[i].paused ? XEN_DOMINF_paused : 0) |
				(!di[i].paused && di[i].clients ? XEN_DOMINF_running : XEN_DOMINF_blocked);
		info[i].tot_pages = info[i].max_pages = di[i].nr_pages;
		info[i].nr_online_vcpus = 1;
	}
	return n;
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
	return mp_call_u32(&xch->conn, MP_PAUSE, 1, domid, 0, NULL) < 0 ? -1 : 0;
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
	return mp_call_u32(&xch->conn, MP_UNPAUSE, 1, domid, 0, NULL) < 0 ? -1 : 0;
}
