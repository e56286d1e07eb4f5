/* --rename-dynamic-symbols: new names for dynamic symbols, and the tables
 * that find a symbol by its name rebuilt for them.
 *
 * Everything is found through .dynamic (section headers may be absent or
 * lie): .dynsym (DT_SYMTAB, counted by dynsym_count()), the names in
 * .dynstr through the string model of dynedit.h (a new name goes over the
 * old one when it fits and nothing else reads those bytes, else at an
 * existing copy, else into free bytes, else the file grows: edits.c asks
 * rename_string_room() how much), and DT_HASH and DT_GNU_HASH, rebuilt
 * whole with the sizes they have.
 *
 * DT_GNU_HASH needs the symbols it covers (from its symoffset on) grouped
 * by bucket, in bucket order, and a new name usually hashes to another
 * bucket.  So those symbols are sorted by bucket, stably: only the renamed
 * symbols and those between their old and new places move.  Everything
 * that names a symbol by its index follows: .gnu.version (DT_VERSYM) and
 * every relocation table (DT_REL, DT_RELA, DT_JMPREL, and any relocation
 * section linked to .dynsym).  (patchelf 0.19 sorts unstably, finds the
 * relocations through section headers only, and renumbers every
 * relocation section, also one that names .symtab's symbols.)
 *
 * Refused rather than done wrong: a reordering on MIPS (the GOT follows
 * the symbol order, DT_MIPS_GOTSYM), with Android's packed relocations or
 * DT_SYMTAB_SHNDX (they name symbols by index too), or with a local
 * symbol among those DT_GNU_HASH covers; any rename with DT_MIPS_XHASH.
 *
 * Several tables change, and no one write can switch them all: in place,
 * a process killed in the middle leaves a file whose lookups fail.  With
 * --output the result is written beside and renamed over FILE: atomic.
 */
#ifndef ELFPATCH_SYMRENAME_H
#define ELFPATCH_SYMRENAME_H

#include <stdint.h>

#include "core/options.h"
#include "edit/dynedit.h"
#include "elf/dynamic.h"
#include "elf/image.h"

/* Plans the renames of `map` on the model's file (the other dynamic
 * edits are planned first, as patchelf does them first). */
int plan_rename_symbols(struct dyn_model *m, const struct dynamic *dyn, const struct name_map *map);

/* Upper bound of the .dynstr bytes the renames can add. */
uint64_t rename_string_room(const struct elf_image *img, const struct dynamic *dyn,
			    const struct name_map *map);

#endif
