/* --clear-symbol-version.
 *
 * Why the requirement must go as well: glibc's ld.so
 * (_dl_check_map_versions) checks every Vernaux of .gnu.version_r against
 * the library's version definitions, whether or not a symbol still uses
 * it.  With only .gnu.version changed, as patchelf does it, the program
 * still fails with "version `X' not found" against a library without X.
 *
 * How it goes: ld.so walks a Verneed's entries from vn_aux along vna_next
 * to a zero link and ignores vn_cnt, so a Verneed cannot be left with no
 * entry: one whose last requirement goes is dropped whole.  DT_VERNEED and
 * the section header point at the first Verneed, which may be the one to
 * go, so rather than relinking the chain around removed records the table
 * is written again from its start, the kept records packed in their order
 * (as linkers lay it out: each Verneed followed by its Vernaux entries)
 * and the freed tail zeroed, in one write; DT_VERNEEDNUM and the section's
 * sh_info follow the count.  Version indexes (vna_other) keep their
 * values: .gnu.version refers to them, and ld.so sizes its table by the
 * highest one, so a gap is harmless.
 *
 * Where that is not possible a requirement is neutralised instead: it
 * is made to name the library's base version (the name in vn_file, which
 * the linker also gives the VER_FLG_BASE definition of every library with
 * versions), a version that library always defines.  That is the case
 *  - when no requirement would remain: the table (and DT_VERNEED) would
 *    have to go, and glibc, given DT_VERSYM without DT_VERNEED or
 *    DT_VERDEF, indexes a version table it never allocated; so one entry
 *    stays, neutralised;
 *  - when the table is not laid out as linkers write it (records apart,
 *    vn_cnt or DT_VERNEEDNUM disagreeing with the links): the bytes we
 *    would pack over might hold something else, so each requirement is
 *    neutralised where it is.
 * Not VER_FLG_WEAK: ld.so accepts a missing weak version but says so on
 * standard error at every start ("weak version `X' not found").
 */
#include <config.h>

#include "edit/symver.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/strtab.h"
#include "elf/validate.h"

#define WHAT "--clear-symbol-version"
#define REC 16u    /* Elf32/Elf64 Verneed and Vernaux: the same 16 bytes */

struct dynsyms {
	uint64_t sym_off, ver_off;   /* file offsets of .dynsym and .gnu.version */
	size_t count;
	uint16_t *ver;               /* .gnu.version as the edit leaves it */
};

struct vn_aux {
	uint64_t off;
	uint32_t hash, name;
	uint16_t flags, other;
	bool drop;
	bool base;                   /* neutralised: names the base version */
	uint32_t old_name;           /* base: the name it had */
};

struct vn_need {
	uint64_t off;
	uint16_t version, cnt;
	uint32_t file;
	size_t first, naux, kept;
};

struct vn_table {
	uint64_t vaddr, off, end;    /* DT_VERNEED; its file offset; packed end */
	struct vn_need *need;
	size_t nneed;
	struct vn_aux *aux;
	size_t naux;
	bool packed;                 /* laid out as linkers write it */
};

/* The bytes as the writes planned so far leave them. */
static void read_now(const struct dyn_model *m, uint64_t off, unsigned char *buf, size_t len)
{
	memcpy(buf, m->img->map + off, len);
	plan_overlay(m->plan, off, buf, len);
}

static uint64_t field(const unsigned char *rec, size_t at, size_t width, bool msb)
{
	return load_uint(rec + at, width, msb);
}

/* ---- .dynsym and .gnu.version ------------------------------------------ */

