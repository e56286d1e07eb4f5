/* Scratch copies: a whole file copied into a new temporary one, for work
 * that must not touch the original or must appear all at once.
 *
 * scratch_copy() opens SRC, creates the temporary with mkstemp(TMPL)
 * (TMPL ends in "XXXXXX" and is rewritten to the name made), copies every
 * byte, sets MODE and closes it.  Then the caller owns the file under the
 * name in TMPL: it renames it into place (--install-missing, with
 * scratch_rename_new()), or works on it and unlinks it (--compare's
 * stripped size).  On failure nothing is left behind: the temporary, if
 * made, is unlinked.  SRC must be a regular file: a FIFO or a device is
 * refused, not read.
 */
#ifndef ELFPATCH_SCRATCH_H
#define ELFPATCH_SCRATCH_H

#include <stdbool.h>
#include <sys/types.h>

/* 0, or -1 after an error() about it; `quiet` when the caller has a
 * fallback and a failure is not worth a message. */
int scratch_copy(const char *src, char *tmpl, mode_t mode, bool quiet);

/* rename(TMP, DST) that never replaces what is at DST, even a dangling
 * symbolic link: renameat2(RENAME_NOREPLACE), or link() and unlink(), or
 * on file systems with neither a check just before rename().  0, or -1
 * with errno set (EEXIST when DST exists); TMP is left to the caller. */
int scratch_rename_new(const char *tmp, const char *dst);

#endif
