#include <config.h>

#include "deps/deps.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"

bool deps_requested(const struct options *o)
{
	return o->print_deps || o->install_missing || o->compare_static || o->tree;
}

/* ---- ldd's format ------------------------------------------------------- */

static void print_object(const struct dso *d)
{
	switch (d->state) {
	case DSO_NOT_FOUND:
		printf("\t%s => not found\n", d->name);
		break;
	case DSO_ERROR:
		printf("\t%s => %s (error: %s)\n", d->name, d->path, d->error);
		break;
	case DSO_FOUND:
		/* rtld.c prints the name alone when it is the path. */
		if (strcmp(d->name, d->path) == 0)
			printf("\t%s\n", d->path);
		else
			printf("\t%s => %s\n", d->name, d->path);
		break;
	}
}

/* rtld.c's "Version information" (LD_VERBOSE=1, ldd -v). */
static void print_versions(const struct resolution *res)
{
	bool first = true;

	for (size_t i = 0; i < res->n; i++) {
		const struct dso *d = res->objs[i];
		if (d->state != DSO_FOUND || !d->n_vneed)
			continue;
		if (first)
			printf("\n\tVersion information:\n");
		first = false;
		printf("\t%s:\n", d->path);
		for (size_t j = 0; j < d->n_vneed; j++) {
			const struct vneed *v = &d->vneed[j];
			printf("\t\t%s (%s) %s=> %s\n", v->file, v->version, v->weak ? "[WEAK] " : "",
			       v->defined ? v->provider->path : "not found");
		}
	}
}

static void print_flat(const struct resolution *res)
{
	if (res->is_static) {
		printf("\tstatically linked\n");
		return;
	}
	for (size_t i = 1; i < res->n; i++)
		print_object(res->objs[i]);
	print_versions(res);
}

/* ---- --tree, like pax-utils' lddtree ------------------------------------ */

static void tree_versions(const struct dso *parent, const char *name)
{
	bool first = true;

	for (size_t j = 0; j < parent->n_vneed; j++) {
		const struct vneed *v = &parent->vneed[j];
		if (strcmp(v->file, name) != 0)
			continue;
		printf("%s%s%s", first ? " (" : ", ", v->weak ? "[WEAK] " : "", v->version);
		if (v->missing)
			printf(": not found");
		else if (!v->defined && v->provider && !v->provider->has_verdef)
			printf(": no version information");
		first = false;
	}
	if (!first)
		putchar(')');
}

static void tree_node(const struct dso *d, int depth, const struct dso **shown, size_t *n_shown)
{
	for (size_t k = 0; k < d->n_needed; k++) {
		const struct dso *c = d->deps[k];
		if (!c)
			continue;
		printf("%*s%s => ", 4 * depth, "", d->needed[k]);
		if (c->state == DSO_NOT_FOUND)
			printf("not found");
		else if (c->state == DSO_ERROR)
			printf("%s (error: %s)", c->path, c->error);
		else
			printf("%s", c->path);
		tree_versions(d, d->needed[k]);
		putchar('\n');
		bool seen = false;
		for (size_t i = 0; i < *n_shown && !seen; i++)
			seen = shown[i] == c;
		if (seen || c->state != DSO_FOUND)
			continue;
		shown[(*n_shown)++] = c;
		tree_node(c, depth + 1, shown, n_shown);
	}
}

static int print_tree(const struct resolution *res)
{
	const struct dso *m = res->main;

	printf("%s", m->path);
	if (res->is_static) {
		printf(" (statically linked)\n");
		return 0;
	}
	if (res->interp)
		printf(" (interpreter => %s%s)", res->interp->path,
		       res->interp->state == DSO_NOT_FOUND ? ": not found" : "");
	putchar('\n');
	const struct dso **shown = calloc(res->n_all + 1, sizeof(*shown));
	size_t n_shown = 0;
	if (!shown)
		return error(NULL, "out of memory");
	shown[n_shown++] = m;
	tree_node(m, 1, shown, &n_shown);
	free(shown);
	return 0;
}

