#include <config.h>

#include "deps/ldcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "deps/ldconf.h"

#define HEADER_SIZE 48          /* struct cache_file_new */
#define ENTRY_SIZE 24           /* struct file_entry_new */
#define OLD_MAGIC "ld.so-1.7.0"
#define OLD_HEADER 16           /* struct cache_file: magic[11], pad, nlibs */
#define OLD_ENTRY 12
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define EXT_MAGIC 0xeaa42174u   /* cache_extension_magic, (uint32_t) -358342284 */
#define EXT_TAG_GENERATOR 0
#define EXT_TAG_HWCAPS 1
#define HWCAP_EXTENSION (1ULL << 62)
#define ENDIAN_LITTLE 2         /* cache_file_new_flags_endian_little */
#define ENDIAN_BIG 3

int ldcache_add(struct ldcache *c, const char *soname, const char *path, int32_t flags,
		int hwcaps, uint32_t isa_level)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct ldcache_entry *e = realloc(c->ent, cap * sizeof(*e));
		if (!e)
			return error(NULL, "out of memory");
		c->ent = e;
		c->cap = cap;
	}
	struct ldcache_entry *e = &c->ent[c->n];
	*e = (struct ldcache_entry){ strdup(soname), strdup(path), flags, hwcaps, isa_level, 0, c->n };
	if (!e->soname || !e->path) {
		free(e->soname);
		free(e->path);
		return error(NULL, "out of memory");
	}
	c->n++;
	return 0;
}

int ldcache_hwcaps_index(struct ldcache *c, const char *name)
{
	for (size_t i = 0; i < c->n_hwcaps; i++)
		if (strcmp(c->hwcaps[i], name) == 0)
			return (int)i;
	char **h = realloc(c->hwcaps, (c->n_hwcaps + 1) * sizeof(*h));
	if (!h)
		return error(NULL, "out of memory");
	c->hwcaps = h;
	if (!(h[c->n_hwcaps] = strdup(name)))
		return error(NULL, "out of memory");
	return (int)c->n_hwcaps++;
}

void ldcache_free(struct ldcache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ent[i].soname);
		free(c->ent[i].path);
	}
	for (size_t i = 0; i < c->n_hwcaps; i++)
		free(c->hwcaps[i]);
	free(c->ent);
	free(c->hwcaps);
	free(c->generator);
	memset(c, 0, sizeof(*c));
}

/* ---- the string table (elf/stringtable.c) ---------------------------- */

struct str {
	const char *s;
	size_t len;
	uint32_t off;
};

struct strtab {
	struct str *v;
	size_t n;
	unsigned char *bytes;
	size_t size;
};

/* Reversed strings in reverse lexicographic order, longer first: each
 * string that is a suffix of its predecessor is stored inside it. */
static int tail_order(const void *a, const void *b)
{
	const struct str *l = a, *r = b;
	size_t n = l->len < r->len ? l->len : r->len;

	for (size_t i = 1; i <= n; i++) {
		unsigned char lc = (unsigned char)l->s[l->len - i];
		unsigned char rc = (unsigned char)r->s[r->len - i];
		if (lc != rc)
			return rc - lc;
	}
	if (l->len == r->len)
		return 0;
	return l->len < r->len ? 1 : -1;
}

static int strtab_add(struct strtab *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].s, s) == 0)
			return 0;
	struct str *v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		return error(NULL, "out of memory");
	t->v = v;
	v[t->n++] = (struct str){ s, strlen(s), 0 };
	return 0;
}

static int strtab_finish(struct strtab *t)
{
	uint64_t end = 0;

	if (t->n == 0)
		return 0;
	qsort(t->v, t->n, sizeof(*t->v), tail_order);
	for (size_t j = 1; j < t->n; j++) {
		struct str *p = &t->v[j - 1], *c = &t->v[j];
		if (p->len >= c->len && memcmp(p->s + p->len - c->len, c->s, c->len) == 0)
			c->off = (uint32_t)(p->off + p->len - c->len);
		else if ((end = (uint64_t)p->off + p->len + 1) > UINT32_MAX / 2)
			return error(NULL, "ld.so.cache string table too large");
		else
			c->off = (uint32_t)end;
	}
	t->size = t->v[t->n - 1].off + t->v[t->n - 1].len + 1;
	t->bytes = calloc(1, t->size);
	if (!t->bytes)
		return error(NULL, "out of memory");
	for (size_t j = 0; j < t->n; j++)
		memcpy(t->bytes + t->v[j].off, t->v[j].s, t->v[j].len + 1);
	return 0;
}

