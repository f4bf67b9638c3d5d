/* world_run.c - one run of a scenario: reset, the step loop with its `at K` queue, the end-of-run
 * check (invariant 5), and the reports. A finding is written to the findings directory the
 * moment the oracle reports it, before anything else (a fuzz build aborts right after). */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "world/world.h"
#include "world/world_internal.h"
#include "devworld/devworld.h"

static void (*const handlers[SCN_NR_OPS])(struct world *, const struct scn_step *) = {
#define OP(actor, verb, args, fn) fn,
#include "world/ops.def"
#undef OP
};

void world_log_line(struct world *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(w->trace, fmt, ap);
	va_end(ap);
	fputc('\n', w->trace);
}

/* --- xsim observer: every map, unmap and copy of the target's grants reaches the oracle --- */

static void obs_map(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
		    int readonly, grant_handle_t handle)
{
	struct world *w = ctx;
	if (granter != WORLD_TARGET_DOM)
		return;
	int page = world_frame_page(frame);
	if (page >= 0 && mapper != granter)
		w->page_maps[page]++;
	oracle_map(&w->oracle, mapper, ref, frame, readonly);
}

static void obs_unmap(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame,
		      grant_handle_t handle)
{
	struct world *w = ctx;
	if (granter != WORLD_TARGET_DOM)
		return;
	int page = world_frame_page(frame);
	if (page >= 0 && mapper != granter)
		w->page_maps[page]--;
	oracle_unmap(&w->oracle, ref, frame);
}

static void obs_copy(void *ctx, domid_t mapper, domid_t granter, grant_ref_t ref, uint64_t frame, int to_granter)
{
	struct world *w = ctx;
	if (granter == WORLD_TARGET_DOM)
		oracle_copy(&w->oracle, ref, frame, to_granter);
}

/* --- findings --- */

/* FNV-1a: the hash of findings' file names and of root-cause keys. */
#define FNV_BASIS 0xcbf29ce484222325ull
static inline uint64_t fnv_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = FNV_BASIS;
	while (n--)
		h = fnv_mix(h, *p++);
	return h;
}

static void save_finding(struct world *w)
{
	static uint8_t bin[SCN_BIN_MAX];
	char path[4096];
	size_t n = scn_encode(&w->scn, bin, sizeof bin);
	uint64_t id = w->dedup ? w->key : fnv1a(bin, n); /* continue mode: one file per root cause */
	const char *dir = w->findings_dir;
	if (!dir)
		return;
	mkdir(dir, 0777); /* may exist already */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/inv%d-%s-%s-%016" PRIx64 ".%s", dir, w->oracle.first.inv,
			 world_subject(), world_subject_mutant(), id, i ? "scn" : "txt");
		FILE *f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "gntworld: cannot write finding %s: %s\n", path, strerror(errno));
			continue;
		}
		if (i) {
			scn_print(&w->scn, f);
			snprintf(w->finding, sizeof w->finding, "%s", path);
		}
		else
			world_report(w, f);
		fclose(f);
	}
}

/* The library's own code (harness/seam/seam_sections.h puts it there; weak: absent in builds
 * without the sections). */
extern char __start_gntfuzz_libtext[] __attribute__((weak)), __stop_gntfuzz_libtext[] __attribute__((weak));
/* ... and a frontend variant's code (harness/devices/front_sections.h): code under test too. */
extern char __start_gntfuzz_fronttext[] __attribute__((weak)), __stop_gntfuzz_fronttext[] __attribute__((weak));

static int in_library(uintptr_t pc)
{
	return pc - (uintptr_t)__start_gntfuzz_libtext < (uintptr_t)(__stop_gntfuzz_libtext - __start_gntfuzz_libtext) ||
	       pc - (uintptr_t)__start_gntfuzz_fronttext < (uintptr_t)(__stop_gntfuzz_fronttext - __start_gntfuzz_fronttext);
}

static uintptr_t self_base(void)
{
	static uintptr_t base;
	if (!base) {
		Dl_info di;
		base = dladdr((void *)self_base, &di) && di.dli_fbase ? (uintptr_t)di.dli_fbase : 1;
	}
	return base;
}

static void *raw_pcs[WORLD_STACK_MAX];
static int nraw;

