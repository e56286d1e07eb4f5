/* The objects of a resolution: one struct dso per file loaded, its
 * .dynamic read once (SONAME, RPATH, RUNPATH, NEEDED, version needs and
 * definitions). */
#include <config.h>

#include "deps/loader.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "elf/validate.h"

/* Version tables are walked by offsets read from the file; a cycle or a
 * huge count must not keep us busy. */
#define MAX_VERSION_RECORDS 65536

bool dso_in_root(const struct dso *d)
{
	return d->state == DSO_FOUND && !d->host_side;
}

int dso_list_push(struct dso ***list, size_t *n, size_t *cap, struct dso *d)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct dso **nl = realloc(*list, nc * sizeof(*nl));
		if (!nl)
			return error(NULL, "out of memory");
		*list = nl;
		*cap = nc;
	}
	(*list)[(*n)++] = d;
	return 0;
}

int dso_add_name(struct dso *d, const char *name)
{
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(d->names[i], name) == 0)
			return 0;
	char **nn = realloc(d->names, (d->n_names + 1) * sizeof(*nn));
	if (!nn)
		return error(NULL, "out of memory");
	d->names = nn;
	if (!(nn[d->n_names] = strdup(name)))
		return error(NULL, "out of memory");
	d->n_names++;
	return 0;
}

void dso_unload(struct dso *d)
{
	if (d->mapped) {
		dynamic_free(&d->dyn);
		elf_image_close(&d->img);
		d->mapped = false;
	}
	free(d->needed);
	free(d->deps);
	free(d->vneed);
	free(d->vdef);
	d->needed = NULL;
	d->deps = NULL;
	d->vneed = NULL;
	d->vdef = NULL;
}

void dso_free(struct dso *d)
{
	if (!d)
		return;
	dso_unload(d);
	for (size_t i = 0; i < d->n_names; i++)
		free(d->names[i]);
	free(d->names);
	free(d->name);
	free(d->path);
	free(d->host);
	free(d->origin);
	free(d->error);
	free(d);
}

struct dso *dso_new(struct resolution *res, const char *name, struct dso *loader)
{
	struct dso *d = calloc(1, sizeof(*d));

	if (!d || !(d->name = strdup(name)) || dso_list_push(&res->all, &res->n_all, &res->cap_all, d) < 0) {
		if (d)
			free(d->name);
		free(d);
		error(NULL, "out of memory");
		return NULL;
	}
	d->loader = loader;
	if (dso_add_name(d, name) < 0)
		return NULL;
	return d;
}

/* l_origin: the directory part of the name the object was loaded by. */
int dso_set_origin(struct dso *d, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return 0;
	d->origin = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	return d->origin ? 0 : error(NULL, "out of memory");
}

static const unsigned char *at_vaddr(const struct dso *d, uint64_t vaddr, uint64_t len)
{
	uint64_t off;

	if (!vaddr_to_offset(&d->img, vaddr, len, &off))
		return NULL;
	return d->img.map + off;
}

static uint64_t u(const struct dso *d, const unsigned char *p, size_t w)
{
	return load_uint(p, w, d->img.cls.msb);
}

static uint64_t dyn_val(const struct dso *d, int64_t tag, bool *found)
{
	long i = dynamic_find(&d->dyn, tag, 0);

	if (found)
		*found = i >= 0;
	return i >= 0 ? d->dyn.ent[i].val : 0;
}

/* DT_VERNEED (.gnu.version_r): Elf_Verneed/Elf_Vernaux, same layout in
 * both classes. */
