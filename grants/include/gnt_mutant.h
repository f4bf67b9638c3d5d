/* gnt_mutant.h - which build of grants/ this is: GNT_IS(name) is 1 in the build of mutant `name`
 * (-DGNT_MUTANT=GNT_M_<name>, table in grants/mutants.def), 0 otherwise. A compile-time constant,
 * so every variant's code path is compiled (warnings catch rot in mutants too) and the optimiser
 * drops the paths not selected.
 *
 * The library's sources use it, and so does its platform (targets/grants/entry_ops.h): a bug
 * class may live in the host's atomics as well as in the library (cas_expected). */
#ifndef GNT_MUTANT_H
#define GNT_MUTANT_H

#ifndef GNT_MUTANT
#define GNT_MUTANT 0
#endif

enum gnt_mutant_ids {
	GNT_M_none = 0,
#define MUTANT(id, name, summary) GNT_M_##name = id,
#include "../mutants.def"
#undef MUTANT
};

#define GNT_IS(name) (GNT_MUTANT == GNT_M_##name)

#endif