/* The call chain of the detection (raw; resolve_stack makes offsets of it for a saved finding),
 * and the frames in the library's own code, which name the root cause whatever route (adapter,
 * shim, step) led there: the key is the invariant and the innermost of them, or the invariant and
 * the message without its numbers when no library frame was on the stack (the world caught it
 * itself). */
static void record_stack(struct world *w, const struct oracle_violation *v)
{
	nraw = backtrace(raw_pcs, WORLD_STACK_MAX);
	w->nstack = w->nlibstack = 0;
	for (int i = 0; i < nraw; i++)
		if (in_library((uintptr_t)raw_pcs[i] - 1))
			w->libstack[w->nlibstack++] = (uint64_t)((uintptr_t)raw_pcs[i] - self_base());
	uint64_t h = FNV_BASIS ^ (uint64_t)v->inv;
	if (w->nlibstack) {
		h = fnv_mix(h, w->libstack[0]);
	} else {
		/* numbers (frames, refs, steps; decimal or 0x hex) say nothing of the cause */
		for (const char *m = v->msg; *m; m++) {
			if (m[0] == '0' && m[1] == 'x') {
				for (m += 2; (*m >= '0' && *m <= '9') || (*m >= 'a' && *m <= 'f') || (*m >= 'A' && *m <= 'F'); m++)
					;
				if (!*m)
					break;
			}
			if (*m < '0' || *m > '9')
				h = fnv_mix(h, (uint8_t)*m);
		}
	}
	w->key = h;
}

static void resolve_stack(struct world *w)
{
	w->nstack = 0;
	for (int i = 0; i < nraw; i++) {
		Dl_info di;
		if (!dladdr(raw_pcs[i], &di) || !di.dli_fbase)
			continue;
		w->stack[w->nstack++] = (uint64_t)((uintptr_t)raw_pcs[i] - (uintptr_t)di.dli_fbase);
	}
}

/* Continue mode: keys already saved in this process (open addressing; a full table saves again). */
static int seen_before(uint64_t key)
{
	static uint64_t keys[1024];
	key |= 1; /* 0 marks a free slot */
	for (unsigned i = 0, at = (unsigned)key & 1023; i < 1024; i++, at = (at + 1) & 1023) {
		if (keys[at] == key)
			return 1;
		if (!keys[at]) {
			keys[at] = key;
			return 0;
		}
	}
	return 0;
}

static void on_violation(void *ctx, const struct oracle_violation *v)
{
	struct world *w = ctx;
	record_stack(w, v);
	w->stopped = !w->keep_going;
	/* A queued move detected inside a later step: the replay needs that step too. */
	w->replay_steps = w->outer < w->scn.nsteps ? w->outer + 1 : w->scn.nsteps;
	world_log(w, "  ORACLE: invariant %d violated: %s", v->inv, v->msg);
	w->duplicate = w->dedup && seen_before(w->key);
	if (!w->duplicate) {
		resolve_stack(w);
		save_finding(w);
	}
	if (w->abort_on_violation)
		abort();
}

/* --- the run --- */

#pragma weak gntfuzz_front_name
#pragma weak gntfuzz_front_mutant
extern const char gntfuzz_front_name[], gntfuzz_front_mutant[];

const char *world_subject(void)
{
	return gntfuzz_front_name ? gntfuzz_front_name : gntfuzz_library;
}

const char *world_subject_mutant(void)
{
	return gntfuzz_front_name ? gntfuzz_front_mutant : gntfuzz_mutant;
}

void world_init(struct world *w)
{
	memset(w, 0, sizeof *w); /* once: xsim's first reset needs zeroed storage */
	memset(w->ref_page, 0xff, sizeof w->ref_page); /* -1: no live share; reset keeps it so */
	w->memory_override = -1;
	devworld_check_build();
	world_seam_init(w);
	w->sim.obs.ctx = w;
	w->sim.obs.on_map = obs_map;
	w->sim.obs.on_unmap = obs_unmap;
	w->sim.obs.on_copy = obs_copy;
	w->oracle.on_violation = on_violation;
	w->oracle.ctx = w;
	const char *env = getenv("GNTWORLD_FINDINGS");
	if (env && *env)
		w->findings_dir = env;
	/* A campaign under one memory model (benchmarks, `make fuzz` per model); unknown: one line, exit 2 */
	env = getenv("GNTWORLD_MEMORY");
	if (env && *env && (w->memory_override = (int8_t)scn_memory_parse(env)) < 0) {
		fprintf(stderr, "gntworld: GNTWORLD_MEMORY must be sc, tso (x86-tso) or arm, not '%s'\n", env);
		exit(2);
	}
}

