#include <config.h>

#include "elf/print.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/diag.h"
#include "elf/ldnote.h"

static const struct {
	unsigned value;
	const char *name;          /* as patchelf prints it */
	const char *aliases[3];    /* further spellings --set-os-abi accepts */
} os_abis[] = {
	{ 0, "System V", { "system-v", "sysv", NULL } },
	{ 1, "HP-UX", { NULL } },
	{ 2, "NetBSD", { NULL } },
	{ 3, "Linux", { "gnu", NULL } },
	{ 4, "GNU Hurd", { "gnu-hurd", "hurd", NULL } },
	{ 6, "Solaris", { NULL } },
	{ 7, "AIX", { NULL } },
	{ 8, "IRIX", { NULL } },
	{ 9, "FreeBSD", { NULL } },
	{ 10, "Tru64", { NULL } },
	{ 12, "OpenBSD", { NULL } },
	{ 13, "OpenVMS", { NULL } },
};

const char *os_abi_name(unsigned abi)
{
	for (size_t i = 0; i < sizeof(os_abis) / sizeof(os_abis[0]); i++)
		if (os_abis[i].value == abi)
			return os_abis[i].name;
	return NULL;
}

int os_abi_parse(const char *name)
{
	char buf[32];
	size_t b = 0, e = strlen(name);

	while (b < e && isspace((unsigned char)name[b]))
		b++;
	while (e > b && isspace((unsigned char)name[e - 1]))
		e--;
	if (e - b >= sizeof(buf))
		return -1;
	memcpy(buf, name + b, e - b);
	buf[e - b] = '\0';
	for (size_t i = 0; i < sizeof(os_abis) / sizeof(os_abis[0]); i++) {
		if (strcasecmp(buf, os_abis[i].name) == 0)
			return (int)os_abis[i].value;
		for (size_t k = 0; k < 3 && os_abis[i].aliases[k]; k++)
			if (strcasecmp(buf, os_abis[i].aliases[k]) == 0)
				return (int)os_abis[i].value;
	}
	return -1;
}

const char *interpreter_of(const struct elf_image *img, size_t *phndx)
{
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *p = &img->ph[i];

		if (p->type != PT_INTERP)
			continue;
		if (phndx)
			*phndx = i;
		/* A separate debug file keeps PT_INTERP over a NOBITS .interp:
		 * there is no string in the file, as patchelf also reads it. */
		if (p->filesz == 0)
			return "";
		if (!memchr(img->map + p->offset, '\0', p->filesz)) {
			error(img->path, "interpreter (PT_INTERP) is not NUL-terminated");
			return NULL;
		}
		return (const char *)img->map + p->offset;
	}
	error(img->path, "no interpreter (PT_INTERP) found");
	return NULL;
}

static int need_dynamic(const struct elf_image *img, const struct dynamic *dyn)
{
	if (!dyn)
		return error(img->path, "no dynamic section (statically linked?)");
	return 0;
}

static int print_soname(const struct elf_image *img, const struct dynamic *dyn)
{
	/* patchelf looks for DT_SONAME only in shared objects. */
	if (img->eh.type != ET_DYN)
		return 0;
	if (need_dynamic(img, dyn) < 0)
		return -1;
	long i = dynamic_find(dyn, DT_SONAME, 0);
	if (i >= 0) {
		const char *s = dynamic_str(img, dyn, dyn->ent[i].val);
		if (*s)
			printf("%s\n", s);
	}
	return 0;
}

/* DT_RUNPATH wins over DT_RPATH, as in ld.so and patchelf. */
static int print_rpath(const struct elf_image *img, const struct dynamic *dyn)
{
	if (need_dynamic(img, dyn) < 0)
		return -1;
	long rp = dynamic_find(dyn, DT_RPATH, 0), rn = dynamic_find(dyn, DT_RUNPATH, 0);
	const char *s = "";
	if (rn >= 0)
		s = dynamic_str(img, dyn, dyn->ent[rn].val);
	else if (rp >= 0)
		s = dynamic_str(img, dyn, dyn->ent[rp].val);
	printf("%s\n", s);
	return 0;
}

static void print_execstack(const struct elf_image *img)
{
	char c = '?';

	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_GNU_STACK) {
			c = (img->ph[i].flags & PF_X) ? 'X' : '-';
			break;
		}
	printf("execstack: %c\n", c);
}

static int print_needed(const struct elf_image *img, const struct dynamic *dyn)
{
	if (need_dynamic(img, dyn) < 0)
		return -1;
	for (long i = dynamic_find(dyn, DT_NEEDED, 0); i >= 0;
	     i = dynamic_find(dyn, DT_NEEDED, (size_t)i + 1))
		printf("%s\n", dynamic_str(img, dyn, dyn->ent[i].val));
	return 0;
}

int print_queries(const struct elf_image *img, const struct dynamic *dyn, const struct options *o)
{
	if (o->print_interp) {
		const char *s = interpreter_of(img, NULL);
		if (!s)
			return -1;
		printf("%s\n", s);
	}
	if (o->print_os_abi) {
		unsigned abi = img->eh.ident[EI_OSABI];
		const char *name = os_abi_name(abi);
		if (name)
			printf("%s\n", name);
		else
			printf("0x%02X\n", abi);
	}
	if (o->print_soname && print_soname(img, dyn) < 0)
		return -1;
	if (o->print_rpath && print_rpath(img, dyn) < 0)
		return -1;
	if (o->print_execstack)
		print_execstack(img);
	if (o->print_needed && print_needed(img, dyn) < 0)
		return -1;
	if (o->print_rescache && ldnote_print(img) < 0)
		return -1;
	return 0;
}
