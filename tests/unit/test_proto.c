/*
 * test_proto.c - the producer protocol's frames (lib/proto.c) and the
 * client's non-blocking machinery (lib/client.c).
 *
 * Frames: records, acks, errors and free frames round-trip; every class
 * of malformed header is refused; broken payload framing is told apart
 * from a bad record inside a well-framed payload, which is named by code
 * and field; hostile bodies and random bytes never crash a parser.
 *
 * Client: a fake daemon, a thread serving one connection on a Unix socket
 * in a temporary directory, speaks the protocol with the same functions
 * (it is a second, independent check of them) and misbehaves on demand:
 * refuses a record, never answers, answers late, hangs up, or turns the
 * client away at accept.  The fake never calls cmocka (a failed assertion
 * must not longjmp across threads): it counts what it saw and the test
 * checks the counts after joining it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"
#include "varint.h"

/* ---- helpers ---------------------------------------------------------- */

static void
login_record(struct sa_record *r, const char *user)
{
	sa_record_init(r);
	r->event = SA_EV_LOGIN;
	r->status = 'P';
	r->time_us = INT64_C(1714557600000000);
	assert_int_equal(sa_record_set_cstr(r, SA_F_USER, user), 0);
	assert_int_equal(sa_record_set_cstr(r, SA_F_TERMINAL, "tty1"), 0);
	assert_int_equal(sa_record_set_int(r, SA_F_PID, 4242), 0);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Parses one frame at b[*off]: header and payload pointer. */
static void
parse_frame(const struct sa_buf *b, size_t *off, struct sa_proto_hdr *h,
	    const uint8_t **payload)
{
	assert_true(b->len - *off >= SA_PROTO_HDR);
	const uint8_t *p = (const uint8_t *)b->data + *off;
	assert_int_equal(sa_proto_get_hdr(p, SA_PROTO_MAX_PAYLOAD, h), 0);
	assert_true(b->len - *off - SA_PROTO_HDR >= h->len);
	*payload = p + SA_PROTO_HDR;
	*off += SA_PROTO_HDR + h->len;
}

/* ---- frames ----------------------------------------------------------- */

static void
test_records_roundtrip(void **state)
{
	(void)state;
	struct tu_rng rng;
	struct tu_arena arena;
	enum { N = 300 };
	static struct sa_record recs[N];
	struct sa_buf b = SA_BUF_INIT;

	tu_rng_seed(&rng, 7);
	tu_arena_init(&arena, 64u << 20);
	for (size_t i = 0; i < N; i++) {
		tu_random_record(&rng, &arena, &recs[i]);
		recs[i].seq = i % 3 == 0 ? 0 : i * 1000; /* as given */
	}
	/* Two frames back to back, as on the wire. */
	assert_int_equal(sa_proto_put_records(&b, 77, recs, N, NULL), 0);
	assert_int_equal(sa_proto_put_records(&b, 78, recs + 5, 1, NULL), 0);

	size_t off = 0;
	struct sa_proto_hdr h;
	const uint8_t *pl;
	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.type, SA_PROTO_RECORDS);
	assert_int_equal(h.id, 77);
	assert_int_equal(h.flags, 0);
	uint32_t count;
	assert_int_equal(sa_proto_records_count(pl, h.len, &count), 0);
	assert_int_equal(count, N);
	size_t pos = 0;
	struct sa_record r;
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(sa_proto_next_record(pl, h.len, &pos, &r), 1);
		assert_true(sa_record_equal(&r, &recs[i]));
	}
	assert_int_equal(sa_proto_next_record(pl, h.len, &pos, &r), 0);
	assert_int_equal(sa_proto_next_record(pl, h.len, &pos, &r), 0);

	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.id, 78);
	pos = 0;
	assert_int_equal(sa_proto_next_record(pl, h.len, &pos, &r), 1);
	assert_true(sa_record_equal(&r, &recs[5]));
	assert_int_equal(sa_proto_next_record(pl, h.len, &pos, &r), 0);
	assert_int_equal(off, b.len);

	sa_buf_free(&b);
	tu_arena_free(&arena);
}

static void
test_put_records_refusals(void **state)
{
	(void)state;
	struct sa_record recs[3];
	struct sa_buf b = SA_BUF_INIT;
	size_t bad = 99;

	login_record(&recs[0], "alice");
	login_record(&recs[1], "bob");
	login_record(&recs[2], "carol");
	assert_int_equal(sa_buf_append(&b, "xyz", 3), 0);

	assert_int_equal(sa_proto_put_records(&b, 1, recs, 0, &bad), -EINVAL);
	assert_int_equal(
	    sa_proto_put_records(&b, 1, recs, SA_PROTO_MAX_BATCH + 1, &bad),
	    -EINVAL);
	sa_record_unset(&recs[1], SA_F_USER); /* required by login */
	assert_int_equal(sa_proto_put_records(&b, 1, recs, 3, &bad),
			 SA_EMISSING);
	assert_int_equal(bad, 1);
	assert_int_equal(b.len, 3); /* untouched */
	recs[1].status = 'Z';
	assert_int_equal(sa_proto_put_records(&b, 1, recs, 3, NULL),
			 SA_ENOTSTATUS);
	assert_int_equal(b.len, 3);

	/* Bigger than SA_PROTO_MAX_PAYLOAD: refused whole, buffer intact. */
	enum { BIG = 200 };
	static struct sa_record big[BIG];
	static char text[SA_MAX_TEXT], path[SA_MAX_PATH];
	memset(text, 'c', sizeof text);
	memset(path, 'p', sizeof path);
	for (size_t i = 0; i < BIG; i++) {
		sa_record_init(&big[i]);
		big[i].event = SA_EV_TRACE;
		big[i].status = sa_event_statuses(SA_EV_TRACE)[0];
		big[i].time_us = 1;
		uint64_t req = sa_event_required(SA_EV_TRACE);
		for (int f = 1; f < SA_F__COUNT; f++)
			if (req & (1ull << f)) {
				const struct sa_field_info *fi =
				    sa_field_info((enum sa_field)f);
				if (fi->kind == SA_KIND_STR)
					sa_record_set_str(
					    &big[i], (enum sa_field)f, "x", 1);
				else
					sa_record_set_int(&big[i],
							  (enum sa_field)f, 1);
			}
		assert_int_equal(
		    sa_record_set_str(&big[i], SA_F_COMMAND, text, sizeof text),
		    0);
		assert_int_equal(
		    sa_record_set_str(&big[i], SA_F_TRACE, text, sizeof text),
		    0);
		assert_int_equal(sa_record_set_str(&big[i], SA_F_RESOURCE, path,
						   sizeof path),
				 0);
		assert_int_equal(
		    sa_record_set_str(&big[i], SA_F_PROGRAM, path, sizeof path),
		    0);
		assert_int_equal(sa_record_validate(&big[i], NULL), 0);
	}
	assert_int_equal(sa_proto_put_records(&b, 1, big, BIG, NULL),
			 SA_ENOSPACE);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "xyz", 3);
	/* A hundred of them fit. */
	assert_int_equal(sa_proto_put_records(&b, 1, big, 100, NULL), 0);
	sa_buf_free(&b);
}

