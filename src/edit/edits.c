/* plan_edits(): the requested edits, in patchelf's order, as writes. */
#include <config.h>

#include "edit/edits.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "edit/dynedit.h"
#include "edit/grow.h"
#include "edit/rpath.h"
#include "edit/symver.h"
#include "edit/symrename.h"
#include "elf/ldnote.h"
#include "elf/print.h"
#include "elf/validate.h"
#include "plan/plan.h"

static int plan_os_abi(const struct elf_image *img, const char *name, struct plan *p)
{
	int abi = os_abi_parse(name);

	if (abi < 0)
		return error(img->path, "unrecognized OS ABI '%s'", name);
	if (img->eh.ident[EI_OSABI] == abi)
		return 0;
	unsigned char b = (unsigned char)abi;
	return plan_add(p, EI_OSABI, &b, 1, "--set-os-abi: EI_OSABI = %d", abi);
}

/* The string is NUL-padded to the old size, so PT_INTERP keeps a size that
 * covers it, the kernel finds a NUL in its last byte, and a later, longer
 * interpreter can still use the space. */
static int plan_interp(const struct elf_image *img, const char *interp, struct plan *p)
{
	size_t ph, len = strlen(interp);
	const char *old = interpreter_of(img, &ph);

	if (!old)
		return -1;
	if (strcmp(old, interp) == 0)
		return 0;
	const struct xphdr *seg = &img->ph[ph];
	if (len + 1 > seg->filesz)
		return plan_no_room(p, img->path, "--set-interpreter: \"%.40s%s\" needs %zu bytes, "
				    "PT_INTERP has %llu (%llu missing)", interp, len > 40 ? "..." : "", len + 1,
				    (unsigned long long)seg->filesz,
				    (unsigned long long)(len + 1 - seg->filesz));
	unsigned char *buf = calloc(1, seg->filesz);
	if (!buf)
		return error(img->path, "out of memory");
	memcpy(buf, interp, len);
	int rc = plan_add(p, seg->offset, buf, seg->filesz, "--set-interpreter: \"%s\" in PT_INTERP",
			  interp);
	free(buf);
	return rc;
}

static int write_phdr(const struct elf_image *img, size_t i, const struct xphdr *ph,
		      struct plan *p, const char *what)
{
	unsigned char buf[sizeof(Elf64_Phdr)];

	if (phdr_encode(img->cls, buf, ph) < 0)
		return error(img->path, "program header value does not fit the file's class");
	return plan_add(p, img->eh.phoff + i * phdr_size(img->cls), buf, phdr_size(img->cls),
			"%s: program header %zu", what, i);
}

/* The bytes of a program header table inside a section are the
 * section's, so a header cannot change in place: growth moves the table
 * (edit/place.c) and writes the change into the moved copy. */
static int table_must_move(const struct elf_image *img, struct plan *p, const char *what)
{
	return plan_no_room(p, img->path, "%s: the program header table lies inside section %s, "
			    "whose bytes stay as they are: it must move (growth)", what,
			    section_name(img, img->phdr_section));
}

/* Without a PT_GNU_STACK, a PT_NULL header is turned into one (as
 * patchelf does); adding a header is growth. */
static int plan_execstack(const struct elf_image *img, enum execstack_op op, struct plan *p)
{
	const char *what = op == EXECSTACK_SET ? "--set-execstack" : "--clear-execstack";
	long spare = -1;

	for (size_t i = 0; i < img->phnum; i++) {
		struct xphdr ph = img->ph[i];
		if (ph.type == PT_NULL && spare < 0)
			spare = (long)i;
		if (ph.type != PT_GNU_STACK)
			continue;
		uint32_t flags = op == EXECSTACK_SET ? ph.flags | PF_X : ph.flags & ~(uint32_t)PF_X;
		if (flags == ph.flags)
			return 0;
		if (img->phdr_section)
			return table_must_move(img, p, what);
		ph.flags = flags;
		return write_phdr(img, i, &ph, p, what);
	}
	if (spare < 0)
		return error(img->path, "%s: no PT_GNU_STACK and no spare program header", what);
	if (img->phdr_section)
		return table_must_move(img, p, what);
	struct xphdr ph = { .type = PT_GNU_STACK, .align = 1,
			    .flags = PF_R | PF_W | (op == EXECSTACK_SET ? PF_X : 0) };
	return write_phdr(img, (size_t)spare, &ph, p, what);
}

