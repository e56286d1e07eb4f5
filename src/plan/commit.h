/* Applying a plan: the only code that writes to a file.
 *
 * commit_in_place() opens the validated file for writing, performs the
 * writes in plan order with pwrite(), and restores set-uid/set-gid bits
 * (which the kernel clears on write by a non-root user) and, with -p, the
 * timestamps.  commit_to_output() changes nothing but what OUTPUT names:
 *   - nothing, or a regular file: the input is copied to a temporary file
 *     beside it, the plan applied there, and the temporary renamed into
 *     place, so the output is either absent/old or complete; the temporary
 *     file is unlinked on every failure path;
 *   - a symbolic link (or a chain of them): the same beside the regular
 *     file at its end, which the link keeps naming; a dangling link, or
 *     one another user owns in a sticky world-writable directory, is
 *     refused;
 *   - a character device or a FIFO: the result is built in memory and
 *     written to it in order, never renamed over, truncated or chmod'ed;
 *   - a directory, a block device or a socket: refused.
 * An output that is the input (the same name, or a link to it) is thus
 * replaced by the result as a whole; a hard link to the input is another
 * name, replaced while the input keeps its contents.
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
