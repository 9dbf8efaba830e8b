/*
 * daemon-replies-in-frame-order - docs/PROTOCOL.md §4 promises that the
 * replies of one connection come in frame order, refusals included.  A
 * producer writes, in one send, so that the daemon reads them in one
 * turn of its loop: records (id 1), a frame with an invalid record (2), a
 * status query (3), records (4), and a frame type a producer may not send
 * (5, fatal).  It must read exactly: ack 1, error 2, status 3, ack 4, the
 * fatal error 5, then the end of the connection; and the records of 1
 * and 4 are in the log.  Repeated with the frames sent one by one.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static void
put_records(struct sa_buf *b, uint32_t id, const char *tag, int n)
{
	struct sa_record r[8];
	for (int i = 0; i < n; i++)
		hd_record(&r[i], tag, SA_EV_RESOURCE);
	CHECK(sa_proto_put_records(b, id, r, (size_t)n, NULL) == 0);
}

static void
scenario(struct hd *h, bool one_send, const char *tag)
{
	struct sa_buf f[5] = {SA_BUF_INIT, SA_BUF_INIT, SA_BUF_INIT,
			      SA_BUF_INIT, SA_BUF_INIT};
	put_records(&f[0], 1, tag, 5);
	/* Frame 2: a login without its user, encoded by hand past the
	 * client's own validation: records then one record dropped. */
	struct sa_record bad;
	hd_record(&bad, tag, SA_EV_LOGIN);
	sa_record_unset(&bad, SA_F_USER);
	uint8_t body[512];
	size_t blen;
	CHECK(sa_record_encode(&bad, 0, 0, body, sizeof body, &blen) == 0);
	uint8_t pl[600];
	size_t n = 0;
	pl[n++] = 1, pl[n++] = 0, pl[n++] = 0, pl[n++] = 0;
	CHECK(blen < 128);
	pl[n++] = (uint8_t)blen;
	memcpy(pl + n, body, blen);
	n += blen;
	CHECK(sa_proto_put_frame(&f[1], SA_PROTO_RECORDS, 0, 2, pl, n) == 0);
	CHECK(sa_proto_put_frame(&f[2], SA_PROTO_QUERY, 0, 3, NULL, 0) == 0);
	put_records(&f[3], 4, tag, 3);
	uint8_t ackpl[20] = {0};
	CHECK(sa_proto_put_frame(&f[4], SA_PROTO_ACK, 0, 5, ackpl, 20) == 0);

	int fd = hd_raw_connect(h->sock);
	if (one_send) {
		struct sa_buf all = SA_BUF_INIT;
		for (int i = 0; i < 5; i++)
			CHECK(sa_buf_append(&all, f[i].data, f[i].len) == 0);
		CHECK(send(fd, all.data, all.len, 0) == (ssize_t)all.len);
		sa_buf_free(&all);
	} else {
		for (int i = 0; i < 5; i++)
			CHECK(send(fd, f[i].data, f[i].len, 0) ==
			      (ssize_t)f[i].len);
	}
	static const struct {
		uint8_t type;
		uint32_t id;
	} want[] = {{SA_PROTO_ACK, 1},
		    {SA_PROTO_ERROR, 2},
		    {SA_PROTO_STATUS, 3},
		    {SA_PROTO_ACK, 4},
		    {SA_PROTO_ERROR, 5}};
	for (int i = 0; i < 5; i++) {
		struct sa_proto_hdr rh;
		static uint8_t buf[1 << 16];
		int rc = hd_read_reply(fd, &rh, buf, sizeof buf);
		if (rc < 0)
			die("%s: reply %d: %s", tag, i + 1, strerror(-rc));
		if (rh.type != want[i].type || rh.id != want[i].id)
			die("%s: reply %d is '%c' id %u, want '%c' id %u", tag,
			    i + 1, rh.type, rh.id, want[i].type, want[i].id);
		if (i == 1) {
			struct sa_proto_err e;
			CHECK(sa_proto_get_error(buf, rh.len, &e) == 0);
			CHECK(e.code == SA_EMISSING && e.index == 0);
			CHECK((rh.flags & SA_PROTO_F_FATAL) == 0);
		}
		if (i == 4)
			CHECK((rh.flags & SA_PROTO_F_FATAL) != 0);
	}
	struct sa_proto_hdr rh;
	uint8_t buf[64];
	CHECK(hd_read_reply(fd, &rh, buf, sizeof buf) == -EPIPE);
	close(fd);
	for (int i = 0; i < 5; i++)
		sa_buf_free(&f[i]);
}

int
main(void)
{
	struct hd h;
	hd_init(&h, NULL);
	hd_start(&h, NULL);
	scenario(&h, true, "one");
	scenario(&h, false, "many");
	CHECK(hd_stop(&h) == 0);
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	size_t one = 0, many = 0;
	for (size_t i = 0; i < n; i++) {
		one += strcmp(v[i].session, "one") == 0;
		many += strcmp(v[i].session, "many") == 0;
	}
	CHECK(damage == 0);
	if (one != 8 || many != 8)
		die("log holds %zu and %zu records of the scenarios, want 8",
		    one, many);
	free(v);
	hd_cleanup(&h);
	printf("replies came in frame order, fatal error last\n");
	return 0;
}