static uint32_t strtab_off(const struct strtab *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].s, s) == 0)
			return t->v[i].off;
	BUG("string '%s' not in the ld.so.cache string table", s);
}

/* ---- entries in ldconfig's order (elf/cache.c compare()) ------------- */

static const char *const *sort_hwcaps;

static int entry_order(const void *a, const void *b)
{
	const struct ldcache_entry *e1 = a, *e2 = b;
	int res = ldconf_libcmp(e2->soname, e1->soname);

	if (res)
		return res;
	if (e1->flags != e2->flags)
		return e1->flags < e2->flags ? 1 : -1;
	if ((e1->hwcaps >= 0) != (e2->hwcaps >= 0))
		return e1->hwcaps >= 0 ? -1 : 1;
	if (e1->hwcaps >= 0) {
		res = strcmp(sort_hwcaps[e1->hwcaps], sort_hwcaps[e2->hwcaps]);
		if (res)
			return res;
	}
	return e1->seq < e2->seq ? -1 : e1->seq > e2->seq;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* The glibc-hwcaps section lists the used subdirectories by name. */
static int hwcaps_indices(const struct ldcache *c, int *index, size_t *count)
{
	char ***used = malloc((c->n_hwcaps + 1) * sizeof(*used));
	size_t n = 0;

	if (!used)
		return error(NULL, "out of memory");
	for (size_t h = 0; h < c->n_hwcaps; h++) {
		index[h] = -1;
		for (size_t i = 0; i < c->n; i++)
			if (c->ent[i].hwcaps == (int)h) {
				used[n++] = &c->hwcaps[h];
				break;
			}
	}
	qsort(used, n, sizeof(*used), name_order);
	for (size_t i = 0; i < n; i++)
		index[used[i] - c->hwcaps] = (int)i;
	*count = n;
	free(used);
	return 0;
}

/* ---- encoding (elf/cache.c save_cache(), write_extensions()) --------- */

struct layout {
	size_t old_size;        /* the old format's header and entries */
	size_t n_old;
	size_t str_start, ext_off, hw_off, gen_off, size;
	size_t n_used;
	int *index;
};

static void put_header(unsigned char *p, const struct ldcache *c, const struct strtab *t,
		       const struct layout *l)
{
	memcpy(p, NEW_MAGIC, strlen(NEW_MAGIC));
	store_uint(p + 20, 4, c->msb, c->n);
	store_uint(p + 24, 4, c->msb, t->size);
	p[28] = c->msb ? ENDIAN_BIG : ENDIAN_LITTLE;
	store_uint(p + 32, 4, c->msb, l->ext_off);
}

static void put_entries(unsigned char *p, const struct ldcache *c, const struct strtab *t,
			const struct layout *l)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ldcache_entry *e = &c->ent[i];
		unsigned char *q = p + HEADER_SIZE + i * ENTRY_SIZE;
		uint64_t hwcap = 0;
		if (e->hwcaps >= 0)
			hwcap = HWCAP_EXTENSION | (uint64_t)e->isa_level << 32
				| (uint32_t)l->index[e->hwcaps];
		store_uint(q, 4, c->msb, (uint32_t)e->flags);
		store_uint(q + 4, 4, c->msb, l->str_start + strtab_off(t, e->soname));
		store_uint(q + 8, 4, c->msb, l->str_start + strtab_off(t, e->path));
		store_uint(q + 16, 8, c->msb, hwcap);
	}
}

/* The extension directory: the generator, then the hwcaps names when any
 * is used; the hwcaps array comes before the generator string. */
