#include <config.h>

#include "edit/rpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "core/strbuf.h"

static int sb_entry(struct strbuf *b, const char *s, size_t n)
{
	if (b->len && strbuf_add(b, ":", 1) < 0)
		return -1;
	return strbuf_add(b, s, n);
}

static char *sb_finish(struct strbuf *b)
{
	if (!b->s && strbuf_add(b, "", 0) < 0)
		return NULL;
	return b->s;
}

char *rpath_add(const char *cur, const char *add)
{
	struct strbuf b = { 0 };

	if ((cur && *cur && sb_entry(&b, cur, strlen(cur)) < 0) || sb_entry(&b, add, strlen(add)) < 0) {
		free(b.s);
		error(NULL, "out of memory");
		return NULL;
	}
	return sb_finish(&b);
}

/* A candidate library is usable only if ld.so would accept it: same class,
 * byte order and machine, and for ARM the same float ABI (glibc checks
 * EF_ARM_ABI_FLOAT_HARD). */
static bool library_matches(const struct elf_image *img, const char *path)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	struct elf_class c = img->cls;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < (ssize_t)ehdr_size(c) || memcmp(h, ELFMAG, SELFMAG) != 0
	    || h[EI_CLASS] != img->eh.ident[EI_CLASS] || h[EI_DATA] != img->eh.ident[EI_DATA])
		return false;
	struct xehdr e;
	ehdr_decode(c, h, &e);
	if (e.machine != img->eh.machine)
		return false;
	if (e.machine == EM_ARM
	    && ((e.flags ^ img->eh.flags) & (EF_ARM_ABI_FLOAT_HARD | EF_ARM_ABI_FLOAT_SOFT)))
		return false;
	return true;
}

/* True when `dir` holds a needed library not found in an earlier one. */
static bool dir_serves(const struct rpath_ctx *c, const char *dir, bool *found)
{
	bool any = false;
	char path[PATH_MAX];

	for (size_t j = 0; j < c->n_needed; j++) {
		if (found[j])
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, c->needed[j]) >= sizeof(path))
			continue;
		if (library_matches(c->img, path)) {
			found[j] = any = true;
		} else if (access(path, F_OK) == 0) {
			trace(c->debug, c->img->path, "ignoring '%s': wrong class, machine or ABI", path);
		}
	}
	return any;
}

