/* A growing NUL-terminated string (run paths, note descriptors).
 *
 * Start from struct strbuf b = { 0 }; strbuf_add() appends n bytes and
 * keeps b.s terminated; the caller frees b.s.
 */
#ifndef ELFPATCH_STRBUF_H
#define ELFPATCH_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
};

/* -1 when out of memory (nothing printed: the caller says what failed);
 * `b` is then as it was. */
int strbuf_add(struct strbuf *b, const char *s, size_t n);

#endif