static void put_extensions(unsigned char *p, const struct ldcache *c, const struct strtab *t,
			   const struct layout *l)
{
	unsigned char *x = p + l->ext_off;
	size_t gen_len = strlen(c->generator);

	store_uint(x, 4, c->msb, EXT_MAGIC);
	store_uint(x + 4, 4, c->msb, l->n_used ? 2 : 1);
	store_uint(x + 8, 4, c->msb, EXT_TAG_GENERATOR);
	store_uint(x + 16, 4, c->msb, l->gen_off);
	store_uint(x + 20, 4, c->msb, gen_len);
	if (l->n_used) {
		store_uint(x + 24, 4, c->msb, EXT_TAG_HWCAPS);
		store_uint(x + 32, 4, c->msb, l->hw_off);
		store_uint(x + 36, 4, c->msb, 4 * l->n_used);
		for (size_t h = 0; h < c->n_hwcaps; h++)
			if (l->index[h] >= 0)
				store_uint(p + l->hw_off + 4 * (size_t)l->index[h], 4, c->msb,
					   l->str_start + strtab_off(t, c->hwcaps[h]));
	}
	memcpy(p + l->gen_off, c->generator, gen_len);
}

static int build_strtab(struct ldcache *c, struct strtab *t)
{
	for (size_t i = 0; i < c->n; i++)
		if (strtab_add(t, c->ent[i].path) < 0 || strtab_add(t, c->ent[i].soname) < 0)
			return -1;
	for (size_t h = 0; h < c->n_hwcaps; h++)
		if (strtab_add(t, c->hwcaps[h]) < 0)
			return -1;
	return strtab_finish(t);
}

/* The old format keeps entries without hwcaps; beside the new one, an
 * even number of them (the last one twice), so that the new header
 * after them is 8-byte aligned for every loader. */
static void place(const struct ldcache *c, const struct strtab *t, struct layout *l)
{
	for (size_t i = 0; i < c->n; i++)
		l->n_old += c->ent[i].hwcaps < 0;
	if (c->format == LDCACHE_COMPAT)
		l->n_old = (l->n_old + 1) & ~(size_t)1;
	if (c->format != LDCACHE_NEW)
		l->old_size = OLD_HEADER + l->n_old * OLD_ENTRY;
	if (c->format == LDCACHE_OLD) {
		l->size = l->old_size + t->size;
		return;
	}
	l->str_start = HEADER_SIZE + c->n * ENTRY_SIZE;
	l->ext_off = align_up(l->old_size + l->str_start + t->size, 4);
	l->hw_off = l->ext_off + 8 + 16 * (l->n_used ? 2 : 1);
	l->gen_off = l->hw_off + 4 * l->n_used;
	l->size = l->gen_off + strlen(c->generator);
}

/* String offsets count from the end of the old entries: past the new
 * part too in the compat format (glibc's old readers skip it). */
static void put_old(unsigned char *p, const struct ldcache *c, const struct strtab *t,
		    const struct layout *l)
{
	size_t j = 0;

	memcpy(p, OLD_MAGIC, strlen(OLD_MAGIC));
	store_uint(p + 12, 4, c->msb, l->n_old);
	for (size_t i = 0; i < c->n; i++) {
		const struct ldcache_entry *e = &c->ent[i];
		if (e->hwcaps >= 0)
			continue;
		unsigned char *q = p + OLD_HEADER + j++ * OLD_ENTRY;
		store_uint(q, 4, c->msb, (uint32_t)e->flags);
		store_uint(q + 4, 4, c->msb, l->str_start + strtab_off(t, e->soname));
		store_uint(q + 8, 4, c->msb, l->str_start + strtab_off(t, e->path));
	}
	if (j > 0 && j < l->n_old)
		memcpy(p + OLD_HEADER + j * OLD_ENTRY, p + OLD_HEADER + (j - 1) * OLD_ENTRY,
		       OLD_ENTRY);
}

unsigned char *ldcache_encode(struct ldcache *c, size_t *size)
{
	struct strtab t = { 0 };
	struct layout l = { 0 };
	unsigned char *p = NULL;

	if (!c->generator)
		BUG("ld.so.cache without a generator string");
	sort_hwcaps = (const char *const *)c->hwcaps;
	qsort(c->ent, c->n, sizeof(*c->ent), entry_order);
	l.index = malloc((c->n_hwcaps + 1) * sizeof(*l.index));
	if (!l.index) {
		error(NULL, "out of memory");
		goto out;
	}
	if (build_strtab(c, &t) < 0 || hwcaps_indices(c, l.index, &l.n_used) < 0)
		goto out;
	place(c, &t, &l);
	if (l.size > UINT32_MAX) {
		error(NULL, "ld.so.cache too large");
		goto out;
	}
	p = calloc(1, l.size);
	if (!p) {
		error(NULL, "out of memory");
		goto out;
	}
	if (c->format != LDCACHE_NEW)
		put_old(p, c, &t, &l);
	if (c->format != LDCACHE_OLD) {
		put_header(p + l.old_size, c, &t, &l);
		put_entries(p + l.old_size, c, &t, &l);
		put_extensions(p, c, &t, &l);
	}
	memcpy(p + l.old_size + l.str_start, t.bytes, t.size);
	*size = l.size;
out:
	free(l.index);
	free(t.v);
	free(t.bytes);
	return p;
}

