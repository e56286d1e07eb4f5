/* --compare STATIC DYNAMIC: two builds of one program side by side, and
 * how many such programs must share the dynamic one's libraries before
 * dynamic linking takes less room in the root filesystem.
 *
 * Deployed files are stripped, so the break-even uses stripped sizes.
 * When this build can strip (deps_hooks.can_strip), a copy is stripped
 * with --strip-all and measured; otherwise the size is estimated from the
 * file's own tables (stripped_size_estimate()).  A library the root
 * filesystem already holds costs nothing more; one it lacks is paid once,
 * however many programs use it:
 *   N static programs:  N * S
 *   N dynamic programs: N * D + L    (L: the libraries not in SYSROOT)
 * so dynamic wins from the smallest N with N * (S - D) > L.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "core/scratch.h"
#include "deps/deps.h"
#include "elf/validate.h"

/* Sections strip --strip-all removes: the symbol table and its strings,
 * debugging information, relocations of what is removed. */
static bool stripped_away(const struct elf_image *img, size_t i)
{
	const struct xshdr *s = &img->sh[i];
	const char *name = section_name(img, i);

	if (s->flags & SHF_ALLOC)
		return false;
	if (s->type == SHT_SYMTAB || s->type == SHT_REL || s->type == SHT_RELA
	    || s->type == SHT_SYMTAB_SHNDX || i == img->shstrndx)
		return true;
	return strcmp(name, ".strtab") == 0 || strncmp(name, ".debug", 6) == 0
	       || strncmp(name, ".zdebug", 7) == 0 || strncmp(name, ".stab", 5) == 0
	       || strcmp(name, ".gnu_debuglink") == 0 || strcmp(name, ".gnu_debugaltlink") == 0;
}

uint64_t stripped_size_estimate(const struct elf_image *img)
{
	struct elf_class c = img->cls;
	uint64_t end = ehdr_size(c) + (uint64_t)img->phnum * phdr_size(c), names = 1;
	size_t kept = 0, removed = 0;

	for (size_t i = 0; i < img->phnum; i++)
		if (img->ph[i].type == PT_LOAD && img->ph[i].offset + img->ph[i].filesz > end)
			end = img->ph[i].offset + img->ph[i].filesz;
	if (img->shnum == 0)
		return end < img->size ? end : img->size;
	for (size_t i = 1; i < img->shnum; i++)
		removed += i != img->shstrndx && stripped_away(img, i);
	if (removed == 0)
		return img->size;   /* already stripped: strip leaves it as it is */
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if ((s->flags & SHF_ALLOC) && s->type != SHT_NOBITS && s->offset + s->size > end)
			end = s->offset + s->size;
	}
	/* Non-allocated sections that stay go after the loaded contents. */
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		if (stripped_away(img, i))
			continue;
		kept++;
		names += strlen(section_name(img, i)) + 1;
		if (s->flags & SHF_ALLOC)
			continue;
		end = align_up(end, is_pow2(s->addralign) ? s->addralign : 1);
		if (s->type != SHT_NOBITS)
			end += s->size;
	}
	/* The rebuilt .shstrtab, then the section header table. */
	names += sizeof(".shstrtab");
	end = align_up(end + names, c.is64 ? 8 : 4) + (kept + 2) * shdr_size(c);
	return end < img->size ? end : img->size;
}

/* Strips a temporary copy with main.c's chain and measures it.  Silent
 * on failure: the caller falls back to the estimate. */
static int stripped_size_real(const struct deps_hooks *h, const char *path, bool all,
			      uint64_t *size)
{
	char tmp[] = "/tmp/elfpatch-compare-XXXXXX";
	struct options e = { 0 };
	struct stat st;
	int rc = -1;

	if (scratch_copy(path, tmp, S_IRUSR | S_IWUSR, true) < 0)
		return -1;
	e.strip_all = all;
	e.strip_debug = !all;
	if (h->edit_file(tmp, &e) == 0 && stat(tmp, &st) == 0) {
		*size = (uint64_t)st.st_size;
		rc = 0;
	}
	unlink(tmp);
	return rc;
}

uint64_t stripped_size(const struct deps_hooks *h, const struct elf_image *img, bool all)
{
	uint64_t size;

	if (h && h->can_strip && stripped_size_real(h, img->path, all, &size) == 0)
		return size;
	return all ? stripped_size_estimate(img) : img->size;
}

struct measured {
	uint64_t size, stripped;
	bool exact;                 /* stripped by the strip feature */
};

static int measure(const struct deps_hooks *h, const char *path, struct measured *m)
{
	struct elf_image img;

	if (elf_image_open(&img, path) < 0 || elf_validate(&img) < 0) {
		elf_image_close(&img);
		return -1;
	}
	m->size = img.size;
	m->stripped = stripped_size_estimate(&img);
	m->exact = false;
	elf_image_close(&img);
	if (h->can_strip && stripped_size_real(h, path, true, &m->stripped) == 0)
		m->exact = true;
	return 0;
}

