#include <config.h>

#include "report/report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/diag.h"
#include "core/json.h"
#include "elf/validate.h"
#include "strip/strip.h"

static const char *const kind_label[SIZE_KINDS] = {
	"code", "rodata", "data", "dynamic", "symbols", "debug", "other"
};
static const char *const kind_json[SIZE_KINDS] = {
	"code", "read_only_data", "data", "dynamic_linking", "symbols", "debug_info", "other"
};

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

int report_init_root(struct report *r, const struct options *o, const struct deps_hooks *h)
{
	r->root = o->root ? o->root : "/";
	if (footprint_init(&r->fp, o, h) < 0) {
		footprint_free(&r->fp);
		return -1;
	}
	r->with_root = true;
	return 0;
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].file);
		footprint_entry_free(&r->e[i].deployed);
	}
	free(r->e);
	if (r->with_root)
		footprint_free(&r->fp);
	report_init(r);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_dynamic_table(const struct elf_image *img, const struct xshdr *s, const char *name)
{
	switch (s->type) {
	case SHT_DYNSYM: case SHT_HASH: case SHT_GNU_HASH: case SHT_GNU_versym:
	case SHT_GNU_verdef: case SHT_GNU_verneed: case SHT_DYNAMIC: case SHT_REL: case SHT_RELA:
	case SHT_RELR: case SHT_STRTAB:
		return true;
	}
	(void)img;
	return strcmp(name, ".interp") == 0 || starts(name, ".got") || starts(name, ".plt")
	       || starts(name, ".iplt") || starts(name, ".igot");
}

static enum size_kind alloc_kind(const struct elf_image *img, const struct xshdr *s, const char *name)
{
	if (is_dynamic_table(img, s, name))
		return SIZE_DYNAMIC;
	if (s->flags & SHF_EXECINSTR)
		return SIZE_CODE;
	if (s->flags & SHF_WRITE)
		return SIZE_DATA;
	return SIZE_RODATA;
}

/* Non-allocated: debug sections and their relocations, symbol tables and
 * the string tables they use, the rest is "other". */
static enum size_kind plain_kind(const struct elf_image *img, size_t i)
{
	const struct xshdr *s = &img->sh[i];

	if (section_is_debug(section_name(img, i)))
		return SIZE_DEBUG;
	if ((s->type == SHT_REL || s->type == SHT_RELA) && s->info && s->info < img->shnum
	    && section_is_debug(section_name(img, s->info)))
		return SIZE_DEBUG;
	if (s->type == SHT_SYMTAB || s->type == SHT_SYMTAB_SHNDX)
		return SIZE_SYMBOLS;
	if (s->type == SHT_STRTAB && i != img->shstrndx)
		for (size_t k = 1; k < img->shnum; k++)
			if (img->sh[k].type == SHT_SYMTAB && img->sh[k].link == i)
				return SIZE_SYMBOLS;
	return SIZE_OTHER;
}

static void measure_segments(const struct elf_image *img, struct size_breakdown *b)
{
	for (size_t i = 0; i < img->phnum; i++) {
		const struct xphdr *p = &img->ph[i];
		if (p->type != PT_LOAD)
			continue;
		enum size_kind k = (p->flags & PF_X) ? SIZE_CODE : (p->flags & PF_W) ? SIZE_DATA
										: SIZE_RODATA;
		b->kind[k] += p->filesz;
		b->bss += p->memsz - p->filesz;
	}
}

void report_measure(const struct elf_image *img, struct size_breakdown *b)
{
	uint64_t sum = 0;

	memset(b, 0, sizeof(*b));
	b->size = img->size;
	if (img->shnum == 0)
		measure_segments(img, b);
	for (size_t i = 1; i < img->shnum; i++) {
		const struct xshdr *s = &img->sh[i];
		const char *name = section_name(img, i);
		if (s->type == SHT_NULL)
			continue;
		if (s->type == SHT_NOBITS) {
			if (s->flags & SHF_ALLOC)
				b->bss += s->size;
			continue;
		}
		b->kind[(s->flags & SHF_ALLOC) ? alloc_kind(img, s, name) : plain_kind(img, i)] += s->size;
	}
	for (int k = 0; k < SIZE_KINDS; k++)
		sum += b->kind[k];
	/* Headers, padding and gaps are "other". */
	if (sum <= b->size)
		b->kind[SIZE_OTHER] += b->size - sum;
}

