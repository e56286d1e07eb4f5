/* elfpatch: per-file driver.  Each file runs the chain
 * open -> validate -> locate dynamic -> print queries -> plan -> commit;
 * a failing file is reported and the batch goes on (exit 1 at the end). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/diag.h"
#include "core/namemap.h"
#include "core/options.h"
#include "deps/deps.h"
#include "deps/ldconfig.h"
#include "deps/rescache.h"
#include "edit/edits.h"
#include "elf/dynamic.h"
#include "elf/image.h"
#include "elf/ldnote.h"
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

/* --build-resolution-cache: built once, as in patchelf: a note that
 * already records the same is left alone; any other is an error, also
 * when there is nothing to record now. */
static int plan_cache(const struct elf_image *img, const struct dynamic *dyn,
		      const struct options *o, struct plan *plan)
{
	const unsigned char *old = NULL;
	size_t old_len = 0, len = 0, note_len;
	char *desc = NULL;
	const char *why = "";
	enum ldnote_state st = ldnote_find(img, &old, &old_len, NULL);
	int rc = rescache_describe(o, img, dyn, &desc, &len, &why);

	if (rc < 0)
		return -1;
	if (rc == 1 && st == LDNOTE_FOUND && old_len == len && memcmp(old, desc, len) == 0) {
		trace(o->debug, img->path, "resolution cache already up to date");
		free(desc);
		return 0;
	}
	free(st == LDNOTE_NONE ? NULL : desc);
	if (st != LDNOTE_NONE)
		return error(img->path, "--build-resolution-cache: a resolution cache note is "
			     "already present; rebuild from an unpatched binary");
	if (rc == 0) {
		warning(img->path, "--build-resolution-cache: %s; no cache written", why);
		return 0;
	}
	unsigned char *note = ldnote_encode(img->cls, desc, len, &note_len);
	free(desc);
	if (!note)
		return error(img->path, "out of memory");
	rc = plan_cache_note(img, dyn, o, note, note_len, plan);
	free(note);
	return rc;
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
	if (o->build_cache && plan_cache(&img, found == 0 ? &dyn : NULL, o, &plan) < 0)
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

/* patchelf builds the cache from the run path and DT_NEEDED entries its
 * other edits leave.  A plan is made against the file as it is, so with
 * other edits the cache is a second pass over their result (killed in
 * between, the file has the edits and no cache), and the first pass
 * keeps the note segment, which the note joins. */
static bool cache_after_edits(const struct options *o)
{
	struct options rest = *o;

	rest.build_cache = false;
	return o->build_cache && (options_have_edits(&rest) || options_have_section_edits(&rest));
}

static int edits_then_cache(const char *path, const struct options *o, struct report *rep)
{
	struct options first = *o, second;

	first.build_cache = false;
	/* The note joins the note segment: the edits' growth must not take
	 * its program header (grow.c). */
	first.keep_note_segment = true;
	if (process_file(path, &first, rep) < 0)
		return -1;
	memset(&second, 0, sizeof(second));
	second.build_cache = true;
	second.root = o->root;
	second.page_size = o->page_size;
	second.keep_note_segment = o->keep_note_segment;
	second.no_grow = o->no_grow;
	second.debug = o->debug;
	second.preserve_dates = o->preserve_dates;
	return process_file(o->output ? o->output : path, &second, NULL);
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
		if ((cache_after_edits(&o) ? edits_then_cache : process_file)(
			    o.files[i], &o, o.report || o.json ? &report : NULL) < 0)
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
