#include <config.h>

#include "report/footprint.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/diag.h"
#include "deps/deps.h"

static const struct file_id *seen(const struct footprint *f, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < f->n_seen; i++)
		if (f->seen[i].dev == dev && f->seen[i].ino == ino)
			return &f->seen[i];
	return NULL;
}

static int remember(struct footprint *f, dev_t dev, ino_t ino, bool is_file)
{
	if (seen(f, dev, ino))
		return 0;
	if (f->n_seen == f->cap_seen) {
		size_t cap = f->cap_seen ? 2 * f->cap_seen : 16;
		struct file_id *s = realloc(f->seen, cap * sizeof(*s));
		if (!s)
			return error(NULL, "out of memory");
		f->seen = s;
		f->cap_seen = cap;
	}
	f->seen[f->n_seen++] = (struct file_id){ dev, ino, is_file };
	return 0;
}

int footprint_init(struct footprint *f, const struct options *o, const struct deps_hooks *h)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->hooks = h;
	f->stripped = o->strip_debug || o->strip_all;
	f->strip_all = o->strip_all;
	if (ld_env_init(&f->env, o) < 0)
		return -1;
	/* Known before the first FILE is resolved, so that a library given
	 * as a later FILE is not charged to an earlier program too.  Edits
	 * keep the inode; a FILE that cannot be opened fails on its own. */
	for (size_t i = 0; i < o->n_files; i++)
		if (stat(o->files[i], &st) == 0 && remember(f, st.st_dev, st.st_ino, true) < 0)
			return -1;
	return 0;
}

void footprint_free(struct footprint *f)
{
	ld_env_free(&f->env);
	free(f->seen);
	memset(f, 0, sizeof(*f));
}

void footprint_entry_free(struct footprint_entry *e)
{
	for (size_t i = 0; i < e->n_libs; i++) {
		free(e->libs[i].name);
		free(e->libs[i].where);
	}
	free(e->libs);
	memset(e, 0, sizeof(*e));
}

static enum lib_cost cost_of(struct footprint *f, const struct dso *d)
{
	const struct file_id *s;

	if (d->state != DSO_FOUND)
		return LIB_NOT_FOUND;
	s = seen(f, d->dev, d->ino);
	if (!s)
		return LIB_CHARGED;
	return s->is_file ? LIB_IS_FILE : LIB_COUNTED;
}

static int add_lib(struct footprint *f, struct footprint_entry *e, const struct dso *d,
		   const char *file)
{
	struct deployed_lib *l = &e->libs[e->n_libs];

	l->cost = cost_of(f, d);
	l->name = strdup(d->name ? d->name : d->path);
	l->where = d->state == DSO_FOUND ? strdup(d->host) : NULL;
	if (!l->name || (d->state == DSO_FOUND && !l->where)) {
		free(l->name);
		free(l->where);
		return error(file, "out of memory");
	}
	e->n_libs++;
	if (l->cost == LIB_NOT_FOUND)
		warning(file, "%s not found: its size is not counted", l->name);
	if (l->cost != LIB_CHARGED)
		return 0;
	l->size = f->stripped ? stripped_size(f->hooks, &d->img, f->strip_all) : d->size;
	e->libraries += l->size;
	return remember(f, d->dev, d->ino, false);
}

/* Whether SYSROOT alone provides the object requested as `name`. */
static bool root_has(const struct resolution *alone, const char *name)
{
	for (size_t i = 0; i < alone->n; i++) {
		const struct dso *d = alone->objs[i];
		if (!d->is_main && dso_in_root(d) && d->name && name && strcmp(d->name, name) == 0)
			return true;
	}
	return false;
}

/* Every object the program loads, the interpreter included (the kernel
 * loads it even when no library names it), that SYSROOT lacks. */
static int collect(struct footprint *f, const struct resolution *res,
		   const struct resolution *alone, struct footprint_entry *e, const char *file)
{
	e->libs = calloc(res->n + 1, sizeof(*e->libs));
	if (!e->libs)
		return error(file, "out of memory");
	for (size_t i = 0; i <= res->n; i++) {
		const struct dso *d = i < res->n ? res->objs[i] : res->interp;
		if (!d || d->is_main || (i == res->n && res->interp_listed) || dso_in_root(d)
		    || (alone && root_has(alone, d->name)))
			continue;
		if (add_lib(f, e, d, file) < 0)
			return -1;
	}
	return 0;
}

int footprint_add(struct footprint *f, const char *file, uint64_t own, struct footprint_entry *e)
{
	struct resolution res, alone;
	bool two = f->env.library_path != NULL;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(&res, 0, sizeof(res));
	memset(&alone, 0, sizeof(alone));
	e->own = own;
	/* --library-path comes first in the search; what SYSROOT holds
	 * anyway is not an added cost. */
	rc = two ? resolve(&f->env, file, false, &alone) : 0;
	if (rc == 0)
		rc = resolve(&f->env, file, true, &res);
	if (rc == 0 && !res.is_static)
		rc = collect(f, &res, two ? &alone : NULL, e, file);
	resolution_free(&res);
	resolution_free(&alone);
	return rc;
}
