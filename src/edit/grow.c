#include <config.h>

#include "edit/grow.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"

/* How the new bytes get mapped, in order of preference. */
enum map_way {
	MAP_TAIL,    /* extend a PT_LOAD that already ends the file */
	MAP_SLOT,    /* an entry taken over (slot_cost()) becomes the new PT_LOAD */
	MAP_MOVE     /* the program header table moves into the new space */
};

struct layout {
	enum map_way way;
	size_t seg;                 /* TAIL: the PT_LOAD; SLOT: the entry taken */
	uint64_t align, off, vaddr, len;
	uint64_t ph_at, str_at, dyn_at, interp_at;
	size_t dyn_slots;
};

/* When the table itself moves (MAP_MOVE: --keep-note-segment, or no entry
 * to take over), how each loader finds the program headers of a program:
 * - Linux before 5.18, and qemu-user (7.2: load_addr + e_phoff), pass
 *   AT_PHDR = (first PT_LOAD's p_vaddr - p_offset) + e_phoff, wherever
 *   the table really is; Linux 5.18 and later use the PT_LOAD that holds
 *   e_phoff.
 * - glibc's ld.so and musl read the program's headers at AT_PHDR and
 *   derive the load bias from PT_PHDR's p_vaddr.
 * - For a shared library, ld.so reads the headers from the file at
 *   e_phoff and finds them in memory through PT_PHDR or the PT_LOAD that
 *   holds e_phoff (glibc copies them to the heap if none does).
 * A moved table is found by all of them when the new segment keeps the
 * first PT_LOAD's vaddr - offset, so both kernel formulas agree.  That
 * may need padding up to the next free aligned address; we pay at most
 * two alignment units for it, else use the smallest congruent placement
 * and warn that old kernels will not find the table.
 * Why the table is moved only as a last resort: GNU strip (BFD) writes a
 * moved table right after the last old segment's bytes and slides the
 * new segment's address to match, and eu-strip zeroes a table that lies
 * between sections; no appended layout survives both for a program (see
 * bfd/elf.c assign_file_positions_for_load_sections, binutils 2.40). */
#define COMPAT_PADDING_UNITS 2

static uint64_t max_load_align(const struct elf_image *img)
{
	uint64_t a = 1;

	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_LOAD && img->ph[i].align > a)
			a = img->ph[i].align;
	return a;
}

/* What taking a program header's entry for the new PT_LOAD gives up,
 * cheapest first.  Keeping the table where it is keeps the file within
 * what GNU strip and eu-strip can rewrite: both put the program header
 * table right after the ELF header, and mangle a file whose table moved.
 *  - PT_NULL: nothing.  The PT_PHDR of a non-PIE executable: nothing
 *    either, its load bias is zero, so neither ld.so nor musl needs it
 *    (a PIE's PT_PHDR gives ld.so the load bias: never).
 *  - A PT_NOTE whose notes another PT_NOTE or PT_GNU_PROPERTY also
 *    describes (x86-64 maps .note.gnu.property twice): nothing.
 *  - Another PT_NOTE: the notes stay where they are, listed by the
 *    section headers, but a reader of the program headers alone (a core
 *    dump's build-id, dl_iterate_phdr) no longer finds them; no loader
 *    needs them (glibc only checks an ABI tag it finds).  Unless
 *    --keep-note-segment; a note segment without a build-id first. */
enum slot_cost { SLOT_FREE, SLOT_DUPLICATE_NOTE, SLOT_NOTE, SLOT_BUILD_ID_NOTE, SLOT_NONE };

static bool described_elsewhere(const struct elf_image *img, size_t i)
{
	const struct xphdr *n = &img->ph[i];

	for (size_t k = 0; k < img->phnum; k++) {
		const struct xphdr *o = &img->ph[k];
		if (k != i && (o->type == PT_NOTE || o->type == PT_GNU_PROPERTY)
		    && o->offset <= n->offset && n->filesz <= o->filesz
		    && n->offset - o->offset <= o->filesz - n->filesz
		    && o->vaddr - o->offset == n->vaddr - n->offset)
			return true;
	}
	return false;
}

