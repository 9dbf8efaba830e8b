/*
 * proto.h - the producer protocol between producers and the writer daemon
 * (docs/PROTOCOL.md is the source of truth), used by the client in this
 * library and by seauditd.
 *
 * Transport: a SOCK_STREAM Unix socket.  Every message is a frame:
 *
 *   0  4  magic "SAP1"
 *   4  1  type ('R' records, 'Q' status query; 'A' ack, 'E' error,
 *         'S' status reply)
 *   5  1  flags (SA_PROTO_F_FATAL on an 'E' that ends the connection)
 *   6  2  reserved, zero
 *   8  4  request id, u32le: chosen by the client, echoed in the reply
 *  12  4  payload length, u32le, at most SA_PROTO_MAX_PAYLOAD
 *  16  .. payload
 *
 * Payloads ('R'): u32le count (1..SA_PROTO_MAX_BATCH), then count times
 * (varint length, record body as sa_record_encode with bases 0 and 0).
 * ('A'): u64le first seq, u64le last seq, u32le count; with
 * SA_PROTO_F_PARTIAL also u32le refused, i32le refusal code, u32le
 * records in the frame (count + refused), then that many bits, one per
 * record in frame order, bit i in byte i / 8 at (1 << i % 8), set for a
 * record that was not stored.  ('E'): i32le code,
 * u32le record index (SA_PROTO_NO_INDEX for the whole frame), u8 field,
 * u16le message length, message bytes.  ('S'): "key=value\n" text.
 *
 * Parsers here take hostile input and never read past their bounds.
 */
#ifndef SEAUDIT_PROTO_H
#define SEAUDIT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/buf.h>
#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

#define SA_PROTO_MAGIC "SAP1"
#define SA_PROTO_HDR 16
#define SA_PROTO_MAX_PAYLOAD (4u << 20) /* hard ceiling; daemons may lower */
#define SA_PROTO_MAX_BATCH 65536
#define SA_PROTO_NO_INDEX UINT32_MAX

#define SA_PROTO_F_FATAL 0x01
/* On an 'A': some records of the frame were stored, the others refused
 * (the reserve sheds noisy classes, reserved ones are kept). */
#define SA_PROTO_F_PARTIAL 0x02

enum sa_proto_type {
	SA_PROTO_RECORDS = 'R',
	SA_PROTO_QUERY = 'Q',
	SA_PROTO_ACK = 'A',
	SA_PROTO_ERROR = 'E',
	SA_PROTO_STATUS = 'S'
};

struct sa_proto_hdr {
	uint8_t type;
	uint8_t flags;
	uint32_t id;
	uint32_t len; /* payload bytes */
};

/* Writes a 16-byte header. */
void sa_proto_put_hdr(uint8_t out[SA_PROTO_HDR], const struct sa_proto_hdr *h);

/*
 * Parses a header.  SA_EPROTO for a bad magic, unknown type, non-zero
 * reserved bytes or a length above `max_payload`.
 */
int sa_proto_get_hdr(const uint8_t in[SA_PROTO_HDR], uint32_t max_payload,
		     struct sa_proto_hdr *h);

/*
 * Appends a complete 'R' frame for n records to out.  Records are encoded
 * as given (seq, pid, ... are the daemon's to stamp).  SA_EINVAL-like
 * errors: -EINVAL for n == 0 or n > SA_PROTO_MAX_BATCH, the validation
 * error of the first invalid record (its index in *bad when not NULL),
 * SA_ENOSPACE when the frame would exceed SA_PROTO_MAX_PAYLOAD.
 */
int sa_proto_put_records(struct sa_buf *out, uint32_t id,
			 const struct sa_record *recs, size_t n, size_t *bad);

/*
 * Iterates the records of an 'R' payload: call with *pos = 0 first; each
 * call decodes the next record into *r (strings point into payload) and
 * returns 1, or 0 after the last, or SA_EPROTO when the payload's framing
 * is broken (count, lengths), or the record's decode error (with the
 * payload still well framed, so the caller can name the record).
 */
