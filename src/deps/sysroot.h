/* Paths inside a target's root filesystem (--root SYSROOT).
 *
 * The loader we emulate sees target paths ("/usr/lib/libfoo.so.1"); we
 * read host files.  sysroot_path() maps one to the other the way chroot(2)
 * would: every symbolic link met on the way is followed inside SYSROOT (an
 * absolute target starts again at SYSROOT, ".." stops at it), so a
 * Debian-style link /lib64/ld-linux-x86-64.so.2 ->
 * /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 never escapes to the host's
 * own /lib.  With SYSROOT "/" (no --root) paths are used as they are.
 */
#ifndef ELFPATCH_SYSROOT_H
#define ELFPATCH_SYSROOT_H

#include <stdbool.h>

struct sysroot {
	char *host;     /* realpath of SYSROOT, "" for "/" */
	char *given;    /* as given, for messages */
};

/* `dir` NULL means "/". */
int sysroot_init(struct sysroot *r, const char *dir);
void sysroot_free(struct sysroot *r);

static inline bool sysroot_is_host(const struct sysroot *r)
{
	return r->host[0] == '\0';
}

/* The host file that target path `target` names (malloc'd), with symbolic
 * links resolved inside SYSROOT as far as they exist; a relative `target`
 * is taken from SYSROOT's top.  NULL only when out of memory. */
char *sysroot_path(const struct sysroot *r, const char *target);

/* The target path of the file `host` names, when it lies inside SYSROOT
 * (malloc'd, symbolic links resolved), or NULL. */
char *sysroot_target_of(const struct sysroot *r, const char *host);

/* "a/b" + "c" -> "a/b/c" (malloc'd; NULL when out of memory). */
char *path_join(const char *dir, const char *name);

#endif
