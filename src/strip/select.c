/* What a strip removes: the sections asked for or matched by the
 * options, and those that only served them; a kept allocated section
 * never loses a section it links to. */
#include <config.h>

#include "strip/work.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

bool section_is_debug(const char *name)
{
	return has_prefix(name, ".debug") || has_prefix(name, ".zdebug") || has_prefix(name, ".gnu.debuglto_")
	       || has_prefix(name, ".gnu.linkonce.wi.") || has_prefix(name, ".stab") || has_prefix(name, ".line")
	       || strcmp(name, ".gdb_index") == 0;
}

static bool matches(const char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], name, 0) == 0)
			return true;
	return false;
}

bool sht_is_rel(uint32_t type)
{
	return type == SHT_REL || type == SHT_RELA;
}

/* Which sections go.  GNU strip's rules: --strip-debug removes what BFD
 * calls debugging sections (by name, non-allocated only); --strip-all
 * also the symbol table, its string table and relocations of
 * non-allocated sections; a relocation section goes with its target;
 * whatever a kept section links to stays. */
int strip_decide(struct strip *s)
{
	const struct options *o = s->o;
	bool strip = o->strip_debug || o->strip_all;

	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		const char *n = strip_section_name(s, i);
		bool alloc = h->flags & SHF_ALLOC;

		if (matches(o->remove_sections, o->n_remove_sections, n)) {
			if (alloc)
				return error(s->path, "cannot remove allocated section %s: "
					     "the program uses it", n);
			if (i == s->shstrndx)
				return error(s->path, "cannot remove the section name table %s", n);
			s->gone[i] = s->asked_gone[i] = true;
		}
		/* The section name table stays whatever it is called. */
		if (alloc || h->type == SHT_NULL || i == s->shstrndx)
			continue;
		if (strip && section_is_debug(n))
			s->gone[i] = true;
		if (o->strip_all && (h->type == SHT_SYMTAB || h->type == SHT_SYMTAB_SHNDX
				     || sht_is_rel(h->type)))
			s->gone[i] = true;
		/* sh_link 0 names no string table: section 0 never goes. */
		if (o->strip_all && h->type == SHT_SYMTAB && h->link != SHN_UNDEF
		    && h->link != s->shstrndx && !(s->sh[h->link].flags & SHF_ALLOC))
			s->gone[h->link] = true;
	}
	for (size_t i = 1; i < s->shnum; i++)
		if (matches(o->keep_sections, o->n_keep_sections, strip_section_name(s, i))) {
			s->gone[i] = false;
			s->asked_kept[i] = true;
		}
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 1; i < s->shnum; i++) {
			const struct xshdr *h = &s->sh[i];
			if (s->gone[i] || (h->flags & SHF_ALLOC))
				continue;
			if (sht_is_rel(h->type) && h->info && h->info < s->shnum && s->gone[h->info]) {
				if (s->asked_kept[i])
					s->gone[h->info] = false;
				else
					s->gone[i] = true;
				again = true;
				continue;
			}
			/* sh_link of an SHT_NULL entry is undefined (gABI). */
			if (h->link && h->link < s->shnum && h->type != SHT_NULL && s->gone[h->link]) {
				if (s->asked_gone[h->link] && !s->asked_kept[h->link])
					return error(s->path, "cannot remove %s: section %s links to it",
						     strip_section_name(s, h->link), strip_section_name(s, i));
				s->gone[h->link] = false;
				again = true;
			}
		}
	}
	return 0;
}

/* Symbol tables in allocated sections (.dynsym) record section indices
 * the loader never reads but tools do; their bytes cannot change, so the
 * indices they name must not shift. */
int check_alloc_indices(const struct strip *s)
{
	size_t es = sym_size(s->cls);

	for (size_t i = 1; i < s->shnum; i++) {
		const struct xshdr *h = &s->sh[i];
		if (!(h->flags & SHF_ALLOC) || (h->type != SHT_DYNSYM && h->type != SHT_SYMTAB)
		    || h->entsize != es)
			continue;
		unsigned char *b = strip_read_view(s, h->offset, h->size - h->size % es);
		if (!b)
			return -1;
		for (uint64_t k = 0; k < h->size / es; k++) {
			struct xsym y;
			sym_decode(s->cls, b + k * es, &y);
			if (y.shndx != SHN_UNDEF && y.shndx < SHN_LORESERVE && y.shndx < s->shnum
			    && s->map[y.shndx] != y.shndx) {
				free(b);
				return error(s->path, "cannot remove sections placed before allocated "
					     "ones in the header table: %s refers to section %u by index",
					     strip_section_name(s, i), y.shndx);
			}
		}
		free(b);
	}
	return 0;
}
