#include <config.h>

#include "deps/ldconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/diag.h"

/* Nested includes deeper than this are a loop (ldconfig has no limit and
 * would recurse until it runs out of stack). */
#define MAX_DEPTH 16

struct conf_ctx {
	struct ldconf *c;
	const struct sysroot *r;
	bool debug;
	int depth;
};

/* ldconfig's add_dir_1(): canonify, stat, keep the first of each inode. */
static int add_dir(struct conf_ctx *x, char *line, const char *file, unsigned lineno)
{
	char *eq = strchr(line, '=');
	size_t n;
	struct stat st;

	if (eq) {
		trace(x->debug, file, "line %u: ignoring library type '%s'", lineno, eq + 1);
		*eq = '\0';
	}
	n = strlen(line);
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	while (n > 1 && line[n - 1] == '/')
		line[--n] = '\0';
	if (n == 0)
		return 0;
	char *host = sysroot_path(x->r, line);
	if (!host)
		return error(NULL, "out of memory");
	int rc = stat(host, &st);
	free(host);
	if (rc < 0) {
		trace(x->debug, file, "line %u: no directory '%s'", lineno, line);
		return 0;
	}
	for (size_t i = 0; i < x->c->n; i++)
		if (x->c->dirs[i].dev == st.st_dev && x->c->dirs[i].ino == st.st_ino)
			return 0;
	struct ldconf_dir *d = realloc(x->c->dirs, (x->c->n + 1) * sizeof(*d));
	if (!d)
		return error(NULL, "out of memory");
	x->c->dirs = d;
	d = &d[x->c->n];
	*d = (struct ldconf_dir){ .path = strdup(line), .dev = st.st_dev, .ino = st.st_ino };
	if (!d->path)
		return error(NULL, "out of memory");
	x->c->n++;
	trace(x->debug, file, "line %u: library directory '%s'", lineno, line);
	return 0;
}

static int parse_conf(struct conf_ctx *x, const char *target);

/* The pattern's directory part is resolved inside SYSROOT (links and
 * all, as ldconfig's chroot_canon() does), then glob(3) matches. */
static int include(struct conf_ctx *x, const char *from, const char *pattern)
{
	char *pat = NULL, *dir = NULL, *hostdir = NULL, *hostpat = NULL;
	glob_t gl = { 0 };
	int rc = -1;

	if (pattern[0] != '/') {
		const char *slash = strrchr(from, '/');
		size_t n = slash ? (size_t)(slash - from) : 0;
		pat = malloc(n + 1 + strlen(pattern) + 1);
		if (pat)
			sprintf(pat, "%.*s/%s", (int)n, from, pattern);
	} else {
		pat = strdup(pattern);
	}
	if (!pat)
		goto oom;
	char *slash = strrchr(pat, '/');
	dir = strndup(pat, (size_t)(slash - pat));
	if (!dir)
		goto oom;
	hostdir = sysroot_path(x->r, dir[0] ? dir : "/");
	if (!hostdir)
		goto oom;
	hostpat = malloc(strlen(hostdir) + strlen(slash) + 1);
	if (!hostpat)
		goto oom;
	sprintf(hostpat, "%s%s", strcmp(hostdir, "/") == 0 ? "" : hostdir, slash);
	int g = glob(hostpat, 0, NULL, &gl);
	if (g == GLOB_NOSPACE)
		goto oom;
	rc = 0;
	for (size_t i = 0; g == 0 && i < gl.gl_pathc && rc == 0; i++) {
		/* Back to a target path: the host directory was resolved
		 * inside SYSROOT, so every match starts with it. */
		const char *m = gl.gl_pathv[i];
		size_t n = strlen(x->r->host);
		if (strncmp(m, x->r->host, n) != 0 || (n && m[n] != '/'))
			continue;
		rc = parse_conf(x, m + n);
	}
	goto out;
oom:
	rc = error(NULL, "out of memory");
out:
	if (gl.gl_pathv)
		globfree(&gl);
	free(pat);
	free(dir);
	free(hostdir);
	free(hostpat);
	return rc;
}

static int parse_line(struct conf_ctx *x, char *line, const char *file, unsigned lineno)
{
	char *cp = line, *word;

	*strchrnul(line, '#') = '\0';
	while (isspace((unsigned char)*cp))
		cp++;
	if (!*cp)
		return 0;
	if (strncmp(cp, "include", 7) == 0 && (cp[7] == ' ' || cp[7] == '\t')) {
		cp += 8;
		while ((word = strsep(&cp, " \t")) != NULL)
			if (*word && include(x, file, word) < 0)
				return -1;
		return 0;
	}
	if (strncasecmp(cp, "hwcap", 5) == 0 && (cp[5] == ' ' || cp[5] == '\t')) {
		trace(x->debug, file, "line %u: hwcap directive ignored", lineno);
		return 0;
	}
	return add_dir(x, cp, file, lineno);
}