/* Whether the PT_LOAD holding file offset `off` is mapped writable. */
static bool offset_writable(const struct elf_image *img, uint64_t off)
{
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		if (ph->type == PT_LOAD && off >= ph->offset && off - ph->offset < ph->filesz)
			return (ph->flags & PF_W) != 0;
	}
	return false;
}

static int need_dyn(const struct elf_image *img, const struct dynamic *dyn, const char *what)
{
	if (!dyn)
		return error(img->path, "%s: no dynamic section (statically linked?)", what);
	if (dyn->empty)
		return error(img->path, "%s: the dynamic section is not in the file (PT_DYNAMIC has "
			     "no file contents, as in a separate debug file)", what);
	if (!dyn->has_strtab)
		return error(img->path, "%s: no dynamic string table", what);
	return 0;
}

static int plan_soname(struct dyn_model *m, const char *soname)
{
	long i = dynmodel_find(m, DT_SONAME, 0);

	if (m->img->eh.type != ET_DYN) {
		trace(m->debug, m->img->path, "not a shared library: DT_SONAME left alone");
		return 0;
	}
	if (i >= 0) {
		size_t idx = (size_t)i;
		return dynmodel_set_string(m, &idx, 1, NULL, 0, soname, "--set-soname");
	}
	return dynmodel_insert(m, 0, DT_SONAME, 0, soname, "--set-soname");
}

/* Indices of all DT_RPATH and DT_RUNPATH entries. */
static size_t rpath_entries(const struct dyn_model *m, size_t *idx, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->count && n < max; i++)
		if (m->ent[i].tag == DT_RPATH || m->ent[i].tag == DT_RUNPATH)
			idx[n++] = i;
	return n;
}

static const char *current_rpath(const struct dyn_model *m)
{
	long rn = dynmodel_find(m, DT_RUNPATH, 0), rp = dynmodel_find(m, DT_RPATH, 0);

	if (rn >= 0)
		return dynmodel_str(m, (size_t)rn);
	return rp >= 0 ? dynmodel_str(m, (size_t)rp) : NULL;
}

static int remove_tags(struct dyn_model *m, int64_t a, int64_t b, const char *what)
{
	for (size_t i = 0; i < m->count;)
		if (m->ent[i].tag == a || m->ent[i].tag == b) {
			if (dynmodel_remove(m, i, what) < 0)
				return -1;
		} else {
			i++;
		}
	return 0;
}

static char *new_rpath(struct dyn_model *m, const struct options *o, const char *cur)
{
	const char **needed = calloc(m->count + 1, sizeof(*needed));
	size_t n = 0;
	char *r = NULL;

	if (!needed)
		return NULL;
	for (size_t i = 0; i < m->count; i++)
		if (m->ent[i].tag == DT_NEEDED)
			needed[n++] = dynmodel_str(m, i);
	struct rpath_ctx c = { m->img, needed, n, o->debug };
	switch (o->rpath_op) {
	case RPATH_SET: r = strdup(o->rpath_arg); break;
	case RPATH_ADD: r = rpath_add(cur, o->rpath_arg); break;
	case RPATH_SHRINK: r = rpath_shrink(&c, cur, o->allowed_prefixes); break;
	case RPATH_RELATIVE:
		r = rpath_relative(&c, cur, o->root_dir, o->no_std_lib_dirs, o->relative_to_file);
		break;
	default: BUG("no new rpath for op %d", (int)o->rpath_op);
	}
	free(needed);
	return r;
}

