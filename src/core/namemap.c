/* The --rename-dynamic-symbols map file (namemap.h says what is read). */
#include <config.h>

#include "core/namemap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

struct line_pair {
	struct name_pair p;
	unsigned line;
};

static int read_all(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf;

	if (!f)
		return error(path, "cannot open: %s", strerror(errno));
	buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n + 1 < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb)
			free(buf);
		buf = nb;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!buf)
		return error(path, "out of memory");
	if (bad) {
		free(buf);
		return error(path, "cannot read: %s", strerror(EIO));
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next blank-separated word of the line at *s (NUL-terminated in
 * place), or NULL at its end. */
static char *word(char **s)
{
	char *p = *s, *w;

	while (blank(*p))
		p++;
	if (!*p)
		return NULL;
	w = p;
	while (*p && !blank(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return w;
}

static int line_error(const char *path, unsigned line, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int line_error(const char *path, unsigned line, const char *fmt, ...)
{
	char where[4096], msg[1024];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%u", path, line);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error(where, "%s", msg);
}

/* One line: nothing (blank), or a pair appended to `v`. */
static int parse_line(const char *path, unsigned line, char *s, struct line_pair *v, size_t *n)
{
	char *from = word(&s), *to, *extra;

	if (!from)
		return 0;
	to = word(&s);
	extra = word(&s);
	if (!to)
		return line_error(path, line, "'%s' has no new name", from);
	if (extra)
		return line_error(path, line, "more than two names (\"%s\" after \"%s\")", extra,
				  to);
	if (strchr(from, '@') || strchr(to, '@'))
		return line_error(path, line, "\"%s %s\": a name with a version (@); give the "
				  "symbol's name alone", from, to);
	v[(*n)++] = (struct line_pair){ { from, to }, line };
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct line_pair *x = a, *y = b;
	int c = strcmp(x->p.from, y->p.from);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int parse(const char *path, char *text, size_t len, struct line_pair *v, size_t *n)
{
	unsigned line = 0;

	if (memchr(text, '\0', len))
		return error(path, "not a text file (it holds a NUL byte)");
	for (char *s = text; s; ) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (parse_line(path, ++line, s, v, n) < 0)
			return -1;
		s = nl ? nl + 1 : NULL;
	}
	qsort(v, *n, sizeof(*v), by_name);
	for (size_t i = 1; i < *n; i++)
		if (strcmp(v[i].p.from, v[i - 1].p.from) == 0) {
			return line_error(path, v[i].line, "'%s' is renamed twice (first on line %u)",
					  v[i].p.from, v[i - 1].line);
		}
	return 0;
}

int namemap_load(const char *path, struct name_map *m)
{
	size_t len = 0, n = 0;
	char *text = NULL;
	struct line_pair *v;

	memset(m, 0, sizeof(*m));
	if (read_all(path, &text, &len) < 0)
		return -1;
	/* At most one pair per line, and a line takes at least 4 bytes. */
	v = calloc(len / 4 + 1, sizeof(*v));
	if (!v) {
		free(text);
		return error(path, "out of memory");
	}
	int rc = parse(path, text, len, v, &n);
	if (rc == 0 && n && !(m->pairs = calloc(n, sizeof(*m->pairs))))
		rc = error(path, "out of memory");
	if (rc < 0) {
		free(v);
		free(text);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		m->pairs[i] = v[i].p;
	free(v);
	m->n = n;
	m->text = text;
	return 0;
}

void namemap_free(struct name_map *m)
{
	free(m->pairs);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

static int find_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct name_pair *)elem)->from);
}

const struct name_pair *namemap_find(const struct name_map *m, const char *old)
{
	if (!m->n)
		return NULL;
	return bsearch(old, m->pairs, m->n, sizeof(*m->pairs), find_cmp);
}
