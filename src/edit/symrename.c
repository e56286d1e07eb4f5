/* --rename-dynamic-symbols (symrename.h says what and why): the names,
 * the order, and the tables that follow the order.  The hash tables are
 * rebuilt in symhash.c. */
#include <config.h>

#include "edit/symrename.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "core/namemap.h"
#include "edit/strtab.h"
#include "edit/symset.h"

#ifndef DT_MIPS_XHASH
#define DT_MIPS_XHASH 0x70000036
#endif
/* Android's packed relocations (bionic's elf.h). */
#define DT_ANDROID_REL 0x6000000f
#define DT_ANDROID_RELA 0x60000011

unsigned char *symset_read(const struct symset *s, uint64_t off, size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	if (!b) {
		error(s->img->path, "out of memory");
		return NULL;
	}
	memcpy(b, s->img->map + off, len);
	plan_overlay(s->m->plan, off, b, len);
	return b;
}

/* st_name is the first 4 bytes of a symbol in both classes. */
static uint32_t st_name(const struct symset *s, const unsigned char *tab, size_t i)
{
	return (uint32_t)load_uint(tab + i * s->ent, 4, s->img->cls.msb);
}

const char *symset_name(const struct symset *s, size_t i)
{
	return strtab_get(&s->m->str, st_name(s, s->want, i));
}

static int locate(struct symset *s)
{
	long at = dynamic_find(s->dyn, DT_SYMTAB, 0);
	int64_t n = dynsym_count(s->img, s->dyn);

	s->ent = sym_size(s->img->cls);
	if (at < 0)
		return error(s->img->path, RENAME ": no dynamic symbol table (DT_SYMTAB)");
	if (n < 0)
		return error(s->img->path, RENAME ": no DT_HASH or DT_GNU_HASH tells how many "
			     "dynamic symbols there are");
	if ((uint64_t)n > s->img->size / s->ent
	    || !vaddr_to_offset(s->img, s->dyn->ent[at].val, (uint64_t)n * s->ent, &s->off))
		return error(s->img->path, RENAME ": .dynsym lies outside the file");
	s->n = (size_t)n;
	s->now = symset_read(s, s->off, s->n * s->ent);
	s->want = symset_read(s, s->off, s->n * s->ent);
	s->order = calloc(s->n + 1, sizeof(*s->order));
	s->where = calloc(s->n + 1, sizeof(*s->where));
	if (!s->now || !s->want || !s->order || !s->where)
		return error(s->img->path, "out of memory");
	for (size_t i = 0; i < s->n; i++) {
		s->order[i] = s->where[i] = i;
		if (st_name(s, s->now, i) >= s->m->str.size)
			return error(s->img->path, RENAME ": symbol %zu's name lies outside .dynstr", i);
	}
	return 0;
}

static void symset_free(struct symset *s)
{
	free(s->now);
	free(s->want);
	free(s->order);
	free(s->where);
	free(s->changes);
}

/* ---- names ----------------------------------------------------------- */

struct rename {
	size_t sym;
	uint32_t old;
	const char *to;
};

static int by_old_name(const void *a, const void *b)
{
	const struct rename *x = a, *y = b;

	if (x->old != y->old)
		return x->old < y->old ? -1 : 1;
	return (x->sym > y->sym) - (x->sym < y->sym);
}

/* The symbols to rename, with their new names, grouped by the string
 * they read now (ld merges equal names: versioned twins share one). */
static size_t collect(const struct symset *s, const struct name_map *map, struct rename *r)
{
	size_t k = 0;

	for (size_t i = 1; i < s->n; i++) {
		const char *name = strtab_get(&s->m->str, st_name(s, s->now, i));
		const struct name_pair *p = namemap_find(map, name);
		if (p && strcmp(p->to, name) != 0)
			r[k++] = (struct rename){ i, st_name(s, s->now, i), p->to };
	}
	qsort(r, k, sizeof(*r), by_old_name);
	return k;
}

/* One string read by r[0..k): placed, and the symbols pointed at it. */
static int rename_group(struct symset *s, const struct rename *r, size_t k)
{
	uint64_t *old = calloc(k, sizeof(*old));
	struct str_change *ch = &s->changes[s->n_changes];

	if (!old)
		return error(s->img->path, "out of memory");
	for (size_t i = 0; i < k; i++)
		old[i] = r[i].old;
	trace(s->m->debug, s->img->path, "renaming dynamic symbol %s to %s (%zu symbol%s)",
	      strtab_get(&s->m->str, r[0].old), r[0].to, k, k == 1 ? "" : "s");
	int rc = dynmodel_replace_string(s->m, old, k, r[0].to, ch, RENAME);
	free(old);
	if (rc < 0)
		return -1;
	s->n_changes++;
	for (size_t i = 0; i < k; i++)
		store_uint(s->want + r[i].sym * s->ent, 4, s->img->cls.msb, ch->new_off);
	return 0;
}

static int rename_all(struct symset *s, const struct name_map *map, size_t *renamed)
{
	struct rename *r = calloc(s->n + 1, sizeof(*r));
	size_t k;
	int rc = 0;

	s->changes = calloc(s->n + 1, sizeof(*s->changes));
	if (!r || !s->changes) {
		free(r);
		return error(s->img->path, "out of memory");
	}
	k = collect(s, map, r);
	for (size_t i = 0, j; i < k && rc == 0; i = j) {
		for (j = i + 1; j < k && r[j].old == r[i].old; j++)
			;
		rc = rename_group(s, r + i, j - i);
	}
	free(r);
	*renamed = k;
	return rc;
}

