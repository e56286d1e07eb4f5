/* The command line. */
#ifndef ELFPATCH_CLI_H
#define ELFPATCH_CLI_H

#include "core/options.h"

/* Fills `o` from argv (patchelf's spelling, @FILE arguments read); 0 to
 * go on, 1 when --help/--version was handled, -1 on a usage error.
 * options_free() releases it either way. */
int options_parse(struct options *o, int argc, char **argv);

#endif