static int plan_rpath_value(struct dyn_model *m, const struct options *o)
{
	const char *cur = current_rpath(m);
	size_t idx[8];
	size_t n = rpath_entries(m, idx, 8);

	if (!cur && (o->rpath_op == RPATH_SHRINK || o->rpath_op == RPATH_RELATIVE)) {
		trace(o->debug, m->img->path, "no RPATH to change");
		return 0;
	}
	char *s = new_rpath(m, o, cur);
	if (!s)
		return -1;
	int rc;
	if (n == 0)
		rc = dynmodel_insert(m, 0, o->force_rpath ? DT_RPATH : DT_RUNPATH, 0, s, "rpath");
	else
		rc = dynmodel_set_string(m, idx, n, NULL, 0, s, "rpath");
	free(s);
	return rc;
}

/* DT_RPATH <-> DT_RUNPATH.  When both exist (old ld --enable-new-dtags),
 * the one being converted away is dropped rather than duplicated. */
static int convert_tag(struct dyn_model *m, int64_t from, int64_t to, const char *what)
{
	long f;

	while ((f = dynmodel_find(m, from, 0)) >= 0) {
		if (dynmodel_find(m, to, 0) >= 0) {
			if (dynmodel_remove(m, (size_t)f, what) < 0)
				return -1;
			continue;
		}
		if (dynmodel_set_entry(m, (size_t)f, to, m->ent[f].val, what) < 0)
			return -1;
	}
	return 0;
}

static int plan_rpath(struct dyn_model *m, const struct options *o)
{
	if (o->rpath_op == RPATH_REMOVE)
		return remove_tags(m, DT_RPATH, DT_RUNPATH, "--remove-rpath");
	if (o->rpath_op != RPATH_KEEP && plan_rpath_value(m, o) < 0)
		return -1;
	if (o->force_rpath && o->rpath_op != RPATH_KEEP
	    && convert_tag(m, DT_RUNPATH, DT_RPATH, "--force-rpath") < 0)
		return -1;
	if (o->convert == CONVERT_TO_RUNPATH)
		return convert_tag(m, DT_RPATH, DT_RUNPATH, "--convert-rpath");
	if (o->convert == CONVERT_TO_RPATH)
		return convert_tag(m, DT_RUNPATH, DT_RPATH, "--convert-runpath");
	return 0;
}

static int remove_needed(struct dyn_model *m, const char *lib)
{
	struct str_field *f = NULL;
	size_t nf = 0;

	if (dynmodel_verneed_fields(m, lib, &f, &nf) < 0)
		return -1;
	if (nf)
		warning(m->img->path, "%s carries symbol version requirements; ld.so fails unless "
			"another dependency loads it", lib);
	free(f);
	for (size_t i = 0; i < m->count;)
		if (m->ent[i].tag == DT_NEEDED && strcmp(dynmodel_str(m, i), lib) == 0) {
			if (dynmodel_remove(m, i, "--remove-needed") < 0)
				return -1;
		} else {
			i++;
		}
	return 0;
}

/* The version requirement names the library too (vn_file); ld.so matches
 * it against the loaded objects, so it is renamed with the entry. */
static int replace_needed(struct dyn_model *m, const char *from, const char *to)
{
	size_t *idx = calloc(m->count + 1, sizeof(*idx)), n = 0, nf = 0;
	struct str_field *f = NULL;
	int rc = -1;

	if (!idx)
		return error(m->img->path, "out of memory");
	for (size_t i = 0; i < m->count; i++)
		if (m->ent[i].tag == DT_NEEDED && strcmp(dynmodel_str(m, i), from) == 0)
			idx[n++] = i;
	if (n == 0) {
		trace(m->debug, m->img->path, "--replace-needed: %s is not needed", from);
		rc = 0;
	} else if (dynmodel_verneed_fields(m, from, &f, &nf) == 0) {
		rc = dynmodel_set_string(m, idx, n, f, nf, to, "--replace-needed");
	}
	free(idx);
	free(f);
	return rc;
}