/* Whether the note segment holds a GNU build-id (NT_GNU_BUILD_ID). */
static bool has_build_id(const struct elf_image *img, const struct xphdr *ph)
{
	uint64_t a = ph->align == 8 ? 8 : 4, at = ph->offset, end;
	bool msb = img->cls.msb;

	if (!range_ok(ph->offset, ph->filesz, img->size))
		return true;   /* unknown: treat as precious */
	end = ph->offset + ph->filesz;
	while (end - at >= 12) {
		const unsigned char *n = img->map + at;
		uint64_t namesz = load_uint(n, 4, msb), descsz = load_uint(n + 4, 4, msb);
		uint64_t type = load_uint(n + 8, 4, msb);
		uint64_t name_end = align_up(12 + namesz, a), next = align_up(name_end + descsz, a);
		if (next > end - at)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(n + 12, "GNU", 4) == 0)
			return true;
		at += next;
	}
	return false;
}

static enum slot_cost slot_cost(const struct elf_image *img, size_t i, bool keep_notes)
{
	const struct xphdr *ph = &img->ph[i];

	if (ph->type == PT_NULL || (ph->type == PT_PHDR && img->eh.type == ET_EXEC))
		return SLOT_FREE;
	if (ph->type != PT_NOTE)
		return SLOT_NONE;
	if (described_elsewhere(img, i))
		return SLOT_DUPLICATE_NOTE;
	if (keep_notes)
		return SLOT_NONE;
	return has_build_id(img, ph) ? SLOT_BUILD_ID_NOTE : SLOT_NOTE;
}

static int find_segments(const struct elf_image *img, bool keep_notes, long *first, long *top,
			 long *slot, enum slot_cost *cost, uint64_t *max_end)
{
	enum slot_cost best = SLOT_NONE;

	*first = *top = *slot = -1;
	*max_end = 0;
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		enum slot_cost c = slot_cost(img, i, keep_notes);
		if (c < best) {
			best = c;
			*slot = (long)i;
		}
		if (ph->type != PT_LOAD)
			continue;
		if (*first < 0)
			*first = (long)i;
		if (ph->vaddr + ph->memsz >= *max_end) {
			*max_end = ph->vaddr + ph->memsz;
			*top = (long)i;
		}
	}
	*cost = best;
	if (*first < 0)
		return error(img->path, "cannot grow: the file has no PT_LOAD segment");
	return 0;
}

static bool is_program(const struct elf_image *img)
{
	if (img->eh.type == ET_EXEC)
		return true;
	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_INTERP)
			return true;
	return false;
}

static void place_congruent(struct layout *l, uint64_t size, uint64_t max_end)
{
	l->off = align_up(size, 8);
	l->vaddr = align_up(max_end, l->align) + (l->off & (l->align - 1));
}

static void place_region(const struct elf_image *img, struct layout *l, long first, long top,
			 long slot, enum slot_cost cost, uint64_t max_end)
{
	const struct xphdr *t = &img->ph[top];

	if (t->offset + t->filesz == img->size && t->filesz == t->memsz && !(t->flags & PF_X)) {
		l->way = MAP_TAIL;
		l->seg = (size_t)top;
		l->off = align_up(img->size, 8);
		l->vaddr = t->vaddr + (l->off - t->offset);
		return;
	}
	if (slot >= 0) {
		l->way = MAP_SLOT;
		l->seg = (size_t)slot;
		place_congruent(l, img->size, max_end);
		if (cost >= SLOT_NOTE)
			warning(img->path, "the new segment takes the PT_NOTE entry (the notes stay "
				"in place; see --keep-note-segment)");
		return;
	}
	l->way = MAP_MOVE;
	uint64_t delta = img->ph[first].vaddr - img->ph[first].offset;
	uint64_t need = align_up(max_end, l->align);
	/* Only a program is handed AT_PHDR: ld.so finds a library's program
	 * headers through PT_PHDR or the PT_LOAD that holds e_phoff. */
	if (!is_program(img)) {
		place_congruent(l, img->size, max_end);
		return;
	}
	if (delta % l->align == 0 && need >= delta) {
		l->off = align_up(img->size, 8);
		if (l->off + delta < need)
			l->off = align_up(need - delta, 8);
		l->vaddr = l->off + delta;
		if (l->off - img->size <= COMPAT_PADDING_UNITS * l->align)
			return;
	}
	warning(img->path, "program headers moved where Linux before 5.18 does not find them");
	place_congruent(l, img->size, max_end);
}

