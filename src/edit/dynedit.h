/* Editing .dynamic and .dynstr through a working model.
 *
 * The model starts as the file is and is updated after every operation,
 * so each operation plans against the state the previous ones leave; each
 * appends its writes to the plan in fill -> switch -> scrub order (see
 * plan.h).  Bytes freed by one operation are scrubbed before the next one
 * may reuse them, so no write ever lands on bytes a live reference still
 * reads.
 */
#ifndef ELFPATCH_DYNEDIT_H
#define ELFPATCH_DYNEDIT_H

#include "edit/strtab.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "plan/plan.h"

struct dyn_model {
	const struct elf_image *img;
	struct plan *plan;
	uint64_t off;            /* file offset of .dynamic */
	size_t entsize, count, slots;
	struct xdyn *ent;        /* `slots` entries; [count] is DT_NULL */
	struct strtab str;
	bool debug;
};

/* A reference to a string that lives outside .dynamic: a 4-byte field
 * at a file offset (vn_file of a version requirement). */
struct str_field {
	uint64_t off;
};

int dynmodel_init(struct dyn_model *m, const struct elf_image *img, const struct dynamic *dyn,
		  struct plan *plan, bool debug);
void dynmodel_free(struct dyn_model *m);

/* After growth (grow.c) planned new homes for .dynstr and/or .dynamic:
 * the model continues there, with the spare room at the end. */
struct growth_result;
int dynmodel_relocate(struct dyn_model *m, const struct growth_result *g);

long dynmodel_find(const struct dyn_model *m, int64_t tag, size_t from);
const char *dynmodel_str(const struct dyn_model *m, size_t idx);

/* Points entries idx[0..n) and fields[0..nf) at string `s`: in place when
 * the old string's bytes are theirs alone and `s` fits, else at an
 * existing copy or in free bytes; zeroes bytes left unreferenced. */
int dynmodel_set_string(struct dyn_model *m, const size_t *idx, size_t n,
			const struct str_field *fields, size_t nf, const char *s, const char *what);

/* A string moved for references the caller rewrites itself (symbol
 * names, whose table it rewrites whole): where it was and where it is. */
struct str_change {
	uint64_t old_off, old_len;   /* old_len counts the NUL */
	uint64_t new_off;
};

/* Finds a home for `s` in place of the string the n >= 1 references at
 * old[0..n) read, and counts them there: the bytes of the old string
 * when they are theirs alone and `s` fits (written now, which switches
 * the references), else an existing copy, else free bytes (written now,
 * unreferenced until the caller's writes point at them).  After those
 * writes, dynmodel_scrub_change() zeroes what nothing reads any more. */
int dynmodel_replace_string(struct dyn_model *m, const uint64_t *old, size_t n, const char *s,
			    struct str_change *ch, const char *what);
int dynmodel_scrub_change(struct dyn_model *m, const struct str_change *ch, const char *what);

int dynmodel_remove(struct dyn_model *m, size_t idx, const char *what);

/* Inserts an entry at `at`; with `s`, its value is that string's offset. */
int dynmodel_insert(struct dyn_model *m, size_t at, int64_t tag, uint64_t val, const char *s,
		    const char *what);

int dynmodel_set_entry(struct dyn_model *m, size_t idx, int64_t tag, uint64_t val, const char *what);

/* A reference outside .dynamic (a version name) to the string at `off`
 * is gone: zeroes the bytes no other reference uses. */
int dynmodel_release_string(struct dyn_model *m, uint64_t off, const char *what);

/* vn_file fields of version requirements naming `file`. */
int dynmodel_verneed_fields(const struct dyn_model *m, const char *file, struct str_field **out,
			    size_t *n);

#endif
