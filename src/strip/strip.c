/* plan_sections(): the strip, from the options to a plan.  See
 * strip/strip.h for the write order and why it is crash-safe. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

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

int strip_check_type(const struct elf_image *img)
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

	if (strip_check_type(img) < 0)
		return -1;
	/* A strip must not make the file larger (plan_check_size()). */
	p->strips |= o->strip_debug || o->strip_all || o->strip_section_headers
		     || o->n_remove_sections;
	s.size = img->size > p->grow_to ? img->size : p->grow_to;
	if (strip_load_headers(&s) < 0)
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
	if (strip_decide(&s) < 0 || strip_build_output(&s) < 0 || check_alloc_indices(&s) < 0)
		goto out;
	for (size_t i = 0; i < s.shnum; i++)
		if (s.gone[i]) {
			trace(o->debug, img->path, "removing section %s", strip_section_name(&s, i));
			any = true;
		}
	if (strip_build_contents(&s) < 0)
		goto out;
	for (size_t k = 0; k < s.nout; k++)
		any |= s.out[k].changed;
	if (!any) {
		trace(o->debug, img->path, "no section to remove or change");
		rc = 0;
		goto out;
	}
	rc = strip_layout(&s, p);
out:
	strip_free(&s);
	return rc;
}
