#include <config.h>

#include "plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->w[i].data);
	free(p->w);
	plan_init(p);
}

int plan_add(struct plan *p, uint64_t off, const void *data, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct plan_write *w = realloc(p->w, cap * sizeof(*w));
		if (!w)
			return error(NULL, "out of memory");
		p->w = w;
		p->cap = cap;
	}
	struct plan_write *w = &p->w[p->n];
	w->data = malloc(len ? len : 1);
	if (!w->data)
		return error(NULL, "out of memory");
	memcpy(w->data, data, len);
	w->off = off;
	w->len = len;
	va_start(ap, fmt);
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	va_end(ap);
	p->n++;
	return 0;
}

int plan_no_room(struct plan *p, const char *path, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	p->short_of_room = true;
	if (p->trial)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error(path, "%s", msg);
}

void plan_describe(const struct plan *p, const char *path, FILE *out)
{
	if (p->n == 0 && !p->grow_to && !p->truncate_to) {
		fprintf(out, "%s: nothing to change\n", path);
		return;
	}
	if (p->grow_to)
		fprintf(out, "%s: would grow the file to %llu bytes\n", path,
			(unsigned long long)p->grow_to);
	for (size_t i = 0; i < p->n; i++)
		fprintf(out, "%s: would write %zu byte%s at offset 0x%llx: %s\n", path, p->w[i].len,
			p->w[i].len == 1 ? "" : "s", (unsigned long long)p->w[i].off, p->w[i].what);
	if (p->truncate_to)
		fprintf(out, "%s: would truncate the file to %llu bytes\n", path,
			(unsigned long long)p->truncate_to);
}

void plan_overlay(const struct plan *p, uint64_t off, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_write *w = &p->w[i];
		uint64_t lo = w->off > off ? w->off : off;
		uint64_t hi_w = w->off + w->len, hi_b = off + len;
		uint64_t hi = hi_w < hi_b ? hi_w : hi_b;
		if (lo < hi)
			memcpy(buf + (lo - off), w->data + (lo - w->off), hi - lo);
	}
}
