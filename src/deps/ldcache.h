/* glibc's ld.so.cache: the binary index of libraries by soname that the
 * target's ld.so consults after DT_RUNPATH and before its default
 * directories.  This module holds the file format only: ldcache_encode()
 * turns a list of entries into the bytes the target's ldconfig writes,
 * ldcache_decode() reads any target's cache back (--print-cache).
 * ldconfig.c scans a root filesystem into entries and commits the file.
 *
 * Format (glibc 2.36, elf/dl-cache.h, elf/cache.c, elf/stringtable.c):
 * the "glibc-ld.so.cache1.1" header (48 bytes), one 24-byte entry per
 * library (flags, soname and path offsets, hwcap), the string table, then
 * at a 4-byte boundary the extension directory: the generator string
 * ("ldconfig (Debian GLIBC ...) stable release version 2.36") and, when a
 * glibc-hwcaps subdirectory holds a library, the array of its names.
 * All fields are in the target's byte order; string offsets count from
 * the start of the file.
 */
#ifndef ELFPATCH_LDCACHE_H
#define ELFPATCH_LDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* dl-cache.h: the entry's type and the ABI its loader requires. */
#define LDCACHE_FLAG_ELF_LIBC6      0x0003
#define LDCACHE_FLAG_X8664_LIB64    0x0300
#define LDCACHE_FLAG_X8664_LIBX32   0x0800
#define LDCACHE_FLAG_ARM_LIBHF      0x0900
#define LDCACHE_FLAG_AARCH64_LIB64  0x0a00
#define LDCACHE_FLAG_ARM_LIBSF      0x0b00

struct ldcache_entry {
	char *soname;
	char *path;             /* target path */
	int32_t flags;
	int hwcaps;             /* index into ldcache.hwcaps, -1 none */
	uint32_t isa_level;     /* x86 ISA level (glibc-hwcaps entries) */
	uint64_t hwcap;         /* as read (decode only) */
	size_t seq;             /* insertion order, for a stable sort */
};

/* ldconfig -c: the new format (glibc's default since 2.32), the old
 * "ld.so-1.7.0" one, or the old one with the new one after it. */
enum ldcache_format { LDCACHE_NEW, LDCACHE_OLD, LDCACHE_COMPAT };

struct ldcache {
	struct ldcache_entry *ent;
	size_t n, cap;
	char **hwcaps;          /* glibc-hwcaps subdirectory names */
	size_t n_hwcaps;
	char *generator;
	bool msb;
	enum ldcache_format format;   /* what ldcache_encode() writes */
};

/* Appends an entry (strings copied).  -1 when out of memory. */
int ldcache_add(struct ldcache *c, const char *soname, const char *path, int32_t flags,
		int hwcaps, uint32_t isa_level);
/* Index of hwcaps subdirectory `name`, added when new; -1 out of memory. */
int ldcache_hwcaps_index(struct ldcache *c, const char *name);
void ldcache_free(struct ldcache *c);

/* The file's bytes (malloc'd, *size set) in ldconfig's order and
 * c->format; NULL when out of memory or too large for 32-bit offsets
 * (error printed).  The old format leaves out glibc-hwcaps entries. */
unsigned char *ldcache_encode(struct ldcache *c, size_t *size);

/* Reads a cache file's bytes; -1 with `why` set when it is malformed. */
int ldcache_decode(struct ldcache *c, const unsigned char *p, size_t size, const char **why);

/* The whole of a regular file (at most 1 GiB); -1 with errno set. */
int ldcache_read_file(const char *path, char **buf, size_t *size);

/* Reads and decodes the cache at host path `path`: 0; 1 when there is
 * none; -1 when it cannot be read or is malformed (error printed). */
int ldcache_load(struct ldcache *c, const char *path);

/* ldconfig -p's listing. */
void ldcache_print(const struct ldcache *c, const char *name, FILE *out);

#endif
