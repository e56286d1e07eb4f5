#include <config.h>

#include "edit/dynedit.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/grow.h"

#ifndef DT_MIPS_RLD_MAP_REL
#define DT_MIPS_RLD_MAP_REL 0x70000035
#endif

int dynmodel_init(struct dyn_model *m, const struct elf_image *img, const struct dynamic *dyn,
		  struct plan *plan, bool debug)
{
	memset(m, 0, sizeof(*m));
	m->img = img;
	m->plan = plan;
	m->debug = debug;
	m->off = dyn->off;
	m->entsize = dyn->entsize;
	m->count = dyn->count;
	m->slots = dyn->slots;
	m->ent = calloc(m->slots, sizeof(*m->ent));
	if (!m->ent)
		return error(img->path, "out of memory");
	memcpy(m->ent, dyn->ent, m->count * sizeof(*m->ent));
	return strtab_init(&m->str, img, dyn);
}

void dynmodel_free(struct dyn_model *m)
{
	free(m->ent);
	m->ent = NULL;
	strtab_free(&m->str);
}

int dynmodel_relocate(struct dyn_model *m, const struct growth_result *g)
{
	if (g->str_moved) {
		unsigned char *b = realloc(m->str.bytes, g->str_size);
		uint32_t *r = realloc(m->str.refs, g->str_size * sizeof(*r));
		if (b)
			m->str.bytes = b;
		if (r)
			m->str.refs = r;
		if (!b || !r)
			return error(m->img->path, "out of memory");
		memset(b + m->str.size, 0, g->str_size - m->str.size);
		memset(r + m->str.size, 0, (g->str_size - m->str.size) * sizeof(*r));
		m->str.off = g->str_off;
		m->str.size = g->str_size;
		for (size_t i = 0; i < m->count; i++)
			if (m->ent[i].tag == DT_STRTAB)
				m->ent[i].val = g->str_vaddr;
			else if (m->ent[i].tag == DT_STRSZ)
				m->ent[i].val = g->str_size;
	}
	if (g->dyn_moved && g->dyn_slots > m->slots) {
		struct xdyn *e = realloc(m->ent, g->dyn_slots * sizeof(*e));
		if (!e)
			return error(m->img->path, "out of memory");
		memset(e + m->slots, 0, (g->dyn_slots - m->slots) * sizeof(*e));
		m->ent = e;
		m->off = g->dyn_off;
		m->slots = g->dyn_slots;
	}
	return 0;
}

long dynmodel_find(const struct dyn_model *m, int64_t tag, size_t from)
{
	for (size_t i = from; i < m->count; i++)
		if (m->ent[i].tag == tag)
			return (long)i;
	return -1;
}

const char *dynmodel_str(const struct dyn_model *m, size_t idx)
{
	return strtab_get(&m->str, m->ent[idx].val);
}

/* ---- writes ------------------------------------------------------------ */

static int write_entries(struct dyn_model *m, size_t from, size_t to, const char *what)
{
	size_t n = to - from + 1;
	unsigned char *buf = calloc(n, m->entsize);
	int rc = 0;

	if (!buf)
		return error(m->img->path, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++)
		if (dyn_encode(m->img->cls, buf + i * m->entsize, &m->ent[from + i]) < 0)
			rc = error(m->img->path, "dynamic entry value does not fit the file's class");
	if (rc == 0)
		rc = plan_add(m->plan, m->off + from * m->entsize, buf, n * m->entsize,
			      "%s: .dynamic entries %zu-%zu", what, from, to);
	free(buf);
	return rc;
}

static int write_string(struct dyn_model *m, uint64_t at, const char *s, const char *what)
{
	size_t len = strlen(s) + 1;

	memcpy(m->str.bytes + at, s, len);
	return plan_add(m->plan, m->str.off + at, s, len, "%s: string \"%s\" in .dynstr+0x%llx",
			what, s, (unsigned long long)at);
}

static int write_field(struct dyn_model *m, uint64_t off, uint64_t val, const char *what)
{
	unsigned char b[4];

	store_uint(b, 4, m->img->cls.msb, val);
	return plan_add(m->plan, off, b, 4, "%s: version requirement file name", what);
}

struct old_range {
	uint64_t off, len;    /* string bytes including the NUL */
};

/* Zeroes every byte of the old strings that nothing references any more,
 * so a cleared build path does not stay behind in the file. */
