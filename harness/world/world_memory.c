/* world_memory.c - the target CPU's store buffer under the tso and arm models (world_memory.h).
 *
 * Memory holds one of two views. While target code runs it holds the target's view: every
 * buffered store applied, so the CPU's own loads forward from its buffer. Before Xen, the peer or
 * the oracle look, the buffered bytes are swapped out for the global view. Each buffered store
 * keeps `below`, the bytes under it: for the oldest store covering a byte that is the global
 * value (refreshed at every swap back, since Xen may have written it meanwhile); for a later one
 * it is the earlier store's value. So global -> target applies val oldest first, and
 * target -> global restores below newest first.
 */
#include <string.h>
#include "world/world_internal.h"

_Static_assert(MEM_NR_MODELS == SCN_MEMORY_MODELS, "the scenario language names every model");

void world_mem_reset(struct world *w, unsigned model)
{
	w->mem.model = (uint8_t)(model < MEM_NR_MODELS ? model : MEM_SC);
	w->mem.n = 0;
	w->mem.epoch = 0;
	w->mem.global_view = 0;
	w->mem.hold = 0;
	w->mem.next_addr = 0;
	seam_watch.ordered = w->mem.model != MEM_SC;
}

static int overlap(const struct wmem_store *a, uintptr_t addr, unsigned size)
{
	return a->addr < addr + size && addr < a->addr + a->size;
}

/* Byte b of s (addr s->addr + b) is covered by an earlier buffered store. */
static int covered_before(const struct world_mem *m, uint32_t i, uintptr_t byte)
{
	for (uint32_t j = 0; j < i; j++)
		if (overlap(&m->buf[j], byte, 1))
			return 1;
	return 0;
}

void world_mem_global(struct world *w)
{
	struct world_mem *m = &w->mem;
	if (m->global_view)
		return;
	m->global_view = 1;
	for (uint32_t i = m->n; i-- > 0;)
		memcpy((void *)m->buf[i].addr, m->buf[i].below, m->buf[i].size);
}

void world_mem_target(struct world *w)
{
	struct world_mem *m = &w->mem;
	if (!m->global_view)
		return;
	m->global_view = 0;
	for (uint32_t i = 0; i < m->n; i++) {
		struct wmem_store *s = &m->buf[i];
		uint8_t *mem = (uint8_t *)s->addr;
		for (unsigned b = 0; b < s->size; b++)
			if (!covered_before(m, i, s->addr + b))
				s->below[b] = mem[b]; /* the global value, as Xen may have left it */
		memcpy(mem, s->val, s->size);
	}
}

/* Store i becomes globally visible: the oracle sees it with the pins Xen holds now. */
static void drain_one(struct world *w, uint32_t i)
{
	struct world_mem *m = &w->mem;
	struct wmem_store s = m->buf[i];
	if (m->global_view)
		memcpy((void *)s.addr, s.val, s.size);
	/* the next store covering these bytes now lies on this one's value: its below already is */
	memmove(&m->buf[i], &m->buf[i + 1], (m->n - i - 1) * sizeof m->buf[0]);
	m->n--;
	m->drained++;
	world_log(w, "  cpu: store of %u byte(s) at table+0x%lx becomes visible", s.size,
		  (unsigned long)(s.addr - w->tbl_base));
	world_seam_report_store(w, s.addr, s.size, s.val, s.call != w->calls || !seam_watch.live);
}

/* Store i may drain now: tso only the oldest; arm any store with no earlier store to the same
 * bytes and no barrier or release ordering it after an earlier store. */
static int eligible(const struct world_mem *m, uint32_t i)
{
	if (i == 0)
		return 1;
	if (m->model != MEM_ARM || m->buf[i].release || m->buf[i].epoch != m->buf[0].epoch)
		return 0;
	for (uint32_t j = 0; j < i; j++)
		if (overlap(&m->buf[j], m->buf[i].addr, m->buf[i].size))
			return 0;
	return 1;
}

void world_mem_drain_all(struct world *w)
{
	while (w->mem.n)
		drain_one(w, 0);
}

/* Drain stores oldest first, up to and including the newest one that overlaps [addr, addr+size)
 * (arm's coherence for an RMW) or, with `release`, the newest release store (arm: an ldar waits
 * for an earlier stlr). */
static void drain_through(struct world *w, uintptr_t addr, unsigned size, int release)
{
	struct world_mem *m = &w->mem;
	uint32_t count = 0;
	for (uint32_t i = 0; i < m->n; i++)
		if (release ? m->buf[i].release : overlap(&m->buf[i], addr, size))
			count = i + 1;
	while (count--)
		drain_one(w, 0);
}

