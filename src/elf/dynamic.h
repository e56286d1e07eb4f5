/* The dynamic section, located through PT_DYNAMIC and decoded once.
 *
 * Section headers may be absent or lie, so everything here is found
 * through the program headers: PT_DYNAMIC gives the table, DT_STRTAB and
 * DT_STRSZ give the string table, mapped to a file offset through the
 * PT_LOAD that holds it.  dynamic_load() checks that every string-valued
 * entry names a NUL-terminated string inside DT_STRSZ, so callers may use
 * dynamic_str() results without further checks.
 */
#ifndef ELFPATCH_DYNAMIC_H
#define ELFPATCH_DYNAMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf/image.h"

struct dynamic {
	size_t phndx;          /* index of PT_DYNAMIC */
	uint64_t off;          /* file offset of the table */
	size_t entsize;
	size_t count;          /* entries before the first DT_NULL */
	size_t slots;          /* entries the segment can hold (incl. DT_NULLs) */
	struct xdyn *ent;      /* count entries, decoded */
	bool has_strtab;
	bool empty;            /* PT_DYNAMIC has no file contents (p_filesz 0) */
	uint64_t str_vaddr, str_off, str_size;
};

/* 0 when found, 1 when the file has no PT_DYNAMIC, -1 on error.  Found
 * includes a PT_DYNAMIC without file contents (a separate debug file):
 * then `empty` is set and the table has no entries. */
int dynamic_load(const struct elf_image *img, struct dynamic *dyn);
void dynamic_free(struct dynamic *dyn);

/* Index of the first entry with `tag` at or after `from`, or -1. */
long dynamic_find(const struct dynamic *dyn, int64_t tag, size_t from);

/* The string at `val` in the dynamic string table (already validated for
 * string-valued tags), or NULL when out of range or unterminated. */
const char *dynamic_str(const struct elf_image *img, const struct dynamic *dyn, uint64_t val);

/* True for tags whose value is an offset into the dynamic string table. */
bool dynamic_tag_is_string(int64_t tag);

/* The size of a DT_HASH word: 4, but 8 on 64-bit S/390 and Alpha, whose
 * ABIs made the hash table's nbucket, nchain and chains 64-bit. */
size_t dynamic_hash_word(const struct elf_image *img);

/* Maps [vaddr, vaddr + size) to a file offset through a PT_LOAD whose
 * file-backed part contains it whole. */
bool vaddr_to_offset(const struct elf_image *img, uint64_t vaddr, uint64_t size, uint64_t *off);

#endif