static int load_dynsyms(const struct dyn_model *m, const struct dynamic *dyn, struct dynsyms *s)
{
	const struct elf_image *img = m->img;
	long sym = dynamic_find(dyn, DT_SYMTAB, 0), ver = dynamic_find(dyn, DT_VERSYM, 0);

	if (sym < 0 || ver < 0)
		return error(img->path, WHAT ": no symbol version table (DT_VERSYM)");
	int64_t n = dynsym_count(img, dyn);
	if (n < 0 || (uint64_t)n > img->size / 2)
		return error(img->path, WHAT ": cannot tell how many dynamic symbols there are");
	s->count = (size_t)n;
	if (!vaddr_to_offset(img, dyn->ent[sym].val, (uint64_t)n * sym_size(img->cls), &s->sym_off)
	    || !vaddr_to_offset(img, dyn->ent[ver].val, (uint64_t)n * 2, &s->ver_off))
		return error(img->path, WHAT ": symbol or version table lies outside the file");
	s->ver = calloc(s->count + 1, sizeof(*s->ver));
	if (!s->ver)
		return error(img->path, "out of memory");
	for (size_t i = 0; i < s->count; i++) {
		unsigned char b[2];
		read_now(m, s->ver_off + 2 * i, b, 2);
		s->ver[i] = (uint16_t)load_uint(b, 2, img->cls.msb);
	}
	return 0;
}

static const char *symbol_name(const struct dyn_model *m, const struct dynsyms *s, size_t i)
{
	unsigned char b[4];

	/* st_name is the first field in both classes. */
	read_now(m, s->sym_off + i * sym_size(m->img->cls), b, 4);
	uint64_t name = load_uint(b, 4, m->img->cls.msb);
	if (name >= m->str.size || !memchr(m->str.bytes + name, '\0', m->str.size - name))
		return NULL;
	return strtab_get(&m->str, name);
}

static bool named(const char *name, const char *const *names, size_t n)
{
	for (size_t k = 0; name && k < n; k++)
		if (strcmp(name, names[k]) == 0)
			return true;
	return false;
}

/* Sets each named symbol's entry to VER_NDX_GLOBAL (symbol 0, the null
 * symbol, is never versioned); `was` collects the indexes given up. */
static int clear_entries(struct dyn_model *m, struct dynsyms *s, const char *const *names,
			 size_t n, bool *was)
{
	unsigned char one[2];

	store_uint(one, 2, m->img->cls.msb, VER_NDX_GLOBAL);
	for (size_t i = 1; i < s->count; i++) {
		const char *name = symbol_name(m, s, i);
		if (!named(name, names, n) || s->ver[i] == VER_NDX_GLOBAL)
			continue;
		trace(m->debug, m->img->path, WHAT ": %s (symbol %zu) had version index %u", name, i,
		      (unsigned)(s->ver[i] & 0x7fff));
		was[s->ver[i] & 0x7fff] = true;
		s->ver[i] = VER_NDX_GLOBAL;
		if (plan_add(m->plan, s->ver_off + 2 * i, one, 2, WHAT ": %s is global", name) < 0)
			return -1;
	}
	return 0;
}

/* ---- .gnu.version_r ---------------------------------------------------- */

static int add_aux(const struct dyn_model *m, struct vn_table *t, uint64_t off, uint32_t *next)
{
	unsigned char r[REC];
	bool msb = m->img->cls.msb;
	struct vn_aux *na = realloc(t->aux, (t->naux + 1) * sizeof(*na));

	if (!na)
		return error(m->img->path, "out of memory");
	t->aux = na;
	read_now(m, off, r, REC);
	na[t->naux++] = (struct vn_aux){
		.off = off,
		.hash = (uint32_t)field(r, offsetof(Elf64_Vernaux, vna_hash), 4, msb),
		.flags = (uint16_t)field(r, offsetof(Elf64_Vernaux, vna_flags), 2, msb),
		.other = (uint16_t)field(r, offsetof(Elf64_Vernaux, vna_other), 2, msb),
		.name = (uint32_t)field(r, offsetof(Elf64_Vernaux, vna_name), 4, msb),
	};
	*next = (uint32_t)field(r, offsetof(Elf64_Vernaux, vna_next), 4, msb);
	return 0;
}

