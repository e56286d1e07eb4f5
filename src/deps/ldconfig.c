#include <config.h>

#include "deps/ldconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "deps/ldcache.h"
#include "deps/ldconf.h"
#include "deps/loader.h"

/* One directory to scan, in ldconfig's order: ld.so.conf's, the trusted
 * ones, then the glibc-hwcaps subdirectories found on the way. */
struct scan_dir {
	char *path;
	dev_t dev;
	ino_t ino;
	int hwcaps;              /* subdirectory name index, -1 none */
};

/* A library of one directory (ldconfig.c search_dir(): struct dlib_entry). */
struct dlib {
	char *name, *soname;
	int32_t flags;
	uint32_t isa_level;      /* x86: the ISA level it needs */
	bool is_link;
};

struct scan {
	const struct options *o;
	struct sysroot root;
	struct scan_dir *dirs;
	size_t n_dirs;
	struct ldcache cache;
	struct dlib *libs;
	size_t n_libs;
	int msb;                 /* of the first library read, -1 before */
	const char *triplet;     /* Debian multiarch tuple, NULL none */
	int failed;
};

/* ldconfig's add_single_dir(): the first directory of each inode. */
static int add_dir(struct scan *s, const char *path, int hwcaps)
{
	struct stat st;
	char *host = sysroot_path(&s->root, path);

	if (!host)
		return error(NULL, "out of memory");
	int rc = stat(host, &st);
	free(host);
	if (rc < 0 || !S_ISDIR(st.st_mode)) {
		trace(s->o->debug, path, "no such directory");
		return 0;
	}
	for (size_t i = 0; i < s->n_dirs; i++)
		if (s->dirs[i].dev == st.st_dev && s->dirs[i].ino == st.st_ino)
			return 0;
	struct scan_dir *d = realloc(s->dirs, (s->n_dirs + 1) * sizeof(*d));
	if (!d)
		return error(NULL, "out of memory");
	s->dirs = d;
	d[s->n_dirs] = (struct scan_dir){ strdup(path), st.st_dev, st.st_ino, hwcaps };
	if (!d[s->n_dirs].path)
		return error(NULL, "out of memory");
	s->n_dirs++;
	return 0;
}

/* The trusted directories of Debian's glibc: its multiarch pair, then
 * /lib and /usr/lib (upstream's slibdir and libdir).  The target is the
 * multiarch tuple whose loader ROOT holds. */
static int add_trusted_dirs(struct scan *s)
{
	const char *t = s->triplet = ld_multiarch_of_root(&s->root);
	char a[64], b[64];

	if (t) {
		snprintf(a, sizeof(a), "/lib/%s", t);
		snprintf(b, sizeof(b), "/usr/lib/%s", t);
		trace(s->o->debug, s->root.given, "trusted directories of %s", t);
		if (add_dir(s, a, -1) < 0 || add_dir(s, b, -1) < 0)
			return -1;
	}
	return add_dir(s, "/lib", -1) < 0 || add_dir(s, "/usr/lib", -1) < 0 ? -1 : 0;
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) < 0)
		return NULL;
	return p;
}

/* Which readelflib.c the target's ldconfig was built with. */
enum family { FAMILY_OTHER, FAMILY_ARM, FAMILY_X86 };

static enum family family_of(const char *triplet, uint16_t machine)
{
	if (triplet)
		return strncmp(triplet, "arm", 3) == 0 || strncmp(triplet, "aarch64", 7) == 0
		       ? FAMILY_ARM
		       : strncmp(triplet, "x86_64", 6) == 0 || strncmp(triplet, "i386", 4) == 0
		       ? FAMILY_X86 : FAMILY_OTHER;
	/* No multiarch directory: the library's own machine tells. */
	return machine == EM_ARM || machine == EM_AARCH64 ? FAMILY_ARM
	       : machine == EM_X86_64 || machine == EM_386 ? FAMILY_X86 : FAMILY_OTHER;
}

/* elf/readelflib.c: FLAG_ELF, or libc6 for a library that needs libc.so.6
 * or libm.so.6 (ldconfig's known_libs). */
static int32_t generic_flags(const struct dso *d)
{
	for (size_t i = 0; i < d->n_needed; i++)
		if (strcmp(d->needed[i], "libc.so.6") == 0 || strcmp(d->needed[i], "libm.so.6") == 0)
			return LDCACHE_FLAG_ELF_LIBC6;
	return 0x0001;
}

