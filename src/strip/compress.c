/* --compress-debug-sections and --decompress-debug-sections: zlib with
 * an ELF compression header (SHF_COMPRESSED), as objcopy writes it. */
#include <config.h>

#include "strip/work.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/diag.h"

static size_t chdr_size(struct elf_class c)
{
	return c.is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
}

#define CHDR_PUT(c, p, F, v) store_uint((p) + ((c).is64 ? offsetof(Elf64_Chdr, F) : \
	offsetof(Elf32_Chdr, F)), (c).is64 ? sizeof(((Elf64_Chdr *)0)->F) : \
	sizeof(((Elf32_Chdr *)0)->F), (c).msb, (v))
#define CHDR_GET(c, p, F) load_uint((p) + ((c).is64 ? offsetof(Elf64_Chdr, F) : \
	offsetof(Elf32_Chdr, F)), (c).is64 ? sizeof(((Elf64_Chdr *)0)->F) : \
	sizeof(((Elf32_Chdr *)0)->F), (c).msb)

/* gABI compression: an Elf32/64_Chdr, then a zlib stream; kept only when
 * smaller, as binutils does.  The section is aligned for its header. */
int compress_section(struct strip *s, struct sec *o)
{
	size_t ch = chdr_size(s->cls);
	unsigned char *in = strip_read_view(s, s->sh[o->old].offset, o->sh.size), *buf = NULL;
	uLong bound;
	uLongf zlen;

	if (!in)
		return -1;
	if ((uint64_t)(uLong)o->sh.size != o->sh.size) {
		free(in);
		return error(s->path, "%s is too large to compress", o->name);
	}
	bound = compressBound((uLong)o->sh.size);
	zlen = bound;
	buf = malloc(ch + bound);
	if (!buf) {
		free(in);
		return error(s->path, "out of memory");
	}
	if (compress2(buf + ch, &zlen, in, (uLong)o->sh.size, Z_BEST_COMPRESSION) != Z_OK) {
		free(in);
		free(buf);
		return error(s->path, "cannot compress %s", o->name);
	}
	free(in);
	if (ch + zlen >= o->sh.size) {
		free(buf);
		return 0;
	}
	memset(buf, 0, ch);
	CHDR_PUT(s->cls, buf, ch_type, ELFCOMPRESS_ZLIB);
	CHDR_PUT(s->cls, buf, ch_size, o->sh.size);
	CHDR_PUT(s->cls, buf, ch_addralign, o->sh.addralign);
	o->data = buf;
	o->sh.size = ch + zlen;
	o->sh.flags |= SHF_COMPRESSED;
	o->sh.addralign = s->cls.is64 ? 8 : 4;
	o->changed = true;
	return 0;
}

/* Deflate expands its input at most 1032 times (zlib's FAQ): a header
 * that claims more than that of its stream lies, and is refused before a
 * buffer of the size it claims is allocated. */
#define ZLIB_MAX_RATIO 1032

static int inflate_to(const struct strip *s, const struct sec *o, const unsigned char *z,
		      uint64_t zlen, uint64_t size, unsigned char **res)
{
	uLongf got = (uLongf)size;
	unsigned char *buf;

	if ((uint64_t)(uLongf)size != size || (uint64_t)(uLong)zlen != zlen
	    || size / ZLIB_MAX_RATIO > zlen)
		return error(s->path, "%s: uncompressed size %llu is not plausible for %llu "
			     "compressed bytes", o->name, (unsigned long long)size,
			     (unsigned long long)zlen);
	buf = malloc(size ? (size_t)size : 1);
	if (!buf)
		return error(s->path, "out of memory");
	if (uncompress(buf, &got, z, (uLong)zlen) != Z_OK || got != size) {
		free(buf);
		return error(s->path, "%s: corrupt compressed data", o->name);
	}
	*res = buf;
	return 0;
}

 /* SHF_COMPRESSED sections, and the older .zdebug* ones ("ZLIB", a 64-bit
 * big-endian size, the stream), which get their .debug* name back. */
int decompress_section(struct strip *s, struct sec *o)
{
	size_t ch = chdr_size(s->cls);
	unsigned char *in = strip_read_view(s, s->sh[o->old].offset, o->sh.size);
	int rc = -1;

	if (!in)
		return -1;
	if (o->sh.flags & SHF_COMPRESSED) {
		if (o->sh.size < ch) {
			error(s->path, "%s: compression header is truncated", o->name);
			goto out;
		}
		uint64_t type = CHDR_GET(s->cls, in, ch_type);
		if (type != ELFCOMPRESS_ZLIB) {
			error(s->path, "%s: compression type %llu is not supported", o->name,
			      (unsigned long long)type);
			goto out;
		}
		uint64_t size = CHDR_GET(s->cls, in, ch_size), align = CHDR_GET(s->cls, in, ch_addralign);
		if (inflate_to(s, o, in + ch, o->sh.size - ch, size, &o->data) < 0)
			goto out;
		o->sh.size = size;
		o->sh.addralign = align;
		o->sh.flags &= ~(uint64_t)SHF_COMPRESSED;
	} else {
		if (o->sh.size < 12 || memcmp(in, "ZLIB", 4) != 0) {
			rc = 0;
			goto out;
		}
		if (inflate_to(s, o, in + 12, o->sh.size - 12, load_uint(in + 4, 8, true), &o->data) < 0)
			goto out;
		o->sh.size = load_uint(in + 4, 8, true);
		const char *tail = o->name + strlen(".zdebug");
		char *nm = malloc(strlen(".debug") + strlen(tail) + 1);
		if (!nm) {
			error(s->path, "out of memory");
			goto out;
		}
		strcpy(nm, ".debug");
		strcat(nm, tail);
		o->name = nm;
		o->own_name = true;
	}
	o->changed = true;
	rc = 0;
out:
	free(in);
	return rc;
}
