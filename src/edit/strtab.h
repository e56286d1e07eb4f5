/* A working model of the dynamic string table for planning edits.
 *
 * Linkers merge string tails, so one byte of .dynstr can belong to several
 * strings: "libc.so.6" may end inside a longer name, an RPATH may end inside
 * a symbol name.  The model therefore keeps a reference count per byte,
 * taken from every reader of .dynstr we know of: string-valued dynamic
 * entries, dynamic symbol names, version definition and requirement names,
 * and any section symbol table linked to the same bytes.  A byte with count
 * zero is free: it may be zeroed (so an old build path leaves the file) or
 * reused for a new string.  When the symbol count cannot be established the
 * model is "opaque" and frees nothing of the table as it was; room that
 * growth adds after it (dynmodel_relocate) is free all the same.
 */
#ifndef ELFPATCH_STRTAB_H
#define ELFPATCH_STRTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "elf/dynamic.h"
#include "elf/image.h"

struct strtab {
	uint64_t off;            /* file offset */
	uint64_t size;
	unsigned char *bytes;    /* current contents (model) */
	uint32_t *refs;          /* per-byte reference count */
	bool opaque;
	uint64_t known_from;     /* opaque: bytes before it are never free */
};

int strtab_init(struct strtab *st, const struct elf_image *img, const struct dynamic *dyn);
void strtab_free(struct strtab *st);

/* Number of dynamic symbols, from DT_HASH's nchain, by walking the
 * chains of DT_GNU_HASH, or from the .dynsym section header; -1 when
 * none of them tells. */
int64_t dynsym_count(const struct elf_image *img, const struct dynamic *dyn);

/* Length of the string at `off` (bounded by the table). */
uint64_t strtab_len(const struct strtab *st, uint64_t off);
const char *strtab_get(const struct strtab *st, uint64_t off);

void strtab_ref(struct strtab *st, uint64_t off);
void strtab_unref(struct strtab *st, uint64_t off);

/* True when [off, off + len] (with the NUL) is unreferenced. */
bool strtab_free_at(const struct strtab *st, uint64_t off, uint64_t len);

/* Offset of an existing, fully referenced copy of `s` (a whole string or
 * a suffix of one), or -1. */
int64_t strtab_find(const struct strtab *st, const char *s);

/* Offset of a run of unreferenced bytes that can hold `s` and its NUL,
 * or -1.  Never offset 0: the empty string lives there. */
int64_t strtab_find_free(const struct strtab *st, uint64_t need);

#endif
