/* netfront_pkt.c - ARP and ICMP echo frames, built and parsed without libc (netfront_pkt.h). */
#include "netfront_pkt.h"

#define ETH_ARP 0x0806u
#define ETH_IP 0x0800u

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t get32(const uint8_t *p) { return ((uint32_t)get16(p) << 16) | get16(p + 2); }
static void copy(uint8_t *d, const uint8_t *s, unsigned n) { for (unsigned i = 0; i < n; i++) d[i] = s[i]; }

uint16_t np_csum(const uint8_t *buf, unsigned len, uint32_t sum)
{
	unsigned i;
	for (i = 0; i + 1 < len; i += 2)
		sum += get16(buf + i);
	if (i < len)
		sum += (uint32_t)buf[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

static void eth_header(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	copy(buf, dst, 6);
	copy(buf + 6, src, 6);
	put16(buf + 12, type);
}

unsigned np_build_arp(uint8_t *buf, unsigned size, unsigned op, const uint8_t src_mac[6], uint32_t src_ip,
		      const uint8_t dst_mac[6], uint32_t dst_ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6] = { 0 };
	if (size < NP_ARP_LEN || (op != 1 && op != 2))
		return 0;
	eth_header(buf, op == 1 ? bcast : dst_mac, src_mac, ETH_ARP);
	uint8_t *a = buf + NP_ETH_HLEN;
	put16(a, 1);           /* Ethernet */
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, (uint16_t)op);
	copy(a + 8, src_mac, 6);
	put32(a + 14, src_ip);
	copy(a + 18, op == 1 ? zero : dst_mac, 6);
	put32(a + 24, dst_ip);
	return NP_ARP_LEN;
}

unsigned np_build_icmp(uint8_t *buf, unsigned size, unsigned type, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src_ip, uint32_t dst_ip, uint16_t id, uint16_t seq, const uint8_t *payload,
		       unsigned payload_len)
{
	unsigned len = NP_ICMP_HDR + payload_len;
	if (payload_len > NP_ICMP_MAX_PAYLOAD || len > size || (type != 0 && type != 8))
		return 0;
	eth_header(buf, dst_mac, src_mac, ETH_IP);
	uint8_t *ip = buf + NP_ETH_HLEN, *icmp = ip + 20;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + 8 + payload_len));
	put16(ip + 4, seq);    /* identification */
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = 1;             /* ICMP */
	put16(ip + 10, 0);
	put32(ip + 12, src_ip);
	put32(ip + 16, dst_ip);
	put16(ip + 10, np_csum(ip, 20, 0));
	icmp[0] = (uint8_t)type;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (unsigned i = 0; i < payload_len; i++)
		icmp[8 + i] = payload ? payload[i] : np_pattern(seq, i);
	put16(icmp + 2, np_csum(icmp, 8 + payload_len, 0));
	return len;
}

enum np_kind np_parse(const uint8_t *buf, unsigned len, struct np_info *info)
{
	for (unsigned i = 0; i < sizeof(*info); i++)
		((volatile uint8_t *)info)[i] = 0;
	info->kind = NP_BAD;
	if (!buf || len < NP_ETH_HLEN)
		return NP_BAD;
	copy(info->dst_mac, buf, 6);
	copy(info->src_mac, buf + 6, 6);
	info->ethertype = get16(buf + 12);
	const uint8_t *p = buf + NP_ETH_HLEN;
	unsigned rest = len - NP_ETH_HLEN;
	if (info->ethertype == ETH_ARP) {
		if (rest < 28 || get16(p) != 1 || get16(p + 2) != ETH_IP || p[4] != 6 || p[5] != 4)
			return NP_BAD;
		info->src_ip = get32(p + 14);
		info->dst_ip = get32(p + 24);
		unsigned op = get16(p + 6);
		return info->kind = op == 1 ? NP_ARP_REQUEST : op == 2 ? NP_ARP_REPLY : NP_BAD;
	}
	if (info->ethertype != ETH_IP) {
		info->kind = NP_OTHER;
		return NP_OTHER;
	}
	if (rest < 20 || (p[0] >> 4) != 4)
		return NP_BAD;
	unsigned ihl = (p[0] & 15u) * 4u, total = get16(p + 2);
	if (ihl < 20 || total < ihl || total > rest)
		return NP_BAD;
	info->src_ip = get32(p + 12);
	info->dst_ip = get32(p + 16);
	if (p[9] != 1) {
		info->kind = NP_OTHER;
		return NP_OTHER;
	}
	if (total - ihl < 8)
		return NP_BAD;
	const uint8_t *icmp = p + ihl;
	unsigned icmp_len = total - ihl;
	info->icmp_id = get16(icmp + 4);
	info->icmp_seq = get16(icmp + 6);
	info->payload_off = (uint16_t)(NP_ETH_HLEN + ihl + 8);
	info->payload_len = (uint16_t)(icmp_len - 8);
	info->csum_ok = np_csum(p, ihl, 0) == 0 && np_csum(icmp, icmp_len, 0) == 0;
	info->kind = icmp[0] == 8 ? NP_ICMP_REQUEST : icmp[0] == 0 ? NP_ICMP_REPLY : NP_OTHER;
	return info->kind;
}

static int memcmp_mac(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 6; i++)
		if (a[i] != b[i])
			return 1;
	return 0;
}

unsigned np_answer(const uint8_t *in, unsigned len, const uint8_t my_mac[6], uint32_t my_ip, uint8_t *out,
		   unsigned size)
{
	struct np_info pi;
	switch (np_parse(in, len, &pi)) {
	case NP_ARP_REQUEST:
		if (pi.dst_ip != my_ip)
			return 0;
		return np_build_arp(out, size, 2, my_mac, my_ip, pi.src_mac, pi.src_ip);
	case NP_ICMP_REQUEST:
		if (pi.dst_ip == my_ip) {
			if (!pi.csum_ok)
				return 0; /* as a host would: a corrupt echo request gets no answer */
			return np_build_icmp(out, size, 0, my_mac, pi.src_mac, my_ip, pi.src_ip, pi.icmp_id, pi.icmp_seq,
					     in + pi.payload_off, pi.payload_len);
		}
		__attribute__((fallthrough)); /* not ours: echo it */
	case NP_ARP_REPLY:
	case NP_ICMP_REPLY:
	case NP_OTHER:
		/* only frames sent to us: echoing a broadcast or an IPv6 neighbour probe would answer a
		 * guest's duplicate-address check with its own address */
		if (len > size || len < NP_ETH_HLEN || memcmp_mac(in, my_mac) || (in[12] == 0x86 && in[13] == 0xdd))
			return 0;
		copy(out, in, len);
		copy(out, pi.src_mac, 6); /* back to the sender */
		copy(out + 6, my_mac, 6);
		return len;
	default:
		return 0;
	}
}
