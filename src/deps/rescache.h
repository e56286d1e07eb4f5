/* --build-resolution-cache: the descriptor of the note (elf/ldnote.h)
 * that records where each DT_NEEDED name of a file is found on its run
 * path, as patchelf 0.19.1 records it, found by the target's loader
 * rules:
 *
 * - The run path is DT_RUNPATH, else DT_RPATH (patchelf's choice), split
 *   at ':' (an empty last component kept: it means the working directory,
 *   as an empty one anywhere does).
 * - A component that only resolves at run time is a search hint "?DIR":
 *   empty or relative; with a dynamic string token ($ORIGIN, $LIB,
 *   $PLATFORM); holding a glibc-hwcaps subdirectory (the loader picks the
 *   CPU's); or not a searchable directory now (absent: a driver directory
 *   such as /run/opengl-driver/lib exists only on the running system).
 * - In any other directory, each name without a '/' (a name with one is
 *   opened as it is, never searched) that is there is "=DIR/NAME" (the
 *   run path's text, '/', the name: patchelf's bytes).  "There" is what
 *   the target's ld.so would try: a file of another class, byte order,
 *   machine or ARM float ABI is skipped, as ld.so skips it (patchelf
 *   records any readable file).
 * - Names are sorted (strcmp), each with its entries in run path order
 *   joined by ':'; a name with no entry is left out.
 *
 * With --root SYSROOT, the directories are looked up inside SYSROOT
 * (symbolic links resolved inside it, deps/sysroot.h) and the paths
 * recorded are the target's, as its loader will open them.
 */
#ifndef ELFPATCH_RESCACHE_H
#define ELFPATCH_RESCACHE_H

#include <stddef.h>

#include "core/options.h"
#include "elf/dynamic.h"
#include "elf/image.h"

/* 1 with the descriptor in *desc (malloc'd) and *len; 0 when there is
 * nothing to record, *why saying why in patchelf's words (the caller
 * warns, or fails when a note is already there); -1 after an error.
 * `dyn` is NULL for a file without PT_DYNAMIC. */
int rescache_describe(const struct options *o, const struct elf_image *img,
		      const struct dynamic *dyn, char **desc, size_t *len, const char **why);

#endif
