/* The internals of a resolution, shared by the files of src/deps/ that
 * carry it out; deps/resolve.h is the interface to the rest.
 *
 *   resolve.c    the walk (dl-deps.c, rtld.c): program, interpreter, then
 *                every DT_NEEDED breadth first
 *   target.c     what the target's loader is; which files it accepts
 *   object.c     one struct dso per object loaded, its .dynamic read once
 *   search.c     glibc's search order for a DT_NEEDED name
 *   versions.c   version needs against definitions
 *
 * Another loader family's rules (musl's search order) go in a file beside
 * search.c behind the same ld_map_object() call.
 */
#ifndef ELFPATCH_DEPS_LOADER_H
#define ELFPATCH_DEPS_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "deps/resolve.h"

/* What ld.so does with a candidate file. */
enum verdict { V_SKIP, V_OK, V_FATAL };

/* One resolution under way. */
struct search {
	struct ld_env *env;
	struct resolution *res;
	bool use_llp;
	const char *file;           /* the FILE being resolved, for messages */
};

/* target.c */
void ld_target_free(struct ld_target *t);
/* The Debian multiarch tuple of ROOT: one whose library directory exists,
 * preferring one whose loader ROOT holds; NULL when none does. */
const char *ld_multiarch_of_root(const struct sysroot *r);
int ld_target_init(struct ld_target *t, const struct elf_image *img, const struct sysroot *r);
enum verdict ld_verify(const struct ld_target *t, const char *host, const char **why);

/* object.c */
int dso_list_push(struct dso ***list, size_t *n, size_t *cap, struct dso *d);
int dso_add_name(struct dso *d, const char *name);
/* What dso_load() read (the map, .dynamic and the tables from it); the
 * dso itself stays, for a struct dso on the stack. */
void dso_unload(struct dso *d);
void dso_free(struct dso *d);
struct dso *dso_new(struct resolution *res, const char *name, struct dso *loader);
int dso_set_origin(struct dso *d, const char *path);
int dso_load(struct dso *d);

/* search.c */
struct dso *ld_map_object(struct search *s, struct dso *loader, const char *name);

/* versions.c */
void ld_check_versions(struct resolution *res);

#endif