unsigned world_mem_drain_nth(struct world *w, unsigned nth)
{
	struct world_mem *m = &w->mem;
	uint32_t cand[WMEM_MAX_STORES], nc = 0;
	for (uint32_t i = 0; i < m->n; i++)
		if (eligible(m, i))
			cand[nc++] = i;
	if (!nc)
		return 0;
	drain_one(w, cand[nc - 1 - nth % nc]); /* 0: the newest, as far from program order as allowed */
	return 1;
}

void world_mem_before_store(struct world *w, uintptr_t addr, unsigned size)
{
	struct world_mem *m = &w->mem;
	m->next_addr = addr;
	m->next_size = (uint8_t)(size <= WMEM_MAX_WIDTH ? size : 0);
	if (m->next_size)
		memcpy(m->next_below, (const void *)addr, size);
}

int world_mem_buffer(struct world *w, uintptr_t addr, unsigned size)
{
	struct world_mem *m = &w->mem;
	if (m->next_addr != addr || !m->next_size || m->next_size != size || m->global_view) {
		m->next_addr = 0; /* not one we can hold: it is visible now, after everything before it */
		world_mem_drain_all(w);
		return 0;
	}
	m->next_addr = 0;
	if (m->n == WMEM_MAX_STORES)
		drain_one(w, 0); /* a full buffer stalls the CPU until its oldest store drains */
	struct wmem_store *s = &m->buf[m->n++];
	s->addr = addr;
	s->size = (uint8_t)size;
	s->release = 0;
	s->epoch = m->epoch;
	s->call = w->calls;
	memcpy(s->val, (const void *)addr, size);
	memcpy(s->below, m->next_below, size);
	return 1;
}

/* What an ordering event does to the buffer under this model: 0 nothing, 1 drain all, 2 drain
 * the stores to the RMW's bytes, 3 a store barrier, 4 mark the newest store release, 5 drain
 * through the newest release store. */
enum { ACT_NONE, ACT_ALL, ACT_SAME, ACT_BARRIER, ACT_RELEASE, ACT_RELEASES };

static int action(const struct world_mem *m, unsigned event, unsigned order)
{
	int arm = m->model == MEM_ARM;
	switch (event) {
	case SEAM_ORD_FENCE:
		if (order == SEAM_FENCE_FULL || (arm && order == SEAM_FENCE_RELEASE))
			return ACT_ALL;
		return arm && order == SEAM_FENCE_STORE ? ACT_BARRIER : ACT_NONE;
	case SEAM_ORD_RMW:
		return !arm || order >= __ATOMIC_RELEASE ? ACT_ALL : ACT_SAME;
	case SEAM_ORD_STORE:
		if (order == __ATOMIC_SEQ_CST && !arm)
			return ACT_ALL; /* x86 compiles it to xchg */
		return arm && order >= __ATOMIC_RELEASE ? ACT_RELEASE : ACT_NONE;
	case SEAM_ORD_LOAD:
		return arm && order == __ATOMIC_SEQ_CST ? ACT_RELEASES : ACT_NONE;
	}
	return ACT_NONE;
}

int world_mem_order_drains(const struct world *w, unsigned event, unsigned order)
{
	int a = action(&w->mem, event, order);
	return w->mem.n && (a == ACT_ALL || a == ACT_SAME || a == ACT_RELEASES);
}

void world_mem_order(struct world *w, unsigned event, uintptr_t addr, unsigned size, unsigned order)
{
	struct world_mem *m = &w->mem;
	switch (action(m, event, order)) {
	case ACT_ALL:
		world_mem_drain_all(w);
		break;
	case ACT_SAME:
		drain_through(w, addr, size, 0);
		break;
	case ACT_BARRIER:
		m->epoch++;
		break;
	case ACT_RELEASE: /* the store just made (flushed by now) waits for every earlier one */
		if (m->n && m->buf[m->n - 1].addr == addr)
			m->buf[m->n - 1].release = 1;
		break;
	case ACT_RELEASES:
		drain_through(w, 0, 0, 1);
		break;
	}
}

void world_mem_drain_points(struct world *w)
{
	uint8_t was = w->in_target;
	w->in_target = 1; /* these points continue the step's numbering */
	while (w->mem.n && !w->stopped) {
		world_seam_point(w, "before a buffered store drains", 0);
		world_mem_drain_nth(w, 0); /* tso: the oldest is the only one that may */
	}
	w->in_target = was;
}

/* `cpu drain N`: the scheduler makes a buffered store visible now. */
void step_cpu_drain(struct world *w, const struct scn_step *st)
{
	if (!world_mem_drain_nth(w, st->arg[0]))
		world_log(w, "  cpu: no store is buffered (memory %s)", scn_memory_name(w->mem.model));
}