static void size_pieces(const struct elf_image *img, const struct dynamic *dyn,
			const struct growth_request *rq, struct layout *l)
{
	uint64_t at = 0;

	if (l->way == MAP_MOVE) {
		l->ph_at = 0;
		at = (img->phnum + 1) * phdr_size(img->cls);
	}
	if (rq->str_slack) {
		l->str_at = at = align_up(at, 8);
		at += dyn->str_size + rq->str_slack;
	}
	if (rq->dyn_slack) {
		l->dyn_at = at = align_up(at, 8);
		l->dyn_slots = dyn->count + 1 + rq->dyn_slack;
		at += l->dyn_slots * dyn->entsize;
	}
	if (rq->interp) {
		l->interp_at = at;
		at += strlen(rq->interp) + 1;
	}
	l->len = at;
}

/* The dynamic entries as they must read once .dynstr has moved. */
static void retarget_strtab(struct xdyn *ent, size_t n, const struct growth_result *g)
{
	for (size_t i = 0; i < n; i++) {
		if (ent[i].tag == DT_STRTAB)
			ent[i].val = g->str_vaddr;
		else if (ent[i].tag == DT_STRSZ)
			ent[i].val = g->str_size;
	}
}

static int encode_dyn(const struct elf_image *img, unsigned char *out, const struct xdyn *ent,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dyn_encode(img->cls, out + i * dyn_size(img->cls), &ent[i]) < 0)
			return error(img->path, "dynamic entry value does not fit the file's class");
	return 0;
}

/* Writable only when it holds .dynamic, which ld.so writes (DT_DEBUG). */
static struct xphdr new_load(const struct layout *l, bool writable)
{
	return (struct xphdr){ .type = PT_LOAD, .flags = PF_R | (writable ? PF_W : 0), .offset = l->off,
			       .vaddr = l->vaddr, .paddr = l->vaddr, .filesz = l->len,
			       .memsz = l->len, .align = l->align };
}

static struct xphdr at_piece(struct xphdr ph, const struct layout *l, uint64_t at, uint64_t size)
{
	ph.offset = l->off + at;
	ph.vaddr = ph.paddr = l->vaddr + at;
	ph.filesz = ph.memsz = size;
	return ph;
}

/* The program headers after growth: PT_PHDR, PT_DYNAMIC and PT_INTERP
 * point at the new places, and (MAP_MOVE) the new PT_LOAD follows the
 * last PT_LOAD, keeping the loads sorted by address. */
static size_t new_phdrs(const struct elf_image *img, const struct layout *l,
			const struct growth_result *g, const struct growth_request *rq,
			struct xphdr *out)
{
	size_t n = 0, last_load = 0;

	for (size_t i = 0; i < img->phnum; i++) {
		struct xphdr ph = img->ph[i];
		if (l->way == MAP_SLOT && i == l->seg)
			continue;
		if (ph.type == PT_PHDR && l->way == MAP_MOVE)
			ph = at_piece(ph, l, l->ph_at, (img->phnum + 1) * phdr_size(img->cls));
		else if (ph.type == PT_DYNAMIC && g->dyn_moved)
			ph = at_piece(ph, l, l->dyn_at, l->dyn_slots * dyn_size(img->cls));
		else if (ph.type == PT_INTERP && rq->interp)
			ph = at_piece(ph, l, l->interp_at, strlen(rq->interp) + 1);
		else if (l->way == MAP_TAIL && i == l->seg) {
			ph.filesz = ph.memsz = l->off + l->len - ph.offset;
			if (g->dyn_moved)
				ph.flags |= PF_W;
		}
		if (ph.type == PT_LOAD)
			last_load = n;
		out[n++] = ph;
	}
	if (l->way != MAP_TAIL) {
		memmove(&out[last_load + 2], &out[last_load + 1], (n - last_load - 1) * sizeof(*out));
		out[last_load + 1] = new_load(l, g->dyn_moved);
		n++;
	}
	return n;
}

static int build_region(const struct elf_image *img, const struct dynamic *dyn,
			const struct growth_request *rq, const struct layout *l,
			const struct growth_result *g, const struct xphdr *ph, size_t nph,
			unsigned char *buf)
{
	if (l->way == MAP_MOVE)
		for (size_t i = 0; i < nph; i++)
			if (phdr_encode(img->cls, buf + l->ph_at + i * phdr_size(img->cls), &ph[i]) < 0)
				return error(img->path, "program header value does not fit the file's class");
	if (g->str_moved)
		memcpy(buf + l->str_at, img->map + dyn->str_off, dyn->str_size);
	if (g->dyn_moved) {
		struct xdyn *ent = calloc(l->dyn_slots, sizeof(*ent));
		if (!ent)
			return error(img->path, "out of memory");
		memcpy(ent, dyn->ent, dyn->count * sizeof(*ent));
		/* .dynamic may grow alone (a new entry without a string). */
		if (g->str_moved)
			retarget_strtab(ent, dyn->count, g);
		int rc = encode_dyn(img, buf + l->dyn_at, ent, l->dyn_slots);
		free(ent);
		if (rc < 0)
			return -1;
	}
	if (rq->interp)
		memcpy(buf + l->interp_at, rq->interp, strlen(rq->interp) + 1);
	return 0;
}

