/* linux-devio.c - keeps Linux's own xen-blkfront and xen-netfront (Debian's modules, unmodified)
 * busy in the Linux target domU while dom0's malicious backend (gntfuzz-peer --device vbd|vif)
 * hot-plugs and serves devices, and reports what the frontends do, seen from inside:
 *   - every xenbus device under device/vbd and device/vif: its frontend/backend state changes;
 *   - each /dev/xvd* (one worker process per disk): O_DIRECT writes of tagged 4 KiB blocks, reads
 *     checked against what was written (CORRUPT), a completed read buffer that changes afterwards
 *     (CHANGED-AFTER-DONE: the backend still wrote into a page the frontend had handed back), an
 *     I/O that never completes (STUCK: Linux keeps a request whose grant the backend did not unmap);
 *   - each ethN of a vif (one worker each): 10.0.0.2/24, pings and UDP to 10.0.0.1 with checked
 *     payloads;
 *   - the kernel's own words about them (/dev/kmsg: "backend has not unmapped grant", ...);
 *   - reuse pressure: fresh memory filled with "gntfuzz-secret" (zeroed before it is freed), so a
 *     page a frontend frees while the backend still maps it shows the secret to the peer and to
 *     dom0's outside oracle.
 * Every line starts "devio: "; dom0's judge (harness/nested/nested.py) reads them from the console.
 *
 * usage: linux-devio [self-ip peer-ip]     (default 10.0.0.2 10.0.0.1; runs until killed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "linux-start.h"

#define BLK 4096
#define REGION 64           /* blocks of each disk the worker writes and checks */
#define MAX_DEV 32
#define STUCK_MS 5000
#define PRESSURE (1u << 20) /* bytes of fresh "secret" memory per cycle */
#define MAX_REPORT 5        /* evidence lines per kind and device; the END line has the counts */

static const char *self_ip = "10.0.0.2", *peer_ip = "10.0.0.1";

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("devio: %s\n", line); /* one write per line: linux-target shares the console */
	fflush(stdout);
}

static void nap(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* What a worker shares with the parent: whether it sits inside one I/O call, and since when. */
struct slot {
	char name[40];      /* xenbus device, e.g. vbd-51712 or vif-0 */
	char node[IFNAMSIZ + 8]; /* xvda / eth0 */
	pid_t pid;
	volatile uint64_t op_since_ms; /* 0: not inside an I/O call */
	volatile char op[48];
	int stuck_reported, seen, gone, worked; /* worked: its worker ran (one per device) */
	char fe_state[16], be_state[16];
};
static struct slot *slots; /* MAP_SHARED: survives fork */
static struct slot *me;    /* in a worker: its own slot */

/* The parent keeps the slot's states current: a device whose frontend is closing (or closed)
 * is done, even if Linux keeps its disk or interface around. */
static int closing(void) { return me->fe_state[0] == '5' || me->fe_state[0] == '6'; }

static void op_begin(const char *what)
{
	snprintf((char *)me->op, sizeof(me->op), "%s", what);
	me->op_since_ms = now_ms();
}
static void op_end(void) { me->op_since_ms = 0; }

static int path_exists(const char *fmt, const char *a, const char *b)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), fmt, a, b);
	return stat(p, &st) == 0;
}

/* The first entry of /sys/bus/xen/devices/<dev>/<sub>/ (the disk or interface of a device). */
static int child_of(const char *dev, const char *sub, char *out, size_t n)
{
	char p[160];
	snprintf(p, sizeof(p), "/sys/bus/xen/devices/%s/%s", dev, sub);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	struct dirent *e;
	int r = -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(out, n, "%.*s", (int)n - 1, e->d_name);
			r = 0;
			break;
		}
	closedir(d);
	return r;
}

/* ---- disks ---- */

static void blk_fill(unsigned char *b, unsigned blk, uint32_t seq, const char *node)
{
	uint64_t x = ((uint64_t)seq << 32) ^ (blk * 0x9e3779b97f4a7c15ull) ^ 0x5bd1e995u;
	for (unsigned i = 0; i < BLK; i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(b + i, &x, 8);
	}
	snprintf((char *)b, 64, "gntfuzz-devio %s block=%u seq=%u;", node, blk, seq);
}

