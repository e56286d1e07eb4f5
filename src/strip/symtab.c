/* --strip-all's neighbour: a .symtab rebuilt without the symbols of removed
 * sections, and its string table compacted to the names still used. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

struct sec *strip_out_of(const struct strip *s, size_t old)
{
	return old < s->shnum && !s->gone[old] ? &s->out[s->map[old]] : NULL;
}

 /* Only `user` (and maybe `other`) among the kept sections links to `t`. */
bool linked_only_by(const struct strip *s, size_t t, size_t user, size_t other)
{
	for (size_t i = 1; i < s->shnum; i++)
		if (!s->gone[i] && i != user && i != other && s->sh[i].link == t)
			return false;
	return true;
}

static void put_sym_field(const struct strip *s, unsigned char *rec, size_t off32, size_t off64,
			  size_t width, uint64_t v)
{
	store_uint(rec + (s->cls.is64 ? off64 : off32), width, s->cls.msb, v);
}

/* Only the fields the rebuild reads: sym_decode() also assembles
 * st_value and st_size, most of the cost of a large table. */
static void sym_peek(const struct strip *s, const unsigned char *rec, struct xsym *y)
{
	bool is64 = s->cls.is64, msb = s->cls.msb;

	y->name = (uint32_t)load_uint(rec + (is64 ? offsetof(Elf64_Sym, st_name)
					     : offsetof(Elf32_Sym, st_name)), 4, msb);
	y->info = rec[is64 ? offsetof(Elf64_Sym, st_info) : offsetof(Elf32_Sym, st_info)];
	y->shndx = (uint16_t)load_uint(rec + (is64 ? offsetof(Elf64_Sym, st_shndx)
					      : offsetof(Elf32_Sym, st_shndx)), 2, msb);
}

#define SYM_NAME(s, rec, v) put_sym_field(s, rec, offsetof(Elf32_Sym, st_name), \
					  offsetof(Elf64_Sym, st_name), 4, v)
#define SYM_SHNDX(s, rec, v) put_sym_field(s, rec, offsetof(Elf32_Sym, st_shndx), \
					   offsetof(Elf64_Sym, st_shndx), 2, v)

/* A string table compacted in place of a rebuild: the bytes still used
 * keep their order, so the sharing the linker set up (suffixes, repeats)
 * survives, and the cost is linear: one bit per byte, and per 64 bytes
 * the count of used bytes before them. */
struct compactor {
	uint64_t *bits, *before;
	uint64_t size;
};

static unsigned popcount64(uint64_t v)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_popcountll(v);
#else
	unsigned n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
#endif
}

static int compactor_init(struct compactor *c, uint64_t size)
{
	uint64_t words = size / 64 + 1;

	c->size = size;
	c->bits = calloc((size_t)words, sizeof(*c->bits));
	c->before = calloc((size_t)words + 1, sizeof(*c->before));
	return c->bits && c->before ? 0 : -1;
}

static unsigned ctz64(uint64_t v)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctzll(v);
#else
	unsigned n = 0;
	for (; !(v & 1); v >>= 1)
		n++;
	return n;
#endif
}

/* A word at a time: a large table has hundreds of thousands of names. */
static void compactor_use(struct compactor *c, uint64_t off, uint64_t len)
{
	for (uint64_t end = off + len; off < end;) {
		uint64_t bit = off % 64, n = end - off < 64 - bit ? end - off : 64 - bit;
		c->bits[off / 64] |= (n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1) << bit;
		off += n;
	}
}

/* The first byte at or after x that is used (or unused), else size. */
static uint64_t compactor_next(const struct compactor *c, uint64_t x, bool used)
{
	while (x < c->size) {
		uint64_t w = (used ? c->bits[x / 64] : ~c->bits[x / 64]) & (~(uint64_t)0 << (x % 64));
		if (w) {
			x = x / 64 * 64 + ctz64(w);
			return x < c->size ? x : c->size;
		}
		x = (x / 64 + 1) * 64;
	}
	return c->size;
}

static void compactor_count(struct compactor *c)
{
	for (uint64_t w = 0; w <= c->size / 64; w++)
		c->before[w + 1] = c->before[w] + popcount64(c->bits[w]);
}

static uint64_t compactor_map(const struct compactor *c, uint64_t x)
{
	uint64_t mask = ((uint64_t)1 << (x % 64)) - 1;

	return c->before[x / 64] + popcount64(c->bits[x / 64] & mask);
}

static uint64_t compactor_used(const struct compactor *c)
{
	return c->before[c->size / 64 + 1];
}

