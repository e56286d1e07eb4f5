/* The whole walk, as glibc's dl-deps.c and rtld.c do it: the program,
 * its interpreter, then every DT_NEEDED breadth first; the result in
 * ldd's order. */
#include <config.h>

#include "deps/resolve.h"

#include "deps/loader.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "elf/print.h"
#include "elf/validate.h"

int ld_env_init(struct ld_env *env, const struct options *o)
{
	memset(env, 0, sizeof(*env));
	env->library_path = o->library_path;
	env->debug = o->debug;
	return sysroot_init(&env->root, o->root);
}

void ld_env_free(struct ld_env *env)
{
	ldconf_free(&env->conf);
	ldcache_free(&env->cache);
	sysroot_free(&env->root);
}

void resolution_free(struct resolution *res)
{
	for (size_t i = 0; i < res->n_all; i++)
		dso_free(res->all[i]);
	free(res->all);
	free(res->bfs);
	free(res->objs);
	ld_target_free(&res->target);
	memset(res, 0, sizeof(*res));
}

/* The program itself: its target path when it lies inside SYSROOT (what
 * /proc/self/exe would say there), else its host path. */
static int main_object(struct search *s, const char *file)
{
	struct resolution *res = s->res;
	struct dso *d = dso_new(res, file, NULL);

	if (!d)
		return -1;
	/* The program answers to no name (its l_name is ""). */
	free(d->names[0]);
	d->n_names = 0;
	d->is_main = true;
	d->state = DSO_FOUND;
	d->via = "program";
	d->host = strdup(file);
	char *t = sysroot_target_of(&s->env->root, file);
	if (t && !sysroot_is_host(&s->env->root)) {
		d->path = t;
	} else {
		free(t);
		d->path = realpath(file, NULL);
		d->host_side = !sysroot_is_host(&s->env->root);
		if (!d->path)
			d->path = strdup(file);
	}
	if (!d->host || !d->path)
		return error(NULL, "out of memory");
	if (dso_set_origin(d, d->path) < 0)
		return -1;
	if (dso_load(d) < 0)
		return -1;
	res->main = d;
	return 0;
}

/* rtld's own map: named by PT_INTERP, in the list from the start. */
static int interp_object(struct search *s)
{
	struct resolution *res = s->res;
	size_t ph;
	const char *interp = NULL;

	for (size_t i = 0; i < res->main->img.phnum; i++)
		if (res->main->img.ph[i].type == PT_INTERP)
			interp = interpreter_of(&res->main->img, &ph);
	if (!interp || !*interp) {
		/* A library: `ld.so --list` is the target's usual loader. */
		interp = res->target.rtld;
		char *h = interp ? sysroot_path(&s->env->root, interp) : NULL;
		bool there = h && access(h, F_OK) == 0;
		free(h);
		if (!there)
			return 0;
	}
	struct dso *d = dso_new(res, interp, NULL);
	if (!d)
		return -1;
	d->is_interp = true;
	d->via = "PT_INTERP";
	d->path = strdup(interp);
	d->host = sysroot_path(&s->env->root, interp);
	if (!d->path || !d->host)
		return error(NULL, "out of memory");
	res->interp = d;
	const char *why = NULL;
	if (access(d->host, F_OK) < 0) {
		/* Still answers to its file name, as the real one would to
		 * its soname (libc.so.6 needs it by that name). */
		const char *base = strrchr(interp, '/');
		d->state = DSO_NOT_FOUND;
		res->not_found++;
		return base ? dso_add_name(d, base + 1) : 0;
	}
	if (ld_verify(&res->target, d->host, &why) != V_OK || dso_load(d) < 0) {
		d->state = DSO_ERROR;
		d->error = strdup(why ? why : "not a usable ELF file for this program");
		res->errors++;
		return 0;
	}
	d->state = DSO_FOUND;
	return dso_set_origin(d, d->path);
}

/* The interpreter's map has no place of its own in the load order: rtld.c
 * puts it after the object before it in the breadth-first search list
 * (where objects not found have no place), or leaves it out when nothing
 * needs it. */
static int order_objects(struct resolution *res)
{
	struct dso *after = NULL;
	bool needed = false;

	res->objs = calloc(res->n_all + 1, sizeof(*res->objs));
	if (!res->objs)
		return error(NULL, "out of memory");
	for (size_t i = 0; i < res->n_bfs; i++) {
		if (res->bfs[i] == res->interp) {
			needed = true;
			break;
		}
		if (res->bfs[i]->state == DSO_FOUND)
			after = res->bfs[i];
	}
	res->interp_listed = needed && res->interp;
	for (size_t i = 0; i < res->n_all; i++) {
		struct dso *d = res->all[i];
		if (d == res->interp)
			continue;
		res->objs[res->n++] = d;
		if (d == after && res->interp_listed)
			res->objs[res->n++] = res->interp;
	}
	return 0;
}

int resolve(struct ld_env *env, const char *file, bool use_llp, struct resolution *res)
{
	struct search s = { env, res, use_llp, file };
	struct elf_image probe;

	memset(res, 0, sizeof(*res));
	if (elf_image_open(&probe, file) < 0 || elf_validate(&probe) < 0) {
		elf_image_close(&probe);
		return -1;
	}
	int rc = ld_target_init(&res->target, &probe, &env->root);
	elf_image_close(&probe);
	if (rc < 0 || main_object(&s, file) < 0)
		return -1;
	if (!res->main->has_dyn) {
		res->is_static = true;
		return order_objects(res);
	}
	if (interp_object(&s) < 0 || dso_list_push(&res->bfs, &res->n_bfs, &res->cap_bfs, res->main) < 0)
		return -1;
	/* Breadth first, each object's DT_NEEDED in order; an object joins
	 * the list the first time it is returned (the interpreter too). */
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *l = res->bfs[i];
		if (l->state != DSO_FOUND)
			continue;
		for (size_t k = 0; k < l->n_needed; k++) {
			if (!l->needed[k])
				continue;
			struct dso *d = ld_map_object(&s, l, l->needed[k]);
			if (!d)
				return -1;
			l->deps[k] = d;
			bool known = false;
			for (size_t j = 0; j < res->n_bfs && !known; j++)
				known = res->bfs[j] == d;
			if (!known && dso_list_push(&res->bfs, &res->n_bfs, &res->cap_bfs, d) < 0)
				return -1;
		}
	}
	ld_check_versions(res);
	return order_objects(res);
}
