/*
 * sodium_dl.c - loads libsodium.so.23 once, on first use (see
 * sodium_dl.h for why).  Invariant: sa__sodium is either all zero (not
 * loaded, or loading failed: every caller got -ELIBACC) or holds every
 * function, and sodium_init has succeeded; it is written only inside the
 * pthread_once routine.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "dl.h"
#include "sodium_dl.h"

struct sa__sodium_fns sa__sodium;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = -ELIBACC;

static void
load(void)
{
	struct sa__sodium_fns f;
	int (*init)(void) = NULL;
	const struct sa__dl_sym want[] = {
	    {&init, "sodium_init"},
	    {&f.generichash_init, "crypto_generichash_init"},
	    {&f.generichash_update, "crypto_generichash_update"},
	    {&f.generichash_final, "crypto_generichash_final"},
	    {&f.generichash, "crypto_generichash"},
	    {&f.randombytes_buf, "randombytes_buf"},
	    {&f.memzero, "sodium_memzero"},
	    {&f.sign_seed_keypair, "crypto_sign_seed_keypair"},
	    {&f.sign_detached, "crypto_sign_detached"},
	    {&f.sign_verify_detached, "crypto_sign_verify_detached"},
	};
	/* The runtime package's SONAME (Debian: libsodium23). */
	void *h =
	    sa__dl_table("libsodium.so.23", want, sizeof want / sizeof *want);
	if (h == NULL)
		return;
	if (init() < 0) { /* 1: already initialised, fine */
		dlclose(h);
		return;
	}
	sa__sodium = f;
	load_rc = 0;
}

void
sa__wipe(void *p, size_t n)
{
	if (sa__sodium_load() == 0)
		sa__sodium.memzero(p, n);
	else
		explicit_bzero(p, n);
}

int
sa__sodium_load(void)
{
	pthread_once(&once, load);
	return load_rc;
}
