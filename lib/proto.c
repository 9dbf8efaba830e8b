/*
 * proto.c - frames of the producer protocol (include/seaudit/proto.h,
 * docs/PROTOCOL.md): building them for the client and the daemon, and
 * parsing them from a peer that may be hostile.
 *
 * Invariants:
 *  - Every parser is given (pointer, length) and never reads outside it;
 *    lengths read from the wire are compared with what remains before
 *    anything is read, with subtraction on the trusted side so that no
 *    sum can overflow.
 *  - An 'R' payload is checked for framing as a whole (count, every
 *    length, no trailing bytes) before its first record is handed out, so
 *    a daemon can tell "the stream is broken" (fatal: SA_EPROTO) from
 *    "record i is wrong" (an answer naming i) without buffering records.
 *  - Builders append whole frames or nothing: on any error the output
 *    buffer's length is what it was before the call.
 *  - Nothing here allocates except through the caller's struct sa_buf.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <seaudit/error.h>
#include <seaudit/proto.h>

#include "varint.h"
#include "codec.h"
#include "le.h"

/* Room kept for a record's length prefix: varint(SA_MAX_RECORD) is 3. */
#define LEN_PREFIX 3
/* Fixed part of an 'E' payload: code, index, field, message length. */
#define ERR_FIXED 11
#define ACK_LEN 20
#define ACK_PARTIAL_FIXED 12 /* refused, code, records in the frame */

static bool
known_type(uint8_t t)
{
	return t == SA_PROTO_RECORDS || t == SA_PROTO_QUERY ||
	       t == SA_PROTO_ACK || t == SA_PROTO_ERROR || t == SA_PROTO_STATUS;
}

void
sa_proto_put_hdr(uint8_t out[SA_PROTO_HDR], const struct sa_proto_hdr *h)
{
	memcpy(out, SA_PROTO_MAGIC, 4);
	out[4] = h->type;
	out[5] = h->flags;
	out[6] = 0;
	out[7] = 0;
	sa__le32_put(out + 8, h->id);
	sa__le32_put(out + 12, h->len);
}

/*
 * *h is filled even on failure once the magic matched, so that a daemon
 * can echo the id in the fatal error it sends back; with a wrong magic
 * nothing in the header can be trusted and *h is zeroed.
 */
int
sa_proto_get_hdr(const uint8_t in[SA_PROTO_HDR], uint32_t max_payload,
		 struct sa_proto_hdr *h)
{
	memset(h, 0, sizeof *h);
	if (memcmp(in, SA_PROTO_MAGIC, 4) != 0)
		return SA_EPROTO;
	h->type = in[4];
	h->flags = in[5];
	h->id = sa__le32_get(in + 8);
	h->len = sa__le32_get(in + 12);
	if (!known_type(h->type) || in[6] != 0 || in[7] != 0)
		return SA_EPROTO;
	/* The hard ceiling holds whatever the caller passes. */
	if (max_payload > SA_PROTO_MAX_PAYLOAD)
		max_payload = SA_PROTO_MAX_PAYLOAD;
	if (h->len > max_payload)
		return SA_EPROTO;
	return 0;
}

int
sa_proto_put_records(struct sa_buf *out, uint32_t id,
		     const struct sa_record *recs, size_t n, size_t *bad)
{
	if (n == 0 || n > SA_PROTO_MAX_BATCH)
		return -EINVAL;
	/* Validate everything first: a refused batch costs no encoding. */
	for (size_t i = 0; i < n; i++) {
		int rc = sa_record_validate(&recs[i], NULL);
		if (rc < 0) {
			if (bad != NULL)
				*bad = i;
			return rc;
		}
	}

	size_t start = out->len;
	int rc = sa_buf_reserve(out, SA_PROTO_HDR + 4);
	if (rc < 0)
		return rc;
	out->len += SA_PROTO_HDR + 4;
	for (size_t i = 0; i < n; i++) {
		/*
		 * Encode straight into the buffer behind a 3-byte gap for the
		 * length, then close the gap: no 64 KiB scratch on the stack
		 * (callers include PAM modules with small stacks).  The
		 * encoder's own room check is conservative, so it gets some
		 * slack and the real limit is checked on the result.
		 */
		size_t cap = SA_MAX_RECORD + 2 * SA_VARINT_MAX + 2;
		size_t blen = 0;
		rc = sa_buf_reserve(out, LEN_PREFIX + cap);
		if (rc < 0)
			goto fail;
		uint8_t *at = (uint8_t *)out->data + out->len;
		rc = sa_record_encode(&recs[i], 0, 0, at + LEN_PREFIX, cap,
				      &blen);
		if (rc == SA_ENOSPACE || (rc == 0 && blen > SA_MAX_RECORD))
			rc = SA_ETOOLONG;
		if (rc < 0) {
			if (bad != NULL)
				*bad = i;
			goto fail;
		}
		size_t k = sa_varint_len(blen);
		if (k < LEN_PREFIX)
			memmove(at + k, at + LEN_PREFIX, blen);
		sa_varint_put(at, blen);
		out->len += k + blen;
		if (out->len - start - SA_PROTO_HDR > SA_PROTO_MAX_PAYLOAD) {
			rc = SA_ENOSPACE;
			goto fail;
		}
	}
	uint8_t *p = (uint8_t *)out->data + start;
	struct sa_proto_hdr h = {
	    .type = SA_PROTO_RECORDS,
	    .flags = 0,
	    .id = id,
	    .len = (uint32_t)(out->len - start - SA_PROTO_HDR),
	};
	sa_proto_put_hdr(p, &h);
	sa__le32_put(p + SA_PROTO_HDR, (uint32_t)n);
	out->data[out->len] = '\0';
	return 0;
fail:
	out->len = start;
	out->data[out->len] = '\0';
	return rc;
}

