/*
 * verify.h - proving a log intact (docs/INTEGRITY.md): framing and
 * checksums, sequence continuity, the hash chain through every segment
 * and every checkpoint, and, given the verification key, the checkpoints'
 * signatures from the first epoch's key on.
 *
 * Every problem is reported through the damage callback with the file,
 * the offset, the sequence numbers concerned and a code: the reader's
 * (SA_ECORRUPT, SA_ESEQGAP, SA_EREMOVED, ...) and the chain's:
 *   SA_ECHAIN    the records seq_first..seq_last, before the checkpoint at
 *                `offset`, are not the ones it sealed (one was altered,
 *                removed, inserted or two were swapped);
 *   SA_EFOREIGN  the segment does not continue the log: another log's
 *                (another identity), or one whose link is not where the
 *                log stands (replaced, replayed, reordered);
 *   SA_EBADSIG   a checkpoint's signature does not verify (or it is
 *                unsigned while a verification key was given);
 *   SA_ENOCKPT   the signing key's epochs do not follow (checkpoints
 *                removed), or the epochs before the first one present
 *                are gone and no retention record's key bridge leads
 *                there, so the key cannot be linked to the one given;
 *   SA_EHEADGONE the log's first segment does not start the log, and no
 *                retention record (sealed by a checkpoint) names the
 *                records removed before it (seq_last) and the chain
 *                value it links to: they were cut, not retained away.
 * A log whose oldest segments retention removed verifies clean:
 * removed_seq says up to which record, and with a key the retention
 * record's bridge leads the key to the first epoch left.
 * Records after the last checkpoint are no problem: they are counted as
 * not yet sealed (a live log; or a tail cut off after its last checkpoint,
 * which only a copy held elsewhere tells apart from a crash).
 *
 * ABI: struct sa_verify_opts and struct sa_verify_result keep their size;
 * later members take the reserved words.
 */
#ifndef SEAUDIT_VERIFY_H
#define SEAUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/api.h>
#include <seaudit/log.h>
#include <seaudit/seal.h>

SA_BEGIN_DECLS

struct sa_verify_opts {
	const uint8_t *vk; /* SA_SEAL_KEY_LEN bytes, or NULL: chain only */
	sa_damage_cb cb;   /* every problem (may be NULL) */
	void *arg;
	uint64_t reserved[8]; /* zero */
};

struct sa_verify_result {
	uint64_t records;     /* read */
	uint64_t segments;    /* entered */
	uint64_t checkpoints; /* found, whose chain value matched */
	uint64_t signatures;  /* of them, signatures verified */
	uint64_t unsealed;    /* records after the last matching checkpoint */
	uint64_t unchained;   /* records in segments written before sealing */
	uint64_t problems;    /* damage reports */
	uint64_t sealed_seq;  /* the last record a checkpoint covers */
	uint64_t last_seq;    /* the last record read */
	uint64_t epoch;	      /* the last verified signing epoch */
	/* Logs whose last checkpoint is not the one their writer writes as
	 * it closes the log: live, crashed, or cut after a checkpoint. */
	uint64_t open_logs;
	/* Records up to this one were removed by retention, as a sealed
	 * retention record in the log says (0: none removed). */
	uint64_t removed_seq;
	uint64_t reserved[4];
};

/*
 * Reads the log given as for sa_reader_open and verifies it.  0 when it
 * was read to its end (then res tells what was found: intact when
 * problems is 0), SA_ENOLOG when nothing readable was found, -ENOMEM,
 * -ELIBACC (libsodium unavailable).
 */
int sa_log_verify(const char *const *paths, size_t n,
		  const struct sa_verify_opts *opts,
		  struct sa_verify_result *res);

SA_END_DECLS

#endif
