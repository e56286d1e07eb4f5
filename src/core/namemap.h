/* The map file of --rename-dynamic-symbols: "OLD NEW", one pair a line.
 *
 * Read as patchelf reads it (names separated by blanks, as C++ `>>`
 * splits them: space, tab, CR, VT, FF), and refused as patchelf refuses
 * it: a line with one name, an OLD name given twice, a name with a
 * version ('@').  Two differences, both where patchelf misreads a file
 * without a word: a blank line is skipped (patchelf stops reading there
 * and ignores every later line), and a line with a third name is refused
 * (patchelf drops it, so "A B C D" on one line renames A only).
 */
#ifndef ELFPATCH_NAMEMAP_H
#define ELFPATCH_NAMEMAP_H

#include "core/options.h"

/* Reads PATH into `m` (pairs sorted by OLD name); -1 after a message
 * "PATH:LINE: why". */
int namemap_load(const char *path, struct name_map *m);
void namemap_free(struct name_map *m);

/* The pair whose OLD name is `old`, or NULL. */
const struct name_pair *namemap_find(const struct name_map *m, const char *old);

#endif