/* A partial ack names exactly the refused records; a lying one is
 * refused as garbage. */
static void
test_partial_ack(void **state)
{
	(void)state;
	for (uint32_t n = 1; n <= 67; n++) {
		uint8_t map[16] = {0};
		uint32_t refused = 0;
		for (uint32_t i = 0; i < n; i++)
			if ((i * 7 + n) % 3 == 0) {
				map[i / 8] |= (uint8_t)(1u << (i % 8));
				refused++;
			}
		if (refused == 0 || refused == n)
			continue;
		struct sa_proto_ack a = {.first_seq = 100,
					 .last_seq = 100 + n - refused - 1,
					 .count = n - refused,
					 .refused = refused,
					 .refused_code = SA_ESHED,
					 .refused_map = map};
		struct sa_buf b = SA_BUF_INIT;
		assert_int_equal(sa_proto_put_ack_partial(&b, 9, &a), 0);
		size_t off = 0;
		struct sa_proto_hdr h;
		const uint8_t *pl;
		parse_frame(&b, &off, &h, &pl);
		assert_int_equal(h.type, SA_PROTO_ACK);
		assert_int_equal(h.flags, SA_PROTO_F_PARTIAL);
		struct sa_proto_ack ra;
		assert_int_equal(sa_proto_get_ack(pl, h.len, &ra), 0);
		assert_int_equal(ra.count, a.count);
		assert_int_equal(ra.refused, refused);
		assert_int_equal(ra.refused_code, SA_ESHED);
		for (uint32_t i = 0; i < n; i++)
			assert_int_equal(sa_proto_ack_refused(&ra, i),
					 (map[i / 8] >> (i % 8)) & 1);
		assert_false(sa_proto_ack_refused(&ra, n));
		/* Counts that disagree with the bits, a stray bit past the
		 * end, a cut payload: all refused. */
		uint8_t bad[64];
		memcpy(bad, pl, h.len);
		bad[20]++; /* refused + 1 */
		assert_int_equal(sa_proto_get_ack(bad, h.len, &ra), SA_EPROTO);
		memcpy(bad, pl, h.len);
		if (n % 8) {
			bad[h.len - 1] |= 0x80;
			assert_int_equal(sa_proto_get_ack(bad, h.len, &ra),
					 SA_EPROTO);
		}
		assert_int_equal(sa_proto_get_ack(pl, h.len - 1, &ra),
				 SA_EPROTO);
		sa_buf_free(&b);
		/* A map that disagrees with the counts is not sent. */
		a.refused++;
		a.count--;
		b = (struct sa_buf)SA_BUF_INIT;
		assert_int_equal(sa_proto_put_ack_partial(&b, 9, &a), -EINVAL);
		sa_buf_free(&b);
	}
}

static void
test_ack_error_roundtrip(void **state)
{
	(void)state;
	struct sa_buf b = SA_BUF_INIT;
	struct sa_proto_ack a = {.first_seq = UINT64_C(0x0102030405060708),
				 .last_seq = UINT64_C(0xfffffffffffffff0),
				 .count = 4000000000u};
	struct sa_proto_err e = {.code = SA_ESHED, .index = 17, .field = 1};
	snprintf(e.message, sizeof e.message, "class %s shed", "noisy");
	struct sa_proto_err e2 = {.code = -ENOSPC, .index = SA_PROTO_NO_INDEX};

	sa_proto_put_ack(&b, 5, &a);
	assert_int_equal(sa_proto_put_error(&b, 6, false, &e), 0);
	assert_int_equal(sa_proto_put_error(&b, 7, true, &e2), 0);
	assert_int_equal(
	    sa_proto_put_frame(&b, SA_PROTO_STATUS, 0, 8, "state=ok\n", 9), 0);
	assert_int_equal(sa_proto_put_frame(&b, SA_PROTO_QUERY, 0, 9, NULL, 0),
			 0);

	size_t off = 0;
	struct sa_proto_hdr h;
	const uint8_t *pl;
	struct sa_proto_ack ra;
	struct sa_proto_err re;

	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.type, SA_PROTO_ACK);
	assert_int_equal(h.id, 5);
	assert_int_equal(sa_proto_get_ack(pl, h.len, &ra), 0);
	assert_true(ra.first_seq == a.first_seq && ra.last_seq == a.last_seq &&
		    ra.count == a.count);
	assert_int_equal(sa_proto_get_ack(pl, h.len - 1, &ra), SA_EPROTO);

	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.type, SA_PROTO_ERROR);
	assert_int_equal(h.flags, 0);
	assert_int_equal(sa_proto_get_error(pl, h.len, &re), 0);
	assert_int_equal(re.code, SA_ESHED);
	assert_int_equal(re.index, 17);
	assert_int_equal(re.field, 1);
	assert_string_equal(re.message, "class noisy shed");

	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.flags, SA_PROTO_F_FATAL);
	assert_int_equal(h.id, 7);
	assert_int_equal(sa_proto_get_error(pl, h.len, &re), 0);
	assert_int_equal(re.code, -ENOSPC);
	assert_int_equal(re.index, SA_PROTO_NO_INDEX);
	assert_string_equal(re.message, "");

	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.type, SA_PROTO_STATUS);
	assert_int_equal(h.len, 9);
	assert_memory_equal(pl, "state=ok\n", 9);
	parse_frame(&b, &off, &h, &pl);
	assert_int_equal(h.type, SA_PROTO_QUERY);
	assert_int_equal(h.len, 0);
	assert_int_equal(off, b.len);

	/* Codes >= 0 cannot be sent: they would read as success. */
	struct sa_proto_err ok = {.code = 0};
	size_t len = b.len;
	assert_int_equal(sa_proto_put_error(&b, 1, false, &ok), -EINVAL);
	ok.code = 5;
	assert_int_equal(sa_proto_put_error(&b, 1, false, &ok), -EINVAL);
	assert_int_equal(b.len, len);
	sa_buf_free(&b);
}