/*
 * Checks the framing of a whole 'R' payload: a count in range, then
 * exactly `count` (varint length, body) entries filling the payload to its
 * last byte.  Each entry needs at least one byte, which bounds the loop by
 * the payload's length before the first varint is read.
 */
int
sa_proto_records_count(const uint8_t *payload, size_t len, uint32_t *count)
{
	return sa_proto_records_framing(payload, len, count, NULL, 0);
}

int
sa_proto_records_framing(const uint8_t *payload, size_t len, uint32_t *count,
			 char *why, size_t cap)
{
	char scratch[1];
	if (why == NULL || cap == 0) {
		why = scratch;
		cap = sizeof scratch;
	}
	why[0] = '\0';
	if (len < 4) {
		snprintf(why, cap, "payload of %zu bytes holds no record count",
			 len);
		return SA_EPROTO;
	}
	uint32_t c = sa__le32_get(payload);
	if (c == 0 || c > SA_PROTO_MAX_BATCH) {
		snprintf(why, cap, "count %" PRIu32 " out of range (1..%u)", c,
			 (unsigned)SA_PROTO_MAX_BATCH);
		return SA_EPROTO;
	}
	if (c > len - 4) {
		snprintf(why, cap,
			 "count %" PRIu32 " but only %zu bytes follow "
			 "it",
			 c, len - 4);
		return SA_EPROTO;
	}
	const uint8_t *end = payload + len;
	size_t pos = 4;
	for (uint32_t i = 0; i < c; i++) {
		uint64_t n;
		size_t k = sa_varint_get(payload + pos, end, &n);
		if (k == 0 && pos == len) {
			snprintf(why, cap,
				 "count %" PRIu32 " but the payload "
				 "ends after %" PRIu32 " records",
				 c, i);
			return SA_EPROTO;
		}
		if (k == 0) {
			snprintf(why, cap,
				 "record %" PRIu32 "'s length is not a "
				 "valid varint",
				 i);
			return SA_EPROTO;
		}
		pos += k;
		if (n > len - pos) {
			snprintf(why, cap,
				 "record %" PRIu32 "'s length %" PRIu64
				 " runs past the end of the payload (%zu bytes "
				 "left)",
				 i, n, len - pos);
			return SA_EPROTO;
		}
		pos += (size_t)n;
	}
	if (pos != len) {
		snprintf(why, cap,
			 "%zu bytes after the last of %" PRIu32 " records",
			 len - pos, c);
		return SA_EPROTO;
	}
	*count = c;
	return 0;
}

