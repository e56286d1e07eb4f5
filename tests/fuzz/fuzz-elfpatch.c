/* libFuzzer harness: arbitrary bytes through elfpatch's whole read side.
 *
 * Each input is written to a memfd and opened by path (/proc/self/fd/N),
 * so it takes the same route as a file named on the command line:
 * elf_image_open -> elf_validate -> dynamic_load -> print_queries ->
 * layout_report, report_measure -> for several option sets, plan_edits,
 * plan_sections, layout_verify, plan_simulate and plan_describe, as
 * --dry-run runs them.  Planning never writes, so nothing here changes the
 * input.  Everything is freed each iteration: LeakSanitizer is on.
 *
 * Build and run: tests/fuzz/run-fuzz.sh (or `make fuzz`).
 */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "core/options.h"
#include "edit/edits.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "elf/print.h"
#include "elf/validate.h"
#include "plan/check.h"
#include "plan/plan.h"
#include "report/report.h"
#include "strip/strip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static FILE *devnull;

#define LONG_RPATH "/a/very/long/run/path/that/will/not/fit/in/the/string/table" \
	"/of/any/of/our/fixtures/so/planning/has/to/look/for/free/space/and/fail" \
	"/or/grow/the/file/when/growth/is/supported/:$ORIGIN/../lib:/usr/local/lib"

/* Edit option sets, as argument vectors (the file is appended). */
static const char *const edit_sets[][8] = {
	{ "--set-rpath", "", NULL },
	{ "--set-rpath", "/x", NULL },
	{ "--set-rpath", LONG_RPATH, NULL },
	{ "--set-rpath", "/opt/lib", "--force-rpath", NULL },
	{ "--remove-rpath", NULL },
	{ "--add-needed", "libextra.so.1", "--add-needed", "libc.so.6", NULL },
	{ "--replace-needed", "libc.so.6", "libc-new.so.6", NULL },
	{ "--remove-needed", "libc.so.6", NULL },
	{ "--set-interpreter", "/lib/ld-new.so.1", NULL },
	{ "--set-soname", "libnew.so.1", NULL },
	{ "--no-default-lib", NULL },
	{ "--clear-execstack", NULL },
	{ "--set-execstack", NULL },
	{ "--set-os-abi", "linux", NULL },
	{ "--convert-rpath", NULL },
	{ "--add-rpath", "/y", "--convert-runpath", NULL },
	{ "--set-rpath", "/z", "--add-needed", "liba.so", "--set-soname", "libs.so",
	  "--no-default-lib", NULL },
	{ "--strip-debug", NULL },
	{ "--strip-all", NULL },
	{ "--remove-section", ".comment", NULL },
	{ "--strip-section-headers", NULL },
	{ "--compress-debug-sections", NULL },
	{ "--decompress-debug-sections", NULL },
	{ "--strip-all", "--set-rpath", LONG_RPATH, NULL },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("elfpatch-fuzz", 0);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	/* Queries print on stdout; libFuzzer reports on stderr. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static int parse(struct options *o, const char *const *set)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = (char *)"elfpatch";
	for (size_t i = 0; set[i]; i++)
		argv[argc++] = (char *)set[i];
	argv[argc++] = path;
	argv[argc] = NULL;
	return options_parse(o, argc, argv);
}

static void plan_with(const struct elf_image *img, const struct dynamic *dyn,
		      const char *const *set)
{
	struct options o;
	struct plan p;

	if (parse(&o, set) != 0)
		abort();    /* our own option sets are valid */
	plan_init(&p);
	if (plan_edits(img, dyn, &o, &p) == 0
	    && (!options_have_section_edits(&o) || plan_sections(img, &o, &p) == 0)
	    && layout_verify(img, &p) == 0) {
		unsigned char *buf;
		uint64_t n;
		if (plan_simulate(img, &p, &buf, &n) == 0)
			free(buf);
		plan_describe(&p, path, devnull);
	}
	plan_free(&p);
	options_free(&o);
}

static void run(void)
{
	static const char *const queries[] = {
		"--print-interpreter", "--print-os-abi", "--print-soname", "--print-rpath",
		"--print-execstack", "--print-needed", NULL
	};
	struct elf_image img;
	struct dynamic dyn = { 0 };
	struct options o;
	struct size_breakdown b;
	int found;

	if (elf_image_open(&img, path) < 0 || elf_validate(&img) < 0)
		goto out;
	(void)section_by_name(&img, ".dynstr");
	found = dynamic_load(&img, &dyn);
	if (found < 0)
		goto out;
	if (parse(&o, queries) != 0)
		abort();
	(void)print_queries(&img, found == 0 ? &dyn : NULL, &o);
	options_free(&o);
	(void)layout_report(&img);
	report_measure(&img, &b);
	for (size_t i = 0; i < sizeof(edit_sets) / sizeof(edit_sets[0]); i++)
		plan_with(&img, found == 0 ? &dyn : NULL, edit_sets[i]);
out:
	dynamic_free(&dyn);
	elf_image_close(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(memfd, 0) < 0)
		abort();
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	run();
	fflush(stdout);
	return 0;
}
