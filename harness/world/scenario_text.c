/* scenario_text.c - the ops table, the text parser and the canonical printer of scenarios.
 * The parser is table-driven from ops.def; it rejects with one "scenario:LINE: message" line. */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include "world/scenario.h"

const struct scn_op_info scn_ops[SCN_NR_OPS] = {
#define OP(actor, verb, args, fn) { #actor, #verb, args },
#include "world/ops.def"
#undef OP
};

const char *scn_op_args(unsigned op)
{
	const char *a = scn_ops[op].args;
	return a[0] == '*' ? a + 1 : a;
}


void scn_config_default(struct scn_config *cfg)
{
	cfg->version = 1;
	cfg->pages = 16;
	cfg->refs = 32;
	cfg->deferq = 8;
	cfg->memory = 0;
	cfg->device = SCN_DEV_NONE;
}

/* The memory models' names, in enum world_memory_model order: the one table of them. */
static const char *const memory_names[SCN_MEMORY_MODELS] = { "sc", "tso", "arm" };

const char *scn_memory_name(unsigned model)
{
	return model < SCN_MEMORY_MODELS ? memory_names[model] : "?";
}

int scn_memory_parse(const char *name)
{
	for (unsigned m = 0; m < SCN_MEMORY_MODELS; m++)
		if (!strcmp(name, memory_names[m]))
			return (int)m;
	return strcmp(name, "x86-tso") ? -1 : 1; /* the name the issue tracker and papers use */
}

static const char *const device_names[SCN_DEVICES] = { "none", "vbd", "vif" };

const char *scn_device_name(unsigned device)
{
	return device < SCN_DEVICES ? device_names[device] : "?";
}

int scn_device_parse(const char *name)
{
	for (unsigned d = 0; d < SCN_DEVICES; d++)
		if (!strcmp(name, device_names[d]))
			return (int)d;
	return -1;
}

void scn_list_devices(FILE *out)
{
	for (unsigned d = 0; d < SCN_DEVICES; d++)
		fprintf(out, "%u %s\n", d, device_names[d]);
}

/* Compare a text token with a table name: case-insensitive, '-' in text matches '_'. */
static int name_eq(const char *tok, const char *name)
{
	for (; *tok && *name; tok++, name++) {
		char t = *tok == '-' ? '_' : (char)tolower((unsigned char)*tok);
		if (t != tolower((unsigned char)*name))
			return 0;
	}
	return *tok == 0 && *name == 0;
}

struct parse {
	struct scenario *scn;
	char *err;
	size_t errlen;
	unsigned line;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "scenario:%u: %s", p->line, msg);
	return -1;
}

