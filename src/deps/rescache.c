/* The resolution cache's descriptor (rescache.h says what it records). */
#include <config.h>

#include "deps/rescache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/strbuf.h"
#include "deps/loader.h"

/* strbuf_add(), saying what failed. */
static int buf_add(struct strbuf *b, const char *s, size_t n)
{
	return strbuf_add(b, s, n) < 0 ? error(NULL, "out of memory") : 0;
}

struct cache {
	const struct elf_image *img;
	struct sysroot root;
	struct ld_target target;
	const char **needed;        /* DT_NEEDED, in order, repeats kept */
	size_t n_needed;
	const char **names;         /* the same, sorted, each once */
	struct strbuf *paths;          /* names[i]'s path list */
	size_t n_names;
	bool debug;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_needed(struct cache *c, const struct dynamic *dyn)
{
	c->needed = calloc(dyn->count + 1, sizeof(*c->needed));
	c->names = calloc(dyn->count + 1, sizeof(*c->names));
	c->paths = calloc(dyn->count + 1, sizeof(*c->paths));
	if (!c->needed || !c->names || !c->paths)
		return error(c->img->path, "out of memory");
	for (size_t i = 0; i < dyn->count; i++)
		if (dyn->ent[i].tag == DT_NEEDED)
			c->needed[c->n_needed++] = dynamic_str(c->img, dyn, dyn->ent[i].val);
	memcpy(c->names, c->needed, c->n_needed * sizeof(*c->names));
	qsort(c->names, c->n_needed, sizeof(*c->names), by_name);
	for (size_t i = 0; i < c->n_needed; i++)
		if (c->n_names == 0 || strcmp(c->names[c->n_names - 1], c->names[i]) != 0)
			c->names[c->n_names++] = c->names[i];
	return 0;
}

/* One entry for `name`: patchelf adds one per DT_NEEDED occurrence. */
static int add_entry(struct cache *c, const char *name, char kind, const char *s)
{
	const char **at = bsearch(&name, c->names, c->n_names, sizeof(*c->names), by_name);
	struct strbuf *b = &c->paths[at - c->names];

	if ((b->len && buf_add(b, ":", 1) < 0) || buf_add(b, &kind, 1) < 0)
		return -1;
	return buf_add(b, s, strlen(s));
}

/* Whether the directory `dir` (a target path) resolves only at run time. */
static bool only_at_run_time(const struct cache *c, const char *dir)
{
	struct stat st;

	if (dir[0] != '/' || strchr(dir, '$'))
		return true;
	size_t n = strlen(dir);
	char *hw = malloc(n + sizeof("/glibc-hwcaps"));
	if (!hw)
		return true;
	memcpy(hw, dir, n);
	memcpy(hw + n, "/glibc-hwcaps", sizeof("/glibc-hwcaps"));
	char *host_hw = sysroot_path(&c->root, hw), *host = sysroot_path(&c->root, dir);
	bool hint = !host_hw || !host || access(host_hw, F_OK) == 0 || stat(host, &st) < 0
		    || !S_ISDIR(st.st_mode) || access(host, X_OK) < 0;
	free(hw);
	free(host_hw);
	free(host);
	return hint;
}

/* dir + "/" + name, found there as ld.so would try it. */
static int try_name(struct cache *c, const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *path = malloc(a + b + 2), *host;
	const char *why = NULL;
	int rc = 0;

	if (!path)
		return error(NULL, "out of memory");
	memcpy(path, dir, a);
	path[a] = '/';
	memcpy(path + a + 1, name, b + 1);
	host = sysroot_path(&c->root, path);
	if (!host)
		rc = error(NULL, "out of memory");
	else if (ld_verify(&c->target, host, &why) != V_SKIP)
		rc = add_entry(c, name, '=', path);
	else
		trace(c->debug, c->img->path, "  %s: not there, or not for this target", path);
	free(host);
	free(path);
	return rc;
}

static int resolve_dir(struct cache *c, const char *dir)
{
	bool hint = only_at_run_time(c, dir);

	for (size_t i = 0; i < c->n_needed; i++) {
		if (strchr(c->needed[i], '/'))
			continue;
		int rc = hint ? add_entry(c, c->needed[i], '?', dir) : try_name(c, dir, c->needed[i]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The run path, split at ':' with a trailing empty component kept. */
static int resolve_path(struct cache *c, const char *runpath)
{
	char *copy = strdup(runpath), *p = copy, *dir;
	int rc = 0;

	if (!copy)
		return error(NULL, "out of memory");
	while (rc == 0 && (dir = strsep(&p, ":")) != NULL)
		rc = resolve_dir(c, dir);
	free(copy);
	return rc;
}

static int finish(struct cache *c, char **desc, size_t *len, const char **why)
{
	struct strbuf d = { 0 };

	for (size_t i = 0; i < c->n_names; i++) {
		if (!c->paths[i].len)
			continue;
		trace(c->debug, c->img->path, "resolved %s to %s", c->names[i], c->paths[i].s);
		if (buf_add(&d, c->names[i], strlen(c->names[i]) + 1) < 0
		    || buf_add(&d, c->paths[i].s, c->paths[i].len + 1) < 0) {
			free(d.s);
			return -1;
		}
	}
	if (!d.len) {
		*why = "no libraries resolved against the run path";
		return 0;
	}
	if (buf_add(&d, "", 1) < 0) {
		free(d.s);
		return -1;
	}
	*desc = d.s;
	*len = d.len;
	return 1;
}

static void cache_free(struct cache *c)
{
	for (size_t i = 0; c->paths && i < c->n_names; i++)
		free(c->paths[i].s);
	free(c->paths);
	free(c->names);
	free(c->needed);
	ld_target_free(&c->target);
	sysroot_free(&c->root);
}

static const char *run_path(const struct elf_image *img, const struct dynamic *dyn)
{
	long rn = dynamic_find(dyn, DT_RUNPATH, 0), rp = dynamic_find(dyn, DT_RPATH, 0);

	if (rn >= 0)
		return dynamic_str(img, dyn, dyn->ent[rn].val);
	return rp >= 0 ? dynamic_str(img, dyn, dyn->ent[rp].val) : NULL;
}

int rescache_describe(const struct options *o, const struct elf_image *img,
		      const struct dynamic *dyn, char **desc, size_t *len, const char **why)
{
	struct cache c = { .img = img, .debug = o->debug };
	const char *runpath = dyn && dyn->has_strtab ? run_path(img, dyn) : NULL;
	int rc = -1;

	if (!dyn || !dyn->has_strtab) {
		*why = "no dynamic section (statically linked?)";
		return 0;
	}
	if (sysroot_init(&c.root, o->root) < 0 || ld_target_init(&c.target, img, &c.root) < 0
	    || collect_needed(&c, dyn) < 0)
		goto out;
	if (c.n_needed == 0 || !runpath || !*runpath) {
		*why = "no DT_NEEDED entries or run path to resolve";
		rc = 0;
		goto out;
	}
	if (resolve_path(&c, runpath) == 0)
		rc = finish(&c, desc, len, why);
out:
	cache_free(&c);
	return rc;
}
