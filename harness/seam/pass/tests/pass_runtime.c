/* pass_runtime.c - the gntfuzz pass at run time: links with snippets.c built with the plugin (and
 * a target flavour's flags), defines the four hooks and the load/store hooks of
 * -fsanitize-coverage to record what reaches them, calls every snippet and checks the sequence:
 * which hook, its address (the variable the atomic works on), size, order or fence kind, and the
 * memory at the hook (an RMW's hook sees the old value, an atomic store's the new one). Built
 * WITHOUT the plugin or coverage flags. TAP on stdout; exit 1 on any failure.
 * -DEXPECT_SANCOV: snippets.o carries trace-loads/trace-stores, whose hooks must surround ours
 * (sancov's store hook before the atomic store, ours after; ours before sancov's load hook). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { R_RMW, R_FENCE, R_ALOAD, R_ASTORE, R_COV_LOAD, R_COV_STORE };
static const char *const rname[] = {"rmw", "fence", "atomic_load", "atomic_store", "cov_load", "cov_store"};

struct rec {
	int hook;
	const volatile void *addr;
	uint32_t size, order; /* order: the fence kind for R_FENCE */
	uint64_t mem;         /* memory at addr when the hook ran */
};
static struct rec recs[32];
static int nrec, overflow;

/* The variables the snippets work on; sancov's hooks are recorded only for these (not the stack). */
static uint8_t v8;
static uint16_t v16;
static uint32_t v32;
static uint64_t v64;
extern uint32_t snip_global;

static int watched(const volatile void *a)
{
	return a == &v8 || a == &v16 || a == &v32 || a == &v64 || a == &snip_global;
}

static uint64_t peek(const volatile void *a, uint32_t size)
{
	switch (size) {
	case 1: return *(const volatile uint8_t *)a;
	case 2: return *(const volatile uint16_t *)a;
	case 4: return *(const volatile uint32_t *)a;
	case 8: return *(const volatile uint64_t *)a;
	default: return 0;
	}
}

static void record(int hook, const volatile void *a, uint32_t size, uint32_t order)
{
	if (nrec == (int)(sizeof(recs) / sizeof(recs[0]))) {
		overflow = 1;
		return;
	}
	recs[nrec++] = (struct rec){hook, a, size, order, a && watched(a) ? peek(a, size) : 0};
}

void __gntfuzz_rmw(volatile void *a, uint32_t size, uint32_t order) { record(R_RMW, a, size, order); }
void __gntfuzz_fence(uint32_t kind) { record(R_FENCE, NULL, 0, kind); }
void __gntfuzz_atomic_load(volatile void *a, uint32_t size, uint32_t order) { record(R_ALOAD, a, size, order); }
void __gntfuzz_atomic_store(volatile void *a, uint32_t size, uint32_t order) { record(R_ASTORE, a, size, order); }

#define COV(n)                                                                                  \
	void __sanitizer_cov_load##n(void *a)                                                   \
	{                                                                                       \
		if (watched(a)) record(R_COV_LOAD, a, n, 0);                                    \
	}                                                                                       \
	void __sanitizer_cov_store##n(void *a)                                                  \
	{                                                                                       \
		if (watched(a)) record(R_COV_STORE, a, n, 0);                                   \
	}
COV(1)
COV(2)
COV(4)
COV(8)
COV(16)
/* The edge hooks of the flavours without an engine runtime (weak: a runtime's win). */
__attribute__((weak)) void __sanitizer_cov_trace_pc_guard_init(uint32_t *b, uint32_t *e) { (void)b, (void)e; }
__attribute__((weak)) void __sanitizer_cov_trace_pc_guard(uint32_t *g) { (void)g; }
__attribute__((weak)) void __sanitizer_cov_8bit_counters_init(char *b, char *e) { (void)b, (void)e; }
__attribute__((weak)) void __sanitizer_cov_pcs_init(const uintptr_t *b, const uintptr_t *e) { (void)b, (void)e; }

