#include <config.h>

#include "core/scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diag.h"

static void complain_unless(bool quiet, const char *file, const char *what, int err)
{
	if (!quiet)
		error(file, "%s: %s", what, strerror(err));
}

int scratch_copy(const char *src, char *tmpl, mode_t mode, bool quiet)
{
	char buf[65536];
	int in = -1, out = -1, rc = -1;
	bool made = false;
	ssize_t n;

	/* The source first: a file that cannot be read leaves no temporary.
	 * O_NONBLOCK keeps a FIFO from hanging open(); only a regular file
	 * is copied (a /dev/zero would fill the disk). */
	if ((in = open(src, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		complain_unless(quiet, src, "cannot open", errno);
		goto out;
	}
	struct stat st;
	if (fstat(in, &st) < 0) {
		complain_unless(quiet, src, "cannot stat", errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!quiet)
			error(src, "not a regular file");
		goto out;
	}
	int fl = fcntl(in, F_GETFL);
	if (fl >= 0)
		(void)fcntl(in, F_SETFL, fl & ~O_NONBLOCK);
	if ((out = mkstemp(tmpl)) < 0) {
		complain_unless(quiet, tmpl, "cannot create", errno);
		goto out;
	}
	made = true;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t w, done = 0; done < n; done += w)
			if ((w = write(out, buf + done, (size_t)(n - done))) < 0) {
				complain_unless(quiet, tmpl, "write error", errno);
				goto out;
			}
	if (n < 0) {
		complain_unless(quiet, src, "read error", errno);
		goto out;
	}
	/* close() can report a delayed write error: the copy is complete
	 * only when it succeeds. */
	int err = fchmod(out, mode) < 0 ? errno : 0;
	if (close(out) < 0 && !err)
		err = errno;
	out = -1;
	if (err) {
		complain_unless(quiet, tmpl, "cannot finish", err);
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc < 0 && made)
		unlink(tmpl);
	return rc;
}

int scratch_rename_new(const char *tmp, const char *dst)
{
	struct stat st;

#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* link() never replaces either, where the file system has links. */
	if (link(tmp, dst) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -1;
	/* Neither: check, then rename (what appears in between is replaced). */
	if (lstat(dst, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, dst);
}