static int add(struct report *r, const char *file, bool edited, const struct size_breakdown *before,
	       const struct size_breakdown *after)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct report_entry *e = realloc(r->e, cap * sizeof(*e));
		if (!e)
			return error(file, "out of memory");
		r->e = e;
		r->cap = cap;
	}
	struct report_entry *e = &r->e[r->n];
	e->file = strdup(file);
	if (!e->file)
		return error(file, "out of memory");
	e->edited = edited;
	e->before = *before;
	e->after = *after;
	memset(&e->deployed, 0, sizeof(e->deployed));
	r->n++;
	/* The file as written: its edits may have changed what it needs. */
	if (r->with_root && footprint_add(&r->fp, file, after->size, &e->deployed) < 0)
		return -1;
	return 0;
}

int report_unchanged(struct report *r, const struct elf_image *img,
		     const struct size_breakdown *before)
{
	return add(r, img->path, false, before, before);
}

/* The dry-run result, validated like any input: a check of the plan too. */
static int measure_simulated(const struct elf_image *img, const struct plan *plan,
			     struct size_breakdown *b)
{
	struct elf_image sim;
	unsigned char *buf = NULL;
	uint64_t size;
	int rc = -1;

	if (plan_simulate(img, plan, &buf, &size) < 0)
		return -1;
	memset(&sim, 0, sizeof(sim));
	sim.path = img->path;
	sim.fd = -1;
	sim.map = buf;
	sim.size = size;
	sim.st = img->st;
	if (elf_validate(&sim) == 0) {
		report_measure(&sim, b);
		rc = 0;
	}
	free(sim.ph);
	free(sim.sh);
	free(buf);
	return rc;
}

static int measure_file(const char *path, struct size_breakdown *b)
{
	struct elf_image img;
	int rc = -1;

	if (elf_image_open(&img, path) == 0 && elf_validate(&img) == 0) {
		report_measure(&img, b);
		rc = 0;
	}
	elf_image_close(&img);
	return rc;
}

int report_after(struct report *r, const struct elf_image *img, const struct plan *plan,
		 const struct options *o, const struct size_breakdown *before)
{
	struct size_breakdown after;
	struct stat st;
	int rc;

	/* A device or a FIFO written to cannot be read back. */
	if (o->dry_run || (o->output && (stat(o->output, &st) < 0 || !S_ISREG(st.st_mode))))
		rc = measure_simulated(img, plan, &after);
	else
		rc = measure_file(o->output ? o->output : img->path, &after);
	if (rc < 0)
		return -1;
	return add(r, o->output ? o->output : img->path, true, before, &after);
}

static void sum_into(struct size_breakdown *t, const struct size_breakdown *b)
{
	t->size += b->size;
	t->bss += b->bss;
	for (int k = 0; k < SIZE_KINDS; k++)
		t->kind[k] += b->kind[k];
}

static double percent(uint64_t before, uint64_t after)
{
	return before ? 100.0 * ((double)before - (double)after) / (double)before : 0.0;
}

/* Columns as wide as their widest value, like size -A. */
#define NCOLS (SIZE_KINDS + 2)

static void row_values(const struct size_breakdown *b, int64_t v[NCOLS])
{
	v[0] = (int64_t)b->size;
	for (int k = 0; k < SIZE_KINDS; k++)
		v[1 + k] = (int64_t)b->kind[k];
	v[NCOLS - 1] = (int64_t)b->bss;
}

static void row_saved(const struct size_breakdown *a, const struct size_breakdown *b,
		      int64_t v[NCOLS])
{
	int64_t x[NCOLS], y[NCOLS];

	row_values(a, x);
	row_values(b, y);
	for (int c = 0; c < NCOLS; c++)
		v[c] = x[c] - y[c];
}

struct row {
	int64_t v[NCOLS];
	const char *file;
	char label[48];
};

static int digits(int64_t v)
{
	char b[32];

	return snprintf(b, sizeof(b), "%lld", (long long)v);
}