/* The used bytes in order, a run at a time. */
static void compactor_copy(const struct compactor *c, const unsigned char *from, unsigned char *to)
{
	for (uint64_t x = compactor_next(c, 0, true); x < c->size;) {
		uint64_t end = compactor_next(c, x, false);
		memcpy(to, from + x, (size_t)(end - x));
		to += end - x;
		x = compactor_next(c, end, true);
	}
}

static void compactor_free(struct compactor *c)
{
	free(c->bits);
	free(c->before);
}

struct symwork {
	const unsigned char *syms, *strs, *xs;   /* input contents */
	unsigned char *own_syms, *own_strs, *own_xs;
	unsigned char *nsyms, *nxs, *nstrs;  /* output */
	uint32_t *names;                   /* old st_name of each kept symbol */
	struct compactor cs;
};

static void symwork_free(struct symwork *w)
{
	free(w->own_syms);
	free(w->own_strs);
	free(w->own_xs);
	free(w->nsyms);
	free(w->nxs);
	free(w->nstrs);
	free(w->names);
	compactor_free(&w->cs);
}

/* What rebuild_symtab() reads and writes for one symbol table. */
struct symjob {
	size_t si, stri, es, n;     /* the table, its string table, entries */
	long xi;                    /* its SHT_SYMTAB_SHNDX, or -1 */
	bool renumber;              /* entries may be dropped */
	bool own_str;               /* its string table is compacted */
	size_t kept, nlocal;
};

/* Which sections link to the table decides what may change: a kept
 * section that refers to symbols by index forbids renumbering. */
static void symjob_init(const struct strip *s, size_t si, struct symjob *j)
{
	size_t stri = s->sh[si].link;

	*j = (struct symjob){ .si = si, .stri = stri, .es = sym_size(s->cls), .xi = -1,
			      .renumber = true };
	j->n = (size_t)(s->sh[si].size / j->es);
	for (size_t i = 1; i < s->shnum; i++) {
		if (s->gone[i] || s->sh[i].link != si || i == si)
			continue;
		if (s->sh[i].type == SHT_SYMTAB_SHNDX && j->xi < 0)
			j->xi = (long)i;
		else
			j->renumber = false;
	}
	j->own_str = stri && stri != s->shstrndx && s->sh[stri].type == SHT_STRTAB
		     && !(s->sh[stri].flags & SHF_ALLOC) && linked_only_by(s, stri, si, SIZE_MAX);
}

/* The input tables' bytes and the output buffers. */
static int symjob_load(struct strip *s, const struct symjob *j, struct symwork *w)
{
	const struct xshdr *h = &s->sh[j->si];
	size_t n = j->n;

	if (!(w->syms = strip_view(s, h->offset, h->size, &w->own_syms))
	    || !(w->nsyms = malloc(n ? n * j->es : 1)) || !(w->names = calloc(n ? n : 1, sizeof(*w->names))))
		return -1;
	if (j->xi >= 0) {
		size_t xi = (size_t)j->xi;
		if (s->sh[xi].size < (uint64_t)n * 4)
			return error(s->path, "%s is shorter than its symbol table", strip_section_name(s, xi));
		if (!(w->xs = strip_view(s, s->sh[xi].offset, (uint64_t)n * 4, &w->own_xs))
		    || !(w->nxs = calloc(n ? n : 1, 4)))
			return -1;
	}
	if (j->own_str) {
		const struct xshdr *t = &s->sh[j->stri];
		if (!(w->strs = strip_view(s, t->offset, t->size, &w->own_strs)))
			return -1;
		if (t->size == 0 || w->strs[t->size - 1] != '\0')
			return error(s->path, "%s is not NUL-terminated", strip_section_name(s, j->stri));
		if (compactor_init(&w->cs, t->size) < 0)
			return error(s->path, "out of memory");
		compactor_use(&w->cs, 0, 1);
	}
	return 0;
}

/* gABI: st_shndx is a section header table index, or a reserved value;
 * SHN_XINDEX defers to the table's SHT_SYMTAB_SHNDX section.  A symbol
 * naming a section the file lacks cannot be renumbered: refused rather
 * than copied with an index that names nothing.  (A section with no name,
 * sh_name 0, is a section: gABI string index 0 means "no name".) */
static int names_no_section(const struct strip *s, const struct symjob *j, size_t i,
			    const struct xsym *y, uint64_t sec)
{
	const char *tab = strip_section_name(s, j->si);

	if (y->shndx == SHN_XINDEX && j->xi < 0)
		return error(s->path, "symbol %zu of %s has SHN_XINDEX but the table has no "
			     "SHT_SYMTAB_SHNDX section", i, tab);
	if (sec != SHN_UNDEF && (y->shndx == SHN_XINDEX || sec < SHN_LORESERVE) && sec >= s->shnum)
		return error(s->path, "symbol %zu of %s names section %llu, which does not exist", i,
			     tab, (unsigned long long)sec);
	return 0;
}

