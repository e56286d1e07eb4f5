/* Where the result's sections go, and the crash-safe write order that
 * gets them there (strip/strip.h): phase 1 past the end, a switch,
 * phase 2 at the final offsets, a switch, truncation. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

struct extent {
	uint64_t off, end;
};

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

uint64_t sht_align(struct elf_class c)
{
	return c.is64 ? 8 : 4;
}

static int check_alignment(const struct strip *s, struct sec *const *mov, size_t nmov)
{
	for (size_t k = 0; k < nmov; k++)
		if (align_of(&mov[k]->sh) > MAX_SECTION_ALIGN)
			return error(s->path, "cannot move section %s: its alignment 0x%llx is beyond "
				     "64 KiB", mov[k]->name, (unsigned long long)mov[k]->sh.addralign);
	return 0;
}

/* What the strip adds (plan.h), from the contents, before the layout
 * places anything: the phase-1 copies of what moves and of the table (two
 * of it when loads move), and what grows for good (decompressed data, a
 * new .gnu_debuglink, names) with the alignment it may need. */
static void account(const struct strip *s, struct plan *p, struct sec *const *mov, size_t nmov,
		    uint64_t sht_len)
{
	uint64_t copies = 2 * sht_len, grew = 0, old_sht = s->shnum * shdr_size(s->cls);

	for (size_t k = 0; k < nmov; k++)
		if (has_bytes(&mov[k]->sh))
			copies += mov[k]->sh.size;
	for (size_t k = 1; k < s->nout; k++) {
		const struct sec *c = &s->out[k];
		uint64_t old = c->old != NEW_SECTION && has_bytes(&s->sh[c->old]) ? s->sh[c->old].size : 0;
		if (has_bytes(&c->sh) && c->sh.size > old)
			grew += c->sh.size - old + align_of(&c->sh) - 1;
	}
	if (sht_len > old_sht)
		grew += sht_len - old_sht;
	if (grew)
		grew += sht_align(s->cls) - 1;
	p->added += copies + grew;
	p->kept += grew;
}

/* The stages of the write order (strip/strip.h): after phase 1, the moving
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
			if ((sht_is_rel(h.type) || (h.flags & SHF_INFO_LINK)) && h.info < s->shnum)
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
	unsigned char *b = strip_read_view(s, 0, len);
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
	if (!(d = strip_view(s, s->sh[c->old].offset, c->sh.size, &own)))
		return -1;
	c->data = own ? own : (unsigned char *)d;
	c->borrowed = !own;
	return 0;
}

/* A moving load's bytes at its new offset. */
static int plan_segment(const struct strip *s, struct plan *p, const struct segmove *m,
			const char *what)
{
	unsigned char *b = strip_read_view(s, m->old, m->len);

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
		c->sh.offset = place(*fx, *nfx, *pos, len, align_of(&c->sh));
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
/* One layout under way: what stays put (fx), what moves (mov), and from
 * where the freed bytes start (dirty; UINT64_MAX when nothing is freed). */
struct layout_work {
	struct extent *fx;
	size_t nfx;
	struct sec **mov;
	size_t nmov, nmoved;
	uint64_t dirty, pos, sht_len, fixed_end, end;
	bool two_phase;
};

/* The lowest freed byte: removed and rewritten sections, the old table. */
static uint64_t first_freed(const struct strip *s)
{
	uint64_t dirty = UINT64_MAX;

	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		bool freed = s->gone[i] || s->out[s->map[i]].changed;
		if (freed && !(h->flags & SHF_ALLOC) && has_bytes(h) && !in_segment(s, h->offset, h->size)
		    && h->offset < dirty)
			dirty = h->offset;
	}
	if (!in_segment(s, s->eh.shoff, s->shnum * shdr_size(s->cls)) && s->eh.shoff < dirty)
		dirty = s->eh.shoff;
	return dirty;
}

/* Everything that stays put, but the loads that may move; the sections
 * that move, in file order, with their contents.  0, or -1 after a
 * message. */
static int split_fixed_moving(struct strip *s, struct layout_work *w)
{
	w->nfx = w->nmov = 0;
	if (add_extent(&w->fx, &w->nfx, 0, ehdr_size(s->cls)) < 0
	    || add_extent(&w->fx, &w->nfx, s->eh.phoff, s->phnum * phdr_size(s->cls)) < 0)
		return error(s->path, "out of memory");
	for (size_t i = 0; i < s->phnum; i++)
		if (!in_candidate(s, s->ph[i].offset, s->ph[i].filesz)
		    && add_extent(&w->fx, &w->nfx, s->ph[i].offset, s->ph[i].filesz) < 0)
			return error(s->path, "out of memory");
	for (size_t k = 1; k < s->nout; k++) {
		struct sec *c = &s->out[k];
		const struct xshdr *h = c->old == NEW_SECTION ? NULL : &s->sh[c->old];
		bool fixed = h && (h->flags & SHF_ALLOC);
		if (!fixed)
			c->moves = !h || c->changed
				   || (!in_segment(s, h->offset, h->size) && h->offset >= w->dirty);
		if (!fixed && c->moves)
			w->mov[w->nmov++] = c;
		else if (has_bytes(h) && !in_candidate(s, h->offset, h->size)
			 && add_extent(&w->fx, &w->nfx, h->offset, h->size) < 0)
			return error(s->path, "out of memory");
	}
	qsort(w->mov, w->nmov, sizeof(*w->mov), cmp_by_offset);
	if (check_alignment(s, w->mov, w->nmov) < 0)
		return -1;
	for (size_t k = 0; k < w->nmov; k++) {
		if (w->mov[k]->old != NEW_SECTION)
			w->mov[k]->sh.offset = s->sh[w->mov[k]->old].offset;
		if (contents(s, w->mov[k]) < 0)
			return -1;
	}
	return 0;
}