static int write_phdr(const struct elf_image *img, struct plan *p, size_t i, const struct xphdr *ph,
		      const char *what)
{
	unsigned char b[sizeof(Elf64_Phdr)];

	if (phdr_encode(img->cls, b, ph) < 0)
		return error(img->path, "program header value does not fit the file's class");
	return plan_add(p, img->eh.phoff + i * phdr_size(img->cls), b, phdr_size(img->cls),
			"growth: %s (program header %zu)", what, i);
}

/* One write makes the new bytes live: the ELF header when the table moved
 * (the new table already says everything), else the whole table rewritten
 * in place (the new PT_LOAD takes the spare entry's place in address
 * order), or, extending the last segment, its entry and then those that
 * point into it. */
static int plan_switch(const struct elf_image *img, const struct layout *l, const struct xphdr *ph,
		       size_t nph, struct plan *p)
{
	if (l->way == MAP_MOVE) {
		struct xehdr eh = img->eh;
		unsigned char b[sizeof(Elf64_Ehdr)];
		if (img->eh.phnum == PN_XNUM || nph >= PN_XNUM)
			return error(img->path, "cannot grow: too many program headers");
		eh.phoff = l->off + l->ph_at;
		eh.phnum = (uint16_t)nph;
		if (ehdr_encode(img->cls, b, &eh) < 0)
			return error(img->path, "ELF header value does not fit the file's class");
		return plan_add(p, 0, b, ehdr_size(img->cls), "growth: program header table moved "
				"to offset 0x%llx", (unsigned long long)eh.phoff);
	}
	if (l->way == MAP_SLOT) {
		size_t ent = phdr_size(img->cls);
		unsigned char *b = calloc(nph, ent);
		int rc = 0;
		if (!b)
			return error(img->path, "out of memory");
		for (size_t i = 0; i < nph && rc == 0; i++)
			if (phdr_encode(img->cls, b + i * ent, &ph[i]) < 0)
				rc = error(img->path, "program header value does not fit the file's class");
		if (rc == 0)
			rc = plan_add(p, img->eh.phoff, b, nph * ent, "growth: program header table "
				      "with the new PT_LOAD in place of entry %zu", l->seg);
		free(b);
		return rc;
	}
	if (write_phdr(img, p, l->seg, &ph[l->seg], "map the new bytes") < 0)
		return -1;
	for (size_t i = 0; i < img->phnum; i++)
		if (i != l->seg && memcmp(&ph[i], &img->ph[i], sizeof(ph[i])) != 0
		    && write_phdr(img, p, i, &ph[i], "point at the new bytes") < 0)
			return -1;
	return 0;
}

/* With .dynstr moved but .dynamic in place, DT_STRTAB and DT_STRSZ change
 * in one write of the entries between them (the others rewritten as they
 * are), so no reader sees one without the other. */
static int switch_strtab(const struct elf_image *img, const struct dynamic *dyn,
			 const struct growth_result *g, struct plan *p)
{
	long a = dynamic_find(dyn, DT_STRTAB, 0), b = dynamic_find(dyn, DT_STRSZ, 0);
	size_t lo = (size_t)(a < b ? a : b), hi = (size_t)(a < b ? b : a), n = hi - lo + 1;
	struct xdyn *ent = calloc(n, sizeof(*ent));
	unsigned char *buf = calloc(n, dyn->entsize);
	int rc = -1;

	if (!ent || !buf) {
		error(img->path, "out of memory");
		goto out;
	}
	memcpy(ent, &dyn->ent[lo], n * sizeof(*ent));
	retarget_strtab(ent, n, g);
	if (encode_dyn(img, buf, ent, n) == 0)
		rc = plan_add(p, dyn->off + lo * dyn->entsize, buf, n * dyn->entsize,
			      "growth: DT_STRTAB/DT_STRSZ point at the new .dynstr");
out:
	free(ent);
	free(buf);
	return rc;
}

