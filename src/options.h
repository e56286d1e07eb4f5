/* Command-line options, parsed once into one struct that travels by
 * pointer (no file-scope option flags). */
#ifndef ELFPATCH_OPTIONS_H
#define ELFPATCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rpath_op { RPATH_KEEP, RPATH_SET, RPATH_ADD, RPATH_REMOVE, RPATH_SHRINK, RPATH_RELATIVE };
enum rpath_convert { CONVERT_NONE, CONVERT_TO_RUNPATH, CONVERT_TO_RPATH };
enum execstack_op { EXECSTACK_KEEP, EXECSTACK_CLEAR, EXECSTACK_SET };

struct name_pair {
	const char *from, *to;
};

struct options {
	/* Queries, printed in patchelf's order. */
	bool print_interp, print_os_abi, print_soname, print_rpath;
	bool print_execstack, print_needed;

	/* Edits. */
	const char *set_interp;
	const char *set_os_abi;
	const char *set_soname;
	enum rpath_op rpath_op;
	const char *rpath_arg;       /* SET and ADD */
	bool force_rpath;
	const char *allowed_prefixes;
	const char *root_dir;        /* RPATH_RELATIVE */
	bool no_std_lib_dirs;
	enum rpath_convert convert;
	enum execstack_op execstack;
	bool no_default_lib;
	const char **remove_needed;
	size_t n_remove_needed;
	struct name_pair *replace_needed;
	size_t n_replace_needed;
	const char **add_needed;
	size_t n_add_needed;

	/* How. */
	const char *output;
	bool debug, dry_run, preserve_dates;

	const char **files;
	size_t n_files;
	const char **owned;          /* values read from @FILE arguments */
	size_t n_owned;
};

/* 0 to go on, 1 when --help/--version was handled, -1 on a usage error. */
int options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);
bool options_have_edits(const struct options *o);

#endif
