/*
 * dl.c - a table of functions from a library loaded at first use
 * (dl.h).  All or nothing: the slots are written only once every symbol
 * was found, so a caller's table is never half filled.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

void *
sa__dl_table(const char *soname, const struct sa__dl_sym *syms, size_t n)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return NULL;
	void **found = calloc(n ? n : 1, sizeof *found);
	if (found == NULL) {
		dlclose(h);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if ((found[i] = dlsym(h, syms[i].name)) == NULL) {
			free(found);
			dlclose(h);
			return NULL;
		}
	/* POSIX guarantees a dlsym result converts to a function pointer;
	 * the object pointer is only a carrier. */
	for (size_t i = 0; i < n; i++)
		memcpy(syms[i].slot, &found[i], sizeof found[i]);
	free(found);
	return h;
}