/* ---- decoding, for any target ---------------------------------------- */

/* A NUL-terminated string at `off` inside the file, or NULL. */
static const char *string_at(const unsigned char *p, size_t size, uint64_t off)
{
	if (off >= size || !memchr(p + off, '\0', size - off))
		return NULL;
	return (const char *)p + off;
}

static int decode_extensions(struct ldcache *c, const unsigned char *p, size_t size,
			     uint64_t off, const char **why)
{
	if (off == 0 || !range_ok(off, 8, size) || load_uint(p + off, 4, c->msb) != EXT_MAGIC)
		return 0;                /* no extensions: glibc before 2.33 */
	uint64_t count = load_uint(p + off + 4, 4, c->msb);
	if (count > (size - off - 8) / 16) {
		*why = "extension directory past the end of the file";
		return -1;
	}
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *s = p + off + 8 + 16 * i;
		uint64_t tag = load_uint(s, 4, c->msb), o = load_uint(s + 8, 4, c->msb);
		uint64_t n = load_uint(s + 12, 4, c->msb);
		if (!range_ok(o, n, size)) {
			*why = "extension section past the end of the file";
			return -1;
		}
		if (tag == EXT_TAG_GENERATOR && !c->generator
		    && !(c->generator = strndup((const char *)p + o, n))) {
			*why = NULL;
			return error(NULL, "out of memory");
		}
		for (uint64_t h = 0; tag == EXT_TAG_HWCAPS && h < n / 4; h++) {
			const char *name = string_at(p, size, load_uint(p + o + 4 * h, 4, c->msb));
			if (!name) {
				*why = "glibc-hwcaps name outside the file";
				return -1;
			}
			if (ldcache_hwcaps_index(c, name) < 0) {
				*why = NULL;
				return -1;
			}
		}
	}
	return 0;
}

static int decode_entries(struct ldcache *c, const unsigned char *p, size_t size,
			  size_t base, size_t str_base, uint64_t n, size_t entsize,
			  const char **why)
{
	if (n > (size - base) / entsize) {
		*why = "more entries than the file holds";
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *q = p + base + i * entsize;
		const char *key = string_at(p, size, str_base + load_uint(q + 4, 4, c->msb));
		const char *val = string_at(p, size, str_base + load_uint(q + 8, 4, c->msb));
		if (!key || !val) {
			*why = "string offset outside the file";
			return -1;
		}
		if (ldcache_add(c, key, val, (int32_t)load_uint(q, 4, c->msb), -1, 0) < 0) {
			*why = NULL;
			return -1;
		}
		if (entsize == ENTRY_SIZE) {
			uint64_t hw = load_uint(q + 16, 8, c->msb);
			c->ent[c->n - 1].hwcap = hw;
			if (hw & HWCAP_EXTENSION)
				c->ent[c->n - 1].hwcaps = (int)(uint32_t)hw;
		}
	}
	return 0;
}

static int decode_new(struct ldcache *c, const unsigned char *p, size_t size, size_t at,
		      const char **why)
{
	const unsigned char *h = p + at;

	if (h[28] == ENDIAN_BIG || h[28] == ENDIAN_LITTLE)
		c->msb = h[28] == ENDIAN_BIG;
	else if (load_uint(h + 20, 4, false) > load_uint(h + 20, 4, true))
		c->msb = true;   /* flags 0 (before glibc 2.32): guess by size */
	if (decode_entries(c, p, size, at + HEADER_SIZE, at, load_uint(h + 20, 4, c->msb),
			   ENTRY_SIZE, why) < 0)
		return -1;
	if (decode_extensions(c, p, size, load_uint(h + 32, 4, c->msb), why) < 0)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (c->ent[i].hwcaps >= (int)c->n_hwcaps)
			c->ent[i].hwcaps = -1;
	return 0;
}

