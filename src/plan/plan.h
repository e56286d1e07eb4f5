/* A plan: the ordered list of byte writes that carries out the requested
 * edits, decided completely before the first write.
 *
 * Order is the crash-safety argument, so the planners append writes in
 * this order for each edit: first bytes nothing references yet (a new
 * string in free space), then the one small write that makes them live
 * (a dynamic entry, a header field: the switch), then the scrubbing of
 * bytes nothing references any more.  A process killed between any two
 * writes leaves a valid file: the old one, or one with a prefix of the
 * requested edits applied whole.
 */
#ifndef ELFPATCH_PLAN_H
#define ELFPATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "core/options.h"
#include "elf/dynamic.h"
#include "elf/image.h"

struct plan_write {
	uint64_t off;
	size_t len;
	/* What is written: `own` (the plan frees it), or bytes borrowed from
	 * the caller (plan_add_ref, plan_add_mapped); `own` is then NULL. */
	const unsigned char *data;
	unsigned char *own;
	char what[96];
};

struct plan {
	struct plan_write *w;
	size_t n, cap;
	/* When above the file's size: the file is extended (and its blocks
	 * allocated, so a full disk fails here and not as SIGBUS or a short
	 * write later) before the first write. */
	uint64_t grow_to;
	/* When non-zero: the file is cut to this size after the last write,
	 * once nothing references the bytes beyond it. */
	uint64_t truncate_to;
	/* Set by plan_edits() (edit/) for a first, trial planning pass: an edit that
	 * does not fit sets short_of_room and fails without a message, and
	 * planning starts again with room made by growth (grow.c). */
	bool trial;
	bool short_of_room;
	/* What the planners account for, so that check.c can hold the plan to
	 * it before the first write (plan_check_size()).  `added`: bytes of
	 * new content the plan puts past the input's end or into sections it
	 * enlarges (growth's tables, the strip's phase-1 copies, decompressed
	 * data), counted from the contents, never from where the layout put
	 * them.  `kept`: how much larger than the input the result may be
	 * (growth that stays, sections that grew).  `strips`: sections or
	 * headers are removed, so the result is no larger than the input
	 * plus `kept`. */
	uint64_t added, kept;
	bool strips;
};

/* An edit does not fit in the existing space: in a trial pass, note it
 * quietly; otherwise print why (with `path`).  Returns -1. */
int plan_no_room(struct plan *p, const char *path, const char *fmt, ...) PRINTF_LIKE(3, 4);

void plan_init(struct plan *p);
void plan_free(struct plan *p);

/* Adds a write of a copy of `data`. */
int plan_add(struct plan *p, uint64_t off, const void *data, size_t len, const char *fmt, ...)
	PRINTF_LIKE(5, 6);

/* The variants below spare the copy, which for large sections (a symbol
 * table, a moved load) costs as much as writing them.
 *
 * plan_add_owned(): the plan takes `buf` (malloc'ed), also on failure.
 * plan_add_ref(): borrows `data`, which the caller keeps valid and
 * unchanged until plan_free(): typically the buffer of an earlier
 * plan_add_owned() written a second time.  Never the file's own map:
 * the commit changes what it shows, so that is plan_add_mapped()'s job.
 * plan_add_mapped(): writes the bytes [src, src + len) of the file mapped
 * (read-only, shared) at `map`, as they are now.  They are borrowed from
 * the map when no write already in the plan, nor this one, touches them;
 * otherwise the commit would read bytes it has itself overwritten, and
 * they are copied now. */
int plan_add_owned(struct plan *p, uint64_t off, unsigned char *buf, size_t len,
		   const char *fmt, ...) PRINTF_LIKE(5, 6);
int plan_add_ref(struct plan *p, uint64_t off, const void *data, size_t len, const char *fmt, ...)
	PRINTF_LIKE(5, 6);
int plan_add_mapped(struct plan *p, uint64_t off, const unsigned char *map, uint64_t src,
		    size_t len, const char *fmt, ...) PRINTF_LIKE(6, 7);

/* The furthest the file may reach while `p` runs: the input's size, the
 * content the plan adds (none when `p` is NULL), and a few pages of
 * alignment padding.  A page is the file's largest PT_LOAD alignment,
 * clamped: a p_align is a field of the file, not a size we can afford. */
uint64_t plan_size_limit(const struct elf_image *img, const struct plan *p);

/* Invariants on sizes, checked before anything is written or allocated
 * for the result: no write, grow_to or truncate_to beyond
 * plan_size_limit(), no write past the end the file is grown to, and a
 * plan that strips leaves the file no larger than the input plus `kept`.
 * Prints one error and returns -1 when one fails. */
int plan_check_size(const struct elf_image *img, const struct plan *p);

/* Writes of the bytes of `want` that differ from `now` (what the file
 * holds at `off` once the writes planned so far are done, plan_overlay()),
 * in runs, so that an edit that rewrites a table writes only what
 * changes; nothing when they are equal. */
int plan_add_changes(struct plan *p, uint64_t off, const unsigned char *now,
		     const unsigned char *want, size_t len, const char *what);

/* --dry-run: what the writes would change. */
void plan_describe(const struct plan *p, const char *path, FILE *out);

/* Applies the planned writes that overlap [off, off + len) to `buf`,
 * which holds the file's bytes there: what a later step will find. */
void plan_overlay(const struct plan *p, uint64_t off, unsigned char *buf, size_t len);

/* The file as `p` would leave it: a copy of the input with the writes
 * applied, grown and truncated as planned.  For --dry-run reports. */
int plan_simulate(const struct elf_image *img, const struct plan *p, unsigned char **buf,
		  uint64_t *size);

#endif
