/* test_models.c - the windows a real peer has, on library-shaped code (styles_lib.c, compiled as
 * target code), in the real world under each memory model, both ways. For every idiom the peer's
 * move is tried at every scheduling point of the step (and after it), and for the Arm publish
 * case with every choice of which buffered store drains first:
 *   - the window before a compare-and-swap (__atomic, __sync, inline-asm lock cmpxchg) is raced:
 *     an end that ignores the swap's answer is caught under every model, a correct loop never;
 *   - a v2 end's full barrier (asm mfence, a locked add, __atomic_thread_fence, __sync_synchronize,
 *     seam_fence) drains the store buffer: never flagged; no barrier, a compiler barrier or only
 *     a store barrier is caught under tso and arm, and legal under sc;
 *   - a publish ordered by a store barrier (asm sfence, a C11 release fence, seam_fence STORE) is
 *     never flagged; one ordered by a compiler barrier alone is caught under arm only.
 * TAP output; exit 1 on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "world/world.h"
#include "styles_lib.h"

static struct world the_world;
static struct scenario scn;
static int failed, checks;

static void check(int ok, const char *fmt, const char *a, const char *b)
{
	printf("%s %d - ", ok ? "ok" : "not ok", ++checks);
	printf(fmt, a, b);
	printf("\n");
	failed += !ok;
}

/* Run scenario text under `model`: 1 if the oracle flagged it, 0 if clean (exit on bad input). */
static int flagged(const char *text, int model)
{
	char err[256];
	if (scn_parse_text(&scn, text, strlen(text), err, sizeof err)) {
		fprintf(stderr, "test_models: %s\n%s", err, text);
		exit(2);
	}
	the_world.memory_override = (int8_t)model;
	int rc = world_run(&the_world, &scn);
	if (rc > 1) {
		fprintf(stderr, "test_models: world_run answered %d on\n%s", rc, text);
		exit(2);
	}
	return rc;
}

static const unsigned points[] = { 0, 1, 2, 3, 4, 5, 99 }; /* 99: after the step */
#define NPOINTS (sizeof points / sizeof points[0])

/* The peer maps the grant at point K of the unshare, for each K: is any run flagged? `at1` says whether
 * K = 1 (the point before the swap, after the load) was among them. */
static int race_end(unsigned version, int model, int *at1)
{
	char text[512];
	int any = 0;
	*at1 = 0;
	for (unsigned i = 0; i < NPOINTS; i++) {
		snprintf(text, sizeof text,
			 "config version %u pages 8 refs 16 deferq 4\n"
			 "target share p0 rw as g0\n"
			 "at %u peer map g0 rw\n"
			 "target unshare g0\n"
			 "target alloc\n"
			 "peer read g0\n", version, points[i]);
		int f = flagged(text, model);
		any |= f;
		*at1 |= f && points[i] == 1;
	}
	return any;
}

/* The grant's ref is re-shared for a new page (the table has that one ref: whatever the order); at
 * point K the scheduler drains buffered store N first and the peer maps: is any (K, N) flagged? */
static int race_publish(int model)
{
	char text[512];
	for (unsigned i = 0; i < NPOINTS; i++)
		for (unsigned n = 0; n < 3; n++) {
			snprintf(text, sizeof text,
				 "config version 1 pages 8 refs 9 deferq 4\n"
				 "target share p0 rw as g0\n"
				 "peer map g0 rw\n"
				 "peer unmap g0\n"
				 "peer done g0\n"
				 "at %u cpu drain %u\n"
				 "at %u peer map g0 rw\n"
				 "target share p1 rw as g1\n"
				 "peer read g0\n", points[i], n, points[i]);
			if (flagged(text, model))
				return 1;
		}
	return 0;
}

int main(void)
{
	static const char *const end_name[END_STYLES] = {
		"__atomic_compare_exchange_n loop", "__sync_val_compare_and_swap loop", "inline-asm lock cmpxchg loop",
		"__sync cmpxchg, answer ignored", "inline-asm lock cmpxchg, answer ignored",
	};
	static const char *const mb_name[MB_STYLES] = {
		"asm mfence", "__atomic_thread_fence(SEQ_CST)", "__sync_synchronize()", "seam_fence(FULL)",
		"asm lock addl $0,(%rsp)", "asm sfence only", "a compiler barrier only", "no barrier",
	};
	static const char *const wmb_name[WMB_STYLES] = {
		"asm sfence", "__atomic_thread_fence(RELEASE)", "seam_fence(STORE)", "a compiler barrier only",
	};
	world_init(&the_world);

	for (int s = 0; s < END_STYLES; s++) {
		int buggy = s == END_SYNC_IGNORED || s == END_ASM_IGNORED;
		memset(&styles_pick, 0, sizeof styles_pick);
		styles_pick.end_v1 = s;
		for (int m = 0; m < MEM_NR_MODELS; m++) {
			int at1, any = race_end(1, m, &at1);
			if (buggy)
				check(any && at1, "v1 end, %s: caught under %s, at the point before the swap", end_name[s],
				      scn_memory_name((unsigned)m));
			else
				check(!any, "v1 end, %s: never flagged under %s", end_name[s], scn_memory_name((unsigned)m));
		}
	}
	for (int s = 0; s < MB_STYLES; s++) {
		int full = s <= MB_ASM_LOCKED_ADD;
		memset(&styles_pick, 0, sizeof styles_pick);
		styles_pick.v2_mb = s;
		for (int m = 0; m < MEM_NR_MODELS; m++) {
			int at1, any = race_end(2, m, &at1);
			if (full || m == MEM_SC)
				check(!any, "v2 end with %s: never flagged under %s", mb_name[s], scn_memory_name((unsigned)m));
			else
				check(any, "v2 end with %s: caught under %s (the status read passes the buffered header clear)",
				      mb_name[s], scn_memory_name((unsigned)m));
		}
	}
	for (int s = 0; s < WMB_STYLES; s++) {
		memset(&styles_pick, 0, sizeof styles_pick);
		styles_pick.publish = s;
		for (int m = 0; m < MEM_NR_MODELS; m++) {
			int any = race_publish(m);
			if (s == WMB_COMPILER && m == MEM_ARM)
				check(any, "publish ordered by %s: caught under %s (flags visible before the frame)", wmb_name[s],
				      scn_memory_name((unsigned)m));
			else
				check(!any, "publish ordered by %s: never flagged under %s", wmb_name[s], scn_memory_name((unsigned)m));
		}
	}
	printf("1..%d\n%s\n", checks, failed ? "FAIL" : "PASS");
	return failed ? 1 : 0;
}
