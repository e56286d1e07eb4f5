#include <config.h>

#include "deps/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/print.h"
#include "elf/validate.h"

#ifndef EF_ARM_EABIMASK
#define EF_ARM_EABIMASK 0xff000000
#endif
#ifndef EF_ARM_EABI_VER5
#define EF_ARM_EABI_VER5 0x05000000
#endif

/* Version tables are walked by offsets read from the file; a cycle or a
 * huge count must not keep us busy. */
#define MAX_VERSION_RECORDS 65536

/* ---- the target ----------------------------------------------------- */

struct machine_info {
	uint16_t machine;
	bool is64, msb, any_data;
	int arm;                    /* 1 hard, 0 soft, -1 not ARM */
	const char *triplet, *platform, *rtld, *upstream_lib;
};

/* Debian's multiarch tuples and loaders; upstream_lib is glibc's own
 * slibdir for the ABI (lib64 on the 64-bit ABIs that have a 32-bit
 * sibling).  $PLATFORM is the kernel's AT_PLATFORM, which depends on the
 * CPU: these are common values (ELFPATCH_PLATFORM overrides them). */
static const struct machine_info machines[] = {
	{ EM_ARM, false, false, false, 1, "arm-linux-gnueabihf", "v7l",
	  "/lib/ld-linux-armhf.so.3", "lib" },
	{ EM_ARM, false, false, false, 0, "arm-linux-gnueabi", "v5l",
	  "/lib/ld-linux.so.3", "lib" },
	{ EM_AARCH64, true, false, false, -1, "aarch64-linux-gnu", "aarch64",
	  "/lib/ld-linux-aarch64.so.1", "lib64" },
	{ EM_X86_64, true, false, false, -1, "x86_64-linux-gnu", "x86_64",
	  "/lib64/ld-linux-x86-64.so.2", "lib64" },
	{ EM_X86_64, false, false, false, -1, "x86_64-linux-gnux32", "x86_64",
	  "/libx32/ld-linux-x32.so.2", "libx32" },
	{ EM_386, false, false, false, -1, "i386-linux-gnu", "i686",
	  "/lib/ld-linux.so.2", "lib" },
	{ EM_PPC, false, true, false, -1, "powerpc-linux-gnu", "ppc",
	  "/lib/ld.so.1", "lib" },
	{ EM_PPC64, true, true, false, -1, "powerpc64-linux-gnu", "power8",
	  "/lib64/ld64.so.1", "lib64" },
	{ EM_PPC64, true, false, false, -1, "powerpc64le-linux-gnu", "power8",
	  "/lib64/ld64.so.2", "lib64" },
	{ EM_S390, true, true, false, -1, "s390x-linux-gnu", "z900",
	  "/lib/ld64.so.1", "lib64" },
	{ EM_RISCV, true, false, false, -1, "riscv64-linux-gnu", NULL,
	  "/lib/ld-linux-riscv64-lp64d.so.1", "lib64/lp64d" },
};

static bool is_dir(const struct sysroot *r, const char *target)
{
	struct stat st;
	char *h = sysroot_path(r, target);
	bool ok = h && stat(h, &st) == 0 && S_ISDIR(st.st_mode);

	free(h);
	return ok;
}

static char *fmt(const char *f, ...) PRINTF_LIKE(1, 2);
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void target_free(struct ld_target *t)
{
	free(t->lib);
	for (size_t i = 0; i < t->n_dirs; i++)
		free(t->dirs[i]);
	t->lib = NULL;
	t->n_dirs = 0;
}

/* The default directories depend on how the target's glibc was built:
 * Debian's multiarch loader searches /lib/TRIPLET, /usr/lib/TRIPLET, /lib,
 * /usr/lib; upstream's searches its slibdir and libdir only (/lib64 and
 * /usr/lib64 on x86-64).  The root filesystem's layout tells which. */
