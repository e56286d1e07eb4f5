#include <config.h>

#include "deps/sysroot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"

/* Linux gives up after 40 links (ELOOP); so do we. */
#define MAX_LINKS 40

int sysroot_init(struct sysroot *r, const char *dir)
{
	struct stat st;

	r->given = strdup(dir ? dir : "/");
	r->host = NULL;
	if (!r->given)
		return error(NULL, "out of memory");
	if (!dir || strcmp(dir, "/") == 0) {
		r->host = strdup("");
	} else {
		if (stat(dir, &st) < 0)
			return error(dir, "cannot use as root directory: %s", strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return error(dir, "root is not a directory");
		r->host = realpath(dir, NULL);
		if (!r->host)
			return error(dir, "cannot resolve root directory: %s", strerror(errno));
		if (strcmp(r->host, "/") == 0)
			r->host[0] = '\0';
	}
	if (!r->host)
		return error(NULL, "out of memory");
	return 0;
}

void sysroot_free(struct sysroot *r)
{
	free(r->host);
	free(r->given);
	r->host = r->given = NULL;
}

char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s = malloc(a + b + 2);

	if (!s)
		return NULL;
	memcpy(s, dir, a);
	if (a == 0 || dir[a - 1] != '/')
		s[a++] = '/';
	memcpy(s + a, name, b + 1);
	return s;
}

/* A growable string of path components still to walk: we pop from the
 * front and push a link's target in front of what is left. */
struct todo {
	char *s;
	size_t off;
};

static int todo_push_front(struct todo *t, const char *front)
{
	size_t rest = strlen(t->s + t->off), n = strlen(front);
	char *s = malloc(n + 1 + rest + 1);

	if (!s)
		return -1;
	memcpy(s, front, n);
	s[n] = '/';
	memcpy(s + n + 1, t->s + t->off, rest + 1);
	free(t->s);
	t->s = s;
	t->off = 0;
	return 0;
}

/* Next component (NUL-terminated copy in `comp`); false at the end. */
static bool todo_pop(struct todo *t, char *comp, size_t size)
{
	const char *p = t->s + t->off;

	while (*p == '/')
		p++;
	if (!*p) {
		t->off = (size_t)(p - t->s);
		return false;
	}
	size_t n = strcspn(p, "/");
	if (n >= size)
		n = size - 1;
	memcpy(comp, p, n);
	comp[n] = '\0';
	t->off = (size_t)(p - t->s) + strcspn(p, "/");
	return true;
}

/* Resolves `target` inside the root: returns the canonical target path
 * (malloc'd), or NULL when out of memory.  A component that does not
 * exist ends the walk; the rest is appended as it is. */
static char *walk(const char *root, const char *target)
{
	struct todo t = { strdup(target), 0 };
	char res[PATH_MAX] = "", comp[NAME_MAX + 1], host[PATH_MAX * 2], link[PATH_MAX];
	size_t len = 0;
	int links = 0;
	struct stat st;

	if (!t.s)
		return NULL;
	while (todo_pop(&t, comp, sizeof(comp))) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			while (len > 0 && res[--len] != '/')
				;
			res[len] = '\0';
			continue;
		}
		if (len + 1 + strlen(comp) >= sizeof(res)) {
			free(t.s);
			return strdup(target);
		}
		size_t old = len;
		res[len++] = '/';
		strcpy(res + len, comp);
		len += strlen(comp);
		snprintf(host, sizeof(host), "%s%s", root, res);
		if (lstat(host, &st) < 0)
			break;
		if (!S_ISLNK(st.st_mode))
			continue;
		ssize_t n = readlink(host, link, sizeof(link) - 1);
		if (n < 0 || ++links > MAX_LINKS)
			break;
		link[n] = '\0';
		len = link[0] == '/' ? 0 : old;
		res[len] = '\0';
		if (todo_push_front(&t, link) < 0) {
			free(t.s);
			return NULL;
		}
	}
	/* What could not be walked stays as it is (open() will say why). */
	const char *rest = t.s + t.off;
	while (*rest == '/' && rest[1] == '/')
		rest++;
	size_t rl = strlen(rest);
	char *out = malloc(len + rl + 2);
	if (out) {
		memcpy(out, res, len);
		memcpy(out + len, rest, rl + 1);
		if (!out[0])
			strcpy(out, "/");
	}
	free(t.s);
	return out;
}

char *sysroot_path(const struct sysroot *r, const char *target)
{
	if (sysroot_is_host(r))
		return strdup(target);
	char *t = walk(r->host, target);
	if (!t)
		return NULL;
	char *h = malloc(strlen(r->host) + strlen(t) + 1);
	if (h) {
		strcpy(h, r->host);
		strcat(h, strcmp(t, "/") == 0 ? "" : t);
		if (!h[0])
			strcpy(h, "/");
	}
	free(t);
	return h;
}

/* `path` made absolute against the working directory, without resolving
 * anything (the root-relative walk does that). */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return path_join(cwd, path);
}

static const char *under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path + n;
}

char *sysroot_target_of(const struct sysroot *r, const char *host)
{
	char *abs = absolute(host), *res = NULL;
	const char *rest;

	if (!abs)
		return NULL;
	if (sysroot_is_host(r)) {
		res = realpath(abs, NULL);
		free(abs);
		return res;
	}
	/* Lexically under SYSROOT: resolve the rest inside it (links in a
	 * root filesystem point into that filesystem). */
	if ((rest = under(abs, r->host)) != NULL) {
		res = walk(r->host, *rest ? rest : "/");
	} else {
		char *real = realpath(abs, NULL);
		if (real && (rest = under(real, r->host)) != NULL)
			res = strdup(*rest ? rest : "/");
		free(real);
	}
	free(abs);
	return res;
}