/* One Verneed and its Vernaux chain, followed as ld.so follows it. */
static int add_need(const struct dyn_model *m, struct vn_table *t, uint64_t vaddr,
		    uint64_t *budget, uint32_t *next)
{
	const struct elf_image *img = m->img;
	unsigned char r[REC];
	uint64_t off, a;
	uint32_t anext = 0;
	struct vn_need *nn = realloc(t->need, (t->nneed + 1) * sizeof(*nn));

	if (!nn)
		return error(img->path, "out of memory");
	t->need = nn;
	if (!vaddr_to_offset(img, vaddr, REC, &off))
		return error(img->path, "version table lies outside the file");
	read_now(m, off, r, REC);
	struct vn_need *n = &nn[t->nneed++];
	*n = (struct vn_need){
		.off = off, .first = t->naux,
		.version = (uint16_t)field(r, offsetof(Elf64_Verneed, vn_version), 2, img->cls.msb),
		.cnt = (uint16_t)field(r, offsetof(Elf64_Verneed, vn_cnt), 2, img->cls.msb),
		.file = (uint32_t)field(r, offsetof(Elf64_Verneed, vn_file), 4, img->cls.msb),
	};
	*next = (uint32_t)field(r, offsetof(Elf64_Verneed, vn_next), 4, img->cls.msb);
	a = vaddr + field(r, offsetof(Elf64_Verneed, vn_aux), 4, img->cls.msb);
	do {
		/* Links that loop back would walk for ever. */
		if ((*budget)-- == 0)
			return error(img->path, "version table is longer than the file");
		if (!vaddr_to_offset(img, a, REC, &off))
			return error(img->path, "version table lies outside the file");
		if (add_aux(m, t, off, &anext) < 0)
			return -1;
		n->naux++;
		a += anext;
	} while (anext != 0);
	return 0;
}

/* Records where linkers put them: from DT_VERNEED on, each Verneed
 * followed by its entries, the counts agreeing with the links. */
static bool is_packed(const struct vn_table *t, uint64_t num)
{
	uint64_t at = t->off;

	if (t->nneed != num)
		return false;
	for (size_t i = 0; i < t->nneed; i++) {
		const struct vn_need *n = &t->need[i];
		if (n->off != at || n->cnt != n->naux)
			return false;
		at += REC;
		for (size_t j = 0; j < n->naux; j++, at += REC)
			if (t->aux[n->first + j].off != at)
				return false;
	}
	return true;
}

static int read_verneed(const struct dyn_model *m, const struct dynamic *dyn, struct vn_table *t)
{
	long at = dynamic_find(dyn, DT_VERNEED, 0), num = dynamic_find(dyn, DT_VERNEEDNUM, 0);
	uint64_t budget = m->img->size / 8 + 1;
	uint32_t next = 0;

	if (at < 0 || num < 0)
		return 0;
	t->vaddr = dyn->ent[at].val;
	if (!vaddr_to_offset(m->img, t->vaddr, REC, &t->off))
		return error(m->img->path, "version table lies outside the file");
	for (uint64_t vaddr = t->vaddr;; vaddr += next) {
		if (budget-- == 0)
			return error(m->img->path, "version table is longer than the file");
		if (add_need(m, t, vaddr, &budget, &next) < 0)
			return -1;
		if (next == 0)
			break;
	}
	t->packed = is_packed(t, dyn->ent[num].val);
	t->end = t->off + (uint64_t)(t->nneed + t->naux) * REC;
	return 0;
}

/* Marks the requirements whose index no symbol uses any more; returns
 * how many, or -1. */
static long mark_unused(const struct dyn_model *m, struct vn_table *t, const struct dynsyms *s,
			const bool *was)
{
	bool *used = calloc(0x8000, sizeof(*used));
	long n = 0;

	if (!used)
		return error(m->img->path, "out of memory");
	for (size_t i = 0; i < s->count; i++)
		used[s->ver[i] & 0x7fff] = true;
	for (size_t i = 0; i < t->nneed; i++) {
		struct vn_need *nd = &t->need[i];
		nd->kept = nd->naux;
		for (size_t j = nd->first; j < nd->first + nd->naux; j++) {
			uint16_t k = t->aux[j].other & 0x7fff;
			if (was[k] && used[k])
				trace(m->debug, m->img->path, WHAT ": version index %u is still used: "
				      "its requirement stays", (unsigned)k);
			if (!was[k] || used[k])
				continue;
			t->aux[j].drop = true;
			nd->kept--;
			n++;
		}
	}
	free(used);
	return n;
}

