/* glibc's search for a DT_NEEDED name (dl-load.c _dl_map_object()):
 * DT_RPATH of the loaders, --library-path, DT_RUNPATH, ld.so.conf by
 * soname, the default directories; dynamic string tokens expanded as
 * _dl_dst_substitute() does. */
#include <config.h>

#include "deps/loader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"

struct found {
	char *path, *host;
	const char *via;
	bool host_side;
	const char *fatal;          /* set: ld.so stops with this error */
};


/* Length of the DST `ref` at `in` (just after the '$'), braces included,
 * or 0 when `in` does not start with it (is_dst()). */
static size_t is_dst(const char *in, const char *ref)
{
	bool curly = in[0] == '{';
	size_t n = strlen(ref);

	if (curly)
		in++;
	if (strncmp(in, ref, n) != 0)
		return 0;
	char c = in[n];
	if (curly ? c != '}' : ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
				|| (c >= '0' && c <= '9') || c == '_'))
		return 0;
	return curly ? n + 2 : n;
}

/* The element with DSTs replaced (malloc'd), or NULL when a DST has no
 * value (the element is then dropped, as ld.so drops it).  *host is set
 * when $ORIGIN made it a host path. */
static char *expand(const struct ld_target *t, const struct dso *l, const char *in, bool *host,
		    bool *oom)
{
	size_t cap = strlen(in) + 1, len = 0;
	char *out = malloc(cap);

	*host = false;
	*oom = false;
	if (!out)
		goto nomem;
	while (*in) {
		const char *repl = NULL;
		size_t n = 0;
		if (*in == '$') {
			if ((n = is_dst(in + 1, "ORIGIN")) != 0) {
				repl = l->origin;
				*host = l->host_side;
			} else if ((n = is_dst(in + 1, "PLATFORM")) != 0) {
				repl = t->platform;
			} else if ((n = is_dst(in + 1, "LIB")) != 0) {
				repl = t->lib;
			}
			if (n && !repl) {
				free(out);
				return NULL;
			}
		}
		const char *src = repl ? repl : in;
		size_t sl = repl ? strlen(repl) : 1;
		if (len + sl + 1 > cap) {
			cap = (len + sl + 1) * 2;
			char *no = realloc(out, cap);
			if (!no)
				goto nomem;
			out = no;
		}
		memcpy(out + len, src, sl);
		len += sl;
		in += repl ? n + 1 : 1;
	}
	out[len] = '\0';
	return out;
nomem:
	free(out);
	*oom = true;
	error(NULL, "out of memory");
	return NULL;
}

static void found_free(struct found *f)
{
	free(f->path);
	free(f->host);
	f->path = f->host = NULL;
}

/* dir + "/" + name as dl-load.c builds it (trailing slashes of `dir`
 * removed, one added). */
static char *dir_file(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	char *s = malloc(n + 1 + strlen(name) + 1);
	if (!s)
		return NULL;
	memcpy(s, dir, n);
	if (n == 0 || s[n - 1] != '/')
		s[n++] = '/';
	strcpy(s + n, name);
	return s;
}

/* 1 found (f filled), 0 go on, -1 out of memory. */
static int try_file(struct search *s, char *path, bool host_side, const char *via,
		    struct found *f)
{
	const char *why = NULL;
	char *host = host_side ? strdup(path) : sysroot_path(&s->env->root, path);

	if (!host) {
		free(path);
		return error(NULL, "out of memory");
	}
	trace(s->env->debug, s->file, "  trying file=%s%s%s", path, strcmp(host, path) ? " at " : "",
	      strcmp(host, path) ? host : "");
	enum verdict v = ld_verify(&s->res->target, host, &why);
	if (v == V_SKIP) {
		free(path);
		free(host);
		return 0;
	}
	*f = (struct found){ path, host, via, host_side, v == V_FATAL ? why : NULL };
	return 1;
}

/* open_path() over one colon-separated list (ld.so's `sep`), DSTs
 * expanded with object `l`. */
