/* A string table built from scratch (.shstrtab, a compacted .strtab). */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

long strbuild_add(struct strbuild *sb, const char *str)
{
	if (sb->n == sb->cap) {
		size_t cap = sb->cap ? 2 * sb->cap : 64;
		struct sbent *e = realloc(sb->e, cap * sizeof(*e));
		if (!e)
			return -1;
		sb->e = e;
		sb->cap = cap;
	}
	sb->e[sb->n] = (struct sbent){ str, strlen(str), 0 };
	return (long)sb->n++;
}

/* Descending order of the reversed strings puts each string right after
 * the nearest one it is a suffix of. */
static int cmp_reversed(const void *a, const void *b)
{
	const struct sbent *x = *(const struct sbent *const *)a, *y = *(const struct sbent *const *)b;
	size_t i = x->len, j = y->len;

	while (i && j) {
		unsigned char cx = (unsigned char)x->s[--i], cy = (unsigned char)y->s[--j];
		if (cx != cy)
			return cx < cy ? 1 : -1;
	}
	return i == j ? 0 : (i ? -1 : 1);
}

int strbuild_finish(struct strbuild *sb)
{
	struct sbent **ord = calloc(sb->n ? sb->n : 1, sizeof(*ord));
	const struct sbent *prev = NULL;
	uint64_t size = 1;

	if (!ord)
		return -1;
	for (size_t i = 0; i < sb->n; i++)
		ord[i] = &sb->e[i];
	qsort(ord, sb->n, sizeof(*ord), cmp_reversed);
	for (size_t i = 0; i < sb->n; i++) {
		struct sbent *e = ord[i];
		if (e->len == 0)
			e->off = 0;
		else if (prev && prev->len >= e->len
			 && memcmp(prev->s + prev->len - e->len, e->s, e->len) == 0)
			e->off = prev->off + prev->len - e->len;
		else {
			e->off = size;
			size += e->len + 1;
			prev = e;
		}
	}
	sb->buf = calloc(1, (size_t)size);
	if (!sb->buf) {
		free(ord);
		return -1;
	}
	for (size_t i = 0; i < sb->n; i++)
		if (sb->e[i].len)
			memcpy(sb->buf + sb->e[i].off, sb->e[i].s, sb->e[i].len);
	sb->size = size;
	free(ord);
	return 0;
}

void strbuild_free(struct strbuild *sb)
{
	free(sb->e);
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}