static int scrub(struct dyn_model *m, const struct old_range *r, size_t n, const char *what)
{
	if (m->str.opaque)
		return 0;
	for (size_t k = 0; k < n; k++) {
		uint64_t i = r[k].off, end = r[k].off + r[k].len;
		while (i < end) {
			if (m->str.refs[i] || m->str.bytes[i] == 0) {
				i++;
				continue;
			}
			uint64_t j = i;
			while (j < end && !m->str.refs[j])
				j++;
			unsigned char *zero = calloc(1, j - i);
			if (!zero)
				return error(m->img->path, "out of memory");
			memset(m->str.bytes + i, 0, j - i);
			int rc = plan_add(m->plan, m->str.off + i, zero, j - i,
					  "%s: zero %llu freed .dynstr bytes", what,
					  (unsigned long long)(j - i));
			free(zero);
			if (rc < 0)
				return -1;
			i = j;
		}
	}
	return 0;
}

static uint64_t largest_free_run(const struct strtab *st)
{
	uint64_t best = 0, run = 0;

	for (uint64_t i = st->opaque ? st->known_from : 1; i < st->size; i++) {
		run = st->refs[i] ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	return best;
}

/* Finds room for `s` (an existing copy, or free bytes, which it fills).
 * The caller makes the new string live. */
static int64_t place_string(struct dyn_model *m, const char *s, const char *what)
{
	uint64_t need = strlen(s) + 1;
	int64_t at = strtab_find(&m->str, s);

	if (at >= 0) {
		trace(m->debug, m->img->path, "%s: reusing \"%s\" at .dynstr+0x%llx", what, s,
		      (unsigned long long)at);
		return at;
	}
	at = strtab_find_free(&m->str, need);
	if (at < 0) {
		uint64_t have = largest_free_run(&m->str);
		return plan_no_room(m->plan, m->img->path, "%s: no room for \"%.40s%s\" in .dynstr: "
				    "%llu bytes needed, %llu free in one piece (%llu missing)", what,
				    s, strlen(s) > 40 ? "..." : "", (unsigned long long)need,
				    (unsigned long long)have, (unsigned long long)(need - have));
	}
	if (write_string(m, (uint64_t)at, s, what) < 0)
		return -1;
	return at;
}

/* ---- operations -------------------------------------------------------- */

static uint64_t field_value(const struct dyn_model *m, uint64_t off)
{
	unsigned char b[4];

	memcpy(b, m->img->map + off, 4);
	plan_overlay(m->plan, off, b, 4);
	return load_uint(b, 4, m->img->cls.msb);
}

static void gather_old(const struct dyn_model *m, const size_t *idx, size_t n,
		       const struct str_field *f, size_t nf, uint64_t *old)
{
	for (size_t i = 0; i < n; i++)
		old[i] = m->ent[idx[i]].val;
	for (size_t i = 0; i < nf; i++)
		old[n + i] = field_value(m, f[i].off);
}

static int point_refs_at(struct dyn_model *m, const size_t *idx, size_t n,
			 const struct str_field *f, size_t nf, uint64_t at, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		m->ent[idx[i]].val = at;
		if (write_entries(m, idx[i], idx[i], what) < 0)
			return -1;
	}
	for (size_t i = 0; i < nf; i++)
		if (write_field(m, f[i].off, at, what) < 0)
			return -1;
	return 0;
}

/* Several references (DT_NEEDED and the version requirement's vn_file)
 * cannot all be switched in one write.  So they are first moved, one by
 * one, to a copy of the old text in free space big enough for either
 * text (each step leaves them all reading the same name), and the copy is
 * then overwritten with the new text in a single write. */
static int set_string_staged(struct dyn_model *m, const size_t *idx, size_t n,
			     const struct str_field *f, size_t nf, const char *old, const char *s,
			     const char *what)
{
	size_t lo = strlen(old), ln = strlen(s), need = (lo > ln ? lo : ln) + 1;
	int64_t at = strtab_find_free(&m->str, need);
	unsigned char *buf;

	if (at < 0)
		return plan_no_room(m->plan, m->img->path, "%s: no room in .dynstr for a %zu-byte "
				    "staging copy of \"%.40s\"", what, need, old);
	buf = calloc(1, need);
	if (!buf)
		return error(m->img->path, "out of memory");
	memcpy(buf, old, lo);
	int rc = plan_add(m->plan, m->str.off + (uint64_t)at, buf, need,
			  "%s: staging copy of \"%s\" in .dynstr+0x%llx", what, old,
			  (unsigned long long)at);
	if (rc == 0)
		rc = point_refs_at(m, idx, n, f, nf, (uint64_t)at, what);
	if (rc == 0) {
		memset(buf, 0, need);
		memcpy(buf, s, ln);
		memcpy(m->str.bytes + at, buf, need);
		rc = plan_add(m->plan, m->str.off + (uint64_t)at, buf, need,
			      "%s: string \"%s\" in .dynstr+0x%llx", what, s, (unsigned long long)at);
	}
	free(buf);
	for (size_t i = 0; rc == 0 && i < n + nf; i++)
		strtab_ref(&m->str, (uint64_t)at);
	return rc;
}

