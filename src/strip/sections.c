/* plan_sections(): strip, compress and link debug information in place.
 * See sections.h for the write order and why it is crash-safe. */
#include <config.h>

#include "strip/sections.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"
#include "plan/commit.h"

#define NEW_SECTION SIZE_MAX

/* One section of the result, in header-table order. */
struct sec {
	size_t old;                 /* input index, or NEW_SECTION */
	const char *name;           /* into strip.names, or a literal */
	struct xshdr sh;            /* as written; offset set by the layout */
	unsigned char *data;        /* new contents (owned) when `changed` */
	bool changed;
	bool own_name;              /* name allocated (a renamed .zdebug*) */
	bool borrowed;              /* data points into the map */
	bool handed;                /* data now belongs to the plan */
	bool moves;                 /* placed by the layout */
	uint64_t tail_off;          /* its place in phase 1 */
	bool once;                  /* stays at its old place in phase 1 */
};

struct strip {
	const struct elf_image *img;
	const struct options *o;
	const struct plan *p;
	const char *path;
	struct elf_class cls;
	uint64_t size;              /* file size once earlier writes grew it */
	/* Headers as the earlier writes of the plan leave them. */
	struct xehdr eh;
	struct xphdr *ph;
	size_t phnum;
	struct xshdr *sh;
	size_t shnum, shstrndx;
	unsigned char *names;
	uint64_t names_size;
	/* Per input section. */
	bool *gone, *asked_gone, *asked_kept;
	size_t *map;                /* input index -> output index, 0 if gone */
	struct sec *out;
	size_t nout;
	uint64_t shoff, tail_shoff, mid_shoff;  /* the new table: final, phases 1, 2 */
	/* Loads that may move down, in file order, and how far they do. */
	struct segmove {
		size_t ph;
		uint64_t old, len, delta;
	} *seg;
	size_t nseg;
};

struct extent {
	uint64_t off, end;
};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool section_is_debug(const char *name)
{
	return starts(name, ".debug") || starts(name, ".zdebug") || starts(name, ".gnu.debuglto_")
	       || starts(name, ".gnu.linkonce.wi.") || starts(name, ".stab") || starts(name, ".line")
	       || strcmp(name, ".gdb_index") == 0;
}

/* The bytes at [off, off + len) as the writes already planned leave them;
 * bytes past the input's end (growth) read as zeros until written. */
static unsigned char *read_view(const struct strip *s, uint64_t off, uint64_t len)
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
static const unsigned char *view(const struct strip *s, uint64_t off, uint64_t len,
				 unsigned char **owned)
{
	bool clean = range_ok(off, len, s->img->size);

	for (size_t i = 0; i < s->p->n && clean; i++)
		clean = s->p->w[i].off >= off + len || s->p->w[i].off + s->p->w[i].len <= off;
	*owned = clean ? NULL : read_view(s, off, len);
	return clean ? s->img->map + off : *owned;
}

static const char *name_of(const struct strip *s, size_t i)
{
	uint32_t n = s->sh[i].name;

	if (!s->names || n >= s->names_size)
		return "";
	return (const char *)s->names + n;
}

static int load_headers(struct strip *s)
{
	const struct elf_image *img = s->img;
	size_t phs = phdr_size(s->cls), shs = shdr_size(s->cls);
	unsigned char *b = read_view(s, 0, ehdr_size(s->cls));

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
		if (s->phnum > s->size / phs || !(b = read_view(s, s->eh.phoff, s->phnum * phs)))
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
		if (!(b = read_view(s, s->eh.shoff, s->shnum * shs)))
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
		s->names = read_view(s, t->offset, t->size);
		if (!s->names)
			return -1;
		s->names_size = t->size;
		if (t->size == 0 || s->names[t->size - 1] != '\0')
			return error(s->path, "section name table is not NUL-terminated");
	}
	return 0;
}

static bool matches(const char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], name, 0) == 0)
			return true;
	return false;
}

static bool is_rel(uint32_t type)
{
	return type == SHT_REL || type == SHT_RELA;
}

/* Which sections go.  GNU strip's rules: --strip-debug removes what BFD
 * calls debugging sections (by name, non-allocated only); --strip-all
 * also the symbol table, its string table and relocations of
 * non-allocated sections; a relocation section goes with its target;
 * whatever a kept section links to stays. */
static int decide(struct strip *s)
{
	const struct options *o = s->o;
	bool strip = o->strip_debug || o->strip_all;

	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		const char *n = name_of(s, i);
		bool alloc = h->flags & SHF_ALLOC;

		if (matches(o->remove_sections, o->n_remove_sections, n)) {
			if (alloc)
				return error(s->path, "cannot remove allocated section %s: "
					     "the program uses it", n);
			if (i == s->shstrndx)
				return error(s->path, "cannot remove the section name table %s", n);
			s->gone[i] = s->asked_gone[i] = true;
		}
		/* The section name table stays whatever it is called. */
		if (alloc || h->type == SHT_NULL || i == s->shstrndx)
			continue;
		if (strip && section_is_debug(n))
			s->gone[i] = true;
		if (o->strip_all && (h->type == SHT_SYMTAB || h->type == SHT_SYMTAB_SHNDX
				     || is_rel(h->type)))
			s->gone[i] = true;
		if (o->strip_all && h->type == SHT_SYMTAB && h->link != s->shstrndx
		    && !(s->sh[h->link].flags & SHF_ALLOC))
			s->gone[h->link] = true;
	}
	for (size_t i = 1; i < s->shnum; i++)
		if (matches(o->keep_sections, o->n_keep_sections, name_of(s, i))) {
			s->gone[i] = false;
			s->asked_kept[i] = true;
		}
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 1; i < s->shnum; i++) {
			const struct xshdr *h = &s->sh[i];
			if (s->gone[i] || (h->flags & SHF_ALLOC))
				continue;
			if (is_rel(h->type) && h->info && h->info < s->shnum && s->gone[h->info]) {
				if (s->asked_kept[i])
					s->gone[h->info] = false;
				else
					s->gone[i] = true;
				again = true;
				continue;
			}
			/* sh_link of an SHT_NULL entry is undefined (gABI). */
			if (h->link && h->link < s->shnum && h->type != SHT_NULL && s->gone[h->link]) {
				if (s->asked_gone[h->link] && !s->asked_kept[h->link])
					return error(s->path, "cannot remove %s: section %s links to it",
						     name_of(s, h->link), name_of(s, i));
				s->gone[h->link] = false;
				again = true;
			}
		}
	}
	return 0;
}

/* Symbol tables in allocated sections (.dynsym) record section indices
 * the loader never reads but tools do; their bytes cannot change, so the
 * indices they name must not shift. */
static int check_alloc_indices(const struct strip *s)
{
	size_t es = sym_size(s->cls);

	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		if (!(h->flags & SHF_ALLOC) || (h->type != SHT_DYNSYM && h->type != SHT_SYMTAB)
		    || h->entsize != es)
			continue;
		unsigned char *b = read_view(s, h->offset, h->size - h->size % es);
		if (!b)
			return -1;
		for (uint64_t k = 0; k < h->size / es; k++) {
			struct xsym y;
			sym_decode(s->cls, b + k * es, &y);
			if (y.shndx != SHN_UNDEF && y.shndx < SHN_LORESERVE && y.shndx < s->shnum
			    && s->map[y.shndx] != y.shndx) {
				free(b);
				return error(s->path, "cannot remove sections placed before allocated "
					     "ones in the header table: %s refers to section %u by index",
					     name_of(s, i), y.shndx);
			}
		}
		free(b);
	}
	return 0;
}