/* Decimal 0..max, nothing else in the token. */
static int number(const char *s, unsigned long max, uint32_t *out)
{
	unsigned long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Printable token for error messages: at most 24 chars. */
static const char *shown(const char *tok)
{
	static char buf[32];
	snprintf(buf, sizeof buf, "%.24s%s", tok, strlen(tok) > 24 ? "..." : "");
	return buf;
}

static int parse_config(struct parse *p, char **tok, int ntok)
{
	struct scn_config *c = &p->scn->cfg;
	unsigned seen = 0;
	static const struct { const char *key; unsigned lo, hi; } keys[] = {
		{ "version", 1, 2 }, { "pages", SCN_PAGES_MIN, SCN_PAGES_MAX },
		{ "refs", SCN_REFS_MIN, SCN_REFS_MAX }, { "deferq", SCN_DEFERQ_MIN, SCN_DEFERQ_MAX },
	};
	for (int i = 1; i < ntok; i += 2) {
		unsigned k;
		uint32_t v;
		if (!strcmp(tok[i], "memory")) {
			if (seen & (1u << 4))
				return fail(p, "config key 'memory' given twice");
			seen |= 1u << 4;
			if (i + 1 >= ntok)
				return fail(p, "config key 'memory' needs a value");
			int m = scn_memory_parse(tok[i + 1]);
			if (m < 0)
				return fail(p, "config memory must be sc, tso (x86-tso) or arm, not '%s'", shown(tok[i + 1]));
			c->memory = (uint8_t)m;
			continue;
		}
		if (!strcmp(tok[i], "device")) {
			if (seen & (1u << 5))
				return fail(p, "config key 'device' given twice");
			seen |= 1u << 5;
			if (i + 1 >= ntok)
				return fail(p, "config key 'device' needs a value");
			int d = scn_device_parse(tok[i + 1]);
			if (d < 0)
				return fail(p, "config device must be none, vbd or vif, not '%s'", shown(tok[i + 1]));
			c->device = (uint8_t)d;
			continue;
		}
		for (k = 0; k < 4 && strcmp(tok[i], keys[k].key); k++)
			;
		if (k == 4)
			return fail(p, "unknown config key '%s' (version, pages, refs, deferq, memory, device)", shown(tok[i]));
		if (seen & (1u << k))
			return fail(p, "config key '%s' given twice", keys[k].key);
		seen |= 1u << k;
		if (i + 1 >= ntok)
			return fail(p, "config key '%s' needs a value", keys[k].key);
		if (number(tok[i + 1], keys[k].hi, &v) || v < keys[k].lo)
			return fail(p, "config %s must be %u..%u, not '%s'", keys[k].key, keys[k].lo, keys[k].hi,
				    shown(tok[i + 1]));
		switch (k) {
		case 0: c->version = (uint8_t)v; break;
		case 1: c->pages = (uint8_t)v; break;
		case 2: c->refs = (uint16_t)v; break;
		default: c->deferq = (uint8_t)v; break;
		}
	}
	return 0;
}

static int parse_arg(struct parse *p, char kind, const char *tok, uint32_t *out)
{
	const struct scn_config *c = &p->scn->cfg;
	switch (kind) {
	case 'P':
		if (tok[0] != 'p' || number(tok + 1, 0xffff, out))
			return fail(p, "bad page '%s' (expected pN)", shown(tok));
		if (*out >= c->pages)
			return fail(p, "page p%u out of range (pages %u)", *out, c->pages);
		return 0;
	case 'R':
		if (tok[0] == 'g') {
			if (number(tok + 1, SCN_LABELS - 1, out))
				return fail(p, "bad grant '%s' (expected g0..g%u)", shown(tok), SCN_LABELS - 1);
			*out |= SCN_LABEL;
			return 0;
		}
		if (tok[0] != 'r' || number(tok + 1, 0xffff, out))
			return fail(p, "bad grant '%s' (expected gN, the ref a `target share ... as gN` got, or a raw ref rN)",
				    shown(tok));
		if (*out >= c->refs)
			return fail(p, "ref r%u out of range (refs %u)", *out, c->refs);
		return 0;
	case 'L':
		if (tok[0] != 'g' || number(tok + 1, SCN_LABELS - 1, out))
			return fail(p, "bad grant name '%s' after 'as' (expected g0..g%u)", shown(tok), SCN_LABELS - 1);
		*out += 1;
		return 0;
	case 'M':
		if (!strcmp(tok, "rw") || !strcmp(tok, "ro")) {
			*out = tok[1] == 'o' ? SCN_RO : SCN_RW;
			return 0;
		}
		return fail(p, "bad mode '%s' (expected rw or ro)", shown(tok));
	case 'D':
		if (!strcmp(tok, "to") || !strcmp(tok, "from")) {
			*out = tok[0] == 'f' ? SCN_FROM : SCN_TO;
			return 0;
		}
		return fail(p, "bad direction '%s' (expected to or from)", shown(tok));
	case 'N':
		if (number(tok, SCN_MAX_NUMBER, out))
			return fail(p, "bad number '%s' (expected 0..%u)", shown(tok), SCN_MAX_NUMBER);
		return 0;
	case 'S':
		if (number(tok + (tok[0] == '-'), tok[0] == '-' ? -(long)SCN_MIN_SIGNED : SCN_MAX_SIGNED, out))
			return fail(p, "bad value '%s' (expected %d..%d)", shown(tok), SCN_MIN_SIGNED, SCN_MAX_SIGNED);
		if (tok[0] == '-')
			*out = (uint32_t)(uint16_t)-(int32_t)*out;
		return 0;
	}
	return fail(p, "internal: unknown argument kind '%c'", kind);
}

static const char *kind_name(char kind)
{
	switch (kind) {
	case 'P': return "a page pN";
	case 'R': return "a grant gN or a ref rN";
	case 'L': return "'as gN'";
	case 'M': return "a mode rw|ro";
	case 'D': return "a direction to|from";
	case 'S': return "a signed value";
	default: return "a number";
	}
}

static int parse_step(struct parse *p, char **tok, int ntok)
{
	struct scenario *scn = p->scn;
	struct scn_step st;
	int t = 0;
	memset(&st, 0, sizeof st);
	st.line = p->line;
	if (!strcmp(tok[0], "at")) {
		uint32_t k;
		if (ntok < 2 || number(tok[1], SCN_MAX_AT, &k))
			return fail(p, "'at' needs a point 0..%u", SCN_MAX_AT);
		st.queued = 1;
		st.at = (uint8_t)k;
		t = 2;
		if (ntok <= t)
			return fail(p, "'at %u' needs a step after it", k);
	}
	if (ntok - t < 2)
		return fail(p, "'%s' needs a verb", shown(tok[t]));
	int actor_known = 0;
	unsigned op;
	for (op = 0; op < SCN_NR_OPS; op++) {
		if (!name_eq(tok[t], scn_ops[op].actor))
			continue;
		actor_known = 1;
		if (name_eq(tok[t + 1], scn_ops[op].verb))
			break;
	}
	if (!actor_known)
		return fail(p, "unknown actor '%s'", shown(tok[t]));
	if (op == SCN_NR_OPS)
		return fail(p, "unknown verb '%s' for %s", shown(tok[t + 1]), tok[t]);
	st.op = (uint16_t)op;
	const char *kinds = scn_op_args(op);
	int nargs = (int)strlen(kinds), given = ntok - t - 2;
	if (nargs && kinds[nargs - 1] == 'L') { /* optional trailing `as gN`: two tokens or none */
		if (given == nargs - 1) {
			nargs--; /* arg stays 0: no name */
		} else if (given == nargs + 1 && !strcmp(tok[ntok - 2], "as")) {
			tok[ntok - 2] = tok[ntok - 1];
			ntok--, given--;
		} else if (given >= nargs) {
			return fail(p, "%s %s: after its arguments only 'as gN' may follow", tok[t], tok[t + 1]);
		}
	}
	if (given < nargs)
		return fail(p, "%s %s: missing argument %d, expected %s", tok[t], tok[t + 1], given + 1,
			    kind_name(kinds[given]));
	if (given > nargs)
		return fail(p, "%s %s: too many arguments (takes %d)", tok[t], tok[t + 1], nargs);
	for (int i = 0; i < nargs; i++)
		if (parse_arg(p, kinds[i], tok[t + 2 + i], &st.arg[i]))
			return -1;
	if (scn->nsteps >= SCN_MAX_STEPS)
		return fail(p, "too many steps (at most %u)", SCN_MAX_STEPS);
	scn->steps[scn->nsteps++] = st;
	return 0;
}

int scn_parse_text(struct scenario *scn, const char *text, size_t len, char *err, size_t errlen)
{
	struct parse p = { scn, err, errlen, 0 };
	int have_config = 0, nonempty = 0;
	size_t pos = 0;
	scn_config_default(&scn->cfg);
	scn->nsteps = 0;
	if (len == 0) {
		p.line = 1;
		return fail(&p, "empty scenario");
	}
	while (pos < len) {
		char line[SCN_MAX_LINE + 1];
		size_t n = 0;
		p.line++;
		for (; pos < len && text[pos] != '\n'; pos++) {
			unsigned char ch = (unsigned char)text[pos];
			if (ch == 0)
				return fail(&p, "NUL byte in text (binary file? use 'decode')");
			if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch >= 0x7f)
				return fail(&p, "invalid character 0x%02x (scenarios are ASCII text)", ch);
			if (n == SCN_MAX_LINE)
				return fail(&p, "line longer than %u characters", SCN_MAX_LINE);
			line[n++] = (char)ch;
		}
		pos++; /* the newline */
		line[n] = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *tok[SCN_MAX_LINE / 2 + 1];
		int ntok = 0;
		for (char *s = strtok(line, " \t\r"); s; s = strtok(NULL, " \t\r"))
			tok[ntok++] = s;
		if (!ntok)
			continue;
		nonempty = 1;
		if (!strcmp(tok[0], "config")) {
			if (have_config)
				return fail(&p, "duplicate config line");
			if (scn->nsteps)
				return fail(&p, "config after steps (it must come first)");
			have_config = 1;
			if (parse_config(&p, tok, ntok))
				return -1;
			continue;
		}
		if (parse_step(&p, tok, ntok))
			return -1;
	}
	if (!nonempty) {
		p.line = 1;
		return fail(&p, "empty scenario (no config and no steps)");
	}
	return 0;
}

