/* --install-missing DIR: the manual "copy the library into the root
 * filesystem, chmod, patchelf --set-rpath ''" steps as one command.
 *
 * What is missing is what the target's loader would not find in SYSROOT
 * alone; what gets copied is what it finds with --library-path as well.
 * Each round resolves both ways and installs, for every name not found,
 * the file that answered to it from outside SYSROOT; a library installed
 * this way may itself need more, so rounds go on until nothing changes.
 * The copy's RPATH/RUNPATH (a build machine's path, typically) is cleared
 * by main.c's own per-file chain, the code every edit goes through.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/scratch.h"
#include "deps/deps.h"

/* Every round installs at least one library or stops. */
#define MAX_ROUNDS 256

struct installer {
	struct ld_env *env;
	const struct options *o;
	const struct deps_hooks *h;
	const char *dir;            /* target directory */
	char *host_dir;
	char **done;                /* names installed so far */
	size_t n_done;
};

static bool was_installed(const struct installer *in, const char *name)
{
	for (size_t i = 0; i < in->n_done; i++)
		if (strcmp(in->done[i], name) == 0)
			return true;
	return false;
}

/* mkdir -p inside SYSROOT. */
static int make_dir(struct installer *in)
{
	char *t = strdup(in->dir);
	int rc = 0;

	if (!t)
		return error(NULL, "out of memory");
	for (char *p = t + 1; rc == 0; p++) {
		bool end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		char *h = sysroot_path(&in->env->root, t);
		if (!h) {
			rc = error(NULL, "out of memory");
		} else if (mkdir(h, 0755) < 0 && errno != EEXIST) {
			rc = error(h, "cannot create directory: %s", strerror(errno));
		}
		free(h);
		if (end)
			break;
		*p = '/';
	}
	free(t);
	if (rc == 0 && !(in->host_dir = sysroot_path(&in->env->root, in->dir)))
		rc = error(NULL, "out of memory");
	return rc;
}

/* A complete copy under a temporary name, edited there (by `e`, when
 * given), then renamed to DST by a rename that never replaces: an
 * interrupted install leaves no half or unedited library for the loader
 * to choke on, and whatever appeared at DST since install_one() found
 * nothing there (a link out of SYSROOT, a device) is left alone. */