/* A string table built from scratch: duplicates and suffixes of longer
 * strings share bytes, as in the linkers' tables. */
struct strbuild {
	struct sbent {
		const char *s;
		size_t len;
		uint64_t off;
	} *e;
	size_t n, cap;
	unsigned char *buf;
	uint64_t size;
};

static long sb_add(struct strbuild *sb, const char *str)
{
	if (sb->n == sb->cap) {
		size_t cap = sb->cap ? 2 * sb->cap : 64;
		struct sbent *e = realloc(sb->e, cap * sizeof(*e));
		if (!e)
			return -1;
		sb->e = e;
		sb->cap = cap;
	}
	sb->e[sb->n] = (struct sbent){ str, strlen(str), 0 };
	return (long)sb->n++;
}

/* Descending order of the reversed strings puts each string right after
 * the nearest one it is a suffix of. */
static int cmp_reversed(const void *a, const void *b)
{
	const struct sbent *x = *(const struct sbent *const *)a, *y = *(const struct sbent *const *)b;
	size_t i = x->len, j = y->len;

	while (i && j) {
		unsigned char cx = (unsigned char)x->s[--i], cy = (unsigned char)y->s[--j];
		if (cx != cy)
			return cx < cy ? 1 : -1;
	}
	return i == j ? 0 : (i ? -1 : 1);
}

static int sb_finish(struct strbuild *sb)
{
	struct sbent **ord = calloc(sb->n ? sb->n : 1, sizeof(*ord));
	const struct sbent *prev = NULL;
	uint64_t size = 1;

	if (!ord)
		return -1;
	for (size_t i = 0; i < sb->n; i++)
		ord[i] = &sb->e[i];
	qsort(ord, sb->n, sizeof(*ord), cmp_reversed);
	for (size_t i = 0; i < sb->n; i++) {
		struct sbent *e = ord[i];
		if (e->len == 0)
			e->off = 0;
		else if (prev && prev->len >= e->len
			 && memcmp(prev->s + prev->len - e->len, e->s, e->len) == 0)
			e->off = prev->off + prev->len - e->len;
		else {
			e->off = size;
			size += e->len + 1;
			prev = e;
		}
	}
	sb->buf = calloc(1, (size_t)size);
	if (!sb->buf) {
		free(ord);
		return -1;
	}
	for (size_t i = 0; i < sb->n; i++)
		if (sb->e[i].len)
			memcpy(sb->buf + sb->e[i].off, sb->e[i].s, sb->e[i].len);
	sb->size = size;
	free(ord);
	return 0;
}

static void sb_free(struct strbuild *sb)
{
	free(sb->e);
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

static struct sec *out_of(const struct strip *s, size_t old)
{
	return old < s->shnum && !s->gone[old] ? &s->out[s->map[old]] : NULL;
}

/* Only `user` (and maybe `other`) among the kept sections links to `t`. */
static bool linked_only_by(const struct strip *s, size_t t, size_t user, size_t other)
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

/* The kept .symtab: entries of removed sections dropped (with GNU strip's
 * --strip-debug, STT_FILE entries too: BFD counts them as debugging
 * symbols), section indices renumbered, sh_info recounted, and its own
 * string table compacted to the names still used.  Symbol indices change,
 * so this is only done when no kept section refers to symbols by index;
 * otherwise every entry stays and those of removed sections become
 * SHN_ABS. */
static int rebuild_symtab(struct strip *s, size_t si)
{
	const struct xshdr *h = &s->sh[si];
	size_t es = sym_size(s->cls), n, k = 0, nlocal = 0, stri = h->link;
	long xi = -1;
	bool renumber = true, own_str, debug = s->o->strip_debug || s->o->strip_all;
	struct symwork w = { 0 };
	int rc = -1;

	if (h->entsize != es || h->size % es)
		return error(s->path, "symbol table %s has entries of %llu bytes", name_of(s, si),
			     (unsigned long long)h->entsize);
	n = (size_t)(h->size / es);
	for (size_t i = 1; i < s->shnum; i++) {
		if (s->gone[i] || s->sh[i].link != si || i == si)
			continue;
		if (s->sh[i].type == SHT_SYMTAB_SHNDX && xi < 0)
			xi = (long)i;
		else
			renumber = false;
	}
	own_str = stri && stri != s->shstrndx && s->sh[stri].type == SHT_STRTAB
		  && !(s->sh[stri].flags & SHF_ALLOC) && linked_only_by(s, stri, si, SIZE_MAX);
	if (!(w.syms = view(s, h->offset, h->size, &w.own_syms)) || !(w.nsyms = malloc(n ? n * es : 1))
	    || !(w.names = calloc(n ? n : 1, sizeof(*w.names))))
		goto out;
	if (xi >= 0) {
		if (s->sh[xi].size < (uint64_t)n * 4) {
			error(s->path, "%s is shorter than its symbol table", name_of(s, (size_t)xi));
			goto out;
		}
		if (!(w.xs = view(s, s->sh[xi].offset, (uint64_t)n * 4, &w.own_xs))
		    || !(w.nxs = calloc(n ? n : 1, 4)))
			goto out;
	}
	if (own_str) {
		const struct xshdr *t = &s->sh[stri];
		if (!(w.strs = view(s, t->offset, t->size, &w.own_strs)))
			goto out;
		if (t->size == 0 || w.strs[t->size - 1] != '\0') {
			error(s->path, "%s is not NUL-terminated", name_of(s, stri));
			goto out;
		}
		if (compactor_init(&w.cs, t->size) < 0) {
			error(s->path, "out of memory");
			goto out;
		}
		compactor_use(&w.cs, 0, 1);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char *rec = w.nsyms + k * es;
		struct xsym y = { 0 };
		sym_peek(s, w.syms + i * es, &y);
		bool ext = y.shndx == SHN_XINDEX && w.xs;
		uint64_t sec = ext ? load_uint(w.xs + 4 * i, 4, s->cls.msb) : y.shndx;
		bool regular = sec != SHN_UNDEF && (ext || sec < SHN_LORESERVE) && sec < s->shnum;
		bool dead = regular && s->gone[sec];
		if (i && renumber && (dead || (debug && ELF64_ST_TYPE(y.info) == STT_FILE)))
			continue;
		memcpy(rec, w.syms + i * es, es);
		if (regular) {
			uint64_t ns = dead ? SHN_ABS : s->map[sec];
			if (ns >= SHN_LORESERVE && !dead && w.nxs) {
				SYM_SHNDX(s, rec, SHN_XINDEX);
				store_uint(w.nxs + 4 * k, 4, s->cls.msb, ns);
			} else
				SYM_SHNDX(s, rec, ns);
		}
		if (own_str) {
			if (y.name >= s->sh[stri].size) {
				error(s->path, "symbol %zu name lies outside %s", i, name_of(s, stri));
				goto out;
			}
			w.names[k] = y.name;
			compactor_use(&w.cs, y.name, strlen((const char *)w.strs + y.name) + 1);
		}
		if (i < h->info)
			nlocal++;
		k++;
	}
	if (own_str) {
		compactor_count(&w.cs);
		if (!(w.nstrs = malloc((size_t)compactor_used(&w.cs)))) {
			error(s->path, "out of memory");
			goto out;
		}
		compactor_copy(&w.cs, w.strs, w.nstrs);
		for (size_t i = 0; i < k; i++)
			SYM_NAME(s, w.nsyms + i * es, compactor_map(&w.cs, w.names[i]));
		struct sec *t = out_of(s, stri);
		t->data = w.nstrs;
		t->sh.size = compactor_used(&w.cs);
		t->changed = true;
		w.nstrs = NULL;
	}
	struct sec *o = out_of(s, si);
	o->data = w.nsyms;
	o->sh.size = (uint64_t)k * es;
	o->sh.info = (uint32_t)nlocal;
	o->changed = true;
	w.nsyms = NULL;
	if (xi >= 0) {
		struct sec *x = out_of(s, (size_t)xi);
		x->data = w.nxs;
		x->sh.size = (uint64_t)k * 4;
		x->changed = true;
		w.nxs = NULL;
	}
	trace(s->o->debug, s->path, "%s: %zu of %zu symbols kept%s", name_of(s, si), k, n,
	      own_str ? ", string table compacted" : "");
	rc = 0;
out:
	symwork_free(&w);
	return rc;
}

static size_t chdr_size(struct elf_class c)
{
	return c.is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
}

#define CHDR_PUT(c, p, F, v) store_uint((p) + ((c).is64 ? offsetof(Elf64_Chdr, F) : \
	offsetof(Elf32_Chdr, F)), (c).is64 ? sizeof(((Elf64_Chdr *)0)->F) : \
	sizeof(((Elf32_Chdr *)0)->F), (c).msb, (v))
