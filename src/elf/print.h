/* The --print-* queries, with patchelf's output format and order. */
#ifndef ELFPATCH_PRINT_H
#define ELFPATCH_PRINT_H

#include "core/options.h"
#include "elf/dynamic.h"
#include "elf/image.h"

/* `dyn` is NULL for a file without PT_DYNAMIC. */
int print_queries(const struct elf_image *img, const struct dynamic *dyn, const struct options *o);

/* patchelf's name for an EI_OSABI value, or NULL for one it prints in hex. */
const char *os_abi_name(unsigned abi);

/* EI_OSABI for a name --set-os-abi accepts (patchelf's spellings), or -1. */
int os_abi_parse(const char *name);

/* The PT_INTERP string, or NULL (with a message) when absent or broken;
 * "" when PT_INTERP has no file contents (a separate debug file). */
const char *interpreter_of(const struct elf_image *img, size_t *phndx);

#endif
