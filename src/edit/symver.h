/* --clear-symbol-version: symbol version edits of .gnu.version and
 * .gnu.version_r, planned through the .dynamic model.
 *
 * As patchelf does, every dynamic symbol with one of the given names gets
 * the version index VER_NDX_GLOBAL (1) in .gnu.version.  Unlike patchelf,
 * a version requirement (a Vernaux of .gnu.version_r) that no symbol uses
 * any more goes too, so that ld.so no longer demands that version of the
 * library: see symver.c for how, and why the table is rewritten rather
 * than relinked.
 */
#ifndef ELFPATCH_SYMVER_H
#define ELFPATCH_SYMVER_H

#include <stddef.h>

#include "edit/dynedit.h"
#include "elf/dynamic.h"

/* `dyn` is the file's .dynamic as read (the tables it locates do not
 * move); `m` the model the other edits left. */
int plan_clear_versions(struct dyn_model *m, const struct dynamic *dyn,
			const char *const *names, size_t n);

#endif
