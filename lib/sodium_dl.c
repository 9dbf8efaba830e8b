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

#include "sodium_dl.h"

struct sa__sodium_fns sa__sodium;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = -ELIBACC;

static void
load(void)
{
	/* The runtime package's SONAME (Debian: libsodium23). */
	void *h = dlopen("libsodium.so.23", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return;
	struct sa__sodium_fns f;
	int (*init)(void) = NULL;
	struct {
		void **slot;
		const char *name;
	} want[] = {
#define SYM(slot, name) {(void **)(slot), name}
	    SYM(&init, "sodium_init"),
	    SYM(&f.generichash_init, "crypto_generichash_init"),
	    SYM(&f.generichash_update, "crypto_generichash_update"),
	    SYM(&f.generichash_final, "crypto_generichash_final"),
	    SYM(&f.generichash, "crypto_generichash"),
	    SYM(&f.randombytes_buf, "randombytes_buf"),
	    SYM(&f.memzero, "sodium_memzero"),
	    SYM(&f.sign_seed_keypair, "crypto_sign_seed_keypair"),
	    SYM(&f.sign_detached, "crypto_sign_detached"),
	    SYM(&f.sign_verify_detached, "crypto_sign_verify_detached"),
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
	if (init() < 0) { /* 1: already initialised, fine */
		dlclose(h);
		return;
	}
	sa__sodium = f;
	load_rc = 0;
}

int
sa__sodium_load(void)
{
	pthread_once(&once, load);
	return load_rc;
}