/* Symbols that carry a moved table's address, as a linker would have
 * written them: the section symbol (STT_SECTION) of a moved section, and
 * _DYNAMIC for .dynamic.  Only .symtab: .dynsym is loaded and left alone. */
static bool symbol_follows(const struct elf_image *img, const struct xshdr *symtab,
			   const struct xsym *sym, size_t shndx, bool dynamic)
{
	if (ELF64_ST_TYPE(sym->info) == STT_SECTION)
		return sym->shndx == shndx;
	if (!dynamic)
		return false;
	const struct xshdr *str = &img->sh[symtab->link];
	if (str->type != SHT_STRTAB || sym->name >= str->size)
		return false;
	const char *name = (const char *)img->map + str->offset + sym->name;
	return strnlen(name, str->size - sym->name) == 8 && memcmp(name, "_DYNAMIC", 8) == 0;
}

static int update_section_symbols(const struct elf_image *img, size_t shndx, uint64_t addr,
				  struct plan *p)
{
	size_t ent = sym_size(img->cls), w = img->cls.is64 ? 8 : 4;
	size_t at = img->cls.is64 ? offsetof(Elf64_Sym, st_value) : offsetof(Elf32_Sym, st_value);
	bool dynamic = img->sh[shndx].type == SHT_DYNAMIC;

	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if (s->type != SHT_SYMTAB)
			continue;
		for (uint64_t k = 0; k + ent <= s->size; k += ent) {
			struct xsym sym;
			unsigned char b[8];
			sym_decode(img->cls, img->map + s->offset + k, &sym);
			if (!symbol_follows(img, s, &sym, shndx, dynamic))
				continue;
			store_uint(b, w, img->cls.msb, addr);
			if (plan_add(p, s->offset + k + at, b, w, "growth: symbol value for %s",
				     section_name(img, shndx)) < 0)
				return -1;
		}
	}
	return 0;
}

static int write_shdr(const struct elf_image *img, struct plan *p, size_t i, uint64_t off,
		      uint64_t addr, uint64_t size)
{
	struct xshdr sh = img->sh[i];
	unsigned char b[sizeof(Elf64_Shdr)];

	sh.offset = off;
	sh.addr = addr;
	sh.size = size;
	if (shdr_encode(img->cls, b, &sh) < 0)
		return error(img->path, "section header value does not fit the file's class");
	if (plan_add(p, img->eh.shoff + i * shdr_size(img->cls), b, shdr_size(img->cls),
		     "growth: section %s describes its new place", section_name(img, i)) < 0)
		return -1;
	return update_section_symbols(img, i, addr, p);
}

