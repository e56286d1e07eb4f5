/* The command line: patchelf's options and elfpatch's own, parsed once
 * into struct options; --help and --version. */
#include <config.h>

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

static const char usage_text[] =
"Usage: " PROGRAM_NAME " [OPTION]... FILE...\n"
"Edit ELF executables and shared libraries in place: dynamic section\n"
"entries (RPATH/RUNPATH, NEEDED, SONAME), the interpreter, OS ABI and\n"
"stack flags.  Accepts patchelf's options with patchelf's meaning.\n"
"\n"
"Queries (printed in this order, one value per line, for each FILE):\n"
"      --print-interpreter     the program interpreter (PT_INTERP)\n"
"      --print-os-abi          the EI_OSABI field\n"
"      --print-soname          DT_SONAME of a shared library\n"
"      --print-rpath           DT_RUNPATH, or DT_RPATH if there is none\n"
"      --print-execstack       'execstack: X', '-' or '?' (no PT_GNU_STACK)\n"
"      --print-needed          each DT_NEEDED entry\n"
"      --print-resolution-cache  the .note.nixos.ldcache note: each DT_NEEDED\n"
"                              name and where it resolves, one a line\n"
"\n"
"Edits:\n"
"      --set-interpreter PATH  change the program interpreter\n"
"      --set-os-abi ABI        set EI_OSABI (sysv, linux, freebsd, ...)\n"
"      --set-soname NAME       set DT_SONAME\n"
"      --set-rpath PATH        set RPATH/RUNPATH ('' clears it, keeping the entry)\n"
"      --add-rpath PATH        append PATH to RPATH/RUNPATH\n"
"      --remove-rpath          drop DT_RPATH and DT_RUNPATH entries\n"
"      --shrink-rpath          keep only directories holding a needed library\n"
"      --allowed-rpath-prefixes P1:P2  with --shrink-rpath, keep only these\n"
"      --make-rpath-relative ROOTDIR   keep the entries found under ROOTDIR, as\n"
"                              paths on the target (ROOTDIR/usr/lib -> /usr/lib)\n"
"      --relative-to-file      with --make-rpath-relative, write them as\n"
"                              $ORIGIN/... from the file's directory instead\n"
"      --no-standard-lib-dirs  with --make-rpath-relative, drop /lib, /usr/lib\n"
"      --force-rpath           write DT_RPATH (default for a new entry: DT_RUNPATH)\n"
"      --convert-rpath         turn DT_RPATH into DT_RUNPATH\n"
"      --convert-runpath       turn DT_RUNPATH into DT_RPATH\n"
"      --add-needed LIB        add a DT_NEEDED entry (repeatable)\n"
"      --remove-needed LIB     drop a DT_NEEDED entry (repeatable)\n"
"      --replace-needed OLD NEW  rename a DT_NEEDED entry (repeatable)\n"
"      --no-default-lib        set DF_1_NODEFLIB\n"
"      --clear-symbol-version SYMBOL  make SYMBOL's .gnu.version entry global\n"
"                              (repeatable); a version requirement no symbol\n"
"                              uses any more is dropped from .gnu.version_r\n"
"      --add-debug-tag         add a DT_DEBUG entry (for debuggers) if none\n"
"      --clear-execstack       make the stack non-executable\n"
"      --set-execstack         make the stack executable\n"
"      --rename-dynamic-symbols FILE  rename dynamic symbols; FILE has one\n"
"                              'OLD NEW' pair a line (hash tables rebuilt)\n"
"      --build-resolution-cache  record where each DT_NEEDED is found on the\n"
"                              run path, in a .note.nixos.ldcache note (as\n"
"                              patchelf 0.19; with --root, inside SYSROOT)\n"
"\n"
"Growth (when an edit does not fit in the file's existing space):\n"
"      --no-grow               fail instead of appending space to the file\n"
"      --page-size N           align appended space to N (default: the file's\n"
"                              largest PT_LOAD alignment)\n"
"      --no-clobber-old-sections  keep the old bytes of the tables growth moves\n"
"                              (.dynstr, the interpreter) instead of zeroing them\n"
"      --no-sort               accepted for patchelf: elfpatch never sorts headers\n"
"      --keep-note-segment     when no program header is spare, move the table\n"
"                              rather than reuse the PT_NOTE entry (GNU strip\n"
"                              and eu-strip cannot rewrite such files)\n"
"      --phdr-padding          when the program header table of a program must\n"
"                              move and the first segment has no room after it,\n"
"                              pad the file as far as needed for every kernel\n"
"                              to find it (else more than two alignment units\n"
"                              of padding are refused)\n"
"      --check                 check the layout of each FILE (segments, notes,\n"
"                              alignment); silent when it is sound\n"
"\n"
"Stripping, in place (allocated sections never move or change):\n"
"      --strip, --strip-debug  remove debug sections (.debug*, .zdebug*, .stab*, ...)\n"
"      --strip-all             also .symtab, .strtab and non-allocated relocations\n"
"      --remove-section NAME   remove non-allocated sections matching NAME (a\n"
"                              shell pattern; repeatable)\n"
"      --keep-section NAME     keep sections matching NAME (repeatable)\n"
"      --strip-section-headers drop the section header table and all after the\n"
"                              last loaded byte (sstrip)\n"
"      --compress-debug-sections    zlib-compress debug sections (SHF_COMPRESSED)\n"
"      --decompress-debug-sections  undo it (also .zdebug* sections)\n"
"      --only-keep-debug FILE  write FILE, a separate debug file for gdb\n"
"      --add-gnu-debuglink FILE     add .gnu_debuglink naming FILE, with its CRC\n"
"      --report                sizes before/after and what the bytes are (code,\n"
"                              rodata, data, dynamic, symbols, debug, other, bss);\n"
"                              alone, changes nothing; with --root, also what each\n"
"                              FILE costs deployed there: its size plus the\n"
"                              libraries SYSROOT lacks, each counted once\n"
"      --json                  the report as one JSON document (implies --report)\n"
"\n"
"Dependencies, resolved from the files as the target's glibc ld.so would:\n"
"      --print-deps            list each library FILE loads, like ldd (no\n"
"                              load addresses), and the symbol versions needed\n"
"      --tree                  with --print-deps, show who needs what\n"
"      --root SYSROOT          the target's root filesystem (default: /)\n"
"      --library-path DIR:...  extra directories, searched as LD_LIBRARY_PATH\n"
"      --install-missing DIR   copy libraries SYSROOT lacks (found on\n"
"                              --library-path) into SYSROOT/DIR, RPATH cleared\n"
"                              (and stripped with --strip or --strip-all)\n"
"      --compare STATIC DYNAMIC  sizes of two builds of a program and how many\n"
"                              programs make dynamic linking pay off\n"
"      --json                  --print-deps and --compare as JSON\n"
"      --ldconfig              what the target's ldconfig -r SYSROOT does: the\n"
"                              soname links and SYSROOT/etc/ld.so.cache, in the\n"
"                              target's format and byte order (no FILE)\n"
"      --no-links              with --ldconfig, create no links (ldconfig -X)\n"
"      --no-cache              with --ldconfig, write no cache (ldconfig -N)\n"
"      --format FORMAT         with --ldconfig, the cache format: new (default),\n"
"                              old or compat (ldconfig -c)\n"
"      --print-cache           list SYSROOT/etc/ld.so.cache, like ldconfig -p\n"
"\n"
"How:\n"
"      --output FILE           leave FILE... untouched, write the result to FILE\n"
"  -p, --preserve-dates        keep the file's access and modification times\n"
"      --dry-run               say what would change, change nothing\n"
"      --debug                 say what is done and where\n"
"  -h, --help                  show this help and exit\n"
"  -V, --version               show the version and exit\n"
"\n"
"Unlike patchelf, an edit keeps the entry's type: DT_RPATH stays DT_RPATH.\n"
"An argument @FILE to --set-interpreter, --set-os-abi, --set-soname,\n"
"--set-rpath, --add-rpath, --add-needed, --remove-needed,\n"
"--clear-symbol-version or --output reads the value from FILE.\n"
"Exit status: 0 on success, 1 if any FILE (or @FILE) failed, 2 on a usage\n"
"error.\n"
"Report bugs to: " PACKAGE_BUGREPORT "\n";