/* ---- the order and what follows it ------------------------------------ */

static int refuse_reorder(const struct symset *s, size_t first)
{
	const char *why = NULL;

	if (s->img->eh.machine == EM_MIPS)
		why = "on MIPS the GOT follows the symbol order";
	else if (dynamic_find(s->dyn, DT_ANDROID_REL, 0) >= 0
		 || dynamic_find(s->dyn, DT_ANDROID_RELA, 0) >= 0)
		why = "Android's packed relocations name symbols by index";
	else if (dynamic_find(s->dyn, DT_SYMTAB_SHNDX, 0) >= 0)
		why = "DT_SYMTAB_SHNDX follows the symbol order";
	for (size_t i = first; i < s->n && !why; i++) {
		struct xsym sym;
		sym_decode(s->img->cls, s->want + i * s->ent, &sym);
		if (ELF64_ST_BIND(sym.info) == STB_LOCAL)
			why = "a local symbol lies among those DT_GNU_HASH covers";
	}
	if (!why)
		return 0;
	return error(s->img->path, RENAME ": the new names need the symbols reordered for "
		     "DT_GNU_HASH, and %s", why);
}

/* s->order is set (symhash.c); the symbols take their new places. */
int symset_reorder(struct symset *s, size_t first)
{
	unsigned char *tmp;

	for (size_t i = first; i < s->n && !s->reordered; i++)
		s->reordered = s->order[i] != i;
	if (!s->reordered)
		return 0;
	if (refuse_reorder(s, first) < 0)
		return -1;
	tmp = malloc(s->n * s->ent);
	if (!tmp)
		return error(s->img->path, "out of memory");
	memcpy(tmp, s->want, s->n * s->ent);
	for (size_t k = first; k < s->n; k++) {
		memcpy(s->want + k * s->ent, tmp + s->order[k] * s->ent, s->ent);
		s->where[s->order[k]] = k;
	}
	free(tmp);
	return 0;
}

static int plan_versym(struct symset *s)
{
	long at = dynamic_find(s->dyn, DT_VERSYM, 0);
	uint64_t off;

	if (at < 0 || !s->reordered)
		return 0;
	if (!vaddr_to_offset(s->img, s->dyn->ent[at].val, (uint64_t)s->n * 2, &off))
		return error(s->img->path, RENAME ": .gnu.version lies outside the file");
	unsigned char *now = symset_read(s, off, s->n * 2), *want = symset_read(s, off, s->n * 2);
	int rc = -1;
	if (now && want) {
		for (size_t k = 0; k < s->n; k++)
			memcpy(want + 2 * k, now + 2 * s->order[k], 2);
		rc = plan_add_changes(s->m->plan, off, now, want, s->n * 2,
				      RENAME ": .gnu.version in the new symbol order");
	}
	free(now);
	free(want);
	return rc;
}

int plan_rename_symbols(struct dyn_model *m, const struct dynamic *dyn, const struct name_map *map)
{
	struct symset s = { .img = m->img, .m = m, .dyn = dyn };
	size_t renamed = 0;
	int rc = -1;

	if (dynamic_find(dyn, DT_MIPS_XHASH, 0) >= 0 && m->img->eh.machine == EM_MIPS) {
		error(m->img->path, RENAME ": MIPS's DT_MIPS_XHASH is not supported");
		goto out;
	}
	if (locate(&s) < 0 || rename_all(&s, map, &renamed) < 0)
		goto out;
	if (renamed == 0) {
		trace(m->debug, m->img->path, RENAME ": no symbol to rename");
		rc = 0;
		goto out;
	}
	/* Fill (the strings, above), the tables, then the scrub. */
	if (symhash_order(&s) < 0
	    || plan_add_changes(m->plan, s.off, s.now, s.want, s.n * s.ent, RENAME ": .dynsym") < 0
	    || plan_versym(&s) < 0 || symset_plan_relocs(&s) < 0 || symhash_plan(&s) < 0)
		goto out;
	for (size_t i = 0; i < s.n_changes; i++)
		if (dynmodel_scrub_change(m, &s.changes[i], RENAME) < 0)
			goto out;
	rc = 0;
out:
	symset_free(&s);
	return rc;
}

uint64_t rename_string_room(const struct elf_image *img, const struct dynamic *dyn,
			    const struct name_map *map)
{
	long at = dynamic_find(dyn, DT_SYMTAB, 0);
	int64_t n = dynsym_count(img, dyn);
	size_t ent = sym_size(img->cls);
	bool *used = calloc(map->n + 1, sizeof(*used));
	uint64_t off, room = 0;

	if (!used || at < 0 || n < 0 || (uint64_t)n > img->size / ent
	    || !vaddr_to_offset(img, dyn->ent[at].val, (uint64_t)n * ent, &off)) {
		free(used);
		return 0;
	}
	for (int64_t i = 1; i < n; i++) {
		uint64_t name = load_uint(img->map + off + (uint64_t)i * ent, 4, img->cls.msb);
		const char *s = dynamic_str(img, dyn, name);
		const struct name_pair *p = s ? namemap_find(map, s) : NULL;
		if (p && !used[p - map->pairs]) {
			used[p - map->pairs] = true;
			room += strlen(p->to) + 1;
		}
	}
	free(used);
	return room;
}
