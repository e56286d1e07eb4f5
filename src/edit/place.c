/* Where growth puts the appended region and the program header table. */
#include <config.h>

#include "edit/place.h"

#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"

/* When the table itself moves (--keep-note-segment, no entry to take
 * over, or a table that lies inside a section's bytes), how each loader
 * finds the program headers of a program:
 * - Linux before 5.18 passes AT_PHDR = (first PT_LOAD's p_vaddr -
 *   p_offset) + e_phoff, wherever the table really is; qemu-user (7.2)
 *   the same with the smallest p_vaddr - p_offset of all PT_LOADs.
 *   Linux 5.18 and later use the PT_LOAD that holds e_phoff.
 * - glibc's ld.so and musl read the program's headers at AT_PHDR and
 *   derive the load bias from PT_PHDR's p_vaddr.
 * - For a shared library, ld.so reads the headers from the file at
 *   e_phoff and finds them in memory through PT_PHDR or the PT_LOAD that
 *   holds e_phoff (glibc copies them to the heap if none does).
 * So a moved table must lie in a PT_LOAD whose p_vaddr - p_offset is the
 * first PT_LOAD's: then every formula gives the same address.  Two
 * places qualify, tried in this order:
 * - PH_GAP: the file bytes right after the first PT_LOAD's image, which
 *   the linker leaves unused (relro and page alignment put the next
 *   segment further on); the first PT_LOAD grows over them, as a linker
 *   would have laid it out.  No padding, no new mapping for the table.
 * - PH_REGION: the start of the appended region, whose PT_LOAD is given
 *   the first one's p_vaddr - p_offset.  Its address must lie above every
 *   segment's memory, so its file offset does too: the file is padded up
 *   to the program's memory size, which may be far beyond its file size
 *   (a large .bss).  We pay at most two alignment units for it unless
 *   --phdr-padding says to pay what it takes; otherwise no placement that
 *   every kernel finds exists without that cost, and the edit is refused.
 * A library is not handed AT_PHDR: any placement in the region works.
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

struct segments {
	long first, top, slot;
	enum slot_cost cost;
	uint64_t max_end;
};

/* `exclude`: a PT_NOTE that must keep its entry (it carries a new note). */
static int find_segments(const struct elf_image *img, bool keep_notes, long exclude,
			 struct segments *sg)
{
	*sg = (struct segments){ -1, -1, -1, SLOT_NONE, 0 };
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		enum slot_cost c = (long)i == exclude ? SLOT_NONE : slot_cost(img, i, keep_notes);
		if (c < sg->cost) {
			sg->cost = c;
			sg->slot = (long)i;
		}
		if (ph->type != PT_LOAD)
			continue;
		if (sg->first < 0)
			sg->first = (long)i;
		if (ph->vaddr + ph->memsz >= sg->max_end) {
			sg->max_end = ph->vaddr + ph->memsz;
			sg->top = (long)i;
		}
	}
	if (sg->first < 0)
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

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Whether [off, off + len) holds no byte any header, section or segment
 * uses; the first PT_LOAD (which ends before it) excepted. */
static bool bytes_unused(const struct elf_image *img, size_t first, uint64_t off, uint64_t len)
{
	if (overlaps(off, len, 0, ehdr_size(img->cls))
	    || overlaps(off, len, img->eh.phoff, img->phnum * phdr_size(img->cls))
	    || overlaps(off, len, img->eh.shoff, img->shnum * shdr_size(img->cls)))
		return false;
	for (size_t i = 1; i < img->shnum; i++)
		if (img->sh[i].type != SHT_NOBITS && overlaps(off, len, img->sh[i].offset, img->sh[i].size))
			return false;
	for (size_t i = 0; i < img->phnum; i++)
		if (i != first && overlaps(off, len, img->ph[i].offset, img->ph[i].filesz))
			return false;
	return true;
}

/* PH_GAP: room for `n` program headers right after the first PT_LOAD's
 * file image, in bytes nothing uses, with the addresses the first load
 * then covers below every other load's first page (at the largest
 * alignment, so no page size a kernel may use maps another segment over
 * them).  A first load with memory beyond its file image (bss) cannot
 * grow over file bytes. */
static bool find_gap(const struct elf_image *img, struct layout *l, size_t n)
{
	const struct xphdr *f = &img->ph[l->first];
	uint64_t len = n * phdr_size(img->cls), at = align_up(f->offset + f->filesz, 8);
	uint64_t page = max_load_align(img) > l->align ? max_load_align(img) : l->align;

	if (f->filesz != f->memsz || !(f->flags & PF_R) || at < f->offset
	    || !range_ok(at, len, img->size) || !bytes_unused(img, l->first, at, len))
		return false;
	uint64_t end_vaddr = f->vaddr + (at + len - f->offset);
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *q = &img->ph[i];
		if (i == l->first || q->type != PT_LOAD || q->memsz == 0)
			continue;
		if (q->vaddr + q->memsz > f->vaddr && end_vaddr > (q->vaddr & ~(page - 1)))
			return false;
	}
	l->ph = PH_GAP;
	l->ph_n = n;
	l->ph_off = at;
	l->ph_vaddr = f->vaddr + (at - f->offset);
	return true;
}

/* The smallest placement of the region with offset and address congruent
 * modulo the alignment, above every segment's memory.  qemu-user takes
 * the smallest p_vaddr - p_offset of all PT_LOADs for AT_PHDR, so the new
 * one's is kept from falling below the first's (a non-PIE program whose
 * file reaches almost to the end of its memory). */
