/* pagealloc.c - a LIFO free stack over a fixed range of RAM frames. */
#include "pagealloc.h"
#include "lib.h"

#define PA_MAX 4096
static uint64_t base;
static uint32_t count, top;
static uint32_t stack[PA_MAX];   /* free page indices; stack[top-1] is handed out next */
static uint8_t state[PA_MAX];
static uint32_t bad_frees;
static void (*observer)(void);

void pa_set_observer(void (*fn)(void)) { observer = fn; }
static void changed(void)
{
	if (observer)
		observer();
}

void pa_init(uint64_t first_gfn, uint32_t nr_pages)
{
	base = first_gfn;
	count = nr_pages > PA_MAX ? PA_MAX : nr_pages;
	top = 0;
	for (uint32_t i = count; i-- > 0;) {
		state[i] = PA_FREE;
		stack[top++] = i;
	}
	bad_frees = 0;
}

static int index_of(uint64_t gfn)
{
	return (gfn >= base && gfn < base + count) ? (int)(gfn - base) : -1;
}

static uint64_t alloc_as(uint8_t st)
{
	if (!top)
		return 0;
	uint32_t i = stack[--top];
	state[i] = st;
	changed();
	return base + i;
}

uint64_t pa_alloc(void) { return alloc_as(PA_USED); }
uint64_t pa_alloc_given(void) { return alloc_as(PA_GIVEN); }

/* Free gfn if it is in state a or b; otherwise count a bad free. */
static int free_from(uint64_t gfn, uint8_t a, uint8_t b)
{
	int i = index_of(gfn);
	if (i < 0 || (state[i] != a && state[i] != b)) {
		bad_frees++;
		return -1;
	}
	state[i] = PA_FREE;
	stack[top++] = (uint32_t)i;
	changed();
	return 0;
}

int pa_free(uint64_t gfn) { return free_from(gfn, PA_USED, PA_LIB); }
int pa_lib_free(uint64_t gfn) { return free_from(gfn, PA_GIVEN, PA_GIVEN); }

/* What pa_describe shows of a state: shared and given up are both the library's ('l'). */
static char shown(uint8_t st) { return st == PA_FREE ? 0 : st == PA_USED ? 'u' : 'l'; }

static int move(uint64_t gfn, uint8_t from, uint8_t to)
{
	int i = index_of(gfn);
	if (i < 0 || state[i] != from)
		return -1;
	state[i] = to;
	if (shown(from) != shown(to)) /* the observer publishes: no xenstore write for no change */
		changed();
	return 0;
}

int pa_give_to_lib(uint64_t gfn) { return move(gfn, PA_USED, PA_LIB); }
int pa_give_up(uint64_t gfn) { return move(gfn, PA_LIB, PA_GIVEN); }
int pa_take_back(uint64_t gfn) { return move(gfn, PA_GIVEN, PA_LIB); }

int pa_state(uint64_t gfn)
{
	int i = index_of(gfn);
	return i < 0 ? -1 : state[i];
}

void pa_get_stats(struct pa_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < count; i++)
		s->free += state[i] == PA_FREE, s->used += state[i] == PA_USED, s->lib += state[i] == PA_LIB,
		s->given += state[i] == PA_GIVEN;
	s->bad_frees = bad_frees;
}

size_t pa_describe(char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (state[i] == PA_FREE)
			continue;
		if (n)
			n = str_append(buf, cap, " ");
		str_append_u(buf, cap, base + i);
		n = str_append(buf, cap, state[i] == PA_USED ? ":u" : ":l");
	}
	return n;
}