static int set_string_elsewhere(struct dyn_model *m, const size_t *idx, size_t n,
				const struct str_field *f, size_t nf, const char *s,
				const char *what)
{
	if (n + nf > 1) {
		uint64_t first = n ? m->ent[idx[0]].val : field_value(m, f[0].off);
		char *old = strdup(strtab_get(&m->str, first));
		if (!old)
			return error(m->img->path, "out of memory");
		int rc = set_string_staged(m, idx, n, f, nf, old, s, what);
		free(old);
		return rc;
	}
	int64_t at = place_string(m, s, what);

	if (at < 0)
		return -1;
	strtab_ref(&m->str, (uint64_t)at);
	return point_refs_at(m, idx, n, f, nf, (uint64_t)at, what);
}

int dynmodel_set_string(struct dyn_model *m, const size_t *idx, size_t n,
			const struct str_field *f, size_t nf, const char *s, const char *what)
{
	size_t total = n + nf;
	uint64_t *old = calloc(total ? total : 1, sizeof(*old));
	struct old_range *r = calloc(total ? total : 1, sizeof(*r));
	bool same = true, unchanged = true;
	int rc = -1;

	if (!old || !r) {
		rc = error(m->img->path, "out of memory");
		goto out;
	}
	gather_old(m, idx, n, f, nf, old);
	for (size_t i = 0; i < total; i++) {
		same = same && old[i] == old[0];
		unchanged = unchanged && strcmp(strtab_get(&m->str, old[i]), s) == 0;
		r[i] = (struct old_range){ old[i], strtab_len(&m->str, old[i]) + 1 };
	}
	if (total == 0 || unchanged) {
		trace(m->debug, m->img->path, "%s: already \"%s\"", what, s);
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < total; i++)
		strtab_unref(&m->str, old[i]);
	if (same && strtab_free_at(&m->str, old[0], strlen(s))) {
		trace(m->debug, m->img->path, "%s: in place at .dynstr+0x%llx", what,
		      (unsigned long long)old[0]);
		rc = write_string(m, old[0], s, what);
		for (size_t i = 0; i < total; i++)
			strtab_ref(&m->str, old[0]);
	} else {
		/* The old strings stay live until the switch: their bytes must
		 * not be chosen as free space for the new one. */
		for (size_t i = 0; i < total; i++)
			strtab_ref(&m->str, old[i]);
		rc = set_string_elsewhere(m, idx, n, f, nf, s, what);
		if (rc == 0)
			for (size_t i = 0; i < total; i++)
				strtab_unref(&m->str, old[i]);
	}
	if (rc == 0)
		rc = scrub(m, r, total, what);
out:
	free(old);
	free(r);
	return rc;
}

/* The references at old[0..n) are the caller's to rewrite (symbol
 * names): the same choice as dynmodel_set_string() (in place when the old
 * bytes are theirs alone and `s` fits, else an existing copy, else free
 * bytes, filled now), without the staging, which the caller's writes of
 * the references make unnecessary. */
int dynmodel_replace_string(struct dyn_model *m, const uint64_t *old, size_t n, const char *s,
			    struct str_change *ch, const char *what)
{
	bool same = true;

	ch->old_off = old[0];
	ch->old_len = strtab_len(&m->str, old[0]) + 1;
	for (size_t i = 0; i < n; i++) {
		same = same && old[i] == old[0];
		strtab_unref(&m->str, old[i]);
	}
	if (same && strtab_free_at(&m->str, old[0], strlen(s))) {
		trace(m->debug, m->img->path, "%s: \"%s\" in place at .dynstr+0x%llx", what, s,
		      (unsigned long long)old[0]);
		ch->new_off = old[0];
		for (size_t i = 0; i < n; i++)
			strtab_ref(&m->str, old[0]);
		return write_string(m, old[0], s, what);
	}
	for (size_t i = 0; i < n; i++)
		strtab_ref(&m->str, old[i]);
	int64_t at = place_string(m, s, what);
	for (size_t i = 0; i < n; i++)
		strtab_unref(&m->str, old[i]);
	if (at < 0)
		return -1;
	ch->new_off = (uint64_t)at;
	for (size_t i = 0; i < n; i++)
		strtab_ref(&m->str, (uint64_t)at);
	return 0;
}

