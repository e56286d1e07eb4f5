/* The relocations of a --rename-dynamic-symbols that reordered .dynsym
 * (symset.h): every relocation that names a moved symbol by its index is
 * renumbered.
 *
 * The tables are those ld.so reads, found through .dynamic (DT_REL,
 * DT_RELA, and DT_JMPREL, whose entries some linkers also count in
 * DT_RELSZ/DT_RELASZ: overlapping tables are merged, so that no entry is
 * renumbered twice), and relocation sections whose sh_link is .dynsym
 * (non-allocated ones that ld.so never reads but tools do).  A relocation
 * section linked to .symtab names other symbols and is left alone. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/symset.h"

struct range {
	uint64_t off, size;
	size_t ent;
};

struct ranges {
	struct range *r;
	size_t n, cap;
};

static int push(const struct symset *s, struct ranges *v, uint64_t off, uint64_t size, bool rela)
{
	size_t ent = rel_size(s->img->cls, rela);

	if (size == 0)
		return 0;
	if (size % ent != 0)
		return error(s->img->path, RENAME ": a relocation table's size is not a multiple "
			     "of its entries'");
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		struct range *r = realloc(v->r, cap * sizeof(*r));
		if (!r)
			return error(s->img->path, "out of memory");
		v->r = r;
		v->cap = cap;
	}
	v->r[v->n++] = (struct range){ off, size, ent };
	return 0;
}

/* A table .dynamic names: address, size and entry size tags. */
static int from_dynamic(const struct symset *s, struct ranges *v, int64_t addr_tag, int64_t size_tag,
			int64_t ent_tag, bool rela)
{
	long a = dynamic_find(s->dyn, addr_tag, 0), z = dynamic_find(s->dyn, size_tag, 0);
	long e = ent_tag ? dynamic_find(s->dyn, ent_tag, 0) : -1;
	uint64_t off;

	if (a < 0 || z < 0)
		return 0;
	if (e >= 0 && s->dyn->ent[e].val != rel_size(s->img->cls, rela))
		return error(s->img->path, RENAME ": unexpected relocation entry size %llu",
			     (unsigned long long)s->dyn->ent[e].val);
	if (!vaddr_to_offset(s->img, s->dyn->ent[a].val, s->dyn->ent[z].val, &off))
		return error(s->img->path, RENAME ": a relocation table lies outside the file");
	return push(s, v, off, s->dyn->ent[z].val, rela);
}

static int from_sections(const struct symset *s, struct ranges *v)
{
	const struct elf_image *img = s->img;

	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *sh = &img->sh[i];
		if ((sh->type != SHT_REL && sh->type != SHT_RELA) || sh->link >= img->shnum)
			continue;
		const struct xshdr *link = &img->sh[sh->link];
		if (link->type != SHT_DYNSYM || link->offset != s->off)
			continue;
		if (!range_ok(sh->offset, sh->size, img->size))
			return error(img->path, RENAME ": section %zu lies outside the file", i);
		if (push(s, v, sh->offset, sh->size, sh->type == SHT_RELA) < 0)
			return -1;
	}
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

/* Sorted, and overlapping tables merged into one. */
static int merge(const struct symset *s, struct ranges *v)
{
	size_t k = 0;

	qsort(v->r, v->n, sizeof(*v->r), by_offset);
	for (size_t i = 0; i < v->n; i++) {
		struct range *p = k ? &v->r[k - 1] : NULL, *r = &v->r[i];
		if (!p || r->off >= p->off + p->size) {
			v->r[k++] = *r;
			continue;
		}
		if (r->ent != p->ent || (r->off - p->off) % p->ent != 0)
			return error(s->img->path, RENAME ": relocation tables overlap out of step");
		if (r->off + r->size > p->off + p->size)
			p->size = r->off + r->size - p->off;
	}
	v->n = k;
	return 0;
}

static int renumber(struct symset *s, const struct range *r)
{
	unsigned char *now = symset_read(s, r->off, (size_t)r->size);
	unsigned char *want = symset_read(s, r->off, (size_t)r->size);
	int rc = -1;

	if (!now || !want)
		goto out;
	for (uint64_t at = 0; at < r->size; at += r->ent) {
		uint64_t sym = rel_sym(s->img->cls, want + at);
		if (sym >= s->n) {
			error(s->img->path, RENAME ": a relocation names symbol %llu, .dynsym has %zu",
			      (unsigned long long)sym, s->n);
			goto out;
		}
		if (s->where[sym] != sym && rel_set_sym(s->img->cls, want + at, s->where[sym]) < 0) {
			error(s->img->path, RENAME ": symbol index %zu does not fit a relocation",
			      s->where[sym]);
			goto out;
		}
	}
	rc = plan_add_changes(s->m->plan, r->off, now, want, (size_t)r->size,
			      RENAME ": relocations renumbered");
out:
	free(now);
	free(want);
	return rc;
}

int symset_plan_relocs(struct symset *s)
{
	struct ranges v = { 0 };
	long pltrel = dynamic_find(s->dyn, DT_PLTREL, 0);
	bool plt_rela = pltrel >= 0 && s->dyn->ent[pltrel].val == DT_RELA;
	int rc = -1;

	if (!s->reordered)
		return 0;
	if (from_dynamic(s, &v, DT_REL, DT_RELSZ, DT_RELENT, false) < 0
	    || from_dynamic(s, &v, DT_RELA, DT_RELASZ, DT_RELAENT, true) < 0
	    || from_dynamic(s, &v, DT_JMPREL, DT_PLTRELSZ, 0, plt_rela) < 0
	    || from_sections(s, &v) < 0 || merge(s, &v) < 0)
		goto out;
	for (size_t i = 0; i < v.n; i++)
		if (renumber(s, &v.r[i]) < 0)
			goto out;
	rc = 0;
out:
	free(v.r);
	return rc;
}
