#include <config.h>

#include "plan/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

#define MAX_PROBLEMS 64

struct headers {
	struct xehdr eh;
	size_t phnum, shnum;
	struct xphdr *ph;
	struct xshdr *sh;
	uint64_t size;
};

/* Each problem has a message, which names things by their index in the
 * file it describes, and a key, which names them by what they are: a
 * segment by its offset and address, a section by its type, address and
 * size.  An edit that renumbers the program headers (growth takes an
 * entry, or inserts the new PT_LOAD) shifts the indices, so the problems
 * of the input and of the result are matched by key: a writable and
 * executable segment the input already had is not one the edit made. */
struct problems {
	char msg[MAX_PROBLEMS][160];
	char key[MAX_PROBLEMS][64];
	size_t n;
};

static void problem(struct problems *pr, const char *key, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void problem(struct problems *pr, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (pr->n == MAX_PROBLEMS)
		return;
	snprintf(pr->key[pr->n], sizeof(pr->key[0]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(pr->msg[pr->n++], sizeof(pr->msg[0]), fmt, ap);
	va_end(ap);
}

/* A segment's identity across an edit: its kind of problem, file offset
 * and address (growth changes sizes and flags of the segment it extends,
 * never where it starts). */
static const char *segment_key(char *buf, size_t n, const char *what, const struct xphdr *p)
{
	snprintf(buf, n, "%s %llx %llx", what, (unsigned long long)p->offset,
		 (unsigned long long)p->vaddr);
	return buf;
}

/* Bytes [off, off + len) of the file as the plan leaves it. */
static void read_after(const struct elf_image *img, const struct plan *plan, uint64_t off,
		       unsigned char *buf, size_t len)
{
	memset(buf, 0, len);
	if (off < img->size) {
		uint64_t n = img->size - off < len ? img->size - off : len;
		memcpy(buf, img->map + off, (size_t)n);
	}
	if (plan)
		plan_overlay(plan, off, buf, len);
}

static uint64_t size_after(const struct elf_image *img, const struct plan *plan)
{
	uint64_t size = img->size;

	if (plan && plan->grow_to > size)
		size = plan->grow_to;
	if (plan && plan->truncate_to)
		size = plan->truncate_to;
	return size;
}

static int load_headers(const struct elf_image *img, const struct plan *plan, struct headers *h)
{
	struct elf_class c = img->cls;
	unsigned char b[sizeof(Elf64_Shdr) > sizeof(Elf64_Ehdr) ? sizeof(Elf64_Shdr) : sizeof(Elf64_Ehdr)];

	memset(h, 0, sizeof(*h));
	h->size = size_after(img, plan);
	read_after(img, plan, 0, b, ehdr_size(c));
	ehdr_decode(c, b, &h->eh);
	h->phnum = h->eh.phnum == PN_XNUM ? img->phnum : h->eh.phnum;
	h->shnum = h->eh.shoff ? (h->eh.shnum ? h->eh.shnum : img->shnum) : 0;
	if (!range_ok(h->eh.phoff, h->phnum * phdr_size(c), h->size)
	    || !range_ok(h->eh.shoff, h->shnum * shdr_size(c), h->size))
		return error(img->path, "planned header tables lie outside the file");
	h->ph = calloc(h->phnum + 1, sizeof(*h->ph));
	h->sh = calloc(h->shnum + 1, sizeof(*h->sh));
	if (!h->ph || !h->sh)
		return error(img->path, "out of memory");
	for (size_t i = 0; i < h->phnum; i++) {
		read_after(img, plan, h->eh.phoff + i * phdr_size(c), b, phdr_size(c));
		phdr_decode(c, b, &h->ph[i]);
	}
	for (size_t i = 0; i < h->shnum; i++) {
		read_after(img, plan, h->eh.shoff + i * shdr_size(c), b, shdr_size(c));
		shdr_decode(c, b, &h->sh[i]);
	}
	return 0;
}

static void free_headers(struct headers *h)
{
	free(h->ph);
	free(h->sh);
}

/* [off, off+size) at address addr lies in load `p`, file and memory alike. */
static bool in_load(const struct xphdr *p, uint64_t off, uint64_t addr, uint64_t size, bool nobits)
{
	if (p->type != PT_LOAD || addr < p->vaddr || !range_ok(addr - p->vaddr, size, p->memsz))
		return false;
	if (nobits)
		return true;
	return off >= p->offset && off - p->offset == addr - p->vaddr
	       && range_ok(off - p->offset, size, p->filesz);
}

static size_t loads_holding(const struct headers *h, uint64_t off, uint64_t addr, uint64_t size,
			    bool nobits, size_t *which)
{
	size_t n = 0;

	for (size_t i = 0; i < h->phnum; i++)
		if (in_load(&h->ph[i], off, addr, size, nobits)) {
			n++;
			*which = i;
		}
	return n;
}

static void check_sections(const struct headers *h, struct problems *pr)
{
	for (size_t i = 1; i < h->shnum; i++) {
		const struct xshdr *s = &h->sh[i];
		size_t which = 0;
		/* .tbss occupies no address space of its own. */
		if (!(s->flags & SHF_ALLOC) || s->size == 0
		    || (s->type == SHT_NOBITS && (s->flags & SHF_TLS)))
			continue;
		size_t n = loads_holding(h, s->offset, s->addr, s->size, s->type == SHT_NOBITS, &which);
		char key[64];
		snprintf(key, sizeof(key), "section %x %llx %llx", s->type, (unsigned long long)s->addr,
			 (unsigned long long)s->size);
		if (n != 1)
			problem(pr, key, "allocated section %zu at 0x%llx is in %zu loadable segments", i,
				(unsigned long long)s->addr, n);
	}
}

static const char *segment_name(uint32_t type)
{
	switch (type) {
	case PT_PHDR: return "PT_PHDR";
	case PT_DYNAMIC: return "PT_DYNAMIC";
	case PT_INTERP: return "PT_INTERP";
	default: return "segment";
	}
}

static void check_special(const struct headers *h, struct problems *pr)
{
	for (size_t i = 0; i < h->phnum; i++) {
		const struct xphdr *p = &h->ph[i];
		size_t which = 0;
		if (p->type != PT_PHDR && p->type != PT_DYNAMIC && p->type != PT_INTERP)
			continue;
		const char *name = segment_name(p->type);
		char key[64];
		if (loads_holding(h, p->offset, p->vaddr, p->filesz, false, &which) != 1) {
			snprintf(key, sizeof(key), "%s outside", name);
			problem(pr, key, "%s is not inside exactly one loadable segment", name);
			continue;
		}
		snprintf(key, sizeof(key), "%s unreadable", name);
		if (!(h->ph[which].flags & PF_R))
			problem(pr, key, "%s lies in a segment that is not readable", name);
		if (p->type == PT_PHDR && (!range_ok(h->eh.phoff, 0, h->size) || p->offset != h->eh.phoff))
			problem(pr, "PT_PHDR table", "PT_PHDR does not describe the program header table");
	}
}

static void check_loads(const struct headers *h, struct problems *pr)
{
	const struct xphdr *prev = NULL;
	char k[64];

	for (size_t i = 0; i < h->phnum; i++) {
		const struct xphdr *p = &h->ph[i];
		if (p->type != PT_LOAD)
			continue;
		if (p->align > 1 && (p->offset & (p->align - 1)) != (p->vaddr & (p->align - 1)))
			problem(pr, segment_key(k, sizeof(k), "congruence", p),
				"loadable segment %zu: offset and address disagree modulo %llu", i,
				(unsigned long long)p->align);
		if ((p->flags & PF_W) && (p->flags & PF_X))
			problem(pr, segment_key(k, sizeof(k), "wx", p),
				"loadable segment %zu is writable and executable", i);
		if (p->filesz && !range_ok(p->offset, p->filesz, h->size))
			problem(pr, segment_key(k, sizeof(k), "outside", p),
				"loadable segment %zu lies outside the file", i);
		if (prev) {
			uint64_t a = p->align > 1 ? p->align : 1;
			if (p->vaddr < prev->vaddr)
				problem(pr, segment_key(k, sizeof(k), "order", p),
					"loadable segment %zu is out of address order", i);
			else if ((p->vaddr & ~(a - 1)) < align_up(prev->vaddr + prev->memsz, a)
				 && p->vaddr < prev->vaddr + prev->memsz)
				problem(pr, segment_key(k, sizeof(k), "overlap", p),
					"loadable segment %zu overlaps the one before it", i);
		}
		prev = p;
	}
}

static bool is_program(const struct headers *h)
{
	if (h->eh.type == ET_EXEC)
		return true;
	for (size_t i = 0; i < h->phnum; i++)
		if (h->ph[i].type == PT_INTERP)
			return true;
	return false;
}

/* A program's table must be where every loader looks (edit/place.c):
 * Linux before 5.18 at the first PT_LOAD's p_vaddr - p_offset plus
 * e_phoff, qemu-user at the smallest p_vaddr - p_offset plus e_phoff,
 * Linux 5.18 and later in the PT_LOAD that holds e_phoff.  They agree
 * when that PT_LOAD has the first one's p_vaddr - p_offset and no PT_LOAD
 * has a smaller one. */
static void check_table_found(const struct elf_image *img, const struct headers *h,
			      struct problems *pr)
{
	const struct xphdr *first = NULL;
	uint64_t len = h->phnum * phdr_size(img->cls);
	bool in_load = false, smaller = false;

	if (!is_program(h) || h->phnum == 0)
		return;
	for (size_t i = 0; i < h->phnum; i++) {
		const struct xphdr *p = &h->ph[i];
		if (p->type != PT_LOAD)
			continue;
		if (!first)
			first = p;
		smaller = smaller || p->vaddr - p->offset < first->vaddr - first->offset;
		in_load = in_load || (p->offset <= h->eh.phoff
				      && range_ok(h->eh.phoff - p->offset, len, p->filesz)
				      && p->vaddr - p->offset == first->vaddr - first->offset);
	}
	if (first && !in_load)
		problem(pr, "table found", "the program header table is not in a loadable segment at "
			"the first one's address less offset (Linux before 5.18 would not find it)");
	if (first && smaller)
		problem(pr, "table found qemu", "a loadable segment's address less offset is below the "
			"first one's (qemu-user would not find the program header table)");
}

static bool note_at(const struct headers *h, uint64_t vaddr)
{
	for (size_t k = 0; k < h->phnum; k++)
		if (h->ph[k].type == PT_NOTE && h->ph[k].vaddr == vaddr)
			return true;
	return false;
}

/* A note segment that moved with its notes, as growth moves the one a
 * new note joins (grow.c): a PT_NOTE of the planned file, aligned and
 * flagged as `o`, whose bytes start with those of `o`'s notes. */
static bool notes_kept(const struct elf_image *img, const struct plan *plan,
		       const struct headers *h, const struct xphdr *o)
{
	unsigned char *b = malloc(o->filesz ? o->filesz : 1);
	bool kept = false;

	if (!b || !range_ok(o->offset, o->filesz, img->size)) {
		free(b);
		return false;
	}
	for (size_t k = 0; k < h->phnum && !kept; k++) {
		const struct xphdr *n = &h->ph[k];
		if (n->type != PT_NOTE || n->align != o->align || n->flags != o->flags
		    || n->filesz < o->filesz || !range_ok(n->offset, o->filesz, h->size))
			continue;
		read_after(img, plan, n->offset, b, o->filesz);
		kept = memcmp(b, img->map + o->offset, o->filesz) == 0;
	}
	free(b);
	return kept;
}

/* Notes, properties and unwind tables never move.  Growth may take one
 * note segment's entry for its PT_LOAD (grow.c: the table keeps its
 * size, the notes their bytes), and move one with its notes; nothing
 * else may disappear. */
static void check_fixed(const struct elf_image *img, const struct plan *plan,
			const struct headers *h, struct problems *pr)
{
	bool note_dropped = false;

	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *o = &img->ph[i];
		bool found = false;
		if (o->type != PT_NOTE && o->type != PT_GNU_PROPERTY && o->type != PT_ARM_EXIDX
		    && o->type != PT_GNU_EH_FRAME)
			continue;
		for (size_t k = 0; k < h->phnum && !found; k++) {
			struct xphdr n = h->ph[k];
			size_t which;
			/* Its address never changes; in the file it may move with
			 * the load that maps it (strip moves appended loads down). */
			if (n.offset != o->offset
			    && loads_holding(h, n.offset, n.vaddr, n.filesz, false, &which) == 1)
				n.offset = o->offset;
			found = memcmp(o, &n, sizeof(*o)) == 0;
		}
		if (!found && o->type == PT_NOTE && plan && notes_kept(img, plan, h, o))
			continue;
		if (!found && o->type == PT_NOTE && h->phnum == img->phnum && !note_dropped
		    && !note_at(h, o->vaddr)) {
			note_dropped = true;
			continue;
		}
		/* Indices of the input: the key needs nothing more. */
		char key[64];
		snprintf(key, sizeof(key), "fixed %zu", i);
		if (!found)
			problem(pr, key, "program header %zu (type 0x%x) moved or changed", i, o->type);
	}
}

static void check_all(const struct elf_image *img, const struct plan *plan,
		      const struct headers *h, struct problems *pr)
{
	check_sections(h, pr);
	check_special(h, pr);
	check_loads(h, pr);
	check_fixed(img, plan, h, pr);
	check_table_found(img, h, pr);
}

static int collect(const struct elf_image *img, const struct plan *plan, struct problems *pr)
{
	struct headers h;
	int rc = load_headers(img, plan, &h);

	if (rc == 0)
		check_all(img, plan, &h, pr);
	free_headers(&h);
	return rc;
}

/* A program header table inside a section's contents is left as it is
 * (growth moves it): a planned write into it is a bug in the planner, or
 * a file whose tables share bytes with it, and is refused either way. */
static int table_bytes_kept(const struct elf_image *img, const struct plan *plan)
{
	uint64_t lo = img->eh.phoff, len = img->phnum * phdr_size(img->cls);
	int n = 0;

	if (!img->phdr_section || !plan)
		return 0;
	for (size_t i = 0; i < plan->n && n == 0; i++) {
		const struct plan_write *w = &plan->w[i];
		if (w->len && len && w->off < lo + len && lo < w->off + w->len)
			n = error(img->path, "planned result fails a layout check: %s writes into the "
				  "program header table, whose bytes are section %zu's", w->what,
				  img->phdr_section) < 0;
	}
	return n;
}

int layout_verify(const struct elf_image *img, const struct plan *plan)
{
	struct problems *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	int n = -1;

	if (!before || !after) {
		error(img->path, "out of memory");
		goto out;
	}
	/* Sizes first: the checks below read the planned headers, and a plan
	 * that would fill the disk is refused on its numbers alone. */
	if (plan && plan_check_size(img, plan) < 0) {
		n = 1;
		goto out;
	}
	if (collect(img, NULL, before) < 0 || collect(img, plan, after) < 0)
		goto out;
	n = table_bytes_kept(img, plan);
	for (size_t i = 0; i < after->n; i++) {
		bool old = false;
		for (size_t k = 0; k < before->n && !old; k++)
			old = strcmp(after->key[i], before->key[k]) == 0;
		if (!old) {
			error(img->path, "planned result fails a layout check: %s", after->msg[i]);
			n++;
		}
	}
out:
	free(before);
	free(after);
	return n;
}

int layout_report(const struct elf_image *img)
{
	struct problems *pr = calloc(1, sizeof(*pr));
	int n = -1;

	if (!pr)
		return error(img->path, "out of memory");
	if (collect(img, NULL, pr) == 0) {
		for (size_t i = 0; i < pr->n; i++)
			error(img->path, "%s", pr->msg[i]);
		n = (int)pr->n;
	}
	free(pr);
	return n;
}
