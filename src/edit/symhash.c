/* The hash tables of a --rename-dynamic-symbols (symset.h), rebuilt in
 * place with the sizes the linker gave them: same bucket count, same
 * Bloom filter size and shift, so they fit where they are.
 *
 * DT_GNU_HASH (glibc's dl-lookup.c, do_lookup_x): symbols from symoffset
 * on, grouped by bucket (hash % nbuckets) in bucket order; a bucket holds
 * the index of its first symbol; the chain word of each symbol is its
 * hash with bit 0 set on the last symbol of its bucket; the Bloom filter
 * has, for each symbol, bits hash and hash >> shift (modulo the word's
 * bit count) set in word (hash / bits) % maskwords.
 * DT_HASH (the gABI's): bucket[hash % nbucket] starts a chain through
 * chain[], ended by index 0; its words are dynamic_hash_word() wide.
 * Each chain lists its symbols from the highest index down: the order
 * does not matter to a lookup, only which symbols are there. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/symset.h"

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = h * 33 + *p;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

struct gnu_table {
	uint64_t off;
	size_t len, word;            /* word: a Bloom filter word, 4 or 8 bytes */
	uint32_t nb, first, maskwords, shift;
};

/* True when no bucket holds a symbol: the table covers no symbol, its
 * chains are empty and its symoffset means nothing (ld writes 1 for a
 * program that exports nothing), so it stays as it is. */
static bool gnu_empty(const struct symset *s, const struct gnu_table *g, uint64_t off)
{
	const unsigned char *b = s->img->map + off + 16 + (size_t)g->maskwords * g->word;

	for (uint32_t i = 0; i < g->nb; i++)
		if (load_uint(b + (size_t)i * 4, 4, s->img->cls.msb) != 0)
			return false;
	return true;
}

/* 1 found, 0 without DT_GNU_HASH or with an empty one, -1 after a
 * message. */
static int gnu_locate(const struct symset *s, struct gnu_table *g)
{
	long at = dynamic_find(s->dyn, DT_GNU_HASH, 0);
	const struct elf_image *img = s->img;
	uint64_t off;

	if (at < 0)
		return 0;
	if (!vaddr_to_offset(img, s->dyn->ent[at].val, 16, &off))
		return error(img->path, RENAME ": .gnu.hash lies outside the file");
	g->nb = (uint32_t)load_uint(img->map + off, 4, img->cls.msb);
	g->first = (uint32_t)load_uint(img->map + off + 4, 4, img->cls.msb);
	g->maskwords = (uint32_t)load_uint(img->map + off + 8, 4, img->cls.msb);
	g->shift = (uint32_t)load_uint(img->map + off + 12, 4, img->cls.msb);
	g->word = img->cls.is64 ? 8 : 4;
	/* ld.so masks with maskwords - 1 and shifts a 32-bit hash. */
	if (g->nb == 0 || !is_pow2(g->maskwords) || g->shift >= 32 || s->n > UINT32_MAX)
		return error(img->path, RENAME ": .gnu.hash has a header ld.so cannot use");
	uint64_t head = 16 + (uint64_t)g->maskwords * g->word + (uint64_t)g->nb * 4;
	if (!vaddr_to_offset(img, s->dyn->ent[at].val, head, &off))
		return error(img->path, RENAME ": .gnu.hash lies outside the file");
	if (gnu_empty(s, g, off))
		return 0;
	if (g->first == 0 || g->first > s->n)
		return error(img->path, RENAME ": .gnu.hash has a symoffset ld.so cannot use");
	uint64_t len = 16 + (uint64_t)g->maskwords * g->word + (uint64_t)g->nb * 4
		       + (uint64_t)(s->n - g->first) * 4;
	if (!vaddr_to_offset(img, s->dyn->ent[at].val, len, &g->off))
		return error(img->path, RENAME ": .gnu.hash lies outside the file");
	g->len = (size_t)len;
	return 1;
}

struct slot {
	uint32_t bucket;
	size_t old;
};

/* By bucket, then by the old index: a stable sort, so that only what
 * must move moves. */
static int by_bucket(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return (x->old > y->old) - (x->old < y->old);
}

int symhash_order(struct symset *s)
{
	struct gnu_table g;
	int found = gnu_locate(s, &g);

	if (found <= 0)
		return found;
	size_t k = s->n - g.first;
	struct slot *v = calloc(k + 1, sizeof(*v));
	if (!v)
		return error(s->img->path, "out of memory");
	for (size_t i = 0; i < k; i++)
		v[i] = (struct slot){ gnu_hash(symset_name(s, g.first + i)) % g.nb, g.first + i };
	qsort(v, k, sizeof(*v), by_bucket);
	for (size_t i = 0; i < k; i++)
		s->order[g.first + i] = v[i].old;
	free(v);
	return symset_reorder(s, g.first);
}

