/*
 * segdir.c - the one directory scanner of the library: the segment files
 * of a log directory, by first sequence number.  The writer (finding its
 * active segment), the reader (finding segments, and again when one moved
 * between two listings) and the segment set (moving, compressing, expiring
 * sealed ones) all list through it, so that what counts as a segment
 * name, and the order of a plain segment and its sealed copy, is decided
 * in one place.
 *
 * Invariants: only names sa__seg_name_parse accepts are listed; the list
 * is sorted by first number, a plain segment before a sealed (.zst) copy
 * of the same number; leftovers of an interrupted seal or segment
 * creation (.seg.zst.tmp, .seg.tmp) are never listed, and are removed
 * only when the caller holds the log's write lock and asks for it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "segment.h"

static int
cmp_name(const void *a, const void *b)
{
	const struct sa__segname *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (int)x->zst - (int)y->zst;
}

static bool
leftover(const char *name)
{
	size_t n = strlen(name);
	return n > 8 && (strcmp(name + n - 8, ".zst.tmp") == 0 ||
			 strcmp(name + n - 8, ".seg.tmp") == 0);
}

int
sa__segdir_list(const char *dir, uint64_t lo, uint64_t hi, bool remove_tmp,
		struct sa__segname **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	size_t n = 0, cap = 0;
	struct sa__segname *v = NULL;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (remove_tmp && leftover(e->d_name)) {
			unlinkat(dirfd(d), e->d_name, 0);
			continue;
		}
		uint64_t seq;
		bool zst;
		size_t nl = strlen(e->d_name);
		if (!sa__seg_name_parse(e->d_name, &seq, &zst) || seq < lo ||
		    seq >= hi || nl >= sizeof v->name)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sa__segname *nv = realloc(v, ncap * sizeof *nv);
			if (nv == NULL) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[n].seq = seq;
		v[n].zst = zst;
		memcpy(v[n].name, e->d_name, nl + 1);
		n++;
	}
	closedir(d);
	if (rc < 0) {
		free(v);
		return rc;
	}
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof *v, cmp_name);
	*out = v;
	*count = n;
	return 0;
}
