/* fold.h - keep a fuzz target on its own steps: any step of a decoded scenario whose op is not
 * in the target's set is folded onto one that is (op modulo the set), so every input still means
 * something, and a scenario written with the set's steps decodes unchanged (corpus seeds stay
 * what they were). Arguments decoded for the old op are re-wrapped into the new op's ranges.
 */
#ifndef FUZZ_FOLD_H
#define FUZZ_FOLD_H

#include <stdint.h>
#include <string.h>
#include "world/scenario.h"

/* The world fuzz targets, one table: which steps each keeps (by actor, and two target steps for the
 * workload) and which device world it runs. The targets and `scnconv decode --target T` (readable
 * crash inputs) ask it. */
static inline int fold_target_keeps(const char *target, unsigned op)
{
	const char a = scn_ops[op].actor[0];
	if (!strcmp(target, "world"))
		return a == 'T' || a == 'P';                  /* TARGET, PEER */
	if (!strcmp(target, "workload"))                      /* FRONTEND, BACKEND, CPU, target tick/alloc */
		return a == 'F' || a == 'B' || a == 'C' || op == SCN_OP_TARGET_tick || op == SCN_OP_TARGET_alloc;
	return a == 'D' || a == 'C';                          /* blkfront, netfront: DEVICE, CPU */
}

static inline unsigned fold_target_device(const char *target)
{
	return !strcmp(target, "blkfront") ? SCN_DEV_VBD : !strcmp(target, "netfront") ? SCN_DEV_VIF : SCN_DEV_NONE;
}

/* The configuration a target runs every input with: its device, and a device's page budget. */
static inline void fold_target_config(const char *target, struct scn_config *cfg)
{
	cfg->device = (uint8_t)fold_target_device(target);
	if (cfg->device != SCN_DEV_NONE) /* a frontend's rings, requests and spares */
		cfg->pages = SCN_PAGES_MAX;
}

struct fold {
	uint16_t ops[SCN_NR_OPS];
	unsigned n;
	uint8_t keep[SCN_NR_OPS]; /* per op, decided once: per input it is one table look-up a step */
	char kinds[SCN_NR_OPS][SCN_MAX_ARGS + 1]; /* scn_op_args of each op, copied once */
	uint16_t to[SCN_NR_OPS];  /* what each op folds onto (itself if kept): no division per step */
};

static inline void fold_init(struct fold *f, int (*keep)(unsigned op))
{
	f->n = 0;
	for (unsigned op = 0; op < SCN_NR_OPS; op++) {
		const char *k = scn_op_args(op);
		unsigned a = 0;
		for (; k[a] && a < SCN_MAX_ARGS; a++)
			f->kinds[op][a] = k[a];
		f->kinds[op][a] = 0;
		if ((f->keep[op] = !!keep(op)))
			f->ops[f->n++] = (uint16_t)op;
	}
	for (unsigned op = 0; op < SCN_NR_OPS; op++)
		f->to[op] = f->keep[op] ? (uint16_t)op : f->ops[op % f->n];
}

static inline void fold_scenario(const struct fold *f, struct scenario *scn)
{
	for (uint32_t i = 0; i < scn->nsteps; i++) {
		struct scn_step *s = &scn->steps[i];
		if (f->keep[s->op])
			continue;
		s->op = f->to[s->op];
		const char *k = f->kinds[s->op];
		for (int a = 0; k[a] && a < SCN_MAX_ARGS; a++) {
			switch (k[a]) { /* divide only what is out of range */
			case 'P': if (s->arg[a] >= scn->cfg.pages) s->arg[a] %= scn->cfg.pages; break;
			case 'R': if (scn_is_label(s->arg[a])) s->arg[a] = SCN_LABEL | (s->arg[a] & (SCN_LABELS - 1));
				  else if (s->arg[a] >= scn->cfg.refs) s->arg[a] %= scn->cfg.refs;
				  break;
			case 'L': if (s->arg[a] > SCN_LABELS) s->arg[a] %= SCN_LABELS + 1; break;
			case 'M': case 'D': s->arg[a] &= 1; break;
			default: s->arg[a] &= 0xffff; break;
			}
		}
	}
}

#endif
