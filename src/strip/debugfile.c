/* The separate debug file: --only-keep-debug FILE writes it, and
 * --add-gnu-debuglink FILE names it (with its CRC) in a .gnu_debuglink. */
#include <config.h>

#include "strip/work.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"
#include "plan/commit.h"

static int file_crc(const char *path, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0, Z_NULL, 0);
	/* O_NONBLOCK: a FIFO must not hang open(); a FIFO or a device (a
	 * /dev/zero would never end) is refused before the first read. */
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return error(path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return error(path, "cannot stat: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error(path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return error(path, "read failed: %s", strerror(e));
		}
		c = crc32(c, buf, (uInt)n);
	}
	close(fd);
	*crc = (uint32_t)c;
	return 0;
}

 /* .gnu_debuglink: the debug file's base name, NUL, padding to 4, and the
 * CRC-32 of the whole debug file in the target's byte order. */
int debuglink_contents(const struct strip *s, const char *file, unsigned char **data,
uint64_t *size)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t len = align_up(strlen(base) + 1, 4);
	uint32_t crc = 0;

	if (file_crc(file, &crc) < 0) {
		if (!s->o->dry_run)
			return -1;
		crc = 0;
	}
	*data = calloc(1, len + 4);
	if (!*data)
		return error(s->path, "out of memory");
	memcpy(*data, base, strlen(base));
	store_uint(*data + len, 4, s->cls.msb, crc);
	*size = len + 4;
	return 0;
}

/* What a separate debug file keeps the bytes of: everything not
 * allocated, the notes (the build ID) and .interp; the other allocated
 * sections become SHT_NOBITS of the same address and size, so section
 * indices, and with them the symbol table, stay as they are. */
static bool debug_file_keeps(const struct elf_image *img, size_t i)
{
	const struct xshdr *h = &img->sh[i];

	if (!has_bytes(h))
		return false;
	return !(h->flags & SHF_ALLOC) || h->type == SHT_NOTE
	       || strcmp(section_name(img, i), ".interp") == 0;
}

/* A segment keeps its file bytes in the debug file when kept sections,
 * moved by one common delta, cover it exactly from its start. */
static void debug_file_phdr(const struct elf_image *img, const struct xshdr *nsh, struct xphdr *p)
{
	uint64_t covered = 0;
	bool have = false;
	int64_t delta = 0;

	uint64_t pht_end = img->eh.phoff + img->phnum * phdr_size(img->cls);

	if (p->type == PT_PHDR || p->filesz == 0)
		return;
	/* The load that maps the program headers keeps mapping them, and
	 * the kept sections after them that did not move (.interp, notes:
	 * gdb wants allocated sections with contents inside a segment). */
	if (p->type == PT_LOAD && img->phnum && img->eh.phoff >= p->offset
	    && pht_end <= p->offset + p->filesz) {
		uint64_t end = pht_end;
		for (size_t i = 1; i < img->shnum; i++) {
			const struct xshdr *h = &img->sh[i];
			if (debug_file_keeps(img, i) && (h->flags & SHF_ALLOC)
			    && nsh[i].offset == h->offset && h->offset >= p->offset
			    && h->offset + h->size <= p->offset + p->filesz
			    && h->offset + h->size > end)
				end = h->offset + h->size;
		}
		p->filesz = end - p->offset;
		return;
	}
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *h = &img->sh[i];
		if (!debug_file_keeps(img, i) || h->offset < p->offset
		    || h->offset - p->offset >= p->filesz)
			continue;
		int64_t d = (int64_t)(nsh[i].offset - h->offset);
		if (have && d != delta) {
			covered = 0;
			break;
		}
		have = true;
		delta = d;
		if (h->offset - p->offset <= covered)
			covered = h->offset - p->offset + h->size > covered ?
				  h->offset - p->offset + h->size : covered;
	}
	if (have && covered >= p->filesz && (p->type != PT_LOAD || p->align <= 1
					     || ((uint64_t)delta & (p->align - 1)) == 0))
		p->offset += (uint64_t)delta;
	else
		p->filesz = 0;
}

/* The debug file's section headers: what it keeps packed in header order
 * from `*pos` on, the rest without bytes. */
static int debug_file_sections(const struct elf_image *img, struct xshdr *nsh, uint64_t *pos)
{
	for (size_t i = 0; i < img->shnum; i++) {
		struct xshdr *h = &nsh[i];
		*h = img->sh[i];
		if (i == 0)
			continue;
		uint64_t a = is_pow2(h->addralign) ? h->addralign : 1;
		if (debug_file_keeps(img, i)) {
			if (a > MAX_SECTION_ALIGN)
				return error(img->path, "--only-keep-debug: section %s alignment 0x%llx is "
					     "beyond 64 KiB", section_name(img, i), (unsigned long long)a);
			h->offset = align_up(*pos, a);
			*pos = h->offset + h->size;
		} else {
			if ((h->flags & SHF_ALLOC) && h->type != SHT_NULL)
				h->type = SHT_NOBITS;
			h->offset = align_up(*pos, a);
		}
	}
	return 0;
}