static int target_init(struct ld_target *t, const struct elf_image *img, const struct sysroot *r)
{
	const struct machine_info *m = NULL;
	const char *lib = "lib";

	memset(t, 0, sizeof(*t));
	t->cls = img->cls;
	t->machine = img->eh.machine;
	t->arm_hard = t->machine == EM_ARM && (img->eh.flags & EF_ARM_ABI_FLOAT_HARD);
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		const struct machine_info *c = &machines[i];
		if (c->machine != t->machine || c->is64 != t->cls.is64
		    || (c->msb != t->cls.msb && !c->any_data)
		    || (c->arm >= 0 && c->arm != (int)t->arm_hard))
			continue;
		m = c;
		break;
	}
	if (m) {
		t->triplet = m->triplet;
		t->platform = m->platform;
		t->rtld = m->rtld;
		lib = m->upstream_lib;
	}
	const char *plat = getenv("ELFPATCH_PLATFORM");
	if (plat && *plat)
		t->platform = plat;
	char *la = NULL, *lb = NULL;
	if (t->triplet) {
		la = fmt("/lib/%s", t->triplet);
		lb = fmt("/usr/lib/%s", t->triplet);
		if (!la || !lb)
			goto oom;
		t->multiarch = is_dir(r, la) || is_dir(r, lb);
	}
	if (t->multiarch) {
		t->dirs[t->n_dirs++] = la;
		t->dirs[t->n_dirs++] = lb;
		la = lb = NULL;
		t->lib = fmt("lib/%s", t->triplet);
		if (!t->lib || !(t->dirs[t->n_dirs++] = strdup("/lib"))
		    || !(t->dirs[t->n_dirs++] = strdup("/usr/lib")))
			goto oom;
	} else {
		t->lib = strdup(lib);
		if (!t->lib || !(t->dirs[t->n_dirs++] = fmt("/%s", lib))
		    || !(t->dirs[t->n_dirs++] = fmt("/usr/%s", lib)))
			goto oom;
	}
	free(la);
	free(lb);
	return 0;
oom:
	free(la);
	free(lb);
	target_free(t);
	return error(NULL, "out of memory");
}

/* ---- candidates: dl-load.c's open_verify() --------------------------- */

enum verdict { V_SKIP, V_OK, V_FATAL };

/* Whether ld.so would take the file at `host`.  Absent files and files
 * for another class, byte order, machine or ARM float ABI are skipped
 * (glibc 2.36 goes on searching); anything else that is not a loadable
 * ELF object is a fatal error for ld.so (`why` says which). */
static enum verdict verify(const struct ld_target *t, const char *host, const char **why)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	size_t need = ehdr_size(t->cls);
	ssize_t n = 0, got;
	struct stat st;
	int fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return V_SKIP;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		*why = S_ISDIR(st.st_mode) ? "cannot read file data: Is a directory"
					   : "not a regular file";
		return V_FATAL;
	}
	while ((size_t)n < need && (got = read(fd, h + n, need - (size_t)n)) > 0)
		n += got;
	close(fd);
	if ((size_t)n < need) {
		*why = "file too short";
		return V_FATAL;
	}
	if (memcmp(h, ELFMAG, SELFMAG) != 0) {
		*why = "invalid ELF header";
		return V_FATAL;
	}
	if (h[EI_CLASS] != (t->cls.is64 ? ELFCLASS64 : ELFCLASS32)
	    || h[EI_DATA] != (t->cls.msb ? ELFDATA2MSB : ELFDATA2LSB))
		return V_SKIP;
	if (h[EI_VERSION] != EV_CURRENT) {
		*why = "ELF file version ident does not match current one";
		return V_FATAL;
	}
	unsigned abi = h[EI_OSABI];
	if (abi != ELFOSABI_SYSV && abi != ELFOSABI_GNU
	    && !(t->machine == EM_ARM && abi == ELFOSABI_ARM_AEABI)) {
		*why = "ELF file OS ABI invalid";
		return V_FATAL;
	}
	if (abi == ELFOSABI_SYSV && h[EI_ABIVERSION] != 0) {
		*why = "ELF file ABI version invalid";
		return V_FATAL;
	}
	for (size_t i = EI_PAD; i < EI_NIDENT; i++)
		if (h[i]) {
			*why = "nonzero padding in e_ident";
			return V_FATAL;
		}
	struct xehdr e;
	ehdr_decode(t->cls, h, &e);
	if (e.version != EV_CURRENT) {
		*why = "ELF file version does not match current one";
		return V_FATAL;
	}
	if (e.machine != t->machine)
		return V_SKIP;
	/* sysdeps/unix/sysv/linux/arm/ldsodefs.h: VALID_FLOAT_ABI */
	if (t->machine == EM_ARM && (e.flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5
	    && (e.flags & (t->arm_hard ? EF_ARM_ABI_FLOAT_SOFT : EF_ARM_ABI_FLOAT_HARD)))
		return V_SKIP;
	if (e.type != ET_DYN && e.type != ET_EXEC) {
		*why = "only ET_DYN and ET_EXEC can be loaded";
		return V_FATAL;
	}
	if (e.phentsize != phdr_size(t->cls)) {
		*why = "ELF file's phentsize not the expected size";
		return V_FATAL;
	}
	return V_OK;
}

/* ---- objects -------------------------------------------------------- */

bool dso_in_root(const struct dso *d)
{
	return d->state == DSO_FOUND && !d->host_side;
}