static bool has_allowed_prefix(const char *dir, const char *prefixes)
{
	const char *p = prefixes;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n && strncmp(dir, p, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

char *rpath_shrink(const struct rpath_ctx *c, const char *cur, const char *allowed)
{
	struct strbuf b = { 0 };
	bool *found = calloc(c->n_needed + 1, sizeof(*found));
	char dir[PATH_MAX];

	if (!found)
		goto oom;
	for (const char *p = cur; p; ) {
		const char *start = p, *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		p = end ? end + 1 : NULL;
		if (n == 0 || n >= sizeof(dir))
			continue;
		memcpy(dir, start, n);
		dir[n] = '\0';
		/* Relative entries ($ORIGIN...) are kept, as patchelf does. */
		if (dir[0] != '/') {
			if (sb_entry(&b, dir, n) < 0)
				goto oom;
			continue;
		}
		if (allowed && !has_allowed_prefix(dir, allowed)) {
			trace(c->debug, c->img->path, "removing '%s': not an allowed prefix", dir);
			continue;
		}
		if (!dir_serves(c, dir, found)) {
			trace(c->debug, c->img->path, "removing '%s': holds no needed library", dir);
			continue;
		}
		if (sb_entry(&b, dir, n) < 0)
			goto oom;
	}
	free(found);
	return sb_finish(&b);
oom:
	free(found);
	free(b.s);
	error(NULL, "out of memory");
	return NULL;
}

/* ---- --make-rpath-relative --------------------------------------------- */

/* Buildroot's patched patchelf (package/patchelf/0001-Add-option-to-make-
 * the-rpath-relative-under-a-specif.patch, used by support/scripts/
 * fix-rpath), entry by entry: an entry that names a directory of the
 * target tree ROOTDIR (see locate_entry()) stays, as the path it has on
 * the target ("/usr/lib"), or with --relative-to-file as "$ORIGIN/..."
 * from the file's own directory; every other entry (a build tree, the
 * host, nowhere) goes; with --no-standard-lib-dirs, /lib and /usr/lib go
 * too.  A directory stays whether or not it holds a needed library:
 * dlopen() searches it as well (Buildroot dropped that test in 2019).
 * On purpose unlike Buildroot: paths are normalised as text, not through
 * realpath(), whose symbolic links in a target tree lead into the build
 * machine's own /usr/lib; an entry that leads outside ROOTDIR goes
 * (Buildroot keeps a mangled tail of it); a root given with a trailing
 * slash works (Buildroot then writes relative paths: "usr/lib"). */
struct relative_how {
	char *root, *filedir;        /* real paths */
	bool no_std, to_file;
};

/* Lexical normalisation of an absolute path: no ".", "..", or "//". */
static void normalize(char *path)
{
	char *out = path, *in = path;

	while (*in) {
		while (*in == '/')
			in++;
		char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t n = (size_t)(in - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

static bool under(const char *path, const char *root, const char **rest)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0) {
		*rest = path + 1;
		return true;
	}
	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return false;
	*rest = path[n] ? path + n + 1 : path + n;
	return true;
}

/* "$ORIGIN/<relative path from `from` to `to`>" for normalized paths. */
static int origin_relative(struct strbuf *b, const char *from, const char *to)
{
	size_t common = 0, i = 0;

	for (;; i++) {
		bool ef = from[i] == '\0' || from[i] == '/', et = to[i] == '\0' || to[i] == '/';
		if (ef && et)
			common = i;
		if (from[i] != to[i] || from[i] == '\0')
			break;
	}
	if (strbuf_add(b, "$ORIGIN", 7) < 0)
		return -1;
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && strbuf_add(b, "/..", 3) < 0)
			return -1;
	if (to[common] && strbuf_add(b, to + common, strlen(to + common)) < 0)
		return -1;
	return 0;
}

/* "$ORIGIN" or "${ORIGIN}", alone or before a slash: the rest, or NULL. */
static const char *origin_rest(const char *entry)
{
	const char *rest = NULL;

	if (strncmp(entry, "$ORIGIN", 7) == 0)
		rest = entry + 7;
	else if (strncmp(entry, "${ORIGIN}", 9) == 0)
		rest = entry + 9;
	return rest && (*rest == '/' || *rest == '\0') ? rest : NULL;
}

/* Where an entry lies in the build machine's view of the target tree:
 * $ORIGIN from the file's directory, an absolute path under ROOTDIR as it
 * is, any other absolute path as a path on the target (ROOTDIR/path).
 * False when it names nothing there (a relative entry, or one outside
 * ROOTDIR or not a directory); `rest` is then the path below ROOTDIR. */
static bool locate_entry(const char *entry, const char *root, const char *filedir, char *abs,
			 size_t size, const char **rest)
{
	const char *orest = origin_rest(entry);
	struct stat st;
	int n;

	if (orest) {
		n = snprintf(abs, size, "%s/%s", filedir, orest);
	} else if (entry[0] == '/') {
		n = snprintf(abs, size, "%s", entry);
		normalize(abs);
		if (!under(abs, root, rest))
			n = snprintf(abs, size, "%s/%s", root, entry);
	} else {
		return false;
	}
	if (n < 0 || (size_t)n >= size)
		return false;
	normalize(abs);
	return under(abs, root, rest) && stat(abs, &st) == 0 && S_ISDIR(st.st_mode);
}

static int relative_entry(const struct rpath_ctx *c, struct strbuf *b, const char *entry,
			  const struct relative_how *how)
{
	char abs[PATH_MAX * 2];
	const char *rest;

	if (!locate_entry(entry, how->root, how->filedir, abs, sizeof(abs), &rest)) {
		trace(c->debug, c->img->path, "removing '%s': not a directory in the root directory",
		      entry);
		return 0;
	}
	if (how->no_std && (strcmp(rest, "lib") == 0 || strcmp(rest, "usr/lib") == 0)) {
		trace(c->debug, c->img->path, "removing '%s': a standard library directory", entry);
		return 0;
	}
	if (b->len && strbuf_add(b, ":", 1) < 0)
		return -1;
	if (how->to_file)
		return origin_relative(b, how->filedir, abs);
	/* The path on the target: ROOTDIR/usr/lib is /usr/lib there. */
	return strbuf_add(b, "/", 1) < 0 ? -1 : strbuf_add(b, rest, strlen(rest));
}

static char *real_dir_of(const char *file)
{
	char *real = realpath(file, NULL);

	if (!real)
		return NULL;
	char *slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	return real;
}

char *rpath_relative(const struct rpath_ctx *c, const char *cur, const char *root_dir,
		     bool no_std, bool to_file)
{
	struct strbuf b = { 0 };
	struct relative_how how = { realpath(root_dir, NULL), real_dir_of(c->img->path), no_std,
				    to_file };
	char *copy = strdup(cur), *save = NULL;
	const char *rest;
	char *result = NULL;

	if (!how.root) {
		error(root_dir, "cannot resolve root directory: %s", strerror(errno));
		goto out;
	}
	if (!how.filedir || !copy) {
		error(c->img->path, "cannot resolve the file's directory");
		goto out;
	}
	if (to_file && !under(how.filedir, how.root, &rest)) {
		error(c->img->path, "file is not under the root directory '%s'", root_dir);
		goto out;
	}
	for (char *e = strtok_r(copy, ":", &save); e; e = strtok_r(NULL, ":", &save))
		if (relative_entry(c, &b, e, &how) < 0) {
			error(NULL, "out of memory");
			goto out;
		}
	result = sb_finish(&b);
	b.s = NULL;
out:
	free(b.s);
	free(how.root);
	free(how.filedir);
	free(copy);
	return result;
}