/* ---- --json -------------------------------------------------------------- */

static void json_object(const struct resolution *res, const struct dso *d)
{
	bool first = true;

	fputs("{", stdout);
	json_key(stdout, &first, "name");
	json_string(stdout, d->name);
	json_key(stdout, &first, "found");
	fputs(d->state == DSO_FOUND ? "true" : "false", stdout);
	if (d->state != DSO_NOT_FOUND) {
		json_key(stdout, &first, "path");
		json_string(stdout, d->path);
		json_key(stdout, &first, "host_path");
		json_string(stdout, d->host);
		json_key(stdout, &first, "in_root");
		fputs(d->host_side ? "false" : "true", stdout);
		json_key(stdout, &first, "via");
		json_string(stdout, d->via);
	}
	if (d->state == DSO_ERROR) {
		json_key(stdout, &first, "error");
		json_string(stdout, d->error);
	}
	json_key(stdout, &first, "needed_by");
	json_string(stdout, d->loader ? d->loader->path : d->is_interp ? NULL : res->main->path);
	if (d->state == DSO_FOUND) {
		json_key(stdout, &first, "soname");
		json_string(stdout, d->soname);
		json_key(stdout, &first, "size");
		printf("%llu", (unsigned long long)d->size);
		json_key(stdout, &first, "needed");
		fputs("[", stdout);
		for (size_t k = 0; k < d->n_needed; k++) {
			fputs(k ? ", " : "", stdout);
			json_string(stdout, d->needed[k]);
		}
		fputs("]", stdout);
	}
	fputs("}", stdout);
}

static void json_versions(const struct resolution *res)
{
	bool any = false;

	fputs("[", stdout);
	for (size_t i = 0; i < res->n; i++) {
		const struct dso *d = res->objs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_vneed; j++) {
			const struct vneed *v = &d->vneed[j];
			bool first = true;
			fputs(any ? ", {" : "{", stdout);
			any = true;
			json_key(stdout, &first, "object");
			json_string(stdout, d->path);
			json_key(stdout, &first, "file");
			json_string(stdout, v->file);
			json_key(stdout, &first, "version");
			json_string(stdout, v->version);
			json_key(stdout, &first, "weak");
			fputs(v->weak ? "true" : "false", stdout);
			json_key(stdout, &first, "defined");
			fputs(v->defined ? "true" : "false", stdout);
			json_key(stdout, &first, "missing");
			fputs(v->missing ? "true" : "false", stdout);
			json_key(stdout, &first, "provider");
			json_string(stdout, v->provider ? v->provider->path : NULL);
			fputs("}", stdout);
		}
	}
	fputs("]", stdout);
}

static void print_json(const char *file, const struct ld_env *env, const struct resolution *res)
{
	bool first = true;

	fputs("{", stdout);
	json_key(stdout, &first, "file");
	json_string(stdout, file);
	json_key(stdout, &first, "path");
	json_string(stdout, res->main->path);
	json_key(stdout, &first, "root");
	json_string(stdout, env->root.given);
	json_key(stdout, &first, "static");
	fputs(res->is_static ? "true" : "false", stdout);
	json_key(stdout, &first, "interpreter");
	json_string(stdout, res->interp ? res->interp->path : NULL);
	json_key(stdout, &first, "search_dirs");
	fputs("[", stdout);
	for (size_t i = 0; i < res->target.n_dirs; i++) {
		fputs(i ? ", " : "", stdout);
		json_string(stdout, res->target.dirs[i]);
	}
	fputs("]", stdout);
	json_key(stdout, &first, "objects");
	fputs("[", stdout);
	for (size_t i = 1; i < res->n; i++) {
		fputs(i > 1 ? ", " : "", stdout);
		json_object(res, res->objs[i]);
	}
	fputs("]", stdout);
	json_key(stdout, &first, "versions");
	json_versions(res);
	json_key(stdout, &first, "not_found");
	printf("%zu", res->not_found);
	json_key(stdout, &first, "errors");
	printf("%zu", res->errors);
	json_key(stdout, &first, "missing_versions");
	printf("%zu", res->missing_versions);
	json_key(stdout, &first, "ok");
	fputs(res->not_found || res->errors || res->missing_versions ? "false" : "true", stdout);
	fputs("}", stdout);
}