static int push(struct dso ***list, size_t *n, size_t *cap, struct dso *d)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dso **nl = realloc(*list, nc * sizeof(*nl));
		if (!nl)
			return error(NULL, "out of memory");
		*list = nl;
		*cap = nc;
	}
	(*list)[(*n)++] = d;
	return 0;
}

static int add_name(struct dso *d, const char *name)
{
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(d->names[i], name) == 0)
			return 0;
	char **nn = realloc(d->names, (d->n_names + 1) * sizeof(*nn));
	if (!nn)
		return error(NULL, "out of memory");
	d->names = nn;
	if (!(nn[d->n_names] = strdup(name)))
		return error(NULL, "out of memory");
	d->n_names++;
	return 0;
}

static void dso_free(struct dso *d)
{
	if (!d)
		return;
	if (d->mapped) {
		dynamic_free(&d->dyn);
		elf_image_close(&d->img);
	}
	for (size_t i = 0; i < d->n_names; i++)
		free(d->names[i]);
	free(d->names);
	free(d->name);
	free(d->path);
	free(d->host);
	free(d->origin);
	free(d->error);
	free(d->needed);
	free(d->deps);
	free(d->vneed);
	free(d->vdef);
	free(d);
}

static struct dso *dso_new(struct resolution *res, const char *name, struct dso *loader)
{
	struct dso *d = calloc(1, sizeof(*d));

	if (!d || !(d->name = strdup(name)) || push(&res->all, &res->n_all, &res->cap_all, d) < 0) {
		if (d)
			free(d->name);
		free(d);
		error(NULL, "out of memory");
		return NULL;
	}
	d->loader = loader;
	if (add_name(d, name) < 0)
		return NULL;
	return d;
}

/* l_origin: the directory part of the name the object was loaded by. */
static int set_origin(struct dso *d, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return 0;
	d->origin = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	return d->origin ? 0 : error(NULL, "out of memory");
}

static const unsigned char *at_vaddr(const struct dso *d, uint64_t vaddr, uint64_t len)
{
	uint64_t off;

	if (!vaddr_to_offset(&d->img, vaddr, len, &off))
		return NULL;
	return d->img.map + off;
}

static uint64_t u(const struct dso *d, const unsigned char *p, size_t w)
{
	return load_uint(p, w, d->img.cls.msb);
}

static uint64_t dyn_val(const struct dso *d, int64_t tag, bool *found)
{
	long i = dynamic_find(&d->dyn, tag, 0);

	if (found)
		*found = i >= 0;
	return i >= 0 ? d->dyn.ent[i].val : 0;
}

/* DT_VERNEED (.gnu.version_r): Elf_Verneed/Elf_Vernaux, same layout in
 * both classes. */
static int read_verneed(struct dso *d)
{
	bool have, have_num;
	uint64_t addr = dyn_val(d, DT_VERNEED, &have);
	uint64_t num = dyn_val(d, DT_VERNEEDNUM, &have_num);
	size_t records = 0;

	if (!have)
		return 0;
	for (uint64_t i = 0; !have_num || i < num; i++) {
		const unsigned char *vn = at_vaddr(d, addr, 16);
		if (!vn)
			return error(d->host, "version needs lie outside the file");
		const char *file = dynamic_str(&d->img, &d->dyn, u(d, vn + 4, 4));
		uint64_t cnt = u(d, vn + 2, 2), aux = addr + u(d, vn + 8, 4);
		for (uint64_t j = 0; j < cnt; j++) {
			const unsigned char *va = at_vaddr(d, aux, 16);
			if (!va || ++records > MAX_VERSION_RECORDS)
				return error(d->host, "version needs are corrupt");
			const char *ver = dynamic_str(&d->img, &d->dyn, u(d, va + 8, 4));
			if (file && ver) {
				struct vneed *nv = realloc(d->vneed, (d->n_vneed + 1) * sizeof(*nv));
				if (!nv)
					return error(NULL, "out of memory");
				d->vneed = nv;
				nv[d->n_vneed++] = (struct vneed){
					.file = file, .version = ver,
					.hash = (uint32_t)u(d, va, 4),
					.weak = (u(d, va + 4, 2) & VER_FLG_WEAK) != 0,
				};
			}
			uint64_t next = u(d, va + 12, 4);
			if (next == 0)
				break;
			aux += next;
		}
		uint64_t next = u(d, vn + 12, 4);
		if (next == 0 || ++records > MAX_VERSION_RECORDS)
			break;
		addr += next;
	}
	return 0;
}