static void blk_worker(void)
{
	char dev[48];
	unsigned char *w, *r[4], *shadow[4];
	unsigned rblk[4] = { 0 };
	uint32_t written[REGION] = { 0 }, seq = 0;
	unsigned long writes = 0, reads = 0, verified = 0, corrupt = 0, changed = 0, errors = 0;
	int fd = -1, held[4] = { 0 };
	snprintf(dev, sizeof(dev), "/dev/%s", me->node);
	for (int i = 0; i < 50 && fd < 0; i++) { /* devtmpfs may lag the sysfs entry */
		fd = open(dev, O_RDWR | O_DIRECT);
		if (fd < 0)
			nap(100);
	}
	if (fd < 0) {
		say("%s %s cannot open %s: %s", me->name, me->node, dev, strerror(errno));
		_exit(1);
	}
	uint64_t size = 0;
	ioctl(fd, BLKGETSIZE64, &size);
	unsigned nblk = size / BLK < REGION ? (unsigned)(size / BLK) : REGION;
	if (posix_memalign((void **)&w, BLK, BLK))
		_exit(1);
	for (int i = 0; i < 4; i++)
		if (posix_memalign((void **)&r[i], BLK, BLK) || !(shadow[i] = malloc(BLK)))
			_exit(1);
	say("%s %s opened: %llu bytes, checking %u blocks", me->name, me->node, (unsigned long long)size, nblk);
	uint64_t last = now_ms();
	int bad_in_row = 0;
	for (unsigned i = 0; nblk && !closing() && path_exists("/sys/bus/xen/devices/%s/block/%s", me->name, me->node); i++) {
		unsigned b = i % nblk, k = i % 4;
		char what[48];
		/* a completed read buffer must not change afterwards: nobody here touched it */
		if (held[k] && memcmp(r[k], shadow[k], BLK)) {
			unsigned off = 0;
			while (off < BLK && r[k][off] == shadow[k][off])
				off++;
			if (changed++ < MAX_REPORT)
				say("%s %s CHANGED-AFTER-DONE block=%u offset=%u: a read the frontend had completed "
				    "changed afterwards (the backend still writes into it)", me->name, me->node, rblk[k], off);
		}
		held[k] = 0;
		seq++;
		blk_fill(w, b, seq, me->node);
		snprintf(what, sizeof(what), "write block %u", b);
		op_begin(what);
		ssize_t n = pwrite(fd, w, BLK, (off_t)b * BLK);
		op_end();
		if (n == BLK) {
			writes++;
			written[b] = seq;
		} else {
			if (errors++ < MAX_REPORT)
				say("%s %s write block=%u failed: %s", me->name, me->node, b, n < 0 ? strerror(errno) : "short");
			written[b] = 0;
		}
		unsigned rb = (b * 7 + 3) % nblk; /* read back another block too, written earlier */
		for (int pass = 0; pass < 2; pass++, rb = b) {
			snprintf(what, sizeof(what), "read block %u", rb);
			op_begin(what);
			n = pread(fd, r[k], BLK, (off_t)rb * BLK);
			op_end();
			if (n != BLK) {
				if (errors++ < MAX_REPORT)
					say("%s %s read block=%u failed: %s", me->name, me->node, rb, n < 0 ? strerror(errno) : "short");
				continue;
			}
			reads++;
			if (!written[rb])
				continue;
			blk_fill(w, rb, written[rb], me->node);
			if (memcmp(w, r[k], BLK)) {
				if (corrupt++ < MAX_REPORT)
					say("%s %s CORRUPT block=%u: expected seq=%u, read \"%.40s\"", me->name, me->node, rb,
					    written[rb], isprint(r[k][0]) ? (char *)r[k] : "(not a devio block)");
			} else {
				verified++;
			}
			memcpy(shadow[k], r[k], BLK);
			held[k] = 1;
			rblk[k] = rb;
		}
		bad_in_row = n == BLK ? 0 : bad_in_row + 1;
		if (bad_in_row >= 3)
			nap(500); /* a device in error: keep trying slowly until it goes */
		else
			nap(10);
		if (verified == 1 || now_ms() - last >= 2000) { /* the first proof of I/O at once */
			last = now_ms();
			say("%s %s io writes=%lu reads=%lu verified=%lu corrupt=%lu changed=%lu errors=%lu",
			    me->name, me->node, writes, reads, verified, corrupt, changed, errors);
		}
	}
	say("%s %s END writes=%lu reads=%lu verified=%lu corrupt=%lu changed=%lu errors=%lu", me->name, me->node,
	    writes, reads, verified, corrupt, changed, errors);
	_exit(0);
}

