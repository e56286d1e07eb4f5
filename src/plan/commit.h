/* Applying a plan: the only code that writes to a file.
 *
 * commit_in_place() opens the validated file for writing, performs the
 * writes in plan order with pwrite(), and restores set-uid/set-gid bits
 * (which the kernel clears on write by a non-root user) and, with -p, the
 * timestamps.  commit_to_output() copies the input to a temporary file
 * beside the output, applies the plan there, and renames it into place, so
 * the output is either absent/old or complete; the temporary file is
 * unlinked on every failure path.
 *
 * For tests, ELFPATCH_FAULT_AFTER=k kills the process (SIGKILL) after the
 * k-th write, to prove that every intermediate state is a valid file.
 */
#ifndef ELFPATCH_COMMIT_H
#define ELFPATCH_COMMIT_H

#include "core/options.h"
#include "elf/image.h"
#include "plan/plan.h"

int commit_in_place(struct elf_image *img, const struct plan *plan, const struct options *o);
int commit_to_output(struct elf_image *img, const struct plan *plan, const char *output,
		     const struct options *o);

#endif
