/* --strip-section-headers: everything past the last byte a program
 * header covers goes, the section header table with it. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

/* --strip-section-headers: the table and every byte after the last one a
 * program header covers go; one write of the ELF header, then truncate. */
int plan_sstrip(struct strip *s, struct plan *p)
{
	uint64_t end = ehdr_size(s->cls), now = s->size > p->grow_to ? s->size : p->grow_to;
	unsigned char b[sizeof(Elf64_Ehdr)];
	struct xehdr eh;
	unsigned char *cur;

	if (s->o->add_debuglink || s->o->compress_debug || s->o->decompress_debug)
		return error(s->path, "--strip-section-headers removes every section: it does not "
			     "combine with --add-gnu-debuglink or (de)compression");
	if (s->eh.phnum == PN_XNUM)
		return error(s->path, "cannot drop the section header table: it holds the program "
			     "header count");
	if (s->phnum == 0)
		return error(s->path, "cannot drop the section header table: no program headers");
	if (s->phnum && s->eh.phoff + s->phnum * phdr_size(s->cls) > end)
		end = s->eh.phoff + s->phnum * phdr_size(s->cls);
	for (size_t i = 0; i < s->phnum; i++)
		if (s->ph[i].filesz && s->ph[i].offset + s->ph[i].filesz > end)
			end = s->ph[i].offset + s->ph[i].filesz;
	if (s->eh.shoff == 0 && s->eh.shnum == 0 && end >= now)
		return 0;
	if (!(cur = strip_read_view(s, 0, ehdr_size(s->cls))))
		return -1;
	plan_overlay(p, 0, cur, ehdr_size(s->cls));
	ehdr_decode(s->cls, cur, &eh);
	free(cur);
	eh.shoff = 0;
	eh.shnum = 0;
	eh.shstrndx = SHN_UNDEF;
	if (ehdr_encode(s->cls, b, &eh) < 0)
		return error(s->path, "ELF header value does not fit the file's class");
	if (plan_add(p, 0, b, ehdr_size(s->cls), "--strip-section-headers: no section header table")
	    < 0)
		return -1;
	if (end < now)
		p->truncate_to = end;
	return 0;
}
