/* The dependency commands: --print-deps (ldd's view of a target program,
 * from the files alone), --install-missing DIR and --compare STATIC
 * DYNAMIC.  resolve.c does the resolution; this is what the user sees.
 *
 * main.c hands over to deps_run() when deps_requested(); deps_run() loops
 * over the FILEs itself (one bad file does not stop the batch) and
 * returns the exit status.
 */
#ifndef ELFPATCH_DEPS_H
#define ELFPATCH_DEPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/json.h"
#include "core/options.h"
#include "deps/resolve.h"

/* What main.c lends us: its per-file chain (open, validate, plan, commit)
 * to run on the copies --install-missing makes, so an installed library
 * is edited by exactly the code that edits any FILE. */
struct deps_hooks {
	int (*edit_file)(const char *path, const struct options *o);
	/* edit_file() honours --strip/--strip-all (the strip feature). */
	bool can_strip;
};

bool deps_requested(const struct options *o);

/* EXIT_SUCCESS; EXIT_FAILURE when a library or a version is missing or a
 * file could not be used; 2 on a usage error. */
int deps_run(const struct options *o, const struct deps_hooks *h);

/* install.c: copies what SYSROOT lacks into SYSROOT/DIR; 0 when every
 * FILE then resolves inside SYSROOT, 1 when something is still missing,
 * -1 on an error. */
int deps_install(struct ld_env *env, const struct options *o, const struct deps_hooks *h);

/* compare.c: --compare STATIC DYNAMIC; 0, 1 (a library was not found,
 * its size is unknown) or -1. */
int deps_compare(struct ld_env *env, const struct options *o, const struct deps_hooks *h);

/* What strip --strip-all would leave of the file (compare.c): the
 * loadable contents, the non-debug sections kept, their names and the
 * section header table. */
uint64_t stripped_size_estimate(const struct elf_image *img);

/* What --strip-all (`all`) or --strip leaves of the file: measured on a
 * stripped temporary copy when `h` can strip, else estimated (--strip-all)
 * or the size as it is (--strip). */
uint64_t stripped_size(const struct deps_hooks *h, const struct elf_image *img, bool all);

#endif