/* ---- --print-deps ------------------------------------------------------- */

static void report_problems(const char *file, const struct ld_env *env,
			    const struct resolution *res)
{
	size_t libs = res->not_found;

	for (size_t i = 0; i < res->n; i++) {
		const struct dso *d = res->objs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_vneed; j++) {
			const struct vneed *v = &d->vneed[j];
			if (v->missing)
				error(file, "%s: version '%s' not found (required by %s)",
				      v->provider->path, v->version, d->path);
		}
	}
	if (res->interp && res->interp->state == DSO_NOT_FOUND) {
		error(file, "interpreter %s not found in %s", res->interp->path, env->root.given);
		libs--;
	}
	if (libs)
		error(file, "%zu librar%s not found", libs, libs == 1 ? "y" : "ies");
	if (res->errors)
		error(file, "%zu librar%s not usable", res->errors, res->errors == 1 ? "y" : "ies");
}

/* 0 all resolved, 1 something missing, -1 FILE unusable. */
static int print_deps(struct ld_env *env, const struct options *o, const char *file, bool header,
		      bool use_llp, bool *first_json)
{
	struct resolution res;
	int rc = resolve(env, file, use_llp, &res);

	if (rc < 0) {
		resolution_free(&res);
		return -1;
	}
	if (o->json) {
		fputs(*first_json ? "" : ",\n", stdout);
		*first_json = false;
		print_json(file, env, &res);
	} else if (o->tree) {
		rc = print_tree(&res);
	} else {
		if (header)
			printf("%s:\n", file);
		print_flat(&res);
	}
	report_problems(file, env, &res);
	if (rc == 0 && (res.not_found || res.errors || res.missing_versions))
		rc = 1;
	resolution_free(&res);
	return rc;
}

int deps_run(const struct options *o, const struct deps_hooks *h)
{
	struct ld_env env;
	int worst = 0;

	if (o->compare_static && o->n_files) {
		error(NULL, "--compare takes no FILE arguments (try --help)");
		return 2;
	}
	if (o->install_missing && !o->root) {
		error(NULL, "--install-missing needs --root SYSROOT");
		return 2;
	}
	if (options_have_edits(o) || o->output) {
		error(NULL, "--print-deps, --install-missing and --compare do not edit FILE; "
		      "run the edits separately");
		return 2;
	}
	/* --strip and --strip-all are for the libraries --install-missing
	 * copies; nothing else here edits. */
	struct options rest = *o;
	rest.strip_debug = rest.strip_all = false;
	if (options_have_section_edits(&rest)
	    || ((o->strip_debug || o->strip_all) && !o->install_missing)) {
		error(NULL, "with --print-deps and --compare, only --install-missing takes --strip");
		return 2;
	}
	if (ld_env_init(&env, o) < 0) {
		ld_env_free(&env);
		return EXIT_FAILURE;
	}
	if (o->install_missing)
		worst = deps_install(&env, o, h);
	if (o->print_deps || o->tree) {
		bool first_json = true;
		if (o->json)
			fputs("[", stdout);
		for (size_t i = 0; i < o->n_files; i++) {
			/* After --install-missing: what SYSROOT itself now holds. */
			int rc = print_deps(&env, o, o->files[i], o->n_files > 1, !o->install_missing,
					    &first_json);
			if (rc < 0 || (rc > 0 && worst == 0))
				worst = rc;
		}
		if (o->json)
			fputs("]\n", stdout);
	}
	if (o->compare_static) {
		int rc = deps_compare(&env, o, h);
		if (rc < 0 || (rc > 0 && worst == 0))
			worst = rc;
	}
	ld_env_free(&env);
	return worst == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
