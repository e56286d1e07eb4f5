/* The working state of one --rename-dynamic-symbols, shared by the files
 * that carry it out (symrename.h is the interface and says why):
 *   symrename.c  the names, the new order, .gnu.version
 *   symhash.c    DT_GNU_HASH (which decides the order) and DT_HASH
 *   symreloc.c   the relocations, renumbered for the new order
 */
#ifndef ELFPATCH_SYMSET_H
#define ELFPATCH_SYMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edit/dynedit.h"
#include "elf/dynamic.h"
#include "elf/image.h"

#define RENAME "--rename-dynamic-symbols"

struct symset {
	const struct elf_image *img;
	struct dyn_model *m;
	const struct dynamic *dyn;
	uint64_t off;                /* file offset of .dynsym */
	size_t ent, n;               /* entry size, number of entries */
	unsigned char *now;          /* .dynsym as the file holds it */
	unsigned char *want;         /* as it will be: new names (new order
				      * once symset_reorder() ran) */
	size_t *order;               /* order[new index] = old index */
	size_t *where;               /* where[old index] = new index */
	bool reordered;
	struct str_change *changes;  /* the strings moved, to scrub */
	size_t n_changes;
};

/* The `len` bytes at file offset `off` as the writes planned so far
 * leave them (malloc'd; NULL after a message). */
unsigned char *symset_read(const struct symset *s, uint64_t off, size_t len);

/* The name symbol `i` of s->want will have. */
const char *symset_name(const struct symset *s, size_t i);

/* Moves the symbols [first, n) of s->want to s->order (set by the
 * caller), fills s->where; refuses what symrename.h lists. */
int symset_reorder(struct symset *s, size_t first);

/* symhash.c: decides the order DT_GNU_HASH needs and reorders (nothing
 * without DT_GNU_HASH); then plans both hash tables' writes. */
int symhash_order(struct symset *s);
int symhash_plan(struct symset *s);

/* symreloc.c: renumbers every relocation table for the new order. */
int symset_plan_relocs(struct symset *s);

#endif
