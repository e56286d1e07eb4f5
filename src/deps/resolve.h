/* Dependency resolution from the files alone, as the target's glibc ld.so
 * does it (elf/dl-load.c, dl-deps.c, dl-version.c, rtld.c of glibc 2.36).
 *
 * Calling sequence:
 *   ld_env_init(&env, o)                  SYSROOT, --library-path, --debug
 *   resolve(&env, FILE, true, &res)       one program or library
 *   ... read res.objs[] (ldd's order), res counts ...
 *   resolution_free(&res)
 *   ld_env_free(&env)
 *
 * For each DT_NEEDED name without a '/', breadth first from the program as
 * dl-deps.c walks them, the first usable file in: the DT_RPATH of the
 * object that needs it and of its loaders up to the program (all skipped
 * when that object has DT_RUNPATH; an object with DT_RUNPATH has no
 * DT_RPATH), --library-path (LD_LIBRARY_PATH), the object's own
 * DT_RUNPATH, the directories of SYSROOT/etc/ld.so.conf looked up by
 * soname as ldconfig would have entered them in ld.so.cache, and the
 * target's default directories (none of the last two for a
 * DF_1_NODEFLIB loader).  $ORIGIN, $LIB, $PLATFORM and their ${...} forms
 * are expanded.  A name already loaded (as requested, by path, or by
 * soname) or a file already loaded (same inode) is not loaded again.  A
 * candidate of another class, byte order, machine or ARM float ABI is
 * skipped; one that is not a usable ELF file at all stops the search, as
 * it stops ld.so.
 *
 * Paths are target paths inside SYSROOT, except where a file was found
 * outside it (--library-path, or $ORIGIN of a program outside SYSROOT):
 * those are host paths, as qemu -L would show them.  Not emulated: the
 * glibc-hwcaps and legacy hwcap subdirectories (they depend on the CPU),
 * /etc/ld.so.preload, set-user-ID restrictions, an empty path element
 * meaning the working directory (it is skipped).
 */
#ifndef ELFPATCH_RESOLVE_H
#define ELFPATCH_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/options.h"
#include "deps/ldcache.h"
#include "deps/ldconf.h"
#include "deps/sysroot.h"
#include "elf/dynamic.h"
#include "elf/image.h"

/* What the target's loader is, from the program's ELF header. */
struct ld_target {
	struct elf_class cls;
	uint16_t machine;
	bool arm_hard;              /* EM_ARM: the hard-float loader */
	const char *triplet;        /* Debian multiarch tuple, NULL unknown */
	const char *platform;       /* $PLATFORM (AT_PLATFORM), NULL unknown */
	const char *rtld;           /* usual PT_INTERP, NULL unknown */
	char *lib;                  /* $LIB */
	char *dirs[4];              /* default directories, in order */
	size_t n_dirs;
	bool multiarch;
};

struct ld_env {
	struct sysroot root;
	const char *library_path;   /* NULL: none */
	struct ldconf conf;
	struct ldcache cache;       /* SYSROOT/etc/ld.so.cache */
	int cache_state;            /* 0 unread, 1 read, -1 none or unusable */
	bool debug;
};

enum dso_state { DSO_FOUND, DSO_NOT_FOUND, DSO_ERROR };

/* One Vernaux of an object's DT_VERNEED, and what became of it. */
struct vneed {
	const char *file, *version;
	uint32_t hash;
	bool weak;
	struct dso *provider;       /* the loaded object named `file`, or NULL */
	bool defined;               /* `provider` defines `version` */
	bool missing;               /* an error for ld.so: not weak, not defined
				     * by a provider that has version definitions */
};

struct vdef {
	const char *name;
	uint32_t hash;
};

struct dso {
	enum dso_state state;
	char *name;                 /* the name it was first requested by */
	char *path;                 /* as ld.so names it (l_name) */
	char *host;                 /* the file read, on this machine */
	char *origin;               /* $ORIGIN, NULL when unknown */
	bool host_side;             /* path is a host path (outside SYSROOT) */
	const char *via;            /* search step that found it */
	char *error;                /* DSO_ERROR: why the file is unusable */
	struct dso *loader;         /* the object whose DT_NEEDED loaded it */
	bool is_main, is_interp;
	char **names;               /* more names it answers to (l_libname) */
	size_t n_names;
	dev_t dev;
	ino_t ino;
	uint64_t size;

	struct elf_image img;
	struct dynamic dyn;
	bool mapped, has_dyn;
	const char *soname, *rpath, *runpath;
	bool nodeflib;
	const char **needed;        /* DT_NEEDED, in order */
	struct dso **deps;          /* what each resolved to */
	size_t n_needed;
	struct vneed *vneed;
	size_t n_vneed;
	struct vdef *vdef;
	size_t n_vdef;
	bool has_verdef;
};

struct resolution {
	struct ld_target target;
	struct dso **objs;          /* main first, then ldd's order */
	size_t n;
	struct dso *main, *interp;
	bool is_static;             /* no PT_DYNAMIC: nothing to resolve */
	bool interp_listed;         /* some object needs the interpreter */
	size_t not_found, errors, missing_versions;
	/* internal */
	struct dso **all, **bfs;
	size_t n_all, n_bfs, cap_all, cap_bfs;
};

int ld_env_init(struct ld_env *env, const struct options *o);
void ld_env_free(struct ld_env *env);

/* 0 when FILE's dependencies were resolved (res tells what was not
 * found), -1 (after a message) when FILE itself is unusable.
 * `use_library_path` false ignores --library-path: what SYSROOT alone
 * provides. */
int resolve(struct ld_env *env, const char *file, bool use_library_path, struct resolution *res);
void resolution_free(struct resolution *res);

/* True when a found object's file lies inside SYSROOT. */
bool dso_in_root(const struct dso *d);

#endif
