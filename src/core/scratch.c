#include <config.h>

#include "core/scratch.h"

#include <errno.h>
#include <fcntl.h>
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

	/* The source first: a file that cannot be read leaves no temporary. */
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		complain_unless(quiet, src, "cannot open", errno);
		goto out;
	}
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