static void place_congruent(const struct elf_image *img, struct layout *l, uint64_t max_end)
{
	const struct xphdr *f = &img->ph[l->first];
	uint64_t delta = f->vaddr - f->offset, mask = l->align - 1;

	l->off = align_up(img->size, 8);
	l->vaddr = align_up(max_end, l->align) + (l->off & mask);
	if (l->vaddr >= l->off && l->vaddr - l->off < delta && l->off <= UINT64_MAX / 4
	    && delta <= UINT64_MAX / 4)
		l->vaddr = align_up(l->off + delta - (l->off & mask), l->align) + (l->off & mask);
}

/* PH_REGION for a program: the region's p_vaddr - p_offset is the first
 * PT_LOAD's, which needs padding up to the next free aligned address. */
static int place_for_old_kernels(const struct elf_image *img, const struct growth_request *rq,
				 struct layout *l, uint64_t max_end)
{
	const struct xphdr *f = &img->ph[l->first];
	uint64_t delta = f->vaddr - f->offset, need = align_up(max_end, l->align);

	if (delta % l->align || need < delta)
		return error(img->path, "cannot grow: the first loadable segment's address and offset "
			     "leave no place for the program headers that every kernel finds");
	l->off = align_up(img->size, 8);
	if (l->off + delta < need)
		l->off = align_up(need - delta, 8);
	l->vaddr = l->off + delta;
	if (l->off - img->size > COMPAT_PADDING_UNITS * l->align) {
		if (!rq->phdr_padding)
			return error(img->path, "cannot grow: the program headers must move, and where "
				     "every kernel finds them costs %llu bytes of padding (see "
				     "--phdr-padding)", (unsigned long long)(l->off - img->size));
		l->paid_padding = l->off - img->size;
	}
	return 0;
}

/* The table moves: into the first load's unused bytes if they suffice,
 * else to the start of the region (which then needs a PT_LOAD entry). */
static int place_table(const struct elf_image *img, const struct growth_request *rq,
		       struct layout *l, uint64_t max_end)
{
	if (l->way != MAP_TAIL)
		place_congruent(img, l, max_end);
	if (!(l->way == MAP_TAIL && l->seg == l->first)
	    && find_gap(img, l, img->phnum + (l->way == MAP_NEW) + l->own_note))
		return 0;
	l->way = MAP_NEW;
	place_congruent(img, l, max_end);
	l->ph = PH_REGION;
	l->ph_n = img->phnum + 1 + l->own_note;
	if (is_program(img) && place_for_old_kernels(img, rq, l, max_end) < 0)
		return -1;
	l->ph_off = l->off;
	l->ph_vaddr = l->vaddr;
	return 0;
}

/* The PT_NOTE a new note joins: the first whose notes are 4-byte aligned,
 * the layout the note is written in (an 8-aligned segment is read with
 * 8-byte padding); -1 when there is none. */
static long note_carrier(const struct elf_image *img)
{
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		if (ph->type == PT_NOTE && ph->align <= 4 && ph->filesz % 4 == 0
		    && range_ok(ph->offset, ph->filesz, img->size))
			return (long)i;
	}
	return -1;
}

int place_growth(const struct elf_image *img, const struct growth_request *rq, struct layout *l)
{
	struct segments sg;
	bool region = rq->str_slack || rq->dyn_slack || rq->interp || rq->note;

	if (!region && !img->phdr_section)
		return error(img->path, "cannot grow: nothing to append");
	l->note_seg = rq->note ? note_carrier(img) : -1;
	/* A note of its own needs a second new entry: only a moved table
	 * has room for it. */
	l->own_note = rq->note && l->note_seg < 0;
	if (find_segments(img, rq->keep_note_segment, l->note_seg, &sg) < 0)
		return -1;
	l->first = (size_t)sg.first;
	l->align = rq->page_size ? rq->page_size : max_load_align(img);
	/* A lying p_align would make the padding absurd and the arithmetic
	 * wrap; no real target aligns segments beyond 1 GiB. */
	if (l->align > ((uint64_t)1 << 30) || sg.max_end > UINT64_MAX / 2)
		return error(img->path, "cannot grow: segment alignment or addresses out of range");
	const struct xphdr *t = &img->ph[sg.top];
	l->way = region ? MAP_NEW : MAP_NONE;
	if (l->own_note) {
		/* MAP_NEW: the table moves. */
	} else if (region && t->offset + t->filesz == img->size && t->filesz == t->memsz
		   && !(t->flags & PF_X)) {
		l->way = MAP_TAIL;
		l->seg = (size_t)sg.top;
		l->off = align_up(img->size, 8);
		l->vaddr = t->vaddr + (l->off - t->offset);
	} else if (region && sg.slot >= 0 && !img->phdr_section) {
		l->way = MAP_SLOT;
		l->seg = (size_t)sg.slot;
	}
	/* The bytes of a table inside a section are the section's: the
	 * table moves, whatever else would fit. */
	if (l->way == MAP_SLOT || (l->way == MAP_TAIL && !img->phdr_section)) {
		if (l->way == MAP_SLOT)
			place_congruent(img, l, sg.max_end);
		if (l->way == MAP_SLOT && sg.cost >= SLOT_NOTE)
			warning(img->path, "the new segment takes the PT_NOTE entry (the notes stay "
				"in place; see --keep-note-segment)");
		l->ph = PH_STAYS;
		return 0;
	}
	return place_table(img, rq, l, sg.max_end);
}
