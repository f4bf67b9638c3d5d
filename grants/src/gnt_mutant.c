/* gnt_mutant.c - which build this is, so harness reports can name the mutant they ran. */
#include "gnt_internal.h"

int gnt_mutant_id(void)
{
	return GNT_MUTANT;
}

const char *gnt_mutant_name(void)
{
	switch (GNT_MUTANT) {
#define MUTANT(id, name, summary) case id: return #name;
#include "../mutants.def"
#undef MUTANT
	case 0:
		return "none";
	default:
		return "unknown";
	}
}