#define CHDR_GET(c, p, F) load_uint((p) + ((c).is64 ? offsetof(Elf64_Chdr, F) : \
	offsetof(Elf32_Chdr, F)), (c).is64 ? sizeof(((Elf64_Chdr *)0)->F) : \
	sizeof(((Elf32_Chdr *)0)->F), (c).msb)

/* gABI compression: an Elf32/64_Chdr, then a zlib stream; kept only when
 * smaller, as binutils does.  The section is aligned for its header. */
static int compress_section(struct strip *s, struct sec *o)
{
	size_t ch = chdr_size(s->cls);
	unsigned char *in = read_view(s, s->sh[o->old].offset, o->sh.size), *buf = NULL;
	uLong bound;
	uLongf zlen;

	if (!in)
		return -1;
	if ((uint64_t)(uLong)o->sh.size != o->sh.size) {
		free(in);
		return error(s->path, "%s is too large to compress", o->name);
	}
	bound = compressBound((uLong)o->sh.size);
	zlen = bound;
	buf = malloc(ch + bound);
	if (!buf) {
		free(in);
		return error(s->path, "out of memory");
	}
	if (compress2(buf + ch, &zlen, in, (uLong)o->sh.size, Z_BEST_COMPRESSION) != Z_OK) {
		free(in);
		free(buf);
		return error(s->path, "cannot compress %s", o->name);
	}
	free(in);
	if (ch + zlen >= o->sh.size) {
		free(buf);
		return 0;
	}
	memset(buf, 0, ch);
	CHDR_PUT(s->cls, buf, ch_type, ELFCOMPRESS_ZLIB);
	CHDR_PUT(s->cls, buf, ch_size, o->sh.size);
	CHDR_PUT(s->cls, buf, ch_addralign, o->sh.addralign);
	o->data = buf;
	o->sh.size = ch + zlen;
	o->sh.flags |= SHF_COMPRESSED;
	o->sh.addralign = s->cls.is64 ? 8 : 4;
	o->changed = true;
	return 0;
}

static int inflate_to(const struct strip *s, const struct sec *o, const unsigned char *z,
		      uint64_t zlen, uint64_t size, unsigned char **res)
{
	uLongf got = (uLongf)size;
	unsigned char *buf;

	if ((uint64_t)(uLongf)size != size || (uint64_t)(uLong)zlen != zlen
	    || size > (uint64_t)1 << 40)
		return error(s->path, "%s: uncompressed size %llu is not plausible", o->name,
			     (unsigned long long)size);
	buf = malloc(size ? (size_t)size : 1);
	if (!buf)
		return error(s->path, "out of memory");
	if (uncompress(buf, &got, z, (uLong)zlen) != Z_OK || got != size) {
		free(buf);
		return error(s->path, "%s: corrupt compressed data", o->name);
	}
	*res = buf;
	return 0;
}

/* SHF_COMPRESSED sections, and the older .zdebug* ones ("ZLIB", a 64-bit
 * big-endian size, the stream), which get their .debug* name back. */
static int decompress_section(struct strip *s, struct sec *o)
{
	size_t ch = chdr_size(s->cls);
	unsigned char *in = read_view(s, s->sh[o->old].offset, o->sh.size);
	int rc = -1;

	if (!in)
		return -1;
	if (o->sh.flags & SHF_COMPRESSED) {
		if (o->sh.size < ch) {
			error(s->path, "%s: compression header is truncated", o->name);
			goto out;
		}
		uint64_t type = CHDR_GET(s->cls, in, ch_type);
		if (type != ELFCOMPRESS_ZLIB) {
			error(s->path, "%s: compression type %llu is not supported", o->name,
			      (unsigned long long)type);
			goto out;
		}
		uint64_t size = CHDR_GET(s->cls, in, ch_size), align = CHDR_GET(s->cls, in, ch_addralign);
		if (inflate_to(s, o, in + ch, o->sh.size - ch, size, &o->data) < 0)
			goto out;
		o->sh.size = size;
		o->sh.addralign = align;
		o->sh.flags &= ~(uint64_t)SHF_COMPRESSED;
	} else {
		if (o->sh.size < 12 || memcmp(in, "ZLIB", 4) != 0) {
			rc = 0;
			goto out;
		}
		if (inflate_to(s, o, in + 12, o->sh.size - 12, load_uint(in + 4, 8, true), &o->data) < 0)
			goto out;
		o->sh.size = load_uint(in + 4, 8, true);
		const char *tail = o->name + strlen(".zdebug");
		char *nm = malloc(strlen(".debug") + strlen(tail) + 1);
		if (!nm) {
			error(s->path, "out of memory");
			goto out;
		}
		strcpy(nm, ".debug");
		strcat(nm, tail);
		o->name = nm;
		o->own_name = true;
	}
	o->changed = true;
	rc = 0;
out:
	free(in);
	return rc;
}

static int file_crc(const char *path, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0, Z_NULL, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return error(path, "cannot open: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return error(path, "read failed: %s", strerror(e));
		}
		c = crc32(c, buf, (uInt)n);
	}
	close(fd);
	*crc = (uint32_t)c;
	return 0;
}

/* .gnu_debuglink: the debug file's base name, NUL, padding to 4, and the
 * CRC-32 of the whole debug file in the target's byte order. */
static int debuglink_contents(const struct strip *s, const char *file, unsigned char **data,
			      uint64_t *size)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t len = align_up(strlen(base) + 1, 4);
	uint32_t crc = 0;

	if (file_crc(file, &crc) < 0) {
		if (!s->o->dry_run)
			return -1;
		crc = 0;
	}
	*data = calloc(1, len + 4);
	if (!*data)
		return error(s->path, "out of memory");
	memcpy(*data, base, strlen(base));
	store_uint(*data + len, 4, s->cls.msb, crc);
	*size = len + 4;
	return 0;
}

/* Kept sections in header order, plus a new .gnu_debuglink before the
 * section name table when that table is last (where objcopy puts it). */
