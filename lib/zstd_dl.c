/*
 * zstd_dl.c - loads libzstd.so.1 once, on first use (see zstd_dl.h for
 * why).  Invariant: sa__zstd is either all zero (not loaded, or loading
 * failed: every caller got -ELIBACC) or holds every function; it is
 * written only inside the pthread_once routine.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "zstd_dl.h"

struct sa__zstd_fns sa__zstd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = -ELIBACC;

static void
load(void)
{
	/* The runtime package's SONAME (Debian: libzstd1). */
	void *h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return;
	struct sa__zstd_fns f;
	struct {
		void **slot;
		const char *name;
	} want[] = {
#define SYM(member, name) {(void **)&f.member, name}
	    SYM(compressBound, "ZSTD_compressBound"),
	    SYM(createCCtx, "ZSTD_createCCtx"),
	    SYM(freeCCtx, "ZSTD_freeCCtx"),
	    SYM(CCtx_setParameter, "ZSTD_CCtx_setParameter"),
	    SYM(CCtx_setPledgedSrcSize, "ZSTD_CCtx_setPledgedSrcSize"),
	    SYM(compressStream2, "ZSTD_compressStream2"),
	    SYM(createDCtx, "ZSTD_createDCtx"),
	    SYM(freeDCtx, "ZSTD_freeDCtx"),
	    SYM(DCtx_reset, "ZSTD_DCtx_reset"),
	    SYM(DStreamOutSize, "ZSTD_DStreamOutSize"),
	    SYM(decompressStream, "ZSTD_decompressStream"),
	    SYM(decompressDCtx, "ZSTD_decompressDCtx"),
	    SYM(findFrameCompressedSize, "ZSTD_findFrameCompressedSize"),
	    SYM(isError, "ZSTD_isError"),
#undef SYM
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		/* POSIX guarantees a dlsym result converts to a function
		 * pointer; the object pointer is only a carrier. */
		void *p = dlsym(h, want[i].name);
		if (p == NULL) {
			dlclose(h);
			return;
		}
		memcpy(want[i].slot, &p, sizeof p);
	}
	sa__zstd = f;
	load_rc = 0;
}

int
sa__zstd_load(void)
{
	pthread_once(&once, load);
	return load_rc;
}