int dynmodel_scrub_change(struct dyn_model *m, const struct str_change *ch, const char *what)
{
	struct old_range r = { ch->old_off, ch->old_len };

	return scrub(m, &r, 1, what);
}

/* An entry that moves changes address; DT_MIPS_RLD_MAP_REL holds an
 * offset relative to its own address and must follow. */
static struct xdyn moved(const struct dyn_model *m, struct xdyn d, size_t from, size_t to)
{
	if (m->img->eh.machine == EM_MIPS && d.tag == DT_MIPS_RLD_MAP_REL) {
		d.val += ((uint64_t)from - (uint64_t)to) * m->entsize;
		if (!m->img->cls.is64)
			d.val &= 0xffffffffu;
	}
	return d;
}

int dynmodel_remove(struct dyn_model *m, size_t idx, const char *what)
{
	struct old_range r = { 0, 0 };
	bool str = dynamic_tag_is_string(m->ent[idx].tag) && m->str.size;

	if (str) {
		r = (struct old_range){ m->ent[idx].val, strtab_len(&m->str, m->ent[idx].val) + 1 };
		strtab_unref(&m->str, m->ent[idx].val);
	}
	for (size_t i = idx; i < m->count; i++)
		m->ent[i] = moved(m, m->ent[i + 1], i + 1, i);
	m->count--;
	m->ent[m->count] = (struct xdyn){ DT_NULL, 0 };
	if (write_entries(m, idx, m->count, what) < 0)
		return -1;
	return str ? scrub(m, &r, 1, what) : 0;
}

int dynmodel_insert(struct dyn_model *m, size_t at, int64_t tag, uint64_t val, const char *s,
		    const char *what)
{
	if (m->count + 2 > m->slots)
		return plan_no_room(m->plan, m->img->path, "%s: no spare slot in .dynamic for a new "
				    "entry (%zu bytes missing)", what, m->entsize);
	if (s) {
		int64_t p = place_string(m, s, what);
		if (p < 0)
			return -1;
		strtab_ref(&m->str, (uint64_t)p);
		val = (uint64_t)p;
	}
	for (size_t i = m->count + 1; i > at; i--)
		m->ent[i] = moved(m, m->ent[i - 1], i - 1, i);
	m->ent[at] = (struct xdyn){ tag, val };
	m->count++;
	m->ent[m->count] = (struct xdyn){ DT_NULL, 0 };
	return write_entries(m, at, m->count, what);
}

int dynmodel_release_string(struct dyn_model *m, uint64_t off, const char *what)
{
	struct old_range r;

	if (off >= m->str.size)
		return 0;
	r = (struct old_range){ off, strtab_len(&m->str, off) + 1 };
	strtab_unref(&m->str, off);
	return scrub(m, &r, 1, what);
}

int dynmodel_set_entry(struct dyn_model *m, size_t idx, int64_t tag, uint64_t val, const char *what)
{
	if (m->ent[idx].tag == tag && m->ent[idx].val == val)
		return 0;
	m->ent[idx] = (struct xdyn){ tag, val };
	return write_entries(m, idx, idx, what);
}

int dynmodel_verneed_fields(const struct dyn_model *m, const char *file, struct str_field **out,
			    size_t *n)
{
	long at = dynmodel_find(m, DT_VERNEED, 0), num = dynmodel_find(m, DT_VERNEEDNUM, 0);
	uint64_t vaddr, off;

	*out = NULL;
	*n = 0;
	if (at < 0 || num < 0)
		return 0;
	vaddr = m->ent[at].val;
	for (uint64_t k = 0; k < m->ent[num].val; k++) {
		if (!vaddr_to_offset(m->img, vaddr, sizeof(Elf64_Verneed), &off))
			return error(m->img->path, "version table lies outside the file");
		uint64_t foff = off + offsetof(Elf64_Verneed, vn_file);
		uint64_t name = field_value(m, foff);
		if (name < m->str.size && strcmp(strtab_get(&m->str, name), file) == 0) {
			struct str_field *nf = realloc(*out, (*n + 1) * sizeof(*nf));
			if (!nf)
				return error(m->img->path, "out of memory");
			nf[(*n)++] = (struct str_field){ foff };
			*out = nf;
		}
		uint64_t next = load_uint(m->img->map + off + offsetof(Elf64_Verneed, vn_next), 4,
					  m->img->cls.msb);
		if (next == 0)
			break;
		vaddr += next;
	}
	return 0;
}