static int update_sections(const struct elf_image *img, const struct dynamic *dyn,
			   const struct layout *l, const struct growth_result *g,
			   const struct growth_request *rq, struct plan *p)
{
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		int rc = 0;
		if (g->dyn_moved && s->type == SHT_DYNAMIC)
			rc = write_shdr(img, p, i, g->dyn_off, g->dyn_vaddr, l->dyn_slots * dyn->entsize);
		else if (g->str_moved && s->type == SHT_STRTAB && (s->flags & SHF_ALLOC)
			 && s->addr == dyn->str_vaddr)
			rc = write_shdr(img, p, i, g->str_off, g->str_vaddr, g->str_size);
		else if (rq->interp && s->type == SHT_PROGBITS && strcmp(section_name(img, i), ".interp") == 0)
			rc = write_shdr(img, p, i, l->off + l->interp_at, l->vaddr + l->interp_at,
					strlen(rq->interp) + 1);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int zero_range(const struct elf_image *img, struct plan *p, uint64_t off, uint64_t size,
		      const char *what)
{
	unsigned char *zero = calloc(1, size ? size : 1);

	if (!zero)
		return error(img->path, "out of memory");
	int rc = plan_add(p, off, zero, size, "growth: zero the old %s (%llu bytes)", what,
			  (unsigned long long)size);
	free(zero);
	return rc;
}

/* Once nothing points at the old .dynstr and interpreter string, their
 * bytes are zeroed, so a replaced host build path does not stay behind in
 * the file.  Only when a section header confirms the old table's extent:
 * without one we cannot be sure the range holds nothing else. */
static int scrub_old_tables(const struct elf_image *img, const struct dynamic *dyn,
			    const struct growth_result *g, const struct growth_request *rq,
			    struct plan *p)
{
	uint64_t off = 0, size = 0;

	for (size_t i = 1; i < img->shnum && g->str_moved; i++) {
		const struct xshdr *s = &img->sh[i];
		if (s->type == SHT_STRTAB && (s->flags & SHF_ALLOC) && s->addr == dyn->str_vaddr
		    && s->offset == dyn->str_off && s->size == dyn->str_size) {
			off = s->offset;
			size = s->size;
		}
	}
	for (size_t i = 0; i < img->phnum && rq->interp; i++)
		if (img->ph[i].type == PT_INTERP && zero_range(img, p, img->ph[i].offset,
							     img->ph[i].filesz, "interpreter string") < 0)
			return -1;
	return size ? zero_range(img, p, off, size, ".dynstr") : 0;
}

static void fill_result(const struct dynamic *dyn, const struct growth_request *rq,
			const struct layout *l, struct growth_result *g, uint64_t old_size)
{
	memset(g, 0, sizeof(*g));
	g->str_moved = rq->str_slack != 0;
	g->dyn_moved = rq->dyn_slack != 0;
	g->interp_moved = rq->interp != NULL;
	g->str_off = l->off + l->str_at;
	g->str_vaddr = l->vaddr + l->str_at;
	g->str_size = dyn ? dyn->str_size + rq->str_slack : 0;
	g->dyn_off = l->off + l->dyn_at;
	g->dyn_vaddr = l->vaddr + l->dyn_at;
	g->dyn_slots = l->dyn_slots;
	g->bytes_added = l->off + l->len - old_size;
}

int grow_plan(const struct elf_image *img, const struct dynamic *dyn,
	      const struct growth_request *rq, struct plan *p, struct growth_result *g)
{
	struct layout l = { 0 };
	long first, top, slot;
	enum slot_cost cost;
	uint64_t max_end;
	struct xphdr *ph = NULL;
	unsigned char *buf = NULL;
	int rc = -1;

	if ((rq->str_slack || rq->dyn_slack) && (!dyn || !dyn->has_strtab))
		return error(img->path, "cannot grow: no dynamic string table");
	if (find_segments(img, rq->keep_note_segment, &first, &top, &slot, &cost, &max_end) < 0)
		return -1;
	l.align = rq->page_size ? rq->page_size : max_load_align(img);
	/* A lying p_align would make the padding absurd and the arithmetic
	 * below wrap; no real target aligns segments beyond 1 GiB. */
	if (l.align > ((uint64_t)1 << 30) || max_end > UINT64_MAX / 2)
		return error(img->path, "cannot grow: segment alignment or addresses out of range");
	place_region(img, &l, first, top, slot, cost, max_end);
	size_pieces(img, dyn, rq, &l);
	if (l.off > UINT64_MAX / 2 || l.len > UINT64_MAX / 4 || l.vaddr > UINT64_MAX / 2
	    || (!img->cls.is64 && l.vaddr + l.len > UINT32_MAX))
		return error(img->path, "cannot grow: no room left in the address space");
	fill_result(dyn, rq, &l, g, img->size);
	ph = calloc(img->phnum + 1, sizeof(*ph));
	buf = calloc(1, l.len ? l.len : 1);
	if (!ph || !buf) {
		error(img->path, "out of memory");
		goto out;
	}
	size_t nph = new_phdrs(img, &l, g, rq, ph);
	if (build_region(img, dyn, rq, &l, g, ph, nph, buf) < 0)
		goto out;
	trace(rq->debug, img->path, "growing by %llu bytes: new segment at offset 0x%llx, "
	      "address 0x%llx, %llu bytes (%s)", (unsigned long long)g->bytes_added,
	      (unsigned long long)l.off, (unsigned long long)l.vaddr, (unsigned long long)l.len,
	      l.way == MAP_TAIL ? "extending the last segment" :
	      l.way == MAP_SLOT ? "in place of a spare program header" : "program headers moved");
	p->grow_to = l.off + l.len;
	if (plan_add(p, l.off, buf, l.len, "growth: new tables (%llu bytes)",
		     (unsigned long long)l.len) < 0
	    || plan_switch(img, &l, ph, nph, p) < 0)
		goto out;
	if (g->str_moved && !g->dyn_moved && switch_strtab(img, dyn, g, p) < 0)
		goto out;
	rc = update_sections(img, dyn, &l, g, rq, p);
	if (rc == 0 && !rq->keep_old_tables)
		rc = scrub_old_tables(img, dyn, g, rq, p);
out:
	free(ph);
	free(buf);
	return rc;
}
