/* Normalized records: one view of ELF32/ELF64 headers and tables in either
 * byte order.
 *
 * Why normalized accessors rather than generated per-class variants: every
 * caller above this file handles one record type (xphdr, xdyn, ...) with
 * 64-bit fields, so planning and validation code exists once and can be
 * stepped through in a debugger.  The class branch lives in exactly one
 * place, the FIELD macros in view.c, whose offsets and widths come from
 * <elf.h> via offsetof/sizeof and are never typed by hand.  Encoders refuse
 * values a 32-bit file cannot hold instead of truncating them.
 */
#ifndef ELFPATCH_VIEW_H
#define ELFPATCH_VIEW_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_class {
	bool is64;
	bool msb;
};

struct xehdr {
	unsigned char ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct xphdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct xshdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

struct xdyn {
	int64_t tag;
	uint64_t val;
};

struct xsym {
	uint32_t name;
	unsigned char info, other;
	uint16_t shndx;
	uint64_t value, size;
};

size_t ehdr_size(struct elf_class c);
size_t phdr_size(struct elf_class c);
size_t shdr_size(struct elf_class c);
size_t dyn_size(struct elf_class c);
size_t sym_size(struct elf_class c);

void ehdr_decode(struct elf_class c, const unsigned char *p, struct xehdr *e);
void phdr_decode(struct elf_class c, const unsigned char *p, struct xphdr *ph);
void shdr_decode(struct elf_class c, const unsigned char *p, struct xshdr *sh);
void dyn_decode(struct elf_class c, const unsigned char *p, struct xdyn *d);
void sym_decode(struct elf_class c, const unsigned char *p, struct xsym *s);

/* Encoders write exactly one record's bytes into `p` (phdr_size(c) etc.).
 * They return -1 when a value does not fit the file's class, 0 otherwise. */
int ehdr_encode(struct elf_class c, unsigned char *p, const struct xehdr *e);
int phdr_encode(struct elf_class c, unsigned char *p, const struct xphdr *ph);
int shdr_encode(struct elf_class c, unsigned char *p, const struct xshdr *sh);
int dyn_encode(struct elf_class c, unsigned char *p, const struct xdyn *d);

/* Relocations (Rel and Rela alike): the symbol index in r_info, and
 * r_info with another symbol index and the same type (-1 when the index
 * does not fit the class). */
size_t rel_size(struct elf_class c, bool rela);
uint64_t rel_sym(struct elf_class c, const unsigned char *p);
int rel_set_sym(struct elf_class c, unsigned char *p, uint64_t sym);

#endif