/* DT_VERDEF (.gnu.version_d): the first Verdaux of each Verdef names it. */
static int read_verdef(struct dso *d)
{
	bool have;
	uint64_t addr = dyn_val(d, DT_VERDEF, &have);

	if (!have)
		return 0;
	d->has_verdef = true;
	for (size_t i = 0; i < MAX_VERSION_RECORDS; i++) {
		const unsigned char *vd = at_vaddr(d, addr, 20);
		if (!vd)
			return error(d->host, "version definitions lie outside the file");
		const unsigned char *va = at_vaddr(d, addr + u(d, vd + 12, 4), 8);
		const char *name = va ? dynamic_str(&d->img, &d->dyn, u(d, va, 4)) : NULL;
		if (name) {
			struct vdef *nd = realloc(d->vdef, (d->n_vdef + 1) * sizeof(*nd));
			if (!nd)
				return error(NULL, "out of memory");
			d->vdef = nd;
			nd[d->n_vdef++] = (struct vdef){ name, (uint32_t)u(d, vd + 8, 4) };
		}
		uint64_t next = u(d, vd + 16, 4);
		if (next == 0)
			break;
		addr += next;
	}
	return 0;
}

static const char *dyn_string(const struct dso *d, int64_t tag)
{
	long i = dynamic_find(&d->dyn, tag, 0);

	return i >= 0 ? dynamic_str(&d->img, &d->dyn, d->dyn.ent[i].val) : NULL;
}

/* Maps and decodes the object (the full validation of image.c and
 * validate.c: a loaded object is a file we trust no more than an input). */
static int dso_load(struct dso *d)
{
	struct stat st;

	if (elf_image_open(&d->img, d->host) < 0 || elf_validate(&d->img) < 0) {
		elf_image_close(&d->img);
		return -1;
	}
	d->mapped = true;
	d->size = d->img.size;
	if (stat(d->host, &st) == 0) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
	}
	int found = dynamic_load(&d->img, &d->dyn);
	if (found < 0)
		return -1;
	if (found > 0)
		return 0;
	d->has_dyn = true;
	d->soname = dyn_string(d, DT_SONAME);
	d->runpath = dyn_string(d, DT_RUNPATH);
	/* get-dynamic-info.h: "If both RUNPATH and RPATH are given, the
	 * latter is ignored." */
	d->rpath = d->runpath ? NULL : dyn_string(d, DT_RPATH);
	d->nodeflib = (dyn_val(d, DT_FLAGS_1, NULL) & DF_1_NODEFLIB) != 0;
	for (size_t i = 0; i < d->dyn.count; i++)
		if (d->dyn.ent[i].tag == DT_NEEDED)
			d->n_needed++;
	d->needed = calloc(d->n_needed + 1, sizeof(*d->needed));
	d->deps = calloc(d->n_needed + 1, sizeof(*d->deps));
	if (!d->needed || !d->deps)
		return error(NULL, "out of memory");
	for (size_t i = 0, k = 0; i < d->dyn.count; i++)
		if (d->dyn.ent[i].tag == DT_NEEDED)
			d->needed[k++] = dynamic_str(&d->img, &d->dyn, d->dyn.ent[i].val);
	if (read_verneed(d) < 0 || read_verdef(d) < 0)
		return -1;
	return 0;
}

/* ---- dynamic string tokens: dl-load.c's _dl_dst_substitute() --------- */

/* Length of the DST `ref` at `in` (just after the '$'), braces included,
 * or 0 when `in` does not start with it (is_dst()). */
static size_t is_dst(const char *in, const char *ref)
{
	bool curly = in[0] == '{';
	size_t n = strlen(ref);

	if (curly)
		in++;
	if (strncmp(in, ref, n) != 0)
		return 0;
	char c = in[n];
	if (curly ? c != '}' : ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
				|| (c >= '0' && c <= '9') || c == '_'))
		return 0;
	return curly ? n + 2 : n;
}

/* The element with DSTs replaced (malloc'd), or NULL when a DST has no
 * value (the element is then dropped, as ld.so drops it).  *host is set
 * when $ORIGIN made it a host path. */
static char *expand(const struct ld_target *t, const struct dso *l, const char *in, bool *host,
		    bool *oom)
{
	size_t cap = strlen(in) + 1, len = 0;
	char *out = malloc(cap);

	*host = false;
	*oom = false;
	if (!out)
		goto nomem;
	while (*in) {
		const char *repl = NULL;
		size_t n = 0;
		if (*in == '$') {
			if ((n = is_dst(in + 1, "ORIGIN")) != 0) {
				repl = l->origin;
				*host = l->host_side;
			} else if ((n = is_dst(in + 1, "PLATFORM")) != 0) {
				repl = t->platform;
			} else if ((n = is_dst(in + 1, "LIB")) != 0) {
				repl = t->lib;
			}
			if (n && !repl) {
				free(out);
				return NULL;
			}
		}
		const char *src = repl ? repl : in;
		size_t sl = repl ? strlen(repl) : 1;
		if (len + sl + 1 > cap) {
			cap = (len + sl + 1) * 2;
			char *no = realloc(out, cap);
			if (!no)
				goto nomem;
			out = no;
		}
		memcpy(out + len, src, sl);
		len += sl;
		in += repl ? n + 1 : 1;
	}
	out[len] = '\0';
	return out;
nomem:
	free(out);
	*oom = true;
	error(NULL, "out of memory");
	return NULL;
}

