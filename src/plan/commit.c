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

/* Linux gives up after 40 links (ELOOP); so do we. */
#define MAX_LINKS 40

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

/* Where --output's bytes go.  `path` is the name a regular result is
 * renamed over: the output as given, or the name at the end of its chain
 * of symbolic links (never a link itself).  `st` is what is there, with
 * `exists` false when nothing is. */
struct destination {
	char *path;
	struct stat st;
	bool exists;
};

/* Linux's fs.protected_symlinks rule, applied whatever the sysctl says: a
 * link in a sticky world-writable directory (/tmp) is followed only when
 * it is ours or the directory owner's.  Otherwise a link another user
 * planted where our output will be would send the result over a file of
 * their choosing, with our privileges (root's, in a packaging job). */
static bool planted(const char *link, const struct stat *lst)
{
	const char *slash = strrchr(link, '/');
	size_t n = slash == link ? 1 : (size_t)(slash - link);
	char *dir = slash ? strndup(link, n) : strdup(".");
	struct stat ds;
	bool bad;

	if (lst->st_uid == geteuid())
		bad = false;
	else if (!dir || stat(dir, &ds) < 0)
		bad = true;
	else
		bad = (ds.st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH)
		      && ds.st_uid != lst->st_uid;
	free(dir);
	return bad;
}

/* The name at the end of OUTPUT's chain of symbolic links: each link's
 * contents taken, as the kernel does, from the directory that holds the
 * link.  NULL after an error() about it. */
static char *follow_links(const char *output)
{
	char *path = strdup(output), link[PATH_MAX];
	struct stat st;

	for (int hops = 0; path; hops++) {
		if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
			return path;
		if (hops == MAX_LINKS) {
			error(output, "too many levels of symbolic links");
			free(path);
			return NULL;
		}
		if (planted(path, &st)) {
			error(output, "not following %s, a symbolic link another user owns in a "
			      "sticky world-writable directory", strcmp(path, output) ? path : "it");
			free(path);
			return NULL;
		}
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0) {
			error(path, "cannot read the symbolic link: %s", strerror(errno));
			free(path);
			return NULL;
		}
		link[n] = '\0';
		const char *slash = strrchr(path, '/');
		size_t dir = link[0] == '/' || !slash ? 0 : (size_t)(slash - path) + 1;
		char *next = malloc(dir + (size_t)n + 1);
		if (next) {
			memcpy(next, path, dir);
			memcpy(next + dir, link, (size_t)n + 1);
		}
		free(path);
		path = next;
	}
	error(output, "out of memory");
	return NULL;
}

/* lstat() says what OUTPUT is; a symbolic link is followed by stat() (so
 * the kernel's own rules and /proc's links such as /dev/stdout apply) and,
 * for a regular file at its end, by follow_links() for the name to rename
 * over, which must be the file stat() found. */
static int find_destination(const char *output, struct destination *d)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (lstat(output, &d->st) < 0) {
		if (errno != ENOENT)
			return error(output, "cannot stat: %s", strerror(errno));
		d->path = strdup(output);
		return d->path ? 0 : error(output, "out of memory");
	}
	d->exists = true;
	if (!S_ISLNK(d->st.st_mode)) {
		d->path = strdup(output);
		return d->path ? 0 : error(output, "out of memory");
	}
	if (stat(output, &d->st) < 0) {
		/* cp refuses too: the name a dangling link holds was never
		 * checked by anyone, and is more often stale than meant. */
		if (errno == ENOENT)
			return error(output, "not writing through a dangling symbolic link");
		return error(output, "cannot follow the symbolic link: %s", strerror(errno));
	}
	if (!(d->path = follow_links(output)))
		return -1;
	if (S_ISREG(d->st.st_mode) && (lstat(d->path, &st) < 0 || st.st_dev != d->st.st_dev
					|| st.st_ino != d->st.st_ino)) {
		error(output, "cannot tell which file the symbolic link leads to");
		free(d->path);
		d->path = NULL;
		return -1;
	}
	return 0;
}

/* A new file beside PATH (which OUTPUT names, maybe through links), with
 * the input's owner and mode, renamed over PATH once complete. */