static void
test_error_payload_hostile(void **state)
{
	(void)state;
	uint8_t p[11 + 600];
	struct sa_proto_err e;

	memset(p, 0, sizeof p);
	/* code -5, index 2, field 3, message of 600 bytes with controls. */
	p[0] = 0xfb, p[1] = 0xff, p[2] = 0xff, p[3] = 0xff;
	p[4] = 2;
	p[8] = 3;
	p[9] = (uint8_t)(600 & 0xff);
	p[10] = (uint8_t)(600 >> 8);
	for (int i = 0; i < 600; i++)
		p[11 + i] = (uint8_t)('a' + i % 26);
	p[11] = '\n';
	p[12] = 0;
	p[13] = 0x1b;
	p[14] = 0x7f;
	p[15] = 0xc3; /* UTF-8 kept */
	assert_int_equal(sa_proto_get_error(p, sizeof p, &e), 0);
	assert_int_equal(e.code, -5);
	assert_int_equal(e.index, 2);
	assert_int_equal(e.field, 3);
	assert_int_equal(strlen(e.message), sizeof e.message - 1);
	assert_memory_equal(e.message, "????\xc3", 5);

	/* Message length disagreeing with the payload, either way. */
	assert_int_equal(sa_proto_get_error(p, sizeof p - 1, &e), SA_EPROTO);
	uint8_t q[sizeof p + 1];
	memcpy(q, p, sizeof p);
	assert_int_equal(sa_proto_get_error(q, sizeof q, &e), SA_EPROTO);
	assert_int_equal(sa_proto_get_error(p, 10, &e), SA_EPROTO);
	assert_int_equal(sa_proto_get_error(p, 0, &e), SA_EPROTO);
	/* A code that is not an error. */
	memset(q, 0, 11);
	assert_int_equal(sa_proto_get_error(q, 11, &e), SA_EPROTO);
	q[0] = 1;
	assert_int_equal(sa_proto_get_error(q, 11, &e), SA_EPROTO);
	q[0] = 0xff, q[1] = 0xff, q[2] = 0xff, q[3] = 0xff;
	assert_int_equal(sa_proto_get_error(q, 11, &e), 0);
	assert_int_equal(e.code, -1);
}

static void
test_header_classes(void **state)
{
	(void)state;
	uint8_t good[SA_PROTO_HDR], x[SA_PROTO_HDR];
	struct sa_proto_hdr h = {
	    .type = SA_PROTO_RECORDS, .id = 0xdeadbeef, .len = 1000};
	struct sa_proto_hdr o;

	sa_proto_put_hdr(good, &h);
	assert_memory_equal(good, "SAP1R\0\0\0\xef\xbe\xad\xde\xe8\x03\0\0",
			    16);
	assert_int_equal(sa_proto_get_hdr(good, 1000, &o), 0);
	assert_int_equal(o.type, 'R');
	assert_int_equal(o.id, 0xdeadbeef);
	assert_int_equal(o.len, 1000);

	const uint8_t types[] = {'R', 'Q', 'A', 'E', 'S'};
	for (size_t i = 0; i < sizeof types; i++) {
		memcpy(x, good, sizeof x);
		x[4] = types[i];
		assert_int_equal(sa_proto_get_hdr(x, 1000, &o), 0);
	}
	/* Bad magic, each byte. */
	for (int i = 0; i < 4; i++) {
		memcpy(x, good, sizeof x);
		x[i] ^= 0x20;
		assert_int_equal(sa_proto_get_hdr(x, 1000, &o), SA_EPROTO);
	}
	/* Unknown types. */
	for (int t = 0; t < 256; t++) {
		if (memchr(types, t, sizeof types) != NULL)
			continue;
		memcpy(x, good, sizeof x);
		x[4] = (uint8_t)t;
		assert_int_equal(sa_proto_get_hdr(x, 1000, &o), SA_EPROTO);
	}
	/* Reserved bytes. */
	for (int i = 6; i < 8; i++) {
		memcpy(x, good, sizeof x);
		x[i] = 1;
		assert_int_equal(sa_proto_get_hdr(x, 1000, &o), SA_EPROTO);
		assert_int_equal(o.id, 0xdeadbeef); /* still echoable */
	}
	/* Length over the caller's limit, and over the hard ceiling. */
	assert_int_equal(sa_proto_get_hdr(good, 999, &o), SA_EPROTO);
	assert_int_equal(o.id, 0xdeadbeef);
	h.len = SA_PROTO_MAX_PAYLOAD;
	sa_proto_put_hdr(x, &h);
	assert_int_equal(sa_proto_get_hdr(x, UINT32_MAX, &o), 0);
	h.len = SA_PROTO_MAX_PAYLOAD + 1;
	sa_proto_put_hdr(x, &h);
	assert_int_equal(sa_proto_get_hdr(x, UINT32_MAX, &o), SA_EPROTO);
	h.len = UINT32_MAX;
	sa_proto_put_hdr(x, &h);
	assert_int_equal(sa_proto_get_hdr(x, UINT32_MAX, &o), SA_EPROTO);
	/* Flags are passed on, not judged. */
	memcpy(x, good, sizeof x);
	x[5] = SA_PROTO_F_FATAL;
	assert_int_equal(sa_proto_get_hdr(x, 1000, &o), 0);
	assert_int_equal(o.flags, SA_PROTO_F_FATAL);
	/* Garbage. */
	assert_int_equal(
	    sa_proto_get_hdr((const uint8_t *)"GET / HTTP/1.1\r\n", 1000, &o),
	    SA_EPROTO);
	assert_int_equal(o.id, 0);
}

/* A payload builder for hand-made framing. */
struct pl {
	uint8_t b[4096];
	size_t n;
};

static void
pl_u32(struct pl *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p->b[p->n++] = (uint8_t)(v >> (8 * i));
}

static void
pl_entry(struct pl *p, const uint8_t *body, size_t len)
{
	p->n += sa_varint_put(p->b + p->n, len);
	memcpy(p->b + p->n, body, len);
	p->n += len;
}

/* The body of a valid login record. */
static size_t
good_body(uint8_t *out, size_t cap)
{
	struct sa_record r;
	size_t n;
	login_record(&r, "alice");
	assert_int_equal(sa_record_encode(&r, 0, 0, out, cap, &n), 0);
	return n;
}

