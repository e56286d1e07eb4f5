/* An ELF file opened and mapped for reading, plus what validation learned.
 *
 * Calling sequence:
 *   elf_image_open(&img, path, writable)   open, fstat, map (read-only view)
 *   elf_validate(&img)                      (validate.c) decode + check all
 *   ... locate, plan ...
 *   commit_plan(&img, &plan)                (commit.c) the only writer
 *   elf_image_close(&img)
 *
 * The map is MAP_SHARED and read-only: writes go through pwrite() on the
 * descriptor (commit.c), so an I/O error is an error return, not a SIGBUS,
 * and the map still shows the file as it now is.
 */
#ifndef ELFPATCH_IMAGE_H
#define ELFPATCH_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "elf/view.h"

struct elf_image {
	const char *path;          /* as given, for messages */
	int fd;
	const unsigned char *map;
	uint64_t size;
	struct stat st;            /* at open time */
	struct elf_class cls;
	struct xehdr eh;
	/* Filled by elf_validate(), counts after extended numbering. */
	size_t phnum, shnum, shstrndx;
	struct xphdr *ph;
	struct xshdr *sh;
	/* The section whose contents hold the program header table, or 0:
	 * those bytes are the section's, so an edit never writes them and
	 * moves the table instead (edit/grow.c). */
	size_t phdr_section;
	bool validated;
};

/* Opens PATH read-only and maps it.  Refuses directories, non-regular
 * files and empty files. */
int elf_image_open(struct elf_image *img, const char *path);

/* A second descriptor on the same file, opened for writing only once a
 * plan exists (so a query or a no-op edit never needs write access and
 * never trips over ETXTBSY).  Refuses if PATH no longer names the inode
 * that was validated.  A read-only file the caller owns is opened by
 * lending it u+w for the duration of open(). */
int elf_image_open_write(const struct elf_image *img);
void elf_image_close(struct elf_image *img);

/* Re-reads size and mapping after the file changed length (growth). */
int elf_image_remap(struct elf_image *img);

#endif