static int build_output(struct strip *s)
{
	size_t kept = 0, dl_at = SIZE_MAX;
	long dl_old = -1;
	const struct options *o = s->o;

	for (size_t i = 0; i < s->shnum; i++)
		if (!s->gone[i]) {
			kept++;
			if (strcmp(name_of(s, i), ".gnu_debuglink") == 0 && i)
				dl_old = (long)i;
		}
	bool add_dl = o->add_debuglink && dl_old < 0;
	s->out = calloc(kept + add_dl, sizeof(*s->out));
	if (!s->out)
		return error(s->path, "out of memory");
	size_t last_kept = 0;
	for (size_t i = 0; i < s->shnum; i++)
		if (!s->gone[i])
			last_kept = i;
	for (size_t i = 0; i < s->shnum; i++) {
		if (s->gone[i])
			continue;
		if (add_dl && i == s->shstrndx && i == last_kept)
			dl_at = s->nout++;
		s->map[i] = s->nout;
		s->out[s->nout++] = (struct sec){ .old = i, .name = name_of(s, i), .sh = s->sh[i] };
	}
	if (add_dl && dl_at == SIZE_MAX)
		dl_at = s->nout++;
	if (add_dl)
		s->out[dl_at] = (struct sec){ .old = NEW_SECTION, .name = ".gnu_debuglink",
			.sh = { .type = SHT_PROGBITS, .addralign = 4 }, .changed = true };
	if (o->add_debuglink) {
		struct sec *d = add_dl ? &s->out[dl_at] : out_of(s, (size_t)dl_old);
		free(d->data);
		if (debuglink_contents(s, o->add_debuglink, &d->data, &d->sh.size) < 0)
			return -1;
		d->changed = true;
	}
	return 0;
}

/* Whether any name leaves or joins the table.  If none does, the table
 * stays as it is: a strip that removes nothing writes nothing. */
static bool names_change(const struct strip *s)
{
	for (size_t i = 1; i < s->shnum; i++)
		if (s->gone[i])
			return true;
	for (size_t i = 0; i < s->nout; i++)
		if (s->out[i].old == NEW_SECTION || s->out[i].own_name)
			return true;
	return false;
}

/* The section name table: rebuilt from the kept names when it is only
 * that, else the old one with any new names appended. */
static int build_names(struct strip *s)
{
	struct sec *t = out_of(s, s->shstrndx);
	struct strbuild sb = { 0 };
	long *ids;
	int rc = -1;

	if (!names_change(s))
		return 0;
	ids = calloc(s->nout, sizeof(*ids));
	if (!ids)
		return error(s->path, "out of memory");
	if (linked_only_by(s, s->shstrndx, SIZE_MAX, SIZE_MAX)) {
		for (size_t i = 0; i < s->nout; i++)
			if ((ids[i] = sb_add(&sb, s->out[i].name)) < 0)
				goto oom;
		if (sb_finish(&sb) < 0)
			goto oom;
		for (size_t i = 0; i < s->nout; i++)
			s->out[i].sh.name = (uint32_t)sb.e[ids[i]].off;
		free(t->data);
		t->data = sb.buf;
		t->sh.size = sb.size;
		sb.buf = NULL;
	} else {
		uint64_t size = s->names_size;
		for (size_t i = 0; i < s->nout; i++)
			if (s->out[i].old == NEW_SECTION || s->out[i].own_name)
				size += strlen(s->out[i].name) + 1;
		unsigned char *b = malloc((size_t)size);
		if (!b)
			goto oom;
		memcpy(b, s->names, (size_t)s->names_size);
		size = s->names_size;
		for (size_t i = 0; i < s->nout; i++)
			if (s->out[i].old == NEW_SECTION || s->out[i].own_name) {
				size_t l = strlen(s->out[i].name) + 1;
				memcpy(b + size, s->out[i].name, l);
				s->out[i].sh.name = (uint32_t)size;
				size += l;
			}
		free(t->data);
		t->data = b;
		t->sh.size = size;
	}
	t->changed = true;
	rc = 0;
	goto out;
oom:
	error(s->path, "out of memory");
out:
	sb_free(&sb);
	free(ids);
	return rc;
}

static int build_contents(struct strip *s)
{
	const struct options *o = s->o;

	for (size_t k = 0; k < s->nout; k++) {
		struct sec *c = &s->out[k];
		if (c->old == NEW_SECTION || c->old == 0)
			continue;
		const struct xshdr *h = &s->sh[c->old];
		if (h->type == SHT_SYMTAB && !(h->flags & SHF_ALLOC)) {
			if (rebuild_symtab(s, c->old) < 0)
				return -1;
			continue;
		}
		if ((h->flags & SHF_ALLOC) || h->type == SHT_NOBITS || h->size == 0)
			continue;
		if (o->compress_debug && !(h->flags & SHF_COMPRESSED) && starts(c->name, ".debug")
		    && compress_section(s, c) < 0)
			return -1;
		if (o->decompress_debug && ((h->flags & SHF_COMPRESSED) || starts(c->name, ".zdebug"))
		    && decompress_section(s, c) < 0)
			return -1;
	}
	if (s->shstrndx && build_names(s) < 0)
		return -1;
	/* A rebuilt section identical to the old one does not count as
	 * changed: it may then stay where it is. */
	for (size_t k = 0; k < s->nout; k++) {
		struct sec *c = &s->out[k];
		if (!c->changed || c->old == NEW_SECTION)
			continue;
		const struct xshdr *h = &s->sh[c->old];
		if (c->sh.size != h->size || c->sh.flags != h->flags || c->sh.name != h->name
		    || c->sh.info != h->info)
			continue;
		unsigned char *own;
		const unsigned char *old = view(s, h->offset, h->size, &own);
		if (!old)
			return -1;
		if (memcmp(old, c->data, (size_t)h->size) == 0) {
			free(c->data);
			c->data = NULL;
			c->changed = false;
		}
		free(own);
	}
	return 0;
}

static bool in_segment(const struct strip *s, uint64_t off, uint64_t size)
{
	if (size == 0)
		return false;
	for (size_t i = 0; i < s->phnum; i++) {
		const struct xphdr *p = &s->ph[i];
		if (p->filesz && off >= p->offset && off - p->offset < p->filesz
		    && size <= p->filesz - (off - p->offset))
			return true;
	}
	return false;
}

static bool has_bytes(const struct xshdr *h)
{
	return h->type != SHT_NOBITS && h->type != SHT_NULL && h->size;
}

static int add_extent(struct extent **ex, size_t *n, uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	struct extent *e = realloc(*ex, (*n + 1) * sizeof(**ex));
	if (!e)
		return -1;
	e[(*n)++] = (struct extent){ off, off + len };
	*ex = e;
	return 0;
}

static bool overlaps(const struct extent *ex, size_t n, uint64_t off, uint64_t len)
{
	for (size_t i = 0; i < n; i++)
		if (len && off < ex[i].end && ex[i].off < off + len)
			return true;
	return false;
}

/* First place at or after `pos`, aligned, that overlaps no extent. */
static uint64_t place(const struct extent *ex, size_t n, uint64_t pos, uint64_t len, uint64_t align)
{
	if (!is_pow2(align))
		align = 1;
	pos = align_up(pos, align);
	for (bool moved = true; moved;) {
		moved = false;
		for (size_t i = 0; i < n; i++)
			if (len ? pos < ex[i].end && ex[i].off < pos + len
				: pos > ex[i].off && pos < ex[i].end) {
				pos = align_up(ex[i].end, align);
				moved = true;
			}
	}
	return pos;
}

static uint64_t sht_align(struct elf_class c)
{
	return c.is64 ? 8 : 4;
}

