/* poke: read or overwrite one field of an ELF file, by name, in the file's
 * own class and byte order.  tests/badinput.sh uses it to derive corrupt
 * files from good fixtures: every corruption is "this field, this value",
 * computed from the fixture rather than typed in as an offset.
 *
 *   poke FILE SPEC            prints the field's value (decimal)
 *   poke FILE SPEC VALUE      writes VALUE (decimal, 0x hex, "max" or
 *                             "max-N": all ones in the field's width, less N);
 *                             fails when the field already holds VALUE
 *
 * SPEC is one of
 *   ident.N                   byte N of e_ident
 *   ehdr.FIELD                e_phoff, e_shnum, ...
 *   phdr.SEL.FIELD            SEL: an index or a p_type without PT_ (LOAD,
 *                             DYNAMIC, INTERP, GNU_STACK), first match
 *   shdr.SEL.FIELD            SEL: an index or a section name (.dynstr)
 *   dyn.SEL.FIELD             SEL: an index or a d_tag without DT_ (STRTAB,
 *                             NEEDED, NULL), first match; found through
 *                             PT_DYNAMIC
 *   sym.N.FIELD               dynamic symbol N, found through DT_SYMTAB
 *   verneed.FIELD             the first version requirement (DT_VERNEED)
 *   vernaux.FIELD             its first auxiliary entry
 *   u8@OFF u16@OFF u32@OFF u64@OFF addr@OFF   raw, at a file offset
 * FIELD may also be @offset (the record's file offset), @index or @size.
 *
 *   poke FILE cut DIR LEN...  writes the first LEN bytes of FILE to DIR/LEN
 *
 * The fixtures it is pointed at are good files; it range-checks what it
 * reads all the same and exits 2 on anything it cannot find.  It is a test
 * tool: no elfpatch code is used, so a bug there cannot hide here.
 */
#include <config.h>

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct field {
	const char *name;
	unsigned short off32, w32, off64, w64;
};