static int read_verneed(struct dso *d)
{
	bool have, have_num;
	uint64_t addr = dyn_val(d, DT_VERNEED, &have);
	uint64_t num = dyn_val(d, DT_VERNEEDNUM, &have_num);
	size_t records = 0;

	if (!have)
		return 0;
	for (uint64_t i = 0; !have_num || i < num; i++) {
		const unsigned char *vn = at_vaddr(d, addr, 16);
		if (!vn)
			return error(d->host, "version needs lie outside the file");
		const char *file = dynamic_str(&d->img, &d->dyn, u(d, vn + 4, 4));
		uint64_t cnt = u(d, vn + 2, 2), aux = addr + u(d, vn + 8, 4);
		for (uint64_t j = 0; j < cnt; j++) {
			const unsigned char *va = at_vaddr(d, aux, 16);
			if (!va || ++records > MAX_VERSION_RECORDS)
				return error(d->host, "version needs are corrupt");
			const char *ver = dynamic_str(&d->img, &d->dyn, u(d, va + 8, 4));
			if (file && ver) {
				struct vneed *nv = realloc(d->vneed, (d->n_vneed + 1) * sizeof(*nv));
				if (!nv)
					return error(NULL, "out of memory");
				d->vneed = nv;
				nv[d->n_vneed++] = (struct vneed){
					.file = file, .version = ver,
					.hash = (uint32_t)u(d, va, 4),
					.weak = (u(d, va + 4, 2) & VER_FLG_WEAK) != 0,
				};
			}
			uint64_t next = u(d, va + 12, 4);
			if (next == 0)
				break;
			aux += next;
		}
		uint64_t next = u(d, vn + 12, 4);
		if (next == 0 || ++records > MAX_VERSION_RECORDS)
			break;
		addr += next;
	}
	return 0;
}

/* DT_VERDEF (.gnu.version_d): the first Verdaux of each Verdef names it. */
static int read_verdef(struct dso *d)
{
	bool have;
	uint64_t addr = dyn_val(d, DT_VERDEF, &have);

	if (!have)
		return 0;
	d->has_verdef = true;
	for (size_t i = 0; i < MAX_VERSION_RECORDS; i++) {
		const unsigned char *vd = at_vaddr(d, addr, 20);
		if (!vd)
			return error(d->host, "version definitions lie outside the file");
		const unsigned char *va = at_vaddr(d, addr + u(d, vd + 12, 4), 8);
		const char *name = va ? dynamic_str(&d->img, &d->dyn, u(d, va, 4)) : NULL;
		if (name) {
			struct vdef *nd = realloc(d->vdef, (d->n_vdef + 1) * sizeof(*nd));
			if (!nd)
				return error(NULL, "out of memory");
			d->vdef = nd;
			nd[d->n_vdef++] = (struct vdef){ name, (uint32_t)u(d, vd + 8, 4) };
		}
		uint64_t next = u(d, vd + 16, 4);
		if (next == 0)
			break;
		addr += next;
	}
	return 0;
}

static const char *dyn_string(const struct dso *d, int64_t tag)
{
	long i = dynamic_find(&d->dyn, tag, 0);

	return i >= 0 ? dynamic_str(&d->img, &d->dyn, d->dyn.ent[i].val) : NULL;
}

/* Maps and decodes the object (the full validation of image.c and
 * validate.c: a loaded object is a file we trust no more than an input). */
int dso_load(struct dso *d)
{
	struct stat st;

	if (elf_image_open(&d->img, d->host) < 0 || elf_validate(&d->img) < 0) {
		elf_image_close(&d->img);
		return -1;
	}
	d->mapped = true;
	d->size = d->img.size;
	if (stat(d->host, &st) == 0) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
	}
	int found = dynamic_load(&d->img, &d->dyn);
	if (found < 0)
		return -1;
	if (found > 0)
		return 0;
	d->has_dyn = true;
	d->soname = dyn_string(d, DT_SONAME);
	d->runpath = dyn_string(d, DT_RUNPATH);
	/* get-dynamic-info.h: "If both RUNPATH and RPATH are given, the
	 * latter is ignored." */
	d->rpath = d->runpath ? NULL : dyn_string(d, DT_RPATH);
	d->nodeflib = (dyn_val(d, DT_FLAGS_1, NULL) & DF_1_NODEFLIB) != 0;
	for (size_t i = 0; i < d->dyn.count; i++)
		if (d->dyn.ent[i].tag == DT_NEEDED)
			d->n_needed++;
	d->needed = calloc(d->n_needed + 1, sizeof(*d->needed));
	d->deps = calloc(d->n_needed + 1, sizeof(*d->deps));
	if (!d->needed || !d->deps)
		return error(NULL, "out of memory");
	for (size_t i = 0, k = 0; i < d->dyn.count; i++)
		if (d->dyn.ent[i].tag == DT_NEEDED)
			d->needed[k++] = dynamic_str(&d->img, &d->dyn, d->dyn.ent[i].val);
	if (read_verneed(d) < 0 || read_verdef(d) < 0)
		return -1;
	return 0;
}