int
sa_proto_next_record_diag(const uint8_t *payload, size_t len, size_t *pos,
			  struct sa_record *r, enum sa_field *bad)
{
	enum sa_field dummy;
	if (bad == NULL)
		bad = &dummy;
	*bad = SA_F_NONE;
	if (*pos == 0) {
		uint32_t count;
		int rc = sa_proto_records_count(payload, len, &count);
		if (rc < 0)
			return rc;
		*pos = 4;
	}
	/* A position the caller corrupted must not lead us astray. */
	if (*pos < 4 || *pos > len)
		return SA_EPROTO;
	if (*pos == len)
		return 0;
	uint64_t n;
	size_t k = sa_varint_get(payload + *pos, payload + len, &n);
	if (k == 0 || n > len - *pos - k)
		return SA_EPROTO;
	const uint8_t *body = payload + *pos + k;
	/* Past this record whatever it holds: the caller may go on. */
	*pos += k + (size_t)n;
	if (n > SA_MAX_RECORD)
		return SA_ETOOLONG;
	/*
	 * The decoder enforces every rule sa_record_validate checks (both
	 * fuzz targets hold it to that), so a decoded record is valid as is;
	 * only a refusal needs the slower second look that names the fault.
	 */
	if (sa_record_decode(body, (size_t)n, 0, 0, r) == 0)
		return 1;
	return sa__record_decode_diag(body, (size_t)n, r, bad);
}

int
sa_proto_next_record(const uint8_t *payload, size_t len, size_t *pos,
		     struct sa_record *r)
{
	return sa_proto_next_record_diag(payload, len, pos, r, NULL);
}

/*
 * Acks and errors are small: the failure of sa_buf_reserve (out of
 * memory) is the only way they can fail to be built, and the buffer is
 * then left as it was.  sa_proto_put_ack cannot report it (its signature
 * is fixed); a caller that must know compares out->len before and after.
 */
void
sa_proto_put_ack(struct sa_buf *out, uint32_t id, const struct sa_proto_ack *a)
{
	uint8_t f[SA_PROTO_HDR + ACK_LEN];
	struct sa_proto_hdr h = {
	    .type = SA_PROTO_ACK, .flags = 0, .id = id, .len = ACK_LEN};

	sa_proto_put_hdr(f, &h);
	sa__le64_put(f + SA_PROTO_HDR, a->first_seq);
	sa__le64_put(f + SA_PROTO_HDR + 8, a->last_seq);
	sa__le32_put(f + SA_PROTO_HDR + 16, a->count);
	(void)sa_buf_append(out, f, sizeof f);
}

int
sa_proto_put_error(struct sa_buf *out, uint32_t id, bool fatal,
		   const struct sa_proto_err *e)
{
	/* An error frame with a code >= 0 would read as success. */
	if (e->code >= 0)
		return -EINVAL;
	size_t mlen = strnlen(e->message, sizeof e->message - 1);
	uint8_t f[SA_PROTO_HDR + ERR_FIXED];
	struct sa_proto_hdr h = {
	    .type = SA_PROTO_ERROR,
	    .flags = fatal ? SA_PROTO_F_FATAL : 0,
	    .id = id,
	    .len = (uint32_t)(ERR_FIXED + mlen),
	};

	sa_proto_put_hdr(f, &h);
	sa__le32_put(f + SA_PROTO_HDR, (uint32_t)e->code);
	sa__le32_put(f + SA_PROTO_HDR + 4, e->index);
	f[SA_PROTO_HDR + 8] = e->field;
	sa__le16_put(f + SA_PROTO_HDR + 9, (uint16_t)mlen);
	int rc = sa_buf_reserve(out, sizeof f + mlen);
	if (rc < 0)
		return rc;
	memcpy(out->data + out->len, f, sizeof f);
	memcpy(out->data + out->len + sizeof f, e->message, mlen);
	out->len += sizeof f + mlen;
	out->data[out->len] = '\0';
	return 0;
}

static uint32_t
popcount_map(const uint8_t *map, uint32_t nbits)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < nbits; i++)
		n += (map[i / 8] >> (i % 8)) & 1u;
	return n;
}

int
sa_proto_put_ack_partial(struct sa_buf *out, uint32_t id,
			 const struct sa_proto_ack *a)
{
	if (a->refused == 0) {
		size_t before = out->len;
		sa_proto_put_ack(out, id, a);
		return out->len > before ? 0 : -ENOMEM;
	}
	uint64_t nbits = (uint64_t)a->count + a->refused;
	if (a->refused_map == NULL || nbits > SA_PROTO_MAX_BATCH ||
	    a->refused_code >= 0 ||
	    popcount_map(a->refused_map, (uint32_t)nbits) != a->refused)
		return -EINVAL;
	size_t mlen = (size_t)(nbits + 7) / 8;
	uint8_t f[SA_PROTO_HDR + ACK_LEN + ACK_PARTIAL_FIXED];
	struct sa_proto_hdr h = {
	    .type = SA_PROTO_ACK,
	    .flags = SA_PROTO_F_PARTIAL,
	    .id = id,
	    .len = (uint32_t)(ACK_LEN + ACK_PARTIAL_FIXED + mlen)};
	sa_proto_put_hdr(f, &h);
	uint8_t *p = f + SA_PROTO_HDR;
	sa__le64_put(p, a->first_seq);
	sa__le64_put(p + 8, a->last_seq);
	sa__le32_put(p + 16, a->count);
	sa__le32_put(p + 20, a->refused);
	sa__le32_put(p + 24, (uint32_t)a->refused_code);
	sa__le32_put(p + 28, (uint32_t)nbits);
	int rc = sa_buf_reserve(out, sizeof f + mlen);
	if (rc < 0)
		return rc;
	memcpy(out->data + out->len, f, sizeof f);
	memcpy(out->data + out->len + sizeof f, a->refused_map, mlen);
	/* Bits past the last record are zero on the wire. */
	if (nbits % 8)
		out->data[out->len + sizeof f + mlen - 1] &=
		    (uint8_t)((1u << (nbits % 8)) - 1);
	out->len += sizeof f + mlen;
	out->data[out->len] = '\0';
	return 0;
}

