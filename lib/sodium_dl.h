/*
 * sodium_dl.h - libsodium, loaded when the library first needs it (the
 * integrity chain and checkpoints).
 *
 * Why by hand: as with libzstd (zstd_dl.h), libseaudit is linked into
 * producers that never hash or sign anything (a PAM module in every login
 * service); linking libsodium would map it into all of them.  The library
 * is built against <sodium.h> for its types and sizes and looks the
 * functions up with dlopen(3) of libsodium.so.23 the first time a log is
 * written or verified.  No packaged library does this for us.
 *
 * Every path that reaches a sa__sodium.* call first calls
 * sa__sodium_load(), which returns 0 (the table is filled and
 * sodium_init has run) or -ELIBACC (no call may be made).  Filled once,
 * thread-safely, never unloaded.
 */
#ifndef SA_SODIUM_DL_H
#define SA_SODIUM_DL_H

#include <sodium.h>

struct sa__sodium_fns {
	int (*generichash_init)(crypto_generichash_state *,
				const unsigned char *, size_t, size_t);
	int (*generichash_update)(crypto_generichash_state *,
				  const unsigned char *, unsigned long long);
	int (*generichash_final)(crypto_generichash_state *, unsigned char *,
				 size_t);
	int (*generichash)(unsigned char *, size_t, const unsigned char *,
			   unsigned long long, const unsigned char *, size_t);
	void (*randombytes_buf)(void *, size_t);
	void (*memzero)(void *, size_t);
	int (*sign_seed_keypair)(unsigned char *, unsigned char *,
				 const unsigned char *);
	int (*sign_detached)(unsigned char *, unsigned long long *,
			     const unsigned char *, unsigned long long,
			     const unsigned char *);
	int (*sign_verify_detached)(const unsigned char *,
				    const unsigned char *, unsigned long long,
				    const unsigned char *);
};

extern struct sa__sodium_fns sa__sodium;
int sa__sodium_load(void);
/* Erases a secret so that the compiler cannot drop the stores. */
void sa__wipe(void *p, size_t n);

#endif
