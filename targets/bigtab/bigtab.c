/* bigtab.c - see bigtab.h.
 *
 * The shared entries are Xen's: the hypervisor sets GTF_reading/GTF_writing while the peer maps a
 * grant (v1: in the entry's flags, with a compare-and-swap of its own; v2: in the status frame).
 * bigtab writes an entry's frame and domid with plain stores, then bt_wmb(), then the flags; it
 * reads flags and status through volatile (READ_ONCE-style) and clears v1 flags with the
 * compiler's compare-and-swap builtin.
 */
#include "bigtab.h"

#define READ_ONCE16(p) (*(const volatile uint16_t *)(p))
#define WRITE_ONCE16(p, v) (*(volatile uint16_t *)(p) = (v))
#define MAPPED (GTF_reading | GTF_writing)
#define __maybe_unused __attribute__((unused))

/* Where a ref is. */
enum { SLOT_RESERVED = 0, SLOT_FREE, SLOT_GRANTED, SLOT_DEFERRED, SLOT_WRITTEN_OFF };

struct bt_slot {
	uint16_t link;   /* next ref on whichever list the slot is on; BT_NIL ends it */
	uint8_t state;
	uint8_t readonly;
	uint64_t frame;  /* the granted page (a deferred grant's page is freed from here) */
};

static struct bt_slot bt_book[BT_NR_ENTRIES];
static uint16_t free_head = BT_NIL;
static uint16_t defer_head = BT_NIL, defer_tail = BT_NIL;
static unsigned nr_free, nr_deferred, defer_max, nr_written_off;
static unsigned gnt_version;
static grant_entry_v1_t *gnt_v1;
static grant_entry_v2_t *gnt_v2;
static grant_status_t *gnt_status;
static void (*page_free)(uint64_t frame);

/* The first ref the kernel may use: the toolstack owns 0..BT_NR_RESERVED-1. */
#ifdef BIGTAB_BUG_BOOT_RESERVED
/* bug: "reserved" read as the two entries the toolstack fills (console 0, xenstore 1) */
#define BT_FIRST_FREE (GNTTAB_RESERVED_XENSTORE + 1)
#else
#define BT_FIRST_FREE BT_NR_RESERVED
#endif

enum bt_rc bt_boot(unsigned version, void *shared, grant_status_t *status, unsigned defer_limit,
		   void (*free_fn)(uint64_t frame))
{
	if ((version != 1 && version != 2) || !shared || (version == 2 && !status) || !free_fn ||
	    defer_limit > BT_DEFER_MAX)
		return BT_BADARG;
	gnt_version = version;
	gnt_v1 = version == 1 ? shared : 0;
	gnt_v2 = version == 2 ? shared : 0;
	gnt_status = version == 2 ? status : 0;
	page_free = free_fn;
	defer_max = defer_limit ? defer_limit : BT_DEFER_MAX;
	defer_head = defer_tail = BT_NIL;
	nr_deferred = nr_written_off = 0;

	/* Every slot, top down, so that the free list comes out lowest ref first. */
	free_head = BT_NIL;
	nr_free = 0;
	for (unsigned r = BT_NR_ENTRIES; r-- > 0;) {
		struct bt_slot *s = &bt_book[r];

		s->frame = 0;
		s->readonly = 0;
		if (r < BT_FIRST_FREE) {
			s->state = SLOT_RESERVED;
			s->link = BT_NIL;
			continue;
		}
		s->state = SLOT_FREE;
		s->link = free_head;
		free_head = (uint16_t)r;
		nr_free++;
	}
	return BT_OK;
}

static int granted(grant_ref_t ref)
{
	return ref < BT_NR_ENTRIES && bt_book[ref].state == SLOT_GRANTED;
}

static uint16_t pop_free(void)
{
	uint16_t r = free_head;

	if (r == BT_NIL)
		return BT_NIL;
	free_head = bt_book[r].link;
	bt_book[r].link = BT_NIL;
	nr_free--;
	return r;
}

static void push_free(uint16_t r)
{
	bt_book[r].state = SLOT_FREE;
	bt_book[r].link = free_head;
	free_head = r;
	nr_free++;
}

