/* struct options: what was asked, and what its parts amount to. */
#include <config.h>

#include "core/options.h"

#include <stdlib.h>

#include "core/namemap.h"

void options_free(struct options *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free((char *)o->owned[i]);
	free(o->owned);
	free(o->files);
	free(o->add_needed);
	free(o->remove_needed);
	free(o->replace_needed);
	free(o->clear_version);
	free(o->remove_sections);
	free(o->keep_sections);
	namemap_free(&o->rename_syms);
}

bool options_have_edits(const struct options *o)
{
	return o->set_interp || o->set_os_abi || o->set_soname || o->rpath_op != RPATH_KEEP
	       || o->convert != CONVERT_NONE || o->execstack != EXECSTACK_KEEP
	       || o->no_default_lib || o->n_remove_needed || o->n_replace_needed
	       || o->n_add_needed || o->n_clear_version || o->add_debug_tag || o->page_size
	       || o->rename_map_file || o->build_cache;
}

bool options_have_section_edits(const struct options *o)
{
	return o->strip_debug || o->strip_all || o->strip_section_headers || o->compress_debug
	       || o->decompress_debug || o->n_remove_sections || o->only_keep_debug
	       || o->add_debuglink;
}
