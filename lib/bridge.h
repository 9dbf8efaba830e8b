/*
 * bridge.h - the way from a log's first sealing key to a later epoch's
 * key once the checkpoints between were removed by retention
 * (docs/INTEGRITY.md §3), internal.
 *
 * The auditor holds only the first epoch's public key.  When retention
 * removes the oldest segments, the checkpoints that walked the key from
 * epoch to epoch go with them, so before each removal the writer keeps,
 * in the retention record, a bridge: the few certificates that lead from
 * epoch 1 to the first epoch still in the log.  A certificate is either a
 * skip (checkpoint.h: epoch e certifies epoch e + 2^i) or a checkpoint's
 * signed bytes (epoch e certifies e + 1).
 *
 * The path is the one a greedy walk takes: from epoch p + 1 (p counted
 * from 0) the longest step 2^i with p a multiple of 2^i, i <= the skip
 * levels, that does not pass the target.  Its steps are the binary digits
 * of target - 1, highest first, so a later target's path leaves the
 * earlier one only at a point where the earlier one took a step at least
 * as short: a bridge keeps, at each point of its path, the certificates
 * of its own step and of every longer one the point has.  Then every
 * later bridge is made from the last one and the checkpoints of the
 * segments being removed, and it stays short: at most about twice the
 * skip levels, plus one per 2^SA_SKIP_LEVELS epochs.  Every certificate
 * is checked on use, so a bridge needs no protection of its own: a wrong
 * one only fails to verify.
 *
 * Ownership: a struct sa__bridge owns its certificate array; free it
 * with sa__bridge_free.
 */
#ifndef SA_BRIDGE_H
#define SA_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"

#define SA_BRIDGE_VERSION 1

struct sa__bcert {
	uint64_t from;		 /* the signing epoch */
	uint8_t level;		 /* 0: a checkpoint's; else a skip of 2^level */
	uint8_t pk[SA_PK_LEN];	 /* skip: the key certified */
	uint8_t sig[SA_SIG_LEN]; /* skip: its certificate */
	uint8_t ckpt[SA_CKPT_BASE_MAX]; /* level 0: the signed bytes */
	uint16_t ckpt_len;
};

struct sa__bridge {
	uint64_t target; /* the epoch it leads to; 0: none yet */
	struct sa__bcert *c;
	size_t n, cap;
};

void sa__bridge_free(struct sa__bridge *b);

/* Adds the certificates of a signed checkpoint (its payload as decoded
 * into k).  0, -ENOMEM. */
int sa__bridge_add(struct sa__bridge *b, const struct sa__ckpt *k,
		   const uint8_t *payload);

/* Adds the certificates of src that b lacks.  0, -ENOMEM. */
int sa__bridge_merge(struct sa__bridge *b, const struct sa__bridge *src);

/*
 * Keeps only what leads to target (>= 1) and what a later target may
 * need.  0, or SA_ENOCKPT when a step is missing (the bridge is then
 * kept whole, target unchanged).
 */
int sa__bridge_trim(struct sa__bridge *b, uint64_t target);

/*
 * Walks from vk (epoch 1) to b->target, checking every certificate, and
 * gives the target's public key.  0; SA_ENOCKPT, a step missing;
 * SA_EBADSIG, a certificate that does not verify; -ELIBACC.
 */
int sa__bridge_walk(const struct sa__bridge *b, const uint8_t vk[SA_PK_LEN],
		    uint8_t pk[SA_PK_LEN]);

/* The bridge a retention record carries (its seal_bridge, base64):
 * 0, SA_ENOLOG (none), SA_EBADENC, SA_ECORRUPT, -ENOMEM. */
struct sa_record;
int sa__bridge_from_record(const struct sa_record *r, struct sa__bridge *b);

/* The byte form: 0 or -ENOMEM; *out is malloc'd. */
int sa__bridge_encode(const struct sa__bridge *b, uint8_t **out, size_t *len);
/* 0, SA_ECORRUPT, SA_EVERSION, -ENOMEM. */
int sa__bridge_decode(const uint8_t *p, size_t len, struct sa__bridge *b);

#endif