enum opt_id {
	O_PRINT_INTERP, O_PRINT_OS_ABI, O_PRINT_SONAME, O_PRINT_RPATH, O_PRINT_EXECSTACK,
	O_PRINT_NEEDED, O_SET_INTERP, O_SET_OS_ABI, O_SET_SONAME, O_SET_RPATH, O_ADD_RPATH,
	O_REMOVE_RPATH, O_SHRINK_RPATH, O_ALLOWED_PREFIXES, O_MAKE_RELATIVE, O_NO_STD_DIRS,
	O_FORCE_RPATH, O_CONVERT_RPATH, O_CONVERT_RUNPATH, O_ADD_NEEDED, O_REMOVE_NEEDED,
	O_REPLACE_NEEDED, O_NO_DEFAULT_LIB, O_CLEAR_EXECSTACK, O_SET_EXECSTACK, O_OUTPUT,
	O_CLEAR_SYMVER, O_ADD_DEBUG_TAG, O_RELATIVE_TO_FILE, O_NO_CLOBBER, O_NO_SORT,
	O_PRESERVE, O_DRY_RUN, O_DEBUG, O_HELP, O_VERSION, O_END_OPTIONS,
	O_PAGE_SIZE, O_NO_GROW, O_KEEP_NOTES, O_PHDR_PADDING, O_CHECK,
	O_STRIP_DEBUG, O_STRIP_ALL, O_REMOVE_SECTION, O_KEEP_SECTION, O_STRIP_SHDRS,
	O_COMPRESS_DEBUG, O_DECOMPRESS_DEBUG, O_ONLY_KEEP_DEBUG, O_ADD_DEBUGLINK, O_REPORT, O_JSON,
	O_PRINT_DEPS, O_TREE, O_ROOT, O_LIBRARY_PATH, O_INSTALL_MISSING, O_COMPARE,
	O_LDCONFIG, O_NO_LINKS, O_NO_CACHE, O_PRINT_CACHE, O_FORMAT,
	O_RENAME_SYMS, O_BUILD_CACHE, O_PRINT_RESCACHE
};

