#include <config.h>

#include "edit/strtab.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

uint64_t strtab_len(const struct strtab *st, uint64_t off)
{
	const unsigned char *nul = memchr(st->bytes + off, '\0', st->size - off);

	return nul ? (uint64_t)(nul - (st->bytes + off)) : st->size - off;
}

const char *strtab_get(const struct strtab *st, uint64_t off)
{
	return (const char *)st->bytes + off;
}

void strtab_ref(struct strtab *st, uint64_t off)
{
	uint64_t end = off + strtab_len(st, off);

	for (uint64_t i = off; i <= end && i < st->size; i++)
		st->refs[i]++;
}

void strtab_unref(struct strtab *st, uint64_t off)
{
	uint64_t end = off + strtab_len(st, off);

	for (uint64_t i = off; i <= end && i < st->size; i++) {
		if (st->refs[i] == 0)
			BUG("string table reference count underflow at %llu", (unsigned long long)i);
		st->refs[i]--;
	}
}

bool strtab_free_at(const struct strtab *st, uint64_t off, uint64_t len)
{
	if ((st->opaque && off < st->known_from) || !range_ok(off, len + 1, st->size) || off == 0)
		return false;
	for (uint64_t i = off; i <= off + len; i++)
		if (st->refs[i])
			return false;
	return true;
}

int64_t strtab_find(const struct strtab *st, const char *s)
{
	uint64_t len = strlen(s);

	for (uint64_t nul = len; nul < st->size; nul++) {
		if (st->bytes[nul] != '\0' || !st->refs[nul])
			continue;
		uint64_t start = nul - len;
		if (memcmp(st->bytes + start, s, len) != 0)
			continue;
		bool live = true;
		for (uint64_t i = start; i < nul && live; i++)
			live = st->refs[i] != 0;
		if (live)
			return (int64_t)start;
	}
	return -1;
}

int64_t strtab_find_free(const struct strtab *st, uint64_t need)
{
	uint64_t run = 0;

	for (uint64_t i = st->opaque ? st->known_from : 1; i < st->size; i++) {
		run = st->refs[i] ? 0 : run + 1;
		if (run == need)
			return (int64_t)(i + 1 - need);
	}
	return -1;
}

/* ---- collecting references -------------------------------------------- */

static int ref_checked(struct strtab *st, const struct elf_image *img, uint64_t off, const char *what)
{
	if (off >= st->size || !memchr(st->bytes + off, '\0', st->size - off))
		return error(img->path, "%s name lies outside the dynamic string table", what);
	strtab_ref(st, off);
	return 0;
}

/* Word `idx` (of `width` bytes) of a table at `vaddr`. */
static bool read_word_at(const struct elf_image *img, uint64_t vaddr, uint64_t idx, size_t width,
			 uint64_t *v)
{
	uint64_t off;

	if (idx > UINT64_MAX / width - 1 || !vaddr_to_offset(img, vaddr + idx * width, width, &off))
		return false;
	*v = load_uint(img->map + off, width, img->cls.msb);
	return true;
}

static bool read_u32_at(const struct elf_image *img, uint64_t vaddr, uint64_t idx, uint32_t *v)
{
	uint64_t w;

	if (!read_word_at(img, vaddr, idx, 4, &w))
		return false;
	*v = (uint32_t)w;
	return true;
}

/* Number of dynamic symbols, by walking the chains of DT_GNU_HASH (which
 * has no count field); -1 when unknown.  Only the hashed (defined)
 * symbols are in it, last: with none, symoffset is no count (GNU ld
 * writes 1 for a program that exports nothing but imports 10 symbols). */
static int64_t symbol_count_gnu(const struct elf_image *img, uint64_t h)
{
	uint32_t nbuckets, symoffset, bloom, maxsym = 0, v;
	size_t word = img->cls.is64 ? 8 : 4;

	if (!read_u32_at(img, h, 0, &nbuckets) || !read_u32_at(img, h, 1, &symoffset)
	    || !read_u32_at(img, h, 2, &bloom))
		return -1;
	uint64_t buckets = h + 16 + (uint64_t)bloom * word;
	for (uint32_t b = 0; b < nbuckets; b++) {
		if (!read_u32_at(img, buckets, b, &v))
			return -1;
		if (v > maxsym)
			maxsym = v;
	}
	if (maxsym < symoffset)
		return -1;
	uint64_t chains = buckets + (uint64_t)nbuckets * 4;
	for (uint64_t i = maxsym;; i++) {
		if (i - symoffset > (1u << 24) || !read_u32_at(img, chains, i - symoffset, &v))
			return -1;
		if (v & 1)
			return (int64_t)i + 1;
	}
}

/* nchain is the second word of DT_HASH, whose words are 8 bytes on some
 * 64-bit targets (dynamic_hash_word()): read as 4 bytes, a big-endian
 * s390x file would give nbucket's low half instead. */
