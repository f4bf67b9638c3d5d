/* bench_sim.c - figures for the multi-process simulator, measured side by side in one run:
 *  1. grant map+unmap round trips per second through the drop-in libxengnttab, against raw
 *     mmap+munmap of the same memfd page (each touches the page once), interleaved in rounds
 *     so machine noise hits both alike;
 *  2. event-channel notify round trips per second between two processes (dom0 <-> dom1).
 * Run under `xensim bench` (a private broker with domains 0 and 1).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include "proto.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void as_dom(int dom)
{
	setenv(MP_ENV_DOMID, dom ? "1" : "0", 1);
}

/* The granter's memfd as our process holds it (the drop-in received it with the first map). */
static int find_memfd(const char *name)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], target[300];
	int found = -1;
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (strstr(target, name)) {
				found = atoi(e->d_name);
				break;
			}
		}
	}
	if (d)
		closedir(d);
	return found;
}

static volatile uint8_t sink;

static void bench_map(void)
{
	as_dom(1);
	xengntshr_handle *shr = xengntshr_open(NULL, 0);
	uint32_t ref;
	uint8_t *page = shr ? xengntshr_share_pages(shr, 0, 1, &ref, 1) : NULL;
	as_dom(0);
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	if (!page || !gt) {
		fprintf(stderr, "bench_sim: cannot share/map (is the broker running?)\n");
		exit(1);
	}
	uint8_t *m = xengnttab_map_grant_ref(gt, 1, ref, PROT_READ | PROT_WRITE);
	if (!m) {
		fprintf(stderr, "bench_sim: first map failed\n");
		exit(1);
	}
	xengnttab_unmap(gt, m, 1);
	int fd = find_memfd("gntfuzz-dom1");
	off_t off = -1;
	/* the page's offset: the grant's frame, found by comparing contents through a raw map */
	page[0] = 0x5a;
	page[1] = 0xa5;
	for (off_t o = 0; fd >= 0 && o < (off_t)MP_GT_OFFSET; o += MP_PAGE) {
		uint8_t *p = mmap(NULL, MP_PAGE, PROT_READ, MAP_SHARED, fd, o);
		int hit = p != MAP_FAILED && p[0] == 0x5a && p[1] == 0xa5;
		if (p != MAP_FAILED)
			munmap(p, MP_PAGE);
		if (hit) {
			off = o;
			break;
		}
	}
	if (off < 0) {
		fprintf(stderr, "bench_sim: cannot find the granted page in the memfd\n");
		exit(1);
	}
	long n_sim = 0, n_raw = 0;
	double t_sim = 0, t_raw = 0;
	for (int round = 0; round < 6; round++) {
		double t0 = now(), t;
		do {
			for (int i = 0; i < 100; i++) {
				uint8_t *p = mmap(NULL, MP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
				sink = p[0];
				munmap(p, MP_PAGE);
			}
			n_raw += 100;
		} while ((t = now()) - t0 < 0.15);
		t_raw += t - t0;
		t0 = now();
		do {
			for (int i = 0; i < 100; i++) {
				uint8_t *p = xengnttab_map_grant_ref(gt, 1, ref, PROT_READ | PROT_WRITE);
				sink = p[0];
				xengnttab_unmap(gt, p, 1);
			}
			n_sim += 100;
		} while ((t = now()) - t0 < 0.15);
		t_sim += t - t0;
	}
	double sim = n_sim / t_sim, raw = n_raw / t_raw;
	printf("map+unmap round trips/s via drop-in libxengnttab: %.0f\n", sim);
	printf("mmap+munmap round trips/s of the same memfd page:  %.0f\n", raw);
	printf("ratio drop-in/raw: %.3f (1/%.1f; goal >= 1/4: %s)\n", sim / raw, raw / sim,
	       sim * 4 >= raw ? "met" : "not met");
	/* The floor under a map+unmap: two synchronous broker round trips. An empty one, through the
	 * public API: xenevtchn_pending with nothing pending (EAGAIN). */
	xenevtchn_handle *e = xenevtchn_open(NULL, 0);
	fcntl(xenevtchn_fd(e), F_SETFL, O_NONBLOCK); /* nothing is pending: EAGAIN at once, as on the device */
	long n_rpc = 0;
	double t0 = now(), t;
	do {
		for (int i = 0; i < 100; i++)
			xenevtchn_pending(e);
		n_rpc += 100;
	} while ((t = now()) - t0 < 0.5);
	printf("empty broker round trips/s (xenevtchn_pending, nothing pending): %.0f\n", n_rpc / (t - t0));
	xenevtchn_close(e);
	xengntshr_unshare(shr, page, 1);
	xengnttab_close(gt);
	xengntshr_close(shr);
}

static int wait_port(xenevtchn_handle *e)
{
	struct pollfd p = { xenevtchn_fd(e), POLLIN, 0 };
	if (poll(&p, 1, 2000) != 1)
		return -1;
	int port = xenevtchn_pending(e);
	if (port > 0)
		xenevtchn_unmask(e, port);
	return port;
}

static void bench_events(void)
{
	int sync[2];
	if (pipe(sync) < 0)
		exit(1);
	as_dom(1);
	pid_t pid = fork();
	if (pid == 0) { /* dom1: echo every event back */
		xenevtchn_handle *e = xenevtchn_open(NULL, 0);
		int port = e ? xenevtchn_bind_unbound_port(e, 0) : -1;
		if (write(sync[1], &port, sizeof(port)) < 0 || port < 0)
			_exit(1);
		while (wait_port(e) > 0)
			xenevtchn_notify(e, port);
		_exit(0);
	}
	as_dom(0);
	int rport = -1;
	if (read(sync[0], &rport, sizeof(rport)) != sizeof(rport) || rport < 0) {
		fprintf(stderr, "bench_sim: the echo process failed\n");
		exit(1);
	}
	xenevtchn_handle *e = xenevtchn_open(NULL, 0);
	int port = xenevtchn_bind_interdomain(e, 1, rport);
	wait_port(e); /* the pending bit Xen sets on bind */
	long n = 0;
	double t0 = now(), t;
	do {
		for (int i = 0; i < 50; i++) {
			xenevtchn_notify(e, port);
			if (wait_port(e) != port) {
				fprintf(stderr, "bench_sim: lost an event\n");
				exit(1);
			}
		}
		n += 50;
	} while ((t = now()) - t0 < 1.0);
	printf("event-channel notify round trips/s (dom0 <-> dom1 processes): %.0f\n", n / (t - t0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	xenevtchn_close(e);
}

int main(void)
{
	if (!getenv(MP_ENV_SOCK)) {
		fprintf(stderr, "bench_sim: run me under `xensim bench` or `xensim run`\n");
		return 2;
	}
	bench_map();
	bench_events();
	return 0;
}
