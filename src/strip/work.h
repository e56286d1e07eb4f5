/* The working state of a strip, shared by the files of src/strip/: one
 * job a file, called in this order by plan_sections() (strip.c):
 *
 *   read.c       the headers and bytes as the plan so far leaves them
 *   select.c     what goes
 *   contents.c   the result's sections, names and new contents, through
 *     symtab.c     a rebuilt .symtab,
 *     compress.c   compressed or decompressed debug sections,
 *     debugfile.c  the .gnu_debuglink contents,
 *     strbuild.c   string tables built from scratch
 *   layout.c     where they go, as a crash-safe sequence of plan writes
 *   sstrip.c     or: --strip-section-headers
 *
 * Nothing here writes a file: the result is a plan.
 */
#ifndef ELFPATCH_STRIP_WORK_H
#define ELFPATCH_STRIP_WORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bytes.h"
#include "elf/image.h"
#include "elf/view.h"
#include "plan/plan.h"
#include "strip/strip.h"

#define NEW_SECTION SIZE_MAX

/* One section of the result, in header-table order. */
struct sec {
	size_t old;                 /* input index, or NEW_SECTION */
	const char *name;           /* into strip.names, or a literal */
	struct xshdr sh;            /* as written; offset set by the layout */
	unsigned char *data;        /* new contents (owned) when `changed` */
	bool changed;
	bool own_name;              /* name allocated (a renamed .zdebug*) */
	bool borrowed;              /* data points into the map */
	bool handed;                /* data now belongs to the plan */
	bool moves;                 /* placed by the layout */
	uint64_t tail_off;          /* its place in phase 1 */
	bool once;                  /* stays at its old place in phase 1 */
};

struct strip {
	const struct elf_image *img;
	const struct options *o;
	const struct plan *p;
	const char *path;
	struct elf_class cls;
	uint64_t size;              /* file size once earlier writes grew it */
	/* Headers as the earlier writes of the plan leave them. */
	struct xehdr eh;
	struct xphdr *ph;
	size_t phnum;
	struct xshdr *sh;
	size_t shnum, shstrndx;
	unsigned char *names;
	uint64_t names_size;
	/* Per input section. */
	bool *gone, *asked_gone, *asked_kept;
	size_t *map;                /* input index -> output index, 0 if gone */
	struct sec *out;
	size_t nout;
	uint64_t shoff, tail_shoff, mid_shoff;  /* the new table: final, phases 1, 2 */
	/* Loads that may move down, in file order, and how far they do. */
	struct segmove {
		size_t ph;
		uint64_t old, len, delta;
	} *seg;
	size_t nseg;
};

/* A string table built from scratch: duplicates and suffixes of longer
 * strings share bytes, as in the linkers' tables. */
struct strbuild {
	struct sbent {
		const char *s;
		size_t len;
		uint64_t off;
	} *e;
	size_t n, cap;
	unsigned char *buf;
	uint64_t size;
};

static inline bool has_bytes(const struct xshdr *h)
{
	return h->type != SHT_NOBITS && h->type != SHT_NULL && h->size;
}

/* The largest page size of any target: more alignment than that in a
 * section nothing loads buys nothing, and the padding would be ours. */
#define MAX_SECTION_ALIGN ((uint64_t)64 << 10)

/* The alignment a section's place needs.  One without bytes in the file
 * takes no room, so whatever alignment it claims costs nothing: honouring
 * a 4 GiB sh_addralign of an empty section put the table at 4 GiB. */
static inline uint64_t align_of(const struct xshdr *h)
{
	return has_bytes(h) && is_pow2(h->addralign) ? h->addralign : 1;
}

static inline bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* read.c */
unsigned char *strip_read_view(const struct strip *s, uint64_t off, uint64_t len);
const unsigned char *strip_view(const struct strip *s, uint64_t off, uint64_t len,
				unsigned char **owned);
const char *strip_section_name(const struct strip *s, size_t i);
int strip_load_headers(struct strip *s);

/* select.c */
int strip_decide(struct strip *s);
int check_alloc_indices(const struct strip *s);
bool sht_is_rel(uint32_t type);

/* contents.c */
int strip_build_output(struct strip *s);
int strip_build_contents(struct strip *s);

/* symtab.c */
struct sec *strip_out_of(const struct strip *s, size_t old);
bool linked_only_by(const struct strip *s, size_t t, size_t user, size_t other);
int rebuild_symtab(struct strip *s, size_t si);

/* compress.c */
int compress_section(struct strip *s, struct sec *o);
int decompress_section(struct strip *s, struct sec *o);

/* debugfile.c */
int debuglink_contents(const struct strip *s, const char *file, unsigned char **data,
		       uint64_t *size);

/* strbuild.c */
long strbuild_add(struct strbuild *sb, const char *str);
int strbuild_finish(struct strbuild *sb);
void strbuild_free(struct strbuild *sb);

/* layout.c */
int strip_layout(struct strip *s, struct plan *p);
uint64_t sht_align(struct elf_class c);

/* sstrip.c */
int plan_sstrip(struct strip *s, struct plan *p);

/* strip.c */
int strip_check_type(const struct elf_image *img);

#endif
