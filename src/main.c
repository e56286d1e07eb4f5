/* elfpatch: per-file driver.  Each file runs the chain
 * open -> validate -> locate dynamic -> print queries -> plan -> commit;
 * a failing file is reported and the batch goes on (exit 1 at the end). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "commit.h"
#include "diag.h"
#include "dynamic.h"
#include "image.h"
#include "options.h"
#include "plan.h"
#include "print.h"
#include "validate.h"

static int apply_plan(struct elf_image *img, const struct plan *plan, const struct options *o)
{
	if (o->dry_run) {
		plan_describe(plan, img->path, stdout);
		return 0;
	}
	if (o->output)
		return commit_to_output(img, plan, o->output, o);
	return commit_in_place(img, plan, o);
}

static int process_file(const char *path, const struct options *o)
{
	struct elf_image img;
	struct dynamic dyn = { 0 };
	struct plan plan;
	bool edit = options_have_edits(o) || o->output;
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
	if (!edit) {
		rc = 0;
		goto out;
	}
	if (plan_edits(&img, found == 0 ? &dyn : NULL, o, &plan) < 0)
		goto out;
	rc = apply_plan(&img, &plan, o);
out:
	plan_free(&plan);
	dynamic_free(&dyn);
	elf_image_close(&img);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	int failed = 0;
	int rc = options_parse(&o, argc, argv);

	if (rc != 0) {
		options_free(&o);
		return rc > 0 ? EXIT_SUCCESS : 2;
	}
	for (size_t i = 0; i < o.n_files; i++)
		if (process_file(o.files[i], &o) < 0)
			failed++;
	options_free(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error(NULL, "write error on standard output");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