/* ---- searching ------------------------------------------------------ */

struct search {
	struct ld_env *env;
	struct resolution *res;
	bool use_llp;
	const char *file;           /* the FILE being resolved, for messages */
};

struct found {
	char *path, *host;
	const char *via;
	bool host_side;
	const char *fatal;          /* set: ld.so stops with this error */
};

static void found_free(struct found *f)
{
	free(f->path);
	free(f->host);
	f->path = f->host = NULL;
}

/* dir + "/" + name as dl-load.c builds it (trailing slashes of `dir`
 * removed, one added). */
static char *dir_file(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	char *s = malloc(n + 1 + strlen(name) + 1);
	if (!s)
		return NULL;
	memcpy(s, dir, n);
	if (n == 0 || s[n - 1] != '/')
		s[n++] = '/';
	strcpy(s + n, name);
	return s;
}

/* 1 found (f filled), 0 go on, -1 out of memory. */
static int try_file(struct search *s, char *path, bool host_side, const char *via,
		    struct found *f)
{
	const char *why = NULL;
	char *host = host_side ? strdup(path) : sysroot_path(&s->env->root, path);

	if (!host) {
		free(path);
		return error(NULL, "out of memory");
	}
	trace(s->env->debug, s->file, "  trying file=%s%s%s", path, strcmp(host, path) ? " at " : "",
	      strcmp(host, path) ? host : "");
	enum verdict v = verify(&s->res->target, host, &why);
	if (v == V_SKIP) {
		free(path);
		free(host);
		return 0;
	}
	*f = (struct found){ path, host, via, host_side, v == V_FATAL ? why : NULL };
	return 1;
}

/* open_path() over one colon-separated list (ld.so's `sep`), DSTs
 * expanded with object `l`. */
static int search_list(struct search *s, const struct dso *l, const char *list, const char *sep,
		       const char *via, const char *name, struct found *f)
{
	/* --library-path names directories of this machine, as
	 * LD_LIBRARY_PATH given to qemu -E does. */
	bool host_list = strcmp(via, "LD_LIBRARY_PATH") == 0;
	char *copy = strdup(list), *p, *elem;
	int rc = 0;

	if (!copy)
		return error(NULL, "out of memory");
	trace(s->env->debug, s->file, " search path=%s (%s%s%s)", list, via,
	      host_list ? "" : " from file ", host_list ? "" : l->path);
	for (p = copy; rc == 0 && (elem = strsep(&p, sep)) != NULL; ) {
		bool host, oom;
		if (!*elem)
			continue;   /* the working directory: unknowable */
		char *dir = expand(&s->res->target, l, elem, &host, &oom);
		if (!dir) {
			if (oom)
				rc = -1;
			continue;
		}
		if (!*dir) {
			free(dir);
			continue;
		}
		char *path = dir_file(dir, name);
		free(dir);
		if (!path) {
			rc = error(NULL, "out of memory");
			break;
		}
		rc = try_file(s, path, host || host_list, via, f);
	}
	free(copy);
	return rc;
}