int64_t dynsym_count(const struct elf_image *img, const struct dynamic *dyn)
{
	long h = dynamic_find(dyn, DT_HASH, 0), g = dynamic_find(dyn, DT_GNU_HASH, 0);
	uint64_t nchain;

	if (h >= 0 && read_word_at(img, dyn->ent[h].val, 1, dynamic_hash_word(img), &nchain)
	    && nchain <= INT64_MAX)
		return (int64_t)nchain;
	int64_t n = g >= 0 ? symbol_count_gnu(img, dyn->ent[g].val) : -1;
	long s = dynamic_find(dyn, DT_SYMTAB, 0);

	/* Else a section header may still say. */
	for (size_t i = 1; n < 0 && s >= 0 && i < img->shnum; i++)
		if (img->sh[i].type == SHT_DYNSYM && img->sh[i].addr == dyn->ent[s].val)
			n = (int64_t)(img->sh[i].size / sym_size(img->cls));
	return n;
}

static bool is_address_tag(int64_t tag)
{
	static const int64_t tags[] = {
		DT_PLTGOT, DT_HASH, DT_STRTAB, DT_RELA, DT_INIT, DT_FINI, DT_REL, DT_JMPREL,
		DT_INIT_ARRAY, DT_FINI_ARRAY, DT_PREINIT_ARRAY, DT_GNU_HASH, DT_VERSYM, DT_VERDEF,
		DT_VERNEED, 36 /* DT_RELR */
	};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tag == tags[i])
			return true;
	return false;
}

/* Without a count (a program that exports nothing, so DT_GNU_HASH hashes
 * no symbol, stripped of its section headers), the table ends at the
 * latest where the next table .dynamic or a program header names begins,
 * or where its segment's file bytes end; linkers put .dynstr or
 * .gnu.version right after it.  Reading that far counts every real name,
 * and whatever lies between only as extra references, which never free a
 * byte wrongly. */
static uint64_t dynsym_bound(const struct elf_image *img, const struct dynamic *dyn, uint64_t at)
{
	uint64_t end = at;

	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		if (ph->type == PT_LOAD && at >= ph->vaddr && at - ph->vaddr < ph->filesz)
			end = ph->vaddr + ph->filesz;
	}
	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].vaddr > at && img->ph[i].vaddr < end)
			end = img->ph[i].vaddr;
	for (size_t i = 0; i < dyn->count; i++)
		if (is_address_tag(dyn->ent[i].tag) && dyn->ent[i].val > at && dyn->ent[i].val < end)
			end = dyn->ent[i].val;
	return (end - at) / sym_size(img->cls);
}

/* Sets *at to .dynsym's file offset once its names are counted. */
static int ref_dynsym(struct strtab *st, const struct elf_image *img, const struct dynamic *dyn,
		      uint64_t *at)
{
	long s = dynamic_find(dyn, DT_SYMTAB, 0);
	size_t ent = sym_size(img->cls);
	uint64_t off;

	if (s < 0)
		return 0;
	int64_t n = dynsym_count(img, dyn);
	bool exact = n >= 0;
	if (!exact)
		n = (int64_t)dynsym_bound(img, dyn, dyn->ent[s].val);
	if (n < 0 || (uint64_t)n > img->size / ent
	    || !vaddr_to_offset(img, dyn->ent[s].val, (uint64_t)n * ent, &off)) {
		st->opaque = true;
		return 0;
	}
	for (int64_t i = 0; i < n; i++) {
		/* st_name is the first 4 bytes in both classes. */
		uint32_t name = (uint32_t)load_uint(img->map + off + (uint64_t)i * ent, 4, img->cls.msb);
		/* Past the real symbols, bytes that are no name are no reader. */
		if (!exact && (name >= st->size || !memchr(st->bytes + name, '\0', st->size - name)))
			continue;
		if (ref_checked(st, img, name, "symbol") < 0)
			return -1;
	}
	*at = off;
	return 0;
}

/* Walks a version definition/requirement chain: both records and their
 * auxiliary entries have the same layout in ELF32 and ELF64. */
