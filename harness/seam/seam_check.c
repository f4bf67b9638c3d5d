/* seam_check.c - is an adapter complete? One line that says what is missing, so that a user's
 * first build of their adapter fails with a sentence, not a NULL call. Freestanding (PVH guest). */
#include "seam/seam.h"

/* Append s to msg (bounded, always terminated); returns the new length. */
static unsigned put(char *msg, unsigned size, unsigned n, const char *s)
{
	while (*s && n + 1 < size)
		msg[n++] = *s++;
	if (size)
		msg[n < size ? n : size - 1] = 0;
	return n;
}

int seam_check(const struct seam_adapter *a, unsigned version, char *msg, unsigned size)
{
	const char *missing = 0;
	unsigned n = 0;

	if (!a->setup && !a->boot)
		missing = "setup (nor boot)";
	else if (!a->share)
		missing = "share";
	else if (!a->unshare)
		missing = "unshare";
	else if (!a->tick)
		missing = "tick";
	else if (!a->leaked)
		missing = "leaked";
	n = put(msg, size, 0, "adapter of ");
	n = put(msg, size, n, gntfuzz_library);
	if (missing) {
		n = put(msg, size, n, ": gntfuzz_adapter has no ");
		put(msg, size, n, missing);
		return -1;
	}
	const struct seam_geometry *g = &a->table;
	if (g->max_refs > SEAM_MAX_REFS || (g->fixed && !g->max_refs) ||
	    (g->max_refs && g->first_ref >= g->max_refs) || g->first_ref >= SEAM_MAX_REFS) {
		put(msg, size, n, ": table geometry impossible (.table: max_refs <= 4096, first_ref below it, "
				  "fixed needs max_refs)");
		return -1;
	}
	if (!(a->versions & (1u << version))) {
		n = put(msg, size, n, version == 2 ? ": grant table v2 not supported (versions lacks SEAM_V2)"
						   : ": grant table v1 not supported (versions lacks SEAM_V1)");
		return -1;
	}
	put(msg, size, n, ": ok");
	return 0;
}

int seam_start(const struct seam_adapter *a, const struct seam_host *host, struct seam_table *t)
{
	const struct seam_geometry *g = &a->table;
	if (g->first_ref > t->first_ref)
		t->first_ref = g->first_ref;
	if (g->max_refs && t->nr_refs > g->max_refs)
		t->nr_refs = g->max_refs;
	if ((g->fixed && t->nr_refs != g->max_refs) || t->first_ref >= t->nr_refs)
		return SEAM_ERR; /* the host's table cannot be the one the library needs */
	if (a->boot && a->boot(host, t) != SEAM_OK)
		return SEAM_ERR;
	return a->setup ? a->setup(host, t) : SEAM_OK;
}