static int copy_file(const struct installer *in, const char *src, const char *dst,
		     const char *target, mode_t mode, const struct options *e)
{
	char *tmp = malloc(strlen(dst) + 16);
	int rc = -1;

	if (!tmp)
		return error(NULL, "out of memory");
	sprintf(tmp, "%s.tmp-XXXXXX", dst);
	if (scratch_copy(src, tmp, mode, false) < 0)
		goto out;
	if (e && in->h->edit_file(tmp, e) < 0) {
		error(target, "could not be edited: not installed");
		unlink(tmp);
		goto out;
	}
	if (scratch_rename_new(tmp, dst) < 0) {
		error(dst, "cannot create: %s", strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

static int install_one(struct installer *in, const struct dso *d, const char *name)
{
	const struct options *o = in->o;
	char *dst = path_join(in->host_dir, name), *target = path_join(in->dir, name);
	bool strip = o->strip_debug || o->strip_all, has_rpath = d->rpath || d->runpath;
	bool edit = has_rpath || (strip && in->h->can_strip);
	struct options e = { 0 };
	struct stat st;
	int rc = -1;

	if (!dst || !target) {
		error(NULL, "out of memory");
		goto out;
	}
	/* lstat: whatever is there, even a link pointing out of SYSROOT or
	 * nowhere, is neither followed nor replaced. */
	if (lstat(dst, &st) == 0) {
		if (S_ISREG(st.st_mode))
			error(target, "already exists in %s but the target's loader does not find "
			      "it there for %s (is %s on its search path?)", in->env->root.given,
			      d->loader ? d->loader->path : name, in->dir);
		else
			error(target, "in %s, a %s is in the way: not replaced",
			      in->env->root.given,
			      S_ISLNK(st.st_mode) ? "symbolic link" : "file of another type");
		goto out;
	}
	if (o->dry_run) {
		printf("would install %s -> %s (from %s, %llu bytes%s)\n", name, target, d->host,
		       (unsigned long long)d->size, has_rpath ? "; RPATH cleared" : "");
		rc = 0;
		goto out;
	}
	/* The copy is edited by the same chain as any FILE: clear RPATH
	 * (the entry stays, empty: ld.so ignores an empty one), strip. */
	e.debug = o->debug;
	if (has_rpath) {
		e.rpath_op = RPATH_SET;
		e.rpath_arg = "";
	}
	if (strip && in->h->can_strip) {
		e.strip_debug = o->strip_debug;
		e.strip_all = o->strip_all;
	}
	if (stat(d->host, &st) < 0 || copy_file(in, d->host, dst, target,
						(st.st_mode & 0777) | 0644, edit ? &e : NULL) < 0)
		goto out;
	if (stat(dst, &st) < 0)
		st.st_size = 0;
	printf("installed %s -> %s (from %s, %llu bytes", name, target, d->host,
	       (unsigned long long)st.st_size);
	if (has_rpath)
		printf("; %s cleared", d->runpath ? "RUNPATH" : "RPATH");
	if (strip)
		printf(in->h->can_strip ? "; stripped" : "; not stripped: this build cannot strip");
	printf(")\n");
	char **nd = realloc(in->done, (in->n_done + 1) * sizeof(*nd));
	if (!nd || !(nd[in->n_done] = strdup(name))) {
		free(nd == in->done ? NULL : nd);
		error(NULL, "out of memory");
		goto out;
	}
	in->done = nd;
	in->n_done++;
	rc = 1;
out:
	free(dst);
	free(target);
	return rc;
}

/* The object of `with` that answers to `name` (what the loader used). */
static const struct dso *answer(const struct resolution *with, const char *name)
{
	for (size_t i = 0; i < with->n; i++) {
		const struct dso *d = with->objs[i];
		if (d->state != DSO_FOUND || d->is_main)
			continue;
		if (strcmp(d->name, name) == 0 || (d->soname && strcmp(d->soname, name) == 0))
			return d;
		for (size_t j = 0; j < d->n_names; j++)
			if (strcmp(d->names[j], name) == 0)
				return d;
	}
	return NULL;
}

/* One round for FILE: 1 when something was installed, 0 when nothing
 * (more) can be, -1 on an error. */
static int round_for(struct installer *in, const char *file, const struct resolution *alone)
{
	struct resolution with;
	int rc = 0;

	if (resolve(in->env, file, true, &with) < 0) {
		resolution_free(&with);
		return -1;
	}
	for (size_t i = 0; i < alone->n && rc >= 0; i++) {
		const struct dso *miss = alone->objs[i];
		if (miss->state != DSO_NOT_FOUND || miss->is_interp)
			continue;
		if (was_installed(in, miss->name)) {
			error(file, "%s was installed into %s, but the target's loader does not look "
			      "for it there (add the directory to etc/ld.so.conf, or remove the copy)",
			      miss->name, in->dir);
			rc = -1;
			break;
		}
		const struct dso *d = answer(&with, miss->name);
		if (!d || !d->host_side)
			continue;
		if (strchr(miss->name, '/')) {
			error(file, "%s: not a library name but a path: not installed", miss->name);
			continue;
		}
		int r = install_one(in, d, miss->name);
		if (r < 0)
			rc = -1;
		else if (r > 0)
			rc = 1;
	}
	resolution_free(&with);
	return rc;
}

static int install_for(struct installer *in, const char *file)
{
	struct resolution alone;
	int rc = 0;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		if (resolve(in->env, file, false, &alone) < 0) {
			resolution_free(&alone);
			return -1;
		}
		if (alone.not_found == 0 || in->o->dry_run) {
			if (in->o->dry_run)
				rc = round_for(in, file, &alone);
			break;
		}
		rc = round_for(in, file, &alone);
		resolution_free(&alone);
		if (rc <= 0)
			break;
	}
	if (rc < 0) {
		resolution_free(&alone);
		return -1;
	}
	/* What is still missing after the last round. */
	resolution_free(&alone);
	if (resolve(in->env, file, false, &alone) < 0) {
		resolution_free(&alone);
		return -1;
	}
	rc = 0;
	for (size_t i = 0; i < alone.n; i++) {
		const struct dso *d = alone.objs[i];
		if (d->state == DSO_NOT_FOUND && !in->o->dry_run) {
			error(file, "%s: not found in %s%s", d->name, in->env->root.given,
			      in->env->library_path ? " nor on --library-path" : "");
			rc = 1;
		} else if (d->state == DSO_ERROR && !in->o->dry_run) {
			/* What the loader finds and cannot use is not replaced. */
			error(file, "%s: %s in %s is not usable (%s): not replaced", d->name,
			      d->path, in->env->root.given, d->error);
			rc = 1;
		}
	}
	resolution_free(&alone);
	return rc;
}

int deps_install(struct ld_env *env, const struct options *o, const struct deps_hooks *h)
{
	struct installer in = { env, o, h, NULL, NULL, NULL, 0 };
	char *dir = NULL;
	int worst = 0;

	if (o->install_missing[0] != '/') {
		dir = path_join("/", o->install_missing);
	} else {
		dir = strdup(o->install_missing);
	}
	if (!dir)
		return error(NULL, "out of memory");
	in.dir = dir;
	if ((o->strip_debug || o->strip_all) && !h->can_strip)
		warning(NULL, "this build of elfpatch cannot strip yet: libraries are installed "
			"unstripped");
	if (!o->dry_run && make_dir(&in) < 0) {
		free(dir);
		return -1;
	}
	if (o->dry_run && !(in.host_dir = sysroot_path(&env->root, dir))) {
		free(dir);
		return error(NULL, "out of memory");
	}
	for (size_t i = 0; i < o->n_files; i++) {
		int rc = install_for(&in, o->files[i]);
		if (rc < 0 || (rc > 0 && worst == 0))
			worst = rc;
	}
	if (in.n_done == 0 && !o->dry_run)
		printf("nothing to install\n");
	for (size_t i = 0; i < in.n_done; i++)
		free(in.done[i]);
	free(in.done);
	free(in.host_dir);
	free(dir);
	return worst;
}
