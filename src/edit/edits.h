/* The requested edits of the dynamic section, headers and interpreter.
 *
 * plan_edits() turns them, in patchelf's order, into writes appended to
 * `p`; it writes nothing.  An edit that does not fit in the file's
 * existing space makes it plan growth (edit/grow.h) and start again.
 * `dyn` is NULL for a file without PT_DYNAMIC.
 */
#ifndef ELFPATCH_EDIT_EDITS_H
#define ELFPATCH_EDIT_EDITS_H

#include "core/options.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "plan/plan.h"

int plan_edits(const struct elf_image *img, const struct dynamic *dyn, const struct options *o,
	       struct plan *p);

/* --build-resolution-cache, once the note is made (main.c has deps/
 * resolve it): it joins the file's notes in new space (grow.h).  Planned
 * alone: a plan is made against the file as it is, and the note must
 * follow what the other edits leave (main.c makes them first). */
int plan_cache_note(const struct elf_image *img, const struct dynamic *dyn,
		    const struct options *o, const unsigned char *note, size_t len, struct plan *p);

#endif