enum bt_rc bt_grant(domid_t domid, uint64_t frame, int readonly, grant_ref_t *ref)
{
	uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	uint16_t r;

	if (gnt_version == 1 && frame > 0xffffffffu)
		return BT_BADARG;
	r = pop_free();
	if (r == BT_NIL)
		return BT_NOREF;
	bt_book[r].state = SLOT_GRANTED;
	bt_book[r].frame = frame;
	bt_book[r].readonly = (uint8_t)!!readonly;
	if (gnt_version == 1) {
		gnt_v1[r].domid = domid;
		gnt_v1[r].frame = (uint32_t)frame;
		bt_wmb();
		WRITE_ONCE16(&gnt_v1[r].flags, flags);
	} else {
		gnt_v2[r].hdr.domid = domid;
		gnt_v2[r].full_page.frame = frame;
		bt_wmb();
		WRITE_ONCE16(&gnt_v2[r].hdr.flags, flags);
	}
	*ref = r;
	return BT_OK;
}

/* 1: revoked and unmapped; 0: the peer maps it. */
static int revoke(uint16_t r)
{
	if (gnt_version == 1) {
		uint16_t *fl = &gnt_v1[r].flags;
		uint16_t seen = READ_ONCE16(fl);

		for (;;) {
			if (seen & MAPPED)
				return 0;
			/* on failure the builtin leaves what it found in `seen`: look at that */
			if (__atomic_compare_exchange_n(fl, &seen, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				return 1;
		}
	}
	/* v2: switch the header off, full barrier, then the status tells whether a map remains */
	WRITE_ONCE16(&gnt_v2[r].hdr.flags, 0);
	bt_mb();
	return !(READ_ONCE16(&gnt_status[r]) & MAPPED);
}

enum bt_rc bt_end(grant_ref_t ref)
{
	if (!granted(ref))
		return BT_BADARG;
	return revoke((uint16_t)ref) ? BT_OK : BT_BUSY;
}

enum bt_rc bt_put(grant_ref_t ref)
{
	if (!granted(ref))
		return BT_BADARG;
	push_free((uint16_t)ref);
	return BT_OK;
}

/* Still mapped: wait at the tail of the deferred chain, or be written off. */
static __maybe_unused enum bt_rc defer(uint16_t r, uint64_t frame)
{
	if (nr_deferred == defer_max) {
		bt_book[r].state = SLOT_WRITTEN_OFF;
		nr_written_off++;
		return BT_WRITTEN_OFF;
	}
	bt_book[r].state = SLOT_DEFERRED;
	bt_book[r].frame = frame;
	bt_book[r].link = BT_NIL;
	if (defer_head == BT_NIL)
		defer_head = r;
	else
		bt_book[defer_tail].link = r;
	defer_tail = r;
	nr_deferred++;
	return BT_DEFERRED;
}

enum bt_rc bt_ungrant(grant_ref_t ref, uint64_t frame)
{
	if (!granted(ref))
		return BT_BADARG;
	if (!revoke((uint16_t)ref)) {
#ifndef BIGTAB_BUG_MSA02
		return defer((uint16_t)ref, frame);
#endif
		/* bug: "still in use" taken as a warning: ref and page are freed under the peer's map */
	}
	push_free((uint16_t)ref);
	page_free(frame);
	return BT_OK;
}

unsigned bt_poll(void)
{
	uint16_t prev = BT_NIL, r = defer_head;
	unsigned todo = nr_deferred, freed = 0;

	while (todo-- > 0 && r != BT_NIL) {
		uint16_t next = bt_book[r].link;
		uint64_t frame = bt_book[r].frame;

		if (!revoke(r)) {
			prev = r;
			r = next;
			continue;
		}
		/* off the chain ... */
		if (prev == BT_NIL)
			defer_head = next;
		else
			bt_book[prev].link = next;
#ifndef BIGTAB_BUG_TAIL_STALE
		if (defer_tail == r)
			defer_tail = prev;
#endif /* else bug: the tail still names r, whose link the free list is about to take over */
		nr_deferred--;
		/* ... onto the free list, and the page back */
		push_free(r);
		page_free(frame);
		freed++;
		r = next;
	}
	return freed;
}

unsigned bt_written_off(void)
{
	return nr_written_off;
}
