/* Diagnostics: one formatter for every message elfpatch prints on stderr.
 *
 * error() prints "elfpatch: FILE: why" and returns -1, so callers write
 * `return error(path, "...")`.  FILE may be NULL for messages that concern
 * no file.  BUG() is for broken internal invariants, never for bad input.
 */
#ifndef ELFPATCH_DIAG_H
#define ELFPATCH_DIAG_H

#include <stdbool.h>

#define PROGRAM_NAME "elfpatch"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

int error(const char *file, const char *fmt, ...) PRINTF_LIKE(2, 3);
void warning(const char *file, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* --debug trace; prints only when `enabled`. */
void trace(bool enabled, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
NORETURN void bug_at(const char *src, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#endif
