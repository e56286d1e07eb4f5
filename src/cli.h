/* The command line. */
#ifndef ELFPATCH_CLI_H
#define ELFPATCH_CLI_H

#include "core/options.h"

/* options_parse() when an @FILE argument cannot be read: exit status 1,
 * as patchelf (a file that fails, not a usage error). */
#define AT_FILE_FAILED (-3)

/* Fills `o` from argv (patchelf's spelling, @FILE arguments read); 0 to
 * go on, 1 when --help/--version was handled, -1 on a usage error,
 * AT_FILE_FAILED.  options_free() releases it either way. */
int options_parse(struct options *o, int argc, char **argv);

#endif
