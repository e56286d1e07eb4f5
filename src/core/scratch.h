/* Scratch copies: a whole file copied into a new temporary one, for work
 * that must not touch the original or must appear all at once.
 *
 * scratch_copy() opens SRC, creates the temporary with mkstemp(TMPL)
 * (TMPL ends in "XXXXXX" and is rewritten to the name made), copies every
 * byte, sets MODE and closes it.  Then the caller owns the file under the
 * name in TMPL: it renames it into place (--install-missing), or works on
 * it and unlinks it (--compare's stripped size).  On failure nothing is
 * left behind: the temporary, if made, is unlinked.
 */
#ifndef ELFPATCH_SCRATCH_H
#define ELFPATCH_SCRATCH_H

#include <stdbool.h>
#include <sys/types.h>

/* 0, or -1 after an error() about it; `quiet` when the caller has a
 * fallback and a failure is not worth a message. */
int scratch_copy(const char *src, char *tmpl, mode_t mode, bool quiet);

#endif
