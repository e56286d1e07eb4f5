/* elfpatch: per-file driver.  Each file runs the chain
 * open -> validate -> locate dynamic -> print queries -> plan -> commit;
 * a failing file is reported and the batch goes on (exit 1 at the end). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "core/diag.h"
#include "core/namemap.h"
#include "core/options.h"
#include "deps/deps.h"
#include "deps/ldconfig.h"
#include "edit/edits.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "elf/print.h"
#include "elf/validate.h"
#include "plan/check.h"
#include "plan/commit.h"
#include "plan/plan.h"
#include "report/report.h"
#include "strip/strip.h"

static int apply_plan(struct elf_image *img, const struct plan *plan, const struct options *o)
{
	/* The planned result is checked before anything is written. */
	if (layout_verify(img, plan) != 0)
		return -1;
	if (o->dry_run) {
		plan_describe(plan, img->path, stdout);
		return 0;
	}
	if (o->output)
		return commit_to_output(img, plan, o->output, o);
	return commit_in_place(img, plan, o);
}

static int process_file(const char *path, const struct options *o, struct report *rep)
{
	struct elf_image img;
	struct dynamic dyn = { 0 };
	struct plan plan;
	bool edit = options_have_edits(o) || options_have_section_edits(o) || o->output;
	struct size_breakdown before;
	int rc = -1, found;

	plan_init(&plan);
	if (elf_image_open(&img, path) < 0
	    || elf_validate(&img) < 0)
		goto out;
	found = dynamic_load(&img, &dyn);
	if (found < 0)
		goto out;
	if (print_queries(&img, found == 0 ? &dyn : NULL, o) < 0)
		goto out;
	if (o->check && layout_report(&img) != 0)
		goto out;
	if (rep)
		report_measure(&img, &before);
	if (!edit) {
		rc = rep ? report_unchanged(rep, &img, &before) : 0;
		goto out;
	}
	if (plan_edits(&img, found == 0 ? &dyn : NULL, o, &plan) < 0)
		goto out;
	if (o->only_keep_debug && sections_split_debug(&img, o) < 0)
		goto out;
	if (options_have_section_edits(o) && plan_sections(&img, o, &plan) < 0)
		goto out;
	rc = apply_plan(&img, &plan, o);
	if (rc == 0 && rep)
		rc = report_after(rep, &img, &plan, o, &before);
out:
	plan_free(&plan);
	dynamic_free(&dyn);
	elf_image_close(&img);
	return rc;
}

/* --install-missing and --compare edit copies with the same chain. */
static int edit_copy(const char *path, const struct options *o)
{
	return process_file(path, o, NULL);
}

int main(int argc, char **argv)
{
	struct options o;
	struct report report;
	const struct deps_hooks hooks = { edit_copy, true };
	int failed = 0;
	int rc = options_parse(&o, argc, argv);

	if (rc != 0) {
		options_free(&o);
		return rc > 0 ? EXIT_SUCCESS : rc == PARSE_FILE_ERROR ? EXIT_FAILURE : 2;
	}
	if (o.ldconfig || o.print_cache) {
		rc = o.ldconfig ? ldconfig_run(&o) : print_cache_run(&o);
		options_free(&o);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error(NULL, "write error on standard output");
			return EXIT_FAILURE;
		}
		return rc;
	}
	/* A map file that cannot be used is bad input, not a usage error:
	 * exit 1, as patchelf does. */
	if (o.rename_map_file && namemap_load(o.rename_map_file, &o.rename_syms) < 0) {
		options_free(&o);
		return EXIT_FAILURE;
	}
	if (deps_requested(&o)) {
		rc = deps_run(&o, &hooks);
		options_free(&o);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error(NULL, "write error on standard output");
			return EXIT_FAILURE;
		}
		return rc;
	}
	report_init(&report);
	if ((o.report || o.json) && (o.root || o.library_path)
	    && report_init_root(&report, &o, &hooks) < 0) {
		report_free(&report);
		options_free(&o);
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < o.n_files; i++)
		if (process_file(o.files[i], &o, o.report || o.json ? &report : NULL) < 0)
			failed++;
	if (o.report || o.json)
		report_print(&report, o.json, stdout);
	report_free(&report);
	options_free(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error(NULL, "write error on standard output");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
