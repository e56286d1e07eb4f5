/* The command line. */
#ifndef ELFPATCH_CLI_H
#define ELFPATCH_CLI_H

#include "core/options.h"

/* options_parse() returns it when an @FILE argument cannot be read. */
#define PARSE_FILE_ERROR (-2)

/* Fills `o` from argv (patchelf's spelling, @FILE arguments read); 0 to
 * go on, 1 when --help/--version was handled, -1 on a usage error,
 * PARSE_FILE_ERROR when an @FILE cannot be read (exit status 1, as in
 * patchelf).  options_free() releases it either way. */
int options_parse(struct options *o, int argc, char **argv);

#endif
