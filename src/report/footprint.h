/* --report with --root SYSROOT: what each program costs once deployed in
 * SYSROOT.  A program's deployed cost is its own size plus the libraries
 * it loads that SYSROOT does not hold yet (found on --library-path); a
 * library is charged to the first FILE that loads it and only noted for
 * the later ones, so the totals count each library once.  A library that
 * is itself one of the FILEs is never charged: its own row counts it.
 *
 * "Not in SYSROOT" is what SYSROOT alone lacks: with --library-path, a
 * library SYSROOT holds costs nothing even though the search finds the
 * --library-path copy first.  Libraries are counted as they would be
 * deployed: when the run strips the programs (--strip or --strip-all), at
 * the size of a copy stripped the same way; otherwise at their size.
 *
 * Calling sequence (report.c):
 *   footprint_init(&f, o, hooks)          once, before the first FILE
 *   footprint_add(&f, FILE, own, &entry)  after FILE's edits are written
 *   footprint_entry_free(&entry), footprint_free(&f)
 */
#ifndef ELFPATCH_FOOTPRINT_H
#define ELFPATCH_FOOTPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/options.h"
#include "deps/deps.h"
#include "deps/resolve.h"

enum lib_cost {
	LIB_CHARGED,     /* not in SYSROOT: counted here */
	LIB_COUNTED,     /* not in SYSROOT, counted for an earlier FILE */
	LIB_IS_FILE,     /* one of the FILEs: counted in its own row */
	LIB_NOT_FOUND,   /* nowhere: its size is unknown */
};

struct deployed_lib {
	char *name;      /* as requested (DT_NEEDED), or the interpreter's path */
	char *where;     /* the file found, NULL when not found */
	uint64_t size;   /* LIB_CHARGED: what it adds */
	enum lib_cost cost;
};

struct footprint_entry {
	uint64_t own, libraries;          /* libraries: the charged ones */
	struct deployed_lib *libs;        /* not in SYSROOT, in ldd's order */
	size_t n_libs;
};

struct file_id {
	dev_t dev;
	ino_t ino;
	bool is_file;
};

struct footprint {
	struct ld_env env;
	const struct deps_hooks *hooks;   /* to strip a library's copy */
	bool stripped, strip_all;
	struct file_id *seen;             /* the FILEs and the charged libraries */
	size_t n_seen, cap_seen;
};

int footprint_init(struct footprint *f, const struct options *o, const struct deps_hooks *h);
void footprint_free(struct footprint *f);

/* Resolves FILE (as written, after its edits) and fills `e`.  A library
 * not found is warned about and listed; only an unusable FILE or a
 * library that cannot be measured is an error (-1). */
int footprint_add(struct footprint *f, const char *file, uint64_t own, struct footprint_entry *e);
void footprint_entry_free(struct footprint_entry *e);

#endif