/* The stages of the write order (sections.h): after phase 1, the moving
 * sections are in the tail; after phase 2, the loads that move are at
 * their new offsets too; after phase 3, everything is final. */
enum stage { TAIL, MID, FINAL };

/* How far the byte range moves: by the delta of the moving load that
 * holds it, else 0. */
static uint64_t seg_delta(const struct strip *s, uint64_t off, uint64_t len)
{
	for (size_t j = 0; j < s->nseg; j++) {
		const struct segmove *m = &s->seg[j];
		if (m->delta && off >= m->old && off - m->old <= m->len && len <= m->len - (off - m->old))
			return m->delta;
	}
	return 0;
}

static int encode_sht(const struct strip *s, enum stage st, unsigned char **buf)
{
	size_t shs = shdr_size(s->cls);
	unsigned char *b = calloc(s->nout, shs);

	if (!b)
		return error(s->path, "out of memory");
	for (size_t k = 0; k < s->nout; k++) {
		const struct sec *c = &s->out[k];
		struct xshdr h = c->sh;
		if (k == 0) {
			h.size = s->nout >= SHN_LORESERVE ? s->nout : 0;
			h.link = s->map[s->shstrndx] >= SHN_LORESERVE ? (uint32_t)s->map[s->shstrndx] : 0;
		} else {
			if (h.link && h.link < s->shnum && c->old != NEW_SECTION)
				h.link = (uint32_t)s->map[h.link];
			if ((is_rel(h.type) || (h.flags & SHF_INFO_LINK)) && h.info < s->shnum)
				h.info = (uint32_t)s->map[h.info];
			if (c->moves && st != FINAL)
				h.offset = c->tail_off;
			else if (!c->moves && st != TAIL)
				h.offset -= seg_delta(s, h.offset, has_bytes(&h) ? h.size : 0);
		}
		if (shdr_encode(s->cls, b + k * shs, &h) < 0) {
			free(b);
			return error(s->path, "section header value does not fit the file's class");
		}
	}
	*buf = b;
	return 0;
}

/* The program headers once the loads have moved. */
static int encode_pht(const struct strip *s, unsigned char *b)
{
	size_t phs = phdr_size(s->cls);

	for (size_t i = 0; i < s->phnum; i++) {
		struct xphdr ph = s->ph[i];
		ph.offset -= seg_delta(s, ph.offset, ph.filesz);
		if (phdr_encode(s->cls, b + i * phs, &ph) < 0)
			return error(s->path, "program header value does not fit the file's class");
	}
	return 0;
}

/* The ELF header with the new table; in phase 2 followed, in the same
 * single write, by the program headers of the moved loads. */
static int plan_ehdr(const struct strip *s, struct plan *p, uint64_t shoff, enum stage st,
		     const char *what)
{
	size_t ehs = ehdr_size(s->cls), phs = phdr_size(s->cls);
	bool with_pht = st == MID;
	size_t len = ehs + (with_pht ? s->phnum * phs : 0);
	unsigned char *b = read_view(s, 0, len);
	struct xehdr eh;

	if (!b)
		return -1;
	ehdr_decode(s->cls, b, &eh);
	eh.shoff = shoff;
	eh.shnum = (uint16_t)(s->nout >= SHN_LORESERVE ? 0 : s->nout);
	eh.shstrndx = (uint16_t)(s->map[s->shstrndx] >= SHN_LORESERVE ? SHN_XINDEX
				 : s->map[s->shstrndx]);
	if (ehdr_encode(s->cls, b, &eh) < 0 || (with_pht && encode_pht(s, b + ehs) < 0)) {
		free(b);
		return error(s->path, "ELF header value does not fit the file's class");
	}
	return plan_add_owned(p, 0, b, len, "%s: e_shoff = 0x%llx, %zu sections%s", what,
			      (unsigned long long)shoff, s->nout, st == MID ? ", loads moved" : "");
}

/* Contents of a moving section: new ones, or the old bytes. */
static int contents(const struct strip *s, struct sec *c)
{
	unsigned char *own;
	const unsigned char *d;

	if (c->data || !has_bytes(&c->sh))
		return 0;
	if (!(d = view(s, s->sh[c->old].offset, c->sh.size, &own)))
		return -1;
	c->data = own ? own : (unsigned char *)d;
	c->borrowed = !own;
	return 0;
}

/* A moving load's bytes at its new offset. */
static int plan_segment(const struct strip *s, struct plan *p, const struct segmove *m,
			const char *what)
{
	unsigned char *b = read_view(s, m->old, m->len);

	if (!b)
		return -1;
	return plan_add_owned(p, m->old - m->delta, b, (size_t)m->len, "%s: loadable segment %zu "
			      "moved from 0x%llx to 0x%llx", what, m->ph, (unsigned long long)m->old,
			      (unsigned long long)(m->old - m->delta));
}

/* A moving section's bytes at `off`, without a copy: unchanged ones are
 * read from the map at commit (plan_add_mapped() copies them if a write
 * before could change them); new contents go to the plan with their
 * first write, and a second write (phase 1, then final) refers to it. */
static int plan_contents(const struct strip *s, struct plan *p, struct sec *c, uint64_t off,
			 const char *what)
{
	size_t len = (size_t)c->sh.size;

	if (c->borrowed)
		return plan_add_mapped(p, off, s->img->map, s->sh[c->old].offset, len,
				       "%s: %s at 0x%llx", what, c->name, (unsigned long long)off);
	if (c->handed)
		return plan_add_ref(p, off, c->data, len, "%s: %s at 0x%llx", what, c->name,
				    (unsigned long long)off);
	c->handed = true;
	return plan_add_owned(p, off, c->data, len, "%s: %s at 0x%llx", what, c->name,
			      (unsigned long long)off);
}

static int plan_stage(struct strip *s, struct plan *p, enum stage st, const char *what)
{
	unsigned char *sht = NULL;
	uint64_t shoff = st == TAIL ? s->tail_shoff : st == MID ? s->mid_shoff : s->shoff;

	for (size_t k = 1; k < s->nout && st != MID; k++) {
		struct sec *c = &s->out[k];
		if (c->moves && has_bytes(&c->sh) && !(st == TAIL && c->once)
		    && plan_contents(s, p, c, st == TAIL ? c->tail_off : c->sh.offset, what) < 0)
			return -1;
	}
	for (size_t j = 0; j < s->nseg && st == MID; j++)
		if (s->seg[j].delta && plan_segment(s, p, &s->seg[j], what) < 0)
			return -1;
	if (encode_sht(s, st, &sht) < 0)
		return -1;
	if (plan_add_owned(p, shoff, sht, s->nout * shdr_size(s->cls),
			   "%s: section header table at 0x%llx", what, (unsigned long long)shoff) < 0)
		return -1;
	return plan_ehdr(s, p, shoff, st, what);
}

static int cmp_by_offset(const void *a, const void *b)
{
	const struct sec *x = *(const struct sec *const *)a, *y = *(const struct sec *const *)b;
	uint64_t ox = x->old == NEW_SECTION ? UINT64_MAX : x->sh.offset;
	uint64_t oy = y->old == NEW_SECTION ? UINT64_MAX : y->sh.offset;

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return x->old < y->old ? -1 : x->old > y->old;
}

static bool in_candidate(const struct strip *s, uint64_t off, uint64_t len)
{
	for (size_t j = 0; j < s->nseg; j++)
		if (off >= s->seg[j].old && off - s->seg[j].old < s->seg[j].len
		    && len <= s->seg[j].len - (off - s->seg[j].old))
			return true;
	return false;
}

