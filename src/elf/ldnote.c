#include <config.h>

#include "elf/ldnote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"

/* Elf32_Nhdr and Elf64_Nhdr are the same three 4-byte words. */
#define NHDR_SIZE 12

unsigned char *ldnote_encode(struct elf_class c, const char *desc, size_t len, size_t *out_len)
{
	size_t name = align_up(sizeof(LDNOTE_OWNER), 4), total = NHDR_SIZE + name + align_up(len, 4);
	unsigned char *n = calloc(1, total);

	if (!n)
		return NULL;
	store_uint(n, 4, c.msb, sizeof(LDNOTE_OWNER));
	store_uint(n + 4, 4, c.msb, len);
	store_uint(n + 8, 4, c.msb, LDNOTE_TYPE);
	memcpy(n + NHDR_SIZE, LDNOTE_OWNER, sizeof(LDNOTE_OWNER));
	memcpy(n + NHDR_SIZE + name, desc, len);
	*out_len = total;
	return n;
}

/* Walks the notes of [at, at + size) laid out with `align`; true when the
 * cache note is among them (*where: its bytes). */
static bool scan_notes(const struct elf_image *img, uint64_t at, uint64_t size, uint64_t align,
		       const unsigned char **desc, size_t *len, struct ldnote_at *where)
{
	bool msb = img->cls.msb;
	uint64_t end = at + size;

	while (end - at >= NHDR_SIZE) {
		const unsigned char *n = img->map + at;
		uint64_t namesz = load_uint(n, 4, msb), descsz = load_uint(n + 4, 4, msb);
		uint64_t dstart = align_up(NHDR_SIZE + namesz, align);
		if (dstart > end - at || descsz > end - at - dstart)
			return false;
		uint64_t next = align_up(dstart + descsz, align);
		if (load_uint(n + 8, 4, msb) == LDNOTE_TYPE && namesz == sizeof(LDNOTE_OWNER)
		    && memcmp(n + NHDR_SIZE, LDNOTE_OWNER, sizeof(LDNOTE_OWNER)) == 0) {
			*desc = n + dstart;
			*len = (size_t)descsz;
			where->off = at;
			where->size = next < end - at ? next : end - at;
			return true;
		}
		if (next > end - at)
			return false;
		at += next;
	}
	return false;
}

enum ldnote_state ldnote_find(const struct elf_image *img, const unsigned char **desc,
			      size_t *len, struct ldnote_at *at)
{
	struct ldnote_at dummy;
	long s = section_by_name(img, LDNOTE_SECTION);
	const struct xshdr *sh = s >= 0 ? &img->sh[s] : NULL;
	bool bytes = sh && sh->type != SHT_NOBITS && range_ok(sh->offset, sh->size, img->size);

	if (!at)
		at = &dummy;
	at->section = s;
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		if (ph->type == PT_NOTE && range_ok(ph->offset, ph->filesz, img->size)
		    && scan_notes(img, ph->offset, ph->filesz, ph->align == 8 ? 8 : 4, desc, len, at))
			return LDNOTE_FOUND;
	}
	if (!sh)
		return LDNOTE_NONE;
	if (bytes && scan_notes(img, sh->offset, sh->size, 4, desc, len, at))
		return LDNOTE_FOUND;
	at->off = bytes ? sh->offset : 0;
	at->size = bytes ? sh->size : 0;
	return LDNOTE_MALFORMED;
}

/* Walks the (name, paths) pairs up to the empty string that ends them,
 * printing them when `print`; false when the descriptor is malformed. */
static bool walk(const unsigned char *d, size_t len, bool print)
{
	size_t at = 0;

	while (at < len && d[at]) {
		const unsigned char *nul = memchr(d + at, '\0', len - at);
		size_t paths = nul ? (size_t)(nul - d) + 1 : len;
		const unsigned char *end = paths < len ? memchr(d + paths, '\0', len - paths) : NULL;
		if (!end)
			return false;
		if (print)
			printf("%s %s\n", (const char *)d + at, (const char *)d + paths);
		at = (size_t)(end - d) + 1;
	}
	return at < len;
}

int ldnote_print(const struct elf_image *img)
{
	const unsigned char *d;
	size_t len;
	enum ldnote_state st = ldnote_find(img, &d, &len, NULL);

	if (st == LDNOTE_NONE)
		return 0;
	if (st == LDNOTE_MALFORMED || !walk(d, len, false))
		return error(img->path, "%s: the resolution cache note is malformed", LDNOTE_SECTION);
	walk(d, len, true);
	return 0;
}