/* Copies the entries that stay into w->nsyms, renumbering their section
 * indices, and marks the names they use. */
static int symjob_filter(const struct strip *s, struct symjob *j, struct symwork *w)
{
	bool debug = s->o->strip_debug || s->o->strip_all;
	size_t es = j->es, k = 0;

	for (size_t i = 0; i < j->n; i++) {
		unsigned char *rec = w->nsyms + k * es;
		struct xsym y = { 0 };
		sym_peek(s, w->syms + i * es, &y);
		bool ext = y.shndx == SHN_XINDEX && w->xs;
		uint64_t sec = ext ? load_uint(w->xs + 4 * i, 4, s->cls.msb) : y.shndx;
		if (names_no_section(s, j, i, &y, sec) < 0)
			return -1;
		bool regular = sec != SHN_UNDEF && (ext || sec < SHN_LORESERVE);
		bool dead = regular && s->gone[sec];
		if (i && j->renumber && (dead || (debug && ELF64_ST_TYPE(y.info) == STT_FILE)))
			continue;
		memcpy(rec, w->syms + i * es, es);
		if (regular) {
			uint64_t ns = dead ? SHN_ABS : s->map[sec];
			if (ns >= SHN_LORESERVE && !dead && w->nxs) {
				SYM_SHNDX(s, rec, SHN_XINDEX);
				store_uint(w->nxs + 4 * k, 4, s->cls.msb, ns);
			} else
				SYM_SHNDX(s, rec, ns);
		}
		if (j->own_str) {
			if (y.name >= s->sh[j->stri].size)
				return error(s->path, "symbol %zu name lies outside %s", i,
					     strip_section_name(s, j->stri));
			w->names[k] = y.name;
			compactor_use(&w->cs, y.name, strlen((const char *)w->strs + y.name) + 1);
		}
		if (i < s->sh[j->si].info)
			j->nlocal++;
		k++;
	}
	j->kept = k;
	return 0;
}

/* The new contents go to the output sections, which own them from now. */
static int symjob_store(struct strip *s, const struct symjob *j, struct symwork *w)
{
	size_t k = j->kept, es = j->es;

	if (j->own_str) {
		compactor_count(&w->cs);
		if (!(w->nstrs = malloc((size_t)compactor_used(&w->cs))))
			return error(s->path, "out of memory");
		compactor_copy(&w->cs, w->strs, w->nstrs);
		for (size_t i = 0; i < k; i++)
			SYM_NAME(s, w->nsyms + i * es, compactor_map(&w->cs, w->names[i]));
		struct sec *t = strip_out_of(s, j->stri);
		t->data = w->nstrs;
		t->sh.size = compactor_used(&w->cs);
		t->changed = true;
		w->nstrs = NULL;
	}
	struct sec *o = strip_out_of(s, j->si);
	o->data = w->nsyms;
	o->sh.size = (uint64_t)k * es;
	o->sh.info = (uint32_t)j->nlocal;
	o->changed = true;
	w->nsyms = NULL;
	if (j->xi >= 0) {
		struct sec *x = strip_out_of(s, (size_t)j->xi);
		x->data = w->nxs;
		x->sh.size = (uint64_t)k * 4;
		x->changed = true;
		w->nxs = NULL;
	}
	return 0;
}

/* The kept .symtab: entries of removed sections dropped (with GNU strip's
 * --strip-debug, STT_FILE entries too: BFD counts them as debugging
 * symbols), section indices renumbered, sh_info recounted, and its own
 * string table compacted to the names still used.  Symbol indices change,
 * so this is only done when no kept section refers to symbols by index;
 * otherwise every entry stays and those of removed sections become
 * SHN_ABS. */
int rebuild_symtab(struct strip *s, size_t si)
{
	const struct xshdr *h = &s->sh[si];
	struct symwork w = { 0 };
	struct symjob j;
	int rc = -1;

	if (h->entsize != sym_size(s->cls) || h->size % sym_size(s->cls))
		return error(s->path, "symbol table %s has entries of %llu bytes", strip_section_name(s, si),
			     (unsigned long long)h->entsize);
	symjob_init(s, si, &j);
	if (symjob_load(s, &j, &w) < 0 || symjob_filter(s, &j, &w) < 0 || symjob_store(s, &j, &w) < 0)
		goto out;
	trace(s->o->debug, s->path, "%s: %zu of %zu symbols kept%s", strip_section_name(s, si), j.kept,
	      j.n, j.own_str ? ", string table compacted" : "");
	rc = 0;
out:
	symwork_free(&w);
	return rc;
}