static int add_needed(struct dyn_model *m, const char *lib)
{
	for (size_t i = 0; i < m->count; i++)
		if (m->ent[i].tag == DT_NEEDED && strcmp(dynmodel_str(m, i), lib) == 0) {
			trace(m->debug, m->img->path, "--add-needed: %s is already needed", lib);
			return 0;
		}
	return dynmodel_insert(m, 0, DT_NEEDED, 0, lib, "--add-needed");
}

static int plan_no_default_lib(struct dyn_model *m)
{
	long i = dynmodel_find(m, DT_FLAGS_1, 0);

	if (i >= 0)
		return dynmodel_set_entry(m, (size_t)i, DT_FLAGS_1, m->ent[i].val | DF_1_NODEFLIB,
					  "--no-default-lib");
	return dynmodel_insert(m, 0, DT_FLAGS_1, DF_1_NODEFLIB, NULL, "--no-default-lib");
}

/* patchelf adds DT_DEBUG first, moving every entry; it goes last here,
 * into the spare slot, so nothing moves (ld.so does not mind where).
 * ld.so writes the r_debug address into it when the file runs as a
 * program, before RELRO is applied; if .dynamic is not writable at all
 * (MIPS-style read-only .dynamic), that write would crash the program. */
static int plan_debug_tag(struct dyn_model *m, const struct growth_result *g)
{
	if (dynmodel_find(m, DT_DEBUG, 0) >= 0) {
		trace(m->debug, m->img->path, "--add-debug-tag: DT_DEBUG is already there");
		return 0;
	}
	if (!(g && g->dyn_moved) && !offset_writable(m->img, m->off))
		return error(m->img->path, "--add-debug-tag: .dynamic is not writable, and ld.so "
			     "writes into DT_DEBUG");
	return dynmodel_insert(m, m->count, DT_DEBUG, 0, NULL, "--add-debug-tag");
}

static bool wants_dynamic(const struct options *o)
{
	return o->set_soname || o->rpath_op != RPATH_KEEP || o->convert != CONVERT_NONE
	       || o->n_remove_needed || o->n_replace_needed || o->n_add_needed || o->no_default_lib
	       || o->n_clear_version || o->add_debug_tag
	       || o->rename_map_file;
}

/* What the resolution cache note answers for: the run path and the
 * DT_NEEDED names, one a line (malloc'd; NULL when out of memory). */
static char *cache_inputs(const struct dyn_model *m)
{
	const char *rp = current_rpath(m);
	size_t len = strlen(rp ? rp : "") + 2;
	char *s;

	for (size_t i = 0; i < m->count; i++)
		if (m->ent[i].tag == DT_NEEDED)
			len += strlen(dynmodel_str(m, i)) + 1;
	if (!(s = malloc(len)))
		return NULL;
	strcpy(s, rp ? rp : "");
	strcat(s, "\n");
	for (size_t i = 0; i < m->count; i++)
		if (m->ent[i].tag == DT_NEEDED) {
			strcat(s, dynmodel_str(m, i));
			strcat(s, "\n");
		}
	return s;
}

/* patchelf drops the resolution cache note when an edit changes the run
 * path or the DT_NEEDED names: it would send the loader to the old
 * places.  Here the note is made unreadable where it is, in two writes
 * each of which leaves no note a loader reads: its owner, type and
 * descriptor are zeroed (which also takes the old paths out of the file,
 * as patchelf does for Nix's reference scanner), then its section loses
 * its name, so that neither tool takes it for a note built before. */
static int drop_cache_note(const struct elf_image *img, struct plan *p, bool debug)
{
	const unsigned char *d;
	size_t len;
	struct ldnote_at at;
	enum ldnote_state st = ldnote_find(img, &d, &len, &at);
	unsigned char *zero, name[4] = { 0 };

	if (st == LDNOTE_NONE)
		return 0;
	trace(debug, img->path, "the run path or DT_NEEDED names changed: the resolution cache "
	      "note is dropped");
	/* namesz and descsz stay: the notes after it are still found. */
	uint64_t keep = st == LDNOTE_FOUND ? 8 : 0;
	if (at.size > keep) {
		if (!(zero = calloc(1, at.size - keep)))
			return error(img->path, "out of memory");
		if (plan_add_owned(p, at.off + keep, zero, at.size - keep, "the stale resolution "
				   "cache note zeroed") < 0)
			return -1;
	}
	if (at.section < 0)
		return 0;
	return plan_add(p, img->eh.shoff + (uint64_t)at.section * shdr_size(img->cls), name, 4,
			"its section %s unnamed", LDNOTE_SECTION);
}