static int ref_versions(struct strtab *st, const struct elf_image *img, const struct dynamic *dyn,
			bool need)
{
	long at = dynamic_find(dyn, need ? DT_VERNEED : DT_VERDEF, 0);
	long num = dynamic_find(dyn, need ? DT_VERNEEDNUM : DT_VERDEFNUM, 0);
	uint64_t vaddr, off;
	bool msb = img->cls.msb;

	if (at < 0)
		return 0;
	if (num < 0)
		return error(img->path, "version table without a count");
	vaddr = dyn->ent[at].val;
	/* Every record and auxiliary entry takes at least 8 bytes of the file;
	 * a walk longer than that revisits entries (links that loop back), and
	 * would otherwise cost up to file size x 65535 steps. */
	uint64_t budget = img->size / 8 + 1;
	for (uint64_t k = 0; k < dyn->ent[num].val; k++) {
		size_t rec = need ? sizeof(Elf64_Verneed) : sizeof(Elf64_Verdef);
		if (budget-- == 0)
			return error(img->path, "version table is longer than the file");
		if (!vaddr_to_offset(img, vaddr, rec, &off))
			return error(img->path, "version table lies outside the file");
		const unsigned char *p = img->map + off;
		uint64_t cnt = load_uint(p + (need ? offsetof(Elf64_Verneed, vn_cnt) : offsetof(Elf64_Verdef, vd_cnt)), 2, msb);
		uint64_t aux = load_uint(p + (need ? offsetof(Elf64_Verneed, vn_aux) : offsetof(Elf64_Verdef, vd_aux)), 4, msb);
		uint64_t next = load_uint(p + (need ? offsetof(Elf64_Verneed, vn_next) : offsetof(Elf64_Verdef, vd_next)), 4, msb);
		if (need && ref_checked(st, img, load_uint(p + offsetof(Elf64_Verneed, vn_file), 4, msb), "version file") < 0)
			return -1;
		uint64_t a = vaddr + aux;
		for (uint64_t j = 0; j < cnt; j++) {
			size_t arec = need ? sizeof(Elf64_Vernaux) : sizeof(Elf64_Verdaux);
			uint64_t aoff;
			if (budget-- == 0)
				return error(img->path, "version table is longer than the file");
			if (!vaddr_to_offset(img, a, arec, &aoff))
				return error(img->path, "version table lies outside the file");
			const unsigned char *q = img->map + aoff;
			uint64_t name = load_uint(q + (need ? offsetof(Elf64_Vernaux, vna_name) : offsetof(Elf64_Verdaux, vda_name)), 4, msb);
			if (ref_checked(st, img, name, "version") < 0)
				return -1;
			uint64_t anext = load_uint(q + (need ? offsetof(Elf64_Vernaux, vna_next) : offsetof(Elf64_Verdaux, vda_next)), 4, msb);
			if (anext == 0)
				break;
			a += anext;
		}
		/* The chain ends where ld.so stops: at a zero link, whatever the
		 * count says (a count beyond it would revisit one record). */
		if (next == 0)
			break;
		vaddr += next;
	}
	return 0;
}

/* A section symbol table (or the section name table) that reads its names
 * from these very bytes is another reader we must respect; .dynsym's
 * section (at `dynsym`), already counted, is not counted twice: a name
 * counted twice would never be freed by the rename of its symbol. */
static int ref_sections(struct strtab *st, const struct elf_image *img, uint64_t dynsym)
{
	size_t ent = sym_size(img->cls);

	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if (i == img->shstrndx && s->offset == st->off)
			st->opaque = true;
		if ((s->type != SHT_SYMTAB && s->type != SHT_DYNSYM)
		    || (s->type == SHT_DYNSYM && s->offset == dynsym))
			continue;
		if (img->sh[s->link].offset != st->off || img->sh[s->link].type == SHT_NOBITS)
			continue;
		for (uint64_t k = 0; k + ent <= s->size; k += ent) {
			uint32_t name = (uint32_t)load_uint(img->map + s->offset + k, 4, img->cls.msb);
			if (ref_checked(st, img, name, "symbol") < 0)
				return -1;
		}
	}
	return 0;
}

int strtab_init(struct strtab *st, const struct elf_image *img, const struct dynamic *dyn)
{
	memset(st, 0, sizeof(*st));
	if (!dyn->has_strtab)
		return 0;
	st->off = dyn->str_off;
	st->size = dyn->str_size;
	st->bytes = malloc(st->size);
	st->refs = calloc(st->size, sizeof(*st->refs));
	if (!st->bytes || !st->refs)
		return error(img->path, "out of memory");
	memcpy(st->bytes, img->map + st->off, st->size);
	st->refs[0]++;    /* the empty string */
	for (size_t i = 0; i < dyn->count; i++)
		if (dynamic_tag_is_string(dyn->ent[i].tag))
			strtab_ref(st, dyn->ent[i].val);
	uint64_t dynsym = UINT64_MAX;
	if (ref_dynsym(st, img, dyn, &dynsym) < 0 || ref_versions(st, img, dyn, true) < 0
	    || ref_versions(st, img, dyn, false) < 0 || ref_sections(st, img, dynsym) < 0)
		return -1;
	st->known_from = st->size;
	return 0;
}

void strtab_free(struct strtab *st)
{
	free(st->bytes);
	free(st->refs);
	st->bytes = NULL;
	st->refs = NULL;
}
