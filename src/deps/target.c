/* What the target's loader is (its class, machine, float ABI, default
 * directories, $LIB and $PLATFORM, from the program's ELF header), and
 * which candidate files it accepts: glibc's dl-load.c open_verify(). */
#include <config.h>

#include "deps/loader.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"

#ifndef EF_ARM_EABIMASK
#define EF_ARM_EABIMASK 0xff000000
#endif
#ifndef EF_ARM_EABI_VER5
#define EF_ARM_EABI_VER5 0x05000000
#endif

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

const char *ld_multiarch_of_root(const struct sysroot *r)
{
	const char *any = NULL;
	struct stat st;

	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		const struct machine_info *m = &machines[i];
		char *la = fmt("/lib/%s", m->triplet), *lb = fmt("/usr/lib/%s", m->triplet);
		char *rtld = sysroot_path(r, m->rtld);
		bool dirs = la && lb && (is_dir(r, la) || is_dir(r, lb));
		bool loader = rtld && stat(rtld, &st) == 0 && S_ISREG(st.st_mode);
		free(la);
		free(lb);
		free(rtld);
		if (dirs && loader)
			return m->triplet;
		if (dirs && !any)
			any = m->triplet;
	}
	return any;
}

void ld_target_free(struct ld_target *t)
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
int ld_target_init(struct ld_target *t, const struct elf_image *img, const struct sysroot *r)
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
	ld_target_free(t);
	return error(NULL, "out of memory");
}

/* Whether ld.so would take the file at `host`.  Absent files and files
 * for another class, byte order, machine or ARM float ABI are skipped
 * (glibc 2.36 goes on searching); anything else that is not a loadable
 * ELF object is a fatal error for ld.so (`why` says which). */
enum verdict ld_verify(const struct ld_target *t, const char *host, const char **why)
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
