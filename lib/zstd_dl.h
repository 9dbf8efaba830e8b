/*
 * zstd_dl.h - libzstd, loaded when the library first needs it.
 *
 * Why by hand: libseaudit is linked into producers that never touch a
 * compressed segment (a PAM module in every login service, the watchdog);
 * linking libzstd would map it into all of them.  So the library is
 * built against <zstd.h> for its types and constants but links nothing of
 * it: the thirteen functions it calls are looked up with dlopen(3) of
 * libzstd.so.1 the first time a segment is compressed or a compressed one
 * is read (the way systemd loads its optional compression libraries).  No
 * packaged library does this for us.
 *
 * Include this instead of <zstd.h>.  The ZSTD_* calls below are macros
 * through the loaded table; every path that reaches them first calls
 * sa__zstd_load(), which returns 0 or -ELIBACC when libzstd.so.1 cannot
 * be loaded (then no ZSTD_* call may be made).  The table is filled once,
 * thread-safely, and never unloaded.
 */
#ifndef SA_ZSTD_DL_H
#define SA_ZSTD_DL_H

#include <zstd.h>

struct sa__zstd_fns {
	size_t (*compressBound)(size_t);
	ZSTD_CCtx *(*createCCtx)(void);
	size_t (*freeCCtx)(ZSTD_CCtx *);
	size_t (*CCtx_setParameter)(ZSTD_CCtx *, ZSTD_cParameter, int);
	size_t (*CCtx_setPledgedSrcSize)(ZSTD_CCtx *, unsigned long long);
	size_t (*compressStream2)(ZSTD_CCtx *, ZSTD_outBuffer *,
				  ZSTD_inBuffer *, ZSTD_EndDirective);
	ZSTD_DCtx *(*createDCtx)(void);
	size_t (*freeDCtx)(ZSTD_DCtx *);
	size_t (*DCtx_reset)(ZSTD_DCtx *, ZSTD_ResetDirective);
	size_t (*DStreamOutSize)(void);
	size_t (*decompressStream)(ZSTD_DStream *, ZSTD_outBuffer *,
				   ZSTD_inBuffer *);
	size_t (*decompressDCtx)(ZSTD_DCtx *, void *, size_t, const void *,
				 size_t);
	size_t (*findFrameCompressedSize)(const void *, size_t);
	unsigned (*isError)(size_t);
};

extern struct sa__zstd_fns sa__zstd;
int sa__zstd_load(void);

#define ZSTD_compressBound sa__zstd.compressBound
#define ZSTD_createCCtx sa__zstd.createCCtx
#define ZSTD_freeCCtx sa__zstd.freeCCtx
#define ZSTD_CCtx_setParameter sa__zstd.CCtx_setParameter
#define ZSTD_CCtx_setPledgedSrcSize sa__zstd.CCtx_setPledgedSrcSize
#define ZSTD_compressStream2 sa__zstd.compressStream2
#define ZSTD_createDCtx sa__zstd.createDCtx
#define ZSTD_freeDCtx sa__zstd.freeDCtx
#define ZSTD_DCtx_reset sa__zstd.DCtx_reset
#define ZSTD_DStreamOutSize sa__zstd.DStreamOutSize
#define ZSTD_decompressStream sa__zstd.decompressStream
#define ZSTD_decompressDCtx sa__zstd.decompressDCtx
#define ZSTD_findFrameCompressedSize sa__zstd.findFrameCompressedSize
#define ZSTD_isError sa__zstd.isError

#endif