int sa_proto_records_count(const uint8_t *payload, size_t len, uint32_t *count);
/*
 * The same check, saying for people why a payload is not well framed
 * (docs/PROTOCOL.md §2.1): "count 0 out of range (1..65536)", "record 2's
 * length 1000 runs past the end of the payload (7 bytes left)", "3 bytes
 * after the last of 2 records", ...  `why` may be NULL; it is always
 * NUL-terminated when cap > 0.
 */
int sa_proto_records_framing(const uint8_t *payload, size_t len,
			     uint32_t *count, char *why, size_t cap);
int sa_proto_next_record(const uint8_t *payload, size_t len, size_t *pos,
			 struct sa_record *r);
/*
 * (Added.)  As sa_proto_next_record, and for a record's error also the
 * offending field in *bad (SA_F_NONE when none applies), with the error
 * named as sa_record_validate names it (SA_ETOOLONG, SA_EMISSING, ...,
 * SA_ECORRUPT only when the body is malformed beyond naming).  *pos has
 * moved past the bad record.  bad may be NULL.
 */
int sa_proto_next_record_diag(const uint8_t *payload, size_t len, size_t *pos,
			      struct sa_record *r, enum sa_field *bad);

/*
 * (Added.)  Appends a frame of any type with the given payload (a 'Q'
 * with none, an 'S' with its text).  -EINVAL above SA_PROTO_MAX_PAYLOAD,
 * -ENOMEM; the buffer is unchanged on failure.
 */
int sa_proto_put_frame(struct sa_buf *out, uint8_t type, uint8_t flags,
		       uint32_t id, const void *payload, size_t len);

/* Acks and errors. */
struct sa_proto_ack {
	uint64_t first_seq, last_seq; /* of the records stored, in order */
	uint32_t count;		      /* records stored */
	/*
	 * A partial ack: `refused` records of the frame were not stored, for
	 * `refused_code` (SA_ESHED); bit i of refused_map (byte i / 8, bit
	 * 1 << i % 8) is set when record i of the frame is one of them.  The
	 * stored ones got first_seq..last_seq in frame order.  refused_map is
	 * NULL when refused is 0.  It points into the parsed payload
	 * (sa_proto_get_ack) or, from the client, into storage the client
	 * owns until its next call.
	 */
	uint32_t refused;
	int32_t refused_code;
	const uint8_t *refused_map;
	uint64_t reserved[4]; /* zero: later members (the route protocol's) */
};
struct sa_proto_err {
	int32_t code;
	uint32_t index;
	uint8_t field;
	char message[256];    /* NUL-terminated, truncated */
	uint32_t reserved[4]; /* zero: later members */
};
void sa_proto_put_ack(struct sa_buf *out, uint32_t id,
		      const struct sa_proto_ack *a);
/*
 * (Added.)  A partial ack (SA_PROTO_F_PARTIAL) when a->refused > 0, with
 * a->refused_map holding a->count + a->refused bits; a plain ack
 * otherwise.  0, -EINVAL (a map whose bits disagree with the counts),
 * -ENOMEM.
 */
int sa_proto_put_ack_partial(struct sa_buf *out, uint32_t id,
			     const struct sa_proto_ack *a);
/* True when record i of a frame was refused according to the ack. */
bool sa_proto_ack_refused(const struct sa_proto_ack *a, uint32_t i);
int sa_proto_put_error(struct sa_buf *out, uint32_t id, bool fatal,
		       const struct sa_proto_err *e);
/* Parses a plain or a partial ack (told apart by the payload length;
 * a partial one is checked: bits, counts and length agree). */
int sa_proto_get_ack(const uint8_t *payload, size_t len,
		     struct sa_proto_ack *a);
int sa_proto_get_error(const uint8_t *payload, size_t len,
		       struct sa_proto_err *e);

SA_END_DECLS

#endif