static bool in_system_dir(const struct ld_target *t, const char *path)
{
	for (size_t i = 0; i < t->n_dirs; i++) {
		size_t n = strlen(t->dirs[i]);
		if (strncmp(path, t->dirs[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

/* ldconfig reads the soname of every library-looking file; we do it only
 * when the file named like the request does not answer to it. */
static char *soname_of(void *ctx, const char *host)
{
	unsigned char mag[SELFMAG];
	char *res = NULL;
	int fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n = fd >= 0 ? read(fd, mag, sizeof(mag)) : -1;

	(void)ctx;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(mag) || memcmp(mag, ELFMAG, SELFMAG) != 0)
		return NULL;   /* a linker script, say: ldconfig skips it too */
	struct dso d = { 0 };
	d.host = (char *)host;
	if (dso_load(&d) == 0 && d.has_dyn) {
		const char *base = strrchr(host, '/');
		res = strdup(d.soname ? d.soname : base ? base + 1 : host);
	}
	if (d.mapped) {
		dynamic_free(&d.dyn);
		elf_image_close(&d.img);
	}
	free(d.needed);
	free(d.deps);
	free(d.vneed);
	free(d.vdef);
	return res;
}

/* The ld.so.cache step: the first ld.so.conf directory with a usable
 * library whose soname is `name`. */
static int search_conf(struct search *s, const struct dso *loader, const char *name,
		       struct found *f)
{
	struct ldconf *c = &s->env->conf;
	int rc;

	if (ldconf_load(c, &s->env->root, s->env->debug) < 0)
		return -1;
	if (c->n)
		trace(s->env->debug, s->file, " search ld.so.conf directories (as ld.so.cache)");
	for (size_t i = 0; i < c->n; i++) {
		struct ldconf_dir *d = &c->dirs[i];
		char *path = dir_file(d->path, name);
		if (!path)
			return error(NULL, "out of memory");
		/* The usual case: a file (or ldconfig's link) named by the soname. */
		if ((rc = try_file(s, path, false, "ld.so.conf", f)) < 0)
			return -1;
		if (rc > 0 && !f->fatal) {
			char *sn = soname_of(NULL, f->host);
			bool match = sn && strcmp(sn, name) == 0;
			free(sn);
			if (match)
				goto hit;
			found_free(f);
		} else if (rc > 0) {
			found_free(f);
		}
		if (ldconf_index(d, &s->env->root, soname_of, NULL) < 0)
			return -1;
		for (size_t j = 0; j < d->n_ent; j++) {
			if (strcmp(d->ent[j].soname, name) != 0)
				continue;
			if (!(path = dir_file(d->path, d->ent[j].file)))
				return error(NULL, "out of memory");
			if ((rc = try_file(s, path, false, "ld.so.conf", f)) < 0)
				return -1;
			if (rc > 0 && !f->fatal)
				goto hit;
			if (rc > 0)
				found_free(f);
		}
		continue;
hit:
		if (loader->nodeflib && in_system_dir(&s->res->target, f->path)) {
			trace(s->env->debug, s->file, "  %s: in a default directory, and %s has "
			      "DF_1_NODEFLIB", f->path, loader->path);
			found_free(f);
			return 0;
		}
		return 1;
	}
	return 0;
}

/* _dl_map_object()'s search for a name without a slash. */
static int search_name(struct search *s, struct dso *loader, const char *name, struct found *f)
{
	struct ld_env *env = s->env;
	struct resolution *res = s->res;
	int rc;

	trace(env->debug, s->file, "find library=%s; needed by %s", name, loader->path);
	if (!loader->runpath)
		for (const struct dso *l = loader; l; l = l->loader)
			if (l->rpath && *l->rpath
			    && (rc = search_list(s, l, l->rpath, ":", "RPATH", name, f)) != 0)
				return rc;
	if (s->use_llp && env->library_path && *env->library_path
	    && (rc = search_list(s, res->main, env->library_path, ":;", "LD_LIBRARY_PATH",
				 name, f)) != 0)
		return rc;
	if (loader->runpath && *loader->runpath
	    && (rc = search_list(s, loader, loader->runpath, ":", "RUNPATH", name, f)) != 0)
		return rc;
	if ((rc = search_conf(s, loader, name, f)) != 0)
		return rc;
	if (loader->nodeflib) {
		trace(env->debug, s->file, " %s has DF_1_NODEFLIB: no default directories",
		      loader->path);
		return 0;
	}
	trace(env->debug, s->file, " search default directories");
	for (size_t i = 0; i < res->target.n_dirs; i++) {
		char *path = dir_file(res->target.dirs[i], name);
		if (!path)
			return error(NULL, "out of memory");
		if ((rc = try_file(s, path, false, "default", f)) != 0)
			return rc;
	}
	return 0;
}

static bool name_matches(struct dso *d, const char *name)
{
	/* A missing interpreter still stands for the loader itself. */
	if (d->state != DSO_FOUND && !(d->is_interp && d->state == DSO_NOT_FOUND))
		return false;
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(d->names[i], name) == 0)
			return true;
	if (d->path && strcmp(d->path, name) == 0 && !d->is_main)
		return true;
	if (d->soname && strcmp(d->soname, name) == 0) {
		add_name(d, name);
		return true;
	}
	return false;
}

static struct dso *find_loaded(struct resolution *res, const char *name)
{
	for (size_t i = 0; i < res->n_all; i++)
		if (name_matches(res->all[i], name))
			return res->all[i];
	return NULL;
}

/* _dl_map_object() for one DT_NEEDED of `loader`. */
static struct dso *map_object(struct search *s, struct dso *loader, const char *name)
{
	struct resolution *res = s->res;
	struct found f = { 0 };
	struct dso *d = find_loaded(res, name);
	int rc;

	if (d) {
		trace(s->env->debug, s->file, "%s: already loaded as %s", name, d->path);
		return d;
	}
	if (strchr(name, '/')) {
		/* A path: DSTs expanded, no search. */
		bool host, oom;
		char *p = expand(&res->target, loader, name, &host, &oom);
		rc = 0;
		if (p)
			rc = try_file(s, p, host, "path", &f);
		else if (oom)
			return NULL;
	} else {
		rc = search_name(s, loader, name, &f);
	}
	if (rc < 0)
		return NULL;
	if (rc > 0 && !f.fatal) {
		/* The same file under another name is the same object. */
		struct stat st;
		if (stat(f.host, &st) == 0)
			for (size_t i = 0; i < res->n_all; i++) {
				struct dso *o = res->all[i];
				if (o->state == DSO_FOUND && o->dev == st.st_dev && o->ino == st.st_ino) {
					trace(s->env->debug, s->file, "%s: %s is already loaded as %s",
					      name, f.path, o->path);
					found_free(&f);
					return add_name(o, name) < 0 ? NULL : o;
				}
			}
	}
	if (!(d = dso_new(res, name, loader))) {
		found_free(&f);
		return NULL;
	}
	if (rc == 0) {
		d->state = DSO_NOT_FOUND;
		res->not_found++;
		return d;
	}
	d->path = f.path;
	d->host = f.host;
	d->via = f.via;
	d->host_side = f.host_side;
	if (f.fatal) {
		d->state = DSO_ERROR;
		d->error = strdup(f.fatal);
		res->errors++;
		return d;
	}
	if (set_origin(d, d->path) < 0)
		return NULL;
	if (dso_load(d) < 0) {
		d->state = DSO_ERROR;
		d->error = strdup("not a usable ELF file");
		res->errors++;
		return d;
	}
	trace(s->env->debug, s->file, "%s => %s (%s)", name, d->path, d->via);
	return d;
}

/* ---- versions: dl-version.c ------------------------------------------ */

/* find_needed(): the first object on the list answering to `name`. */
static struct dso *provider_of(struct resolution *res, const char *name)
{
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *d = res->bfs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_names; j++)
			if (strcmp(d->names[j], name) == 0)
				return d;
		if ((d->path && strcmp(d->path, name) == 0 && !d->is_main)
		    || (d->soname && strcmp(d->soname, name) == 0))
			return d;
	}
	return NULL;
}

static void check_versions(struct resolution *res)
{
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *d = res->bfs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_vneed; j++) {
			struct vneed *v = &d->vneed[j];
			bool hash_ok = false;
			v->provider = provider_of(res, v->file);
			if (!v->provider)
				continue;
			for (size_t k = 0; k < v->provider->n_vdef; k++)
				if (strcmp(v->provider->vdef[k].name, v->version) == 0) {
					v->defined = true;
					hash_ok |= v->provider->vdef[k].hash == v->hash;
				}
			/* match_symbol(): no version definitions at all is
			 * not an error, nor is a weak reference. */
			v->missing = !v->weak && v->provider->has_verdef && !hash_ok;
			if (v->missing)
				res->missing_versions++;
		}
	}
}

