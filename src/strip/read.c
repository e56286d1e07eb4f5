/* The input's headers and bytes as the writes already in the plan leave
 * them (a grown file, a moved program header table). */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"

/* The bytes at [off, off + len) as the writes already planned leave them;
 * bytes past the input's end (growth) read as zeros until written. */
unsigned char *strip_read_view(const struct strip *s, uint64_t off, uint64_t len)
{
	unsigned char *b;
	uint64_t have;

	if (!range_ok(off, len, s->size) || (uint64_t)(size_t)len != len) {
		error(s->path, "range 0x%llx+0x%llx lies outside the file", (unsigned long long)off,
		      (unsigned long long)len);
		return NULL;
	}
	b = malloc(len ? (size_t)len : 1);
	if (!b) {
		error(s->path, "out of memory");
		return NULL;
	}
	have = off < s->img->size ? s->img->size - off : 0;
	if (have > len)
		have = len;
	/* pread, not the map: one copy without a page fault per page. */
	for (uint64_t got = 0; got < have;) {
		ssize_t r = pread(s->img->fd, b + got, (size_t)(have - got), (off_t)(off + got));
		if (r <= 0) {
			memcpy(b + got, s->img->map + off + got, (size_t)(have - got));
			break;
		}
		got += (uint64_t)r;
	}
	memset(b + have, 0, (size_t)(len - have));
	plan_overlay(s->p, off, b, (size_t)len);
	return b;
}

 /* The same bytes without a copy when no planned write touches them: the
 * map, whose pages fault in many at a time, rather than a fresh buffer
 * that faults page by page.  *owned is what the caller frees. */
const unsigned char *strip_view(const struct strip *s, uint64_t off, uint64_t len,
unsigned char **owned)
{
	bool clean = range_ok(off, len, s->img->size);

	for (size_t i = 0; i < s->p->n && clean; i++)
		clean = s->p->w[i].off >= off + len || s->p->w[i].off + s->p->w[i].len <= off;
	*owned = clean ? NULL : strip_read_view(s, off, len);
	return clean ? s->img->map + off : *owned;
}

const char *strip_section_name(const struct strip *s, size_t i)
{
	uint32_t n = s->sh[i].name;

	if (!s->names || n >= s->names_size)
		return "";
	return (const char *)s->names + n;
}

int strip_load_headers(struct strip *s)
{
	const struct elf_image *img = s->img;
	size_t phs = phdr_size(s->cls), shs = shdr_size(s->cls);
	unsigned char *b = strip_read_view(s, 0, ehdr_size(s->cls));

	if (!b)
		return -1;
	ehdr_decode(s->cls, b, &s->eh);
	free(b);
	/* Earlier edits may move the program header table (growth), never
	 * the section header table: they rewrite entries of it in place. */
	if (s->eh.shoff != img->eh.shoff || s->eh.shnum != img->eh.shnum)
		return error(s->path, "an earlier edit moved the section header table: "
			     "strip in a separate run");
	s->phnum = s->eh.phnum == PN_XNUM ? img->phnum : s->eh.phnum;
	s->shnum = img->shnum;
	s->shstrndx = img->shstrndx;
	s->ph = calloc(s->phnum ? s->phnum : 1, sizeof(*s->ph));
	s->sh = calloc(s->shnum ? s->shnum : 1, sizeof(*s->sh));
	if (!s->ph || !s->sh)
		return error(s->path, "out of memory");
	if (s->phnum) {
		if (s->phnum > s->size / phs || !(b = strip_read_view(s, s->eh.phoff, s->phnum * phs)))
			return error(s->path, "program header table lies outside the file");
		for (size_t i = 0; i < s->phnum; i++) {
			phdr_decode(s->cls, b + i * phs, &s->ph[i]);
			if (s->ph[i].filesz && !range_ok(s->ph[i].offset, s->ph[i].filesz, s->size)) {
				free(b);
				return error(s->path, "segment %zu lies outside the file", i);
			}
		}
		free(b);
	}
	if (s->shnum) {
		if (!(b = strip_read_view(s, s->eh.shoff, s->shnum * shs)))
			return -1;
		for (size_t i = 0; i < s->shnum; i++)
			shdr_decode(s->cls, b + i * shs, &s->sh[i]);
		free(b);
		for (size_t i = 1; i < s->shnum; i++)
			if (s->sh[i].type != SHT_NOBITS && s->sh[i].size
			    && !range_ok(s->sh[i].offset, s->sh[i].size, s->size))
				return error(s->path, "section %zu lies outside the file", i);
	}
	if (s->shstrndx != SHN_UNDEF) {
		const struct xshdr *t = &s->sh[s->shstrndx];
		s->names = strip_read_view(s, t->offset, t->size);
		if (!s->names)
			return -1;
		s->names_size = t->size;
		if (t->size == 0 || s->names[t->size - 1] != '\0')
			return error(s->path, "section name table is not NUL-terminated");
	}
	return 0;
}