/* ---- network interfaces ---- */

static int if_up(const char *ifn)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ifr.ifr_addr;
	int rc = -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.*s", IFNAMSIZ - 1, ifn);
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, self_ip, &sa->sin_addr);
	if (s >= 0 && !ioctl(s, SIOCSIFADDR, &ifr)) {
		inet_pton(AF_INET, "255.255.255.0", &sa->sin_addr);
		if (!ioctl(s, SIOCSIFNETMASK, &ifr) && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
			ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
			rc = ioctl(s, SIOCSIFFLAGS, &ifr);
		}
	}
	if (rc)
		say("%s %s cannot bring it up: %s", me->name, ifn, strerror(errno));
	if (s >= 0)
		close(s);
	return rc;
}

static void net_fill(unsigned char *p, size_t n, uint32_t seq)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seq * 131 + i * 7 + (i >> 8));
}

static uint16_t csum(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	if (n & 1)
		s += p[n - 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void net_worker(void)
{
	const char *ifn = me->node;
	unsigned long sent = 0, replies = 0, corrupt = 0, errors = 0, udp_sent = 0, udp_back = 0;
	if (if_up(ifn))
		_exit(1);
	int icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (icmp < 0 || udp < 0 || setsockopt(icmp, SOL_SOCKET, SO_BINDTODEVICE, ifn, strlen(ifn)) ||
	    setsockopt(udp, SOL_SOCKET, SO_BINDTODEVICE, ifn, strlen(ifn))) {
		say("%s %s cannot open sockets: %s", me->name, ifn, strerror(errno));
		_exit(1);
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7) };
	inet_pton(AF_INET, peer_ip, &to.sin_addr);
	say("%s %s up as %s, pinging %s", me->name, ifn, self_ip, peer_ip);
	uint16_t id = (uint16_t)getpid();
	unsigned char pkt[1500], in[2048];
	uint64_t last = now_ms();
	for (uint32_t seq = 1; !closing() && path_exists("/sys/bus/xen/devices/%s/net/%s", me->name, ifn); seq++) {
		/* sizes from one slot to nearly a full frame */
		size_t len = sizeof(struct icmphdr) + (seq % 3 == 0 ? 1400 : seq % 3 == 1 ? 56 : 700);
		struct icmphdr *h = (struct icmphdr *)pkt;
		memset(h, 0, sizeof(*h));
		h->type = ICMP_ECHO;
		h->un.echo.id = htons(id);
		h->un.echo.sequence = htons((uint16_t)seq);
		net_fill(pkt + sizeof(*h), len - sizeof(*h), seq);
		h->checksum = csum(pkt, len);
		op_begin("send an echo request");
		if (sendto(icmp, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			sent++;
		else if (errors++ < MAX_REPORT)
			say("%s %s send failed: %s", me->name, ifn, strerror(errno));
		net_fill(pkt, 1000, seq ^ 0x55aa);
		if (sendto(udp, pkt, 1000, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) == 1000)
			udp_sent++;
		op_end();
		struct pollfd pf[2] = { { icmp, POLLIN, 0 }, { udp, POLLIN, 0 } };
		uint64_t until = now_ms() + 100;
		while (now_ms() < until && poll(pf, 2, (int)(until - now_ms())) > 0) {
			if (pf[1].revents & POLLIN && recv(udp, in, sizeof(in), MSG_DONTWAIT) > 0)
				udp_back++;
			if (!(pf[0].revents & POLLIN))
				continue;
			ssize_t n = recv(icmp, in, sizeof(in), MSG_DONTWAIT);
			if (n < (ssize_t)sizeof(struct iphdr))
				continue;
			struct iphdr *ip = (struct iphdr *)in;
			size_t hl = ip->ihl * 4u;
			struct icmphdr *r = (struct icmphdr *)(in + hl);
			if ((size_t)n < hl + sizeof(*r) || r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id)
				continue;
			uint16_t rs = ntohs(r->un.echo.sequence);
			size_t plen = (size_t)n - hl - sizeof(*r);
			unsigned char want[1500];
			net_fill(want, plen < sizeof(want) ? plen : sizeof(want), rs);
			replies++;
			if (plen > sizeof(want) || memcmp(want, in + hl + sizeof(*r), plen)) {
				if (corrupt++ < MAX_REPORT)
					say("%s %s CORRUPT echo reply seq=%u len=%zu: payload differs from what was sent",
					    me->name, ifn, rs, plen);
			}
		}
		if (replies == 1 || now_ms() - last >= 2000) {
			last = now_ms();
			say("%s %s net sent=%lu replies=%lu corrupt=%lu errors=%lu udp_sent=%lu udp_back=%lu",
			    me->name, ifn, sent, replies, corrupt, errors, udp_sent, udp_back);
		}
	}
	say("%s %s END sent=%lu replies=%lu corrupt=%lu errors=%lu udp_sent=%lu udp_back=%lu",
	    me->name, ifn, sent, replies, corrupt, errors, udp_sent, udp_back);
	_exit(0);
}

/* ---- the parent: devices, states, kernel messages, stuck workers, reuse pressure ---- */

static struct xs_handle *xs;
static char domid[16];

static void xs_str(const char *path, char *out, size_t n)
{
	unsigned len;
	char *v = xs_read(xs, XBT_NULL, path, &len);
	snprintf(out, n, "%s", v ? v : "-");
	free(v);
}

static const char *state_name(const char *v)
{
	static const char *names[] = { "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
				       "Closing", "Closed", "Reconfiguring", "Reconfigured" };
	int s = atoi(v);
	return v[0] >= '0' && v[0] <= '9' && s >= 0 && s <= 8 ? names[s] : v;
}

static struct slot *slot_of(const char *name)
{
	struct slot *free_slot = NULL;
	for (int i = 0; i < MAX_DEV; i++) {
		if (!strcmp(slots[i].name, name))
			return &slots[i];
		if (!slots[i].name[0] && !free_slot)
			free_slot = &slots[i];
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
		snprintf(free_slot->fe_state, sizeof(free_slot->fe_state), "-");
		snprintf(free_slot->be_state, sizeof(free_slot->be_state), "-");
	}
	return free_slot;
}

static void scan_kind(const char *kind)
{
	char dir[96];
	unsigned n = 0;
	snprintf(dir, sizeof(dir), "/local/domain/%s/device/%s", domid, kind);
	char **ids = xs_directory(xs, XBT_NULL, dir, &n);
	for (unsigned i = 0; i < n; i++) {
		char name[40], p[200], fe[16], be[16], bep[160];
		snprintf(name, sizeof(name), "%s-%s", kind, ids[i]);
		struct slot *s = slot_of(name);
		if (!s)
			continue;
		s->seen = 1;
		snprintf(p, sizeof(p), "%s/%s/state", dir, ids[i]);
		xs_str(p, fe, sizeof(fe));
		snprintf(p, sizeof(p), "%s/%s/backend", dir, ids[i]);
		xs_str(p, bep, sizeof(bep));
		snprintf(p, sizeof(p), "%s/state", bep);
		xs_str(p, be, sizeof(be));
		if (strcmp(fe, s->fe_state) || strcmp(be, s->be_state)) {
			say("%s state frontend=%s backend=%s", name, state_name(fe), state_name(be));
			snprintf(s->fe_state, sizeof(s->fe_state), "%s", fe);
			snprintf(s->be_state, sizeof(s->be_state), "%s", be);
		}
		if (s->pid || s->worked)
			continue;
		if (child_of(name, !strcmp(kind, "vbd") ? "block" : "net", s->node, sizeof(s->node)))
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			me = s;
			signal(SIGTERM, SIG_DFL);
			!strcmp(kind, "vbd") ? blk_worker() : net_worker();
		}
		s->pid = pid > 0 ? pid : 0;
		s->worked = pid > 0;
		if (pid > 0)
			say("%s appeared as %s (worker %d)", name, s->node, (int)pid);
	}
	free(ids);
}

static void scan(void)
{
	for (int i = 0; i < MAX_DEV; i++)
		slots[i].seen = 0;
	scan_kind("vbd");
	scan_kind("vif");
	uint64_t t = now_ms();
	for (int i = 0; i < MAX_DEV; i++) {
		struct slot *s = &slots[i];
		if (!s->name[0])
			continue;
		if (!s->seen && !s->gone) {
			s->gone = 1;
			say("%s removed from xenstore", s->name);
		}
		uint64_t since = s->op_since_ms;
		if (s->pid && since && since < t && t - since > STUCK_MS && !s->stuck_reported) {
			s->stuck_reported = 1;
			say("%s %s STUCK: \"%s\" has not completed for %llu ms (the frontend holds the request)",
			    s->name, s->node, (const char *)s->op, (unsigned long long)(t - since));
		}
		if (s->gone && !s->pid)
			s->name[0] = 0; /* the slot is free again: a later device may reuse the name */
	}
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (int i = 0; i < MAX_DEV; i++)
			if (slots[i].pid == pid)
				slots[i].pid = 0;
}

static void kmsg(int fd)
{
	static const char *words[] = { "xen", "blk", "vbd", "vif", "xvd", "grant", "eth", "netfront", "backend" };
	char rec[1024];
	ssize_t n;
	while (fd >= 0 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[n] = 0;
		char *msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcasestr(msg, words[i])) {
				say("kmsg %s", msg);
				break;
			}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--wait-start")) {
		if (linux_wait_start("linux-devio") < 0)
			return 1;
		argc--, argv++;
	}
	if (argc == 3) {
		self_ip = argv[1];
		peer_ip = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: linux-devio [--wait-start] [self-ip peer-ip]\n");
		return 2;
	}
	struct in_addr a;
	if (!inet_pton(AF_INET, self_ip, &a) || !inet_pton(AF_INET, peer_ip, &a)) {
		fprintf(stderr, "linux-devio: bad address %s or %s\n", self_ip, peer_ip);
		return 2;
	}
	slots = mmap(NULL, sizeof(*slots) * MAX_DEV, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	xs = xs_open(0);
	if (slots == MAP_FAILED || !xs) {
		fprintf(stderr, "linux-devio: cannot set up (xenstore: %s)\n", strerror(errno));
		return 1;
	}
	memset(slots, 0, sizeof(*slots) * MAX_DEV);
	xs_str("domid", domid, sizeof(domid));
	int kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	say("watching device/vbd and device/vif of domain %s", domid);
	char *fresh = NULL;
	for (unsigned cycle = 0;; cycle++) {
		scan();
		kmsg(kfd);
		/* reuse pressure: the pages freed last are handed out first; a frontend page freed
		 * while mapped would now hold the secret. Zeroed before it is freed, so a page that
		 * still has it is one this process owns. */
		if (fresh) {
			memset(fresh, 0, PRESSURE);
			munmap(fresh, PRESSURE);
		}
		fresh = mmap(NULL, PRESSURE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED,
			     -1, 0);
		if (fresh == MAP_FAILED) {
			fresh = NULL;
		} else {
			char line[64]; /* at the start of every page: where the outside oracle looks */
			int n = snprintf(line, sizeof(line), "gntfuzz-secret devio cycle=%u;", cycle);
			for (size_t pg = 0; pg < PRESSURE; pg += BLK)
				for (size_t off = 0; off + n <= BLK; off += n)
					memcpy(fresh + pg + off, line, n);
		}
		nap(100);
	}
}