/* ---- the whole walk: dl-deps.c and rtld.c ---------------------------- */

int ld_env_init(struct ld_env *env, const struct options *o)
{
	memset(env, 0, sizeof(*env));
	env->library_path = o->library_path;
	env->debug = o->debug;
	return sysroot_init(&env->root, o->root);
}

void ld_env_free(struct ld_env *env)
{
	ldconf_free(&env->conf);
	sysroot_free(&env->root);
}

void resolution_free(struct resolution *res)
{
	for (size_t i = 0; i < res->n_all; i++)
		dso_free(res->all[i]);
	free(res->all);
	free(res->bfs);
	free(res->objs);
	target_free(&res->target);
	memset(res, 0, sizeof(*res));
}

/* The program itself: its target path when it lies inside SYSROOT (what
 * /proc/self/exe would say there), else its host path. */
static int main_object(struct search *s, const char *file)
{
	struct resolution *res = s->res;
	struct dso *d = dso_new(res, file, NULL);

	if (!d)
		return -1;
	/* The program answers to no name (its l_name is ""). */
	free(d->names[0]);
	d->n_names = 0;
	d->is_main = true;
	d->state = DSO_FOUND;
	d->via = "program";
	d->host = strdup(file);
	char *t = sysroot_target_of(&s->env->root, file);
	if (t && !sysroot_is_host(&s->env->root)) {
		d->path = t;
	} else {
		free(t);
		d->path = realpath(file, NULL);
		d->host_side = !sysroot_is_host(&s->env->root);
		if (!d->path)
			d->path = strdup(file);
	}
	if (!d->host || !d->path)
		return error(NULL, "out of memory");
	if (set_origin(d, d->path) < 0)
		return -1;
	if (dso_load(d) < 0)
		return -1;
	res->main = d;
	return 0;
}