static void gnu_bloom(const struct gnu_table *g, unsigned char *bloom, uint32_t h, bool msb)
{
	uint32_t bits = (uint32_t)g->word * 8;
	unsigned char *w = bloom + (size_t)((h / bits) % g->maskwords) * g->word;
	uint64_t v = load_uint(w, g->word, msb);

	v |= (uint64_t)1 << (h % bits);
	v |= (uint64_t)1 << ((h >> g->shift) % bits);
	store_uint(w, g->word, msb, v);
}

static int gnu_build(const struct symset *s, const struct gnu_table *g, unsigned char *t)
{
	bool msb = s->img->cls.msb;
	unsigned char *bloom = t + 16, *buckets = bloom + (size_t)g->maskwords * g->word;
	unsigned char *chains = buckets + (size_t)g->nb * 4;
	size_t k = s->n - g->first;
	uint32_t *h = calloc(k + 1, sizeof(*h));

	if (!h)
		return error(s->img->path, "out of memory");
	for (size_t i = 0; i < k; i++)
		h[i] = gnu_hash(symset_name(s, g->first + i));
	memset(bloom, 0, (size_t)g->maskwords * g->word + (size_t)g->nb * 4);
	for (size_t i = 0; i < k; i++) {
		uint32_t b = h[i] % g->nb;
		bool last = i + 1 == k || h[i + 1] % g->nb != b;
		gnu_bloom(g, bloom, h[i], msb);
		if (load_uint(buckets + (size_t)b * 4, 4, msb) == 0)
			store_uint(buckets + (size_t)b * 4, 4, msb, g->first + i);
		store_uint(chains + i * 4, 4, msb, last ? h[i] | 1u : h[i] & ~1u);
	}
	free(h);
	return 0;
}

static int plan_table(struct symset *s, uint64_t off, size_t len, unsigned char *want,
		      const char *what)
{
	unsigned char *now = symset_read(s, off, len);
	int rc = -1;

	if (now)
		rc = plan_add_changes(s->m->plan, off, now, want, len, what);
	free(now);
	return rc;
}

static int plan_gnu(struct symset *s)
{
	struct gnu_table g;
	int found = gnu_locate(s, &g);

	if (found <= 0)
		return found;
	unsigned char *want = symset_read(s, g.off, g.len);
	int rc = -1;
	if (want && gnu_build(s, &g, want) == 0)
		rc = plan_table(s, g.off, g.len, want, RENAME ": .gnu.hash rebuilt");
	free(want);
	return rc;
}

struct sysv_table {
	uint64_t off, nb;
	size_t len, word;
};

static int sysv_locate(const struct symset *s, struct sysv_table *h)
{
	long at = dynamic_find(s->dyn, DT_HASH, 0);
	const struct elf_image *img = s->img;
	uint64_t off, nchain;

	if (at < 0)
		return 0;
	h->word = dynamic_hash_word(img);
	if (!vaddr_to_offset(img, s->dyn->ent[at].val, 2 * h->word, &off))
		return error(img->path, RENAME ": .hash lies outside the file");
	h->nb = load_uint(img->map + off, h->word, img->cls.msb);
	nchain = load_uint(img->map + off + h->word, h->word, img->cls.msb);
	if (h->nb == 0 || h->nb > img->size / h->word || nchain != s->n)
		return error(img->path, RENAME ": .hash has a header ld.so cannot use");
	uint64_t len = (2 + h->nb + nchain) * h->word;
	if (!vaddr_to_offset(img, s->dyn->ent[at].val, len, &h->off))
		return error(img->path, RENAME ": .hash lies outside the file");
	h->len = (size_t)len;
	return 1;
}

static void sysv_build(const struct symset *s, const struct sysv_table *h, unsigned char *t)
{
	bool msb = s->img->cls.msb;
	size_t w = h->word;
	unsigned char *buckets = t + 2 * w, *chains = buckets + h->nb * w;

	memset(buckets, 0, h->len - 2 * w);
	for (size_t k = 1; k < s->n; k++) {
		struct xsym sym;
		/* ld leaves local symbols (the section symbols some targets
		 * export) out: no lookup can find them anyway. */
		sym_decode(s->img->cls, s->want + k * s->ent, &sym);
		if (ELF64_ST_BIND(sym.info) == STB_LOCAL)
			continue;
		uint64_t b = sysv_hash(symset_name(s, k)) % h->nb;
		store_uint(chains + k * w, w, msb, load_uint(buckets + b * w, w, msb));
		store_uint(buckets + b * w, w, msb, k);
	}
}

static int plan_sysv(struct symset *s)
{
	struct sysv_table h;
	int found = sysv_locate(s, &h);

	if (found <= 0)
		return found;
	unsigned char *want = symset_read(s, h.off, h.len);
	int rc = -1;
	if (want) {
		sysv_build(s, &h, want);
		rc = plan_table(s, h.off, h.len, want, RENAME ": .hash rebuilt");
	}
	free(want);
	return rc;
}

int symhash_plan(struct symset *s)
{
	return plan_gnu(s) < 0 || plan_sysv(s) < 0 ? -1 : 0;
}
