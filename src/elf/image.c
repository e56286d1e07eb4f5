#include <config.h>

#include "elf/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/diag.h"

static void image_init(struct elf_image *img, const char *path)
{
	memset(img, 0, sizeof(*img));
	img->path = path;
	img->fd = -1;
}

/* Packaging scripts often ship binaries 0555 and `chmod u+w` around
 * patchelf; we do the same for a file we own, and restore the mode at once:
 * the descriptor keeps its write access. */
static int open_lending_write(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || st.st_uid != geteuid() || !S_ISREG(st.st_mode)
	    || (st.st_mode & S_IWUSR))
		return -1;
	if (chmod(path, (st.st_mode & 07777) | S_IWUSR) < 0)
		return -1;
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int saved = errno;
	if (chmod(path, st.st_mode & 07777) < 0 && fd >= 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	errno = saved;
	return fd;
}

int elf_image_open_write(const struct elf_image *img)
{
	struct stat st;
	int fd = open(img->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == EACCES) {
		fd = open_lending_write(img->path);
		if (fd < 0)
			errno = EACCES;
	}
	if (fd < 0) {
		if (errno == ETXTBSY)
			return error(img->path, "cannot edit a running executable (text file busy)");
		return error(img->path, "cannot open for writing: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0 || st.st_dev != img->st.st_dev || st.st_ino != img->st.st_ino
	    || (uint64_t)st.st_size != img->size) {
		close(fd);
		return error(img->path, "file changed while it was being edited");
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int elf_image_open(struct elf_image *img, const char *path)
{
	image_init(img, path);
	img->fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (img->fd < 0)
		return error(path, "cannot open: %s", strerror(errno));
	if (fstat(img->fd, &img->st) < 0)
		return error(path, "cannot stat: %s", strerror(errno));
	if (S_ISDIR(img->st.st_mode))
		return error(path, "is a directory");
	if (!S_ISREG(img->st.st_mode))
		return error(path, "not a regular file");
	/* O_NONBLOCK only served to keep a FIFO from blocking open(). */
	int fl = fcntl(img->fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(img->fd, F_SETFL, fl & ~O_NONBLOCK);
	return elf_image_remap(img);
}

int elf_image_remap(struct elf_image *img)
{
	struct stat st;

	if (img->map)
		munmap((void *)img->map, img->size);
	img->map = NULL;
	if (fstat(img->fd, &st) < 0)
		return error(img->path, "cannot stat: %s", strerror(errno));
	img->size = (uint64_t)st.st_size;
	if (img->size == 0)
		return error(img->path, "file is empty");
	if ((uint64_t)(size_t)img->size != img->size)
		return error(img->path, "file too large to map");
	void *m = mmap(NULL, (size_t)img->size, PROT_READ, MAP_SHARED, img->fd, 0);
	if (m == MAP_FAILED)
		return error(img->path, "cannot map: %s", strerror(errno));
	img->map = m;
	return 0;
}

void elf_image_close(struct elf_image *img)
{
	if (img->map)
		munmap((void *)img->map, img->size);
	if (img->fd >= 0)
		close(img->fd);
	free(img->ph);
	free(img->sh);
	img->map = NULL;
	img->fd = -1;
	img->ph = NULL;
	img->sh = NULL;
}