size_t scn_format_step(const struct scn_step *s, char *buf, size_t len)
{
	char out[SCN_MAX_LINE];
	size_t n = 0;
	unsigned op = s->op < SCN_NR_OPS ? s->op : 0;
#define PUT(...) n += (size_t)snprintf(out + n, n < sizeof out ? sizeof out - n : 0, __VA_ARGS__)
	if (s->queued)
		PUT("at %u ", s->at);
	for (const char *a = scn_ops[op].actor; *a && n < sizeof out - 1; a++)
		out[n++] = (char)tolower((unsigned char)*a);
	out[n++] = ' ';
	for (const char *v = scn_ops[op].verb; *v && n < sizeof out - 1; v++)
		out[n++] = *v == '_' ? '-' : *v;
	out[n] = 0;
	const char *kinds = scn_op_args(op);
	for (int i = 0; kinds[i] && i < SCN_MAX_ARGS; i++) {
		uint32_t v = s->arg[i];
		switch (kinds[i]) {
		case 'P': PUT(" p%u", v); break;
		case 'R': PUT(scn_is_label(v) ? " g%u" : " r%u", v & ~SCN_LABEL); break;
		case 'L': if (v) PUT(" as g%u", v - 1); break;
		case 'M': PUT(" %s", v == SCN_RO ? "ro" : "rw"); break;
		case 'D': PUT(" %s", v == SCN_FROM ? "from" : "to"); break;
		case 'S': PUT(" %d", (int16_t)v); break;
		default: PUT(" %u", v); break;
		}
	}
#undef PUT
	return (size_t)snprintf(buf, len, "%s", out);
}