static void
test_payload_framing(void **state)
{
	(void)state;
	uint8_t body[512];
	size_t bl = good_body(body, sizeof body);
	struct pl p;
	uint32_t count;
	size_t pos;
	struct sa_record r;

	/* Well framed: 2 entries. */
	p.n = 0;
	pl_u32(&p, 2);
	pl_entry(&p, body, bl);
	pl_entry(&p, body, bl);
	assert_int_equal(sa_proto_records_count(p.b, p.n, &count), 0);
	assert_int_equal(count, 2);

	/* Trailing byte; one entry short; one entry too many. */
	p.b[p.n] = 0;
	assert_int_equal(sa_proto_records_count(p.b, p.n + 1, &count),
			 SA_EPROTO);
	/* ... each named for people. */
	char why[160];
	assert_int_equal(
	    sa_proto_records_framing(p.b, p.n + 1, &count, why, sizeof why),
	    SA_EPROTO);
	assert_string_equal(why, "1 bytes after the last of 2 records");
	p.b[0] = 3;
	assert_int_equal(
	    sa_proto_records_framing(p.b, p.n, &count, why, sizeof why),
	    SA_EPROTO);
	assert_string_equal(why,
			    "count 3 but the payload ends after 2 records");
	p.b[0] = 0;
	sa_proto_records_framing(p.b, p.n, &count, why, sizeof why);
	assert_string_equal(why, "count 0 out of range (1..65536)");
	p.b[0] = 2;
	sa_proto_records_framing(p.b, 3, &count, why, sizeof why);
	assert_string_equal(why, "payload of 3 bytes holds no record count");
	sa_proto_records_framing(p.b, p.n - 1, &count, why, sizeof why);
	assert_non_null(strstr(why, "record 1's length"));
	assert_non_null(strstr(why, "runs past the end of the payload"));
	assert_int_equal(sa_proto_records_framing(p.b, p.n, &count, NULL, 0),
			 0);
	p.b[0] = 3;
	assert_int_equal(sa_proto_records_count(p.b, p.n, &count), SA_EPROTO);
	pos = 0;
	assert_int_equal(sa_proto_next_record(p.b, p.n, &pos, &r), SA_EPROTO);
	p.b[0] = 1;
	assert_int_equal(sa_proto_records_count(p.b, p.n, &count), SA_EPROTO);
	pos = 0;
	assert_int_equal(sa_proto_next_record(p.b, p.n, &pos, &r), SA_EPROTO);
	p.b[0] = 2;

	/* Truncated anywhere: never well framed. */
	for (size_t cut = 0; cut < p.n; cut++) {
		assert_int_equal(sa_proto_records_count(p.b, cut, &count),
				 SA_EPROTO);
		pos = 0;
		assert_int_equal(sa_proto_next_record(p.b, cut, &pos, &r),
				 SA_EPROTO);
	}

	/* Count 0, count above the batch limit, count above the bytes. */
	struct pl q;
	q.n = 0;
	pl_u32(&q, 0);
	assert_int_equal(sa_proto_records_count(q.b, q.n, &count), SA_EPROTO);
	q.n = 0;
	pl_u32(&q, SA_PROTO_MAX_BATCH + 1);
	assert_int_equal(sa_proto_records_count(q.b, q.n, &count), SA_EPROTO);
	q.n = 0;
	pl_u32(&q, UINT32_MAX);
	pl_entry(&q, body, bl);
	assert_int_equal(sa_proto_records_count(q.b, q.n, &count), SA_EPROTO);

	/* A length varint that never ends, one that overflows. */
	q.n = 0;
	pl_u32(&q, 1);
	memset(q.b + q.n, 0xff, 12);
	q.n += 12;
	assert_int_equal(sa_proto_records_count(q.b, q.n, &count), SA_EPROTO);
	/* A length pointing past the end. */
	q.n = 0;
	pl_u32(&q, 1);
	q.n += sa_varint_put(q.b + q.n, UINT64_C(1) << 40);
	memcpy(q.b + q.n, body, bl);
	q.n += bl;
	assert_int_equal(sa_proto_records_count(q.b, q.n, &count), SA_EPROTO);

	/* A caller's broken position is refused, not followed. */
	pos = 2;
	assert_int_equal(sa_proto_next_record(p.b, p.n, &pos, &r), SA_EPROTO);
	pos = p.n + 1;
	assert_int_equal(sa_proto_next_record(p.b, p.n, &pos, &r), SA_EPROTO);
}

/* Body builder for hostile records. */
struct body {
	uint8_t b[SA_MAX_RECORD + 4096];
	size_t n;
};

static void
body_start(struct body *b, uint8_t ev, char st, int64_t t)
{
	b->n = 0;
	b->b[b->n++] = ev;
	b->b[b->n++] = (uint8_t)st;
	b->n += sa_varint_put(b->b + b->n, 0);
	b->n += sa_varint_put(b->b + b->n, sa_zigzag(t));
}

static void
body_str(struct body *b, unsigned f, const char *s, size_t len)
{
	b->n += sa_varint_put(b->b + b->n, (uint64_t)f << 3 | 2);
	b->n += sa_varint_put(b->b + b->n, len);
	memcpy(b->b + b->n, s, len);
	b->n += len;
}

static void
body_int(struct body *b, unsigned f, int64_t v)
{
	b->n += sa_varint_put(b->b + b->n, (uint64_t)f << 3);
	b->n += sa_varint_put(b->b + b->n, sa_zigzag(v));
}

/* Wraps one body between two good records; checks the middle's verdict. */
static void
expect_record(const struct body *bd, int code, enum sa_field field)
{
	static uint8_t pl[SA_MAX_RECORD + 8192];
	uint8_t good[512];
	size_t gl = good_body(good, sizeof good), n = 0;

	pl[n++] = 3, pl[n++] = 0, pl[n++] = 0, pl[n++] = 0;
	n += sa_varint_put(pl + n, gl);
	memcpy(pl + n, good, gl), n += gl;
	n += sa_varint_put(pl + n, bd->n);
	memcpy(pl + n, bd->b, bd->n), n += bd->n;
	n += sa_varint_put(pl + n, gl);
	memcpy(pl + n, good, gl), n += gl;

	size_t pos = 0;
	struct sa_record r;
	enum sa_field bad = SA_F__COUNT;
	assert_int_equal(sa_proto_next_record_diag(pl, n, &pos, &r, &bad), 1);
	assert_int_equal(bad, SA_F_NONE);
	int rc = sa_proto_next_record_diag(pl, n, &pos, &r, &bad);
	if (rc != code)
		fail_msg("got %s, want %s", sa_errname(rc), sa_errname(code));
	if (code == 1)
		assert_int_equal(sa_record_validate(&r, NULL), 0);
	else
		assert_int_equal(bad, field);
	/* The payload stays well framed past a bad record. */
	assert_int_equal(sa_proto_next_record_diag(pl, n, &pos, &r, &bad), 1);
	assert_int_equal(sa_proto_next_record(pl, n, &pos, &r), 0);
}

