/* gntworld.c - run a scenario in the in-process world, or convert it between text and binary.
 *   gntworld run FILE.scn... [--json] [--trace] [--keep-going] [--findings DIR] [--memory sc|tso|arm]
 *       exit 0 clean, 1 violation, 2 bad input or adapter, 3 skipped (no table of that version),
 *       4 vacuous (clean only because the peer could not act: its maps aimed at refs never granted);
 *       --memory runs every file under that CPU memory model instead of its config's
 *   gntworld encode IN.scn OUT.bin
 *   gntworld decode IN.bin                                        canonical text on stdout
 *   gntworld random N [SEED] [--memory M] [--device vbd|vif]
 *                               N pseudo-random inputs: violations found and runs per second
 *                               (on the fixed library every violation is a false alarm: exit 1);
 *                               --device: every input a device run (default: none is) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "world/world.h"

#define MAX_INPUT (1u << 20)

static struct world the_world; /* ~1 MB of simulated memory: static, not on the stack */
static char input[MAX_INPUT + 1];

static int usage(void)
{
	fprintf(stderr, "usage: gntworld run FILE.scn... [--json] [--trace] [--keep-going] [--findings DIR] [--memory sc|tso|arm]\n"
			"       gntworld encode IN.scn OUT.bin\n"
			"       gntworld decode IN.bin\n"
			"       gntworld random N [SEED] [--memory sc|tso|arm] [--device vbd|vif]\n"
			"       gntworld about\n"
			"       gntworld list ops|invariants|memory\n");
	return 2;
}

static int bad_memory(const char *name)
{
	fprintf(stderr, "gntworld: --memory must be sc, tso (x86-tso) or arm, not '%s'\n", name);
	return 2;
}

/* Whole file into `input`; -1 with a one-line error. */
static long slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "gntworld: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(input, 1, MAX_INPUT + 1, f);
	int err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "gntworld: %s: read error\n", path);
		return -1;
	}
	if (n > MAX_INPUT) {
		fprintf(stderr, "gntworld: %s: larger than %u bytes\n", path, MAX_INPUT);
		return -1;
	}
	return (long)n;
}

static int parse_file(const char *path, struct scenario *scn)
{
	char err[256];
	long n = slurp(path);
	if (n < 0)
		return -1;
	if (scn_parse_text(scn, input, (size_t)n, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Several files run one after the other in the same world, as a fuzzer's inputs do: each must
 * give the verdict it gives alone (the reset forgets everything). */
static int cmd_run(int argc, char **argv)
{
	struct world *w = &the_world;
	int json = 0, trace = 0, nfiles = 0, worst = 0, skipped = 0, vacuous = 0;
	world_init(w);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--trace"))
			trace = 1;
		else if (!strcmp(argv[i], "--keep-going"))
			w->keep_going = 1;
		else if (!strcmp(argv[i], "--findings") && i + 1 < argc)
			w->findings_dir = argv[++i];
		else if (!strcmp(argv[i], "--memory") && i + 1 < argc) {
			if ((w->memory_override = (int8_t)scn_memory_parse(argv[++i])) < 0)
				return bad_memory(argv[i]);
		} else if (argv[i][0] == '-')
			return usage();
		else
			nfiles++;
	}
	if (!nfiles)
		return usage();
	w->trace = trace ? stdout : NULL;
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			i += !strcmp(argv[i], "--findings") || !strcmp(argv[i], "--memory");
			continue;
		}
		if (parse_file(argv[i], &w->scn))
			return 2;
		int rc = world_run(w, &w->scn);
		if (rc == 2)
			return 2;
		if (rc == 3) { /* the library has no table of that version: said on stderr */
			skipped++;
			continue;
		}
		if (json)
			world_report_json(w, stdout);
		else if (rc)
			world_report(w, stdout);
		else if (world_vacuous(w))
			printf("gntworld: library %s, mutant %s: VACUOUS, not clean: the peer could not act (%u map/copy "
			       "tries, all refused, none at a ref the library handed out; name grants `as gN`)\n",
			       world_subject(), world_subject_mutant(), w->peer_tries);
		else
			printf("gntworld: library %s, mutant %s: clean (%u steps, all five invariants held)\n",
			       world_subject(), world_subject_mutant(), w->scn.nsteps);
		vacuous += !rc && world_vacuous(w);
		worst = rc > worst ? rc : worst;
	}
	/* 3: nothing flagged and some file could not run on this library (reproduce shows "skip");
	 * 4: nothing flagged, but some file tested nothing */
	return worst ? worst : vacuous ? 4 : skipped ? 3 : 0;
}

static int cmd_encode(const char *in, const char *out)
{
	static uint8_t bin[SCN_BIN_MAX];
	if (parse_file(in, &the_world.scn))
		return 2;
	size_t n = scn_encode(&the_world.scn, bin, sizeof bin);
	FILE *f = fopen(out, "wb");
	if (!f || fwrite(bin, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "gntworld: %s: cannot write\n", out);
		return 2;
	}
	return 0;
}

