/* The little JSON the reports need: strings and object keys.  Strings are
 * written as given (UTF-8 passes through); control characters, quotes
 * and backslashes are escaped. */
#ifndef ELFPATCH_JSON_H
#define ELFPATCH_JSON_H

#include <stdbool.h>
#include <stdio.h>

/* `s` NULL writes null. */
void json_string(FILE *f, const char *s);

/* ", " unless *first, then "KEY": ; clears *first. */
void json_key(FILE *f, bool *first, const char *key);

#endif
