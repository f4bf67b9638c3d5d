#!/bin/sh
# test_manifest.sh - the manifest's build features (mk/targets.mk), on small libraries written to a
# temporary folder outside the tree: absolute TARGET_SOURCES and TARGET_INCLUDES, dependencies on
# every header and #included .c (include sub-folders, absolute paths, the library's own Xen headers)
# rebuilding exactly the archives that use them, TARGET_CFLAGS[.<source>] after ours, TARGET_WARN,
# TARGET_XEN_INTERFACE (the legacy grant_entry_t), TARGET_XEN_HEADERS, TARGET_MUTANT_SOURCES,
# TARGET_ADAPTER_SOURCES and the sections of seam_sections.h, list-mutants and list-sources, and a
# one-line error for each new kind of manifest mistake. Only plain-flavour archives are built.
# Run from anywhere; TAP output.
cd "$(dirname "$0")/../../.." || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gntfuzz-manifest-XXXXXX") || exit 2
trap 'rm -rf "$tmp" build/target/plain/mf_lib build/target/plain/mf_legacy build/target/plain/mf_warn' EXIT
fail=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1${2:+: $2}"; fail=1; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2" "$3"; fi; }
# mk DIR ARGS...: make as a user would, for the library in DIR (stdout+stderr in $tmp/out)
mk() { d=$1; shift; MAKEFLAGS='' make -s --no-print-directory "TARGET=$d" "$@" >"$tmp/out" 2>&1; }
archive() { echo "build/target/plain/$1/libtarget.a"; }

# --- mf_lib: everything at once -------------------------------------------------------------
lib=$tmp/mf abs=$tmp/elsewhere
mkdir -p "$lib/inc/sub" "$lib/old" "$lib/ownxen/xen" "$abs/absinc"
cat >"$lib/target.mk" <<EOF
TARGET_NAME     := mf_lib
TARGET_SOURCES  := lib.c adapter.c shim.c $abs/abs_src.c
TARGET_INCLUDES := inc $abs/absinc
TARGET_ADAPTER_SOURCES := adapter.c shim.c
TARGET_XEN_HEADERS := ownxen
TARGET_CFLAGS   := -DMF_ALL=1
TARGET_CFLAGS.lib.c  := -O0
TARGET_CFLAGS.shim.c := -w
TARGET_MUTANTS  := old
TARGET_MUTANT_FLAGS.old   := -DMF_OLD
TARGET_MUTANT_SOURCES.old := old/lib.c extra.c
EOF
# The library's own copy of Xen's headers (here: a marker, then the system's).
printf '#define MF_OWN_XEN 1\n#include_next <xen/grant_table.h>\n' >"$lib/ownxen/xen/grant_table.h"
printf '#define MF_CFG 3\n' >"$lib/inc/sub/cfg.h"
printf '/* used by nobody */\n' >"$lib/inc/unused.h"
printf 'static int mf_part(void) { return MF_CFG; }\n' >"$lib/part.c"
printf '#define MF_ABS 5\n' >"$abs/absinc/abs.h"
cat >"$lib/lib.c" <<'EOF'
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "sub/cfg.h"
#include "part.c"
#if !MF_ALL || !defined(MF_OWN_XEN) || !defined(GNTFUZZ_LIBRARY_CODE)
#error lib.c: TARGET_CFLAGS, TARGET_XEN_HEADERS or GNTFUZZ_LIBRARY_CODE missing
#endif
#ifdef __OPTIMIZE__
#error lib.c: TARGET_CFLAGS.lib.c (-O0) came before our -O2
#endif
int mf_counter = 1;
int mf_lib_new(void) { return mf_part() + mf_counter++; }
EOF
cat >"$lib/old/lib.c" <<'EOF'
#include "old.h"
#if !defined(MF_OLD) || !defined(GNTFUZZ_LIBRARY_CODE) || defined(__OPTIMIZE__)
#error old/lib.c: mutant flags, GNTFUZZ_LIBRARY_CODE or lib.c's own TARGET_CFLAGS.lib.c missing
#endif
int mf_lib_old(void) { return MF_OLD_VALUE; }
EOF
printf '#define MF_OLD_VALUE 7\n' >"$lib/old/old.h"
printf 'int mf_extra(void) { return 1; }\n' >"$lib/extra.c"
cat >"$abs/abs_src.c" <<'EOF'
#include "abs.h"
int mf_abs(void) { return MF_ABS; }
EOF
cat >"$lib/adapter.c" <<'EOF'
#include "seam.h"
#if defined(GNTFUZZ_LIBRARY_CODE) || !defined(MF_OWN_XEN)
#error adapter.c: compiled as library code, or not against the library's Xen headers
#endif
static int share(domid_t d, uint64_t f, int ro, grant_ref_t *ref) { *ref = 8; return SEAM_OK; }
const struct seam_adapter gntfuzz_adapter = { .versions = SEAM_V1, .share = share };
EOF
# Calls an undeclared function: an error under our warnings, built under its -w.
printf 'int mf_shim(void) { return mf_undeclared(); }\n' >"$lib/shim.c"