static void print_rows(const struct row *rows, size_t n, FILE *out)
{
	const char *head[NCOLS];
	int w[NCOLS];

	head[0] = "size";
	for (int k = 0; k < SIZE_KINDS; k++)
		head[1 + k] = kind_label[k];
	head[NCOLS - 1] = "bss";
	for (int c = 0; c < NCOLS; c++) {
		w[c] = (int)strlen(head[c]);
		for (size_t i = 0; i < n; i++)
			if (digits(rows[i].v[c]) > w[c])
				w[c] = digits(rows[i].v[c]);
	}
	for (int c = 0; c < NCOLS; c++)
		fprintf(out, "%*s  ", w[c], head[c]);
	fputs("file\n", out);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < NCOLS; c++)
			fprintf(out, "%*lld  ", w[c], (long long)rows[i].v[c]);
		fprintf(out, "%s%s\n", rows[i].file, rows[i].label);
	}
}

static void print_text(const struct report *r, FILE *out)
{
	size_t n = 0, cap = 3 * (r->n + 1);
	struct row *rows = calloc(cap, sizeof(*rows));
	struct size_breakdown tb = { 0 }, ta = { 0 };
	bool edited = false;

	if (!rows) {
		error(NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		edited |= r->e[i].edited;
	for (size_t i = 0; i <= r->n; i++) {
		const struct size_breakdown *b, *a;
		const char *file;
		if (i < r->n) {
			b = &r->e[i].before;
			a = &r->e[i].after;
			file = r->e[i].file;
			sum_into(&tb, b);
			sum_into(&ta, a);
		} else {
			if (r->n < 2)
				break;
			b = &tb;
			a = &ta;
			file = "total";
		}
		if (!edited) {
			row_values(a, rows[n].v);
			rows[n++].file = file;
			continue;
		}
		row_values(b, rows[n].v);
		rows[n].file = file;
		snprintf(rows[n++].label, sizeof(rows[0].label), " (before)");
		row_values(a, rows[n].v);
		rows[n].file = file;
		snprintf(rows[n++].label, sizeof(rows[0].label), " (after)");
		row_saved(b, a, rows[n].v);
		rows[n].file = file;
		snprintf(rows[n++].label, sizeof(rows[0].label), " (saved %.1f%%)",
			 percent(b->size, a->size));
	}
	print_rows(rows, n, out);
	free(rows);
}

/* ---- deployed cost (--root) ---------------------------------------------- */

static void deployed_totals(const struct report *r, uint64_t *own, uint64_t *libs)
{
	*own = *libs = 0;
	for (size_t i = 0; i < r->n; i++) {
		*own += r->e[i].deployed.own;
		*libs += r->e[i].deployed.libraries;
	}
}

static void print_lib(const struct deployed_lib *l, int indent, FILE *out)
{
	fprintf(out, "%*s", indent, "");
	switch (l->cost) {
	case LIB_CHARGED:
		fprintf(out, "+ %s  %llu  (%s)\n", l->name, (unsigned long long)l->size, l->where);
		break;
	case LIB_COUNTED:
		fprintf(out, "= %s  counted above\n", l->name);
		break;
	case LIB_IS_FILE:
		fprintf(out, "= %s  counted in its own row\n", l->name);
		break;
	case LIB_NOT_FOUND:
		fprintf(out, "! %s  not found, not counted\n", l->name);
		break;
	}
}

static void print_deployed(const struct report *r, FILE *out)
{
	uint64_t own, libs;
	int w[3] = { 3, 9, 8 };   /* own, libraries, deployed: the headings */

	deployed_totals(r, &own, &libs);
	/* The totals are the widest values of their columns. */
	const uint64_t widest[3] = { own, libs, own + libs };
	for (int c = 0; c < 3; c++)
		if (digits((int64_t)widest[c]) > w[c])
			w[c] = digits((int64_t)widest[c]);
	fprintf(out, "\ndeployed in %s (libraries it lacks, each counted once%s):\n", r->root,
		r->fp.stripped ? ", stripped" : "");
	fprintf(out, "%*s  %*s  %*s  file\n", w[0], "own", w[1], "libraries", w[2], "deployed");
	for (size_t i = 0; i < r->n; i++) {
		const struct footprint_entry *d = &r->e[i].deployed;
		fprintf(out, "%*llu  %*llu  %*llu  %s\n", w[0], (unsigned long long)d->own, w[1],
			(unsigned long long)d->libraries, w[2],
			(unsigned long long)(d->own + d->libraries), r->e[i].file);
		for (size_t k = 0; k < d->n_libs; k++)
			print_lib(&d->libs[k], w[0] + w[1] + w[2] + 6, out);
	}
	if (r->n >= 2)
		fprintf(out, "%*llu  %*llu  %*llu  total\n", w[0], (unsigned long long)own, w[1],
			(unsigned long long)libs, w[2], (unsigned long long)(own + libs));
}

static void json_breakdown(const struct size_breakdown *b, FILE *out)
{
	fprintf(out, "{\"size\": %llu", (unsigned long long)b->size);
	for (int k = 0; k < SIZE_KINDS; k++)
		fprintf(out, ", \"%s\": %llu", kind_json[k], (unsigned long long)b->kind[k]);
	fprintf(out, ", \"bss\": %llu}", (unsigned long long)b->bss);
}

static void json_entry(const struct size_breakdown *b, const struct size_breakdown *a, FILE *out)
{
	fputs("\"before\": ", out);
	json_breakdown(b, out);
	fputs(", \"after\": ", out);
	json_breakdown(a, out);
	fprintf(out, ", \"saved\": %lld, \"saved_percent\": %.2f",
		(long long)b->size - (long long)a->size, percent(b->size, a->size));
}

static void json_deployed(const struct footprint_entry *d, FILE *out)
{
	static const char *const cost[] = {
		[LIB_CHARGED] = "here", [LIB_COUNTED] = "earlier", [LIB_IS_FILE] = "as_file",
		[LIB_NOT_FOUND] = "not_found",
	};

	fprintf(out, ", \"deployed\": {\"own\": %llu, \"libraries\": %llu, \"total\": %llu, "
		"\"needs\": [", (unsigned long long)d->own, (unsigned long long)d->libraries,
		(unsigned long long)(d->own + d->libraries));
	for (size_t k = 0; k < d->n_libs; k++) {
		const struct deployed_lib *l = &d->libs[k];
		fputs(k ? ", {\"name\": " : "{\"name\": ", out);
		json_string(out, l->name);
		fputs(", \"path\": ", out);
		json_string(out, l->where);
		if (l->cost == LIB_CHARGED)
			fprintf(out, ", \"size\": %llu", (unsigned long long)l->size);
		fprintf(out, ", \"counted\": \"%s\"}", cost[l->cost]);
	}
	fputs("]}", out);
}

static void print_json(const struct report *r, FILE *out)
{
	struct size_breakdown tb = { 0 }, ta = { 0 };

	fputs("{\n  \"files\": [", out);
	for (size_t i = 0; i < r->n; i++) {
		fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", out);
		json_string(out, r->e[i].file);
		fprintf(out, ", \"edited\": %s, ", r->e[i].edited ? "true" : "false");
		json_entry(&r->e[i].before, &r->e[i].after, out);
		if (r->with_root)
			json_deployed(&r->e[i].deployed, out);
		fputc('}', out);
		sum_into(&tb, &r->e[i].before);
		sum_into(&ta, &r->e[i].after);
	}
	fputs(r->n ? "\n  ],\n  \"total\": {" : "],\n  \"total\": {", out);
	json_entry(&tb, &ta, out);
	if (r->with_root) {
		uint64_t own, libs;
		deployed_totals(r, &own, &libs);
		fprintf(out, ", \"deployed\": {\"own\": %llu, \"libraries\": %llu, \"total\": %llu}",
			(unsigned long long)own, (unsigned long long)libs,
			(unsigned long long)(own + libs));
		fputs("},\n  \"root\": ", out);
		json_string(out, r->root);
		fprintf(out, ",\n  \"libraries_stripped\": %s\n}\n", r->fp.stripped ? "true" : "false");
		return;
	}
	fputs("}\n}\n", out);
}

void report_print(const struct report *r, bool json, FILE *out)
{
	if (json)
		print_json(r, out);
	else if (r->n) {
		print_text(r, out);
		if (r->with_root)
			print_deployed(r, out);
	}
}

