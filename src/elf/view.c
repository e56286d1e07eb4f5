#include <config.h>

#include "elf/view.h"

#include "core/bytes.h"

/* The single class branch: offset and width of field F of record T, taken
 * from <elf.h>. */
#define F_OFF(c, T, F) ((c).is64 ? offsetof(Elf64_##T, F) : offsetof(Elf32_##T, F))
#define F_LEN(c, T, F) ((c).is64 ? sizeof(((Elf64_##T *)0)->F) : sizeof(((Elf32_##T *)0)->F))
#define GET(c, p, T, F) load_uint((p) + F_OFF(c, T, F), F_LEN(c, T, F), (c).msb)
#define PUT(c, p, T, F, v) put_checked((p) + F_OFF(c, T, F), F_LEN(c, T, F), (c).msb, (v), &bad)

size_t ehdr_size(struct elf_class c) { return c.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr); }
size_t phdr_size(struct elf_class c) { return c.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr); }
size_t shdr_size(struct elf_class c) { return c.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr); }
size_t dyn_size(struct elf_class c) { return c.is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn); }
size_t sym_size(struct elf_class c) { return c.is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym); }

static void put_checked(unsigned char *p, size_t width, bool msb, uint64_t v, bool *bad)
{
	if (width < 8 && (v >> (8 * width)) != 0)
		*bad = true;
	store_uint(p, width, msb, v);
}

/* A signed field (d_tag) is stored as its two's complement bit pattern;
 * a 32-bit file can hold it when it survives the round trip. */
static uint64_t sign_extend(uint64_t v, size_t width)
{
	if (width >= 8)
		return v;
	uint64_t sign = (uint64_t)1 << (8 * width - 1);
	return (v ^ sign) - sign;
}

void ehdr_decode(struct elf_class c, const unsigned char *p, struct xehdr *e)
{
	for (size_t i = 0; i < EI_NIDENT; i++)
		e->ident[i] = p[i];
	e->type = (uint16_t)GET(c, p, Ehdr, e_type);
	e->machine = (uint16_t)GET(c, p, Ehdr, e_machine);
	e->version = (uint32_t)GET(c, p, Ehdr, e_version);
	e->entry = GET(c, p, Ehdr, e_entry);
	e->phoff = GET(c, p, Ehdr, e_phoff);
	e->shoff = GET(c, p, Ehdr, e_shoff);
	e->flags = (uint32_t)GET(c, p, Ehdr, e_flags);
	e->ehsize = (uint16_t)GET(c, p, Ehdr, e_ehsize);
	e->phentsize = (uint16_t)GET(c, p, Ehdr, e_phentsize);
	e->phnum = (uint16_t)GET(c, p, Ehdr, e_phnum);
	e->shentsize = (uint16_t)GET(c, p, Ehdr, e_shentsize);
	e->shnum = (uint16_t)GET(c, p, Ehdr, e_shnum);
	e->shstrndx = (uint16_t)GET(c, p, Ehdr, e_shstrndx);
}

int ehdr_encode(struct elf_class c, unsigned char *p, const struct xehdr *e)
{
	bool bad = false;

	for (size_t i = 0; i < EI_NIDENT; i++)
		p[i] = e->ident[i];
	PUT(c, p, Ehdr, e_type, e->type);
	PUT(c, p, Ehdr, e_machine, e->machine);
	PUT(c, p, Ehdr, e_version, e->version);
	PUT(c, p, Ehdr, e_entry, e->entry);
	PUT(c, p, Ehdr, e_phoff, e->phoff);
	PUT(c, p, Ehdr, e_shoff, e->shoff);
	PUT(c, p, Ehdr, e_flags, e->flags);
	PUT(c, p, Ehdr, e_ehsize, e->ehsize);
	PUT(c, p, Ehdr, e_phentsize, e->phentsize);
	PUT(c, p, Ehdr, e_phnum, e->phnum);
	PUT(c, p, Ehdr, e_shentsize, e->shentsize);
	PUT(c, p, Ehdr, e_shnum, e->shnum);
	PUT(c, p, Ehdr, e_shstrndx, e->shstrndx);
	return bad ? -1 : 0;
}

void phdr_decode(struct elf_class c, const unsigned char *p, struct xphdr *ph)
{
	ph->type = (uint32_t)GET(c, p, Phdr, p_type);
	ph->flags = (uint32_t)GET(c, p, Phdr, p_flags);
	ph->offset = GET(c, p, Phdr, p_offset);
	ph->vaddr = GET(c, p, Phdr, p_vaddr);
	ph->paddr = GET(c, p, Phdr, p_paddr);
	ph->filesz = GET(c, p, Phdr, p_filesz);
	ph->memsz = GET(c, p, Phdr, p_memsz);
	ph->align = GET(c, p, Phdr, p_align);
}

