/* What was asked: the command line (cli.c) parsed once into one struct
 * that travels by pointer to every stage (no file-scope option flags). */
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

/* Pairs sorted by `from` (core/namemap.h), their strings in `text`. */
struct name_map {
	struct name_pair *pairs;
	size_t n;
	char *text;
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
	bool relative_to_file;       /* RPATH_RELATIVE: $ORIGIN/..., not /... */
	enum rpath_convert convert;
	enum execstack_op execstack;
	bool no_default_lib;
	const char **remove_needed;
	size_t n_remove_needed;
	struct name_pair *replace_needed;
	size_t n_replace_needed;
	const char **add_needed;
	size_t n_add_needed;
	const char **clear_version;  /* --clear-symbol-version SYMBOL */
	size_t n_clear_version;
	bool add_debug_tag;
	const char *rename_map_file;  /* --rename-dynamic-symbols FILE */
	struct name_map rename_syms;  /* its pairs, read by main.c */
	bool build_cache;            /* --build-resolution-cache */
	bool print_rescache;         /* --print-resolution-cache */

	/* Growth (issue: growing an ELF when an edit does not fit). */
	uint64_t page_size;          /* 0: the file's own largest PT_LOAD p_align */
	bool no_grow;
	bool keep_note_segment;
	bool phdr_padding;           /* --phdr-padding: pad all a moved table needs */
	bool no_clobber;             /* keep the old copies of moved tables */
	bool check;                  /* --check: layout checks only */

	/* Stripping and the size report (strip/, report/). */
	bool strip_debug, strip_all, strip_section_headers;
	bool compress_debug, decompress_debug;
	const char **remove_sections;
	size_t n_remove_sections;
	const char **keep_sections;
	size_t n_keep_sections;
	const char *only_keep_debug;  /* FILE */
	const char *add_debuglink;    /* FILE */
	bool report, json;

	/* Dependency resolution (deps.c). */
	bool print_deps, tree;
	const char *root;             /* --root SYSROOT */
	const char *library_path;     /* --library-path DIR:... */
	const char *install_missing;  /* DIR inside SYSROOT */
	const char *compare_static, *compare_dynamic;
	/* The target's ldconfig (deps/ldconfig.c). */
	bool ldconfig, ldconfig_no_links, ldconfig_no_cache, print_cache;
	int ldconfig_format;          /* enum ldcache_format: 0 new, 1 old, 2 compat */
	bool ldconfig_format_set;

	/* How. */
	const char *output;
	bool debug, dry_run, preserve_dates;

	const char **files;
	size_t n_files;
	const char **owned;          /* values read from @FILE arguments */
	size_t n_owned;
};

void options_free(struct options *o);
/* Edits of the dynamic section, headers and interpreter. */
bool options_have_edits(const struct options *o);
/* Strip, compress, split: edits of non-allocated sections. */
bool options_have_section_edits(const struct options *o);

#endif