static int parse_conf(struct conf_ctx *x, const char *target)
{
	char *host = sysroot_path(x->r, target), *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t n;
	int rc = 0;
	FILE *f;

	if (!host)
		return error(NULL, "out of memory");
	if (x->depth >= MAX_DEPTH) {
		warning(host, "ignoring configuration file: includes nested too deep");
		free(host);
		return 0;
	}
	f = fopen(host, "r");
	if (!f) {
		if (errno != ENOENT)
			warning(host, "ignoring configuration file that cannot be opened: %s",
				strerror(errno));
		free(host);
		return 0;
	}
	trace(x->debug, host, "reading loader configuration");
	x->depth++;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		rc = parse_line(x, line, target, lineno);
	}
	x->depth--;
	free(line);
	fclose(f);
	free(host);
	return rc;
}

int ldconf_load(struct ldconf *c, const struct sysroot *r, bool debug)
{
	struct conf_ctx x = { c, r, debug, 0 };

	if (c->loaded)
		return 0;
	c->loaded = true;
	return parse_conf(&x, "/etc/ld.so.conf");
}

int ldconf_libcmp(const char *p1, const char *p2)
{
	while (*p1 != '\0') {
		if (isdigit((unsigned char)*p1)) {
			if (!isdigit((unsigned char)*p2))
				return 1;
			unsigned long v1 = 0, v2 = 0;
			while (isdigit((unsigned char)*p1))
				v1 = v1 * 10 + (unsigned long)(*p1++ - '0');
			while (isdigit((unsigned char)*p2))
				v2 = v2 * 10 + (unsigned long)(*p2++ - '0');
			if (v1 != v2)
				return v1 < v2 ? -1 : 1;
		} else if (isdigit((unsigned char)*p2)) {
			return -1;
		} else if (*p1 != *p2) {
			return (unsigned char)*p1 - (unsigned char)*p2;
		} else {
			p1++;
			p2++;
		}
	}
	return (unsigned char)*p1 - (unsigned char)*p2;
}

/* ldconfig's _dl_is_dso(). */
static bool looks_like_library(const char *name)
{
	return (strncmp(name, "lib", 3) == 0 || strncmp(name, "ld-", 3) == 0)
	       && strstr(name, ".so") != NULL;
}

/* ldconfig keeps, per soname, a file before a link, else the newer name. */
static int entry_order(const void *a, const void *b)
{
	const struct soname_entry *x = a, *y = b;
	int c = strcmp(x->soname, y->soname);

	if (c)
		return c;
	if (x->is_link != y->is_link)
		return x->is_link ? 1 : -1;
	return -ldconf_libcmp(x->file, y->file);
}

int ldconf_index(struct ldconf_dir *d, const struct sysroot *r, ldconf_soname_fn *fn, void *ctx)
{
	char *host = sysroot_path(r, d->path);
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int rc = 0;

	if (d->indexed) {
		free(host);
		return 0;
	}
	d->indexed = true;
	if (!host)
		return error(NULL, "out of memory");
	dir = opendir(host);
	while (dir && rc == 0 && (de = readdir(dir)) != NULL) {
		if (!looks_like_library(de->d_name))
			continue;
		char *file = path_join(host, de->d_name);
		if (!file) {
			rc = error(NULL, "out of memory");
			break;
		}
		bool link = lstat(file, &st) == 0 && S_ISLNK(st.st_mode);
		char *soname = stat(file, &st) == 0 && S_ISREG(st.st_mode) ? fn(ctx, file) : NULL;
		free(file);
		if (!soname)
			continue;
		struct soname_entry *e = realloc(d->ent, (d->n_ent + 1) * sizeof(*e));
		if (!e) {
			free(soname);
			rc = error(NULL, "out of memory");
			break;
		}
		d->ent = e;
		e[d->n_ent] = (struct soname_entry){ soname, strdup(de->d_name), link };
		if (!e[d->n_ent].file) {
			free(soname);
			rc = error(NULL, "out of memory");
			break;
		}
		d->n_ent++;
	}
	if (dir)
		closedir(dir);
	free(host);
	if (d->n_ent)
		qsort(d->ent, d->n_ent, sizeof(*d->ent), entry_order);
	return rc;
}

void ldconf_free(struct ldconf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->dirs[i].n_ent; j++) {
			free(c->dirs[i].ent[j].soname);
			free(c->dirs[i].ent[j].file);
		}
		free(c->dirs[i].ent);
		free(c->dirs[i].path);
	}
	free(c->dirs);
	c->dirs = NULL;
	c->n = 0;
	c->loaded = false;
}
