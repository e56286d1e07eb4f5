/* Layout checks: what every loader needs from the program headers and
 * what tools need from the section headers.
 *
 * layout_check() examines the file as it will be once `plan` (may be
 * NULL) is applied, reading the headers through the plan's writes, so a
 * plan is verified before its first write.  Problems the original file
 * already had are reported by --check but do not stop an edit: an edit is
 * refused only for problems it would introduce.
 */
#ifndef ELFPATCH_CHECK_H
#define ELFPATCH_CHECK_H

#include <stdio.h>

#include "elf/image.h"
#include "plan/plan.h"

/* Number of problems found in the planned result that the file does not
 * already have; each is printed as an error.  -1 on a failure to check.
 * The plan's sizes are checked first (plan_check_size(): no write or
 * growth beyond what its content needs, no strip that grows the file). */
int layout_verify(const struct elf_image *img, const struct plan *plan);

/* --check: prints every problem of the file as it is; returns their
 * count, or -1. */
int layout_report(const struct elf_image *img);

#endif
