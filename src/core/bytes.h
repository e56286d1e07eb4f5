/* Byte-order loads and stores.
 *
 * Every multi-byte ELF field is read and written through these helpers:
 * they assemble values byte by byte, so they never perform an
 * unaligned access, never depend on the host's byte order, and carry the
 * file's byte order as an argument rather than as global state.
 */
#ifndef ELFPATCH_BYTES_H
#define ELFPATCH_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t load_uint(const unsigned char *p, size_t width, bool msb)
{
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)p[msb ? width - 1 - i : i] << (8 * i);
	return v;
}

static inline void store_uint(unsigned char *p, size_t width, bool msb, uint64_t v)
{
	for (size_t i = 0; i < width; i++)
		p[msb ? width - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* True when [off, off + size) lies inside [0, limit), without overflow:
 * compare size first, then the offset against what is left (pax-utils). */
static inline bool range_ok(uint64_t off, uint64_t size, uint64_t limit)
{
	return size <= limit && off <= limit - size;
}

static inline bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Round up to a power-of-two alignment; 0 and 1 mean "no alignment". */
static inline uint64_t align_up(uint64_t v, uint64_t align)
{
	if (align <= 1)
		return v;
	return (v + align - 1) & ~(align - 1);
}

#endif
