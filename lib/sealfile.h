/*
 * sealfile.h - the sealing key file as the writer uses it (sealkey.c),
 * internal: load the current epoch's key, store the evolved one.
 */
#ifndef SA_SEALFILE_H
#define SA_SEALFILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "checkpoint.h"

/* 0, SA_EBADMAGIC (not a key file, or damaged), -errno, -ELIBACC. */
int sa__sealfile_load(const char *path, struct sa__sealkey *k,
		      uint8_t first_pk[SA_PK_LEN]);
/* Rewrites the file whole with k's epoch and seed: 0 or -errno. */
int sa__sealfile_store(const char *path, const struct sa__sealkey *k,
		       const uint8_t first_pk[SA_PK_LEN]);

/*
 * Writes len bytes as the whole file path with mode: under a temporary
 * name, synced, renamed over path (linked, failing with -EEXIST, when
 * exclusive), the directory synced.  0 or -errno.
 */
int sa__file_replace(const char *path, const uint8_t *b, size_t len,
		     mode_t mode, bool exclusive);

#endif