static int replace_file(struct elf_image *img, const struct plan *plan, const char *output,
			const char *path, const struct options *o)
{
	char *tmp = temp_name_beside(path);
	struct stat st;
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
	/* find_destination() looked a while ago: whatever took PATH's place
	 * since (a link, a device, a directory) is not replaced. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		error(output, "replaced by something other than a regular file while the "
		      "result was being written: left alone");
		goto out;
	}
	if (rename(tmp, path) < 0) {
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

/* The output's bytes in memory, as apply_writes() leaves them in a copy
 * of the input: grown with zeros, written in plan order (a write past the
 * end extends it), cut last. */
static int render(const struct elf_image *img, const struct plan *plan, const char *output,
		  unsigned char **buf, size_t *len)
{
	uint64_t cap = img->size, cur = img->size;

	if (plan->grow_to > cap)
		cap = plan->grow_to;
	if (plan->truncate_to > cap)
		cap = plan->truncate_to;
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_write *w = &plan->w[i];
		if (w->off > UINT64_MAX - w->len)
			BUG("write at 0x%llx overflows", (unsigned long long)w->off);
		if (w->off + w->len > cap)
			cap = w->off + w->len;
	}
	if ((uint64_t)(size_t)cap != cap || !(*buf = calloc(1, cap ? (size_t)cap : 1)))
		return error(output, "out of memory");
	memcpy(*buf, img->map, (size_t)img->size);
	if (plan->grow_to > cur)
		cur = plan->grow_to;
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_write *w = &plan->w[i];
		memcpy(*buf + w->off, w->data, w->len);
		if (w->off + w->len > cur)
			cur = w->off + w->len;
	}
	if (plan->truncate_to)
		cur = plan->truncate_to;
	*len = (size_t)cur;
	return 0;
}

/* A character device or a FIFO is written to, as strip -o and patchelf
 * do: the whole output, in order, with write() (a FIFO cannot seek).  It
 * is not renamed over (that would replace /dev/null with a regular file),
 * truncated, grown, synced, nor given the input's mode and owner. */
static int stream_to(const struct elf_image *img, const struct plan *plan, const char *output,
		     const struct stat *want, const struct options *o)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	unsigned char *buf = NULL;
	size_t len = 0, done = 0;
	struct stat st;
	int fd = -1, rc = -1;

	if (render(img, plan, output, &buf, &len) < 0)
		return -1;
	/* Blocks, for a FIFO, until a reader opens it. */
	fd = open(output, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		error(output, "cannot open for writing: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino
	    || (st.st_mode & S_IFMT) != (want->st_mode & S_IFMT)) {
		error(output, "changed while it was being opened");
		goto out;
	}
	trace(o->debug, output, "writing %zu bytes in order to the %s", len,
	      S_ISFIFO(st.st_mode) ? "FIFO" : "character device");
	/* A reader that goes away is an error to report, not a signal. */
	sigaction(SIGPIPE, &ign, &old);
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error(output, "write failed: %s", n < 0 ? strerror(errno) : "no progress");
			break;
		}
		done += (size_t)n;
	}
	sigaction(SIGPIPE, &old, NULL);
	if (done < len)
		goto out;
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = error(output, "close failed: %s", strerror(errno));
	free(buf);
	return rc;
}

int commit_to_output(struct elf_image *img, const struct plan *plan, const char *output,
		     const struct options *o)
{
	struct destination d;
	mode_t kind;
	int rc;

	if (find_destination(output, &d) < 0)
		return -1;
	kind = d.st.st_mode & S_IFMT;
	if (!d.exists || kind == S_IFREG)
		rc = replace_file(img, plan, output, d.path, o);
	else if (kind == S_IFCHR || kind == S_IFIFO)
		rc = stream_to(img, plan, output, &d.st, o);
	else if (kind == S_IFDIR)
		rc = error(output, "is a directory");
	else if (kind == S_IFBLK)
		rc = error(output, "is a block device: not writing over what it holds");
	else
		rc = error(output, "not a regular file, character device or FIFO");
	free(d.path);
	return rc;
}