static void
test_hostile_records(void **state)
{
	(void)state;
	static struct body b;
	static char big[SA_MAX_RECORD + 10];
	memset(big, 'x', sizeof big);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, "alice", 5);
	expect_record(&b, 1, SA_F_NONE);

	/* A later version's field (number 40, both wires) is skipped. */
	body_int(&b, 40, 7);
	body_str(&b, 41, "future", 6);
	expect_record(&b, 1, SA_F_NONE);

	body_start(&b, SA_EV_LOGIN, 'P', 1000); /* user missing */
	expect_record(&b, SA_EMISSING, SA_F_USER);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, big, SA_MAX_NAME + 1);
	expect_record(&b, SA_ETOOLONG, SA_F_USER);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, "a", 1);
	body_str(&b, SA_F_USER, "b", 1);
	expect_record(&b, SA_EDUPFIELD, SA_F_USER);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_int(&b, SA_F_USER, 5);
	expect_record(&b, SA_ETYPE, SA_F_USER);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, "a", 1);
	body_str(&b, SA_F_PID, "12", 2);
	expect_record(&b, SA_ETYPE, SA_F_PID);

	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, "a", 1);
	body_int(&b, SA_F_PORT, 70000);
	expect_record(&b, SA_ERANGE, SA_F_PORT);

	body_start(&b, 0, 'P', 1000);
	expect_record(&b, SA_EBADEVENT, SA_F_NONE);
	body_start(&b, 200, 'P', 1000);
	expect_record(&b, SA_EBADEVENT, SA_F_NONE);

	body_start(&b, SA_EV_LOGIN, '!', 1000);
	body_str(&b, SA_F_USER, "a", 1);
	expect_record(&b, SA_ENOTSTATUS, SA_F_NONE);
	body_start(&b, SA_EV_LOGIN, 'M', 1000);
	body_str(&b, SA_F_USER, "a", 1);
	expect_record(&b, SA_EBADSTATUS, SA_F_NONE);

	body_start(&b, SA_EV_LOGIN, 'P', -1);
	body_str(&b, SA_F_USER, "a", 1);
	expect_record(&b, SA_EBADTIME, SA_F_NONE);
	body_start(&b, SA_EV_LOGIN, 'P', INT64_MAX);
	body_str(&b, SA_F_USER, "a", 1);
	expect_record(&b, SA_EBADTIME, SA_F_NONE);

	/* Malformed beyond naming. */
	b.n = 3;
	memcpy(b.b, "\x01P\x00", 3);
	expect_record(&b, SA_ECORRUPT, SA_F_NONE);
	b.n = 0;
	expect_record(&b, SA_ECORRUPT, SA_F_NONE);
	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	b.b[b.n++] = (uint8_t)(SA_F_USER << 3 | 5); /* wire 5 */
	expect_record(&b, SA_ECORRUPT, SA_F_NONE);
	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, SA_F_USER, "alice", 5);
	b.n -= 2; /* string runs past the body */
	expect_record(&b, SA_ECORRUPT, SA_F_NONE);
	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	b.b[b.n++] = 0x80; /* unfinished key */
	expect_record(&b, SA_ECORRUPT, SA_F_NONE);

	/* Longer than any record may be. */
	body_start(&b, SA_EV_LOGIN, 'P', 1000);
	body_str(&b, 45, big, SA_MAX_RECORD);
	expect_record(&b, SA_ETOOLONG, SA_F_NONE);
}

/* Random mutations of valid frames: the parsers must hold (ASan run). */
static void
test_random_bytes(void **state)
{
	(void)state;
	struct tu_rng rng;
	struct tu_arena arena;
	struct sa_record recs[8], r;
	struct sa_buf b = SA_BUF_INIT;

	tu_rng_seed(&rng, 99);
	tu_arena_init(&arena, 8u << 20);
	for (int round = 0; round < 3000; round++) {
		tu_arena_reset(&arena);
		size_t n = 1 + tu_rng_below(&rng, 8);
		for (size_t i = 0; i < n; i++)
			tu_random_record(&rng, &arena, &recs[i]);
		sa_buf_reset(&b);
		assert_int_equal(sa_proto_put_records(&b, 1, recs, n, NULL), 0);
		uint8_t *pl = (uint8_t *)b.data + SA_PROTO_HDR;
		size_t len = b.len - SA_PROTO_HDR;
		for (int k = 1 + (int)tu_rng_below(&rng, 4); k > 0; k--)
			pl[tu_rng_below(&rng, len)] =
			    (uint8_t)tu_rng_next(&rng);
		if (tu_rng_below(&rng, 4) == 0)
			len = tu_rng_below(&rng, len + 1);
		size_t pos = 0;
		int rc, steps = 0;
		enum sa_field bad;
		while ((rc = sa_proto_next_record_diag(pl, len, &pos, &r,
						       &bad)) != 0 &&
		       rc != SA_EPROTO) {
			assert_true(++steps <= (int)len);
			if (rc == 1)
				assert_int_equal(sa_record_validate(&r, NULL),
						 0);
			else
				assert_true(rc < 0);
		}
		struct sa_proto_ack a;
		struct sa_proto_err e;
		(void)sa_proto_get_ack(pl, len < 20 ? len : 20, &a);
		(void)sa_proto_get_error(pl, len, &e);
	}
	sa_buf_free(&b);
	tu_arena_free(&arena);
}

/* ---- a fake daemon ---------------------------------------------------- */

enum fake_mode {
	FK_ACK,	   /* ack every frame; refuse a record whose user is "bad" */
	FK_SILENT, /* read everything, answer nothing */
	FK_HANGUP, /* close after the first frame */
	FK_GONE,   /* close at once after accept */
	FK_BUSY,   /* fatal SA_EBUSY with id 0 at accept, then close */
	FK_HOLD,   /* answer nothing until `hold` frames came, then all */
	FK_LATE,   /* answer the first frame after 300 ms */
	FK_SLOW	   /* read in small bites with pauses (exercises POLLOUT) */
};

struct fake {
	char dir[256], path[300];
	int lfd;
	enum fake_mode mode;
	int hold;
	pthread_t th;
	/* seen by the fake; read by the test after joining */
	int frames, records, problems;
	uint32_t ids[256];
	int nids;
	int64_t pid_seen;
};

