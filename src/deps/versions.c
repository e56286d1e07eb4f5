/* Version needs against version definitions, as dl-version.c checks them. */
#include <config.h>

#include "deps/loader.h"

#include <string.h>

/* find_needed(): the first object on the list answering to `name`. */
static struct dso *provider_of(struct resolution *res, const char *name)
{
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *d = res->bfs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_names; j++)
			if (strcmp(d->names[j], name) == 0)
				return d;
		if ((d->path && strcmp(d->path, name) == 0 && !d->is_main)
		    || (d->soname && strcmp(d->soname, name) == 0))
			return d;
	}
	return NULL;
}

void ld_check_versions(struct resolution *res)
{
	for (size_t i = 0; i < res->n_bfs; i++) {
		struct dso *d = res->bfs[i];
		if (d->state != DSO_FOUND)
			continue;
		for (size_t j = 0; j < d->n_vneed; j++) {
			struct vneed *v = &d->vneed[j];
			bool hash_ok = false;
			v->provider = provider_of(res, v->file);
			if (!v->provider)
				continue;
			for (size_t k = 0; k < v->provider->n_vdef; k++)
				if (strcmp(v->provider->vdef[k].name, v->version) == 0) {
					v->defined = true;
					hash_ok |= v->provider->vdef[k].hash == v->hash;
				}
			/* match_symbol(): no version definitions at all is
			 * not an error, nor is a weak reference. */
			v->missing = !v->weak && v->provider->has_verdef && !hash_ok;
			if (v->missing)
				res->missing_versions++;
		}
	}
}