int phdr_encode(struct elf_class c, unsigned char *p, const struct xphdr *ph)
{
	bool bad = false;

	PUT(c, p, Phdr, p_type, ph->type);
	PUT(c, p, Phdr, p_flags, ph->flags);
	PUT(c, p, Phdr, p_offset, ph->offset);
	PUT(c, p, Phdr, p_vaddr, ph->vaddr);
	PUT(c, p, Phdr, p_paddr, ph->paddr);
	PUT(c, p, Phdr, p_filesz, ph->filesz);
	PUT(c, p, Phdr, p_memsz, ph->memsz);
	PUT(c, p, Phdr, p_align, ph->align);
	return bad ? -1 : 0;
}

void shdr_decode(struct elf_class c, const unsigned char *p, struct xshdr *sh)
{
	sh->name = (uint32_t)GET(c, p, Shdr, sh_name);
	sh->type = (uint32_t)GET(c, p, Shdr, sh_type);
	sh->flags = GET(c, p, Shdr, sh_flags);
	sh->addr = GET(c, p, Shdr, sh_addr);
	sh->offset = GET(c, p, Shdr, sh_offset);
	sh->size = GET(c, p, Shdr, sh_size);
	sh->link = (uint32_t)GET(c, p, Shdr, sh_link);
	sh->info = (uint32_t)GET(c, p, Shdr, sh_info);
	sh->addralign = GET(c, p, Shdr, sh_addralign);
	sh->entsize = GET(c, p, Shdr, sh_entsize);
}

int shdr_encode(struct elf_class c, unsigned char *p, const struct xshdr *sh)
{
	bool bad = false;

	PUT(c, p, Shdr, sh_name, sh->name);
	PUT(c, p, Shdr, sh_type, sh->type);
	PUT(c, p, Shdr, sh_flags, sh->flags);
	PUT(c, p, Shdr, sh_addr, sh->addr);
	PUT(c, p, Shdr, sh_offset, sh->offset);
	PUT(c, p, Shdr, sh_size, sh->size);
	PUT(c, p, Shdr, sh_link, sh->link);
	PUT(c, p, Shdr, sh_info, sh->info);
	PUT(c, p, Shdr, sh_addralign, sh->addralign);
	PUT(c, p, Shdr, sh_entsize, sh->entsize);
	return bad ? -1 : 0;
}

void dyn_decode(struct elf_class c, const unsigned char *p, struct xdyn *d)
{
	size_t w = F_LEN(c, Dyn, d_tag);

	d->tag = (int64_t)sign_extend(GET(c, p, Dyn, d_tag), w);
	d->val = GET(c, p, Dyn, d_un.d_val);
}

int dyn_encode(struct elf_class c, unsigned char *p, const struct xdyn *d)
{
	bool bad = false;
	size_t w = F_LEN(c, Dyn, d_tag);
	uint64_t tag = (uint64_t)d->tag;

	if (sign_extend(tag, w) != tag)
		bad = true;
	store_uint(p + F_OFF(c, Dyn, d_tag), w, c.msb, tag);
	PUT(c, p, Dyn, d_un.d_val, d->val);
	return bad ? -1 : 0;
}

void sym_decode(struct elf_class c, const unsigned char *p, struct xsym *s)
{
	s->name = (uint32_t)GET(c, p, Sym, st_name);
	s->info = (unsigned char)GET(c, p, Sym, st_info);
	s->other = (unsigned char)GET(c, p, Sym, st_other);
	s->shndx = (uint16_t)GET(c, p, Sym, st_shndx);
	s->value = GET(c, p, Sym, st_value);
	s->size = GET(c, p, Sym, st_size);
}

/* r_info packs the symbol index with the type: ELF32_R_SYM/ELF64_R_SYM.
 * Rel and Rela share the field's place. */
uint64_t rel_sym(struct elf_class c, const unsigned char *p)
{
	uint64_t info = GET(c, p, Rel, r_info);

	return c.is64 ? ELF64_R_SYM(info) : ELF32_R_SYM(info);
}

int rel_set_sym(struct elf_class c, unsigned char *p, uint64_t sym)
{
	bool bad = false;
	uint64_t info = GET(c, p, Rel, r_info);

	if (sym > (c.is64 ? UINT32_MAX : 0xffffffu))
		bad = true;
	else if (c.is64)
		info = ELF64_R_INFO(sym, ELF64_R_TYPE(info));
	else
		info = ELF32_R_INFO(sym, ELF32_R_TYPE(info));
	PUT(c, p, Rel, r_info, info);
	return bad ? -1 : 0;
}

size_t rel_size(struct elf_class c, bool rela)
{
	if (rela)
		return c.is64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela);
	return c.is64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel);
}
