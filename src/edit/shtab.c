#include <config.h>

#include "edit/shtab.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/diag.h"

int shtab_init(struct shtab *t, const struct elf_image *img)
{
	memset(t, 0, sizeof(*t));
	t->img = img;
	/* e_shnum and e_shstrndx must hold the new values themselves: with
	 * extended numbering they live in section 0, which we leave alone. */
	if (img->eh.shnum == 0 || img->eh.shstrndx == SHN_XINDEX || img->shnum + 1 >= SHN_LORESERVE)
		return error(img->path, "cannot add a section: extended section numbering");
	if (img->shstrndx == SHN_UNDEF || img->sh[img->shstrndx].type == SHT_NOBITS)
		return error(img->path, "cannot add a section: no section name table");
	const struct xshdr *names = &img->sh[img->shstrndx];
	t->n = img->shnum;
	t->sh = calloc(t->n + 1, sizeof(*t->sh));
	t->names = malloc(names->size + 1);
	if (!t->sh || !t->names)
		return error(img->path, "out of memory");
	memcpy(t->sh, img->sh, t->n * sizeof(*t->sh));
	memcpy(t->names, img->map + names->offset, names->size);
	t->names_len = names->size;
	return 0;
}

void shtab_free(struct shtab *t)
{
	free(t->sh);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

int shtab_add(struct shtab *t, const struct xshdr *sh, const char *name)
{
	size_t len = strlen(name) + 1;
	struct xshdr *nsh = realloc(t->sh, (t->n + 2) * sizeof(*nsh));
	unsigned char *nn = realloc(t->names, t->names_len + len);

	if (nsh)
		t->sh = nsh;
	if (nn)
		t->names = nn;
	if (!nsh || !nn)
		return error(t->img->path, "out of memory");
	if (t->names_len > UINT32_MAX)
		return error(t->img->path, "cannot add a section: the name table is too large");
	memcpy(t->names + t->names_len, name, len);
	t->sh[t->n] = *sh;
	t->sh[t->n].name = (uint32_t)t->names_len;
	t->names_len += len;
	t->n++;
	return 0;
}

static int encode_table(const struct shtab *t, unsigned char **out, size_t *len)
{
	size_t ent = shdr_size(t->img->cls);
	unsigned char *b = calloc(t->n, ent);

	if (!b)
		return error(t->img->path, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		if (shdr_encode(t->img->cls, b + i * ent, &t->sh[i]) < 0) {
			free(b);
			return error(t->img->path, "section header value does not fit the file's class");
		}
	*out = b;
	*len = t->n * ent;
	return 0;
}

int shtab_plan(struct shtab *t, uint64_t at, struct xehdr eh, struct plan *p)
{
	const struct elf_image *img = t->img;
	uint64_t table = align_up(at + t->names_len, 8);
	unsigned char *b = NULL, hdr[sizeof(Elf64_Ehdr)];
	size_t len = 0;

	t->sh[img->shstrndx].offset = at;
	t->sh[img->shstrndx].size = t->names_len;
	if (encode_table(t, &b, &len) < 0)
		return -1;
	if (table + len > p->grow_to) {
		/* Content the edit asked for, as plan_check_size() counts it. */
		uint64_t more = table + len - (p->grow_to > at ? p->grow_to : at);
		p->added += more;
		p->kept += table + len - (p->grow_to > img->size ? p->grow_to : img->size);
		p->grow_to = table + len;
	}
	eh.shoff = table;
	eh.shnum = (uint16_t)t->n;
	if (ehdr_encode(img->cls, hdr, &eh) < 0) {
		free(b);
		return error(img->path, "ELF header value does not fit the file's class");
	}
	if (plan_add(p, at, t->names, (size_t)t->names_len, "growth: section name table "
		     "with the new names (%llu bytes)", (unsigned long long)t->names_len) < 0
	    || plan_add_owned(p, table, b, len, "growth: section header table with %zu "
			      "sections", t->n) < 0)
		return -1;
	return plan_add(p, 0, hdr, ehdr_size(img->cls), "growth: the section header table "
			"moved to offset 0x%llx", (unsigned long long)table);
}
