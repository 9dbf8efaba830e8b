/*
 * daemon-malformed-frames-disconnect - producers sending garbage, a bad
 * magic, an oversized length, an unknown type, a frame type only the
 * daemon sends, broken record framing, or a frame cut off by a close each
 * get an error (fatal: the daemon then disconnects them); a frame holding
 * an invalid record is refused by index and field while the connection
 * stays usable.  Meanwhile a well-behaved producer is served throughout.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

/* Expects a fatal error, then the connection closed by the daemon. */
static void
expect_fatal(int fd, const char *what)
{
	struct sa_proto_hdr h;
	uint8_t pl[1024];
	int rc = hd_read_reply(fd, &h, pl, sizeof pl);
	if (rc < 0)
		die("%s: no error reply (%s)", what, strerror(-rc));
	CHECK(h.type == SA_PROTO_ERROR);
	CHECK(h.flags & SA_PROTO_F_FATAL);
	struct sa_proto_err e;
	CHECK(sa_proto_get_error(pl, h.len, &e) == 0);
	printf("%s: error %d (%s): %s\n", what, e.code, sa_errname(e.code),
	       e.message);
	char c;
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, 5000) == 1);
	CHECK(recv(fd, &c, 1, 0) == 0); /* disconnected */
	close(fd);
}

static void
send_all(int fd, const void *p, size_t n)
{
	CHECK(send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n);
}

static void
good_producer(struct hd *h)
{
	struct sa_client *c;
	if (sa_client_connect(&c, h->sock, 5000) < 0)
		_exit(10);
	struct sa_record recs[50];
	for (int b = 0; b < 200; b++) {
		for (int j = 0; j < 50; j++)
			hd_record(&recs[j], "good", SA_EV_RESOURCE);
		if (sa_client_submit(c, recs, 50, 20000, NULL, NULL) < 0)
			_exit(11);
		usleep(2000);
	}
	sa_client_close(c);
	_exit(0);
}

int
main(void)
{
	struct hd h;
	hd_init(&h, "max_frame_bytes = 65536\n");
	hd_start(&h, NULL);
	pid_t good = fork();
	CHECK(good >= 0);
	if (good == 0)
		good_producer(&h);

	/* Garbage. */
	int fd = hd_raw_connect(h.sock);
	const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	send_all(fd, junk, sizeof junk - 1);
	expect_fatal(fd, "garbage");

	/* Oversized length. */
	uint8_t hdr[SA_PROTO_HDR];
	struct sa_proto_hdr ph = {SA_PROTO_RECORDS, 0, 7, 100u << 20};
	sa_proto_put_hdr(hdr, &ph);
	fd = hd_raw_connect(h.sock);
	send_all(fd, hdr, sizeof hdr);
	expect_fatal(fd, "oversized");

	/* Unknown type, and a type only the daemon sends. */
	ph = (struct sa_proto_hdr){'Z', 0, 8, 0};
	sa_proto_put_hdr(hdr, &ph);
	hdr[4] = 'Z';
	fd = hd_raw_connect(h.sock);
	send_all(fd, hdr, sizeof hdr);
	expect_fatal(fd, "unknown type");
	ph = (struct sa_proto_hdr){SA_PROTO_ACK, 0, 9, 0};
	sa_proto_put_hdr(hdr, &ph);
	fd = hd_raw_connect(h.sock);
	send_all(fd, hdr, sizeof hdr);
	expect_fatal(fd, "ack from a producer");

	/* Broken record framing: count 5, one record. */
	struct sa_record r;
	hd_record(&r, "broken", SA_EV_RESOURCE);
	struct sa_buf b = SA_BUF_INIT;
	CHECK(sa_proto_put_records(&b, 10, &r, 1, NULL) == 0);
	b.data[SA_PROTO_HDR] = 5;
	fd = hd_raw_connect(h.sock);
	send_all(fd, b.data, b.len);
	expect_fatal(fd, "count larger than the records");

	/* Cut off: header promises more than is sent, then close. */
	fd = hd_raw_connect(h.sock);
	send_all(fd, b.data, 20);
	close(fd);

	/* An invalid record (status U on a resource access) in a well
	 * framed frame: refused by index, connection kept. */
	struct sa_record two[2];
	hd_record(&two[0], "ok", SA_EV_RESOURCE);
	hd_record(&two[1], "bad", SA_EV_RESOURCE);
	two[1].status = 'U';
	uint8_t body[1024];
	size_t blen;
	CHECK(sa_record_encode(&two[1], 0, 0, body, sizeof body, &blen) == 0);
	sa_buf_reset(&b);
	CHECK(sa_proto_put_records(&b, 11, two, 1, NULL) == 0);
	/* Append the invalid body by hand: the client library refuses it. */
	size_t len0 = b.len;
	uint8_t lenb = (uint8_t)blen;
	CHECK(blen < 128);
	sa_buf_append(&b, &lenb, 1);
	sa_buf_append(&b, body, blen);
	b.data[SA_PROTO_HDR] = 2; /* count */
	uint32_t plen = (uint32_t)(b.len - SA_PROTO_HDR);
	memcpy(b.data + 12, &plen, 4);
	(void)len0;
	fd = hd_raw_connect(h.sock);
	send_all(fd, b.data, b.len);
	struct sa_proto_hdr rh;
	uint8_t pl[1024];
	CHECK(hd_read_reply(fd, &rh, pl, sizeof pl) == 0);
	CHECK(rh.type == SA_PROTO_ERROR && rh.id == 11);
	CHECK(!(rh.flags & SA_PROTO_F_FATAL));
	struct sa_proto_err e;
	CHECK(sa_proto_get_error(pl, rh.len, &e) == 0);
	printf("invalid record: index %u field %u: %s\n", e.index, e.field,
	       e.message);
	CHECK(e.index == 1);
	/* The same connection still works. */
	sa_buf_reset(&b);
	CHECK(sa_proto_put_records(&b, 12, two, 1, NULL) == 0);
	send_all(fd, b.data, b.len);
	CHECK(hd_read_reply(fd, &rh, pl, sizeof pl) == 0);
	CHECK(rh.type == SA_PROTO_ACK && rh.id == 12);
	close(fd);
	sa_buf_free(&b);

	int st;
	CHECK(waitpid(good, &st, 0) == good);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(hd_stop(&h) == 0);
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	size_t goods = 0, oks = 0;
	for (size_t i = 0; i < n; i++) {
		goods += strcmp(v[i].session, "good") == 0;
		oks += strcmp(v[i].session, "ok") == 0;
		CHECK(strcmp(v[i].session, "bad") != 0);
		CHECK(strcmp(v[i].session, "broken") != 0);
	}
	CHECK(goods == 200 * 50);
	CHECK(oks == 1); /* only from the frame that was acknowledged */
	free(v);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