int ldcache_decode(struct ldcache *c, const unsigned char *p, size_t size, const char **why)
{
	size_t nl = strlen(NEW_MAGIC), ol = strlen(OLD_MAGIC);

	*why = "not an ld.so.cache file";
	if (size >= HEADER_SIZE && memcmp(p, NEW_MAGIC, nl) == 0)
		return decode_new(c, p, size, 0, why);
	if (size < OLD_HEADER || memcmp(p, OLD_MAGIC, ol) != 0)
		return -1;
	/* The old format; the new one may follow it (ldconfig -c compat). */
	uint64_t n = load_uint(p + 12, 4, false);
	if (n > (size - OLD_HEADER) / OLD_ENTRY)
		c->msb = true, n = load_uint(p + 12, 4, true);
	if (n > (size - OLD_HEADER) / OLD_ENTRY) {
		*why = "more entries than the file holds";
		return -1;
	}
	size_t at = (size_t)align_up(OLD_HEADER + n * OLD_ENTRY, 8);
	if (range_ok(at, HEADER_SIZE, size) && memcmp(p + at, NEW_MAGIC, nl) == 0)
		return decode_new(c, p, size, at, why);
	return decode_entries(c, p, size, OLD_HEADER, OLD_HEADER + n * OLD_ENTRY, n,
			      OLD_ENTRY, why);
}

static const char *abi_name(int32_t flags)
{
	switch (flags & 0xff00) {
	case 0x0100: case 0x0400: case 0x0500: case 0x0700: return ",64bit";
	case 0x0200: return ",IA-64";
	case LDCACHE_FLAG_X8664_LIB64: return ",x86-64";
	case 0x0600: return ",N32";
	case LDCACHE_FLAG_X8664_LIBX32: return ",x32";
	case LDCACHE_FLAG_ARM_LIBHF: return ",hard-float";
	case LDCACHE_FLAG_AARCH64_LIB64: return ",AArch64";
	case LDCACHE_FLAG_ARM_LIBSF: case 0x0f00: return ",soft-float";
	case 0x0c00: return ",nan2008";
	case 0x0d00: return ",N32,nan2008";
	case 0x0e00: return ",64bit,nan2008";
	case 0x1000: return ",double-float";
	default: return "";
	}
}

/* The same lines as ldconfig -p (elf/cache.c print_entry()). */
void ldcache_print(const struct ldcache *c, const char *name, FILE *out)
{
	static const char *const type[] = { "libc4", "ELF", "libc5", "libc6" };

	fprintf(out, "%zu libs found in cache `%s'\n", c->n, name);
	for (size_t i = 0; i < c->n; i++) {
		const struct ldcache_entry *e = &c->ent[i];
		unsigned t = (unsigned)e->flags & 0xff;
		fprintf(out, "\t%s (%s%s", e->soname, t < 4 ? type[t] : "unknown", abi_name(e->flags));
		if ((e->flags & 0xff00) && !*abi_name(e->flags))
			fprintf(out, ",%d", (int)(e->flags & 0xff00));
		if (e->hwcaps >= 0)
			fprintf(out, ", hwcap: \"%s\"", c->hwcaps[e->hwcaps]);
		else if (e->hwcap)
			fprintf(out, ", hwcap: %#.16llx", (unsigned long long)e->hwcap);
		fprintf(out, ") => %s\n", e->path);
	}
	if (c->generator)
		fprintf(out, "Cache generated by: %s\n", c->generator);
}

/* ---- files ------------------------------------------------------------ */

int ldcache_read_file(const char *path, char **buf, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;

	*buf = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 30)) {
		int e = errno;
		if (e == 0 || !S_ISREG(st.st_mode))
			e = EINVAL;
		else if (st.st_size > (1 << 30))
			e = EFBIG;
		close(fd);
		errno = e;
		return -1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	while (*buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n == 0)
				break;
			if (errno == EINTR)
				continue;
			free(*buf);
			*buf = NULL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!*buf)
		return -1;
	*size = got;
	return 0;
}

int ldcache_load(struct ldcache *c, const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	const char *why = NULL;

	if (ldcache_read_file(path, &buf, &size) < 0) {
		if (errno == ENOENT)
			return 1;
		return error(path, "cannot read: %s", strerror(errno));
	}
	int rc = ldcache_decode(c, (const unsigned char *)buf, size, &why);
	free(buf);
	if (rc < 0 && why)
		error(path, "%s", why);
	return rc < 0 ? -1 : 0;
}