/* Final places for what moves; when the loads after the removed
 * sections cannot move, a second pass keeps them where they are. */
static int place_moving(struct strip *s, struct layout_work *w)
{
	for (int pass = 0;; pass++) {
		if (split_fixed_moving(s, w) < 0)
			return -1;
		int r = place_all(s, w->mov, w->nmov, w->dirty == UINT64_MAX ? 0 : w->dirty, &w->fx,
				  &w->nfx, &w->pos);
		if (r < 0)
			return -1;
		if (r == 0 || pass)
			return 0;
		trace(s->o->debug, s->path, "loads after the removed sections stay where they are");
		s->nseg = 0;
	}
}

/* The new table's place, and where the file ends. */
static void place_table(struct strip *s, struct layout_work *w)
{
	for (size_t j = 0; j < s->nseg; j++)
		w->nmoved += s->seg[j].delta != 0;
	for (size_t i = 0; i < w->nfx; i++)
		if (w->fx[i].end > w->fixed_end)
			w->fixed_end = w->fx[i].end;
	if (w->dirty == UINT64_MAX)
		w->pos = w->fixed_end;
	s->shoff = place(w->fx, w->nfx, w->pos, w->sht_len, sht_align(s->cls));
	w->end = s->shoff + w->sht_len;
	if (w->end < w->fixed_end)
		w->end = w->fixed_end;
}

/* Phase 1 is needed when a final place overlaps a byte the old table (or
 * anything else still live) uses. */
static int decide_phases(struct strip *s, struct layout_work *w)
{
	struct extent *live = NULL;
	size_t nlive = 0;

	for (size_t i = 1; i < s->shnum; i++)
		if (has_bytes(&s->sh[i]) && add_extent(&live, &nlive, s->sh[i].offset, s->sh[i].size) < 0)
			goto oom;
	if (add_extent(&live, &nlive, s->eh.shoff, s->shnum * shdr_size(s->cls)) < 0)
		goto oom;
	w->two_phase = w->nmoved || overlaps(live, nlive, s->shoff, w->sht_len);
	for (size_t k = 0; k < w->nmov && !w->two_phase; k++)
		w->two_phase = has_bytes(&w->mov[k]->sh)
			       && overlaps(live, nlive, w->mov[k]->sh.offset, w->mov[k]->sh.size);
	free(live);
	return 0;
oom:
	free(live);
	return error(s->path, "out of memory");
}

/* The phase-1 copies past `top`, the end of everything now; returns the
 * new end of the file. */
static uint64_t place_copies(struct strip *s, struct layout_work *w, uint64_t top)
{
	uint64_t pos = align_up(top, 64);

	for (size_t k = 0; k < w->nmov; k++) {
		struct sec *c = w->mov[k];
		if (!w->nmoved && stays_put(s, w->mov, w->nmov, c, w->sht_len)) {
			c->once = true;
			c->tail_off = s->sh[c->old].offset;
			continue;
		}
		c->tail_off = align_up(pos, align_of(&c->sh));
		pos = c->tail_off + (has_bytes(&c->sh) ? c->sh.size : 0);
	}
	s->tail_shoff = align_up(pos, sht_align(s->cls));
	s->mid_shoff = s->tail_shoff + w->sht_len;
	return w->nmoved ? s->mid_shoff + w->sht_len : s->tail_shoff + w->sht_len;
}

/* The writes, stage by stage, in the order strip/strip.h explains. */
static int plan_stages(struct strip *s, struct plan *p, const struct layout_work *w)
{
	if (w->two_phase && plan_stage(s, p, TAIL, "strip, phase 1") < 0)
		return -1;
	if (w->nmoved && plan_stage(s, p, MID, "strip, phase 2") < 0)
		return -1;
	return plan_stage(s, p, FINAL, !w->two_phase ? "strip" : w->nmoved ? "strip, phase 3"
			  : "strip, phase 2");
}

int strip_layout(struct strip *s, struct plan *p)
{
	struct layout_work w = { .dirty = first_freed(s), .sht_len = s->nout * shdr_size(s->cls) };
	int rc = -1;

	w.mov = calloc(s->nout, sizeof(*w.mov));
	s->seg = calloc(s->phnum ? s->phnum : 1, sizeof(*s->seg));
	if (!w.mov || !s->seg) {
		free(w.mov);
		return error(s->path, "out of memory");
	}
	find_candidates(s, w.dirty);
	if (place_moving(s, &w) < 0)
		goto out;
	account(s, p, w.mov, w.nmov, w.sht_len);
	place_table(s, &w);
	if (decide_phases(s, &w) < 0)
		goto out;
	uint64_t now = s->size > p->grow_to ? s->size : p->grow_to, top = w.end > now ? w.end : now;
	if (w.two_phase)
		top = place_copies(s, &w, top);
	if (top > now)
		p->grow_to = top;
	trace(s->o->debug, s->path, "%zu of %zu sections kept, %zu move, %zu loadable segment%s move; "
	      "from 0x%llx the file ends at 0x%llx (was 0x%llx)%s", s->nout, s->shnum, w.nmov,
	      w.nmoved, w.nmoved == 1 ? "" : "s",
	      (unsigned long long)(w.dirty == UINT64_MAX ? w.fixed_end : w.dirty),
	      (unsigned long long)w.end, (unsigned long long)now,
	      w.two_phase ? ", via copies past the end" : "");
	if (plan_stages(s, p, &w) < 0)
		goto out;
	if (w.end < top)
		p->truncate_to = w.end;
	rc = 0;
out:
	free(w.fx);
	free(w.mov);
	return rc;
}
