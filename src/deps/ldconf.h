/* The target's /etc/ld.so.conf, read the way ldconfig reads it.
 *
 * glibc's ld.so never reads ld.so.conf: it consults /etc/ld.so.cache, a
 * binary index that ldconfig builds from the directories ld.so.conf names.
 * A root filesystem being assembled on another machine often has no cache
 * yet (or one from an older state), so we read what the cache would be
 * built from instead: ldconf_load() lists the directories, in order, with
 * `include` globs expanded and duplicates dropped as ldconfig drops them
 * (same directory, same inode).  The lookup by soname over these
 * directories lives in search.c.
 *
 * Syntax (ldconfig.c, glibc 2.36): '#' starts a comment; a line
 * "include PATTERN..." parses every file PATTERN matches (a relative
 * PATTERN is relative to the including file's directory); "hwcap ..."
 * lines are ignored; any other line is one directory, trailing blanks and
 * slashes removed, an "=TYPE" suffix (libc5 days) dropped.
 */
#ifndef ELFPATCH_LDCONF_H
#define ELFPATCH_LDCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "deps/sysroot.h"

/* What ldconfig would enter in the cache for one directory: each file
 * that looks like a library ("lib*.so*", "ld-*.so*") under its soname. */
struct soname_entry {
	char *soname;
	char *file;          /* name in the directory */
	bool is_link;
};

struct ldconf_dir {
	char *path;          /* target path, as written (the cache's prefix) */
	dev_t dev;
	ino_t ino;
	bool indexed;
	struct soname_entry *ent;   /* sorted as ldconfig prefers: files before
				     * links, then newest name first */
	size_t n_ent;
};

struct ldconf {
	struct ldconf_dir *dirs;
	size_t n;
	bool loaded;
};

/* Reads SYSROOT/etc/ld.so.conf (absent: no directories).  0, or -1 when
 * out of memory; unreadable files are warned about and skipped, as
 * ldconfig does. */
int ldconf_load(struct ldconf *c, const struct sysroot *r, bool debug);
void ldconf_free(struct ldconf *c);

/* The soname of the ELF shared object at `host` (malloc'd; its file name
 * when it has none), or NULL to leave the file out. */
typedef char *ldconf_soname_fn(void *ctx, const char *host);

/* Indexes directory `d` on first use (reading sonames through `fn`).
 * -1 when out of memory. */
int ldconf_index(struct ldconf_dir *d, const struct sysroot *r, ldconf_soname_fn *fn, void *ctx);

/* glibc's _dl_cache_libcmp(): digit runs compare as numbers. */
int ldconf_libcmp(const char *a, const char *b);

#endif