void scn_print_step(const struct scenario *scn, const struct scn_step *s, FILE *out)
{
	char buf[SCN_MAX_LINE];
	(void)scn;
	scn_format_step(s, buf, sizeof buf);
	fprintf(out, "%s\n", buf);
}

size_t scn_format_config(const struct scn_config *c, char *buf, size_t len)
{
	/* memory only when not sc, device only when one: earlier scenarios print as they did */
	return (size_t)snprintf(buf, len, "config version %u pages %u refs %u deferq %u%s%s%s%s", c->version, c->pages,
				c->refs, c->deferq, c->memory ? " memory " : "",
				c->memory ? scn_memory_name(c->memory) : "", c->device ? " device " : "",
				c->device ? scn_device_name(c->device) : "");
}

void scn_print(const struct scenario *scn, FILE *out)
{
	char buf[SCN_MAX_LINE];
	scn_format_config(&scn->cfg, buf, sizeof buf);
	fprintf(out, "%s\n", buf);
	for (uint32_t i = 0; i < scn->nsteps; i++)
		scn_print_step(scn, &scn->steps[i], out);
}

void scn_list_ops(FILE *out)
{
	for (unsigned op = 0; op < SCN_NR_OPS; op++) {
		char actor[16], verb[32];
		snprintf(actor, sizeof actor, "%s", scn_ops[op].actor);
		snprintf(verb, sizeof verb, "%s", scn_ops[op].verb);
		for (char *c = actor; *c; c++)
			*c = (char)(*c | 0x20); /* actors are upper-case letters only */
		for (char *c = verb; *c; c++)
			*c = *c == '_' ? '-' : *c;
		fprintf(out, "%u %s %s %s\n", op, actor, verb, *scn_ops[op].args ? scn_ops[op].args : "-");
	}
}

void scn_list_memory(FILE *out)
{
	for (unsigned m = 0; m < SCN_MEMORY_MODELS; m++)
		fprintf(out, "%u %s\n", m, memory_names[m]);
}
