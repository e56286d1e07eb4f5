/* --report and --json: file sizes before and after, and what the bytes are.
 *
 * Calling sequence (main.c):
 *   report_init(&r)                             once
 *   report_init_root(&r, o, hooks)              with --root/--library-path
 *   per file: report_measure(img, &before)      before planning
 *             report_unchanged(&r, ...)         no edit requested, or
 *             report_after(&r, img, plan, o, &before)   after the commit
 *   report_print(&r, o->json, stdout)           once, at the end
 *   report_free(&r)
 *
 * A file's bytes are sorted by section into code, read-only data, data,
 * dynamic-linking tables, symbols, debug information and other (headers,
 * padding, comments, the section name table); the categories add up to
 * the file size.  .bss and other SHT_NOBITS sections take memory, not
 * file bytes, and are counted apart.  A file without section headers is
 * measured by its segments.
 */
#ifndef ELFPATCH_REPORT_H
#define ELFPATCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/options.h"
#include "elf/image.h"
#include "plan/plan.h"
#include "report/footprint.h"

enum size_kind {
	SIZE_CODE, SIZE_RODATA, SIZE_DATA, SIZE_DYNAMIC, SIZE_SYMBOLS, SIZE_DEBUG, SIZE_OTHER,
	SIZE_KINDS
};

struct size_breakdown {
	uint64_t size;               /* of the file */
	uint64_t kind[SIZE_KINDS];   /* adds up to size */
	uint64_t bss;                /* memory of SHT_NOBITS allocated sections */
};

struct report_entry {
	char *file;
	bool edited;
	struct size_breakdown before, after;
	struct footprint_entry deployed;   /* with --root */
};

struct report {
	struct report_entry *e;
	size_t n, cap;
	/* --root or --library-path given: each file's deployed cost too
	 * (footprint.h). */
	bool with_root;
	const char *root;
	struct footprint fp;
};

void report_init(struct report *r);
/* With --root or --library-path: adds the deployed cost (footprint.h). */
int report_init_root(struct report *r, const struct options *o, const struct deps_hooks *h);
void report_free(struct report *r);

/* The breakdown of a validated image. */
void report_measure(const struct elf_image *img, struct size_breakdown *b);

int report_unchanged(struct report *r, const struct elf_image *img,
		     const struct size_breakdown *before);

/* Measures the result: the file written (FILE or --output), or with
 * --dry-run the plan applied in memory. */
int report_after(struct report *r, const struct elf_image *img, const struct plan *plan,
		 const struct options *o, const struct size_breakdown *before);

void report_print(const struct report *r, bool json, FILE *out);

#endif
