/*
 * fuzz_frame.c - libFuzzer target for the producer protocol's frame
 * parsing, as the daemon meets it: the input is a byte stream of frames
 * from one connection.
 *
 * Each header is parsed with sa_proto_get_hdr (the first input byte, when
 * it has its high bit set, chooses a lower payload limit, as a daemon
 * configured with a small max_frame_bytes would pass); a broken header or
 * a payload cut short ends the stream, as the daemon closes the
 * connection.  'R' payloads are counted and iterated record by record
 * (past bad records, as the daemon does to name them); 'A' and 'E'
 * payloads are parsed.  Must hold: nothing crashes or reads out of
 * bounds; framing verdicts agree (records_count and the iteration);
 * every record that decodes validates, re-encodes into a frame, and
 * decodes from it equal; acks and errors re-encode and parse back equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_record(const struct sa_record *r)
{
	struct sa_buf b = SA_BUF_INIT;
	struct sa_proto_hdr h;
	struct sa_record r2;
	uint32_t count;
	size_t pos = 0;

	if (sa_record_validate(r, NULL) != 0)
		abort();
	if (sa_proto_put_records(&b, 9, r, 1, NULL) != 0)
		abort();
	const uint8_t *p = (const uint8_t *)b.data;
	if (sa_proto_get_hdr(p, SA_PROTO_MAX_PAYLOAD, &h) != 0 ||
	    h.type != SA_PROTO_RECORDS || h.id != 9 ||
	    h.len != b.len - SA_PROTO_HDR)
		abort();
	if (sa_proto_records_count(p + SA_PROTO_HDR, h.len, &count) != 0 ||
	    count != 1)
		abort();
	if (sa_proto_next_record(p + SA_PROTO_HDR, h.len, &pos, &r2) != 1 ||
	    !sa_record_equal(r, &r2) ||
	    sa_proto_next_record(p + SA_PROTO_HDR, h.len, &pos, &r2) != 0)
		abort();
	sa_buf_free(&b);
}

static void
check_records(const uint8_t *p, size_t len)
{
	uint32_t count = 0;
	int framed = sa_proto_records_count(p, len, &count);
	size_t pos = 0;
	uint32_t seen = 0;
	struct sa_record r;
	enum sa_field bad;
	int rc;

	while ((rc = sa_proto_next_record_diag(p, len, &pos, &r, &bad)) != 0) {
		if (rc == SA_EPROTO)
			break;
		if (++seen > count || pos > len)
			abort();
		if (rc == 1) {
			if (bad != SA_F_NONE)
				abort();
			check_record(&r);
		} else if (rc > 0 || (unsigned)bad >= SA_F__COUNT) {
			abort();
		}
	}
	/* Framing is judged whole, before the first record. */
	if ((framed == 0) != (rc == 0))
		abort();
	if (framed == 0 && seen != count)
		abort();
}

static void
check_ack(const uint8_t *p, size_t len)
{
	struct sa_proto_ack a, a2;
	struct sa_buf b = SA_BUF_INIT;
	struct sa_proto_hdr h;

	if (sa_proto_get_ack(p, len, &a) != 0)
		return;
	sa_proto_put_ack(&b, 3, &a);
	if (b.len != SA_PROTO_HDR + len ||
	    memcmp(b.data + SA_PROTO_HDR, p, len) != 0 ||
	    sa_proto_get_hdr((const uint8_t *)b.data, SA_PROTO_MAX_PAYLOAD,
			     &h) != 0 ||
	    sa_proto_get_ack((const uint8_t *)b.data + SA_PROTO_HDR, h.len,
			     &a2) != 0 ||
	    a.first_seq != a2.first_seq || a.last_seq != a2.last_seq ||
	    a.count != a2.count)
		abort();
	sa_buf_free(&b);
}

static void
check_error(const uint8_t *p, size_t len, bool fatal)
{
	struct sa_proto_err e, e2;
	struct sa_buf b = SA_BUF_INIT;
	struct sa_proto_hdr h;

	if (sa_proto_get_error(p, len, &e) != 0)
		return;
	if (e.code >= 0 || strlen(e.message) >= sizeof e.message)
		abort();
	if (sa_proto_put_error(&b, 4, fatal, &e) != 0)
		abort();
	if (sa_proto_get_hdr((const uint8_t *)b.data, SA_PROTO_MAX_PAYLOAD,
			     &h) != 0 ||
	    (h.flags == SA_PROTO_F_FATAL) != fatal ||
	    sa_proto_get_error((const uint8_t *)b.data + SA_PROTO_HDR, h.len,
			       &e2) != 0 ||
	    e.code != e2.code || e.index != e2.index || e.field != e2.field ||
	    strcmp(e.message, e2.message) != 0)
		abort();
	sa_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t max = SA_PROTO_MAX_PAYLOAD;

	if (size > 0 && (data[0] & 0x80)) {
		max = (uint32_t)(data[0] & 0x7f) << 8; /* 0..32512 bytes */
		data++;
		size--;
	}
	size_t off = 0;
	while (size - off >= SA_PROTO_HDR) {
		struct sa_proto_hdr h;
		if (sa_proto_get_hdr(data + off, max, &h) != 0)
			break; /* fatal: the daemon closes */
		if (h.len > max || h.len > SA_PROTO_MAX_PAYLOAD)
			abort();
		off += SA_PROTO_HDR;
		if (size - off < h.len)
			break; /* truncated: the connection ended mid-frame */
		const uint8_t *p = data + off;
		off += h.len;
		switch (h.type) {
		case SA_PROTO_RECORDS:
			check_records(p, h.len);
			break;
		case SA_PROTO_ACK:
			check_ack(p, h.len);
			break;
		case SA_PROTO_ERROR:
			check_error(p, h.len,
				    (h.flags & SA_PROTO_F_FATAL) != 0);
			break;
		case SA_PROTO_QUERY:
		case SA_PROTO_STATUS:
			break; /* no structure to parse */
		default:
			abort(); /* sa_proto_get_hdr let an unknown type by */
		}
	}
	return 0;
}