static void human(char *buf, size_t size, uint64_t n)
{
	if (n >= 1024 * 1024)
		snprintf(buf, size, " (%.1f MB)", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(buf, size, " (%.1f KB)", (double)n / 1024.0);
	else
		buf[0] = '\0';
}

struct lib {
	const struct dso *d;
	struct measured m;
};

struct comparison {
	struct measured st, dy;
	bool static_is_dynamic;
	struct lib *libs;
	size_t n_libs, n_missing, n_outside;
	uint64_t outside;           /* stripped bytes of libraries not in SYSROOT */
	bool wins;
	uint64_t break_even;
	char summary[512];
};

static void summarize(struct comparison *c)
{
	char h[32];
	uint64_t s = c->st.stripped, d = c->dy.stripped;
	int n;

	human(h, sizeof(h), c->outside);
	n = snprintf(c->summary, sizeof(c->summary), "static: %llu B each; dynamic: %llu B each",
		     (unsigned long long)s, (unsigned long long)d);
	if (c->n_outside)
		n += snprintf(c->summary + n, sizeof(c->summary) - (size_t)n,
			      " + %zu shared librar%s of %llu B%s not in the rootfs", c->n_outside,
			      c->n_outside == 1 ? "y" : "ies", (unsigned long long)c->outside, h);
	else
		n += snprintf(c->summary + n, sizeof(c->summary) - (size_t)n,
			      " (its libraries are all in the rootfs)");
	c->wins = d < s;
	if (c->wins) {
		c->break_even = c->outside / (s - d) + 1;
		snprintf(c->summary + n, sizeof(c->summary) - (size_t)n,
			 "; dynamic wins from %llu program%s", (unsigned long long)c->break_even,
			 c->break_even == 1 ? "" : "s");
	} else {
		snprintf(c->summary + n, sizeof(c->summary) - (size_t)n,
			 "; static is smaller for any number of programs");
	}
}

static void json_measured(const char *file, const char *path, const struct measured *m,
			  bool dynamic)
{
	bool first = true;

	fputs("{", stdout);
	json_key(stdout, &first, "file");
	json_string(stdout, file);
	json_key(stdout, &first, "path");
	json_string(stdout, path);
	json_key(stdout, &first, "size");
	printf("%llu", (unsigned long long)m->size);
	json_key(stdout, &first, "stripped_size");
	printf("%llu", (unsigned long long)m->stripped);
	json_key(stdout, &first, "stripped_exact");
	fputs(m->exact ? "true" : "false", stdout);
	json_key(stdout, &first, "dynamic");
	fputs(dynamic ? "true" : "false", stdout);
	fputs("}", stdout);
}

static void print_json(const struct options *o, const struct resolution *res,
		       const struct comparison *c)
{
	bool first = true;

	fputs("{", stdout);
	json_key(stdout, &first, "static");
	json_measured(o->compare_static, NULL, &c->st, c->static_is_dynamic);
	json_key(stdout, &first, "dynamic");
	json_measured(o->compare_dynamic, res->main->path, &c->dy, true);
	json_key(stdout, &first, "root");
	json_string(stdout, o->root ? o->root : "/");
	json_key(stdout, &first, "libraries");
	fputs("[", stdout);
	for (size_t i = 0; i < c->n_libs; i++) {
		const struct lib *l = &c->libs[i];
		bool f = true;
		fputs(i ? ", {" : "{", stdout);
		json_key(stdout, &f, "name");
		json_string(stdout, l->d->name);
		json_key(stdout, &f, "path");
		json_string(stdout, l->d->path);
		json_key(stdout, &f, "host_path");
		json_string(stdout, l->d->host);
		json_key(stdout, &f, "in_root");
		fputs(dso_in_root(l->d) ? "true" : "false", stdout);
		json_key(stdout, &f, "size");
		printf("%llu", (unsigned long long)l->m.size);
		json_key(stdout, &f, "stripped_size");
		printf("%llu", (unsigned long long)l->m.stripped);
		json_key(stdout, &f, "stripped_exact");
		fputs(l->m.exact ? "true" : "false", stdout);
		fputs("}", stdout);
	}
	fputs("]", stdout);
	json_key(stdout, &first, "not_found");
	fputs("[", stdout);
	for (size_t i = 0, k = 0; i < res->n; i++)
		if (res->objs[i]->state != DSO_FOUND) {
			fputs(k++ ? ", " : "", stdout);
			json_string(stdout, res->objs[i]->name);
		}
	fputs("]", stdout);
	json_key(stdout, &first, "per_program_static");
	printf("%llu", (unsigned long long)c->st.stripped);
	json_key(stdout, &first, "per_program_dynamic");
	printf("%llu", (unsigned long long)c->dy.stripped);
	json_key(stdout, &first, "libraries_not_in_root");
	printf("%zu", c->n_outside);
	json_key(stdout, &first, "libraries_not_in_root_size");
	printf("%llu", (unsigned long long)c->outside);
	json_key(stdout, &first, "break_even");
	if (c->wins)
		printf("%llu", (unsigned long long)c->break_even);
	else
		fputs("null", stdout);
	json_key(stdout, &first, "summary");
	json_string(stdout, c->summary);
	fputs("}\n", stdout);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

static void row(const char *label, const char *a, const char *b)
{
	printf("%-18s %-26s %s\n", label, a, b);
}

static void print_text(const struct options *o, const struct resolution *res,
		       const struct comparison *c)
{
	const char *est = " (estimated)";
	char a[80], b[80], h[32];

	printf("static:  %s\ndynamic: %s\n\n", o->compare_static, o->compare_dynamic);
	row("", "STATIC", "DYNAMIC");
	row("program", base_name(o->compare_static), base_name(o->compare_dynamic));
	human(h, sizeof(h), c->st.size);
	snprintf(a, sizeof(a), "%llu B%s", (unsigned long long)c->st.size, h);
	human(h, sizeof(h), c->dy.size);
	snprintf(b, sizeof(b), "%llu B%s", (unsigned long long)c->dy.size, h);
	row("file size", a, b);
	snprintf(a, sizeof(a), "%llu B%s", (unsigned long long)c->st.stripped,
		 c->st.exact ? "" : est);
	snprintf(b, sizeof(b), "%llu B%s", (unsigned long long)c->dy.stripped,
		 c->dy.exact ? "" : est);
	row("stripped size", a, b);
	snprintf(b, sizeof(b), "%zu (%zu not in the rootfs)", c->n_libs, c->n_outside);
	row("shared libraries", c->static_is_dynamic ? "? (dynamically linked)" : "none", b);
	if (c->n_libs || c->n_missing)
		printf("\nshared libraries of the dynamic program (stripped sizes%s):\n",
		       c->n_libs && !c->libs[0].m.exact ? ", estimated" : "");
	for (size_t i = 0; i < c->n_libs; i++) {
		const struct lib *l = &c->libs[i];
		snprintf(a, sizeof(a), "%llu B", (unsigned long long)l->m.stripped);
		printf("  %-26s %12s  %s %s\n", l->d->name, a,
		       dso_in_root(l->d) ? "in the rootfs:" : "NOT in the rootfs, from",
		       dso_in_root(l->d) ? l->d->path : l->d->host);
	}
	for (size_t i = 0; i < res->n; i++)
		if (res->objs[i]->state != DSO_FOUND && !res->objs[i]->is_main)
			printf("  %-26s %12s  not found: not counted\n", res->objs[i]->name, "?");
	printf("\n%s\n", c->summary);
}

int deps_compare(struct ld_env *env, const struct options *o, const struct deps_hooks *h)
{
	struct comparison c = { 0 };
	struct resolution res;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (measure(h, o->compare_static, &c.st) < 0)
		return -1;
	if (resolve(env, o->compare_static, true, &res) < 0)
		goto out;
	c.static_is_dynamic = !res.is_static;
	if (c.static_is_dynamic)
		warning(o->compare_static, "is dynamically linked: its libraries are not counted");
	resolution_free(&res);
	if (measure(h, o->compare_dynamic, &c.dy) < 0 || resolve(env, o->compare_dynamic, true, &res) < 0)
		goto out;
	if (res.is_static)
		warning(o->compare_dynamic, "is statically linked");
	c.libs = calloc(res.n + 1, sizeof(*c.libs));
	if (!c.libs) {
		error(NULL, "out of memory");
		goto out;
	}
	/* Every object the program loads, the interpreter included (the
	 * kernel loads it even when no library names it). */
	for (size_t i = 0; i <= res.n; i++) {
		const struct dso *d = i < res.n ? res.objs[i] : res.interp;
		if (!d || d->is_main || (i == res.n && res.interp_listed))
			continue;
		if (d->state != DSO_FOUND) {
			c.n_missing++;
			if (d->is_interp)
				error(o->compare_dynamic, "interpreter %s not found in %s", d->path,
				      env->root.given);
			continue;
		}
		struct lib *l = &c.libs[c.n_libs];
		l->d = d;
		if (measure(h, d->host, &l->m) < 0)
			goto out;
		c.n_libs++;
		if (!dso_in_root(d)) {
			c.n_outside++;
			c.outside += l->m.stripped;
		}
	}
	summarize(&c);
	if (o->json)
		print_json(o, &res, &c);
	else
		print_text(o, &res, &c);
	rc = c.n_missing ? 1 : 0;
	if (c.n_missing)
		error(o->compare_dynamic, "%zu librar%s not found: the comparison is incomplete",
		      c.n_missing, c.n_missing == 1 ? "y" : "ies");
out:
	resolution_free(&res);
	free(c.libs);
	return rc;
}
