/* scnconv.c - text scenario <-> binary fuzz input, for the seed builder and the drivers.
 *
 *   scnconv encode FILE.scn > FILE.bin     scnconv decode FILE.bin > FILE.scn
 *   scnconv list-ops                       the step table (scripts ask it, never parse ops.def)
 *   scnconv list-memory                    the memory models, in config/binary order
 *   scnconv decode FILE.bin --target T     ... as world fuzz target T ran it (its steps, its device)
 *   scnconv list-devices                   the device worlds (none, vbd, vif), in config/binary order
 *
 * A thin wrapper over the world's own parser and codec (scenario.h), so seeds are exactly what
 * the fuzz targets decode. The drivers only need the scenario sources, not the whole world CLI.
 * Errors: one line on stderr ("scenario:LINE: message" for bad text) and exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "world/scenario.h"
#include "../targets/fold.h"

static char text[SCN_MAX_STEPS * SCN_MAX_LINE + 1];
static uint8_t bin[SCN_BIN_MAX];
static struct scenario scn;

static long slurp(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "scnconv: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, cap, f);
	int big = n == cap && fgetc(f) != EOF;
	fclose(f);
	if (big) {
		fprintf(stderr, "scnconv: %s: larger than %zu bytes\n", path, cap - 1);
		return -1;
	}
	return (long)n;
}

static const char *fold_for; /* decode --target: the target whose steps are kept */

static int keeps(unsigned op)
{
	return fold_target_keeps(fold_for, op);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list-ops")) {
		scn_list_ops(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "list-memory")) {
		scn_list_memory(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "list-devices")) {
		scn_list_devices(stdout);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "decode") && !strcmp(argv[3], "--target")) {
		/* as the world fuzz target T ran it: its folded steps, its device */
		long n = slurp(argv[2], bin, sizeof bin);
		static struct fold fold;
		if (n < 0)
			return 1;
		fold_for = argv[4];
		scn_decode(&scn, bin, (size_t)n);
		fold_target_config(fold_for, &scn.cfg);
		fold_init(&fold, keeps);
		fold_scenario(&fold, &scn);
		scn_print(&scn, stdout);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "encode") && strcmp(argv[1], "decode"))) {
		fprintf(stderr, "usage: scnconv encode FILE.scn | decode FILE.bin [--target T] | list-ops | list-memory | list-devices\n");
		return 2;
	}
	if (!strcmp(argv[1], "decode")) {
		long n = slurp(argv[2], bin, sizeof bin);
		if (n < 0)
			return 1;
		scn_decode(&scn, bin, (size_t)n);
		scn_print(&scn, stdout);
		return 0;
	}
	long n = slurp(argv[2], text, sizeof text); /* one byte spare: the size check above */
	if (n < 0)
		return 1;
	char err[200];
	if (scn_parse_text(&scn, text, (size_t)n, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", argv[2], err);
		return 1;
	}
	size_t len = scn_encode(&scn, bin, sizeof bin);
	if (!len) {
		fprintf(stderr, "scnconv: %s: does not fit the binary form\n", argv[2]);
		return 1;
	}
	return fwrite(bin, 1, len, stdout) == len ? 0 : 1;
}
