/* --ldconfig and --print-cache: the target's ldconfig -r ROOT and
 * ldconfig -p, run on this machine.
 *
 * ldconfig_run() scans the directories the target's ldconfig scans
 * (ROOT/etc/ld.so.conf with its includes, then the trusted directories of
 * the target's glibc: Debian's /lib/TRIPLET, /usr/lib/TRIPLET, /lib,
 * /usr/lib), and the glibc-hwcaps subdirectories of each; creates the
 * soname links ldconfig creates (unless --no-links) and writes
 * ROOT/etc/ld.so.cache (unless --no-cache) through a temporary file and
 * rename(2).  print_cache_run() lists ROOT's cache like ldconfig -p.
 * Both return the exit status.
 */
#ifndef ELFPATCH_LDCONFIG_H
#define ELFPATCH_LDCONFIG_H

#include "core/options.h"

int ldconfig_run(const struct options *o);
int print_cache_run(const struct options *o);

#endif