/* The run's table: the scenario's size and Xen's 8 reserved refs, unless the adapter declares
 * its library's own geometry (a compile-time table, refs of its own). */
static void fit_table(struct world *w)
{
	const struct seam_geometry *g = &w->adapter->table;
	unsigned refs = w->scn.cfg.refs;
	w->first_ref = g->first_ref ? g->first_ref : GNTTAB_NR_RESERVED_ENTRIES; /* Xen keeps 0..7 */
	if (g->max_refs && (g->fixed || refs > g->max_refs))
		refs = g->max_refs;
	if (refs <= w->first_ref) /* at least one ref to hand out */
		refs = w->first_ref + 1;
	w->nr_refs = refs < WORLD_REFS_MAX ? refs : WORLD_REFS_MAX;
}

/* Everything a run touches is reset in time proportional to the configuration, not to the
 * storage (the fuzzers reset per input). Returns 0, or -1 if the simulator or the adapter refused
 * the setup (the reason printed). */
static int world_reset(struct world *w)
{
	const struct scn_config *c = &w->scn.cfg;
	struct xsim_domain *t;
	char why[160];
	if (w->tdom)
		world_untag_pages(w); /* the simulator clears only what it saw touched */
	xsim_reset(&w->sim);
	memset(w->page_maps, 0, sizeof w->page_maps);
	if (!((w->seam_checked >> c->version) & 1)) { /* the adapter does not change: once */
		if (seam_check(w->adapter, c->version, why, sizeof why)) {
			fprintf(stderr, "gntworld: %s\n", why);
			return -1;
		}
		w->seam_checked |= (uint8_t)(1u << c->version);
	}
	fit_table(w);
	if (xsim_domain_create(&w->sim, WORLD_PEER_DOM, 1, 1, SCN_REFS_MIN) ||
	    xsim_domain_create(&w->sim, WORLD_TARGET_DOM, c->pages, c->version, w->nr_refs))
		return -1;
	t = xsim_domain(&w->sim, WORLD_TARGET_DOM);
	struct seam_table table = {
		.version = c->version,
		.shared = &t->shared,
		.status = c->version == 2 ? t->status : NULL,
		.nr_refs = w->nr_refs,
		.first_ref = w->first_ref,
		.defer_cap = c->deferq,
		.self = WORLD_TARGET_DOM,
	};
	world_seam_watch(w);
	world_mem_reset(w, c->memory);
	if (!gntfuzz_hooked) /* no store will be reported: let the next reset clear the whole table */
		for (unsigned r = 0; r < w->nr_refs; r++)
			xsim_guest_touch(&w->sim, WORLD_TARGET_DOM, &t->status[r]);
	w->stores_in_call = 0;
	w->in_target = 1; /* setup may touch the table: points are counted from each step anyway */
	int rc = w->adapter->boot ? world_boot(w, &table) : SEAM_OK;
	if (rc == SEAM_OK && w->adapter->setup) {
		world_seam_enter(w);
		rc = w->adapter->setup(&w->host, &table);
		world_seam_leave(w);
	}
	w->in_target = 0;
	if (rc != SEAM_OK) {
		fprintf(stderr, "gntworld: adapter of %s: %s refused the table (version %u, %u refs from %u)\n",
			gntfuzz_library, w->adapter->setup ? "boot/setup" : "boot", c->version, w->nr_refs, w->first_ref);
		return -1;
	}
	w->nfree = 0;
	for (unsigned p = c->pages; p-- > 0;) { /* p0 on top: the first alloc hands out p0 */
		w->page_owner[p] = PG_FREE;
		w->page_tag[p] = 0;
		w->free_stack[w->nfree++] = (uint8_t)p;
	}
	for (unsigned i = 0; i < w->nhanded; i++) { /* only handed refs were ever shared */
		w->ref_page[w->handed[i]] = -1;
		w->ref_handed[w->handed[i]] = 0;
	}
	w->nhanded = w->nlive = 0;
	w->nmaps = 0;
	w->map_seq = 0;
	w->reuse_reads = 0;
	w->peer_tries = w->peer_acted = w->peer_aimed = 0;
	for (unsigned g = 0; g < SCN_LABELS; g++)
		w->label_ref[g] = -1;
	w->nqueued = 0;
	world_clear_points(w);
	w->point = 0;
	w->in_target = w->in_point = 0;
	w->stopped = 0;
	w->nstack = w->nlibstack = 0;
	w->crash_signal = 0;
	w->log_msg = NULL;
	w->key = 0;
	w->duplicate = 0;
	w->finding[0] = 0;
	w->step = w->outer = w->replay_steps = 0;
	oracle_reset(&w->oracle, world_page_frame(0), c->pages, w->nr_refs);
	w->run++;
	return 0;
}

