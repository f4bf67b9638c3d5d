/* netfront_pkt.h - the few Ethernet frames the vif slice speaks: ARP request/reply, IPv4 ICMP
 * echo request/reply, and anything else (echoed back by the peer's honest netback).
 *
 * Shared by our netfront (harness/devices/netfront.c, freestanding) and the peer's netback
 * (peer/netback*.c), so it uses no libc. Parsing never reads beyond the length it is given: the
 * frames come from a hostile other end.
 */
#ifndef NETFRONT_PKT_H
#define NETFRONT_PKT_H

#include <stdint.h>

#define NP_ETH_HLEN 14u
#define NP_ETH_MAX 1514u              /* the largest frame either side builds */
#define NP_ARP_LEN (NP_ETH_HLEN + 28u)
#define NP_ICMP_HDR (NP_ETH_HLEN + 20u + 8u)  /* Ethernet + IPv4 (no options) + ICMP echo header */
#define NP_ICMP_MAX_PAYLOAD (NP_ETH_MAX - NP_ICMP_HDR)

/* 10.0.0.1/24 is the peer (netback), 10.0.0.2 our netfront. Host byte order. */
#define NP_IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define NP_PEER_IP NP_IP(10, 0, 0, 1)
#define NP_FRONT_IP NP_IP(10, 0, 0, 2)

enum np_kind {
	NP_BAD = 0,          /* too short or inconsistent headers */
	NP_ARP_REQUEST,
	NP_ARP_REPLY,
	NP_ICMP_REQUEST,     /* IPv4 ICMP echo request */
	NP_ICMP_REPLY,       /* IPv4 ICMP echo reply */
	NP_OTHER,            /* a well-formed Ethernet frame of another kind */
};

struct np_info {
	enum np_kind kind;
	uint8_t dst_mac[6], src_mac[6];
	uint16_t ethertype;
	uint32_t src_ip, dst_ip;          /* ARP: sender and target IP; IPv4: source and destination */
	uint16_t icmp_id, icmp_seq;
	uint16_t payload_off, payload_len; /* ICMP echo data within the frame */
	uint8_t csum_ok;                   /* IPv4 header and ICMP checksums both verify */
};

/* The Internet checksum of buf[0..len), folded, starting from sum. */
uint16_t np_csum(const uint8_t *buf, unsigned len, uint32_t sum);

/* Builders: the frame's length, or 0 when it does not fit in size. op: 1 request, 2 reply. */
unsigned np_build_arp(uint8_t *buf, unsigned size, unsigned op, const uint8_t src_mac[6], uint32_t src_ip,
		      const uint8_t dst_mac[6], uint32_t dst_ip);
/* type 8 request, 0 reply; the payload is np_pattern(seq) unless payload is given. */
unsigned np_build_icmp(uint8_t *buf, unsigned size, unsigned type, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src_ip, uint32_t dst_ip, uint16_t id, uint16_t seq, const uint8_t *payload,
		       unsigned payload_len);
/* The byte at position i of echo request seq's payload: the receiver checks a reply against it. */
static inline uint8_t np_pattern(uint16_t seq, unsigned i) { return (uint8_t)(seq * 31u + i * 7u + (i >> 8)); }

/* Classify a frame; never reads beyond len. Returns info->kind. */
enum np_kind np_parse(const uint8_t *buf, unsigned len, struct np_info *info);

/* The honest peer's answer to a frame the frontend sent: an ARP reply to a request for my_ip, an
 * echo reply to an echo request for my_ip, any other frame sent to my_mac (IPv6 aside) with the MACs
 * swapped; nothing for broadcasts and IPv6 (a guest's duplicate-address probes).
 * Returns the answer's length (0: nothing to answer: a bad frame, or ARP for another address). */
unsigned np_answer(const uint8_t *in, unsigned len, const uint8_t my_mac[6], uint32_t my_ip, uint8_t *out,
		   unsigned size);

#endif
