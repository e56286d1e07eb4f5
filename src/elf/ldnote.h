/* The resolution cache note of patchelf 0.19 (--build-resolution-cache),
 * which a patched glibc loader reads to skip the run path search.
 *
 * A note owned by "NixOS", of type 0x63a86cb6, in a PT_NOTE segment of
 * 4-byte aligned notes, described by a section named .note.nixos.ldcache.
 * Its descriptor is a sequence of NUL-terminated strings: pairs of a
 * DT_NEEDED name and a path list, sorted by name (strcmp), then an empty
 * string.  A path list joins with ':' entries "=PATH" (a file the loader
 * opens as it is) and "?DIR" (a directory it must still search itself),
 * in run path order.  n_descsz counts the descriptor without its padding.
 */
#ifndef ELFPATCH_LDNOTE_H
#define ELFPATCH_LDNOTE_H

#include <stddef.h>
#include <stdint.h>

#include "elf/image.h"

#define LDNOTE_OWNER "NixOS"
#define LDNOTE_SECTION ".note.nixos.ldcache"
#define LDNOTE_TYPE 0x63a86cb6u

/* The whole note, header, owner and descriptor padded to 4 bytes, in the
 * byte order of class `c` (malloc'd; NULL when out of memory). */
unsigned char *ldnote_encode(struct elf_class c, const char *desc, size_t len, size_t *out_len);

enum ldnote_state { LDNOTE_NONE, LDNOTE_FOUND, LDNOTE_MALFORMED };

/* Where a note was found: its bytes (header to padded descriptor), and
 * the section named LDNOTE_SECTION (-1 when none). */
struct ldnote_at {
	uint64_t off, size;
	long section;
};

/* Looks for the note in the PT_NOTE segments, then in a section named
 * LDNOTE_SECTION (what patchelf looks for; one added by objcopy has no
 * segment).  FOUND sets *desc and *len (inside the map); MALFORMED is a
 * section of that name whose bytes are no such note (`at` is then the
 * section's bytes).  `at` may be NULL. */
enum ldnote_state ldnote_find(const struct elf_image *img, const unsigned char **desc,
			      size_t *len, struct ldnote_at *at);

/* --print-resolution-cache: "NAME PATHS" for each entry, one a line;
 * nothing without the note. */
int ldnote_print(const struct elf_image *img);

#endif
