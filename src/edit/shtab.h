/* A section header table that must grow (a section added by growth):
 * a copy of the file's, changed in memory, written past the end of the
 * file with a copy of the section name table that holds the new names,
 * and switched to by one write of the ELF header.  The old table and
 * names stay behind, unread.
 *
 * Calling sequence: shtab_init(); change t->sh[i] and shtab_add() as
 * needed; shtab_plan() once every other write of the edit is planned
 * but the switches; shtab_free().
 */
#ifndef ELFPATCH_SHTAB_H
#define ELFPATCH_SHTAB_H

#include <stddef.h>
#include <stdint.h>

#include "elf/image.h"
#include "plan/plan.h"

struct shtab {
	const struct elf_image *img;
	struct xshdr *sh;
	size_t n;
	unsigned char *names;         /* the new section name table */
	uint64_t names_len;
};

/* -1 (with a message) when the file's table cannot grow: no section
 * name table, or extended section numbering. */
int shtab_init(struct shtab *t, const struct elf_image *img);
void shtab_free(struct shtab *t);

/* Appends section `sh` named `name` (sh->name is set here). */
int shtab_add(struct shtab *t, const struct xshdr *sh, const char *name);

/* Plans the names and the table at offset `at` or after (raising
 * p->grow_to), then the ELF header `eh` (the caller's, with whatever
 * else it changes) pointing at them. */
int shtab_plan(struct shtab *t, uint64_t at, struct xehdr eh, struct plan *p);

#endif
