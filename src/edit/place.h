/* Where growth puts its bytes and the program header table (edit/ only).
 *
 * place_growth() decides, writing nothing, how the appended region is
 * mapped (the mapping) and where the program header table is afterwards
 * (the table's place); grow.c then sizes the region, builds the new
 * headers and plans the writes.  The rules, and why, are in place.c.
 */
#ifndef ELFPATCH_PLACE_H
#define ELFPATCH_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edit/grow.h"
#include "elf/image.h"

/* How the appended region is mapped. */
enum map_way {
	MAP_NONE,    /* nothing is appended: only the table moves */
	MAP_TAIL,    /* extend a PT_LOAD that already ends the file */
	MAP_SLOT,    /* an entry taken over (slot_cost()) becomes the new PT_LOAD */
	MAP_NEW      /* a new PT_LOAD entry, in a table that moves */
};

/* Where the program header table is after the edit. */
enum ph_place {
	PH_STAYS,    /* where it is, rewritten in place */
	PH_GAP,      /* unused file bytes after the first PT_LOAD, which grows over them */
	PH_REGION    /* at the start of the appended region */
};

struct layout {
	enum map_way way;
	enum ph_place ph;
	size_t seg;                 /* TAIL: the PT_LOAD; SLOT: the entry taken */
	size_t first;               /* the first PT_LOAD */
	uint64_t align, off, vaddr, len;
	uint64_t ph_off, ph_vaddr;  /* the table, when it moves */
	size_t ph_n;                /* its entries */
	uint64_t ph_at, str_at, dyn_at, interp_at;   /* in the region */
	size_t dyn_slots;
	long note_seg;              /* the PT_NOTE a new note joins, or -1 */
	bool own_note;              /* none: the note gets a PT_NOTE of its own */
	uint64_t notes_at, notes_len;
	/* Padding before the region that --phdr-padding paid for: asked
	 * for, so it counts as content in the plan's size bounds. */
	uint64_t paid_padding;
};

/* Fills l->way, l->ph, l->seg, l->first, l->align and, but for a table in
 * the region (placed by grow.c once the region's size is known), where
 * everything goes.  Prints why and returns -1 when no layout follows the
 * rules. */
int place_growth(const struct elf_image *img, const struct growth_request *rq, struct layout *l);

#endif