/* The snippets (snippets.c). */
int snip_atomic_cas_n(uint32_t *p, uint32_t old, uint32_t new);
int snip_atomic_cas_weak_acquire(uint16_t *p, uint16_t old, uint16_t new);
uint16_t snip_sync_val_cas(uint16_t *p, uint16_t old, uint16_t new);
int snip_sync_bool_cas(uint64_t *p, uint64_t old, uint64_t new);
uint8_t snip_atomic_exchange_n(uint8_t *p, uint8_t v);
uint16_t snip_atomic_fetch_or(uint16_t *p, uint16_t bits);
void snip_global_fetch_add(void);
uint16_t snip_asm_synch_cmpxchgw(volatile uint16_t *p, uint16_t old, uint16_t new);
uint32_t snip_asm_xchg(volatile uint32_t *p, uint32_t v);
uint64_t snip_asm_lock_xaddq(uint64_t *p, uint64_t v);
int snip_asm_goto_lock_bts(volatile uint32_t *p, uint32_t bit);
void snip_fence_seq_cst(void);
void snip_fence_release(void);
void snip_fence_acquire(void);
void snip_fence_acq_rel(void);
void snip_sync_synchronize(void);
void snip_asm_mfence(void);
void snip_asm_sfence(void);
void snip_asm_lfence(void);
void snip_asm_lock_addl_rsp(void);
void snip_none_compiler_barrier(void);
void snip_none_signal_fence(void);
void snip_none_nop_asm(void);
uint32_t snip_none_plain(uint32_t *p);
uint32_t snip_none_volatile(volatile uint16_t *p);
uint32_t snip_none_relaxed(uint32_t *p);
void snip_store_release(uint16_t *p, uint16_t v);
void snip_store_seq_cst(uint32_t *p, uint32_t v);
uint16_t snip_load_acquire(uint16_t *p);
uint64_t snip_load_seq_cst(uint64_t *p);
int snip_end_access(uint16_t *flags);
void __gntfuzz_snippet_internal(uint32_t *p);
void snip_skip_disable_sanitizer(uint32_t *p);
void snip_nocov(uint32_t *p);

#ifdef EXPECT_SANCOV
#define SANCOV 1
#else
#define SANCOV 0
#endif

static int failed, ntests;

/* Expected records, terminated by hook -1; `mem` checked unless it is NOMEM. With `ours_only`,
 * sancov's records are dropped before comparing. */
#define NOMEM UINT64_MAX
struct want {
	int hook;
	const volatile void *addr;
	uint32_t size, order;
	uint64_t mem;
};
#define END {-1, NULL, 0, 0, 0}

static void check(const char *what, int ok_result, const struct want *w, int ours_only)
{
	struct rec got[32];
	int n = 0, i, ok = ok_result && !overflow;
	char why[256] = "";

	for (i = 0; i < nrec; i++)
		if (!ours_only || recs[i].hook < R_COV_LOAD)
			got[n++] = recs[i];
	if (!ok_result)
		snprintf(why, sizeof(why), "the operation's result or effect is wrong");
	for (i = 0; ok && w[i].hook >= 0; i++) {
		if (i >= n) {
			snprintf(why, sizeof(why), "record %d (%s) missing", i, rname[w[i].hook]);
			ok = 0;
		} else if (got[i].hook != w[i].hook || got[i].addr != w[i].addr || got[i].size != w[i].size ||
			   got[i].order != w[i].order || (w[i].mem != NOMEM && got[i].mem != w[i].mem)) {
			snprintf(why, sizeof(why), "record %d: %s(%p, %u, %u) mem %llu, want %s(%p, %u, %u) mem %llu", i,
				 rname[got[i].hook], (void *)got[i].addr, got[i].size, got[i].order,
				 (unsigned long long)got[i].mem, rname[w[i].hook], (void *)w[i].addr, w[i].size,
				 w[i].order, (unsigned long long)w[i].mem);
			ok = 0;
		}
	}
	if (ok && n > i) {
		snprintf(why, sizeof(why), "%d unexpected record(s), first %s(%p, %u, %u)", n - i,
			 rname[got[i].hook], (void *)got[i].addr, got[i].size, got[i].order);
		ok = 0;
	}
	ntests++;
	if (ok) {
		printf("ok %d - %s\n", ntests, what);
	} else {
		printf("not ok %d - %s: %s\n", ntests, what, why);
		failed = 1;
	}
	nrec = 0;
	overflow = 0;
}

#define RMW(p, s, o, m) {R_RMW, (p), (s), (o), (m)}
#define FENCE(k) {R_FENCE, NULL, 0, (k), 0}
#define ALOAD(p, s, o) {R_ALOAD, (p), (s), (o), NOMEM}
#define ASTORE(p, s, o, m) {R_ASTORE, (p), (s), (o), (m)}

static void fence_case(const char *what, void (*fn)(void), uint32_t kind)
{
	const struct want w[] = {FENCE(kind), END};
	nrec = 0;
	fn();
	check(what, 1, w, 1);
}