/* Loads that start after the first freed byte (a segment patchelf
 * appended after the debug sections) may move down by whole multiples of
 * their alignment, which keeps p_offset congruent to p_vaddr.  The
 * program headers then change in the same single write as e_shoff, so
 * they must follow the ELF header.  A load that holds the program header
 * table never moves: loaders that compute AT_PHDR as the first load's
 * p_vaddr - p_offset + e_phoff (Linux before 5.18, qemu-user) would no
 * longer find it (our growth places such a load so that they do). */
static void find_candidates(struct strip *s, uint64_t dirty)
{
	size_t phs = phdr_size(s->cls);

	s->nseg = 0;
	if (s->eh.phoff != ehdr_size(s->cls) || dirty == UINT64_MAX)
		return;
	for (size_t i = 0; i < s->phnum; i++) {
		const struct xphdr *ph = &s->ph[i];
		if (ph->type != PT_LOAD || !ph->filesz || ph->offset < dirty || !is_pow2(ph->align)
		    || (s->eh.phoff + s->phnum * phs > ph->offset
			&& s->eh.phoff < ph->offset + ph->filesz))
			continue;
		s->seg[s->nseg++] = (struct segmove){ i, ph->offset, ph->filesz, 0 };
	}
}

/* Final places, in file order from the first freed byte: sections packed
 * around whatever stays, loads moved down as far as their alignment and
 * the bytes still live during phase 2 allow.  Returns 1 when a load that
 * cannot move is overlapped by an earlier placement (the caller retries
 * without moving loads). */
static int place_all(struct strip *s, struct sec **mov, size_t nmov, uint64_t dirty,
		     struct extent **fx, size_t *nfx, uint64_t *pos)
{
	size_t j = 0, k = 0;

	*pos = dirty;
	while (k < nmov || j < s->nseg) {
		if (j < s->nseg && (k == nmov || s->seg[j].old <= mov[k]->sh.offset)) {
			struct segmove *m = &s->seg[j++];
			uint64_t a = s->ph[m->ph].align > 1 ? s->ph[m->ph].align : 1;
			uint64_t n = m->old >= *pos ? (m->old - *pos) / a : 0;
			for (; n; n--) {
				uint64_t no = m->old - n * a;
				bool ok = no + m->len <= m->old && !overlaps(*fx, *nfx, no, m->len);
				for (size_t i = 0; i < s->nseg && ok; i++)
					ok = &s->seg[i] == m || no + m->len <= s->seg[i].old
					     || no >= s->seg[i].old + s->seg[i].len;
				if (ok)
					break;
			}
			m->delta = n * a;
			if (add_extent(fx, nfx, m->old - m->delta, m->len) < 0)
				return error(s->path, "out of memory");
			if (m->delta) {
				*pos = m->old - m->delta + m->len;
				continue;
			}
			for (size_t i = 0; i < k; i++)
				if (has_bytes(&mov[i]->sh) && mov[i]->sh.offset < m->old + m->len
				    && m->old < mov[i]->sh.offset + mov[i]->sh.size)
					return 1;
			continue;
		}
		struct sec *c = mov[k++];
		uint64_t len = has_bytes(&c->sh) ? c->sh.size : 0;
		c->sh.offset = place(*fx, *nfx, *pos, len, c->sh.addralign);
		*pos = c->sh.offset + len;
	}
	return 0;
}

/* A moving section with unchanged bytes can stay at its old place
 * through phase 1 and be written once, at its final place, when no write
 * of the final stage covers that old place: a process killed during the
 * stage then leaves those bytes intact where the phase-1 table points.
 * Not when loads move: their writes are not checked here. */
static bool stays_put(const struct strip *s, struct sec *const *mov, size_t nmov,
		      const struct sec *c, uint64_t sht_len)
{
	struct extent old;

	/* Borrowed: an old section (not a new one) with its bytes as they are. */
	if (!c->borrowed || !has_bytes(&c->sh))
		return false;
	old = (struct extent){ s->sh[c->old].offset, s->sh[c->old].offset + c->sh.size };
	if (overlaps(&old, 1, s->shoff, sht_len))
		return false;
	for (size_t k = 0; k < nmov; k++)
		if (has_bytes(&mov[k]->sh) && overlaps(&old, 1, mov[k]->sh.offset, mov[k]->sh.size))
			return false;
	return true;
}

