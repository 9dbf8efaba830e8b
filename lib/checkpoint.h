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
 *
 * The sealing key evolves one way: seed(e+1) = BLAKE2b-256("SEAUDIT-
 * EVOLVE-1" || seed(e)), the epoch's key pair is Ed25519's from its seed,
 * and the auditor keeps only the first epoch's public key: each epoch's
 * checkpoints certify the next key, so a verifier walks from that first
 * key to every later one, and whoever holds it can verify but not sign.
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
/* The largest payload: 2 + 16 + 10 + 10 + 10 + 32 + 32 + 64. */
#define SA_CKPT_MAX 176

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
};

struct sa__sealkey {
	uint64_t epoch;
	uint8_t seed[SA_SEED_LEN];
	uint8_t pk[SA_PK_LEN];
	uint8_t sk[64];
	uint8_t next_pk[SA_PK_LEN];
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

/* A sealing key from a seed at an epoch (>= 1): 0 or -ELIBACC. */
int sa__sealkey_from_seed(struct sa__sealkey *k, const uint8_t *seed,
			  uint64_t epoch);
/* A new random key at epoch 1. */
int sa__sealkey_new(struct sa__sealkey *k);
/* The next epoch's key; the current seed and secret key are erased. */
int sa__sealkey_evolve(struct sa__sealkey *k);
void sa__sealkey_wipe(struct sa__sealkey *k);

#endif