mk "$lib" list-sources
check $? "list-sources" "$(cat "$tmp/out")"
rel=${lib#"$PWD/"}
[ "$(sed -n 's/^mf_lib fixed //p' "$tmp/out")" = "$rel/lib.c $rel/adapter.c $rel/shim.c $abs/abs_src.c" ]
check $? "absolute TARGET_SOURCES stay as written; the fixed build compiles TARGET_SOURCES" "$(cat "$tmp/out")"
[ "$(sed -n 's/^mf_lib old //p' "$tmp/out")" = "$rel/old/lib.c $rel/adapter.c $rel/shim.c $abs/abs_src.c $rel/extra.c" ]
check $? "TARGET_MUTANT_SOURCES: old/lib.c in place of lib.c, extra.c added" "$(cat "$tmp/out")"
mk "$lib" list-mutants
[ "$(cat "$tmp/out")" = "mf_lib old -DMF_OLD" ]
check $? "list-mutants prints each mutant and its switches" "$(cat "$tmp/out")"

fixed=$(archive mf_lib/fixed) old=$(archive mf_lib/old)
mk "$lib" "$fixed" "$old"
check $? "a library with every new manifest variable builds (fixed and mutant)" "$(tail -5 "$tmp/out")"
if [ -f "$fixed" ] && [ -f "$old" ]; then
	# sections OBJECT: the gntfuzz_* sections of one member of the fixed archive
	objdump -h "$fixed" >"$tmp/objdump" 2>&1
	sections() { awk -v o="$1:" '$1 == o { on = 1; next } /file format/ { on = 0 } on && $2 ~ /^gntfuzz_/ { print $2 }' \
		"$tmp/objdump" | sort -u | tr '\n' ' '; }
	[ "$(sections 1-lib.o)" = "gntfuzz_libtext gntfuzz_tdata " ] && [ "$(sections 4-abs_src.o)" = "gntfuzz_libtext " ]
	check $? "library code (relative and absolute sources): text in gntfuzz_libtext, data in gntfuzz_tdata" \
		"lib.o: $(sections 1-lib.o), abs_src.o: $(sections 4-abs_src.o)"
	[ -z "$(sections 2-adapter.o)$(sections 3-shim.o)" ]
	check $? "TARGET_ADAPTER_SOURCES: adapter and shim are not library code" "$(sections 2-adapter.o)$(sections 3-shim.o)"
	syms=$(nm -g --defined-only "$old" 2>/dev/null | awk 'NF == 3 { print $3 }' | grep '^mf_' | sort | tr '\n' ' ')
	[ "$syms" = "mf_abs mf_extra mf_lib_old mf_shim " ]
	check $? "the mutant's archive holds old/lib.c and extra.c, not lib.c" "$syms"

	# touched FILE EXPECTED: touch FILE, rebuild both archives; EXPECTED lists the rebuilt ones
	touched() {
		touch "$1"
		mk "$lib" "$fixed" "$old"
		got=$(sed -n 's/^  TARGET-plain mf_lib\///p' "$tmp/out" | tr '\n' ' ') && got=${got% }
		[ "$got" = "$2" ]
		check $? "touching ${1#"$tmp/"} rebuilds ${2:-nothing}" "rebuilt: ${got:-nothing}"
	}
	touched "$lib/inc/sub/cfg.h" "fixed"
	touched "$lib/part.c" "fixed"
	touched "$lib/old/old.h" "old"
	touched "$abs/absinc/abs.h" "fixed old"
	touched "$lib/ownxen/xen/grant_table.h" "fixed old"
	touched "$lib/inc/unused.h" ""
else
	notok "archives of mf_lib" "not built, the next checks are skipped"
fi

# --- mf_legacy: the legacy interface (grant_entry_t) ----------------------------------------
leg=$tmp/legacy
mkdir -p "$leg"
cat >"$leg/target.mk" <<'EOF'
TARGET_NAME     := mf_legacy
TARGET_SOURCES  := old_gnttab.c adapter.c
TARGET_XEN_INTERFACE := 0x00030209
EOF
cat >"$leg/old_gnttab.c" <<'EOF'
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
grant_entry_t *legacy_table;
void legacy_grant(grant_ref_t r, domid_t d, uint32_t f) { legacy_table[r].domid = d; legacy_table[r].frame = f; }
EOF
cat >"$leg/adapter.c" <<'EOF'
#include "seam.h"
#if __XEN_INTERFACE_VERSION__ != 0x00030209
#error not the library's interface version
#endif
const struct seam_adapter gntfuzz_adapter = { .versions = SEAM_V1 };
EOF
mk "$leg" "$(archive mf_legacy/fixed)"
check $? "TARGET_XEN_INTERFACE := 0x00030209: grant_entry_t code, its adapter (seam.h) and seam_variant.c build" \
	"$(grep -m3 -e error -e Error "$tmp/out")"

# --- mf_warn: TARGET_WARN replaces our warnings ---------------------------------------------
w=$tmp/warn
mkdir -p "$w"
printf 'TARGET_NAME := mf_warn\nTARGET_SOURCES := loose.c adapter.c\nTARGET_WARN := -Wall\n' >"$w/target.mk"
printf 'int mf_loose(void) { return mf_undeclared(); }\n' >"$w/loose.c"
printf '#include "seam.h"\nconst struct seam_adapter gntfuzz_adapter = { .versions = SEAM_V1 };\n' >"$w/adapter.c"
mk "$w" "$(archive mf_warn/fixed)"
check $? "TARGET_WARN := -Wall replaces ours (-Werror=implicit-function-declaration)" "$(grep -m2 error "$tmp/out")"
# The same library from another folder (a new copy of the template): the old files are gone.
mv "$w" "$tmp/warn2"
mk "$tmp/warn2" "$(archive mf_warn/fixed)" && grep -q 'TARGET-plain mf_warn/fixed' "$tmp/out"
check $? "a library moved to another folder rebuilds (its old sources and headers gone)" "$(cat "$tmp/out")"

# --- one line for each new kind of manifest mistake -----------------------------------------
# mistake WHAT LINE PATTERN: mf_lib's manifest plus LINE must stop list-variants with one line
mistake() {
	rm -rf "$tmp/bad" && cp -r "$lib" "$tmp/bad" && echo "$2" >>"$tmp/bad/target.mk"
	mk "$tmp/bad" list-variants
	rc=$?
	[ "$rc" -ne 0 ] && [ "$(grep -c . "$tmp/out")" -eq 1 ] && grep -q "target.mk: $3" "$tmp/out"
	check $? "a manifest with $1: one line" "exit $rc: $(cat "$tmp/out")"
}
mistake "a missing mutant source" "TARGET_MUTANT_SOURCES.old := old/lib.c nowhere.c" "mutant old: source nowhere.c not found"
mistake "per-source flags of no source" "TARGET_CFLAGS.lbi.c := -w" "TARGET_CFLAGS.lbi.c names no entry of TARGET_SOURCES"
mistake "mutant sources of no mutant" "TARGET_MUTANT_SOURCES.olf := extra.c" "TARGET_MUTANT_SOURCES.olf names no mutant"
mistake "an adapter source not in TARGET_SOURCES" "TARGET_ADAPTER_SOURCES := adapter.c glue.c" "TARGET_ADAPTER_SOURCES names glue.c"
mistake "Xen headers without xen/grant_table.h" "TARGET_XEN_HEADERS := inc" "TARGET_XEN_HEADERS: no xen/grant_table.h in inc"

echo "1..$n"
exit $fail