/* sysdeps/unix/sysv/linux/{arm,aarch64,x86}/readelflib.c: the entry's
 * flags; -1 when the target's ldconfig leaves the file out ("is for
 * unknown machine").  ARM's looks at the class and float ABI only. */
static int32_t lib_flags(const struct dso *d, enum family f)
{
	const struct xehdr *eh = &d->img.eh;
	int32_t libc6 = LDCACHE_FLAG_ELF_LIBC6;

	if (f == FAMILY_ARM && d->img.cls.is64)
		return libc6 | LDCACHE_FLAG_AARCH64_LIB64;
	if (f == FAMILY_ARM && (eh->flags & 0xff000000) == 0x05000000)
		return eh->flags & 0x400 ? libc6 | LDCACHE_FLAG_ARM_LIBHF
		       : eh->flags & 0x200 ? libc6 | LDCACHE_FLAG_ARM_LIBSF : libc6;
	if (f == FAMILY_X86 && eh->machine == EM_X86_64)
		return libc6 | (d->img.cls.is64 ? LDCACHE_FLAG_X8664_LIB64
				: LDCACHE_FLAG_X8664_LIBX32);
	if (f == FAMILY_X86 && (eh->machine != EM_386 || d->img.cls.is64))
		return -1;
	return generic_flags(d);
}

#ifndef PT_GNU_PROPERTY
#define PT_GNU_PROPERTY 0x6474e553
#endif
#define NOTE_PROPERTY 5          /* NT_GNU_PROPERTY_TYPE_0 */
#define X86_ISA_1_NEEDED 0xc0008002u

/* The x86 ISA level a library needs (sysdeps/x86/read-prop.h, after
 * elf/readelflib.c): the highest bit of GNU_PROPERTY_X86_ISA_1_NEEDED in
 * the PT_GNU_PROPERTY note, 0 when there is none.  Properties come in
 * ascending order; anything malformed ends the reading. */
static uint32_t isa_level_of(const struct elf_image *img)
{
	size_t word = img->cls.is64 ? 8 : 4;
	bool msb = img->cls.msb;

	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *ph = &img->ph[i];
		if (ph->type != PT_GNU_PROPERTY || ph->align != word
		    || !range_ok(ph->offset, ph->filesz, img->size) || ph->filesz < 16)
			continue;
		const unsigned char *n = img->map + ph->offset;
		uint64_t namesz = load_uint(n, 4, msb), descsz = load_uint(n + 4, 4, msb);
		if (namesz != 4 || load_uint(n + 8, 4, msb) != NOTE_PROPERTY
		    || memcmp(n + 12, "GNU", 4) != 0 || descsz < 8 || descsz % word
		    || descsz > ph->filesz - 16)
			return 0;
		const unsigned char *p = n + 16, *end = p + descsz;
		uint64_t last = 0;
		while (end - p >= 8) {
			uint64_t type = load_uint(p, 4, msb), size = load_uint(p + 4, 4, msb);
			p += 8;
			if (type < last || size > (uint64_t)(end - p) || type > X86_ISA_1_NEEDED)
				return 0;
			if (type == X86_ISA_1_NEEDED) {
				uint32_t v = size == 4 ? (uint32_t)load_uint(p, 4, msb) : 0;
				uint32_t level = 0;
				while (v >>= 1)
					level++;
				return level;
			}
			last = type;
			p += align_up(size, word) <= (uint64_t)(end - p) ? align_up(size, word)
									 : (uint64_t)(end - p);
		}
		return 0;
	}
	return 0;
}

/* The soname and flags of the ELF shared object at `host`: false when
 * ldconfig leaves the file out (not ELF, no dynamic section). */
static bool read_lib(const char *host, const char *name, const char *triplet, char **soname,
		     int32_t *flags, uint32_t *isa, int *msb)
{
	unsigned char mag[SELFMAG];
	int fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n = fd >= 0 ? read(fd, mag, sizeof(mag)) : -1;
	struct dso d = { 0 };
	bool ok = false;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(mag) || memcmp(mag, ELFMAG, SELFMAG) != 0)
		return false;
	d.host = (char *)host;
	if (dso_load(&d) == 0 && d.has_dyn
	    && (*flags = lib_flags(&d, family_of(triplet, d.img.eh.machine))) >= 0) {
		*soname = strdup(d.soname ? d.soname : name);
		if (family_of(triplet, d.img.eh.machine) == FAMILY_X86)
			*isa = isa_level_of(&d.img);
		if (*msb < 0)
			*msb = d.img.cls.msb;
		ok = *soname != NULL;
	}
	dso_unload(&d);
	return ok;
}