static int search_list(struct search *s, const struct dso *l, const char *list, const char *sep,
		       const char *via, const char *name, struct found *f)
{
	/* --library-path names directories of this machine, as
	 * LD_LIBRARY_PATH given to qemu -E does. */
	bool host_list = strcmp(via, "LD_LIBRARY_PATH") == 0;
	char *copy = strdup(list), *p, *elem;
	int rc = 0;

	if (!copy)
		return error(NULL, "out of memory");
	trace(s->env->debug, s->file, " search path=%s (%s%s%s)", list, via,
	      host_list ? "" : " from file ", host_list ? "" : l->path);
	for (p = copy; rc == 0 && (elem = strsep(&p, sep)) != NULL; ) {
		bool host, oom;
		if (!*elem)
			continue;   /* the working directory: unknowable */
		char *dir = expand(&s->res->target, l, elem, &host, &oom);
		if (!dir) {
			if (oom)
				rc = -1;
			continue;
		}
		if (!*dir) {
			free(dir);
			continue;
		}
		char *path = dir_file(dir, name);
		free(dir);
		if (!path) {
			rc = error(NULL, "out of memory");
			break;
		}
		rc = try_file(s, path, host || host_list, via, f);
	}
	free(copy);
	return rc;
}

static bool in_system_dir(const struct ld_target *t, const char *path)
{
	for (size_t i = 0; i < t->n_dirs; i++) {
		size_t n = strlen(t->dirs[i]);
		if (strncmp(path, t->dirs[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

/* ldconfig reads the soname of every library-looking file; we do it only
 * when the file named like the request does not answer to it. */
static char *soname_of(void *ctx, const char *host)
{
	unsigned char mag[SELFMAG];
	char *res = NULL;
	int fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n = fd >= 0 ? read(fd, mag, sizeof(mag)) : -1;

	(void)ctx;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(mag) || memcmp(mag, ELFMAG, SELFMAG) != 0)
		return NULL;   /* a linker script, say: ldconfig skips it too */
	struct dso d = { 0 };
	d.host = (char *)host;
	if (dso_load(&d) == 0 && d.has_dyn) {
		const char *base = strrchr(host, '/');
		res = strdup(d.soname ? d.soname : base ? base + 1 : host);
	}
	dso_unload(&d);
	return res;
}

/* The ld.so.cache step: the first ld.so.conf directory with a usable
 * library whose soname is `name`. */
static int search_conf(struct search *s, const struct dso *loader, const char *name,
		       struct found *f)
{
	struct ldconf *c = &s->env->conf;
	int rc;

	if (ldconf_load(c, &s->env->root, s->env->debug) < 0)
		return -1;
	if (c->n)
		trace(s->env->debug, s->file, " search ld.so.conf directories (as ld.so.cache)");
	for (size_t i = 0; i < c->n; i++) {
		struct ldconf_dir *d = &c->dirs[i];
		char *path = dir_file(d->path, name);
		if (!path)
			return error(NULL, "out of memory");
		/* The usual case: a file (or ldconfig's link) named by the soname. */
		if ((rc = try_file(s, path, false, "ld.so.conf", f)) < 0)
			return -1;
		if (rc > 0 && !f->fatal) {
			char *sn = soname_of(NULL, f->host);
			bool match = sn && strcmp(sn, name) == 0;
			free(sn);
			if (match)
				goto hit;
			found_free(f);
		} else if (rc > 0) {
			found_free(f);
		}
		if (ldconf_index(d, &s->env->root, soname_of, NULL) < 0)
			return -1;
		for (size_t j = 0; j < d->n_ent; j++) {
			if (strcmp(d->ent[j].soname, name) != 0)
				continue;
			if (!(path = dir_file(d->path, d->ent[j].file)))
				return error(NULL, "out of memory");
			if ((rc = try_file(s, path, false, "ld.so.conf", f)) < 0)
				return -1;
			if (rc > 0 && !f->fatal)
				goto hit;
			if (rc > 0)
				found_free(f);
		}
		continue;
hit:
		if (loader->nodeflib && in_system_dir(&s->res->target, f->path)) {
			trace(s->env->debug, s->file, "  %s: in a default directory, and %s has "
			      "DF_1_NODEFLIB", f->path, loader->path);
			found_free(f);
			return 0;
		}
		return 1;
	}
	return 0;
}

/* sysdeps/.../dl-cache.h: _DL_CACHE_DEFAULT_ID, the flags of the
 * entries the target's loader takes besides plain FLAG_ELF (1). */
static int32_t cache_default_id(const struct ld_target *t)
{
	switch (t->machine) {
	case EM_ARM: return LDCACHE_FLAG_ELF_LIBC6
			    | (t->arm_hard ? LDCACHE_FLAG_ARM_LIBHF : LDCACHE_FLAG_ARM_LIBSF);
	case EM_AARCH64: return LDCACHE_FLAG_ELF_LIBC6 | LDCACHE_FLAG_AARCH64_LIB64;
	case EM_X86_64: return LDCACHE_FLAG_ELF_LIBC6 | (t->cls.is64 ? LDCACHE_FLAG_X8664_LIB64
							      : LDCACHE_FLAG_X8664_LIBX32);
	case EM_PPC64: return LDCACHE_FLAG_ELF_LIBC6 | 0x0500;
	case EM_S390: return LDCACHE_FLAG_ELF_LIBC6 | (t->cls.is64 ? 0x0400 : 0);
	case EM_RISCV: return LDCACHE_FLAG_ELF_LIBC6 | (t->cls.is64 ? 0x1000 : 0);
	default: return LDCACHE_FLAG_ELF_LIBC6;
	}
}

/* ROOT's ld.so.cache, read once; false when there is none (or it is
 * unusable, which ld.so ignores too). */
static bool have_cache(struct search *s)
{
	struct ld_env *env = s->env;

	if (env->cache_state == 0) {
		char *path = sysroot_path(&env->root, "/etc/ld.so.cache");
		int rc = path ? ldcache_load(&env->cache, path) : error(NULL, "out of memory");
		env->cache_state = rc == 0 ? 1 : -1;
		if (rc == 0)
			trace(env->debug, path, "the loader cache: %zu entries", env->cache.n);
		else
			trace(env->debug, path, "no loader cache: ld.so.conf's directories "
			      "are read instead");
		free(path);
	}
	return env->cache_state > 0;
}

/* _dl_load_cache_lookup(): the first entry for `name` whose flags the
 * target's loader takes.  glibc-hwcaps entries depend on the CPU that
 * runs the program: they are passed over, saying so. */
static int search_cache(struct search *s, const struct dso *loader, const char *name,
			struct found *f)
{
	const struct ldcache *c = &s->env->cache;
	int32_t id = cache_default_id(&s->res->target);
	int rc;

	trace(s->env->debug, s->file, " search cache=/etc/ld.so.cache");
	for (size_t i = 0; i < c->n; i++) {
		const struct ldcache_entry *e = &c->ent[i];
		if (strcmp(e->soname, name) != 0 || (e->flags != 1 && e->flags != id))
			continue;
		if (e->hwcaps >= 0 || e->hwcap) {
			trace(s->env->debug, s->file, "  %s: for CPUs with %s, not considered",
			      e->path, e->hwcaps >= 0 ? c->hwcaps[e->hwcaps] : "a legacy hwcap");
			continue;
		}
		if (loader->nodeflib && in_system_dir(&s->res->target, e->path)) {
			trace(s->env->debug, s->file, "  %s: in a default directory, and %s has "
			      "DF_1_NODEFLIB", e->path, loader->path);
			return 0;
		}
		char *path = strdup(e->path);
		if (!path)
			return error(NULL, "out of memory");
		if ((rc = try_file(s, path, false, "ld.so.cache", f)) < 0)
			return -1;
		if (rc > 0 && !f->fatal)
			return 1;
		if (rc > 0)
			found_free(f);
		return 0;
	}
	return 0;
}

/* _dl_map_object()'s search for a name without a slash. */
static int search_name(struct search *s, struct dso *loader, const char *name, struct found *f)
{
	struct ld_env *env = s->env;
	struct resolution *res = s->res;
	int rc;

	trace(env->debug, s->file, "find library=%s; needed by %s", name, loader->path);
	if (!loader->runpath)
		for (const struct dso *l = loader; l; l = l->loader)
			if (l->rpath && *l->rpath
			    && (rc = search_list(s, l, l->rpath, ":", "RPATH", name, f)) != 0)
				return rc;
	if (s->use_llp && env->library_path && *env->library_path
	    && (rc = search_list(s, res->main, env->library_path, ":;", "LD_LIBRARY_PATH",
				 name, f)) != 0)
		return rc;
	if (loader->runpath && *loader->runpath
	    && (rc = search_list(s, loader, loader->runpath, ":", "RUNPATH", name, f)) != 0)
		return rc;
	if ((rc = have_cache(s) ? search_cache(s, loader, name, f)
		  : search_conf(s, loader, name, f)) != 0)
		return rc;
	if (loader->nodeflib) {
		trace(env->debug, s->file, " %s has DF_1_NODEFLIB: no default directories",
		      loader->path);
		return 0;
	}
	trace(env->debug, s->file, " search default directories");
	for (size_t i = 0; i < res->target.n_dirs; i++) {
		char *path = dir_file(res->target.dirs[i], name);
		if (!path)
			return error(NULL, "out of memory");
		if ((rc = try_file(s, path, false, "default", f)) != 0)
			return rc;
	}
	return 0;
}

static bool name_matches(struct dso *d, const char *name)
{
	/* A missing interpreter still stands for the loader itself. */
	if (d->state != DSO_FOUND && !(d->is_interp && d->state == DSO_NOT_FOUND))
		return false;
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(d->names[i], name) == 0)
			return true;
	if (d->path && strcmp(d->path, name) == 0 && !d->is_main)
		return true;
	if (d->soname && strcmp(d->soname, name) == 0) {
		dso_add_name(d, name);
		return true;
	}
	return false;
}

static struct dso *find_loaded(struct resolution *res, const char *name)
{
	for (size_t i = 0; i < res->n_all; i++)
		if (name_matches(res->all[i], name))
			return res->all[i];
	return NULL;
}

/* _dl_map_object() for one DT_NEEDED of `loader`. */
struct dso *ld_map_object(struct search *s, struct dso *loader, const char *name)
{
	struct resolution *res = s->res;
	struct found f = { 0 };
	struct dso *d = find_loaded(res, name);
	int rc;

	if (d) {
		trace(s->env->debug, s->file, "%s: already loaded as %s", name, d->path);
		return d;
	}
	if (strchr(name, '/')) {
		/* A path: DSTs expanded, no search. */
		bool host, oom;
		char *p = expand(&res->target, loader, name, &host, &oom);
		rc = 0;
		if (p)
			rc = try_file(s, p, host, "path", &f);
		else if (oom)
			return NULL;
	} else {
		rc = search_name(s, loader, name, &f);
	}
	if (rc < 0)
		return NULL;
	if (rc > 0 && !f.fatal) {
		/* The same file under another name is the same object. */
		struct stat st;
		if (stat(f.host, &st) == 0)
			for (size_t i = 0; i < res->n_all; i++) {
				struct dso *o = res->all[i];
				if (o->state == DSO_FOUND && o->dev == st.st_dev && o->ino == st.st_ino) {
					trace(s->env->debug, s->file, "%s: %s is already loaded as %s",
					      name, f.path, o->path);
					found_free(&f);
					return dso_add_name(o, name) < 0 ? NULL : o;
				}
			}
	}
	if (!(d = dso_new(res, name, loader))) {
		found_free(&f);
		return NULL;
	}
	if (rc == 0) {
		d->state = DSO_NOT_FOUND;
		res->not_found++;
		return d;
	}
	d->path = f.path;
	d->host = f.host;
	d->via = f.via;
	d->host_side = f.host_side;
	if (f.fatal) {
		d->state = DSO_ERROR;
		d->error = strdup(f.fatal);
		res->errors++;
		return d;
	}
	if (dso_set_origin(d, d->path) < 0)
		return NULL;
	if (dso_load(d) < 0) {
		d->state = DSO_ERROR;
		d->error = strdup("not a usable ELF file");
		res->errors++;
		return d;
	}
	trace(s->env->debug, s->file, "%s => %s (%s)", name, d->path, d->via);
	return d;
}