struct opt_spec {
	const char *name;
	const char *alias;
	int nargs;
	enum opt_id id;
};

static const struct opt_spec specs[] = {
	{ "--print-interpreter", NULL, 0, O_PRINT_INTERP },
	{ "--print-os-abi", NULL, 0, O_PRINT_OS_ABI },
	{ "--print-soname", NULL, 0, O_PRINT_SONAME },
	{ "--print-rpath", NULL, 0, O_PRINT_RPATH },
	{ "--print-execstack", NULL, 0, O_PRINT_EXECSTACK },
	{ "--print-needed", NULL, 0, O_PRINT_NEEDED },
	{ "--print-resolution-cache", NULL, 0, O_PRINT_RESCACHE },
	{ "--set-interpreter", "--interpreter", 1, O_SET_INTERP },
	{ "--set-os-abi", NULL, 1, O_SET_OS_ABI },
	{ "--set-soname", NULL, 1, O_SET_SONAME },
	{ "--set-rpath", NULL, 1, O_SET_RPATH },
	{ "--add-rpath", NULL, 1, O_ADD_RPATH },
	{ "--remove-rpath", NULL, 0, O_REMOVE_RPATH },
	{ "--shrink-rpath", NULL, 0, O_SHRINK_RPATH },
	{ "--allowed-rpath-prefixes", NULL, 1, O_ALLOWED_PREFIXES },
	{ "--make-rpath-relative", NULL, 1, O_MAKE_RELATIVE },
	{ "--no-standard-lib-dirs", NULL, 0, O_NO_STD_DIRS },
	{ "--relative-to-file", NULL, 0, O_RELATIVE_TO_FILE },
	{ "--force-rpath", NULL, 0, O_FORCE_RPATH },
	{ "--convert-rpath", NULL, 0, O_CONVERT_RPATH },
	{ "--convert-runpath", NULL, 0, O_CONVERT_RUNPATH },
	{ "--add-needed", NULL, 1, O_ADD_NEEDED },
	{ "--remove-needed", NULL, 1, O_REMOVE_NEEDED },
	{ "--replace-needed", NULL, 2, O_REPLACE_NEEDED },
	{ "--no-default-lib", NULL, 0, O_NO_DEFAULT_LIB },
	{ "--clear-symbol-version", NULL, 1, O_CLEAR_SYMVER },
	{ "--add-debug-tag", NULL, 0, O_ADD_DEBUG_TAG },
	{ "--clear-execstack", NULL, 0, O_CLEAR_EXECSTACK },
	{ "--set-execstack", NULL, 0, O_SET_EXECSTACK },
	{ "--rename-dynamic-symbols", NULL, 1, O_RENAME_SYMS },
	{ "--build-resolution-cache", NULL, 0, O_BUILD_CACHE },
	{ "--output", "-o", 1, O_OUTPUT },
	{ "--preserve-dates", "-p", 0, O_PRESERVE },
	{ "--dry-run", "-n", 0, O_DRY_RUN },
	{ "--debug", NULL, 0, O_DEBUG },
	{ "--help", "-h", 0, O_HELP },
	{ "--version", "-V", 0, O_VERSION },
	{ "--page-size", NULL, 1, O_PAGE_SIZE },
	{ "--no-grow", NULL, 0, O_NO_GROW },
	{ "--keep-note-segment", NULL, 0, O_KEEP_NOTES },
	{ "--phdr-padding", NULL, 0, O_PHDR_PADDING },
	{ "--no-clobber-old-sections", NULL, 0, O_NO_CLOBBER },
	{ "--no-sort", NULL, 0, O_NO_SORT },
	{ "--check", NULL, 0, O_CHECK },
	{ "--strip", "--strip-debug", 0, O_STRIP_DEBUG },
	{ "--strip-all", NULL, 0, O_STRIP_ALL },
	{ "--remove-section", NULL, 1, O_REMOVE_SECTION },
	{ "--keep-section", NULL, 1, O_KEEP_SECTION },
	{ "--strip-section-headers", NULL, 0, O_STRIP_SHDRS },
	{ "--compress-debug-sections", NULL, 0, O_COMPRESS_DEBUG },
	{ "--decompress-debug-sections", NULL, 0, O_DECOMPRESS_DEBUG },
	{ "--only-keep-debug", NULL, 1, O_ONLY_KEEP_DEBUG },
	{ "--add-gnu-debuglink", NULL, 1, O_ADD_DEBUGLINK },
	{ "--report", NULL, 0, O_REPORT },
	{ "--json", NULL, 0, O_JSON },
	{ "--print-deps", NULL, 0, O_PRINT_DEPS },
	{ "--tree", NULL, 0, O_TREE },
	{ "--root", NULL, 1, O_ROOT },
	{ "--ldconfig", NULL, 0, O_LDCONFIG },
	{ "--no-links", NULL, 0, O_NO_LINKS },
	{ "--no-cache", NULL, 0, O_NO_CACHE },
	{ "--print-cache", NULL, 0, O_PRINT_CACHE },
	{ "--format", NULL, 1, O_FORMAT },
	{ "--library-path", NULL, 1, O_LIBRARY_PATH },
	{ "--install-missing", NULL, 1, O_INSTALL_MISSING },
	{ "--compare", NULL, 2, O_COMPARE },
	{ "--", NULL, 0, O_END_OPTIONS },
};