#define FLD(T, m, name) { name, offsetof(Elf32_##T, m), sizeof(((Elf32_##T *)0)->m), \
			  offsetof(Elf64_##T, m), sizeof(((Elf64_##T *)0)->m) }

static const struct field ehdr_fields[] = {
	FLD(Ehdr, e_type, "e_type"), FLD(Ehdr, e_machine, "e_machine"),
	FLD(Ehdr, e_version, "e_version"), FLD(Ehdr, e_entry, "e_entry"),
	FLD(Ehdr, e_phoff, "e_phoff"), FLD(Ehdr, e_shoff, "e_shoff"),
	FLD(Ehdr, e_flags, "e_flags"), FLD(Ehdr, e_ehsize, "e_ehsize"),
	FLD(Ehdr, e_phentsize, "e_phentsize"), FLD(Ehdr, e_phnum, "e_phnum"),
	FLD(Ehdr, e_shentsize, "e_shentsize"), FLD(Ehdr, e_shnum, "e_shnum"),
	FLD(Ehdr, e_shstrndx, "e_shstrndx"), { NULL, 0, 0, 0, 0 }
};

static const struct field phdr_fields[] = {
	FLD(Phdr, p_type, "p_type"), FLD(Phdr, p_offset, "p_offset"),
	FLD(Phdr, p_vaddr, "p_vaddr"), FLD(Phdr, p_paddr, "p_paddr"),
	FLD(Phdr, p_filesz, "p_filesz"), FLD(Phdr, p_memsz, "p_memsz"),
	FLD(Phdr, p_flags, "p_flags"), FLD(Phdr, p_align, "p_align"), { NULL, 0, 0, 0, 0 }
};

static const struct field shdr_fields[] = {
	FLD(Shdr, sh_name, "sh_name"), FLD(Shdr, sh_type, "sh_type"),
	FLD(Shdr, sh_flags, "sh_flags"), FLD(Shdr, sh_addr, "sh_addr"),
	FLD(Shdr, sh_offset, "sh_offset"), FLD(Shdr, sh_size, "sh_size"),
	FLD(Shdr, sh_link, "sh_link"), FLD(Shdr, sh_info, "sh_info"),
	FLD(Shdr, sh_addralign, "sh_addralign"), FLD(Shdr, sh_entsize, "sh_entsize"),
	{ NULL, 0, 0, 0, 0 }
};

static const struct field dyn_fields[] = {
	FLD(Dyn, d_tag, "d_tag"), FLD(Dyn, d_un, "d_val"), { NULL, 0, 0, 0, 0 }
};

static const struct field sym_fields[] = {
	FLD(Sym, st_name, "st_name"), FLD(Sym, st_info, "st_info"),
	FLD(Sym, st_other, "st_other"), FLD(Sym, st_shndx, "st_shndx"),
	FLD(Sym, st_value, "st_value"), FLD(Sym, st_size, "st_size"), { NULL, 0, 0, 0, 0 }
};

static const struct field verneed_fields[] = {
	FLD(Verneed, vn_version, "vn_version"), FLD(Verneed, vn_cnt, "vn_cnt"),
	FLD(Verneed, vn_file, "vn_file"), FLD(Verneed, vn_aux, "vn_aux"),
	FLD(Verneed, vn_next, "vn_next"), { NULL, 0, 0, 0, 0 }
};

static const struct field vernaux_fields[] = {
	FLD(Vernaux, vna_hash, "vna_hash"), FLD(Vernaux, vna_flags, "vna_flags"),
	FLD(Vernaux, vna_other, "vna_other"), FLD(Vernaux, vna_name, "vna_name"),
	FLD(Vernaux, vna_next, "vna_next"), { NULL, 0, 0, 0, 0 }
};

struct named {
	const char *name;
	uint64_t value;
};

static const struct named phdr_types[] = {
	{ "NULL", PT_NULL }, { "LOAD", PT_LOAD }, { "DYNAMIC", PT_DYNAMIC },
	{ "INTERP", PT_INTERP }, { "NOTE", PT_NOTE }, { "PHDR", PT_PHDR }, { "TLS", PT_TLS },
	{ "GNU_EH_FRAME", PT_GNU_EH_FRAME }, { "GNU_STACK", PT_GNU_STACK },
	{ "GNU_RELRO", PT_GNU_RELRO }, { NULL, 0 }
}, dyn_tags[] = {
	{ "NULL", DT_NULL }, { "NEEDED", DT_NEEDED }, { "HASH", DT_HASH },
	{ "STRTAB", DT_STRTAB }, { "SYMTAB", DT_SYMTAB }, { "STRSZ", DT_STRSZ },
	{ "SYMENT", DT_SYMENT }, { "SONAME", DT_SONAME }, { "RPATH", DT_RPATH },
	{ "RUNPATH", DT_RUNPATH }, { "DEBUG", DT_DEBUG }, { "FLAGS", DT_FLAGS },
	{ "FLAGS_1", DT_FLAGS_1 }, { "GNU_HASH", DT_GNU_HASH }, { "VERSYM", DT_VERSYM },
	{ "VERNEED", DT_VERNEED }, { "VERNEEDNUM", DT_VERNEEDNUM },
	{ "VERDEF", DT_VERDEF }, { "VERDEFNUM", DT_VERDEFNUM }, { NULL, 0 }
};

struct file {
	const char *path;
	unsigned char *b;
	size_t size;
	bool is64, msb;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("poke: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t get(const struct file *f, uint64_t off, size_t w)
{
	uint64_t v = 0;

	if (w > f->size || off > f->size - w)
		die("%s: %zu bytes at %llu lie outside the file", f->path, w,
		    (unsigned long long)off);
	for (size_t i = 0; i < w; i++)
		v |= (uint64_t)f->b[off + (f->msb ? w - 1 - i : i)] << (8 * i);
	return v;
}

static void put(struct file *f, uint64_t off, size_t w, uint64_t v)
{
	get(f, off, w);
	for (size_t i = 0; i < w; i++)
		f->b[off + (f->msb ? w - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

/* A field of the ELF header, in this file's class. */
static uint64_t eh(const struct file *f, const char *name)
{
	for (const struct field *x = ehdr_fields; x->name; x++)
		if (strcmp(x->name, name) == 0)
			return f->is64 ? get(f, x->off64, x->w64) : get(f, x->off32, x->w32);
	die("no ELF header field %s", name);
	return 0;
}

static uint64_t rec_field(const struct file *f, const struct field *tab, uint64_t rec,
			  const char *name)
{
	for (const struct field *x = tab; x->name; x++)
		if (strcmp(x->name, name) == 0)
			return f->is64 ? get(f, rec + x->off64, x->w64) : get(f, rec + x->off32, x->w32);
	die("no field %s", name);
	return 0;
}

static bool parse_num(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return *s && !*end && !errno;
}

static bool lookup(const struct named *t, const char *s, uint64_t *v)
{
	for (; t->name; t++)
		if (strcmp(t->name, s) == 0) {
			*v = t->value;
			return true;
		}
	return false;
}

static size_t phdr_size(const struct file *f)
{
	return f->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
}

static size_t shdr_size(const struct file *f)
{
	return f->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
}

static size_t dyn_size(const struct file *f)
{
	return f->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
}

/* Record `sel` of a table of `n` records: an index, or the first whose
 * `key` field matches the value `sel` names in `names`. */
static uint64_t select_rec(const struct file *f, uint64_t base, uint64_t n, size_t ent,
			   const struct field *tab, const char *key,
			   const struct named *names, const char *sel, uint64_t *index)
{
	uint64_t want;

	if (parse_num(sel, index)) {
		if (*index >= n)
			die("%s: record %s out of range (%llu)", f->path, sel, (unsigned long long)n);
		return base + *index * ent;
	}
	if (!lookup(names, sel, &want))
		die("unknown selector %s", sel);
	for (*index = 0; *index < n; (*index)++)
		if (rec_field(f, tab, base + *index * ent, key) == want)
			return base + *index * ent;
	die("%s: no record %s", f->path, sel);
	return 0;
}

static uint64_t phdr_rec(const struct file *f, const char *sel, uint64_t *index)
{
	return select_rec(f, eh(f, "e_phoff"), eh(f, "e_phnum"), phdr_size(f), phdr_fields,
			  "p_type", phdr_types, sel, index);
}

static uint64_t shdr_rec(const struct file *f, const char *sel, uint64_t *index)
{
	uint64_t shoff = eh(f, "e_shoff"), shnum = eh(f, "e_shnum"), ent = shdr_size(f);

	if (parse_num(sel, index)) {
		if (*index >= shnum)
			die("%s: section %s out of range", f->path, sel);
		return shoff + *index * ent;
	}
	uint64_t names = rec_field(f, shdr_fields, shoff + eh(f, "e_shstrndx") * ent, "sh_offset");
	for (*index = 1; *index < shnum; (*index)++) {
		uint64_t rec = shoff + *index * ent;
		uint64_t at = names + rec_field(f, shdr_fields, rec, "sh_name");
		size_t len = strlen(sel) + 1;
		if (at < f->size && len <= f->size - at && memcmp(f->b + at, sel, len) == 0)
			return rec;
	}
	die("%s: no section %s", f->path, sel);
	return 0;
}

static uint64_t dyn_table(const struct file *f, uint64_t *n)
{
	uint64_t i, ph = phdr_rec(f, "DYNAMIC", &i);

	*n = rec_field(f, phdr_fields, ph, "p_filesz") / dyn_size(f);
	return rec_field(f, phdr_fields, ph, "p_offset");
}

static uint64_t dyn_rec(const struct file *f, const char *sel, uint64_t *index)
{
	uint64_t n, base = dyn_table(f, &n);

	return select_rec(f, base, n, dyn_size(f), dyn_fields, "d_tag", dyn_tags, sel, index);
}

/* File offset of virtual address `va`, through the PT_LOAD holding it. */
static uint64_t va_to_off(const struct file *f, uint64_t va)
{
	uint64_t phoff = eh(f, "e_phoff"), n = eh(f, "e_phnum");

	for (uint64_t i = 0; i < n; i++) {
		uint64_t rec = phoff + i * phdr_size(f);
		if (rec_field(f, phdr_fields, rec, "p_type") != PT_LOAD)
			continue;
		uint64_t lo = rec_field(f, phdr_fields, rec, "p_vaddr");
		if (va >= lo && va - lo < rec_field(f, phdr_fields, rec, "p_filesz"))
			return rec_field(f, phdr_fields, rec, "p_offset") + (va - lo);
	}
	die("%s: address 0x%llx is not in the file", f->path, (unsigned long long)va);
	return 0;
}

static uint64_t dyn_value(const struct file *f, const char *tag)
{
	uint64_t i, rec = dyn_rec(f, tag, &i);

	return rec_field(f, dyn_fields, rec, "d_val");
}

static void load(struct file *f, const char *path)
{
	FILE *fp = fopen(path, "rb");
	long n;

	f->path = path;
	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0)
		die("%s: %s", path, strerror(errno));
	f->size = (size_t)n;
	f->b = malloc(f->size ? f->size : 1);
	if (!f->b || fread(f->b, 1, f->size, fp) != f->size)
		die("%s: cannot read", path);
	fclose(fp);
	if (f->size < EI_NIDENT || memcmp(f->b, ELFMAG, SELFMAG) != 0)
		die("%s: not an ELF file", path);
	f->is64 = f->b[EI_CLASS] == ELFCLASS64;
	f->msb = f->b[EI_DATA] == ELFDATA2MSB;
}

static void save(const struct file *f)
{
	FILE *fp = fopen(f->path, "r+b");

	if (!fp || fwrite(f->b, 1, f->size, fp) != f->size || fclose(fp) != 0)
		die("%s: cannot write: %s", f->path, strerror(errno));
}

static uint64_t parse_value(const char *s, size_t w)
{
	uint64_t all = w >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * w)) - 1, v = 0;

	if (strcmp(s, "max") == 0)
		return all;
	if (strncmp(s, "max-", 4) == 0 && parse_num(s + 4, &v) && v <= all)
		return all - v;
	if (!parse_num(s, &v))
		die("bad value %s", s);
	if (v > all)
		die("value %s does not fit %zu bytes", s, w);
	return v;
}

/* Resolves SPEC (already split at its dots) to a file offset and width,
 * or prints a pseudo-field and returns false. */
static bool resolve(const struct file *f, char *spec, uint64_t *off, size_t *w)
{
	char *kind = spec, *sel = NULL, *name;
	const struct field *tab = NULL;
	uint64_t rec = 0, index = 0, size = 0;

	/* Raw widths at a file offset. */
	char *at = strchr(spec, '@');
	if (at && at != spec && at[-1] != '.') {
		*at = '\0';
		if (strcmp(spec, "u8") == 0) *w = 1;
		else if (strcmp(spec, "u16") == 0) *w = 2;
		else if (strcmp(spec, "u32") == 0) *w = 4;
		else if (strcmp(spec, "u64") == 0) *w = 8;
		else if (strcmp(spec, "addr") == 0) *w = f->is64 ? 8 : 4;
		else die("unknown width %s", spec);
		if (!parse_num(at + 1, off))
			die("bad offset %s", at + 1);
		return true;
	}

	name = strrchr(spec, '.');
	if (!name)
		die("bad spec %s", spec);
	*name++ = '\0';
	/* Section names start with a dot (shdr..dynstr.sh_offset), so the
	 * selector is whatever lies between the first and the last dot. */
	char *dot = strchr(kind, '.');
	if (dot) {
		*dot = '\0';
		sel = dot + 1;
	}

	if (strcmp(kind, "ident") == 0 && !sel) {
		if (!parse_num(name, off) || *off >= EI_NIDENT)
			die("bad ident index %s", name);
		*w = 1;
		return true;
	} else if (strcmp(kind, "ehdr") == 0 && !sel) {
		tab = ehdr_fields;
		size = f->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	} else if (strcmp(kind, "phdr") == 0 && sel) {
		tab = phdr_fields;
		rec = phdr_rec(f, sel, &index);
		size = phdr_size(f);
	} else if (strcmp(kind, "shdr") == 0 && sel) {
		tab = shdr_fields;
		rec = shdr_rec(f, sel, &index);
		size = shdr_size(f);
	} else if (strcmp(kind, "dyn") == 0 && sel) {
		tab = dyn_fields;
		rec = dyn_rec(f, sel, &index);
		size = dyn_size(f);
	} else if (strcmp(kind, "sym") == 0 && sel) {
		tab = sym_fields;
		size = f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
		if (!parse_num(sel, &index))
			die("bad symbol index %s", sel);
		rec = va_to_off(f, dyn_value(f, "SYMTAB")) + index * size;
	} else if ((strcmp(kind, "verneed") == 0 || strcmp(kind, "vernaux") == 0) && !sel) {
		/* Both classes share one layout for version records. */
		rec = va_to_off(f, dyn_value(f, "VERNEED"));
		tab = verneed_fields;
		size = sizeof(Elf64_Verneed);
		if (strcmp(kind, "vernaux") == 0) {
			rec += rec_field(f, verneed_fields, rec, "vn_aux");
			tab = vernaux_fields;
			size = sizeof(Elf64_Vernaux);
		}
	} else {
		die("bad spec %s", kind);
	}

	if (name[0] == '@') {
		if (strcmp(name, "@offset") == 0)
			printf("%llu\n", (unsigned long long)rec);
		else if (strcmp(name, "@index") == 0)
			printf("%llu\n", (unsigned long long)index);
		else if (strcmp(name, "@size") == 0)
			printf("%llu\n", (unsigned long long)size);
		else
			die("unknown pseudo-field %s", name);
		return false;
	}
	for (const struct field *x = tab; x->name; x++)
		if (strcmp(x->name, name) == 0) {
			*off = rec + (f->is64 ? x->off64 : x->off32);
			*w = f->is64 ? x->w64 : x->w32;
			return true;
		}
	die("no field %s in %s", name, kind);
	return false;
}

/* Writes the first LEN bytes of `f` to DIR/LEN for each LEN: truncated
 * copies by the hundred without a process each. */
static void cut(const struct file *f, const char *dir, char **lens)
{
	char out[4096];
	uint64_t len;

	for (; *lens; lens++) {
		if (!parse_num(*lens, &len) || len > f->size)
			die("bad length %s", *lens);
		snprintf(out, sizeof(out), "%s/%llu", dir, (unsigned long long)len);
		FILE *fp = fopen(out, "wb");
		if (!fp || fwrite(f->b, 1, (size_t)len, fp) != len || fclose(fp) != 0)
			die("%s: cannot write: %s", out, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	struct file f;
	char spec[256];
	uint64_t off = 0;
	size_t w = 0;

	if (argc >= 4 && strcmp(argv[2], "cut") == 0) {
		load(&f, argv[1]);
		cut(&f, argv[3], argv + 4);
		free(f.b);
		return 0;
	}
	if (argc != 3 && argc != 4)
		die("usage: poke FILE SPEC [VALUE] | poke FILE cut DIR LEN...");
	if (strlen(argv[2]) >= sizeof(spec))
		die("spec too long");
	strcpy(spec, argv[2]);
	load(&f, argv[1]);
	if (resolve(&f, spec, &off, &w)) {
		if (argc == 4) {
			uint64_t v = parse_value(argv[3], w);
			/* A poke that changes nothing would make a "bad" case a
			 * good file; the caller asked for a corruption. */
			if (get(&f, off, w) == v)
				die("%s: %s is already %s", f.path, argv[2], argv[3]);
			put(&f, off, w, v);
			save(&f);
		} else {
			printf("%llu\n", (unsigned long long)get(&f, off, w));
		}
	} else if (argc == 4) {
		die("%s is read-only", argv[2]);
	}
	free(f.b);
	return 0;
}
