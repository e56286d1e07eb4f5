#include <config.h>

#include "plan/commit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"

static long fault_after(void)
{
	const char *s = getenv("ELFPATCH_FAULT_AFTER");

	return s && *s ? strtol(s, NULL, 10) : -1;
}

static int write_all(int fd, const char *path, uint64_t off, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error(path, "write failed: %s", n < 0 ? strerror(errno) : "no progress");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void fault_point(long *step, long stop)
{
	if (stop >= 0 && ++*step == stop)
		raise(SIGKILL);
}

/* posix_fallocate, not ftruncate alone: a sparse extension would let a
 * full disk surface later as a failed write in the middle of the plan. */
static int grow(int fd, const char *path, uint64_t to, bool debug)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error(path, "cannot stat: %s", strerror(errno));
	if (to <= (uint64_t)st.st_size)
		return 0;
	trace(debug, path, "growing the file from %lld to %llu bytes", (long long)st.st_size,
	      (unsigned long long)to);
	int rc = posix_fallocate(fd, st.st_size, (off_t)(to - (uint64_t)st.st_size));
	if (rc == EOPNOTSUPP || rc == EINVAL)
		rc = ftruncate(fd, (off_t)to) < 0 ? errno : 0;
	if (rc != 0)
		return error(path, "cannot grow the file: %s", strerror(rc));
	return 0;
}

static int apply_writes(int fd, const char *path, const struct plan *plan, bool debug)
{
	long stop = fault_after(), step = 0;

	if (plan->grow_to) {
		if (grow(fd, path, plan->grow_to, debug) < 0)
			return -1;
		fault_point(&step, stop);
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_write *w = &plan->w[i];
		trace(debug, path, "writing %zu byte%s at offset 0x%llx: %s", w->len,
		      w->len == 1 ? "" : "s", (unsigned long long)w->off, w->what);
		if (write_all(fd, path, w->off, w->data, w->len) < 0)
			return -1;
		fault_point(&step, stop);
	}
	if (plan->truncate_to) {
		trace(debug, path, "truncating the file to %llu bytes",
		      (unsigned long long)plan->truncate_to);
		if (ftruncate(fd, (off_t)plan->truncate_to) < 0)
			return error(path, "cannot truncate: %s", strerror(errno));
		fault_point(&step, stop);
	}
	return 0;
}

/* Writing clears S_ISUID/S_ISGID for a non-root writer; put back what the
 * file had, as elfutils' elf_update does. */
static void restore_metadata(int fd, const char *path, const struct stat *st, bool dates)
{
	struct stat now;

	if (fstat(fd, &now) == 0 && (now.st_mode & 07777) != (st->st_mode & 07777)
	    && fchmod(fd, st->st_mode & 07777) < 0)
		warning(path, "cannot restore mode %04o: %s", (unsigned)(st->st_mode & 07777),
			strerror(errno));
	if (dates) {
		struct timespec ts[2] = { st->st_atim, st->st_mtim };
		if (futimens(fd, ts) < 0)
			warning(path, "cannot restore timestamps: %s", strerror(errno));
	}
}

int commit_in_place(struct elf_image *img, const struct plan *plan, const struct options *o)
{
	int fd, rc;

	if (plan->n == 0 && !plan->grow_to && !plan->truncate_to) {
		trace(o->debug, img->path, "nothing to change");
		return 0;
	}
	fd = elf_image_open_write(img);
	if (fd < 0)
		return -1;
	rc = apply_writes(fd, img->path, plan, o->debug);
	restore_metadata(fd, img->path, &img->st, o->preserve_dates);
	if (close(fd) < 0 && rc == 0)
		rc = error(img->path, "close failed: %s", strerror(errno));
	return rc;
}

static int copy_contents(const struct elf_image *img, int out, const char *tmp)
{
	return write_all(out, tmp, 0, img->map, (size_t)img->size);
}

static char *temp_name_beside(const char *output)
{
	size_t n = strlen(output) + sizeof(".elfpatch-XXXXXX");
	char *t = malloc(n);

	if (t)
		snprintf(t, n, "%s.elfpatch-XXXXXX", output);
	return t;
}

int commit_to_output(struct elf_image *img, const struct plan *plan, const char *output,
		     const struct options *o)
{
	char *tmp = temp_name_beside(output);
	int fd = -1, rc = -1;

	if (!tmp)
		return error(output, "out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = error(output, "cannot create a temporary file beside it: %s", strerror(errno));
		free(tmp);
		return rc;
	}
	/* Owner first: fchown may clear set-uid bits that fchmod then sets. */
	if (fchown(fd, img->st.st_uid, img->st.st_gid) < 0 && errno != EPERM)
		warning(output, "cannot copy the owner: %s", strerror(errno));
	if (copy_contents(img, fd, tmp) < 0 || apply_writes(fd, tmp, plan, o->debug) < 0)
		goto out;
	if (fchmod(fd, img->st.st_mode & 07777) < 0) {
		error(output, "cannot set mode: %s", strerror(errno));
		goto out;
	}
	restore_metadata(fd, output, &img->st, o->preserve_dates);
	if (fsync(fd) < 0) {
		error(output, "cannot sync: %s", strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		error(output, "close failed: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, output) < 0) {
		error(output, "cannot rename the temporary file into place: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