/* Decides what moves and where, then plans the phases. */
static int layout(struct strip *s, struct plan *p)
{
	size_t shs = shdr_size(s->cls), nfx = 0, nlive = 0, nmov = 0, nmoved = 0;
	struct extent *fx = NULL, *live = NULL;
	struct sec **mov = calloc(s->nout, sizeof(*mov));
	uint64_t dirty = UINT64_MAX, fixed_end = 0, pos, end, sht_len = s->nout * shs;
	bool sht_in_seg = in_segment(s, s->eh.shoff, s->shnum * shs);
	int rc = -1;

	s->seg = calloc(s->phnum ? s->phnum : 1, sizeof(*s->seg));
	if (!mov || !s->seg) {
		free(mov);
		return error(s->path, "out of memory");
	}
	/* Bytes that are freed: removed and rewritten sections, the old table. */
	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		bool freed = s->gone[i] || s->out[s->map[i]].changed;
		if (freed && !(h->flags & SHF_ALLOC) && has_bytes(h) && !in_segment(s, h->offset, h->size)
		    && h->offset < dirty)
			dirty = h->offset;
	}
	if (!sht_in_seg && s->eh.shoff < dirty)
		dirty = s->eh.shoff;
	find_candidates(s, dirty);
	for (int pass = 0;; pass++) {
		/* Everything that stays put, but the loads that may move. */
		nfx = nmov = 0;
		if (add_extent(&fx, &nfx, 0, ehdr_size(s->cls)) < 0
		    || add_extent(&fx, &nfx, s->eh.phoff, s->phnum * phdr_size(s->cls)) < 0)
			goto oom;
		for (size_t i = 0; i < s->phnum; i++)
			if (!in_candidate(s, s->ph[i].offset, s->ph[i].filesz)
			    && add_extent(&fx, &nfx, s->ph[i].offset, s->ph[i].filesz) < 0)
				goto oom;
		for (size_t k = 1; k < s->nout; k++) {
			struct sec *c = &s->out[k];
			const struct xshdr *h = c->old == NEW_SECTION ? NULL : &s->sh[c->old];
			bool fixed = h && (h->flags & SHF_ALLOC);
			if (!fixed)
				c->moves = !h || c->changed
					   || (!in_segment(s, h->offset, h->size) && h->offset >= dirty);
			if (!fixed && c->moves)
				mov[nmov++] = c;
			else if (has_bytes(h) && !in_candidate(s, h->offset, h->size)
				 && add_extent(&fx, &nfx, h->offset, h->size) < 0)
				goto oom;
		}
		qsort(mov, nmov, sizeof(*mov), cmp_by_offset);
		for (size_t k = 0; k < nmov; k++) {
			if (mov[k]->old != NEW_SECTION)
				mov[k]->sh.offset = s->sh[mov[k]->old].offset;
			if (contents(s, mov[k]) < 0)
				goto out;
		}
		int r = place_all(s, mov, nmov, dirty == UINT64_MAX ? 0 : dirty, &fx, &nfx, &pos);
		if (r < 0)
			goto out;
		if (r == 0 || pass)
			break;
		trace(s->o->debug, s->path, "loads after the removed sections stay where they are");
		s->nseg = 0;
	}
	for (size_t j = 0; j < s->nseg; j++)
		nmoved += s->seg[j].delta != 0;
	for (size_t i = 0; i < nfx; i++)
		if (fx[i].end > fixed_end)
			fixed_end = fx[i].end;
	if (dirty == UINT64_MAX)
		pos = fixed_end;
	s->shoff = place(fx, nfx, pos, sht_len, sht_align(s->cls));
	end = s->shoff + sht_len;
	if (end < fixed_end)
		end = fixed_end;
	/* Phase 1 is needed when a final place overlaps a byte the old
	 * table (or anything else still live) uses. */
	for (size_t i = 1; i < s->shnum; i++)
		if (has_bytes(&s->sh[i]) && add_extent(&live, &nlive, s->sh[i].offset, s->sh[i].size) < 0)
			goto oom;
	if (add_extent(&live, &nlive, s->eh.shoff, s->shnum * shs) < 0)
		goto oom;
	bool two_phase = nmoved || overlaps(live, nlive, s->shoff, sht_len);
	for (size_t k = 0; k < nmov && !two_phase; k++)
		two_phase = has_bytes(&mov[k]->sh)
			    && overlaps(live, nlive, mov[k]->sh.offset, mov[k]->sh.size);
	uint64_t now = s->size > p->grow_to ? s->size : p->grow_to, top = end > now ? end : now;
	if (two_phase) {
		pos = align_up(top, 64);
		for (size_t k = 0; k < nmov; k++) {
			struct sec *c = mov[k];
			if (!nmoved && stays_put(s, mov, nmov, c, sht_len)) {
				c->once = true;
				c->tail_off = s->sh[c->old].offset;
				continue;
			}
			uint64_t a = is_pow2(c->sh.addralign) ? c->sh.addralign : 1;
			c->tail_off = align_up(pos, a);
			pos = c->tail_off + (has_bytes(&c->sh) ? c->sh.size : 0);
		}
		s->tail_shoff = align_up(pos, sht_align(s->cls));
		s->mid_shoff = s->tail_shoff + sht_len;
		top = nmoved ? s->mid_shoff + sht_len : s->tail_shoff + sht_len;
	}
	if (top > now)
		p->grow_to = top;
	trace(s->o->debug, s->path, "%zu of %zu sections kept, %zu move, %zu loadable segment%s move; "
	      "from 0x%llx the file ends at 0x%llx (was 0x%llx)%s", s->nout, s->shnum, nmov, nmoved,
	      nmoved == 1 ? "" : "s", (unsigned long long)(dirty == UINT64_MAX ? fixed_end : dirty),
	      (unsigned long long)end, (unsigned long long)now,
	      two_phase ? ", via copies past the end" : "");
	if (two_phase && plan_stage(s, p, TAIL, "strip, phase 1") < 0)
		goto out;
	if (nmoved && plan_stage(s, p, MID, "strip, phase 2") < 0)
		goto out;
	if (plan_stage(s, p, FINAL, !two_phase ? "strip" : nmoved ? "strip, phase 3"
			: "strip, phase 2") < 0)
		goto out;
	if (end < top)
		p->truncate_to = end;
	rc = 0;
	goto out;
oom:
	error(s->path, "out of memory");
out:
	free(fx);
	free(live);
	free(mov);
	return rc;
}

/* --strip-section-headers: the table and every byte after the last one a
 * program header covers go; one write of the ELF header, then truncate. */
static int plan_sstrip(struct strip *s, struct plan *p)
{
	uint64_t end = ehdr_size(s->cls), now = s->size > p->grow_to ? s->size : p->grow_to;
	unsigned char b[sizeof(Elf64_Ehdr)];
	struct xehdr eh;
	unsigned char *cur;

	if (s->o->add_debuglink || s->o->compress_debug || s->o->decompress_debug)
		return error(s->path, "--strip-section-headers removes every section: it does not "
			     "combine with --add-gnu-debuglink or (de)compression");
	if (s->eh.phnum == PN_XNUM)
		return error(s->path, "cannot drop the section header table: it holds the program "
			     "header count");
	if (s->phnum == 0)
		return error(s->path, "cannot drop the section header table: no program headers");
	if (s->phnum && s->eh.phoff + s->phnum * phdr_size(s->cls) > end)
		end = s->eh.phoff + s->phnum * phdr_size(s->cls);
	for (size_t i = 0; i < s->phnum; i++)
		if (s->ph[i].filesz && s->ph[i].offset + s->ph[i].filesz > end)
			end = s->ph[i].offset + s->ph[i].filesz;
	if (s->eh.shoff == 0 && s->eh.shnum == 0 && end >= now)
		return 0;
	if (!(cur = read_view(s, 0, ehdr_size(s->cls))))
		return -1;
	plan_overlay(p, 0, cur, ehdr_size(s->cls));
	ehdr_decode(s->cls, cur, &eh);
	free(cur);
	eh.shoff = 0;
	eh.shnum = 0;
	eh.shstrndx = SHN_UNDEF;
	if (ehdr_encode(s->cls, b, &eh) < 0)
		return error(s->path, "ELF header value does not fit the file's class");
	if (plan_add(p, 0, b, ehdr_size(s->cls), "--strip-section-headers: no section header table")
	    < 0)
		return -1;
	if (end < now)
		p->truncate_to = end;
	return 0;
}

static void strip_free(struct strip *s)
{
	if (s->out)
		for (size_t k = 0; k < s->nout; k++) {
			if (!s->out[k].borrowed && !s->out[k].handed)
				free(s->out[k].data);
			if (s->out[k].own_name)
				free((char *)s->out[k].name);
		}
	free(s->out);
	free(s->seg);
	free(s->ph);
	free(s->sh);
	free(s->names);
	free(s->gone);
	free(s->asked_gone);
	free(s->asked_kept);
	free(s->map);
}

static int check_type(const struct elf_image *img)
{
	if (img->eh.type == ET_EXEC || img->eh.type == ET_DYN)
		return 0;
	return error(img->path, "cannot strip %s: only executables and shared libraries are "
		     "supported", img->eh.type == ET_REL ? "a relocatable object (ET_REL)"
		     : img->eh.type == ET_CORE ? "a core file" : "this file type");
}

int plan_sections(const struct elf_image *img, const struct options *o, struct plan *p)
{
	struct strip s = { .img = img, .o = o, .p = p, .path = img->path, .cls = img->cls };
	bool any = false;
	int rc = -1;

	if (check_type(img) < 0)
		return -1;
	s.size = img->size > p->grow_to ? img->size : p->grow_to;
	if (load_headers(&s) < 0)
		goto out;
	if (o->strip_section_headers) {
		rc = plan_sstrip(&s, p);
		goto out;
	}
	if (s.shnum == 0) {
		if (o->add_debuglink)
			rc = error(img->path, "cannot add .gnu_debuglink: no section header table");
		else {
			trace(o->debug, img->path, "no section header table: nothing to strip");
			rc = 0;
		}
		goto out;
	}
	s.gone = calloc(s.shnum, sizeof(*s.gone));
	s.asked_gone = calloc(s.shnum, sizeof(*s.asked_gone));
	s.asked_kept = calloc(s.shnum, sizeof(*s.asked_kept));
	s.map = calloc(s.shnum, sizeof(*s.map));
	if (!s.gone || !s.asked_gone || !s.asked_kept || !s.map) {
		error(img->path, "out of memory");
		goto out;
	}
	if (decide(&s) < 0 || build_output(&s) < 0 || check_alloc_indices(&s) < 0)
		goto out;
	for (size_t i = 0; i < s.shnum; i++)
		if (s.gone[i]) {
			trace(o->debug, img->path, "removing section %s", name_of(&s, i));
			any = true;
		}
	if (build_contents(&s) < 0)
		goto out;
	for (size_t k = 0; k < s.nout; k++)
		any |= s.out[k].changed;
	if (!any) {
		trace(o->debug, img->path, "no section to remove or change");
		rc = 0;
		goto out;
	}
	rc = layout(&s, p);
out:
	strip_free(&s);
	return rc;
}