void world_exec(struct world *w, uint32_t i, const char *why)
{
	const struct scn_step *s = &w->scn.steps[i];
	uint32_t outer = w->step;
	if (w->trace) {
		char buf[SCN_MAX_LINE];
		scn_format_step(s, buf, sizeof buf);
		world_log(w, "step %u%s%s%s: %s", i + 1, why ? " (" : "", why ? why : "", why ? ")" : "", buf);
	}
	w->step = i;
	oracle_set_step(&w->oracle, i);
	handlers[s->op](w, s);
	w->step = outer;
	oracle_set_step(&w->oracle, outer);
}

/* After a step: the moves whose point never came, and queued messages, in scenario order. */
static void flush_queue(struct world *w)
{
	for (uint32_t i = 0; i < w->nqueued && !w->stopped; i++)
		if (!w->queue[i].done) {
			w->queue[i].done = 1;
			world_exec(w, w->queue[i].step, "queued, after the step");
		}
	w->nqueued = 0;
	world_clear_points(w);
}

/* Step i as a plain step: its target code, its buffered stores drained at points of their own,
 * the moves whose point never came, and nothing left in the store buffer after it. */
static void run_plain_step(struct world *w, uint32_t i, const char *why)
{
	w->point = 0;
	w->outer = i;
	w->mem.hold = 1;
	world_exec(w, i, why);
	world_mem_drain_points(w);
	flush_queue(w);
	w->mem.hold = 0;
	world_mem_end_step(w);
}

/* The steps ran out with `at K` moves still queued: no target step is left to wait for, so each
 * runs as a plain step, in scenario order, before the final check. (Left queued, they fired inside
 * the end-of-run ticks, after the final unmap-all: a map made there was a false invariant-5 alarm.)
 * The queue is emptied first so that a queued target step does not run the later ones inside it. */
static void run_leftover_queue(struct world *w)
{
	struct world_queued left[WORLD_MAX_QUEUED];
	uint32_t n = w->nqueued;
	memcpy(left, w->queue, n * sizeof left[0]);
	w->nqueued = 0;
	world_clear_points(w);
	for (uint32_t i = 0; i < n && !w->stopped; i++) {
		if (!left[i].done)
			run_plain_step(w, left[i].step, "queued, no step left: runs plain");
	}
}

/* Invariant 5 for refs: ask the library for free refs (grants of one page that nobody maps) and
 * see whether the refs the target gave up come back. A ref seen twice is on its free list twice.
 * The sweep stops when the library runs dry, or once every ref given up is back and as many
 * grants again were made (a double-freed ref of a LIFO or FIFO free list shows by then): its cost
 * follows what the run gave up, not the table size. It trusts only what the library hands out. */
static void sweep_refs(struct world *w, struct oracle_final *f)
{
	uint8_t seen[WORLD_REFS_MAX], wanted[WORLD_REFS_MAX];
	uint64_t frame = world_page_frame(0);
	unsigned want = 0, back = 0;
	memset(seen, 0, w->nr_refs); /* the run's table, not the largest one */
	memset(wanted, 0, w->nr_refs);
	for (unsigned i = 0; i < w->nhanded; i++) { /* the refs handed out during the run */
		unsigned r = w->handed[i];
		want += wanted[r] = world_live_share(w, r) < 0;
	}
	if (!want)
		return;
	for (unsigned n = 0; n < w->nr_refs && (back < want || n <= 2 * want); n++) {
		grant_ref_t ref = ~0u;
		int rc = IN_SEAM(w, w->adapter->share(WORLD_PEER_DOM, frame, 0, &ref));
		if (rc != SEAM_OK || ref >= w->nr_refs)
			break;
		if (seen[ref]++) {
			f->refs_twice++;
			f->ref_twice = ref;
			break;
		}
		back += wanted[ref];
	}
	for (unsigned i = 0; i < w->nhanded; i++) { /* the lowest missing ref names them */
		unsigned r = w->handed[i];
		if (wanted[r] && !seen[r] && (!f->refs_missing++ || r < f->ref_missing))
			f->ref_missing = r;
	}
}

