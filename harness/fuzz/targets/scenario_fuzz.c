/* scenario_fuzz.c - fuzz target (c): the scenario parser and the binary codec.
 *
 * Each input is tried both ways:
 *  - as text: it parses or yields an error line; if it parses, its canonical print must parse
 *    again to the same steps and print identically (the form every finding is saved in);
 *  - as bytes: decode, encode, decode again must give the same scenario (the corpus converter).
 * A broken round trip aborts with the two sides, so it is a finding like any crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "world/scenario.h"

static struct scenario first, second;
static char text1[SCN_MAX_STEPS * SCN_MAX_LINE], text2[sizeof text1];
static uint8_t bin[SCN_BIN_MAX];

static size_t print_to(const struct scenario *scn, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");
	if (!f)
		abort();
	scn_print(scn, f);
	long n = ftell(f);
	fclose(f);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "scenario_fuzz: canonical text does not fit %zu bytes\n", cap);
		abort();
	}
	buf[n] = 0;
	return (size_t)n;
}

/* Same config and steps; the source line number is not part of a scenario's meaning. */
static int same_scenario(const struct scenario *a, const struct scenario *b)
{
	if (memcmp(&a->cfg, &b->cfg, sizeof a->cfg) != 0 || a->nsteps != b->nsteps)
		return 0;
	for (uint32_t i = 0; i < a->nsteps; i++) {
		const struct scn_step *x = &a->steps[i], *y = &b->steps[i];
		if (x->op != y->op || x->queued != y->queued || (x->queued && x->at != y->at) ||
		    memcmp(x->arg, y->arg, sizeof x->arg) != 0)
			return 0;
	}
	return 1;
}

static void fail(const char *what)
{
	fprintf(stderr, "scenario_fuzz: %s\n--- first:\n%s\n--- second:\n%s\n", what, text1, text2);
	abort();
}

static void text_round_trip(const uint8_t *data, size_t size)
{
	char err[160];
	if (scn_parse_text(&first, (const char *)data, size, err, sizeof err) != 0) {
		if (strncmp(err, "scenario:", 9) != 0)
			fail("parse error without the scenario:LINE: prefix");
		return;
	}
	size_t n1 = print_to(&first, text1, sizeof text1);
	text2[0] = 0;
	if (scn_parse_text(&second, text1, n1, err, sizeof err) != 0) {
		snprintf(text2, sizeof text2, "%s", err);
		fail("canonical text does not parse");
	}
	print_to(&second, text2, sizeof text2);
	if (!same_scenario(&first, &second) || strcmp(text1, text2) != 0)
		fail("text round trip changed the scenario");
}

static void binary_round_trip(const uint8_t *data, size_t size)
{
	scn_decode(&first, data, size);
	size_t n = scn_encode(&first, bin, sizeof bin);
	if (n == 0)
		fail("a decoded scenario does not encode into SCN_BIN_MAX bytes");
	scn_decode(&second, bin, n);
	if (!same_scenario(&first, &second)) {
		print_to(&first, text1, sizeof text1);
		print_to(&second, text2, sizeof text2);
		fail("binary round trip changed the scenario");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text_round_trip(data, size);
	binary_round_trip(data, size);
	return 0;
}