bool
sa_proto_ack_refused(const struct sa_proto_ack *a, uint32_t i)
{
	if (a->refused == 0 || a->refused_map == NULL ||
	    (uint64_t)i >= (uint64_t)a->count + a->refused)
		return false;
	return (a->refused_map[i / 8] >> (i % 8)) & 1u;
}

int
sa_proto_get_ack(const uint8_t *payload, size_t len, struct sa_proto_ack *a)
{
	if (len != ACK_LEN && len < ACK_LEN + ACK_PARTIAL_FIXED)
		return SA_EPROTO;
	a->first_seq = sa__le64_get(payload);
	a->last_seq = sa__le64_get(payload + 8);
	a->count = sa__le32_get(payload + 16);
	a->refused = 0;
	a->refused_code = 0;
	a->refused_map = NULL;
	if (len == ACK_LEN)
		return 0;
	a->refused = sa__le32_get(payload + 20);
	a->refused_code = (int32_t)sa__le32_get(payload + 24);
	uint32_t nbits = sa__le32_get(payload + 28);
	const uint8_t *map = payload + ACK_LEN + ACK_PARTIAL_FIXED;
	if (a->refused == 0 || a->refused_code >= 0 ||
	    nbits > SA_PROTO_MAX_BATCH ||
	    (uint64_t)a->count + a->refused != nbits ||
	    len != ACK_LEN + ACK_PARTIAL_FIXED + ((size_t)nbits + 7) / 8 ||
	    popcount_map(map, nbits) != a->refused ||
	    (nbits % 8 && (map[nbits / 8] >> (nbits % 8)) != 0))
		return SA_EPROTO;
	a->refused_map = map;
	return 0;
}

/*
 * The message is the daemon's text for people: it is copied truncated to
 * the struct's size, and bytes that a terminal would act on (C0 controls,
 * DEL; NUL included, so the C string is whole) become '?', so that a
 * program may print it as is.  Bytes >= 0x80 are kept (UTF-8).
 */
int
sa_proto_get_error(const uint8_t *payload, size_t len, struct sa_proto_err *e)
{
	if (len < ERR_FIXED)
		return SA_EPROTO;
	uint16_t mlen = sa__le16_get(payload + 9);
	if (mlen != len - ERR_FIXED)
		return SA_EPROTO;
	int32_t code = (int32_t)sa__le32_get(payload);
	if (code >= 0)
		return SA_EPROTO;
	e->code = code;
	e->index = sa__le32_get(payload + 4);
	e->field = payload[8];
	size_t n = mlen < sizeof e->message - 1 ? mlen : sizeof e->message - 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = payload[ERR_FIXED + i];
		e->message[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	e->message[n] = '\0';
	return 0;
}

int
sa_proto_put_frame(struct sa_buf *out, uint8_t type, uint8_t flags, uint32_t id,
		   const void *payload, size_t len)
{
	if (len > SA_PROTO_MAX_PAYLOAD)
		return -EINVAL;
	uint8_t f[SA_PROTO_HDR];
	struct sa_proto_hdr h = {
	    .type = type, .flags = flags, .id = id, .len = (uint32_t)len};

	sa_proto_put_hdr(f, &h);
	int rc = sa_buf_reserve(out, sizeof f + len);
	if (rc < 0)
		return rc;
	memcpy(out->data + out->len, f, sizeof f);
	if (len > 0)
		memcpy(out->data + out->len + sizeof f, payload, len);
	out->len += sizeof f + len;
	out->data[out->len] = '\0';
	return 0;
}
