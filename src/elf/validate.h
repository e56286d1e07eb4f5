/* Complete validation of an opened image before anything trusts it.
 *
 * elf_validate() decodes the ELF header, the program header table and the
 * section header table into img->eh, img->ph and img->sh, and checks every
 * offset and size against the file with overflow-safe comparisons.  After
 * it returns 0, every p_offset/p_filesz of a segment and every
 * sh_offset/sh_size of a section other than SHT_NOBITS and SHT_NULL lies
 * inside the file (an empty one's sh_offset at most at its end), and
 * section names resolve inside the section name table.  It writes
 * nothing and never trusts a field it has not checked.
 */
#ifndef ELFPATCH_VALIDATE_H
#define ELFPATCH_VALIDATE_H

#include "elf/image.h"

int elf_validate(struct elf_image *img);

/* Name of section `i`, or "" when the file has no usable name table. */
const char *section_name(const struct elf_image *img, size_t i);

/* Index of the first section named `name`, or -1. */
long section_by_name(const struct elf_image *img, const char *name);

#endif