static int cmd_decode(const char *in)
{
	long n = slurp(in);
	if (n < 0)
		return 2;
	scn_decode(&the_world.scn, (const uint8_t *)input, (size_t)n);
	scn_print(&the_world.scn, stdout);
	return 0;
}

/* Deterministic pseudo-random inputs (xorshift64*): same N and SEED, same inputs, same verdicts. */
static int cmd_random(const char *count, const char *seed_s, int memory, int device)
{
	static uint8_t buf[512];
	struct world *w = &the_world;
	char *end;
	unsigned long n = strtoul(count, &end, 10);
	uint64_t x = seed_s ? strtoull(seed_s, NULL, 10) : 1;
	unsigned long found = 0, first = 0;
	struct timespec t0, t1;
	if (*end || !n) {
		fprintf(stderr, "gntworld: random: bad count '%s'\n", count);
		return 2;
	}
	x = x ? x : 1;
	world_init(w);
	w->memory_override = (int8_t)memory;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		size_t len = 4 + (x * 0x2545f4914f6cdd1dull >> 33) % 160;
		for (size_t j = 0; j < len; j++) {
			x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
			uint8_t b = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
			/* refs are mostly the first few the library hands out, so maps meet grants */
			buf[j] = j >= 4 && (b & 0x80) ? (uint8_t)(8 + (b & 3)) : b;
		}
		buf[2] = 7; /* refs 16: the bytes above name real refs */
		buf[0] = (uint8_t)((buf[0] & 7) | (device > 0 ? device << 3 : 0)); /* the device: as asked */
		if (device > 0)
			buf[1] = SCN_PAGES_MAX - 1; /* a frontend's rings, requests and spares */
		if (world_run_bytes(w, buf, len) == 1 && !found++) {
			first = i;
			world_report(w, stdout);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("random: library %s, mutant %s, memory %s: %lu inputs, %lu with a violation", world_subject(),
	       world_subject_mutant(), memory < 0 ? "mixed" : scn_memory_name((unsigned)memory), n, found);
	if (found)
		printf(" (first at input %lu)", first);
	printf(", %.0f runs/s\n", secs > 0 ? (double)n / secs : 0.0);
	return found && !strcmp(world_subject_mutant(), "fixed") ? 1 : 0;
}

/* What this binary is: the library and mutant it was built with, and what its adapter offers. */
static int cmd_about(void)
{
	char why[160];
	const struct seam_adapter *a = &gntfuzz_adapter;
	int ok1 = !seam_check(a, 1, why, sizeof why), ok2 = !seam_check(a, 2, why, sizeof why);
	printf("library %s\nmutant %s\nversions%s%s\nend %s\nboot %s\n", world_subject(), world_subject_mutant(),
	       ok1 ? " 1" : "", ok2 ? " 2" : "", a->end ? "yes" : "no", a->boot ? "yes" : "no");
	if (a->table.max_refs || a->table.first_ref) /* the table it declared (seam_geometry) */
		printf("table %s%u refs, first ref %u\n", a->table.fixed ? "exactly " : "up to ",
		       a->table.max_refs ? a->table.max_refs : 256, a->table.first_ref ? a->table.first_ref : 8);
	if (!ok1 && !ok2) {
		fprintf(stderr, "gntworld: %s\n", why);
		return 2;
	}
	return 0;
}

/* The world's tables, asked rather than re-parsed: scenario steps and invariants. */
static int cmd_list(const char *what)
{
	if (!strcmp(what, "ops")) {
		scn_list_ops(stdout);
		return 0;
	}
	if (!strcmp(what, "memory")) {
		scn_list_memory(stdout);
		return 0;
	}
	if (!strcmp(what, "invariants")) {
		for (int inv = INV_FREE_WHILE_MAPPED; inv <= INV_LOST; inv++)
			printf("%d %s %s\n", inv, oracle_inv_name(inv), oracle_inv_sentence(inv));
		return 0;
	}
	fprintf(stderr, "gntworld: list: unknown table '%s' (ops, invariants, memory)\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "about"))
		return cmd_about();
	if (argc == 3 && !strcmp(argv[1], "list"))
		return cmd_list(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "random")) {
		int memory = -1, device = 0, nargs = argc;
		for (int opt = 0; opt < 2 && nargs >= 5; opt++) {
			if (!strcmp(argv[nargs - 2], "--memory")) {
				if ((memory = scn_memory_parse(argv[nargs - 1])) < 0)
					return bad_memory(argv[nargs - 1]);
				nargs -= 2;
			} else if (!strcmp(argv[nargs - 2], "--device")) {
				if ((device = scn_device_parse(argv[nargs - 1])) < 0) {
					fprintf(stderr, "gntworld: --device must be vbd or vif, not '%s'\n", argv[nargs - 1]);
					return 2;
				}
				nargs -= 2;
			}
		}
		if (nargs == 3 || nargs == 4)
			return cmd_random(argv[2], nargs == 4 ? argv[3] : NULL, memory, device);
		return usage();
	}
	if (argc >= 3 && !strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "encode"))
		return cmd_encode(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "decode"))
		return cmd_decode(argv[2]);
	return usage();
}
