/* scenario.h - a scenario in memory, and its text and binary forms (see SCENARIO.md).
 *
 * Parsing never allocates and never crashes: any input either parses or yields one error line
 * "scenario:LINE: message". Every byte string decodes to a valid scenario, and a parsed scenario
 * prints as canonical text that parses back to the same steps.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define SCN_MAX_STEPS 512
#define SCN_MAX_ARGS 4
#define SCN_MAX_LINE 256         /* longer text lines are an error, not silently cut */
#define SCN_MAX_AT 127           /* `at K`: K in 0..SCN_MAX_AT */
#define SCN_MAX_NUMBER 65535
#define SCN_MIN_SIGNED (-32768) /* S: a signed 16-bit value (a status), stored as its two's complement */
#define SCN_MAX_SIGNED 32767

/* Ranges of the config keys (SCENARIO.md). */
#define SCN_PAGES_MIN 1
#define SCN_PAGES_MAX 64
#define SCN_REFS_MIN 9
#define SCN_REFS_MAX 256
#define SCN_DEFERQ_MIN 1
#define SCN_DEFERQ_MAX 64

/* Row numbers of ops.def. */
enum scn_op {
#define OP(actor, verb, args, fn) SCN_OP_##actor##_##verb,
#include "world/ops.def"
#undef OP
	SCN_NR_OPS
};

/* One ops.def row as written there; text spells actor in lower case and '_' in verb as '-'. */
struct scn_op_info {
	const char *actor;       /* "TARGET", "PEER", ... */
	const char *verb;        /* "unmap_all" */
	const char *args;        /* argument kinds, possibly with the leading '*' */
};
extern const struct scn_op_info scn_ops[SCN_NR_OPS];
const char *scn_op_args(unsigned op);   /* argument kinds without the '*' */
/* 1: `at K` runs it inside the target step (inline: the scheduler asks per queued move) */
static inline int scn_op_interleaves(unsigned op) { return scn_ops[op].args[0] == '*'; }
/* The step table as text, one row a line: "ROW actor verb ARGS" (ARGS as in ops.def, '-' if
 * none). Tools in other languages read this rather than parse ops.def. */
void scn_list_ops(FILE *out);
/* The memory models, one "NUMBER name" a line, in config and binary order (sc, tso, arm). */
void scn_list_memory(FILE *out);
const char *scn_memory_name(unsigned model);  /* "sc", "tso", "arm"; "?" out of range */
int scn_memory_parse(const char *name);       /* the model, or -1 if unknown ("x86-tso" is tso) */

/* Grants named by what the target answered: `target share p0 rw as g1` binds label g1 to the ref
 * the library handed out; `peer map g1 rw` acts on it, whatever the library's ref order. An R
 * argument is a raw ref N (attacking refs never granted) or SCN_LABEL | N for gN; an L argument
 * (share's optional `as gN`) is 0 for none, N + 1 for gN. */
#define SCN_LABELS 8
#define SCN_LABEL 0x10000u
static inline int scn_is_label(uint32_t arg) { return (arg & SCN_LABEL) != 0; }

enum scn_mode { SCN_RW = 0, SCN_RO = 1 };
enum scn_dir { SCN_TO = 0, SCN_FROM = 1 }; /* copy to / from the granted page */

struct scn_step {
	uint16_t op;             /* enum scn_op */
	uint8_t queued;          /* 1: `at K` prefix */
	uint8_t at;              /* K when queued */
	uint32_t line;           /* source line (0 when decoded from binary) */
	uint32_t arg[SCN_MAX_ARGS];
};

struct scn_config {
	uint8_t version;         /* 1 or 2 */
	uint8_t pages;
	uint16_t refs;
	uint8_t deferq;
	uint8_t memory;          /* enum world_memory_model: 0 sc, 1 tso, 2 arm */
	uint8_t device;          /* enum scn_device: the PV device the target's frontend drives */
};
#define SCN_MEMORY_MODELS 3      /* sc, tso, arm (harness/world/world_memory.h) */
/* The device world (harness/devworld): none (the grant-API and workload steps only), or a blkif
 * (vbd) or netif (vif) frontend in the target, attacked by `device ...` steps. */
enum scn_device { SCN_DEV_NONE = 0, SCN_DEV_VBD, SCN_DEV_VIF, SCN_DEVICES };
const char *scn_device_name(unsigned device);  /* "none", "vbd", "vif"; "?" out of range */
int scn_device_parse(const char *name);        /* the device, or -1 if unknown */
void scn_list_devices(FILE *out);              /* one "NUMBER name" a line */

struct scenario {
	struct scn_config cfg;
	uint32_t nsteps;
	struct scn_step steps[SCN_MAX_STEPS];
};

void scn_config_default(struct scn_config *cfg);

/* Text: 0 on success; on error -1 and `err` holds "scenario:LINE: message" (no newline). */
int scn_parse_text(struct scenario *scn, const char *text, size_t len, char *err, size_t errlen);
/* Canonical text: the config line, then one step a line. */
void scn_print(const struct scenario *scn, FILE *out);
void scn_print_step(const struct scenario *scn, const struct scn_step *s, FILE *out);
/* The config line (no newline) into a buffer; returns the length it needed (like snprintf). */
size_t scn_format_config(const struct scn_config *cfg, char *buf, size_t len);
/* Same into a buffer; returns the length it needed (like snprintf). */
size_t scn_format_step(const struct scn_step *s, char *buf, size_t len);

/* Binary: decode never fails (values wrap into range, missing bytes read as 0, extra steps
 * beyond SCN_MAX_STEPS are ignored). encode returns bytes written, or 0 if cap is too small. */
void scn_decode(struct scenario *scn, const uint8_t *data, size_t size);
size_t scn_encode(const struct scenario *scn, uint8_t *out, size_t cap);
#define SCN_BIN_MAX (4 + SCN_MAX_STEPS * (2 + 2 * SCN_MAX_ARGS))

#endif
