/*
 * fuzz_checkpoint.c - libFuzzer target for checkpoint ('C') payloads and
 * the chain's canonical reading of record bodies (lib/checkpoint.c,
 * lib/chain.c), the two things a verifier parses from a log it must not
 * trust.
 *
 * The input is a checkpoint payload.  Must hold: nothing crashes or reads
 * out of bounds; a payload that decodes re-encodes unsigned to the same
 * bytes (but for the signed flag, and short of key and signature); a signed one
 * never verifies under an unrelated key; the same bytes, read as a record body,
 * either parse or are refused, and hashing them twice gives the same value;
 * read as a key bridge (lib/bridge.c), they never lead an unrelated key
 * past the first epoch, and what decodes round-trips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

#include "bridge.h"
#include "checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sa__sodium_load() < 0)
		return 0;
	struct sa__ckpt c;
	if (sa__ckpt_decode(data, size, &c) == 0) {
		uint8_t buf[SA_CKPT_MAX];
		struct sa__ckpt u = c;
		int n = sa__ckpt_encode(&u, NULL, buf);
		if (n < 0)
			abort();
		if (c.flags & SA_CKPT_F_SIGNED) {
			/* the unsigned part, then key and signature as read,
			 * then the skips, each of its exact size */
			if ((size_t)n + SA_PK_LEN + SA_SIG_LEN != c.base_len ||
			    c.signed_len != (size_t)n + SA_PK_LEN ||
			    size != c.base_len + (c.nskip ? 1 : 0) +
					c.nskip * (1 + SA_PK_LEN + SA_SIG_LEN))
				abort();
			static const uint8_t pk[SA_PK_LEN] = {1, 2, 3};
			if (sa__ckpt_verify(&c, data, pk) == 0)
				abort();
			for (unsigned i = 0; i < c.nskip; i++)
				if (!sa__skip_due(c.epoch, c.skip[i].level) ||
				    sa__skip_verify(&c.skip[i], pk) == 0)
					abort();
		} else if ((size_t)n != size) {
			abort();
		}
		/* The same bytes but for the flags (the signed bit). */
		if (buf[0] != data[0] ||
		    memcmp(buf + 2, data + 2, (size_t)n - 2) != 0)
			abort();
	}
	/* The same bytes as a key bridge: never a walk from an unrelated
	 * key past epoch 1, and what decodes encodes and decodes again. */
	struct sa__bridge br;
	if (sa__bridge_decode(data, size, &br) == 0) {
		static const uint8_t vk[SA_PK_LEN] = {9, 8, 7};
		uint8_t pk[SA_PK_LEN];
		if (br.target > 1 && sa__bridge_walk(&br, vk, pk) == 0)
			abort();
		uint8_t *enc;
		size_t len;
		struct sa__bridge again;
		if (sa__bridge_encode(&br, &enc, &len) == 0) {
			if (sa__bridge_decode(enc, len, &again) != 0 ||
			    again.n != br.n || again.target != br.target)
				abort();
			sa__bridge_free(&again);
			free(enc);
		}
		(void)sa__bridge_trim(&br, br.target ? br.target : 1);
		sa__bridge_free(&br);
	}
	struct sa__chain a, b;
	static const uint8_t id[SA_LOG_ID_LEN];
	if (sa__chain_start(&a, id, "h", 1, 1) < 0)
		return 0;
	b = a;
	uint64_t s1 = 0, s2 = 0;
	int r1 = sa__chain_add_body(&a, data, size, 1, 0, "h", 1, &s1);
	int r2 = sa__chain_add_body(&b, data, size, 1, 0, "h", 1, &s2);
	if (r1 != r2 || s1 != s2)
		abort();
	sa__chain_close(&a);
	sa__chain_close(&b);
	if (memcmp(a.value, b.value, SA_CHAIN_LEN) != 0)
		abort();
	return 0;
}
