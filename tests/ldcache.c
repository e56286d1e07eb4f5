/* ldcache - write a glibc ld.so.cache for a test root filesystem.
 *
 * Usage: tests/ldcache [-b] OUTPUT FLAGS SONAME=PATH...
 *   -b      big-endian target (default little-endian)
 *   FLAGS   the entries' flags as the target's loader expects them
 *           (dl-cache.h: FLAG_ELF_LIBC6 0x0003 | FLAG_ARM_LIBHF 0x0900,
 *           FLAG_AARCH64_LIB64 0x0a00, FLAG_X8664_LIB64 0x0300, ...)
 *
 * The host's ldconfig refuses libraries of other machines ("is for unknown
 * machine 40"), so tests/deps-loader.sh builds the cache of an ARM root
 * with this: the entries come from the root's ld.so.conf directories, in
 * their order (the first entry of a soname wins, as in ldconfig's cache),
 * and the target's own ld.so then reads it under qemu.  Format: glibc's
 * "glibc-ld.so.cache1.1" (elf/dl-cache.h), entries sorted by soname with
 * _dl_cache_libcmp() (elfpatch's own copy, ldconf_libcmp() in
 * src/ldconf.c), descending, which is what the loader's binary search
 * expects; strings are offsets from the start of the file.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps/ldconf.h"

struct entry {
	const char *soname, *path;
	size_t order;
};

static int by_name_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = ldconf_libcmp(y->soname, x->soname);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void put(unsigned char *p, size_t w, uint64_t v, bool msb)
{
	for (size_t i = 0; i < w; i++)
		p[msb ? w - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	bool msb = false;
	int a = 1;

	if (a < argc && strcmp(argv[a], "-b") == 0) {
		msb = true;
		a++;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: %s [-b] OUTPUT FLAGS SONAME=PATH...\n", argv[0]);
		return 2;
	}
	const char *out = argv[a++];
	unsigned long flags = strtoul(argv[a++], NULL, 0);
	size_t n = (size_t)(argc - a), strings = 0;
	struct entry *e = calloc(n + 1, sizeof(*e));
	if (!e)
		return 1;
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(argv[a + (int)i], '=');
		if (!eq) {
			fprintf(stderr, "%s: '%s' is not SONAME=PATH\n", argv[0], argv[a + (int)i]);
			return 2;
		}
		*eq = '\0';
		e[i] = (struct entry){ argv[a + (int)i], eq + 1, i };
		strings += strlen(e[i].soname) + 1 + strlen(e[i].path) + 1;
	}
	qsort(e, n, sizeof(*e), by_name_desc);

	const size_t header = 48, entsize = 24;
	size_t size = header + n * entsize + strings, s = header + n * entsize;
	unsigned char *buf = calloc(1, size);
	if (!buf)
		return 1;
	memcpy(buf, "glibc-ld.so.cache1.1", 20);
	put(buf + 20, 4, n, msb);
	put(buf + 24, 4, strings, msb);
	buf[28] = msb ? 3 : 2;         /* cache_file_new_flags_endian_big/little */
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = buf + header + i * entsize;
		put(p, 4, flags, msb);
		put(p + 4, 4, s, msb);
		strcpy((char *)buf + s, e[i].soname);
		s += strlen(e[i].soname) + 1;
		put(p + 8, 4, s, msb);
		strcpy((char *)buf + s, e[i].path);
		s += strlen(e[i].path) + 1;
	}
	FILE *f = fopen(out, "wb");
	if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
		perror(out);
		return 1;
	}
	free(buf);
	free(e);
	return 0;
}
