/*
 * zstd_dl.c - loads libzstd.so.1 once, on first use (see zstd_dl.h for
 * why).  Invariant: sa__zstd is either all zero (not loaded, or loading
 * failed: every caller got -ELIBACC) or holds every function; it is
 * written only inside the pthread_once routine.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "dl.h"
#include "zstd_dl.h"

struct sa__zstd_fns sa__zstd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = -ELIBACC;

static void
load(void)
{
	struct sa__zstd_fns f;
	const struct sa__dl_sym want[] = {
#define SYM(member, name) {&f.member, name}
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
	/* The runtime package's SONAME (Debian: libzstd1). */
	if (sa__dl_table("libzstd.so.1", want, sizeof want / sizeof *want) ==
	    NULL)
		return;
	sa__zstd = f;
	load_rc = 0;
}

int
sa__zstd_load(void)
{
	pthread_once(&once, load);
	return load_rc;
}
