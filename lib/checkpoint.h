/*
 * checkpoint.h - signed checkpoints ('C' frames) and the forward-secure
 * sealing key that signs them (docs/FORMAT.md §3, docs/INTEGRITY.md),
 * internal.
 *
 * A checkpoint states that the records of log `log_id` up to `seq` hash
 * to `chain` (chain.h), at epoch `epoch` and time `time_us`.  A signed
 * one carries the public key of the next epoch and an Ed25519 signature,
 * by the epoch's key, over the domain tag and every payload byte before
 * the signature.  Payload, version 1:
 *
 *   u8      version (1)
 *   u8      flags: bit 0 signed, bit 1 final (written as the writer closed
 *           the log); other bits zero
 *   16      log_id
 *   varint  epoch (>= 1)
 *   varint  seq: the last record covered (0: none yet)
 *   zigzag  time_us
 *   32      chain value
 *   signed: 32  next epoch's public key
 *           64  signature
 *           skips, only when the epoch has any: u8 n (>= 1), then n times
 *           u8 level (1..SA_SKIP_LEVELS, increasing), 32 public key of
 *           epoch + 2^level, 64 its certificate
 *
 * The sealing key evolves one way: seed(e+1) = BLAKE2b-256("SEAUDIT-
 * EVOLVE-1" || seed(e)), the epoch's key pair is Ed25519's from its seed,
 * and the auditor keeps only the first epoch's public key: each epoch's
 * checkpoints certify the next key, so a verifier walks from that first
 * key to every later one, and whoever holds it can verify but not sign.
 *
 * Skip certificates let an auditor who holds only the first key reach a
 * late epoch's key in a few steps once the checkpoints between were
 * removed by retention (bridge.h): the checkpoints of epoch e with
 * (e - 1) a multiple of 2^i, for i = 1..SA_SKIP_LEVELS, certify the key
 * of epoch e + 2^i, each with its own Ed25519 signature by epoch e's key
 * over "SEAUDIT-SKIP-1" || u64le e || u8 i || that key.  They are outside
 * the checkpoint's own signature, so a bridge keeps a certificate without
 * the checkpoint (96 bytes, not 150 to 2,100).  An epoch certifies one
 * skip on average; the key carries its future seeds for them (future
 * keys follow from the current seed anyway: forward security is about
 * the past).
 *
 * Ownership: both structures are the caller's and hold no pointers; a
 * struct sa__sealkey holds a secret and must be wiped (sa__sealkey_wipe)
 * before its memory is reused or freed.
 */
#ifndef SA_CHECKPOINT_H
#define SA_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"

#define SA_CKPT_VERSION 1
#define SA_CKPT_F_SIGNED 0x01u
#define SA_CKPT_F_FINAL 0x02u /* the writer closed the log after it */
#define SA_PK_LEN 32
#define SA_SIG_LEN 64
#define SA_SEED_LEN 32
#define SA_SKIP_LEVELS 20 /* the longest skip: 2^20 epochs (12 days at 1 s) */
/* The largest payload: 2 + 16 + 10 + 10 + 10 + 32 + 32 + 64, and skips. */
#define SA_CKPT_BASE_MAX 176
#define SA_CKPT_MAX                                                            \
	(SA_CKPT_BASE_MAX + 1 + SA_SKIP_LEVELS * (1 + SA_PK_LEN + SA_SIG_LEN))

struct sa__skip {
	uint64_t from;	       /* epoch signing it */
	uint8_t level;	       /* certifies epoch from + 2^level */
	uint8_t pk[SA_PK_LEN]; /* that epoch's public key */
	uint8_t sig[SA_SIG_LEN];
};

struct sa__ckpt {
	uint8_t flags;
	uint8_t log_id[SA_LOG_ID_LEN];
	uint64_t epoch;
	uint64_t seq;
	int64_t time_us;
	uint8_t chain[SA_CHAIN_LEN];
	uint8_t next_pk[SA_PK_LEN]; /* signed only */
	uint8_t sig[SA_SIG_LEN];    /* signed only */
	size_t signed_len;	    /* payload bytes the signature covers */
	size_t base_len;	    /* payload bytes before the skips */
	unsigned nskip;
	struct sa__skip skip[SA_SKIP_LEVELS];
};

struct sa__sealkey {
	uint64_t epoch;
	uint8_t seed[SA_SEED_LEN];
	uint8_t pk[SA_PK_LEN];
	uint8_t sk[64];
	uint8_t next_pk[SA_PK_LEN];
	/* run[i]: the seed of epoch + 2^i, for the skips (i >= 1). */
	uint8_t run[SA_SKIP_LEVELS + 1][SA_SEED_LEN];
};

/*
 * Encodes c (its signature fields ignored; of its flags, FINAL is kept)
 * into out (SA_CKPT_MAX bytes), signing it with k when k is not NULL.  The
 * payload length, or -ELIBACC.
 */
int sa__ckpt_encode(struct sa__ckpt *c, const struct sa__sealkey *k,
		    uint8_t *out);
/* Parses a payload: 0, SA_EVERSION (a later version), SA_ECORRUPT. */
int sa__ckpt_decode(const uint8_t *p, size_t len, struct sa__ckpt *c);
/*
 * Checks a decoded checkpoint's signature with the epoch's public key
 * (payload as given to sa__ckpt_decode): 0, SA_ECORRUPT (unsigned or bad
 * signature), -ELIBACC.
 */
int sa__ckpt_verify(const struct sa__ckpt *c, const uint8_t *payload,
		    const uint8_t pk[SA_PK_LEN]);

/*
 * Checks a skip certificate with its signer's public key: 0, SA_ECORRUPT
 * (a bad signature), -ELIBACC.
 */
int sa__skip_verify(const struct sa__skip *s, const uint8_t pk[SA_PK_LEN]);

/* Does epoch e certify level i (1..SA_SKIP_LEVELS)? */
static inline bool
sa__skip_due(uint64_t e, unsigned i)
{
	return e >= 1 && i >= 1 && i <= SA_SKIP_LEVELS &&
	       ((e - 1) & ((UINT64_C(1) << i) - 1)) == 0;
}

/*
 * A sealing key from a seed at an epoch (>= 1): 0 or -ELIBACC.  It walks
 * 2^SA_SKIP_LEVELS seeds ahead (about a fifth of a second) for the skips;
 * sa__sealkey_evolve then costs one hash per level.
 */
int sa__sealkey_from_seed(struct sa__sealkey *k, const uint8_t *seed,
			  uint64_t epoch);
/* A new random key at epoch 1. */
int sa__sealkey_new(struct sa__sealkey *k);
/* The next epoch's key; the current seed and secret key are erased. */
int sa__sealkey_evolve(struct sa__sealkey *k);
void sa__sealkey_wipe(struct sa__sealkey *k);

#endif