/* Invariant 5: the peer lets go, the library gets its ticks, nothing may be left over. */
static void final_check(struct world *w)
{
	struct oracle_final f = { 0 };
	w->step = w->outer = w->scn.nsteps;
	oracle_set_step(&w->oracle, w->step);
	world_log(w, "end of run: peer unmaps everything, library ticks");
	world_peer_unmap_all(w);
	for (unsigned i = 0; i < w->scn.cfg.deferq + 2u && !w->stopped; i++)
		world_tick(w);
	if (w->stopped)
		return;
	f.live_shares = w->nlive; /* kept at every share and give-up (world_pages.c) */
	f.written_off = IN_SEAM(w, w->adapter->leaked());
	f.alloc_free = w->nfree;
	struct xsim_domain *peer = xsim_domain(&w->sim, WORLD_PEER_DOM);
	for (unsigned i = 0; peer && i < peer->map_fresh; i++) /* handles above were never used */
		f.peer_maps += peer->maps[i].in_use && peer->maps[i].granter == WORLD_TARGET_DOM;
	if (!f.peer_maps)
		sweep_refs(w, &f);
	oracle_final_check(&w->oracle, &f);
}

/* The steps, the leftover queue and the end-of-run check (a crash of the library ends it early:
 * world_crash.c). */
static int run_steps(struct world *w)
{
	for (uint32_t i = 0; i < w->scn.nsteps && !w->stopped; i++) {
		const struct scn_step *s = &w->scn.steps[i];
		if (s->queued) {
			if (w->nqueued < WORLD_MAX_QUEUED) {
				w->queue[w->nqueued++] = (struct world_queued){ i, s->at, 0 };
				if (scn_op_interleaves(s->op))
					world_queue_point(w, s->at);
				continue;
			}
			/* queue full: it runs now, as if its point had come */
		}
		run_plain_step(w, i, NULL);
	}
	run_leftover_queue(w);
	if (!w->stopped && devworld_active(w)) { /* the frontend lets go before the end-of-run check */
		w->step = w->outer = w->scn.nsteps;
		oracle_set_step(&w->oracle, w->step);
		devworld_finish(w);
	}
	if (!w->stopped)
		final_check(w);
	return 0;
}

int world_run(struct world *w, const struct scenario *scn)
{
	if (scn != &w->scn) {
		w->scn.cfg = scn->cfg;
		w->scn.nsteps = scn->nsteps;
		memcpy(w->scn.steps, scn->steps, scn->nsteps * sizeof scn->steps[0]);
	}
	if (w->memory_override >= 0) /* the run's scenario says the model it ran under: findings replay */
		w->scn.cfg.memory = (uint8_t)w->memory_override;
	if (!world_supports_version(w, w->scn.cfg.version)) {
		fprintf(stderr, "gntworld: skipped: library %s has no grant table v%u\n", gntfuzz_library,
			w->scn.cfg.version);
		return 3;
	}
	if (devworld_active(w) && !devworld_front(w)) {
		fprintf(stderr, "gntworld: skipped: %s has no %s frontend\n", world_subject(),
			scn_device_name(w->scn.cfg.device));
		return 3;
	}
	if (world_reset(w))
		return 2;
	world_guarded_run(w, run_steps);
	return w->oracle.first.inv ? 1 : 0;
}

void world_fit_version(struct world *w)
{
	if (!world_supports_version(w, w->scn.cfg.version))
		w->scn.cfg.version = w->scn.cfg.version == 1 ? 2 : 1; /* a v1-only library, say */
}

int world_run_bytes(struct world *w, const uint8_t *data, size_t size)
{
	scn_decode(&w->scn, data, size);
	world_fit_version(w);
	return world_run(w, &w->scn);
}

/* --- reports --- */