static int plan_dynamic(const struct elf_image *img, const struct dynamic *dyn,
			const struct options *o, struct plan *p, const struct growth_result *g)
{
	struct dyn_model m;
	char *before = NULL, *after = NULL;
	int rc = -1;

	if (need_dyn(img, dyn, "cannot edit dynamic entries") < 0)
		return -1;
	if (dynmodel_init(&m, img, dyn, p, o->debug) < 0)
		goto out;
	if (g && dynmodel_relocate(&m, g) < 0)
		goto out;
	if (!(before = cache_inputs(&m))) {
		error(img->path, "out of memory");
		goto out;
	}
	if (o->set_soname && plan_soname(&m, o->set_soname) < 0)
		goto out;
	if (plan_rpath(&m, o) < 0)
		goto out;
	for (size_t i = 0; i < o->n_remove_needed; i++)
		if (remove_needed(&m, o->remove_needed[i]) < 0)
			goto out;
	for (size_t i = 0; i < o->n_replace_needed; i++)
		if (replace_needed(&m, o->replace_needed[i].from, o->replace_needed[i].to) < 0)
			goto out;
	for (size_t i = 0; i < o->n_add_needed; i++)
		if (add_needed(&m, o->add_needed[i]) < 0)
			goto out;
	if (o->n_clear_version
	    && plan_clear_versions(&m, dyn, o->clear_version, o->n_clear_version) < 0)
		goto out;
	if (o->no_default_lib && plan_no_default_lib(&m) < 0)
		goto out;
	if (o->add_debug_tag && plan_debug_tag(&m, g) < 0)
		goto out;
	/* Last, as in patchelf. */
	if (o->rename_map_file && plan_rename_symbols(&m, dyn, &o->rename_syms) < 0)
		goto out;
	if (!(after = cache_inputs(&m))) {
		error(img->path, "out of memory");
		goto out;
	}
	rc = strcmp(before, after) != 0 ? drop_cache_note(img, p, o->debug) : 0;
out:
	free(before);
	free(after);
	dynmodel_free(&m);
	return rc;
}

static int plan_all(const struct elf_image *img, const struct dynamic *dyn,
		    const struct options *o, struct plan *p, const struct growth_result *g)
{
	if (o->set_os_abi && plan_os_abi(img, o->set_os_abi, p) < 0)
		return -1;
	if (o->set_interp && !(g && g->interp_moved) && plan_interp(img, o->set_interp, p) < 0)
		return -1;
	/* After growth, the new program headers already carry it. */
	if (o->execstack != EXECSTACK_KEEP && !g && plan_execstack(img, o->execstack, p) < 0)
		return -1;
	if (wants_dynamic(o) && plan_dynamic(img, dyn, o, p, g) < 0)
		return -1;
	return 0;
}

/* Upper bound of the .dynstr bytes the requested edits can add. */
static uint64_t string_room(const struct dynamic *dyn, const struct elf_image *img,
			    const struct options *o)
{
	uint64_t n = 0;
	long rn = dynamic_find(dyn, DT_RUNPATH, 0), rp = dynamic_find(dyn, DT_RPATH, 0);
	const char *cur = rn >= 0 ? dynamic_str(img, dyn, dyn->ent[rn].val)
			  : rp >= 0 ? dynamic_str(img, dyn, dyn->ent[rp].val) : "";

	if (o->set_soname)
		n += strlen(o->set_soname) + 1;
	if (o->rpath_op == RPATH_SET)
		n += strlen(o->rpath_arg) + 1;
	else if (o->rpath_op == RPATH_ADD)
		n += strlen(cur) + strlen(o->rpath_arg) + 2;
	else if (o->rpath_op == RPATH_SHRINK || o->rpath_op == RPATH_RELATIVE)
		n += 3 * strlen(cur) + 64;
	for (size_t i = 0; i < o->n_add_needed; i++)
		n += strlen(o->add_needed[i]) + 1;
	/* A rename may need a staging copy as long as the longer name. */
	for (size_t i = 0; i < o->n_replace_needed; i++) {
		size_t a = strlen(o->replace_needed[i].from), b = strlen(o->replace_needed[i].to);
		n += (a > b ? a : b) + 1;
	}
	if (o->rename_map_file)
		n += rename_string_room(img, dyn, &o->rename_syms);
	return n;
}

