/* The result's section table: the kept sections in header order, their
 * names, and their new contents where they change. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

/* Kept sections in header order, plus a new .gnu_debuglink before the
 * section name table when that table is last (where objcopy puts it). */
int strip_build_output(struct strip *s)
{
	size_t kept = 0, dl_at = SIZE_MAX;
	long dl_old = -1;
	const struct options *o = s->o;

	for (size_t i = 0; i < s->shnum; i++)
		if (!s->gone[i]) {
			kept++;
			if (strcmp(strip_section_name(s, i), ".gnu_debuglink") == 0 && i)
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
		s->out[s->nout++] = (struct sec){ .old = i, .name = strip_section_name(s, i), .sh = s->sh[i] };
	}
	if (add_dl && dl_at == SIZE_MAX)
		dl_at = s->nout++;
	if (add_dl)
		s->out[dl_at] = (struct sec){ .old = NEW_SECTION, .name = ".gnu_debuglink",
			.sh = { .type = SHT_PROGBITS, .addralign = 4 }, .changed = true };
	if (o->add_debuglink) {
		struct sec *d = add_dl ? &s->out[dl_at] : strip_out_of(s, (size_t)dl_old);
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
	struct sec *t = strip_out_of(s, s->shstrndx);
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
			if ((ids[i] = strbuild_add(&sb, s->out[i].name)) < 0)
				goto oom;
		if (strbuild_finish(&sb) < 0)
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
	strbuild_free(&sb);
	free(ids);
	return rc;
}

int strip_build_contents(struct strip *s)
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
		if (o->compress_debug && !(h->flags & SHF_COMPRESSED) && has_prefix(c->name, ".debug")
		    && compress_section(s, c) < 0)
			return -1;
		if (o->decompress_debug && ((h->flags & SHF_COMPRESSED) || has_prefix(c->name, ".zdebug"))
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
		const unsigned char *old = strip_view(s, h->offset, h->size, &own);
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
