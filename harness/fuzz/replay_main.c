/* replay_main.c - run files through an LLVMFuzzerTestOneInput target without a fuzzing engine.
 *
 * Used by the coverage build (llvm-cov needs plain runs over the corpus) and by anyone replaying a
 * finding. Arguments are files or directories (one level, sorted order is not needed: coverage is
 * a union). Bad input gets a one-line error and exit status 2, never a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (1u << 20) /* same cap as the drivers' corpus check */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static uint8_t input[REPLAY_MAX_INPUT];

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(input, 1, sizeof input, f);
	int too_big = n == sizeof input && fgetc(f) != EOF;
	int err = ferror(f);
	fclose(f);
	if (err || too_big) {
		fprintf(stderr, "replay: %s: %s\n", path, err ? "read error" : "larger than 1 MiB");
		return -1;
	}
	/* a heap copy of exactly n bytes lets ASan catch reads past the input's end */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy) {
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	memcpy(copy, input, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

static int run_path(const char *path, int *runs)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (!S_ISREG(st.st_mode)) { /* a FIFO or device would block or never end */
			fprintf(stderr, "replay: %s: not a regular file\n", path);
			return -1;
		}
		int rc = run_file(path);
		*runs += rc == 0;
		return rc;
	}
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	char sub[4096];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			continue; /* engines' side folders (e.g. .state) are not inputs */
		if (stat(sub, &st) == 0 && !S_ISREG(st.st_mode)) {
			fprintf(stderr, "replay: %s: not a regular file\n", sub);
			rc = -1;
			continue;
		}
		if (run_file(sub) != 0)
			rc = -1;
		else
			++*runs;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	int runs = 0, rc = 0;
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &runs) != 0)
			rc = 2;
	if (rc == 0)
		fprintf(stderr, "replay: %d input(s) run\n", runs);
	return rc;
}