/* glibc's _dl_is_dso(). */
static bool looks_like_library(const char *name)
{
	return (strncmp(name, "lib", 3) == 0 || strncmp(name, "ld-", 3) == 0)
	       && strstr(name, ".so") != NULL;
}

/* A link keeps its own name in the cache only when that name is the
 * soname of what it leads to, or is the "libfoo.so" link of ld(1) to it;
 * any other link counts as a file (ldconfig.c search_dir(), which
 * compares the link's own name, not its target's). */
static bool still_link(const char *name, const char *soname)
{
	size_t len = strlen(name);

	if (strcmp(name, soname) == 0)
		return true;
	return len >= 3 && strcmp(name + len - 3, ".so") == 0 && strncmp(name, soname, len) == 0;
}

/* Per soname, a file before a link, else the newer name. */
static int keep_lib(struct scan *s, char *name, char *soname, int32_t flags, uint32_t isa,
		    bool is_link)
{
	for (size_t i = 0; i < s->n_libs; i++) {
		struct dlib *l = &s->libs[i];
		if (strcmp(l->soname, soname) != 0)
			continue;
		free(soname);
		if ((!is_link && l->is_link)
		    || (is_link == l->is_link && ldconf_libcmp(l->name, name) < 0)) {
			free(l->name);
			*l = (struct dlib){ name, l->soname, flags, isa, is_link };
		} else {
			free(name);
		}
		return 0;
	}
	struct dlib *l = realloc(s->libs, (s->n_libs + 1) * sizeof(*l));
	if (!l) {
		free(name);
		free(soname);
		return error(NULL, "out of memory");
	}
	s->libs = l;
	l[s->n_libs++] = (struct dlib){ name, soname, flags, isa, is_link };
	return 0;
}

static int add_hwcaps_dirs(struct scan *s, const char *dir);

/* One directory entry: a library, or the glibc-hwcaps directory. */
static int scan_entry(struct scan *s, const struct scan_dir *d, const char *host,
		      const char *name)
{
	struct stat lst, st;
	char *file = join(host, name), *soname = NULL, *own = NULL;
	int32_t flags = 0;
	uint32_t isa = 0;
	int rc = 0;

	if (!file)
		return error(NULL, "out of memory");
	if (lstat(file, &lst) < 0 || stat(file, &st) < 0)
		goto out;
	if (S_ISDIR(st.st_mode) && d->hwcaps < 0 && strcmp(name, "glibc-hwcaps") == 0) {
		char *sub = join(d->path, name);
		rc = sub ? add_hwcaps_dirs(s, sub) : error(NULL, "out of memory");
		free(sub);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || !looks_like_library(name) || strstr(name, ".#prelink#"))
		goto out;
	if (!read_lib(file, name, s->triplet, &soname, &flags, &isa, &s->msb))
		goto out;
	bool is_link = S_ISLNK(lst.st_mode) && still_link(name, soname);
	if (is_link) {
		free(soname);
		soname = strdup(name);
	}
	own = strdup(name);
	if (!own || !soname) {
		free(own);
		free(soname);
		rc = error(NULL, "out of memory");
		goto out;
	}
	rc = keep_lib(s, own, soname, flags, isa, is_link);
out:
	free(file);
	return rc;
}

/* ldconfig.c add_glibc_hwcaps_subdirectories(): every subdirectory is
 * scanned after the other directories; its name enters the string table
 * even when it holds no library. */
static int add_hwcaps_dirs(struct scan *s, const char *dir)
{
	char *host = sysroot_path(&s->root, dir);
	DIR *dp = host ? opendir(host) : NULL;
	struct dirent *de;
	int rc = host ? 0 : error(NULL, "out of memory");

	while (dp && rc == 0 && (de = readdir(dp)) != NULL) {
		struct stat st;
		char *h = NULL, *t = NULL;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!(h = join(host, de->d_name)) || !(t = join(dir, de->d_name))) {
			rc = error(NULL, "out of memory");
		} else if (stat(h, &st) == 0 && S_ISDIR(st.st_mode)) {
			int idx = ldcache_hwcaps_index(&s->cache, de->d_name);
			rc = idx < 0 ? -1 : add_dir(s, t, idx);
		}
		free(h);
		free(t);
	}
	if (dp)
		closedir(dp);
	free(host);
	return rc;
}