void world_report(const struct world *w, FILE *out)
{
	const struct oracle_violation *v = &w->oracle.first;
	char buf[SCN_MAX_LINE];
	fprintf(out, "gntworld: library %s, mutant %s\n", world_subject(), world_subject_mutant());
	if (gntfuzz_front_name)
		fprintf(out, "frontend %s/%s on grant library %s/%s\n", gntfuzz_front_name, gntfuzz_front_mutant,
			gntfuzz_library, gntfuzz_mutant);
	oracle_report(&w->oracle, out);
	if (!v->inv)
		return;
	if (v->step < w->scn.nsteps) {
		scn_format_step(&w->scn.steps[v->step], buf, sizeof buf);
		fprintf(out, "detecting step: %u `%s`\n", v->step + 1, buf);
	} else {
		fprintf(out, "detecting step: end of run (peer unmapped everything, library ticked)\n");
	}
	if (w->keep_going)
		fprintf(out, "after it the run went on (--keep-going): %u more violation(s), history above includes them\n",
			w->oracle.nviolations - 1);
	if (w->reuse_reads)
		fprintf(out, "the peer read or wrote memory the target had reused %u time(s): the attack worked\n",
			w->reuse_reads);
	fprintf(out, "replay (gntworld run FILE.scn):\n");
	scn_format_config(&w->scn.cfg, buf, sizeof buf);
	fprintf(out, "%s\n", buf);
	for (uint32_t i = 0; i < w->replay_steps && i < w->scn.nsteps; i++) {
		scn_format_step(&w->scn.steps[i], buf, sizeof buf);
		fprintf(out, "%s%s\n", buf, i == v->step ? "    # <- detected here" : "");
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void world_report_json(const struct world *w, FILE *out)
{
	const struct oracle_violation *v = &w->oracle.first;
	fprintf(out, "{\"library\": ");
	json_str(out, world_subject());
	fprintf(out, ", \"mutant\": ");
	json_str(out, world_subject_mutant());
	fprintf(out, ", \"grant_library\": \"%s/%s\", \"device\": \"%s\"", gntfuzz_library, gntfuzz_mutant,
		scn_device_name(w->scn.cfg.device));
	fprintf(out, ", \"memory\": \"%s\", \"verdict\": \"%s\", \"steps\": %u, \"reuse_reads\": %u, \"violations\": %u, "
		"\"peer_tries\": %u, \"peer_acted\": %u, \"refs\": %u, \"first_ref\": %u",
		scn_memory_name(w->scn.cfg.memory), v->inv ? "violation" : world_vacuous(w) ? "vacuous" : "clean",
		w->scn.nsteps, w->reuse_reads,
		w->oracle.nviolations, w->peer_tries, w->peer_acted, w->nr_refs, w->first_ref);
	if (w->scn.cfg.device) { /* the run's device world (devworld_of is not const: it sets up on first use) */
		const struct devworld *d = devworld_of((struct world *)w);
		fprintf(out, ", \"device_refused\": %u, \"device_attached\": %s", d->refused, d->attached ? "true" : "false");
	}
	if (v->inv) {
		fprintf(out, ", \"invariant\": %d, \"name\": \"%s\", \"sentence\": ", v->inv, oracle_inv_name(v->inv));
		json_str(out, oracle_inv_sentence(v->inv));
		fprintf(out, ", \"step\": %u, \"at_end\": %s, \"message\": ", v->step + 1,
			v->step >= w->scn.nsteps ? "true" : "false");
		json_str(out, v->msg);
		if (v->frame != ~0ull)
			fprintf(out, ", \"frame\": %" PRIu64, v->frame);
		if (v->ref != ORACLE_NO_REF)
			fprintf(out, ", \"ref\": %u", v->ref);
		fprintf(out, ", \"key\": \"%016" PRIx64 "\", \"library_frames\": [", w->key);
		for (uint32_t i = 0; i < w->nlibstack; i++)
			fprintf(out, "%s\"0x%" PRIx64 "\"", i ? ", " : "", w->libstack[i]);
		fprintf(out, "]");
		if (w->crash_signal) {
			char line[120];
			world_last_log(w, line, sizeof line);
			const char *sig = sigabbrev_np(w->crash_signal);
			fprintf(out, ", \"crash\": {\"signal\": \"SIG%s\", \"last_log\": ", sig ? sig : "?");
			json_str(out, w->log_msg ? line : "");
			fprintf(out, "}");
		}
		fprintf(out, ", \"stack\": [");
		for (uint32_t i = 0; i < w->nstack; i++)
			fprintf(out, "%s\"0x%" PRIx64 "\"", i ? ", " : "", w->stack[i]);
		fprintf(out, "]");
	}
	fprintf(out, "}\n");
}
