#include <config.h>

#include "edit/grow.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/place.h"
#include "edit/shtab.h"
#include "elf/validate.h"

static void size_pieces(const struct elf_image *img, const struct dynamic *dyn,
			const struct growth_request *rq, struct layout *l)
{
	uint64_t at = 0;

	if (l->ph == PH_REGION) {
		l->ph_at = 0;
		at = l->ph_n * phdr_size(img->cls);
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
	if (rq->note) {
		l->notes_at = at = align_up(at, 8);
		l->notes_len = rq->note_len;
		if (!l->own_note)
			l->notes_len += align_up(img->ph[l->note_seg].filesz, 4);
		at += l->notes_len;
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

/* --set-execstack or --clear-execstack on the new headers: PF_X of
 * PT_GNU_STACK, or a PT_NULL entry turned into one (as patchelf does). */
static int apply_execstack(const struct elf_image *img, enum execstack_op op, struct xphdr *ph,
			   size_t n)
{
	long spare = -1;

	if (op == EXECSTACK_KEEP)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (ph[i].type == PT_NULL && spare < 0)
			spare = (long)i;
		if (ph[i].type != PT_GNU_STACK)
			continue;
		ph[i].flags = op == EXECSTACK_SET ? ph[i].flags | PF_X : ph[i].flags & ~(uint32_t)PF_X;
		return 0;
	}
	if (spare < 0)
		return error(img->path, "%s: no PT_GNU_STACK and no spare program header",
			     op == EXECSTACK_SET ? "--set-execstack" : "--clear-execstack");
	ph[spare] = (struct xphdr){ .type = PT_GNU_STACK, .align = 1,
				    .flags = PF_R | PF_W | (op == EXECSTACK_SET ? PF_X : 0) };
	return 0;
}

/* The program headers after growth: PT_PHDR, PT_DYNAMIC and PT_INTERP
 * point at the new places, the first PT_LOAD covers a table moved after
 * it (PH_GAP), and a new PT_LOAD (MAP_SLOT, MAP_NEW) follows the last
 * PT_LOAD, keeping the loads sorted by address. */
static size_t new_phdrs(const struct elf_image *img, const struct layout *l,
			const struct growth_result *g, const struct growth_request *rq,
			struct xphdr *out)
{
	size_t n = 0, last_load = 0;

	for (size_t i = 0; i < img->phnum; i++) {
		struct xphdr ph = img->ph[i];
		if (l->way == MAP_SLOT && i == l->seg)
			continue;
		if (ph.type == PT_PHDR && l->ph != PH_STAYS) {
			ph.offset = l->ph_off;
			ph.vaddr = ph.paddr = l->ph_vaddr;
			ph.filesz = ph.memsz = l->ph_n * phdr_size(img->cls);
		} else if (ph.type == PT_DYNAMIC && g->dyn_moved) {
			ph = at_piece(ph, l, l->dyn_at, l->dyn_slots * dyn_size(img->cls));
		} else if (ph.type == PT_INTERP && rq->interp) {
			ph = at_piece(ph, l, l->interp_at, strlen(rq->interp) + 1);
		} else if (rq->note && (long)i == l->note_seg) {
			ph = at_piece(ph, l, l->notes_at, l->notes_len);
		} else if (l->way == MAP_TAIL && i == l->seg) {
			ph.filesz = ph.memsz = l->off + l->len - ph.offset;
			if (g->dyn_moved)
				ph.flags |= PF_W;
		}
		if (l->ph == PH_GAP && i == l->first)
			ph.filesz = ph.memsz = l->ph_off + l->ph_n * phdr_size(img->cls) - ph.offset;
		if (ph.type == PT_LOAD)
			last_load = n;
		out[n++] = ph;
	}
	if (l->way == MAP_SLOT || l->way == MAP_NEW) {
		memmove(&out[last_load + 2], &out[last_load + 1], (n - last_load - 1) * sizeof(*out));
		out[last_load + 1] = new_load(l, g->dyn_moved);
		n++;
	}
	if (l->own_note)
		out[n++] = (struct xphdr){ .type = PT_NOTE, .flags = PF_R, .offset = l->off + l->notes_at,
					   .vaddr = l->vaddr + l->notes_at,
					   .paddr = l->vaddr + l->notes_at, .filesz = l->notes_len,
					   .memsz = l->notes_len, .align = 4 };
	return n;
}

static int encode_phdrs(const struct elf_image *img, unsigned char *buf, const struct xphdr *ph,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (phdr_encode(img->cls, buf + i * phdr_size(img->cls), &ph[i]) < 0)
			return error(img->path, "program header value does not fit the file's class");
	return 0;
}

static int build_region(const struct elf_image *img, const struct dynamic *dyn,
			const struct growth_request *rq, const struct layout *l,
			const struct growth_result *g, const struct xphdr *ph, size_t nph,
			unsigned char *buf)
{
	if (l->ph == PH_REGION && encode_phdrs(img, buf + l->ph_at, ph, nph) < 0)
		return -1;
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
	if (rq->note && !l->own_note) {
		const struct xphdr *n = &img->ph[l->note_seg];
		memcpy(buf + l->notes_at, img->map + n->offset, n->filesz);
	}
	if (rq->note)
		memcpy(buf + l->notes_at + l->notes_len - rq->note_len, rq->note, rq->note_len);
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

/* A table that moves into the first load's unused bytes is written
 * there before anything refers to it. */
static int plan_gap_table(const struct elf_image *img, const struct layout *l,
			  const struct xphdr *ph, size_t nph, struct plan *p)
{
	unsigned char *b = calloc(nph, phdr_size(img->cls));
	int rc;

	if (!b)
		return error(img->path, "out of memory");
	rc = encode_phdrs(img, b, ph, nph);
	if (rc == 0)
		rc = plan_add_owned(p, l->ph_off, b, nph * phdr_size(img->cls), "growth: program "
				    "header table after the first segment's contents, at 0x%llx",
				    (unsigned long long)l->ph_off);
	else
		free(b);
	return rc;
}

/* One write makes the new bytes live: the ELF header when the table moved
 * (the new table already says everything), else the whole table rewritten
 * in place (the new PT_LOAD takes the spare entry's place in address
 * order), or, extending the last segment, its entry and then those that
 * point into it. */
static int plan_switch(const struct elf_image *img, const struct layout *l, const struct xphdr *ph,
		       size_t nph, struct plan *p)
{
	if (l->ph != PH_STAYS) {
		struct xehdr eh = img->eh;
		unsigned char b[sizeof(Elf64_Ehdr)];
		if (img->eh.phnum == PN_XNUM || nph >= PN_XNUM)
			return error(img->path, "cannot grow: too many program headers");
		eh.phoff = l->ph_off;
		eh.phnum = (uint16_t)nph;
		if (ehdr_encode(img->cls, b, &eh) < 0)
			return error(img->path, "ELF header value does not fit the file's class");
		return plan_add(p, 0, b, ehdr_size(img->cls), "growth: program header table moved "
				"to offset 0x%llx", (unsigned long long)eh.phoff);
	}
	if (l->way == MAP_SLOT) {
		unsigned char *b = calloc(nph, phdr_size(img->cls));
		int rc;
		if (!b)
			return error(img->path, "out of memory");
		rc = encode_phdrs(img, b, ph, nph);
		if (rc == 0)
			rc = plan_add(p, img->eh.phoff, b, nph * phdr_size(img->cls), "growth: program "
				      "header table with the new PT_LOAD in place of entry %zu", l->seg);
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
 * written them: the section symbol (STT_SECTION) of a moved section, the
 * symbols defined inside it (__abi_tag in .note.ABI-tag) by as much as it
 * moved, and _DYNAMIC for .dynamic.  *value is the symbol's new value.
 * Only .symtab: .dynsym is loaded and left alone. */
static bool symbol_follows(const struct elf_image *img, const struct xshdr *symtab,
			   const struct xsym *sym, size_t shndx, uint64_t addr, uint64_t *value)
{
	const struct xshdr *moved = &img->sh[shndx];

	if (ELF64_ST_TYPE(sym->info) == STT_SECTION || sym->shndx != shndx) {
		*value = addr;
		if (ELF64_ST_TYPE(sym->info) == STT_SECTION)
			return sym->shndx == shndx;
	} else if (sym->value >= moved->addr && sym->value - moved->addr <= moved->size) {
		*value = sym->value - moved->addr + addr;
		return true;
	}
	if (moved->type != SHT_DYNAMIC)
		return false;
	const struct xshdr *str = &img->sh[symtab->link];
	if (str->type != SHT_STRTAB || sym->name >= str->size)
		return false;
	const char *name = (const char *)img->map + str->offset + sym->name;
	*value = addr;
	return strnlen(name, str->size - sym->name) == 8 && memcmp(name, "_DYNAMIC", 8) == 0;
}

static int update_section_symbols(const struct elf_image *img, size_t shndx, uint64_t addr,
				  struct plan *p)
{
	size_t ent = sym_size(img->cls), w = img->cls.is64 ? 8 : 4;
	size_t at = img->cls.is64 ? offsetof(Elf64_Sym, st_value) : offsetof(Elf32_Sym, st_value);

	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if (s->type != SHT_SYMTAB)
			continue;
		for (uint64_t k = 0; k + ent <= s->size; k += ent) {
			struct xsym sym;
			unsigned char b[8];
			uint64_t value;
			sym_decode(img->cls, img->map + s->offset + k, &sym);
			if (!symbol_follows(img, s, &sym, shndx, addr, &value) || value == sym.value)
				continue;
			store_uint(b, w, img->cls.msb, value);
			if (plan_add(p, s->offset + k + at, b, w, "growth: symbol value for %s",
				     section_name(img, shndx)) < 0)
				return -1;
		}
	}
	return 0;
}

/* Section i describes its new place: in the new table `t` when the table
 * grows (shtab.h), else written in place. */
static int write_shdr(const struct elf_image *img, struct plan *p, struct shtab *t, size_t i,
		      uint64_t off, uint64_t addr, uint64_t size)
{
	struct xshdr sh = img->sh[i];
	unsigned char b[sizeof(Elf64_Shdr)];

	sh.offset = off;
	sh.addr = addr;
	sh.size = size;
	if (t) {
		t->sh[i] = sh;
		return update_section_symbols(img, i, addr, p);
	}
	if (shdr_encode(img->cls, b, &sh) < 0)
		return error(img->path, "section header value does not fit the file's class");
	if (plan_add(p, img->eh.shoff + i * shdr_size(img->cls), b, shdr_size(img->cls),
		     "growth: section %s describes its new place", section_name(img, i)) < 0)
		return -1;
	return update_section_symbols(img, i, addr, p);
}

/* A note section inside the carrier's old notes: its copy's place. */
static bool note_moved(const struct elf_image *img, const struct layout *l, const struct xshdr *s,
		       uint64_t *off, uint64_t *addr)
{
	const struct xphdr *n = &img->ph[l->note_seg];

	if (s->type != SHT_NOTE || s->offset < n->offset || s->size > n->filesz
	    || s->offset - n->offset > n->filesz - s->size)
		return false;
	*off = l->off + l->notes_at + (s->offset - n->offset);
	*addr = l->vaddr + l->notes_at + (s->offset - n->offset);
	return true;
}

static int update_sections(const struct elf_image *img, const struct dynamic *dyn,
			   const struct layout *l, const struct growth_result *g,
			   const struct growth_request *rq, struct plan *p, struct shtab *t)
{
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		uint64_t off, addr;
		int rc = 0;
		if (g->dyn_moved && s->type == SHT_DYNAMIC)
			rc = write_shdr(img, p, t, i, g->dyn_off, g->dyn_vaddr,
					l->dyn_slots * dyn->entsize);
		else if (g->str_moved && s->type == SHT_STRTAB && (s->flags & SHF_ALLOC)
			 && s->addr == dyn->str_vaddr)
			rc = write_shdr(img, p, t, i, g->str_off, g->str_vaddr, g->str_size);
		else if (rq->interp && s->type == SHT_PROGBITS && strcmp(section_name(img, i), ".interp") == 0)
			rc = write_shdr(img, p, t, i, l->off + l->interp_at, l->vaddr + l->interp_at,
					strlen(rq->interp) + 1);
		else if (rq->note && !l->own_note && note_moved(img, l, s, &off, &addr))
			rc = write_shdr(img, p, t, i, off, addr, s->size);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* With a new note and section headers: the table grows by the note's
 * section, after the program headers switched (plan_switch()), so the
 * ELF header written last carries both switches. */
static int plan_note_section(const struct elf_image *img, const struct layout *l,
			     const struct growth_request *rq, size_t nph, struct shtab *t,
			     struct plan *p)
{
	uint64_t at = l->notes_at + l->notes_len - rq->note_len;
	struct xshdr sh = { .type = SHT_NOTE, .flags = SHF_ALLOC, .addr = l->vaddr + at,
			    .offset = l->off + at, .size = rq->note_len, .addralign = 4 };
	struct xehdr eh = img->eh;

	if (l->ph != PH_STAYS) {
		eh.phoff = l->ph_off;
		eh.phnum = (uint16_t)nph;
	}
	if (shtab_add(t, &sh, rq->note_section) < 0)
		return -1;
	return shtab_plan(t, align_up(l->off + l->len, 8), eh, p);
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
	for (size_t i = 0; i < img->phnum && rq->interp; i++) {
		const struct xphdr *ph = &img->ph[i];
		/* A PT_INTERP without file contents has no bytes to zero. */
		if (ph->type == PT_INTERP && ph->filesz
		    && zero_range(img, p, ph->offset, ph->filesz, "interpreter string") < 0)
			return -1;
	}
	return size ? zero_range(img, p, off, size, ".dynstr") : 0;
}

static void fill_result(const struct dynamic *dyn, const struct growth_request *rq,
			const struct layout *l, struct growth_result *g, uint64_t old_size)
{
	memset(g, 0, sizeof(*g));
	g->str_moved = rq->str_slack != 0;
	g->dyn_moved = rq->dyn_slack != 0;
	g->interp_moved = rq->interp != NULL;
	g->ph_moved = l->ph != PH_STAYS;
	g->str_off = l->off + l->str_at;
	g->str_vaddr = l->vaddr + l->str_at;
	g->str_size = dyn ? dyn->str_size + rq->str_slack : 0;
	g->dyn_off = l->off + l->dyn_at;
	g->dyn_vaddr = l->vaddr + l->dyn_at;
	g->dyn_slots = l->dyn_slots;
	g->bytes_added = l->len ? l->off + l->len - old_size : 0;
}

/* The new bytes, then the switch: the appended region (if any) and a
 * table moved into the first load's unused bytes are written first. */
static int plan_growth_writes(const struct elf_image *img, const struct layout *l,
			      const struct xphdr *ph, size_t nph, unsigned char *buf, struct plan *p)
{
	if (l->len) {
		p->grow_to = l->off + l->len;
		/* The tables are content; the padding before them is alignment,
		 * which plan_check_size() allows a few pages of. */
		p->added += l->len + l->paid_padding;
		p->kept += l->off + l->len - img->size;
		if (plan_add(p, l->off, buf, l->len, "growth: new tables (%llu bytes)",
			     (unsigned long long)l->len) < 0)
			return -1;
	}
	if (l->ph == PH_GAP && plan_gap_table(img, l, ph, nph, p) < 0)
		return -1;
	return plan_switch(img, l, ph, nph, p);
}

static const char *way_name(const struct layout *l)
{
	if (l->ph == PH_GAP)
		return "program headers moved after the first segment's contents";
	if (l->ph == PH_REGION)
		return "program headers moved";
	return l->way == MAP_TAIL ? "extending the last segment" : "in place of a spare program header";
}

int grow_plan(const struct elf_image *img, const struct dynamic *dyn,
	      const struct growth_request *rq, struct plan *p, struct growth_result *g)
{
	struct layout l = { 0 };
	struct shtab t = { 0 };
	struct xphdr *ph = NULL;
	unsigned char *buf = NULL;
	int rc = -1;

	if ((rq->str_slack || rq->dyn_slack) && (!dyn || !dyn->has_strtab))
		return error(img->path, "cannot grow: no dynamic string table");
	if (place_growth(img, rq, &l) < 0)
		return -1;
	size_pieces(img, dyn, rq, &l);
	if (l.off > UINT64_MAX / 2 || l.len > UINT64_MAX / 4 || l.vaddr > UINT64_MAX / 2
	    || (!img->cls.is64 && l.vaddr + l.len > UINT32_MAX))
		return error(img->path, "cannot grow: no room left in the address space");
	fill_result(dyn, rq, &l, g, img->size);
	ph = calloc(img->phnum + 2, sizeof(*ph));
	buf = calloc(1, l.len ? l.len : 1);
	if (!ph || !buf) {
		error(img->path, "out of memory");
		goto out;
	}
	size_t nph = new_phdrs(img, &l, g, rq, ph);
	if (apply_execstack(img, rq->execstack, ph, nph) < 0
	    || build_region(img, dyn, rq, &l, g, ph, nph, buf) < 0)
		goto out;
	trace(rq->debug, img->path, "growing by %llu bytes: new segment at offset 0x%llx, "
	      "address 0x%llx, %llu bytes (%s)", (unsigned long long)g->bytes_added,
	      (unsigned long long)l.off, (unsigned long long)l.vaddr, (unsigned long long)l.len,
	      way_name(&l));
	if (plan_growth_writes(img, &l, ph, nph, buf, p) < 0)
		goto out;
	if (g->str_moved && !g->dyn_moved && switch_strtab(img, dyn, g, p) < 0)
		goto out;
	bool new_section = rq->note && img->shnum;
	if (new_section && shtab_init(&t, img) < 0)
		goto out;
	if (update_sections(img, dyn, &l, g, rq, p, new_section ? &t : NULL) < 0
	    || (new_section && plan_note_section(img, &l, rq, nph, &t, p) < 0))
		goto out;
	rc = rq->keep_old_tables ? 0 : scrub_old_tables(img, dyn, g, rq, p);
out:
	shtab_free(&t);
	free(ph);
	free(buf);
	return rc;
}