/* rtld's own map: named by PT_INTERP, in the list from the start. */
static int interp_object(struct search *s)
{
	struct resolution *res = s->res;
	size_t ph;
	const char *interp = NULL;

	for (size_t i = 0; i < res->main->img.phnum; i++)
		if (res->main->img.ph[i].type == PT_INTERP)
			interp = interpreter_of(&res->main->img, &ph);
	if (!interp) {
		/* A library: `ld.so --list` is the target's usual loader. */
		interp = res->target.rtld;
		char *h = interp ? sysroot_path(&s->env->root, interp) : NULL;
		bool there = h && access(h, F_OK) == 0;
		free(h);
		if (!there)
			return 0;
	}
	struct dso *d = dso_new(res, interp, NULL);
	if (!d)
		return -1;
	d->is_interp = true;
	d->via = "PT_INTERP";
	d->path = strdup(interp);
	d->host = sysroot_path(&s->env->root, interp);
	if (!d->path || !d->host)
		return error(NULL, "out of memory");
	res->interp = d;
	const char *why = NULL;
	if (access(d->host, F_OK) < 0) {
		/* Still answers to its file name, as the real one would to
		 * its soname (libc.so.6 needs it by that name). */
		const char *base = strrchr(interp, '/');
		d->state = DSO_NOT_FOUND;
		res->not_found++;
		return base ? add_name(d, base + 1) : 0;
	}
	if (verify(&res->target, d->host, &why) != V_OK || dso_load(d) < 0) {
		d->state = DSO_ERROR;
		d->error = strdup(why ? why : "not a usable ELF file for this program");
		res->errors++;
		return 0;
	}
	d->state = DSO_FOUND;
	return set_origin(d, d->path);
}

/* The interpreter's map has no place of its own in the load order: rtld.c
 * puts it after the object before it in the breadth-first search list
 * (where objects not found have no place), or leaves it out when nothing
 * needs it. */
static int order_objects(struct resolution *res)
{
	struct dso *after = NULL;
	bool needed = false;

	res->objs = calloc(res->n_all + 1, sizeof(*res->objs));
	if (!res->objs)
		return error(NULL, "out of memory");
	for (size_t i = 0; i < res->n_bfs; i++) {
		if (res->bfs[i] == res->interp) {
			needed = true;
			break;
		}
		if (res->bfs[i]->state == DSO_FOUND)
			after = res->bfs[i];
	}
	res->interp_listed = needed && res->interp;
	for (size_t i = 0; i < res->n_all; i++) {
		struct dso *d = res->all[i];
		if (d == res->interp)
			continue;
		res->objs[res->n++] = d;
		if (d == after && res->interp_listed)
			res->objs[res->n++] = res->interp;
	}
	return 0;
}

int resolve(struct ld_env *env, const char *file, bool use_llp, struct resolution *res)
{
	struct search s = { env, res, use_llp, file };
	struct elf_image probe;

	memset(res, 0, sizeof(*res));
	if (elf_image_open(&probe, file) < 0 || elf_validate(&probe) < 0) {
		elf_image_close(&probe);
		return -1;
	}
	int rc = target_init(&res->target, &probe, &env->root);
	elf_image_close(&probe);
	if (rc < 0 || main_object(&s, file) < 0)
		return -1;
	if (!res->main->has_dyn) {
		res->is_static = true;
		return order_objects(res);
	}
	if (interp_object(&s) < 0 || push(&res->bfs, &res->n_bfs, &res->cap_bfs, res->main) < 0)
		return -1;
	/* Breadth first, each object's DT_NEEDED in order; an object joins
	 * the list the first time it is returned (the interpreter too). */
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *l = res->bfs[i];
		if (l->state != DSO_FOUND)
			continue;
		for (size_t k = 0; k < l->n_needed; k++) {
			if (!l->needed[k])
				continue;
			struct dso *d = map_object(&s, l, l->needed[k]);
			if (!d)
				return -1;
			l->deps[k] = d;
			bool known = false;
			for (size_t j = 0; j < res->n_bfs && !known; j++)
				known = res->bfs[j] == d;
			if (!known && push(&res->bfs, &res->n_bfs, &res->cap_bfs, d) < 0)
				return -1;
		}
	}
	check_versions(res);
	return order_objects(res);
}
