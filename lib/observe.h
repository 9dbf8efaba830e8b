/*
 * observe.h - what a reader passes over, for the library's own users of
 * a log's frames beyond its records (the verifier, the writer resuming
 * its chain from a sealed segment), internal.
 *
 * The reader calls the observer for every segment it enters (after its
 * header decoded) and for every frame whose CRC holds, in reading order,
 * before it decodes a record frame: so the observer sees checkpoints,
 * which sa_reader_next never returns, and the exact bytes the chain
 * covers.  Pointers are valid during the call only.
 *
 * An observer that has all it needs from a record frame (the verifier:
 * its number and its bytes for the chain) may say so through `out`: the
 * reader then checks the number's continuity and goes on without
 * decoding the record or returning it, which is most of a verifier's
 * time otherwise.
 */
#ifndef SA_OBSERVE_H
#define SA_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "segment.h"

struct sa_reader;

enum sa__obs_kind { SA_OBS_SEGMENT = 1, SA_OBS_FRAME = 2 };

struct sa__obs_out {
	bool handled; /* a record frame: not to be decoded or returned */
	uint64_t seq; /* its sequence number, when handled */
};

struct sa__obs {
	int kind;
	const char *path;
	const struct sa_seg_header *hdr;
	uint8_t type; /* SA_OBS_FRAME */
	const uint8_t *payload;
	size_t len;
	uint64_t offset;	 /* of the frame (plain bytes) */
	struct sa__obs_out *out; /* SA_OBS_FRAME: the observer's answer */
};

typedef void (*sa__obs_cb)(const struct sa__obs *o, void *arg);
void sa__reader_observe(struct sa_reader *rd, sa__obs_cb cb, void *arg);

#endif