/* ldconfig.c create_links(): DIR/SONAME -> NAME unless it already leads
 * to the same file; a file that is not a link is never replaced. */
static int make_link(struct scan *s, const char *host, const struct dlib *l)
{
	struct stat lib, so, lso;
	char *fl = join(host, l->name), *fs = join(host, l->soname);
	int rc = 0;

	if (!fl || !fs) {
		rc = error(NULL, "out of memory");
		goto out;
	}
	bool exists = stat(fs, &so) == 0, is_link = lstat(fs, &lso) == 0 && S_ISLNK(lso.st_mode);
	if (exists && stat(fl, &lib) == 0 && lib.st_dev == so.st_dev && lib.st_ino == so.st_ino)
		goto out;
	if (lstat(fs, &lso) == 0 && !is_link) {
		warning(fs, "not a symbolic link: left alone");
		goto out;
	}
	trace(s->o->debug, fs, "link to %s", l->name);
	if (s->o->dry_run || s->o->ldconfig_no_links)
		goto out;
	if (is_link && unlink(fs) < 0) {
		rc = error(fs, "cannot remove the old link: %s", strerror(errno));
		goto out;
	}
	if (symlink(l->name, fs) < 0)
		rc = error(fs, "cannot create the link: %s", strerror(errno));
out:
	free(fl);
	free(fs);
	return rc;
}

static int scan_one(struct scan *s, size_t i)
{
	const struct scan_dir d = s->dirs[i];
	char *host = sysroot_path(&s->root, d.path);
	DIR *dp = host ? opendir(host) : NULL;
	struct dirent *de;
	int rc = host ? 0 : error(NULL, "out of memory");

	trace(s->o->debug, d.path, "scanning%s", d.hwcaps >= 0 ? " (glibc-hwcaps)" : "");
	while (dp && rc == 0 && (de = readdir(dp)) != NULL)
		rc = scan_entry(s, &d, host, de->d_name);
	if (dp)
		closedir(dp);
	/* ldconfig walks its list newest first; only equal sonames of
	 * different directories keep an order in the cache. */
	for (size_t j = s->n_libs; rc == 0 && j-- > 0;) {
		const struct dlib *l = &s->libs[j];
		const char *file = d.hwcaps >= 0 ? l->name : l->soname;
		char *path = join(d.path, file);
		if (d.hwcaps < 0 && !l->is_link && make_link(s, host, l) < 0)
			s->failed++;
		rc = path ? ldcache_add(&s->cache, l->soname, path, l->flags, d.hwcaps,
					      l->isa_level)
			  : error(NULL, "out of memory");
		free(path);
	}
	for (size_t j = 0; j < s->n_libs; j++) {
		free(s->libs[j].name);
		free(s->libs[j].soname);
	}
	s->n_libs = 0;
	free(host);
	return rc;
}

/* The generator string the target's ldconfig writes is its libc's
 * banner: "ldconfig " PKGVERSION RELEASE " release version " VERSION,
 * where libc.so.6 says "GNU C Library " the same ".".  Also the target's
 * byte order. */
static char *generator_of(struct scan *s)
{
	const char *env = getenv("ELFPATCH_LDCONFIG_GENERATOR"), *key = "GNU C Library ";
	char *res = NULL;

	if (env && *env)
		return strdup(env);
	for (size_t i = 0; i < s->cache.n && !res; i++) {
		if (strcmp(s->cache.ent[i].soname, "libc.so.6") != 0 || s->cache.ent[i].hwcaps >= 0)
			continue;
		char *host = sysroot_path(&s->root, s->cache.ent[i].path), *buf = NULL;
		size_t size = 0;
		if (host && ldcache_read_file(host, &buf, &size) == 0) {
			if (size > EI_DATA && memcmp(buf, ELFMAG, SELFMAG) == 0)
				s->msb = buf[EI_DATA] == ELFDATA2MSB;
			const char *b = memmem(buf, size, key, strlen(key));
			const char *e = b ? memchr(b, '\n', size - (size_t)(b - buf)) : NULL;
			if (e && e[-1] == '.')
				e--;
			if (e && asprintf(&res, "ldconfig %.*s", (int)(e - b - strlen(key)),
					  b + strlen(key)) < 0)
				res = NULL;
			if (res)
				trace(s->o->debug, host, "generator: %s", res);
		}
		free(buf);
		free(host);
	}
	if (!res && asprintf(&res, "elfpatch %s", PACKAGE_VERSION) < 0)
		return NULL;
	return res;
}

