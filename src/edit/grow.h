/* Growth: room for what does not fit, appended at the end of the file.
 *
 * Nothing existing is moved or copied except the small tables that must
 * grow (.dynstr, .dynamic, the interpreter string; the program header
 * table only when a new PT_LOAD needs an entry and none can be taken
 * over, or when it lies inside a section's bytes, see place.c).  Their new copies go into new
 * space after the last byte of the file, mapped by a new PT_LOAD above
 * every existing segment (or by extending a PT_LOAD that already ends the
 * file, so repeated growth adds bytes, not pages).  The cost is the size
 * of those tables, not of the file.
 *
 * Write order: the appended bytes first (nothing references them), then
 * one switch that maps and points at them (one ELF header write when the
 * program header table moves: the new table already holds the new
 * PT_LOAD, PT_DYNAMIC and PT_INTERP), then the section headers, which only
 * describe.  Afterwards the caller plans its edits against the relocated
 * tables, which have spare room.
 *
 * A new note (--build-resolution-cache) goes into the new space after a
 * copy of the notes of the file's 4-byte-aligned PT_NOTE, which then
 * describes the copy and the new note (the old notes stay where they
 * were, unread): no second program header is needed.  Without such a
 * segment (an earlier growth took its entry), the note gets a PT_NOTE of
 * its own, which only a moved table has room for.  The note sections
 * describe their copies, and a new section names the note; the section
 * header table, which must grow by one entry, is copied whole past the
 * new segment with the section name table (a name added), and one write
 * of the ELF header switches to it after the program headers switched.
 */
#ifndef ELFPATCH_GROW_H
#define ELFPATCH_GROW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "plan/plan.h"

struct growth_request {
	uint64_t str_slack;     /* bytes of room to add to .dynstr; 0 leaves it */
	size_t dyn_slack;       /* entries of room to add to .dynamic; 0 leaves it */
	const char *interp;     /* new interpreter string, or NULL */
	const unsigned char *note;   /* a whole note (header, name, padded
				      * descriptor) to add, or NULL */
	size_t note_len;
	const char *note_section;    /* the name of its new section */
	uint64_t page_size;     /* 0: the file's largest PT_LOAD alignment */
	bool keep_note_segment; /* never take a PT_NOTE's entry that loses a note */
	bool phdr_padding;      /* pad as much as a moved table needs (place.c) */
	/* Applied to PT_GNU_STACK in the new program headers, which may be
	 * reordered or moved: the caller does not plan it again. */
	enum execstack_op execstack;
	bool keep_old_tables;   /* leave the old .dynstr and interpreter bytes */
	bool debug;
};

struct growth_result {
	bool str_moved, dyn_moved, interp_moved, ph_moved;
	uint64_t str_off, str_vaddr, str_size;
	uint64_t dyn_off, dyn_vaddr;
	size_t dyn_slots;
	uint64_t bytes_added;
};

int grow_plan(const struct elf_image *img, const struct dynamic *dyn,
	      const struct growth_request *rq, struct plan *p, struct growth_result *out);

#endif