static const struct opt_spec *find_spec(const char *arg)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (strcmp(arg, specs[i].name) == 0
		    || (specs[i].alias && strcmp(arg, specs[i].alias) == 0))
			return &specs[i];
	return NULL;
}

/* An @FILE argument names a file whose bytes are the value, as with
 * patchelf (a trailing newline is part of the value there too, so the
 * bytes are kept as they are).  A file that cannot be read is a failure
 * of that file, not of the command line: exit status 1, as patchelf, not
 * 2 (options_parse() returns PARSE_FILE_ERROR).  A read error (a
 * directory opens, but reads fail with EISDIR) is one too, not an empty
 * value. */
static const char *resolve_at_file(const char *arg, char **owned)
{
	FILE *f;
	size_t len = 0, cap = 256;
	char *buf;

	if (arg[0] != '@')
		return arg;
	f = fopen(arg + 1, "rb");
	if (!f) {
		error(arg + 1, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	/* A directory opens, but reading it fails: not an empty value. */
	int read_errno = ferror(f) ? errno : 0;
	fclose(f);
	if (!buf) {
		error(NULL, "out of memory");
		return NULL;
	}
	if (read_errno) {
		free(buf);
		error(arg + 1, "cannot read: %s", strerror(read_errno));
		return NULL;
	}
	buf[len] = '\0';
	*owned = buf;
	return buf;
}

static int push(const char ***list, size_t *n, const char *v)
{
	const char **nl = realloc(*list, (*n + 1) * sizeof(**list));

	if (!nl)
		return error(NULL, "out of memory");
	nl[(*n)++] = v;
	*list = nl;
	return 0;
}

static int set_rpath_op(struct options *o, enum rpath_op op, const char *arg)
{
	if (o->rpath_op != RPATH_KEEP && o->rpath_op != op)
		return error(NULL, "only one of --set-rpath, --add-rpath, --remove-rpath, "
			     "--shrink-rpath and --make-rpath-relative may be given");
	o->rpath_op = op;
	o->rpath_arg = arg;
	return 0;
}

/* The options whose argument patchelf 0.19 reads from FILE when it is
 * spelled @FILE (resolveArgument() in patchelf.cc). */
static bool takes_at_file(enum opt_id id)
{
	switch (id) {
	case O_SET_INTERP: case O_SET_OS_ABI: case O_SET_SONAME: case O_SET_RPATH:
	case O_ADD_RPATH: case O_ADD_NEEDED: case O_REMOVE_NEEDED: case O_CLEAR_SYMVER:
	case O_OUTPUT:
		return true;
	default:
		return false;
	}
}

static int apply(struct options *o, enum opt_id id, const char *const *a)
{
	const char *v = a[0];

	switch (id) {
	case O_PRINT_INTERP: o->print_interp = true; break;
	case O_PRINT_OS_ABI: o->print_os_abi = true; break;
	case O_PRINT_SONAME: o->print_soname = true; break;
	case O_PRINT_RPATH: o->print_rpath = true; break;
	case O_PRINT_EXECSTACK: o->print_execstack = true; break;
	case O_PRINT_NEEDED: o->print_needed = true; break;
	case O_SET_INTERP: o->set_interp = v; break;
	case O_SET_OS_ABI: o->set_os_abi = v; break;
	case O_SET_SONAME: o->set_soname = v; break;
	case O_SET_RPATH: return set_rpath_op(o, RPATH_SET, v);
	case O_ADD_RPATH: return set_rpath_op(o, RPATH_ADD, v);
	case O_REMOVE_RPATH: return set_rpath_op(o, RPATH_REMOVE, NULL);
	case O_SHRINK_RPATH: return set_rpath_op(o, RPATH_SHRINK, NULL);
	case O_MAKE_RELATIVE: o->root_dir = v; return set_rpath_op(o, RPATH_RELATIVE, NULL);
	case O_ALLOWED_PREFIXES: o->allowed_prefixes = v; break;
	case O_NO_STD_DIRS: o->no_std_lib_dirs = true; break;
	case O_RELATIVE_TO_FILE: o->relative_to_file = true; break;
	case O_FORCE_RPATH: o->force_rpath = true; break;
	case O_CONVERT_RPATH: o->convert = CONVERT_TO_RUNPATH; break;
	case O_CONVERT_RUNPATH: o->convert = CONVERT_TO_RPATH; break;
	case O_ADD_NEEDED: return push(&o->add_needed, &o->n_add_needed, v);
	case O_REMOVE_NEEDED: return push(&o->remove_needed, &o->n_remove_needed, v);
	case O_REPLACE_NEEDED: {
		struct name_pair *np = realloc(o->replace_needed,
					       (o->n_replace_needed + 1) * sizeof(*np));
		if (!np)
			return error(NULL, "out of memory");
		np[o->n_replace_needed++] = (struct name_pair){ a[0], a[1] };
		o->replace_needed = np;
		break;
	}
	case O_NO_DEFAULT_LIB: o->no_default_lib = true; break;
	case O_CLEAR_SYMVER: return push(&o->clear_version, &o->n_clear_version, v);
	case O_ADD_DEBUG_TAG: o->add_debug_tag = true; break;
	case O_CLEAR_EXECSTACK: o->execstack = EXECSTACK_CLEAR; break;
	case O_SET_EXECSTACK: o->execstack = EXECSTACK_SET; break;
	case O_RENAME_SYMS: o->rename_map_file = v; break;
	case O_BUILD_CACHE: o->build_cache = true; break;
	case O_PRINT_RESCACHE: o->print_rescache = true; break;
	case O_OUTPUT: o->output = v; break;
	case O_PRESERVE: o->preserve_dates = true; break;
	case O_DRY_RUN: o->dry_run = true; break;
	case O_DEBUG: o->debug = true; break;
	case O_HELP: fputs(usage_text, stdout); return 1;
	case O_VERSION:
		printf("%s\n", PACKAGE_STRING);
		return 1;
	case O_END_OPTIONS: break;
	case O_PAGE_SIZE: {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 0);
		if (errno || *end || n == 0 || (n & (n - 1)))
			return error(NULL, "--page-size wants a power of two, not '%s'", v);
		o->page_size = n;
		break;
	}
	case O_NO_GROW: o->no_grow = true; break;
	case O_KEEP_NOTES: o->keep_note_segment = true; break;
	case O_PHDR_PADDING: o->phdr_padding = true; break;
	case O_NO_CLOBBER: o->no_clobber = true; break;
	/* patchelf sorts the headers it rewrites; elfpatch rewrites none. */
	case O_NO_SORT: break;
	case O_CHECK: o->check = true; break;
	case O_STRIP_DEBUG: o->strip_debug = true; break;
	case O_STRIP_ALL: o->strip_all = true; break;
	case O_REMOVE_SECTION: return push(&o->remove_sections, &o->n_remove_sections, v);
	case O_KEEP_SECTION: return push(&o->keep_sections, &o->n_keep_sections, v);
	case O_STRIP_SHDRS: o->strip_section_headers = true; break;
	case O_COMPRESS_DEBUG: o->compress_debug = true; break;
	case O_DECOMPRESS_DEBUG: o->decompress_debug = true; break;
	case O_ONLY_KEEP_DEBUG: o->only_keep_debug = v; break;
	case O_ADD_DEBUGLINK: o->add_debuglink = v; break;
	case O_REPORT: o->report = true; break;
	case O_JSON: o->json = true; break;
	case O_PRINT_DEPS: o->print_deps = true; break;
	case O_TREE: o->tree = true; break;
	case O_ROOT: o->root = v; break;
	case O_LDCONFIG: o->ldconfig = true; break;
	case O_NO_LINKS: o->ldconfig_no_links = true; break;
	case O_NO_CACHE: o->ldconfig_no_cache = true; break;
	case O_PRINT_CACHE: o->print_cache = true; break;
	case O_FORMAT:
		if (strcmp(v, "new") == 0)
			o->ldconfig_format = 0;
		else if (strcmp(v, "old") == 0)
			o->ldconfig_format = 1;
		else if (strcmp(v, "compat") == 0)
			o->ldconfig_format = 2;
		else
			return error(NULL, "--format: '%s' is not new, old or compat", v);
		o->ldconfig_format_set = true;
		break;
	case O_LIBRARY_PATH: o->library_path = v; break;
	case O_INSTALL_MISSING: o->install_missing = v; break;
	case O_COMPARE:
		o->compare_static = a[0];
		o->compare_dynamic = a[1];
		break;
	}
	return 0;
}

/* Values read from @FILE live as long as the options. */
static int keep_owned(struct options *o, char *owned)
{
	if (!owned)
		return 0;
	if (push(&o->owned, &o->n_owned, owned) < 0) {
		free(owned);
		return -1;
	}
	return 0;
}

static int check_combination(const struct options *o)
{
	if ((o->ldconfig_no_links || o->ldconfig_no_cache || o->ldconfig_format_set)
	    && !o->ldconfig)
		return error(NULL, "--no-links, --no-cache and --format need --ldconfig");
	if (o->ldconfig || o->print_cache) {
		if (o->n_files || (o->ldconfig && o->print_cache))
			return error(NULL, "--ldconfig and --print-cache take no FILE "
				     "and are used alone (with --root)");
		return 0;
	}
	if (o->n_files == 0 && !o->compare_static)
		return error(NULL, "no input file (try --help)");
	if (o->output && o->n_files > 1)
		return error(NULL, "--output takes exactly one input file");
	if (o->allowed_prefixes && o->rpath_op != RPATH_SHRINK)
		return error(NULL, "--allowed-rpath-prefixes needs --shrink-rpath");
	if (o->no_std_lib_dirs && o->rpath_op != RPATH_RELATIVE)
		return error(NULL, "--no-standard-lib-dirs needs --make-rpath-relative");
	if (o->relative_to_file && o->rpath_op != RPATH_RELATIVE)
		return error(NULL, "--relative-to-file needs --make-rpath-relative");
	if ((o->root || o->library_path) && !o->report && !o->json && !o->print_deps && !o->tree
	    && !o->install_missing && !o->compare_static && !o->build_cache)
		return error(NULL, "--root and --library-path need --print-deps, --install-missing, "
			     "--compare, --report or --build-resolution-cache");
	/* The note stands for the run path alone: the loader that reads it
	 * consults LD_LIBRARY_PATH first, as it does without the note. */
	if (o->build_cache && o->library_path)
		return error(NULL, "--build-resolution-cache records the run path only; "
			     "--library-path does not apply");
	/* patchelf 0.19 refuses the pair; so do we, so that a script fails
	 * (or works) alike with both. */
	if (o->build_cache && o->force_rpath)
		return error(NULL, "--build-resolution-cache cannot be combined with --force-rpath");
	/* The cache follows the other edits in a second pass (main.c), which
	 * a dry run, leaving the file as it is, cannot plan. */
	if (o->build_cache && o->dry_run) {
		struct options rest = *o;
		rest.build_cache = false;
		if (options_have_edits(&rest) || options_have_section_edits(&rest))
			return error(NULL, "--dry-run cannot show --build-resolution-cache after "
				     "other edits; run them one after the other");
	}
	if (o->convert != CONVERT_NONE && (o->rpath_op == RPATH_REMOVE))
		return error(NULL, "--convert-rpath/--convert-runpath and --remove-rpath conflict");
	return 0;
}

int options_parse(struct options *o, int argc, char **argv)
{
	bool only_files = false;

	memset(o, 0, sizeof(*o));
	if (argc <= 1) {
		fputs(usage_text, stderr);
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		const struct opt_spec *s = only_files ? NULL : find_spec(argv[i]);
		const char *args[2] = { NULL, NULL };
		char *owned = NULL;

		if (!s && !only_files && argv[i][0] == '-' && argv[i][1] != '\0')
			return error(NULL, "unknown option '%s' (try --help)", argv[i]);
		if (!s) {
			if (push(&o->files, &o->n_files, argv[i]) < 0)
				return -1;
			continue;
		}
		if (s->id == O_END_OPTIONS) {
			only_files = true;
			continue;
		}
		if (argc - 1 - i < s->nargs)
			return error(NULL, "option '%s' needs %d argument%s", argv[i], s->nargs,
				     s->nargs > 1 ? "s" : "");
		for (int k = 0; k < s->nargs; k++)
			args[k] = argv[i + 1 + k];
		/* A FILE that cannot be read fails like an input file, as in
		 * patchelf: exit status 1, not a usage error. */
		if (s->nargs == 1 && takes_at_file(s->id)
		    && !(args[0] = resolve_at_file(args[0], &owned)))
			return PARSE_FILE_ERROR;
		if (keep_owned(o, owned) < 0)
			return -1;
		int rc = apply(o, s->id, args);
		if (rc != 0)
			return rc;
		i += s->nargs;
	}
	return check_combination(o);
}
