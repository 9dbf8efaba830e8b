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
static const uint8_t skip_tag[16] = "SEAUDIT-SKIP-1";

#define SKIP_MSG (16 + 8 + 1 + SA_PK_LEN)

static void
skip_msg(uint8_t m[SKIP_MSG], uint64_t from, uint8_t level,
	 const uint8_t pk[SA_PK_LEN])
{
	memcpy(m, skip_tag, 16);
	for (int i = 0; i < 8; i++)
		m[16 + i] = (uint8_t)(from >> (8 * i));
	m[24] = level;
	memcpy(m + 25, pk, SA_PK_LEN);
}

/* The skip certificates of k's epoch into c. */
static int
make_skips(struct sa__ckpt *c, const struct sa__sealkey *k)
{
	c->nskip = 0;
	for (unsigned i = 1; i <= SA_SKIP_LEVELS; i++) {
		if (!sa__skip_due(k->epoch, i))
			continue;
		struct sa__skip *s = &c->skip[c->nskip++];
		uint8_t sk[64], m[SKIP_MSG];
		s->from = k->epoch;
		s->level = (uint8_t)i;
		sa__sodium.sign_seed_keypair(s->pk, sk, k->run[i]);
		sa__wipe(sk, sizeof sk);
		skip_msg(m, s->from, s->level, s->pk);
		if (sa__sodium.sign_detached(s->sig, NULL, m, sizeof m,
					     k->sk) != 0)
			return SA_ECORRUPT;
	}
	return 0;
}

int
sa__skip_verify(const struct sa__skip *s, const uint8_t pk[SA_PK_LEN])
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	uint8_t m[SKIP_MSG];
	skip_msg(m, s->from, s->level, s->pk);
	return sa__sodium.sign_verify_detached(s->sig, m, sizeof m, pk) == 0
		   ? 0
		   : SA_ECORRUPT;
}

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
		c->nskip = 0;
		c->base_len = (size_t)(p - out);
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
	c->base_len = (size_t)(p - out);
	if (make_skips(c, k) != 0)
		return SA_ECORRUPT;
	if (c->nskip > 0) {
		*p++ = (uint8_t)c->nskip;
		for (unsigned i = 0; i < c->nskip; i++) {
			*p++ = c->skip[i].level;
			memcpy(p, c->skip[i].pk, SA_PK_LEN);
			p += SA_PK_LEN;
			memcpy(p, c->skip[i].sig, SA_SIG_LEN);
			p += SA_SIG_LEN;
		}
	}
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
		if ((size_t)(end - q) < SA_PK_LEN + SA_SIG_LEN)
			return SA_ECORRUPT;
		memcpy(c->next_pk, q, SA_PK_LEN);
		q += SA_PK_LEN;
		c->signed_len = (size_t)(q - p);
		memcpy(c->sig, q, SA_SIG_LEN);
		q += SA_SIG_LEN;
		c->base_len = (size_t)(q - p);
		if (q < end) {
			/* Skips: levels increasing, each due at the epoch. */
			unsigned n = *q++;
			if (n == 0 || n > SA_SKIP_LEVELS ||
			    (size_t)(end - q) !=
				(size_t)n * (1 + SA_PK_LEN + SA_SIG_LEN))
				return SA_ECORRUPT;
			for (unsigned i = 0; i < n; i++) {
				struct sa__skip *s = &c->skip[i];
				s->from = c->epoch;
				s->level = *q++;
				if (!sa__skip_due(c->epoch, s->level) ||
				    (i > 0 && s->level <= c->skip[i - 1].level))
					return SA_ECORRUPT;
				memcpy(s->pk, q, SA_PK_LEN);
				q += SA_PK_LEN;
				memcpy(s->sig, q, SA_SIG_LEN);
				q += SA_SIG_LEN;
			}
			c->nskip = n;
		}
	} else {
		c->base_len = (size_t)(q - p);
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

/* The epoch's key pair and the next epoch's public key, from k->seed. */
static void
epoch_keys(struct sa__sealkey *k)
{
	uint8_t nseed[SA_SEED_LEN], nsk[64];
	sa__sodium.sign_seed_keypair(k->pk, k->sk, k->seed);
	next_seed(k->seed, nseed);
	sa__sodium.sign_seed_keypair(k->next_pk, nsk, nseed);
	sa__wipe(nseed, sizeof nseed);
	sa__wipe(nsk, sizeof nsk);
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
	memmove(k->seed, seed, SA_SEED_LEN);
	k->epoch = epoch;
	epoch_keys(k);
	/* The seeds 2, 4, ... 2^SA_SKIP_LEVELS epochs ahead, in one walk. */
	uint8_t s[SA_SEED_LEN];
	memcpy(s, k->seed, SA_SEED_LEN);
	for (uint64_t step = 1; step <= (UINT64_C(1) << SA_SKIP_LEVELS);
	     step++) {
		next_seed(s, s);
		if (step >= 2 && (step & (step - 1)) == 0)
			memcpy(k->run[__builtin_ctzll(step)], s, SA_SEED_LEN);
	}
	sa__wipe(s, sizeof s);
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
	/* In place: the old seed is overwritten by its successor. */
	next_seed(k->seed, k->seed);
	for (unsigned i = 1; i <= SA_SKIP_LEVELS; i++)
		next_seed(k->run[i], k->run[i]);
	k->epoch++;
	epoch_keys(k);
	return 0;
}

void
sa__sealkey_wipe(struct sa__sealkey *k)
{
	sa__wipe(k, sizeof *k);
}