/* ROOT/etc/ld.so.cache is a link that leads nowhere (`path`, where it
 * leads, does not exist): its name was never checked by anyone. */
static bool dangling(struct scan *s, const char *path)
{
	char *etc = sysroot_path(&s->root, "/etc"), *raw = etc ? join(etc, "ld.so.cache") : NULL;
	struct stat st;
	bool res = !raw || (lstat(raw, &st) == 0 && S_ISLNK(st.st_mode) && lstat(path, &st) < 0);

	free(etc);
	free(raw);
	return res;
}

/* ldconfig's cache name and the rules of --output: a link is followed
 * (inside ROOT), never replaced; nothing but a regular file is. */
static int write_cache(struct scan *s, const unsigned char *bytes, size_t size)
{
	char *path = sysroot_path(&s->root, "/etc/ld.so.cache"), *tmp = NULL;
	struct stat st;
	int fd = -1, rc = -1;
	bool made = false;

	if (!path || asprintf(&tmp, "%s.elfpatch-XXXXXX", path) < 0) {
		tmp = NULL;
		error(NULL, "out of memory");
		goto out;
	}
	if (dangling(s, path) || (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
		error(path, "not a regular file: left alone");
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		error(tmp, "cannot create: %s", strerror(errno));
		goto out;
	}
	made = true;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, bytes + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error(tmp, "cannot write: %s", strerror(n < 0 ? errno : ENOSPC));
			goto out;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		error(tmp, "cannot write: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	/* Whatever took the cache's place meanwhile is not replaced. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		error(path, "replaced by something other than a regular file: left alone");
		goto out;
	}
	if (rename(tmp, path) < 0) {
		error(path, "cannot rename the temporary file into place: %s", strerror(errno));
		goto out;
	}
	trace(s->o->debug, path, "written: %zu entries, %zu bytes", s->cache.n, size);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && made)
		unlink(tmp);
	free(tmp);
	free(path);
	return rc;
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n_dirs; i++)
		free(s->dirs[i].path);
	free(s->dirs);
	free(s->libs);
	ldcache_free(&s->cache);
	sysroot_free(&s->root);
}

static int scan_root(struct scan *s)
{
	struct ldconf conf = { 0 };
	int rc = ldconf_load(&conf, &s->root, s->o->debug);

	for (size_t i = 0; rc == 0 && i < conf.n; i++)
		rc = add_dir(s, conf.dirs[i].path, -1);
	ldconf_free(&conf);
	if (rc == 0)
		rc = add_trusted_dirs(s);
	/* scan_one() may append glibc-hwcaps subdirectories. */
	for (size_t i = 0; rc == 0 && i < s->n_dirs; i++)
		rc = scan_one(s, i);
	return rc;
}

int ldconfig_run(const struct options *o)
{
	struct scan s = { .o = o, .msb = -1 };
	unsigned char *bytes = NULL;
	size_t size = 0;
	int rc = EXIT_FAILURE;

	if (sysroot_init(&s.root, o->root) < 0)
		return EXIT_FAILURE;
	if (scan_root(&s) < 0 || !(s.cache.generator = generator_of(&s)))
		goto out;
	s.cache.msb = s.msb > 0;
	s.cache.format = o->ldconfig_format == 1 ? LDCACHE_OLD
			 : o->ldconfig_format == 2 ? LDCACHE_COMPAT : LDCACHE_NEW;
	if (!o->ldconfig_no_cache && !o->dry_run) {
		if (!(bytes = ldcache_encode(&s.cache, &size)) || write_cache(&s, bytes, size) < 0)
			goto out;
	}
	rc = s.failed ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	free(bytes);
	scan_free(&s);
	return rc;
}

int print_cache_run(const struct options *o)
{
	struct sysroot r;
	struct ldcache c = { 0 };
	char *path = NULL;
	int rc = EXIT_FAILURE;

	if (sysroot_init(&r, o->root) < 0)
		return EXIT_FAILURE;
	if (!(path = sysroot_path(&r, "/etc/ld.so.cache"))) {
		error(NULL, "out of memory");
		goto out;
	}
	int st = ldcache_load(&c, path);
	if (st > 0)
		error(path, "cannot read: %s", strerror(ENOENT));
	if (st != 0)
		goto out;
	ldcache_print(&c, "/etc/ld.so.cache", stdout);
	rc = EXIT_SUCCESS;
out:
	ldcache_free(&c);
	free(path);
	sysroot_free(&r);
	return rc;
}
