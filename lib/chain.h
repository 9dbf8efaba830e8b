/*
 * chain.h - the integrity chain of a log (docs/INTEGRITY.md), internal.
 *
 * Every record is hashed, in log order, in a canonical form that does not
 * depend on how the log was cut into segments: event, status, absolute
 * sequence number and time, origin, and every other field exactly as
 * encoded (field 15, the origin, taken out of the field run).  The chain
 * advances by epochs: the value closing epoch k is
 *
 *   c_k = BLAKE2b-256("SEAUDIT-EPOCH-1\0" || c_{k-1} || u64le s_{k-1} ||
 *                     for each record of the epoch: u32le n || canon)
 *
 * where s_{k-1} is the sequence number of the last record c_{k-1} covers,
 * and c_0 = BLAKE2b-256("SEAUDIT-CHAIN-1\0" || log_id || u8 n || origin)
 * binds the log's random identity and its origin.  Hashing an epoch as
 * one stream costs one BLAKE2b compression per 128 bytes of records; a
 * value per record would cost a finalisation per record (about twice as
 * much, measured in bench/).  The epochs are closed where checkpoints are
 * written, and a copy of the log cut into other segments hashes the same
 * records between the same checkpoints, so it computes the same values.
 *
 * Ownership: struct sa__chain is the caller's; it holds no pointers.
 */
#ifndef SA_CHAIN_H
#define SA_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sodium_dl.h"

#define SA_CHAIN_LEN 32
#define SA_LOG_ID_LEN 16

struct sa__chain {
	crypto_generichash_state st;
	uint8_t value[SA_CHAIN_LEN]; /* c of the last closed epoch */
	uint64_t seq;		     /* last record `value` covers */
	uint64_t last;		     /* last record added */
	bool open;		     /* records added since `value` */
};

/* The chain of a new log: c_0, covering nothing before first_seq.  0 or
 * -ELIBACC (libsodium unavailable). */
int sa__chain_start(struct sa__chain *c, const uint8_t log_id[SA_LOG_ID_LEN],
		    const char *origin, size_t origin_len, uint64_t first_seq);
/* Goes on from a closed value covering records up to seq. */
int sa__chain_resume(struct sa__chain *c, uint64_t seq,
		     const uint8_t value[SA_CHAIN_LEN]);

/*
 * Adds one record given as its stored body in a segment whose first
 * number, base time and origin are given.  The canonical form is derived
 * from the body's bytes without decoding the fields.  Returns the
 * record's sequence number through *seq; SA_ECORRUPT when the body's
 * fixed part or its field tags do not parse.
 */
int sa__chain_add_body(struct sa__chain *c, const uint8_t *body, size_t len,
		       uint64_t first_seq, int64_t base_time,
		       const char *seg_origin, size_t seg_origin_len,
		       uint64_t *seq);

/* Closes the epoch: c->value and c->seq cover every record added. */
void sa__chain_close(struct sa__chain *c);

/* A random log identity. 0 or -ELIBACC. */
int sa__chain_new_id(uint8_t id[SA_LOG_ID_LEN]);

#endif