/* The gABI's ELF hash, which vna_hash holds for the version's name. */
static uint32_t elf_hash(const char *name)
{
	uint32_t h = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* Makes `a` require the base version of the library `n` names. */
static int neutralise(const struct dyn_model *m, const struct vn_need *n, struct vn_aux *a)
{
	if (n->file >= m->str.size || !memchr(m->str.bytes + n->file, '\0', m->str.size - n->file))
		return error(m->img->path, "version requirement file name lies outside the dynamic "
			     "string table");
	trace(m->debug, m->img->path, WHAT ": version index %u now requires %s's base version",
	      (unsigned)(a->other & 0x7fff), strtab_get(&m->str, n->file));
	a->old_name = a->name;
	a->name = n->file;
	a->hash = elf_hash(strtab_get(&m->str, n->file));
	a->base = true;
	a->drop = false;
	return 0;
}

static void put(unsigned char *rec, size_t at, size_t width, bool msb, uint64_t v)
{
	store_uint(rec + at, width, msb, v);
}

static void encode_need(unsigned char *r, const struct vn_need *n, bool last, bool msb)
{
	put(r, offsetof(Elf64_Verneed, vn_version), 2, msb, n->version);
	put(r, offsetof(Elf64_Verneed, vn_cnt), 2, msb, n->kept);
	put(r, offsetof(Elf64_Verneed, vn_file), 4, msb, n->file);
	put(r, offsetof(Elf64_Verneed, vn_aux), 4, msb, REC);
	put(r, offsetof(Elf64_Verneed, vn_next), 4, msb, last ? 0 : REC * (1 + n->kept));
}

static void encode_aux(unsigned char *r, const struct vn_aux *a, bool last, bool msb)
{
	put(r, offsetof(Elf64_Vernaux, vna_hash), 4, msb, a->hash);
	put(r, offsetof(Elf64_Vernaux, vna_flags), 2, msb, a->flags);
	put(r, offsetof(Elf64_Vernaux, vna_other), 2, msb, a->other);
	put(r, offsetof(Elf64_Vernaux, vna_name), 4, msb, a->name);
	put(r, offsetof(Elf64_Vernaux, vna_next), 4, msb, last ? 0 : REC);
}

/* The kept records, packed from the start; zeroes after them. */
static int write_packed(struct dyn_model *m, const struct vn_table *t, size_t last_need)
{
	bool msb = m->img->cls.msb;
	unsigned char *buf = calloc(1, t->end - t->off);
	size_t at = 0;

	if (!buf)
		return error(m->img->path, "out of memory");
	for (size_t i = 0; i <= last_need; i++) {
		const struct vn_need *n = &t->need[i];
		if (n->kept == 0)
			continue;
		encode_need(buf + at, n, i == last_need, msb);
		at += REC;
		for (size_t j = n->first, k = 0; j < n->first + n->naux; j++) {
			if (t->aux[j].drop)
				continue;
			encode_aux(buf + at, &t->aux[j], ++k == n->kept, msb);
			at += REC;
		}
	}
	return plan_add_owned(m->plan, t->off, buf, t->end - t->off,
			      WHAT ": .gnu.version_r without the unused requirements");
}

/* The section header describes the table: sh_info counts the Verneeds. */
static int write_section_count(struct dyn_model *m, const struct vn_table *t, size_t kept)
{
	const struct elf_image *img = m->img;

	for (size_t i = 1; i < img->shnum; i++) {
		struct xshdr sh = img->sh[i];
		unsigned char b[sizeof(Elf64_Shdr)];
		if (sh.type != SHT_GNU_verneed || sh.addr != t->vaddr || sh.info == kept)
			continue;
		sh.info = (uint32_t)kept;
		if (shdr_encode(img->cls, b, &sh) < 0)
			return error(img->path, "section header value does not fit the file's class");
		return plan_add(m->plan, img->eh.shoff + i * shdr_size(img->cls), b,
				shdr_size(img->cls), WHAT ": %s holds %zu entries",
				section_name(img, i), kept);
	}
	return 0;
}

/* The names nothing refers to any more leave .dynstr (when unshared). */
static int release_names(struct dyn_model *m, const struct vn_table *t)
{
	for (size_t i = 0; i < t->nneed; i++) {
		const struct vn_need *n = &t->need[i];
		for (size_t j = n->first; j < n->first + n->naux; j++) {
			const struct vn_aux *a = &t->aux[j];
			if (a->base)
				strtab_ref(&m->str, a->name);
			if ((a->drop || a->base)
			    && dynmodel_release_string(m, a->base ? a->old_name : a->name, WHAT) < 0)
				return -1;
		}
		if (n->kept == 0 && dynmodel_release_string(m, n->file, WHAT) < 0)
			return -1;
	}
	return 0;
}

/* The count first: a reader that trusts DT_VERNEEDNUM then reads a prefix
 * of the old chain until the one write of the new table. */
static int drop_requirements(struct dyn_model *m, const struct vn_table *t)
{
	size_t kept = 0, last = 0;
	long num = dynmodel_find(m, DT_VERNEEDNUM, 0);

	for (size_t i = 0; i < t->nneed; i++)
		if (t->need[i].kept) {
			kept++;
			last = i;
		}
	if (num < 0)
		return error(m->img->path, WHAT ": DT_VERNEEDNUM is gone");
	if (kept != t->nneed
	    && dynmodel_set_entry(m, (size_t)num, DT_VERNEEDNUM, kept, WHAT) < 0)
		return -1;
	if (write_packed(m, t, last) < 0 || write_section_count(m, t, kept) < 0)
		return -1;
	return release_names(m, t);
}

/* Each unused requirement, where it is, names the base version instead:
 * one write of its hash, flags, index and name (the link stays). */
static int neutralise_in_place(struct dyn_model *m, struct vn_table *t)
{
	for (size_t i = 0; i < t->nneed; i++) {
		const struct vn_need *n = &t->need[i];
		for (size_t j = n->first; j < n->first + n->naux; j++) {
			unsigned char r[REC];
			if (!t->aux[j].drop)
				continue;
			if (neutralise(m, n, &t->aux[j]) < 0)
				return -1;
			encode_aux(r, &t->aux[j], false, m->img->cls.msb);
			if (plan_add(m->plan, t->aux[j].off, r, offsetof(Elf64_Vernaux, vna_next),
				     WHAT ": version requirement %u neutralised",
				     (unsigned)t->aux[j].other) < 0)
				return -1;
		}
	}
	return 0;
}

static int settle_requirements(struct dyn_model *m, const struct dynamic *dyn,
			       const struct dynsyms *s, const bool *was)
{
	struct vn_table t = { 0 };
	int rc = read_verneed(m, dyn, &t);
	long n = rc < 0 ? -1 : mark_unused(m, &t, s, was);
	size_t kept_needs = 0;

	for (size_t i = 0; i < t.nneed; i++)
		kept_needs += t.need[i].kept != 0;
	if (n < 0) {
		rc = -1;
	} else if (n > 0 && !t.packed) {
		trace(m->debug, m->img->path, WHAT ": .gnu.version_r is not laid out as linkers "
		      "do: the requirements stay where they are");
		rc = neutralise_in_place(m, &t);
	} else if (n > 0) {
		/* None would be left: the first stays, neutralised. */
		if (kept_needs == 0) {
			rc = neutralise(m, &t.need[0], &t.aux[t.need[0].first]);
			t.need[0].kept = 1;
		}
		if (rc == 0)
			rc = drop_requirements(m, &t);
	}
	free(t.need);
	free(t.aux);
	return rc;
}

int plan_clear_versions(struct dyn_model *m, const struct dynamic *dyn,
			const char *const *names, size_t n)
{
	struct dynsyms s = { 0 };
	bool *was = calloc(0x8000, sizeof(*was));
	int rc = -1;

	if (!was)
		return error(m->img->path, "out of memory");
	if (load_dynsyms(m, dyn, &s) == 0 && clear_entries(m, &s, names, n, was) == 0) {
		/* VER_NDX_LOCAL and VER_NDX_GLOBAL name no requirement. */
		was[VER_NDX_LOCAL] = was[VER_NDX_GLOBAL] = false;
		rc = settle_requirements(m, dyn, &s, was);
	}
	free(s.ver);
	free(was);
	return rc;
}