static void nothing_case(const char *what, int result)
{
	const struct want w[] = {END};
	check(what, result, w, 0);
}

int main(void)
{
	int r;

	/* read-modify-writes: the hook sees the old value */
	v32 = 7, nrec = 0;
	r = snip_atomic_cas_n(&v32, 7, 9);
	check("__atomic_compare_exchange_n: rmw(&v32, 4, seq_cst) before, swap done",
	      r == 1 && v32 == 9, (const struct want[]){RMW(&v32, 4, 5, 7), END}, 1);
	r = snip_atomic_cas_n(&v32, 7, 11);
	check("__atomic_compare_exchange_n failing: still hooked, memory kept", r == 0 && v32 == 9,
	      (const struct want[]){RMW(&v32, 4, 5, 9), END}, 1);
	v16 = 3;
	r = snip_atomic_cas_weak_acquire(&v16, 3, 4);
	check("weak acquire cmpxchg: rmw(&v16, 2, acquire)", r == 1 && v16 == 4,
	      (const struct want[]){RMW(&v16, 2, 2, 3), END}, 1);
	r = snip_sync_val_cas(&v16, 4, 5);
	check("__sync_val_compare_and_swap: rmw(&v16, 2, seq_cst)", r == 4 && v16 == 5,
	      (const struct want[]){RMW(&v16, 2, 5, 4), END}, 1);
	v64 = 1ull << 40;
	r = snip_sync_bool_cas(&v64, 1ull << 40, 2);
	check("__sync_bool_compare_and_swap: rmw(&v64, 8, seq_cst)", r == 1 && v64 == 2,
	      (const struct want[]){RMW(&v64, 8, 5, 1ull << 40), END}, 1);
	v8 = 0x11;
	r = snip_atomic_exchange_n(&v8, 0x22);
	check("__atomic_exchange_n release: rmw(&v8, 1, release)", r == 0x11 && v8 == 0x22,
	      (const struct want[]){RMW(&v8, 1, 3, 0x11), END}, 1);
	v16 = 0x10;
	r = snip_atomic_fetch_or(&v16, 0x3);
	check("__atomic_fetch_or acq_rel: rmw(&v16, 2, acq_rel)", r == 0x10 && v16 == 0x13,
	      (const struct want[]){RMW(&v16, 2, 4, 0x10), END}, 1);
	snip_global = 41;
	snip_global_fetch_add();
	check("__atomic_fetch_add on a global: rmw(&snip_global, 4, seq_cst)", snip_global == 42,
	      (const struct want[]){RMW(&snip_global, 4, 5, 41), END}, 1);
	v16 = 0x100;
	r = snip_asm_synch_cmpxchgw(&v16, 0x100, 0x200);
	check("asm lock; cmpxchgw on \"+m\"(*__xg(p)): rmw(&v16, 2, seq_cst) (the suffix, not the dummy struct)",
	      r == 0x100 && v16 == 0x200, (const struct want[]){RMW(&v16, 2, 5, 0x100), END}, 1);
	v32 = 5;
	r = snip_asm_xchg(&v32, 6);
	check("asm xchg on \"+m\": rmw(&v32, 4, seq_cst)", r == 5 && v32 == 6,
	      (const struct want[]){RMW(&v32, 4, 5, 5), END}, 1);
	v64 = 100;
	r = (int)snip_asm_lock_xaddq(&v64, 5);
	check("asm lock xaddq through a pointer register: rmw(&v64, 8, seq_cst)", r == 100 && v64 == 105,
	      (const struct want[]){RMW(&v64, 8, 5, 100), END}, 1);

	v32 = 0;
	r = snip_asm_goto_lock_bts(&v32, 3);
	check("asm goto lock; btsl: rmw(&v32, 4, seq_cst), not at its label", r == 0 && v32 == 8,
	      (const struct want[]){RMW(&v32, 4, 5, 0), END}, 1);
	r = snip_asm_goto_lock_bts(&v32, 3);
	check("asm goto lock; btsl taken: rmw(&v32, 4, seq_cst)", r == 1 && v32 == 8,
	      (const struct want[]){RMW(&v32, 4, 5, 8), END}, 1);

	/* fences */
	fence_case("__atomic_thread_fence(SEQ_CST): fence(FULL)", snip_fence_seq_cst, 0);
	fence_case("__atomic_thread_fence(RELEASE): fence(RELEASE)", snip_fence_release, 3);
	fence_case("__atomic_thread_fence(ACQUIRE): fence(LOAD)", snip_fence_acquire, 2);
	fence_case("__atomic_thread_fence(ACQ_REL): fence(RELEASE)", snip_fence_acq_rel, 3);
	fence_case("__sync_synchronize: fence(FULL)", snip_sync_synchronize, 0);
	fence_case("asm mfence: fence(FULL)", snip_asm_mfence, 0);
	fence_case("asm sfence: fence(STORE)", snip_asm_sfence, 1);
	fence_case("asm lfence: fence(LOAD)", snip_asm_lfence, 2);
	fence_case("asm lock; addl $0,0(%rsp): fence(FULL)", snip_asm_lock_addl_rsp, 0);

	/* nothing: compiler barriers, plain, volatile and relaxed accesses */
	snip_none_compiler_barrier();
	nothing_case("asm volatile(\"\" ::: \"memory\"): no hook", 1);
	snip_none_signal_fence();
	nothing_case("__atomic_signal_fence: no hook", 1);
	snip_none_nop_asm();
	nothing_case("asm nop; pause: no hook", 1);
	v32 = 1;
	r = (int)snip_none_plain(&v32);
	check("plain load and store: none of ours", r == 1 && v32 == 2,
	      (const struct want[]){END}, 1);
	v32 = 1;
	r = (int)snip_none_relaxed(&v32);
	check("relaxed atomic load and store: none of ours", r == 1 && v32 == 2,
	      (const struct want[]){END}, 1);

	/* atomic stores (hook after: it sees the new value) and loads (hook before) */
	v16 = 1;
	snip_store_release(&v16, 0x55);
	if (SANCOV)
		check("release store: sancov's store2 before it, atomic_store(&v16, 2, release) after",
		      v16 == 0x55,
		      (const struct want[]){{R_COV_STORE, &v16, 2, 0, 1}, ASTORE(&v16, 2, 3, 0x55), END}, 0);
	else
		check("release store: atomic_store(&v16, 2, release) after it", v16 == 0x55,
		      (const struct want[]){ASTORE(&v16, 2, 3, 0x55), END}, 1);
	v32 = 1;
	snip_store_seq_cst(&v32, 0x66);
	check("seq_cst store: atomic_store(&v32, 4, seq_cst) after it", v32 == 0x66,
	      (const struct want[]){ASTORE(&v32, 4, 5, 0x66), END}, 1);
	v16 = 0x77;
	r = snip_load_acquire(&v16);
	if (SANCOV)
		check("acquire load: atomic_load(&v16, 2, acquire), then sancov's load2, then the load", r == 0x77,
		      (const struct want[]){ALOAD(&v16, 2, 2), {R_COV_LOAD, &v16, 2, 0, 0x77}, END}, 0);
	else
		check("acquire load: atomic_load(&v16, 2, acquire) before it", r == 0x77,
		      (const struct want[]){ALOAD(&v16, 2, 2), END}, 1);
	v64 = 0x88;
	r = (int)snip_load_seq_cst(&v64);
	check("seq_cst load: atomic_load(&v64, 8, seq_cst) before it", r == 0x88,
	      (const struct want[]){ALOAD(&v64, 8, 5), END}, 1);

	/* a correct end_access: acquire load, cmpxchg */
	v16 = 0;
	r = snip_end_access(&v16);
	check("end_access on a free entry: atomic_load, then rmw(&v16, 2, seq_cst)", r == 1,
	      (const struct want[]){ALOAD(&v16, 2, 2), RMW(&v16, 2, 5, 0), END}, 1);
	v16 = 1;
	r = snip_end_access(&v16);
	check("end_access on a mapped entry: atomic_load only", r == 0 && v16 == 1,
	      (const struct want[]){ALOAD(&v16, 2, 2), END}, 1);

	/* left alone */
	v32 = 0;
	__gntfuzz_snippet_internal(&v32);
	check("a function named __gntfuzz_*: no hook", v32 == 1, (const struct want[]){END}, 1);
	snip_skip_disable_sanitizer(&v32);
	check("disable_sanitizer_instrumentation: no hook", v32 == 2, (const struct want[]){END}, 1);
	snip_nocov(&v32);
	if (SANCOV)
		check("no_sanitize(\"coverage\") with coverage on: no hook", v32 == 3, (const struct want[]){END}, 1);
	else
		check("no_sanitize(\"coverage\") without coverage flags: hooked as usual", v32 == 3,
		      (const struct want[]){RMW(&v32, 4, 5, 2), END}, 1);

	printf("1..%d\n", ntests);
	return failed;
}
