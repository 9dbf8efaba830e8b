/*
 * hasher.h - the writer's chain hashed in a thread of its own, internal.
 *
 * BLAKE2b over every record costs about as much as everything else the
 * writer does for it (docs/performance.md, "Integrity"), and the chain is
 * sequential but needs nothing of the writer's own work: so the writer
 * hands over copies of the frames it committed and the thread advances
 * its own struct sa__chain with them, in order.  The writer takes the
 * chain back (sa__hasher_sync) only where it needs its value: a
 * checkpoint, a discard.
 *
 * Ownership: the hasher owns its thread, its queue and its chain; between
 * sa__hasher_sync and the next sa__hasher_feed the chain is the caller's
 * to read and change (the thread is idle then).  One caller thread.
 */
#ifndef SA_HASHER_H
#define SA_HASHER_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

struct sa__hasher;

/* Starts the thread from chain c (copied).  0, -ENOMEM, or the error of
 * pthread_create. */
int sa__hasher_start(struct sa__hasher **out, const struct sa__chain *c);

/*
 * Queues a copy of len bytes of whole frames of one segment (its first
 * number, base time and origin, as sa__chain_add_body takes them); its
 * record frames are hashed in order, other frames skipped.  Waits while
 * more than a bound is queued.  Without memory for the copy, it waits for
 * the thread and hashes them in the caller's thread instead: nothing fed
 * is ever left out of the chain.
 */
void sa__hasher_feed(struct sa__hasher *h, const uint8_t *frames, size_t len,
		     uint64_t first_seq, int64_t base_time, const char *origin,
		     size_t origin_len);

/*
 * Runs fn(arg) in the thread after everything queued before it, so that
 * sa__hasher_sync waits for it too (the writer's key file, rewritten
 * between a checkpoint and the next one's signature).  fn owns arg.
 * 0 or -ENOMEM (then the caller runs it itself).
 */
int sa__hasher_call(struct sa__hasher *h, void (*fn)(void *), void *arg);

/* Waits until everything fed is hashed; the chain is then the caller's. */
struct sa__chain *sa__hasher_sync(struct sa__hasher *h);

void sa__hasher_stop(struct sa__hasher *h); /* NULL-safe */

#endif
