#include <config.h>

#include "elf/validate.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

static int check_ident(struct elf_image *img)
{
	const unsigned char *id = img->map;

	if (img->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return error(img->path, "not an ELF file");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return error(img->path, "unknown ELF class %u", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
		return error(img->path, "unknown ELF byte order %u", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return error(img->path, "unknown ELF version %u", id[EI_VERSION]);
	img->cls.is64 = id[EI_CLASS] == ELFCLASS64;
	img->cls.msb = id[EI_DATA] == ELFDATA2MSB;
	if (img->size < ehdr_size(img->cls))
		return error(img->path, "truncated ELF header");
	ehdr_decode(img->cls, img->map, &img->eh);
	if (img->eh.version != EV_CURRENT)
		return error(img->path, "unknown ELF version %u in e_version", img->eh.version);
	if (img->eh.ehsize != ehdr_size(img->cls))
		return error(img->path, "bad ELF header size %u", img->eh.ehsize);
	return 0;
}

/* Section 0 carries the real counts when they overflow 16 bits (gABI
 * extended numbering): e_shnum 0 -> sh_size, e_shstrndx SHN_XINDEX ->
 * sh_link, e_phnum PN_XNUM -> sh_info. */
static int read_section_zero(struct elf_image *img, struct xshdr *s0)
{
	size_t ent = shdr_size(img->cls);

	if (img->eh.shentsize != ent)
		return error(img->path, "bad section header size %u", img->eh.shentsize);
	if (!range_ok(img->eh.shoff, ent, img->size))
		return error(img->path, "section header table lies outside the file");
	shdr_decode(img->cls, img->map + img->eh.shoff, s0);
	return 0;
}

/* gABI, e_shstrndx: SHN_UNDEF when the file has no section name table;
 * an index at or above SHN_LORESERVE is written as SHN_XINDEX with the
 * real one in section 0's sh_link (which otherwise holds 0).  So a file
 * without section headers has no index to give, the other reserved
 * values name no section, and SHN_XINDEX with sh_link 0 gives none. */
static int check_shstrndx(struct elf_image *img, const struct xshdr *s0)
{
	unsigned x = img->eh.shstrndx;

	if (img->eh.shoff == 0 && x != SHN_UNDEF)
		return error(img->path, "section name table index %u without a section header table", x);
	if (x >= SHN_LORESERVE && x != SHN_XINDEX)
		return error(img->path, "section name table index 0x%x is a reserved index", x);
	if (x == SHN_XINDEX && s0 && s0->link == SHN_UNDEF)
		return error(img->path, "section name table index is SHN_XINDEX, but section 0 "
			     "holds none (sh_link 0)");
	return 0;
}

static int resolve_counts(struct elf_image *img)
{
	struct xshdr s0 = { 0 };

	img->phnum = img->eh.phnum;
	img->shnum = img->eh.shnum;
	img->shstrndx = img->eh.shstrndx;
	if (img->eh.shoff == 0) {
		if (img->eh.shnum != 0 || img->eh.phnum == PN_XNUM)
			return error(img->path, "section count without a section header table");
		img->shstrndx = SHN_UNDEF;
		return check_shstrndx(img, NULL);
	}
	if (read_section_zero(img, &s0) < 0 || check_shstrndx(img, &s0) < 0)
		return -1;
	if (img->eh.shnum == 0)
		img->shnum = s0.size;
	if (img->eh.shstrndx == SHN_XINDEX)
		img->shstrndx = s0.link;
	if (img->eh.phnum == PN_XNUM)
		img->phnum = s0.info;
	if (img->shnum == 0)
		return error(img->path, "empty section header table");
	if (img->shstrndx >= img->shnum)
		return error(img->path, "section name table index %zu out of range", img->shstrndx);
	return 0;
}

static int table_range(struct elf_image *img, uint64_t off, size_t n, size_t ent, const char *what)
{
	if (n > img->size / ent || !range_ok(off, (uint64_t)n * ent, img->size))
		return error(img->path, "%s lies outside the file", what);
	return 0;
}

static int load_phdrs(struct elf_image *img)
{
	size_t ent = phdr_size(img->cls);

	if (img->phnum == 0)
		return 0;
	if (img->eh.phentsize != ent)
		return error(img->path, "bad program header size %u", img->eh.phentsize);
	if (table_range(img, img->eh.phoff, img->phnum, ent, "program header table") < 0)
		return -1;
	img->ph = calloc(img->phnum, sizeof(*img->ph));
	if (!img->ph)
		return error(img->path, "out of memory");
	for (size_t i = 0; i < img->phnum; i++) {
		struct xphdr *p = &img->ph[i];

		phdr_decode(img->cls, img->map + img->eh.phoff + i * ent, p);
		if (p->filesz && !range_ok(p->offset, p->filesz, img->size))
			return error(img->path, "segment %zu lies outside the file", i);
		if (p->type == PT_LOAD && p->filesz > p->memsz)
			return error(img->path, "segment %zu has file size above memory size", i);
		if (p->type == PT_LOAD && p->align > 1 && !is_pow2(p->align))
			return error(img->path, "segment %zu alignment is not a power of two", i);
		/* An ELF32 address space ends at 4 GiB, not at 2^64. */
		if (p->memsz && p->memsz - 1 > (img->cls.is64 ? UINT64_MAX : UINT32_MAX) - p->vaddr)
			return error(img->path, "segment %zu wraps around the address space", i);
	}
	return 0;
}

static int load_shdrs(struct elf_image *img)
{
	size_t ent = shdr_size(img->cls);

	if (img->shnum == 0)
		return 0;
	if (table_range(img, img->eh.shoff, img->shnum, ent, "section header table") < 0)
		return -1;
	img->sh = calloc(img->shnum, sizeof(*img->sh));
	if (!img->sh)
		return error(img->path, "out of memory");
	for (size_t i = 0; i < img->shnum; i++) {
		struct xshdr *s = &img->sh[i];

		shdr_decode(img->cls, img->map + img->eh.shoff + i * ent, s);
		/* An empty section too: its sh_offset is still its place in the
		 * file, which the strip layout sorts and moves by. */
		if (s->type != SHT_NOBITS && s->type != SHT_NULL
		    && !range_ok(s->offset, s->size, img->size))
			return error(img->path, "section %zu lies outside the file", i);
		if (s->link >= img->shnum && s->type != SHT_NULL)
			return error(img->path, "section %zu links to missing section %u", i, s->link);
	}
	return 0;
}

static int check_names(struct elf_image *img)
{
	if (img->shstrndx == SHN_UNDEF)
		return 0;
	const struct xshdr *t = &img->sh[img->shstrndx];
	if (t->type != SHT_STRTAB || t->size == 0)
		return error(img->path, "section name table is not a string table");
	if (img->map[t->offset + t->size - 1] != '\0')
		return error(img->path, "section name table is not NUL-terminated");
	for (size_t i = 0; i < img->shnum; i++)
		if (img->sh[i].name >= t->size)
			return error(img->path, "section %zu name lies outside the name table", i);
	return 0;
}

struct extent {
	uint64_t off, end;
	const char *what;
	size_t index;
};

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	/* At one offset, the longer first: a container before its contents. */
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* The one overlap a file may have: the program header table inside one
 * section's contents (a section that records the headers).  Any other
 * pair is refused. */
static bool table_in_section(const struct extent *a, const struct extent *b)
{
	const struct extent *t = a->index ? b : a, *s = a->index ? a : b;

	return !t->index && s->index && strcmp(t->what, "program header table") == 0
	       && s->off <= t->off && t->end <= s->end;
}

/* Sections with file contents, the ELF header and the two header tables
 * must not overlap: a file where they do is lying about its layout, and an
 * edit made through one view would silently change another.  Each extent
 * is compared with the one reaching furthest before it, so an extent
 * inside another is compared with what follows too. */
static int check_overlaps(struct elf_image *img)
{
	size_t n = 0, cap = img->shnum + 3;
	struct extent *ex = calloc(cap, sizeof(*ex));
	int rc = 0;

	if (!ex)
		return error(img->path, "out of memory");
	ex[n++] = (struct extent){ 0, ehdr_size(img->cls), "ELF header", 0 };
	if (img->phnum)
		ex[n++] = (struct extent){ img->eh.phoff,
			img->eh.phoff + img->phnum * phdr_size(img->cls), "program header table", 0 };
	if (img->shnum)
		ex[n++] = (struct extent){ img->eh.shoff,
			img->eh.shoff + img->shnum * shdr_size(img->cls), "section header table", 0 };
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if (s->type == SHT_NOBITS || s->type == SHT_NULL || s->size == 0)
			continue;
		ex[n++] = (struct extent){ s->offset, s->offset + s->size, "section", i };
	}
	qsort(ex, n, sizeof(*ex), cmp_extent);
	for (size_t i = 1, far = 0; i < n && rc == 0; i++) {
		if (ex[i].off < ex[far].end && table_in_section(&ex[far], &ex[i]) && !img->phdr_section)
			img->phdr_section = ex[far].index ? ex[far].index : ex[i].index;
		else if (ex[i].off < ex[far].end)
			rc = error(img->path, "%s%s overlaps %s%s", ex[i].what,
				   ex[i].index ? " contents" : "", ex[far].what,
				   ex[far].index ? " contents" : "");
		if (ex[i].end > ex[far].end)
			far = i;
	}
	free(ex);
	return rc;
}

int elf_validate(struct elf_image *img)
{
	if (check_ident(img) < 0 || resolve_counts(img) < 0 || load_phdrs(img) < 0
	    || load_shdrs(img) < 0 || check_names(img) < 0 || check_overlaps(img) < 0)
		return -1;
	img->validated = true;
	return 0;
}

const char *section_name(const struct elf_image *img, size_t i)
{
	if (img->shstrndx == SHN_UNDEF || i >= img->shnum)
		return "";
	return (const char *)img->map + img->sh[img->shstrndx].offset + img->sh[i].name;
}

long section_by_name(const struct elf_image *img, const char *name)
{
	for (size_t i = 1; i < img->shnum; i++)
		if (strcmp(section_name(img, i), name) == 0)
			return (long)i;
	return -1;
}
