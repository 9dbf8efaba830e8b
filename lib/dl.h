/*
 * dl.h - filling a table of functions from a shared library loaded at
 * first use (zstd_dl.c, sodium_dl.c), internal.  Why by hand: see
 * zstd_dl.h.
 */
#ifndef SA_DL_H
#define SA_DL_H

#include <stddef.h>

struct sa__dl_sym {
	void *slot; /* where the function pointer goes */
	const char *name;
};

/*
 * dlopen(3)s soname and stores every symbol's address in its slot: the
 * handle (never closed: the table lives as long as the process), or NULL
 * when the library or any symbol is missing (then no slot is written).
 */
void *sa__dl_table(const char *soname, const struct sa__dl_sym *syms, size_t n);

#endif
