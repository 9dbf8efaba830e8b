/*
 * checkpoint.c - the 'C' frame codec and the evolving sealing key
 * (checkpoint.h).
 *
 * Invariants: a decoded checkpoint's signed_len is the exact number of
 * payload bytes its signature covers, so a verifier never hashes bytes
 * the decoder did not check; a sealing key never holds a seed or secret
 * key of an epoch other than its own (evolution overwrites, then wipes,
 * the old one in place).
 */
#include <errno.h>
#include <string.h>

#include <seaudit/error.h>

#include "checkpoint.h"
#include "varint.h"

static const uint8_t sign_tag[16] = "SEAUDIT-CKPT-1";
static const uint8_t evolve_tag[16] = "SEAUDIT-EVOLVE-1";

static int
sign(const uint8_t *payload, size_t len, const uint8_t sk[64],
     uint8_t sig[SA_SIG_LEN])
{
	uint8_t m[16 + SA_CKPT_MAX];
	memcpy(m, sign_tag, 16);
	memcpy(m + 16, payload, len);
	return sa__sodium.sign_detached(sig, NULL, m, 16 + len, sk);
}

int
sa__ckpt_encode(struct sa__ckpt *c, const struct sa__sealkey *k, uint8_t *out)
{
	int rc = sa__sodium_load();
	if (rc < 0 && k != NULL)
		return rc;
	if (k != NULL)
		c->epoch = k->epoch; /* a key signs for its own epoch only */
	uint8_t *p = out;
	*p++ = SA_CKPT_VERSION;
	c->flags = (uint8_t)((c->flags & SA_CKPT_F_FINAL) |
			     (k ? SA_CKPT_F_SIGNED : 0));
	*p++ = c->flags;
	memcpy(p, c->log_id, SA_LOG_ID_LEN);
	p += SA_LOG_ID_LEN;
	p += sa_varint_put(p, c->epoch);
	p += sa_varint_put(p, c->seq);
	p += sa_varint_put(p, sa_zigzag(c->time_us));
	memcpy(p, c->chain, SA_CHAIN_LEN);
	p += SA_CHAIN_LEN;
	if (k == NULL) {
		c->signed_len = 0;
		return (int)(p - out);
	}
	memcpy(c->next_pk, k->next_pk, SA_PK_LEN);
	memcpy(p, c->next_pk, SA_PK_LEN);
	p += SA_PK_LEN;
	c->signed_len = (size_t)(p - out);
	if (sign(out, c->signed_len, k->sk, c->sig) != 0)
		return SA_ECORRUPT;
	memcpy(p, c->sig, SA_SIG_LEN);
	p += SA_SIG_LEN;
	return (int)(p - out);
}

int
sa__ckpt_decode(const uint8_t *p, size_t len, struct sa__ckpt *c)
{
	const uint8_t *q = p, *end = p + len;
	memset(c, 0, sizeof *c);
	if (len < 2)
		return SA_ECORRUPT;
	if (q[0] != SA_CKPT_VERSION)
		return q[0] > SA_CKPT_VERSION ? SA_EVERSION : SA_ECORRUPT;
	c->flags = q[1];
	if (c->flags & ~(SA_CKPT_F_SIGNED | SA_CKPT_F_FINAL))
		return SA_ECORRUPT;
	q += 2;
	if ((size_t)(end - q) < SA_LOG_ID_LEN)
		return SA_ECORRUPT;
	memcpy(c->log_id, q, SA_LOG_ID_LEN);
	q += SA_LOG_ID_LEN;
	uint64_t v[3];
	for (int i = 0; i < 3; i++) {
		size_t n = sa_varint_get(q, end, &v[i]);
		/* Minimal varints only: one checkpoint, one encoding. */
		if (n == 0 || n != sa_varint_len(v[i]))
			return SA_ECORRUPT;
		q += n;
	}
	c->epoch = v[0];
	c->seq = v[1];
	c->time_us = sa_unzigzag(v[2]);
	if (c->epoch == 0 || (size_t)(end - q) < SA_CHAIN_LEN)
		return SA_ECORRUPT;
	memcpy(c->chain, q, SA_CHAIN_LEN);
	q += SA_CHAIN_LEN;
	if (c->flags & SA_CKPT_F_SIGNED) {
		if ((size_t)(end - q) != SA_PK_LEN + SA_SIG_LEN)
			return SA_ECORRUPT;
		memcpy(c->next_pk, q, SA_PK_LEN);
		q += SA_PK_LEN;
		c->signed_len = (size_t)(q - p);
		memcpy(c->sig, q, SA_SIG_LEN);
		q += SA_SIG_LEN;
	}
	return q == end ? 0 : SA_ECORRUPT;
}

int
sa__ckpt_verify(const struct sa__ckpt *c, const uint8_t *payload,
		const uint8_t pk[SA_PK_LEN])
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	if (!(c->flags & SA_CKPT_F_SIGNED) || c->signed_len > SA_CKPT_MAX)
		return SA_ECORRUPT;
	uint8_t m[16 + SA_CKPT_MAX];
	memcpy(m, sign_tag, 16);
	memcpy(m + 16, payload, c->signed_len);
	return sa__sodium.sign_verify_detached(c->sig, m, 16 + c->signed_len,
					       pk) == 0
		   ? 0
		   : SA_ECORRUPT;
}

static void
next_seed(const uint8_t *seed, uint8_t *out)
{
	uint8_t in[16 + SA_SEED_LEN];
	memcpy(in, evolve_tag, 16);
	memcpy(in + 16, seed, SA_SEED_LEN);
	sa__sodium.generichash(out, SA_SEED_LEN, in, sizeof in, NULL, 0);
	sa__wipe(in, sizeof in);
}

int
sa__sealkey_from_seed(struct sa__sealkey *k, const uint8_t *seed,
		      uint64_t epoch)
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	if (epoch == 0)
		return -EINVAL;
	uint8_t nseed[SA_SEED_LEN], nsk[64];
	memmove(k->seed, seed, SA_SEED_LEN);
	k->epoch = epoch;
	sa__sodium.sign_seed_keypair(k->pk, k->sk, k->seed);
	next_seed(k->seed, nseed);
	sa__sodium.sign_seed_keypair(k->next_pk, nsk, nseed);
	sa__wipe(nseed, sizeof nseed);
	sa__wipe(nsk, sizeof nsk);
	return 0;
}

int
sa__sealkey_new(struct sa__sealkey *k)
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	uint8_t seed[SA_SEED_LEN];
	sa__sodium.randombytes_buf(seed, sizeof seed);
	rc = sa__sealkey_from_seed(k, seed, 1);
	sa__wipe(seed, sizeof seed);
	return rc;
}

int
sa__sealkey_evolve(struct sa__sealkey *k)
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	uint8_t nseed[SA_SEED_LEN];
	next_seed(k->seed, nseed);
	rc = sa__sealkey_from_seed(k, nseed, k->epoch + 1);
	sa__wipe(nseed, sizeof nseed);
	return rc;
}

void
sa__sealkey_wipe(struct sa__sealkey *k)
{
	sa__wipe(k, sizeof *k);
}
