#include <config.h>

#include "plan/plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

/* Alignment padding a plan may add on top of its content, in pages:
 * growth pads its new segment by up to two (grow.c), the strip's copies
 * start 64-aligned past the end and each section pads to its alignment. */
#define SLACK_PAGES 4
#define MIN_PAGE ((uint64_t)4 << 10)
/* The largest p_align toolchains write: x86-64's max-page-size before
 * binutils 2.31 (2 MiB); aarch64 and ppc64 use 64 KiB. */
#define MAX_PAGE ((uint64_t)2 << 20)

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->w[i].own);
	free(p->w);
	plan_init(p);
}

/* Appends a write of `data`; `own` is the buffer the plan frees with it
 * (NULL when borrowed), freed here too if the write cannot be added. */
static int push(struct plan *p, uint64_t off, const unsigned char *data, unsigned char *own,
		size_t len, const char *fmt, va_list ap)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct plan_write *w = realloc(p->w, cap * sizeof(*w));
		if (!w) {
			free(own);
			return error(NULL, "out of memory");
		}
		p->w = w;
		p->cap = cap;
	}
	struct plan_write *w = &p->w[p->n++];
	w->off = off;
	w->len = len;
	w->data = data;
	w->own = own;
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	return 0;
}

static unsigned char *copy_of(const void *data, size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	if (b && len)
		memcpy(b, data, len);
	return b;
}

int plan_add(struct plan *p, uint64_t off, const void *data, size_t len, const char *fmt, ...)
{
	unsigned char *b = copy_of(data, len);
	va_list ap;
	int rc;

	if (!b)
		return error(NULL, "out of memory");
	va_start(ap, fmt);
	rc = push(p, off, b, b, len, fmt, ap);
	va_end(ap);
	return rc;
}

int plan_add_owned(struct plan *p, uint64_t off, unsigned char *buf, size_t len,
		   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = push(p, off, buf, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

int plan_add_ref(struct plan *p, uint64_t off, const void *data, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = push(p, off, data, NULL, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* Runs of changed bytes closer than this are written as one: a write
 * costs more than a few unchanged bytes rewritten. */
#define CHANGE_GAP 16

int plan_add_changes(struct plan *p, uint64_t off, const unsigned char *now,
		     const unsigned char *want, size_t len, const char *what)
{
	size_t i = 0;

	while (i < len) {
		if (now[i] == want[i]) {
			i++;
			continue;
		}
		/* The run ends after CHANGE_GAP equal bytes (`end` follows
		 * each change, so the test sees the gap since the last). */
		size_t start = i, end = i + 1;
		for (size_t j = end; j < len && j - end < CHANGE_GAP; j++)
			if (now[j] != want[j])
				end = j + 1;
		if (plan_add(p, off + start, want + start, end - start, "%s (+0x%zx)", what,
			     start) < 0)
			return -1;
		i = end;
	}
	return 0;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int plan_add_mapped(struct plan *p, uint64_t off, const unsigned char *map, uint64_t src,
		    size_t len, const char *fmt, ...)
{
	const unsigned char *data = map + src;
	unsigned char *b = NULL;
	bool clean = !overlap(off, len, src, len);
	va_list ap;
	int rc;

	/* The commit writes in plan order, and the shared map shows each
	 * write at once: a source an earlier write (or this one, while it
	 * copies) overwrites must be read now, while it holds the input. */
	for (size_t i = 0; i < p->n && clean; i++)
		clean = !overlap(p->w[i].off, p->w[i].len, src, len);
	if (!clean && !(data = b = copy_of(data, len)))
		return error(NULL, "out of memory");
	va_start(ap, fmt);
	rc = push(p, off, data, b, len, fmt, ap);
	va_end(ap);
	return rc;
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

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t page_of(const struct elf_image *img)
{
	uint64_t a = MIN_PAGE;

	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_LOAD && img->ph[i].align > a)
			a = img->ph[i].align;
	return a < MAX_PAGE ? a : MAX_PAGE;
}

uint64_t plan_size_limit(const struct elf_image *img, const struct plan *p)
{
	return add_sat(add_sat(img->size, p ? p->added : 0), SLACK_PAGES * page_of(img));
}

/* The limit is checked against the plan's own numbers before the file
 * is grown: posix_fallocate() would really take the disk, and
 * plan_simulate() the memory. */
int plan_check_size(const struct elf_image *img, const struct plan *p)
{
	uint64_t limit = plan_size_limit(img, p);
	uint64_t grown = img->size > p->grow_to ? img->size : p->grow_to;
	uint64_t final = p->truncate_to ? p->truncate_to : grown;

	if (grown > limit)
		return error(img->path, "planned result of %llu bytes is beyond the %llu the edits "
			     "can need (%llu in the file, %llu added)", (unsigned long long)grown,
			     (unsigned long long)limit, (unsigned long long)img->size,
			     (unsigned long long)p->added);
	if (final > grown)
		return error(img->path, "planned truncation to %llu bytes would extend the file",
			     (unsigned long long)final);
	for (size_t i = 0; i < p->n; i++)
		if (!range_ok(p->w[i].off, p->w[i].len, grown))
			return error(img->path, "planned write at offset 0x%llx lies beyond the file's "
				     "planned end (%llu bytes): %s", (unsigned long long)p->w[i].off,
				     (unsigned long long)grown, p->w[i].what);
	if (p->strips && final > add_sat(img->size, p->kept))
		return error(img->path, "stripping would make the file larger: %llu bytes, was %llu",
			     (unsigned long long)final, (unsigned long long)img->size);
	return 0;
}

/* The file as `p` would leave it, for the reports. */
int plan_simulate(const struct elf_image *img, const struct plan *p, unsigned char **buf,
		  uint64_t *size)
{
	uint64_t n = img->size > p->grow_to ? img->size : p->grow_to;
	unsigned char *b;

	/* grow_to is the plan's number: held to what its content needs
	 * before it becomes the size of a buffer. */
	if (plan_check_size(img, p) < 0)
		return -1;
	if ((uint64_t)(size_t)n != n || !(b = calloc(1, (size_t)n)))
		return error(img->path, "out of memory");
	memcpy(b, img->map, (size_t)img->size);
	for (size_t i = 0; i < p->n; i++)
		if (range_ok(p->w[i].off, p->w[i].len, n))
			memcpy(b + p->w[i].off, p->w[i].data, p->w[i].len);
	*buf = b;
	*size = p->truncate_to && p->truncate_to < n ? p->truncate_to : n;
	return 0;
}