static int build_debug_file(const struct elf_image *img, unsigned char **out, uint64_t *len)
{
	size_t shs = shdr_size(img->cls), phs = phdr_size(img->cls);
	struct xshdr *nsh = calloc(img->shnum, sizeof(*nsh));
	struct xphdr ph;
	struct xehdr eh = img->eh;
	uint64_t pos = ehdr_size(img->cls), end;
	unsigned char *b = NULL;
	int rc = -1;

	if (!nsh)
		return error(img->path, "out of memory");
	if (img->phnum && img->eh.phoff + img->phnum * phs > pos)
		pos = img->eh.phoff + img->phnum * phs;
	if (debug_file_sections(img, nsh, &pos) < 0)
		goto out;
	eh.shoff = align_up(pos, sht_align(img->cls));
	end = eh.shoff + img->shnum * shs;
	/* It holds a part of the input's bytes: if it would be larger than
	 * the input and a little padding, it is not a buffer to allocate. */
	if (end > plan_size_limit(img, NULL)) {
		error(img->path, "--only-keep-debug: the debug file would be %llu bytes, more than "
		      "the input's %llu", (unsigned long long)end, (unsigned long long)img->size);
		goto out;
	}
	if ((uint64_t)(size_t)end != end || !(b = calloc(1, (size_t)end))) {
		error(img->path, "out of memory");
		goto out;
	}
	if (ehdr_encode(img->cls, b, &eh) < 0)
		goto toobig;
	/* Section 0 may hold the extended counts: copied as it is. */
	for (size_t i = 0; i < img->phnum; i++) {
		ph = img->ph[i];
		debug_file_phdr(img, nsh, &ph);
		if (phdr_encode(img->cls, b + img->eh.phoff + i * phs, &ph) < 0)
			goto toobig;
	}
	for (size_t i = 1; i < img->shnum; i++)
		if (debug_file_keeps(img, i))
			memcpy(b + nsh[i].offset, img->map + img->sh[i].offset, (size_t)img->sh[i].size);
	for (size_t i = 0; i < img->shnum; i++)
		if (shdr_encode(img->cls, b + eh.shoff + i * shs, &nsh[i]) < 0)
			goto toobig;
	*out = b;
	*len = end;
	b = NULL;
	rc = 0;
	goto out;
toobig:
	error(img->path, "header value does not fit the file's class");
out:
	free(b);
	free(nsh);
	return rc;
}

/* FILE and OTHER (described by `st`, when the caller has it) are the same
 * file: the same name, or names, through links, of one inode. */
static bool names_same_file(const char *file, const char *other, const struct stat *st)
{
	struct stat a, b;

	if (strcmp(file, other) == 0)
		return true;
	if (!st) {
		if (stat(other, &b) < 0)
			return false;
		st = &b;
	}
	return stat(file, &a) == 0 && a.st_dev == st->st_dev && a.st_ino == st->st_ino;
}

/* The debug file is a new file: it goes through commit_to_output() (a
 * temporary file beside it, renamed into place; a device or a FIFO
 * written to) as one write of its whole contents over a copy of the
 * input, cut to length. */
int sections_split_debug(const struct elf_image *img, const struct options *o)
{
	struct plan p;
	unsigned char *b = NULL;
	uint64_t len = 0;
	int rc = -1;

	if (strip_check_type(img) < 0)
		return -1;
	if (img->shnum == 0)
		return error(img->path, "--only-keep-debug: no section header table, no debug "
			     "information to keep");
	/* Written before the input's own edits: naming the input (or the
	 * --output) would replace it with the debug file. */
	if (names_same_file(o->only_keep_debug, img->path, &img->st))
		return error(img->path, "--only-keep-debug %s would replace the input itself",
			     o->only_keep_debug);
	if (o->output && names_same_file(o->only_keep_debug, o->output, NULL))
		return error(img->path, "--only-keep-debug and --output both name %s",
			     o->output);
	if (build_debug_file(img, &b, &len) < 0)
		return -1;
	plan_init(&p);
	if (len > img->size)
		p.grow_to = len;
	else if (len < img->size)
		p.truncate_to = len;
	/* The whole debug file: handed over, not copied. */
	rc = plan_add_owned(&p, 0, b, (size_t)len, "--only-keep-debug: %s, %llu bytes",
			    o->only_keep_debug, (unsigned long long)len);
	if (rc < 0)
		goto out;
	if (o->dry_run) {
		printf("%s: would write the debug file %s (%llu bytes)\n", img->path, o->only_keep_debug,
		       (unsigned long long)len);
		rc = 0;
	} else {
		trace(o->debug, img->path, "writing the debug file %s (%llu bytes)", o->only_keep_debug,
		      (unsigned long long)len);
		rc = commit_to_output((struct elf_image *)img, &p, o->only_keep_debug, o);
	}
out:
	plan_free(&p);
	return rc;
}