/* Entries the requested edits can add to .dynamic. */
static size_t entry_room(const struct dynamic *dyn, const struct options *o)
{
	size_t n = o->n_add_needed;

	if (o->set_soname && dynamic_find(dyn, DT_SONAME, 0) < 0)
		n++;
	if ((o->rpath_op == RPATH_SET || o->rpath_op == RPATH_ADD)
	    && dynamic_find(dyn, DT_RPATH, 0) < 0 && dynamic_find(dyn, DT_RUNPATH, 0) < 0)
		n++;
	if (o->no_default_lib && dynamic_find(dyn, DT_FLAGS_1, 0) < 0)
		n++;
	if (o->add_debug_tag && dynamic_find(dyn, DT_DEBUG, 0) < 0)
		n++;
	return n;
}

static bool interp_fits(const struct elf_image *img, const char *interp)
{
	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_INTERP)
			return strlen(interp) + 1 <= img->ph[i].filesz;
	return true;
}

static int plan_with_growth(const struct elf_image *img, const struct dynamic *dyn,
			    const struct options *o, struct plan *p)
{
	struct growth_request rq = { .page_size = o->page_size, .debug = o->debug,
				     .keep_note_segment = o->keep_note_segment,
				     .phdr_padding = o->phdr_padding, .execstack = o->execstack,
				     .keep_old_tables = o->no_clobber };
	struct growth_result g;

	if (wants_dynamic(o) && dyn && dyn->has_strtab) {
		rq.str_slack = string_room(dyn, img, o);
		size_t entries = entry_room(dyn, o);
		if (entries && dyn->count + 1 + entries > dyn->slots)
			rq.dyn_slack = entries;
	}
	if (o->set_interp && !interp_fits(img, o->set_interp))
		rq.interp = o->set_interp;
	if (grow_plan(img, dyn, &rq, p, &g) < 0)
		return -1;
	return plan_all(img, dyn, o, p, &g);
}

int plan_edits(const struct elf_image *img, const struct dynamic *dyn, const struct options *o,
	       struct plan *p)
{
	if (img->eh.type != ET_EXEC && img->eh.type != ET_DYN)
		return error(img->path, "not an executable or shared library (e_type %u)", img->eh.type);
	/* First try to fit everything in place; only if that runs out of
	 * room (and growth is allowed) plan again with appended space. */
	p->trial = !o->no_grow;
	int rc = plan_all(img, dyn, o, p, NULL);
	p->trial = false;
	if (rc == 0 || !p->short_of_room || o->no_grow)
		return rc;
	plan_free(p);
	plan_init(p);
	trace(o->debug, img->path, "the edits do not fit in place: growing the file");
	return plan_with_growth(img, dyn, o, p);
}

int plan_cache_note(const struct elf_image *img, const struct dynamic *dyn,
		    const struct options *o, const unsigned char *note, size_t len, struct plan *p)
{
	struct growth_request rq = { .page_size = o->page_size, .debug = o->debug,
				     .keep_note_segment = o->keep_note_segment, .note = note,
				     .note_len = len, .note_section = LDNOTE_SECTION };
	struct growth_result g;

	if (o->no_grow)
		return error(img->path, "--build-resolution-cache: the note needs new space "
			     "(%zu bytes), and --no-grow was given", len);
	return grow_plan(img, dyn, &rq, p, &g);
}