static int
read_full(int fd, void *p, size_t n, bool slow)
{
	size_t got = 0;
	while (got < n) {
		size_t want = n - got;
		if (slow && want > 4096)
			want = 4096;
		ssize_t k = read(fd, (uint8_t *)p + got, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
		if (slow)
			sleep_ms(1);
	}
	return 0;
}

static void
write_all(int fd, const void *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t k =
		    send(fd, (const uint8_t *)p + off, n - off, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		off += (size_t)k;
	}
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct sa_buf out = SA_BUF_INIT;
	uint8_t *payload = malloc(SA_PROTO_MAX_PAYLOAD);
	uint64_t seq = 1;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0 || payload == NULL) {
		f->problems++;
		goto done;
	}
	if (f->mode == FK_GONE)
		goto done;
	if (f->mode == FK_BUSY) {
		struct sa_proto_err e = {.code = SA_EBUSY,
					 .index = SA_PROTO_NO_INDEX};
		snprintf(e.message, sizeof e.message, "too many clients");
		sa_proto_put_error(&out, 0, true, &e);
		write_all(fd, out.data, out.len);
		goto done;
	}
	for (;;) {
		uint8_t hb[SA_PROTO_HDR];
		struct sa_proto_hdr h;
		if (read_full(fd, hb, sizeof hb, false) < 0)
			break;
		if (sa_proto_get_hdr(hb, SA_PROTO_MAX_PAYLOAD, &h) < 0 ||
		    read_full(fd, payload, h.len, f->mode == FK_SLOW) < 0) {
			f->problems++;
			break;
		}
		f->frames++;
		if (f->nids < 256)
			f->ids[f->nids++] = h.id;
		if (f->mode == FK_HANGUP)
			break;
		if (h.type == SA_PROTO_QUERY) {
			const char *s = "records_written=3\nstate=ok\n";
			sa_proto_put_frame(&out, SA_PROTO_STATUS, 0, h.id, s,
					   strlen(s));
		} else if (h.type == SA_PROTO_RECORDS) {
			uint32_t count;
			if (sa_proto_records_count(payload, h.len, &count) <
			    0) {
				f->problems++;
				break;
			}
			size_t pos = 0;
			struct sa_record r;
			int rc;
			uint32_t i = 0, bad = SA_PROTO_NO_INDEX;
			while ((rc = sa_proto_next_record(payload, h.len, &pos,
							  &r)) == 1) {
				if (bad == SA_PROTO_NO_INDEX &&
				    r.str[SA_F_USER].len == 3 &&
				    memcmp(r.str[SA_F_USER].ptr, "bad", 3) == 0)
					bad = i;
				if (sa_record_has(&r, SA_F_PID))
					f->pid_seen = r.num[SA_F_PID];
				i++;
			}
			if (rc != 0 || i != count)
				f->problems++;
			f->records += (int)count;
			if (bad != SA_PROTO_NO_INDEX) {
				struct sa_proto_err e = {.code = SA_ETOOLONG,
							 .index = bad,
							 .field = SA_F_USER};
				snprintf(e.message, sizeof e.message,
					 "user refused");
				sa_proto_put_error(&out, h.id, false, &e);
			} else {
				struct sa_proto_ack a = {.first_seq = seq,
							 .last_seq =
							     seq + count - 1,
							 .count = count};
				seq += count;
				sa_proto_put_ack(&out, h.id, &a);
			}
		} else {
			f->problems++;
			break;
		}
		if (f->mode == FK_SILENT) {
			sa_buf_reset(&out);
			continue;
		}
		if (f->mode == FK_HOLD && f->frames < f->hold)
			continue;
		if (f->mode == FK_LATE && f->frames == 1)
			sleep_ms(300);
		write_all(fd, out.data, out.len);
		sa_buf_reset(&out);
	}
done:
	if (fd >= 0)
		close(fd);
	sa_buf_free(&out);
	free(payload);
	return NULL;
}

