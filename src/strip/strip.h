/* Edits of non-allocated sections: strip, compress, split, debuglink.
 *
 * Calling sequence (main.c), after plan_edits() in the same plan:
 *   sections_split_debug(img, o)        --only-keep-debug FILE: writes FILE
 *   plan_sections(img, o, &plan)        everything else, as plan writes
 *   commit_*(img, &plan, ...)
 *
 * plan_sections() sees the file as the writes already in the plan leave it
 * (a grown file, a moved program header table), never changes an
 * allocated byte or address, and orders its writes so that a process
 * killed after any of them leaves a valid file with either the old or the
 * new section set:
 *
 *   grow the file;
 *   phase 1: the kept sections that move and a new section header table
 *            are written past the end of everything the old table uses;
 *   switch:  one write of the ELF header (e_shoff, e_shnum, e_shstrndx)
 *            makes them live; the removed sections' bytes are now free;
 *   phase 2: the same sections and table are written at their final, low
 *            offsets, into those free bytes;
 *   switch:  one write of the ELF header again;
 *   truncate the copies of phase 1 away.
 *
 * Only kept non-allocated sections that follow removed data are written,
 * so the cost grows with what is kept, not with the file.  When the final
 * place does not overlap anything the old table uses, phase 1 is skipped.
 * A section with unchanged bytes whose old place no final write covers
 * skips phase 1 alone: the phase-1 table points at its old place, and it
 * is written once.  Rebuilt contents (a pruned .symtab) are new bytes
 * whose final place the old table still uses, so they need both writes.
 * Writes borrow their bytes (plan_add_owned/_ref/_mapped) instead of
 * copying them into the plan.
 */
#ifndef ELFPATCH_STRIP_H
#define ELFPATCH_STRIP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "elf/image.h"
#include "plan/plan.h"

int plan_sections(const struct elf_image *img, const struct options *o, struct plan *p);

/* --only-keep-debug FILE: writes FILE (through commit.c, atomically): the
 * input's debug sections, symbol table and notes, its allocated sections
 * turned into SHT_NOBITS, as binutils and gdb expect of a separate debug
 * file.  Called before plan_sections(), so that --add-gnu-debuglink can
 * take the CRC of the file just written. */
int sections_split_debug(const struct elf_image *img, const struct options *o);

/* True for the names --strip-debug removes (.debug*, .zdebug*, .stab*,
 * .line, .gnu.debuglto_*, .gnu.linkonce.wi.*, .gdb_index). */
bool section_is_debug(const char *name);

#endif
