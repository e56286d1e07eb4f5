#include <config.h>

#include "elf/dynamic.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

bool dynamic_tag_is_string(int64_t tag)
{
	switch (tag) {
	case DT_NEEDED: case DT_SONAME: case DT_RPATH: case DT_RUNPATH:
	case DT_AUXILIARY: case DT_FILTER: case DT_CONFIG: case DT_DEPAUDIT:
	case DT_AUDIT:
		return true;
	default:
		return false;
	}
}

size_t dynamic_hash_word(const struct elf_image *img)
{
	bool wide = img->eh.machine == EM_ALPHA || img->eh.machine == EM_S390;

	return wide && img->cls.is64 ? 8 : 4;
}

bool vaddr_to_offset(const struct elf_image *img, uint64_t vaddr, uint64_t size, uint64_t *off)
{
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *p = &img->ph[i];

		if (p->type != PT_LOAD || vaddr < p->vaddr)
			continue;
		uint64_t rel = vaddr - p->vaddr;
		if (range_ok(rel, size, p->filesz)) {
			*off = p->offset + rel;
			return true;
		}
	}
	return false;
}

static long find_pt_dynamic(const struct elf_image *img)
{
	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_DYNAMIC)
			return (long)i;
	return -1;
}

static int decode_entries(const struct elf_image *img, struct dynamic *dyn)
{
	const struct xphdr *p = &img->ph[dyn->phndx];
	bool terminated = false;

	dyn->slots = p->filesz / dyn->entsize;
	dyn->ent = calloc(dyn->slots ? dyn->slots : 1, sizeof(*dyn->ent));
	if (!dyn->ent)
		return error(img->path, "out of memory");
	for (size_t i = 0; i < dyn->slots; i++) {
		dyn_decode(img->cls, img->map + dyn->off + i * dyn->entsize, &dyn->ent[i]);
		if (dyn->ent[i].tag == DT_NULL) {
			dyn->count = i;
			terminated = true;
			break;
		}
	}
	if (!terminated)
		return error(img->path, "dynamic section has no DT_NULL terminator");
	return 0;
}

static int locate_strtab(const struct elf_image *img, struct dynamic *dyn)
{
	long s = dynamic_find(dyn, DT_STRTAB, 0), z = dynamic_find(dyn, DT_STRSZ, 0);

	if (s < 0 && z < 0)
		return 0;
	if (s < 0 || z < 0)
		return error(img->path, "dynamic section has %s without %s",
			     s < 0 ? "DT_STRSZ" : "DT_STRTAB", s < 0 ? "DT_STRTAB" : "DT_STRSZ");
	dyn->str_vaddr = dyn->ent[s].val;
	dyn->str_size = dyn->ent[z].val;
	if (dyn->str_size == 0)
		return error(img->path, "dynamic string table is empty");
	if (!vaddr_to_offset(img, dyn->str_vaddr, dyn->str_size, &dyn->str_off))
		return error(img->path, "dynamic string table lies outside the loaded file contents");
	/* gABI: a string table's last byte holds a NUL, ensuring termination
	 * for all strings.  Without it the last string runs on into whatever
	 * follows, and its readers (symbol and version names) cannot tell. */
	if (img->map[dyn->str_off + dyn->str_size - 1] != '\0')
		return error(img->path, "dynamic string table is not NUL-terminated (DT_STRSZ %llu)",
			     (unsigned long long)dyn->str_size);
	dyn->has_strtab = true;
	return 0;
}

static int check_strings(const struct elf_image *img, const struct dynamic *dyn)
{
	for (size_t i = 0; i < dyn->count; i++) {
		if (!dynamic_tag_is_string(dyn->ent[i].tag))
			continue;
		if (!dyn->has_strtab)
			return error(img->path, "dynamic entry %zu names a string but there is no DT_STRTAB", i);
		if (!dynamic_str(img, dyn, dyn->ent[i].val))
			return error(img->path, "dynamic entry %zu names a string outside DT_STRSZ", i);
	}
	return 0;
}

int dynamic_load(const struct elf_image *img, struct dynamic *dyn)
{
	long i = find_pt_dynamic(img);

	memset(dyn, 0, sizeof(*dyn));
	if (i < 0)
		return 1;
	dyn->phndx = (size_t)i;
	dyn->off = img->ph[i].offset;
	dyn->entsize = dyn_size(img->cls);
	/* A separate debug file (objcopy --only-keep-debug) keeps PT_DYNAMIC
	 * over a NOBITS .dynamic: the table is not in the file.  That is no
	 * reason to refuse the file; there is just nothing to read. */
	if (img->ph[i].filesz == 0) {
		dyn->empty = true;
		return 0;
	}
	if (img->ph[i].filesz < dyn->entsize)
		return error(img->path, "dynamic segment is too small");
	if (decode_entries(img, dyn) < 0 || locate_strtab(img, dyn) < 0
	    || check_strings(img, dyn) < 0) {
		dynamic_free(dyn);
		return -1;
	}
	return 0;
}

void dynamic_free(struct dynamic *dyn)
{
	free(dyn->ent);
	dyn->ent = NULL;
}

long dynamic_find(const struct dynamic *dyn, int64_t tag, size_t from)
{
	for (size_t i = from; i < dyn->count; i++)
		if (dyn->ent[i].tag == tag)
			return (long)i;
	return -1;
}

const char *dynamic_str(const struct elf_image *img, const struct dynamic *dyn, uint64_t val)
{
	if (!dyn->has_strtab || val >= dyn->str_size)
		return NULL;
	const char *base = (const char *)img->map + dyn->str_off;
	if (!memchr(base + val, '\0', dyn->str_size - val))
		return NULL;
	return base + val;
}