static void
fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof *f);
	f->mode = mode;
	tu_mkdtemp(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/d.sock", f->dir);
	assert_true(strlen(f->path) < sizeof sun.sun_path);
	memcpy(sun.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void
fake_join(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	tu_rmtree(f->dir);
	assert_int_equal(f->problems, 0);
}

static struct sa_client *
connect_to(const struct fake *f)
{
	struct sa_client *c = NULL;
	assert_int_equal(sa_client_connect(&c, f->path, 1000), 0);
	assert_non_null(c);
	return c;
}

/* ---- client tests ----------------------------------------------------- */

static void
test_client_submit_ok(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record recs[3];
	struct sa_proto_ack a;
	struct sa_proto_err e;

	fake_start(&f, FK_ACK);
	struct sa_client *c = connect_to(&f);
	login_record(&recs[0], "alice");
	login_record(&recs[1], "bob");
	login_record(&recs[2], "carol");
	assert_int_equal(sa_client_submit(c, recs, 3, 2000, &a, &e), 0);
	assert_int_equal(a.first_seq, 1);
	assert_int_equal(a.last_seq, 3);
	assert_int_equal(a.count, 3);
	assert_int_equal(sa_client_submit(c, recs, 1, 2000, &a, NULL), 0);
	assert_int_equal(a.first_seq, 4);
	assert_int_equal(sa_client_pending(c), 0);

	struct sa_buf st = SA_BUF_INIT;
	assert_int_equal(sa_client_status(c, 2000, &st), 0);
	assert_string_equal(st.data, "records_written=3\nstate=ok\n");
	sa_buf_free(&st);

	/* Refused locally: never sent, said like the daemon would. */
	recs[1].status = 'Z';
	assert_int_equal(sa_client_submit(c, recs, 3, 2000, &a, &e),
			 SA_ENOTSTATUS);
	assert_int_equal(e.code, SA_ENOTSTATUS);
	assert_int_equal(e.index, 1);
	assert_int_equal(sa_client_pending(c), 0);

	sa_client_close(c);
	fake_join(&f);
	assert_int_equal(f.frames, 3);
	assert_int_equal(f.records, 4);
	assert_int_equal(f.pid_seen, 4242);
}

static void
test_client_refusal(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record recs[4];
	struct sa_proto_ack a;
	struct sa_proto_err e;

	fake_start(&f, FK_ACK);
	struct sa_client *c = connect_to(&f);
	login_record(&recs[0], "alice");
	login_record(&recs[1], "bob");
	login_record(&recs[2], "bad");
	login_record(&recs[3], "dave");
	memset(&e, 0, sizeof e);
	assert_int_equal(sa_client_submit(c, recs, 4, 2000, &a, &e),
			 SA_ETOOLONG);
	assert_int_equal(e.code, SA_ETOOLONG);
	assert_int_equal(e.index, 2);
	assert_int_equal(e.field, SA_F_USER);
	assert_string_equal(e.message, "user refused");
	/* Not fatal: the connection goes on. */
	assert_int_equal(sa_client_submit(c, recs, 2, 2000, &a, &e), 0);
	assert_int_equal(a.count, 2);
	sa_client_close(c);
	fake_join(&f);
}

static void
test_client_timeout(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record r;
	struct sa_proto_ack a;

	fake_start(&f, FK_SILENT);
	struct sa_client *c = connect_to(&f);
	login_record(&r, "alice");
	int64_t t0 = now_ms();
	assert_int_equal(sa_client_submit(c, &r, 1, 250, &a, NULL), -ETIMEDOUT);
	int64_t dt = now_ms() - t0;
	assert_true(dt >= 240);
	assert_true(dt < 2000);
	/* A zero deadline: one try, no wait. */
	t0 = now_ms();
	assert_int_equal(sa_client_submit(c, &r, 1, 0, &a, NULL), -ETIMEDOUT);
	assert_true(now_ms() - t0 < 200);
	struct sa_buf st = SA_BUF_INIT;
	assert_int_equal(sa_client_status(c, 100, &st), -ETIMEDOUT);
	assert_int_equal(st.len, 0);
	sa_buf_free(&st);
	sa_client_close(c);
	fake_join(&f);
}

static void
test_client_late_reply_dropped(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record r;
	struct sa_proto_ack a;
	struct sa_client_reply rep;

	fake_start(&f, FK_LATE);
	struct sa_client *c = connect_to(&f);
	login_record(&r, "alice");
	assert_int_equal(sa_client_submit(c, &r, 1, 50, &a, NULL), -ETIMEDOUT);
	/* The first frame's late ack must not be taken for the second's. */
	assert_int_equal(sa_client_submit(c, &r, 1, 3000, &a, NULL), 0);
	assert_int_equal(a.first_seq, 2);
	assert_int_equal(sa_client_poll(c, &rep), 0);
	sa_client_close(c);
	fake_join(&f);
	assert_int_equal(f.frames, 2);
}

static void
test_client_daemon_gone(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record r;
	struct sa_proto_ack a;
	int rc;

	login_record(&r, "alice");

	/* Hangs up after reading the frame. */
	fake_start(&f, FK_HANGUP);
	struct sa_client *c = connect_to(&f);
	rc = sa_client_submit(c, &r, 1, 2000, &a, NULL);
	assert_true(rc == -ECONNRESET || rc == -EPIPE);
	assert_int_equal(sa_client_submit(c, &r, 1, 2000, &a, NULL), rc);
	sa_client_close(c);
	fake_join(&f);

	/* Gone before anything was sent: the write fails. */
	fake_start(&f, FK_GONE);
	c = connect_to(&f);
	pthread_join(f.th, NULL);
	rc = sa_client_submit(c, &r, 1, 2000, &a, NULL);
	assert_true(rc == -EPIPE || rc == -ECONNRESET);
	uint32_t id;
	assert_int_equal(sa_client_send(c, &r, 1, &id), rc);
	sa_client_close(c);
	close(f.lfd);
	tu_rmtree(f.dir);

	/* Turned away at accept: its reason, not just a broken pipe. */
	fake_start(&f, FK_BUSY);
	c = connect_to(&f);
	pthread_join(f.th, NULL);
	struct sa_proto_err e;
	memset(&e, 0, sizeof e);
	assert_int_equal(sa_client_submit(c, &r, 1, 2000, &a, &e), SA_EBUSY);
	assert_int_equal(e.code, SA_EBUSY);
	assert_string_equal(e.message, "too many clients");
	assert_int_equal(sa_client_submit(c, &r, 1, 2000, &a, &e), SA_EBUSY);
	sa_client_close(c);
	close(f.lfd);
	tu_rmtree(f.dir);

	/* The same, seen by the non-blocking caller. */
	fake_start(&f, FK_BUSY);
	c = connect_to(&f);
	pthread_join(f.th, NULL);
	struct sa_client_reply rep;
	struct pollfd p = {.fd = sa_client_fd(c), .events = POLLIN};
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(sa_client_poll(c, &rep), 1);
	assert_int_equal(rep.type, SA_PROTO_ERROR);
	assert_int_equal(rep.id, 0);
	assert_int_equal(rep.err.code, SA_EBUSY);
	assert_int_equal(sa_client_poll(c, &rep), SA_EBUSY);
	sa_client_close(c);
	close(f.lfd);
	tu_rmtree(f.dir);
}

/* Drives a non-blocking client until `want` replies came. */
static int
collect(struct sa_client *c, struct sa_client_reply *reps, int want)
{
	int got = 0;
	int64_t end = now_ms() + 5000;
	while (got < want && now_ms() < end) {
		int rc = sa_client_flush(c);
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		while (got < want && (rc = sa_client_poll(c, &reps[got])) == 1)
			got++;
		if (rc < 0)
			return rc;
		struct pollfd p = {.fd = sa_client_fd(c), .events = POLLIN};
		if (sa_client_pending(c) > 0)
			p.events |= POLLOUT;
		if (got < want)
			poll(&p, 1, 100);
	}
	return got;
}

static void
test_client_pipelined(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record recs[10];
	struct sa_client_reply reps[8];
	uint32_t ids[8];

	fake_start(&f, FK_HOLD);
	f.hold = 8;
	struct sa_client *c = connect_to(&f);
	for (int i = 0; i < 10; i++)
		login_record(&recs[i], i == 4 ? "bad" : "alice");
	/* Frame k carries k+1 records; frame 4 has a bad one (index 4). */
	for (int k = 0; k < 8; k++)
		assert_int_equal(
		    sa_client_send(c, recs, (size_t)k + 1, &ids[k]), 0);
	assert_true(sa_client_pending(c) > 0);
	for (int k = 1; k < 8; k++)
		assert_true(ids[k] != ids[k - 1]);
	assert_int_equal(collect(c, reps, 8), 8);
	uint64_t seq = 1;
	for (int k = 0; k < 8; k++) {
		assert_int_equal(reps[k].id, ids[k]);
		if (k < 4) {
			assert_int_equal(reps[k].type, SA_PROTO_ACK);
			assert_int_equal(reps[k].ack.count, k + 1);
			assert_int_equal(reps[k].ack.first_seq, seq);
			seq += (uint64_t)k + 1;
		} else {
			assert_int_equal(reps[k].type, SA_PROTO_ERROR);
			assert_int_equal(reps[k].err.index, 4);
			assert_int_equal(reps[k].err.field, SA_F_USER);
		}
	}
	sa_client_close(c);
	fake_join(&f);
	assert_int_equal(f.frames, 8);
	for (int k = 0; k < 8; k++)
		assert_int_equal(f.ids[k], ids[k]);
}

/* Replies of earlier non-blocking frames wait for sa_client_poll while a
 * blocking call takes its own. */
static void
test_client_mixed(void **state)
{
	(void)state;
	struct fake f;
	struct sa_record r;
	struct sa_proto_ack a;
	struct sa_client_reply rep;
	uint32_t ids[3];

	fake_start(&f, FK_HOLD);
	f.hold = 4;
	struct sa_client *c = connect_to(&f);
	login_record(&r, "alice");
	for (int k = 0; k < 3; k++)
		assert_int_equal(sa_client_send(c, &r, 1, &ids[k]), 0);
	assert_int_equal(sa_client_submit(c, &r, 1, 3000, &a, NULL), 0);
	assert_int_equal(a.first_seq, 4);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(sa_client_poll(c, &rep), 1);
		assert_int_equal(rep.id, ids[k]);
		assert_int_equal(rep.type, SA_PROTO_ACK);
		assert_int_equal(rep.ack.first_seq, (uint64_t)k + 1);
	}
	assert_int_equal(sa_client_poll(c, &rep), 0);
	sa_client_close(c);
	fake_join(&f);
}

/* A frame far bigger than the socket buffer, read slowly. */
static void
test_client_big_frame(void **state)
{
	(void)state;
	struct fake f;
	enum { N = 30000 };
	static struct sa_record recs[N];
	struct sa_proto_ack a;

	fake_start(&f, FK_SLOW);
	struct sa_client *c = connect_to(&f);
	for (int i = 0; i < N; i++)
		login_record(&recs[i], "someone-with-a-longer-name");
	uint32_t id;
	assert_int_equal(sa_client_send(c, recs, N, &id), 0);
	assert_int_equal(sa_client_flush(c), -EAGAIN);
	assert_true(sa_client_pending(c) > 0);
	assert_int_equal(sa_client_submit(c, recs, N, 20000, &a, NULL), 0);
	assert_int_equal(a.first_seq, N + 1);
	struct sa_client_reply rep;
	assert_int_equal(sa_client_poll(c, &rep), 1);
	assert_int_equal(rep.id, id);
	assert_int_equal(rep.ack.count, N);
	sa_client_close(c);
	fake_join(&f);
	assert_int_equal(f.records, 2 * N);
}

static void
test_client_no_daemon(void **state)
{
	(void)state;
	char dir[256], path[300];
	struct sa_client *c = (struct sa_client *)&c;

	tu_mkdtemp(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/none.sock", dir);
	assert_int_equal(sa_client_connect(&c, path, 500), -ENOENT);
	assert_null(c);

	/* A socket file left behind by a daemon that died. */
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(path, sizeof path, "%s/stale.sock", dir);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	assert_int_equal(sa_client_connect(&c, path, 500), -ECONNREFUSED);

	char longp[200];
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	assert_int_equal(sa_client_connect(&c, longp, 500), -ENAMETOOLONG);
	assert_int_equal(sa_client_connect(&c, "", 500), -EINVAL);
	sa_client_close(NULL);
	tu_rmtree(dir);
}

static void
test_default_paths(void **state)
{
	(void)state;
	char buf[512], tiny[8];

	setenv("SEAUDIT_SOCKET", "/x/y.sock", 1);
	assert_int_equal(sa_default_socket(buf, sizeof buf), 0);
	assert_string_equal(buf, "/x/y.sock");
	assert_int_equal(sa_default_socket(tiny, sizeof tiny), -ENAMETOOLONG);
	unsetenv("SEAUDIT_SOCKET");
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	unsetenv("SEAUDIT_SYSTEM_SOCKET");
	/* No socket is at /run/user/1000: whoever runs, the system one. */
	assert_int_equal(sa_default_socket(buf, sizeof buf), 0);
	assert_string_equal(buf, "/run/seaudit/seauditd.sock");
	assert_int_equal(sa_user_socket(buf, sizeof buf), 0);
	assert_string_equal(buf, "/run/user/1000/seaudit/seauditd.sock");
	setenv("SEAUDIT_SYSTEM_SOCKET", "/t/sys.sock", 1);
	assert_int_equal(sa_system_socket(buf, sizeof buf), 0);
	assert_string_equal(buf, "/t/sys.sock");
	/* What a client given no path tries, as its error names it. */
	char why[600];
	sa_client_connect_error(why, sizeof why, NULL, -ENOENT);
	if (geteuid() == 0)
		assert_non_null(
		    strstr(why, "no writer daemon at /t/sys.sock ("));
	else
		assert_non_null(strstr(why,
				       "no writer daemon at /run/user/1000/"
				       "seaudit/seauditd.sock or "
				       "/t/sys.sock ("));
	setenv("SEAUDIT_SOCKET", "/x/y.sock", 1);
	sa_client_connect_error(why, sizeof why, NULL, -ECONNREFUSED);
	assert_non_null(strstr(why, "no writer daemon at /x/y.sock ("));
	unsetenv("SEAUDIT_SOCKET");
	unsetenv("SEAUDIT_SYSTEM_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(sa_user_socket(buf, sizeof buf), 0);
	char want[64];
	snprintf(want, sizeof want, "/tmp/seaudit-%lu/seauditd.sock",
		 (unsigned long)geteuid());
	assert_string_equal(buf, want);

	setenv("SEAUDIT_LOG", "/l", 1);
	assert_int_equal(sa_default_log_dir(buf, sizeof buf), 0);
	assert_string_equal(buf, "/l");
	unsetenv("SEAUDIT_LOG");
	setenv("XDG_STATE_HOME", "/st", 1);
	assert_int_equal(sa_user_log_dir(buf, sizeof buf), 0);
	assert_string_equal(buf, "/st/seaudit/log");
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/h", 1);
	assert_int_equal(sa_user_log_dir(buf, sizeof buf), 0);
	assert_string_equal(buf, "/h/.local/state/seaudit/log");
	assert_int_equal(sa_default_log_dir(buf, sizeof buf), 0);
	if (geteuid() == 0)
		assert_string_equal(buf, "/var/log/seaudit");
	else
		assert_string_equal(buf, "/h/.local/state/seaudit/log");
	assert_int_equal(sa_user_log_dir(tiny, sizeof tiny), -ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records_roundtrip),
	    cmocka_unit_test(test_put_records_refusals),
	    cmocka_unit_test(test_ack_error_roundtrip),
	    cmocka_unit_test(test_partial_ack),
	    cmocka_unit_test(test_error_payload_hostile),
	    cmocka_unit_test(test_header_classes),
	    cmocka_unit_test(test_payload_framing),
	    cmocka_unit_test(test_hostile_records),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_client_submit_ok),
	    cmocka_unit_test(test_client_refusal),
	    cmocka_unit_test(test_client_timeout),
	    cmocka_unit_test(test_client_late_reply_dropped),
	    cmocka_unit_test(test_client_daemon_gone),
	    cmocka_unit_test(test_client_pipelined),
	    cmocka_unit_test(test_client_mixed),
	    cmocka_unit_test(test_client_big_frame),
	    cmocka_unit_test(test_client_no_daemon),
	    cmocka_unit_test(test_default_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
