/* Computing new RPATH/RUNPATH values: --add-rpath, --shrink-rpath and
 * --make-rpath-relative.  Each returns a malloc'd string or NULL (after
 * printing why).  Nothing here touches the file being edited. */
#ifndef ELFPATCH_RPATH_H
#define ELFPATCH_RPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "elf/image.h"

struct rpath_ctx {
	const struct elf_image *img;
	const char *const *needed;    /* DT_NEEDED names */
	size_t n_needed;
	bool debug;
};

char *rpath_add(const char *cur, const char *add);
char *rpath_shrink(const struct rpath_ctx *c, const char *cur, const char *allowed_prefixes);
char *rpath_relative(const struct rpath_ctx *c, const char *cur, const char *root_dir,
		     bool no_std_lib_dirs, bool relative_to_file);

#endif