int plan_simulate(const struct elf_image *img, const struct plan *p, unsigned char **buf,
		  uint64_t *size)
{
	uint64_t n = img->size > p->grow_to ? img->size : p->grow_to;
	unsigned char *b;

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

/* What a separate debug file keeps the bytes of: everything not
 * allocated, the notes (the build ID) and .interp; the other allocated
 * sections become SHT_NOBITS of the same address and size, so section
 * indices, and with them the symbol table, stay as they are. */
static bool debug_file_keeps(const struct elf_image *img, size_t i)
{
	const struct xshdr *h = &img->sh[i];

	if (!has_bytes(h))
		return false;
	return !(h->flags & SHF_ALLOC) || h->type == SHT_NOTE
	       || strcmp(section_name(img, i), ".interp") == 0;
}

/* A segment keeps its file bytes in the debug file when kept sections,
 * moved by one common delta, cover it exactly from its start. */
static void debug_file_phdr(const struct elf_image *img, const struct xshdr *nsh, struct xphdr *p)
{
	uint64_t covered = 0;
	bool have = false;
	int64_t delta = 0;

	uint64_t pht_end = img->eh.phoff + img->phnum * phdr_size(img->cls);

	if (p->type == PT_PHDR || p->filesz == 0)
		return;
	/* The load that maps the program headers keeps mapping them, and
	 * the kept sections after them that did not move (.interp, notes:
	 * gdb wants allocated sections with contents inside a segment). */
	if (p->type == PT_LOAD && img->phnum && img->eh.phoff >= p->offset
	    && pht_end <= p->offset + p->filesz) {
		uint64_t end = pht_end;
		for (size_t i = 1; i < img->shnum; i++) {
			const struct xshdr *h = &img->sh[i];
			if (debug_file_keeps(img, i) && (h->flags & SHF_ALLOC)
			    && nsh[i].offset == h->offset && h->offset >= p->offset
			    && h->offset + h->size <= p->offset + p->filesz
			    && h->offset + h->size > end)
				end = h->offset + h->size;
		}
		p->filesz = end - p->offset;
		return;
	}
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *h = &img->sh[i];
		if (!debug_file_keeps(img, i) || h->offset < p->offset
		    || h->offset - p->offset >= p->filesz)
			continue;
		int64_t d = (int64_t)(nsh[i].offset - h->offset);
		if (have && d != delta) {
			covered = 0;
			break;
		}
		have = true;
		delta = d;
		if (h->offset - p->offset <= covered)
			covered = h->offset - p->offset + h->size > covered ?
				  h->offset - p->offset + h->size : covered;
	}
	if (have && covered >= p->filesz && (p->type != PT_LOAD || p->align <= 1
					     || ((uint64_t)delta & (p->align - 1)) == 0))
		p->offset += (uint64_t)delta;
	else
		p->filesz = 0;
}

static int build_debug_file(const struct elf_image *img, unsigned char **out, uint64_t *len)
{
	size_t shs = shdr_size(img->cls), phs = phdr_size(img->cls);
	struct xshdr *nsh = calloc(img->shnum, sizeof(*nsh));
	struct xphdr ph;
	struct xehdr eh = img->eh;
	uint64_t pos = ehdr_size(img->cls), end;
	unsigned char *b = NULL;
	int rc = -1;

	if (!nsh)
		return error(img->path, "out of memory");
	if (img->phnum && img->eh.phoff + img->phnum * phs > pos)
		pos = img->eh.phoff + img->phnum * phs;
	for (size_t i = 0; i < img->shnum; i++) {
		struct xshdr *h = &nsh[i];
		*h = img->sh[i];
		if (i == 0)
			continue;
		uint64_t a = is_pow2(h->addralign) ? h->addralign : 1;
		if (debug_file_keeps(img, i)) {
			h->offset = align_up(pos, a);
			pos = h->offset + h->size;
		} else {
			if ((h->flags & SHF_ALLOC) && h->type != SHT_NULL)
				h->type = SHT_NOBITS;
			h->offset = align_up(pos, a);
		}
	}
	eh.shoff = align_up(pos, sht_align(img->cls));
	end = eh.shoff + img->shnum * shs;
	if ((uint64_t)(size_t)end != end || !(b = calloc(1, (size_t)end))) {
		error(img->path, "out of memory");
		goto out;
	}
	if (ehdr_encode(img->cls, b, &eh) < 0)
		goto toobig;
	/* Section 0 may hold the extended counts: copied as it is. */
	for (size_t i = 0; i < img->phnum; i++) {
		ph = img->ph[i];
		debug_file_phdr(img, nsh, &ph);
		if (phdr_encode(img->cls, b + img->eh.phoff + i * phs, &ph) < 0)
			goto toobig;
	}
	for (size_t i = 1; i < img->shnum; i++)
		if (debug_file_keeps(img, i))
			memcpy(b + nsh[i].offset, img->map + img->sh[i].offset, (size_t)img->sh[i].size);
	for (size_t i = 0; i < img->shnum; i++)
		if (shdr_encode(img->cls, b + eh.shoff + i * shs, &nsh[i]) < 0)
			goto toobig;
	*out = b;
	*len = end;
	b = NULL;
	rc = 0;
	goto out;
toobig:
	error(img->path, "header value does not fit the file's class");
out:
	free(b);
	free(nsh);
	return rc;
}

/* The debug file is a new file: it goes through commit_to_output() (a
 * temporary file beside it, renamed into place) as one write of its
 * whole contents over a copy of the input, cut to length. */
int sections_split_debug(const struct elf_image *img, const struct options *o)
{
	struct plan p;
	unsigned char *b = NULL;
	uint64_t len = 0;
	int rc = -1;

	if (check_type(img) < 0)
		return -1;
	if (img->shnum == 0)
		return error(img->path, "--only-keep-debug: no section header table, no debug "
			     "information to keep");
	if (build_debug_file(img, &b, &len) < 0)
		return -1;
	plan_init(&p);
	if (len > img->size)
		p.grow_to = len;
	else if (len < img->size)
		p.truncate_to = len;
	/* The whole debug file: handed over, not copied. */
	rc = plan_add_owned(&p, 0, b, (size_t)len, "--only-keep-debug: %s, %llu bytes",
			    o->only_keep_debug, (unsigned long long)len);
	if (rc < 0)
		goto out;
	if (o->dry_run) {
		printf("%s: would write the debug file %s (%llu bytes)\n", img->path, o->only_keep_debug,
		       (unsigned long long)len);
		rc = 0;
	} else {
		trace(o->debug, img->path, "writing the debug file %s (%llu bytes)", o->only_keep_debug,
		      (unsigned long long)len);
		rc = commit_to_output((struct elf_image *)img, &p, o->only_keep_debug, o);
	}
out:
	plan_free(&p);
	return rc;
}
