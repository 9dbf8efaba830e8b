/*
 * test_framesrv.c - the daemons' frame server (common/framesrv.c), driven
 * on a real event loop with real sockets: a test plays the peer on the
 * other end of a socketpair (or of a Unix socket it listens on) and reads
 * exactly what a producer would.
 *
 * Frames arrive whole however the bytes are split; replies leave in frame
 * order even when tickets are answered out of order; a malformed header
 * costs only its own connection; the connection limits keep places for
 * privileged peers; pausing lets queries through and holds the rest; the
 * in-flight limit stops reading until a ticket is answered; a peer that
 * leaves with an unanswered ticket is freed safely; idle unprivileged
 * peers are closed; a custom transport carries the same protocol; replies
 * queued at shutdown are delivered.  Every loop carries a guard timer.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev.h"
#include "framesrv.h"

/* ---- the owner's side ---- */

struct seen {
	uint8_t type;
	uint32_t id;
	char payload[64];
};

struct owner {
	struct seen frames[64];
	unsigned nframes;
	struct fsrv_ticket *held[64];
	uint32_t held_id[64];
	unsigned nheld;
	bool hold_records; /* 'R' frames are held; others answered now */
	pid_t conn_pid;
	uid_t conn_uid;
	struct fsrv *s;
};

static void
on_connect(void *arg, struct fsrv_conn *c, gid_t gid)
{
	(void)gid;
	struct owner *o = arg;
	o->conn_pid = fsrv_conn_pid(c);
	o->conn_uid = fsrv_conn_uid(c);
	/* uid 0 stands for a privileged peer, as in seauditd */
	fsrv_conn_identify(c, fsrv_conn_uid(c) == 0 ? "root" : "user",
			   fsrv_conn_uid(c) == 0);
}

static void
put_status(struct sa_buf *b, uint32_t id)
{
	char text[32];
	int n = snprintf(text, sizeof text, "re %u", id);
	assert_int_equal(
	    sa_proto_put_frame(b, SA_PROTO_STATUS, 0, id, text, (size_t)n), 0);
}

static void
on_frame(void *arg, struct fsrv_conn *c, const struct sa_proto_hdr *h,
	 const uint8_t *payload)
{
	struct owner *o = arg;
	assert_true(o->nframes < 64);
	struct seen *s = &o->frames[o->nframes++];
	s->type = h->type;
	s->id = h->id;
	size_t n =
	    h->len < sizeof s->payload - 1 ? h->len : sizeof s->payload - 1;
	memcpy(s->payload, payload, n);
	s->payload[n] = '\0';
	if (o->hold_records && h->type == SA_PROTO_RECORDS) {
		struct fsrv_ticket *t = fsrv_hold(c);
		assert_non_null(t);
		o->held_id[o->nheld] = h->id;
		o->held[o->nheld++] = t;
		return;
	}
	struct sa_buf b = SA_BUF_INIT;
	put_status(&b, h->id);
	fsrv_reply(c, &b, false);
	sa_buf_free(&b);
}

static void
answer(struct owner *o, unsigned i)
{
	struct sa_buf b = SA_BUF_INIT;
	put_status(&b, o->held_id[i]);
	fsrv_answer(o->held[i], &b, false);
	o->held[i] = NULL;
	sa_buf_free(&b);
}

/* ---- the loop ---- */

static void
stop_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	ev_stop(l);
}

static void
before_sleep(struct ev_loop *l, void *arg)
{
	(void)l;
	struct owner *o = arg;
	if (o->s)
		fsrv_reap(o->s);
}

/* Runs the loop for ms milliseconds. */
static void
spin(struct ev_loop *l, unsigned ms)
{
	assert_true(ev_add_timer(l, ms, false, stop_cb, NULL) > 0);
	assert_int_equal(ev_run(l), 0);
}

static const struct fsrv_limits default_limits = {
    .max_frame_bytes = 4096,
    .max_clients = 16,
    .reserved_clients = 2,
    .max_clients_per_uid = 8,
    .idle_timeout_s = 0,
    .max_inflight = 32,
    .max_out_queued = 1u << 20,
    .pass_type = SA_PROTO_QUERY,
};

struct world {
	struct ev_loop *l;
	struct owner o;
	struct fsrv *s;
};

static void
world_init(struct world *w, const struct fsrv_limits *lim)
{
	memset(w, 0, sizeof *w);
	w->l = ev_create();
	assert_non_null(w->l);
	struct fsrv_callbacks cb = {
	    .on_connect = on_connect, .on_frame = on_frame, .arg = &w->o};
	w->s = fsrv_new(w->l, lim ? lim : &default_limits, &cb);
	assert_non_null(w->s);
	w->o.s = w->s;
	ev_set_before_sleep(w->l, before_sleep, &w->o);
}

static void
world_free(struct world *w)
{
	fsrv_free(w->s);
	ev_free(w->l);
}

/* A connected peer: returns the peer's end, the server adopts the other. */
static int
peer(struct world *w, uid_t uid, struct fsrv_conn **out)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	struct fsrv_conn *c =
	    fsrv_adopt(w->s, sv[1], NULL, NULL, 4242, uid, (gid_t)uid);
	if (out)
		*out = c;
	return sv[0];
}

static void
send_frame(int fd, uint8_t type, uint32_t id, const char *payload)
{
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_proto_put_frame(&b, type, 0, id, payload,
					    payload ? strlen(payload) : 0),
			 0);
	assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
	sa_buf_free(&b);
}

struct reply {
	uint8_t type, flags;
	uint32_t id;
	struct sa_proto_err err;
	char text[64];
};

/*
 * Reads what the server sent (without waiting): the replies, and whether
 * the stream ended.  Returns the number of whole replies.
 */
static unsigned
read_replies(int fd, struct reply *r, unsigned max, bool *eof)
{
	static uint8_t buf[1 << 16];
	size_t len = 0;
	*eof = false;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0)
			break;
		ssize_t n = read(fd, buf + len, sizeof buf - len);
		if (n <= 0) {
			*eof = true;
			break;
		}
		len += (size_t)n;
	}
	unsigned k = 0;
	size_t off = 0;
	while (len - off >= SA_PROTO_HDR && k < max) {
		struct sa_proto_hdr h;
		assert_int_equal(
		    sa_proto_get_hdr(buf + off, SA_PROTO_MAX_PAYLOAD, &h), 0);
		assert_true(len - off >= SA_PROTO_HDR + h.len);
		memset(&r[k], 0, sizeof r[k]);
		r[k].type = h.type;
		r[k].flags = h.flags;
		r[k].id = h.id;
		const uint8_t *pl = buf + off + SA_PROTO_HDR;
		if (h.type == SA_PROTO_ERROR)
			assert_int_equal(
			    sa_proto_get_error(pl, h.len, &r[k].err), 0);
		else {
			size_t n = h.len < 63 ? h.len : 63;
			memcpy(r[k].text, pl, n);
		}
		off += SA_PROTO_HDR + h.len;
		k++;
	}
	assert_int_equal(off, len); /* never half a reply */
	return k;
}

/* ---- the tests ---- */

static void
frames_arrive_whole_however_split(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	int fd = peer(&w, 1000, NULL);
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_proto_put_frame(&b, 'R', 0, 1, "one", 3), 0);
	assert_int_equal(sa_proto_put_frame(&b, 'Q', 0, 2, NULL, 0), 0);
	assert_int_equal(sa_proto_put_frame(&b, 'R', 0, 3, "three", 5), 0);
	for (size_t i = 0; i < b.len; i++) {
		assert_int_equal(write(fd, b.data + i, 1), 1);
		spin(w.l, 1);
	}
	assert_int_equal(w.o.nframes, 3);
	assert_int_equal(w.o.frames[0].id, 1);
	assert_string_equal(w.o.frames[0].payload, "one");
	assert_int_equal(w.o.frames[1].type, 'Q');
	assert_string_equal(w.o.frames[2].payload, "three");
	struct reply r[8];
	bool eof;
	assert_int_equal(read_replies(fd, r, 8, &eof), 3);
	assert_false(eof);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(r[i].id, i + 1);
	sa_buf_free(&b);
	close(fd);
	world_free(&w);
}

static void
replies_leave_in_frame_order(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	w.o.hold_records = true;
	int fd = peer(&w, 1000, NULL);
	send_frame(fd, 'R', 1, "a");
	send_frame(fd, 'Q', 2, NULL);
	send_frame(fd, 'R', 3, "b");
	send_frame(fd, 'Q', 4, NULL);
	spin(w.l, 20);
	assert_int_equal(w.o.nframes, 4);
	struct reply r[8];
	bool eof;
	/* The queries' replies wait behind the held records frame. */
	assert_int_equal(read_replies(fd, r, 8, &eof), 0);
	/* Answering the later ticket first releases nothing either. */
	answer(&w.o, 1);
	fsrv_flush(w.s);
	spin(w.l, 10);
	assert_int_equal(read_replies(fd, r, 8, &eof), 0);
	answer(&w.o, 0);
	fsrv_flush(w.s);
	spin(w.l, 10);
	assert_int_equal(read_replies(fd, r, 8, &eof), 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(r[i].type, 'S');
		assert_int_equal(r[i].id, i + 1);
	}
	close(fd);
	world_free(&w);
}

static void
bad_header_costs_only_its_connection(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	int bad = peer(&w, 1000, NULL), good = peer(&w, 1001, NULL);
	assert_int_equal(write(bad, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	send_frame(good, 'Q', 7, NULL);
	spin(w.l, 20);
	struct reply r[4];
	bool eof;
	assert_int_equal(read_replies(bad, r, 4, &eof), 1);
	assert_int_equal(r[0].type, SA_PROTO_ERROR);
	assert_true(r[0].flags & SA_PROTO_F_FATAL);
	assert_int_equal(r[0].err.code, SA_EPROTO);
	assert_non_null(strstr(r[0].err.message, "bad magic"));
	assert_true(eof);
	assert_int_equal(read_replies(good, r, 4, &eof), 1);
	assert_int_equal(r[0].id, 7);
	assert_false(eof);
	assert_int_equal(w.o.nframes, 1); /* the bad bytes never reached it */
	struct fsrv_stats st;
	fsrv_get_stats(w.s, &st);
	assert_int_equal(st.clients, 1);
	close(bad);
	close(good);
	world_free(&w);
}

static void
oversized_frame_is_refused_by_name(void **state)
{
	(void)state;
	struct fsrv_limits lim = default_limits;
	lim.max_frame_bytes = 64;
	struct world w;
	world_init(&w, &lim);
	int fd = peer(&w, 1000, NULL);
	char big[66];
	memset(big, 'x', 65);
	big[65] = '\0';
	send_frame(fd, 'R', 1, big);
	spin(w.l, 20);
	struct reply r[4];
	bool eof;
	assert_int_equal(read_replies(fd, r, 4, &eof), 1);
	assert_non_null(
	    strstr(r[0].err.message, "65 bytes exceeds max_frame_bytes 64"));
	assert_true(eof);
	assert_int_equal(w.o.nframes, 0);
	close(fd);
	world_free(&w);
}

static void
limits_keep_places_for_privileged_peers(void **state)
{
	(void)state;
	struct fsrv_limits lim = default_limits;
	lim.max_clients = 4;
	lim.reserved_clients = 1;
	lim.max_clients_per_uid = 2;
	struct world w;
	world_init(&w, &lim);
	struct fsrv_conn *c;
	int fds[8], n = 0;
	fds[n++] = peer(&w, 1000, &c);
	assert_non_null(c);
	fds[n++] = peer(&w, 1000, &c);
	assert_non_null(c);
	int over_uid = peer(&w, 1000, &c);
	assert_null(c);
	fds[n++] = peer(&w, 1001, &c);
	assert_non_null(c);
	int over_open = peer(&w, 1002, &c); /* the fourth place is kept */
	assert_null(c);
	fds[n++] = peer(&w, 0, &c); /* privileged: takes it */
	assert_non_null(c);
	int over_all = peer(&w, 0, &c);
	assert_null(c);
	spin(w.l, 20);
	struct reply r[4];
	bool eof;
	assert_int_equal(read_replies(over_uid, r, 4, &eof), 1);
	assert_int_equal(r[0].err.code, SA_EBUSY);
	assert_non_null(strstr(r[0].err.message, "max_clients_per_uid 2"));
	assert_true(eof);
	assert_int_equal(read_replies(over_open, r, 4, &eof), 1);
	assert_non_null(
	    strstr(r[0].err.message, "1 of max_clients 4 are kept"));
	assert_int_equal(read_replies(over_all, r, 4, &eof), 1);
	assert_non_null(strstr(r[0].err.message, "(max_clients 4)"));
	struct fsrv_stats st;
	fsrv_get_stats(w.s, &st);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.clients, 4);
	/* The admitted ones are served. */
	send_frame(fds[0], 'Q', 9, NULL);
	spin(w.l, 20);
	assert_int_equal(read_replies(fds[0], r, 4, &eof), 1);
	assert_int_equal(r[0].id, 9);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(over_uid);
	close(over_open);
	close(over_all);
	world_free(&w);
}

static void
pause_lets_queries_through_and_holds_the_rest(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	fsrv_pause_all(w.s, true);
	int fd = peer(&w, 1000, NULL); /* connects while paused */
	send_frame(fd, 'Q', 1, NULL);
	send_frame(fd, 'R', 2, "held");
	send_frame(fd, 'Q', 3, NULL);
	spin(w.l, 30);
	assert_int_equal(w.o.nframes, 1);
	assert_int_equal(w.o.frames[0].id, 1);
	fsrv_pause_all(w.s, false);
	spin(w.l, 20);
	assert_int_equal(w.o.nframes, 3);
	assert_string_equal(w.o.frames[1].payload, "held");
	struct reply r[4];
	bool eof;
	assert_int_equal(read_replies(fd, r, 4, &eof), 3);
	assert_int_equal(r[2].id, 3);
	close(fd);
	world_free(&w);
}

static void
inflight_limit_stops_reading_until_answered(void **state)
{
	(void)state;
	struct fsrv_limits lim = default_limits;
	lim.max_inflight = 2;
	struct world w;
	world_init(&w, &lim);
	w.o.hold_records = true;
	int fd = peer(&w, 1000, NULL);
	send_frame(fd, 'R', 1, "1");
	send_frame(fd, 'R', 2, "2");
	send_frame(fd, 'R', 3, "3");
	spin(w.l, 30);
	assert_int_equal(w.o.nframes, 2);
	answer(&w.o, 0);
	spin(w.l, 30);
	assert_int_equal(w.o.nframes, 3);
	answer(&w.o, 1);
	answer(&w.o, 2);
	spin(w.l, 20);
	struct reply r[4];
	bool eof;
	assert_int_equal(read_replies(fd, r, 4, &eof), 3);
	close(fd);
	world_free(&w);
}

static void
peer_gone_with_unanswered_ticket(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	w.o.hold_records = true;
	int fd = peer(&w, 1000, NULL);
	send_frame(fd, 'R', 1, "x");
	spin(w.l, 20);
	assert_int_equal(w.o.nheld, 1);
	close(fd);
	spin(w.l, 20); /* the server sees the close; the ticket keeps c */
	struct fsrv_stats st;
	fsrv_get_stats(w.s, &st);
	assert_int_equal(st.clients, 0);
	answer(&w.o, 0); /* nothing to send it to: dropped, c freed */
	spin(w.l, 5);
	world_free(&w); /* ASan: nothing leaked, nothing used after free */
}

static void
idle_unprivileged_peers_are_closed(void **state)
{
	(void)state;
	struct fsrv_limits lim = default_limits;
	lim.idle_timeout_s = 1;
	struct world w;
	world_init(&w, &lim);
	int user = peer(&w, 1000, NULL), root = peer(&w, 0, NULL);
	spin(w.l, 2300);
	struct reply r[2];
	bool eof;
	read_replies(user, r, 2, &eof);
	assert_true(eof);
	read_replies(root, r, 2, &eof);
	assert_false(eof);
	struct fsrv_stats st;
	fsrv_get_stats(w.s, &st);
	assert_int_equal(st.timed_out, 1);
	assert_int_equal(st.clients, 1);
	close(user);
	close(root);
	world_free(&w);
}

/* A transport that is not a plain socket: every byte XORed with 0x5a. */
struct xor_io {
	int fd;
	int closes;
};

static ssize_t
xor_recv(void *arg, void *buf, size_t len)
{
	struct xor_io *x = arg;
	ssize_t n = read(x->fd, buf, len);
	if (n < 0)
		return -errno;
	for (ssize_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] ^= 0x5a;
	return n;
}

static ssize_t
xor_send(void *arg, const void *buf, size_t len)
{
	struct xor_io *x = arg;
	uint8_t tmp[4096];
	if (len > sizeof tmp)
		len = sizeof tmp;
	for (size_t i = 0; i < len; i++)
		tmp[i] = ((const uint8_t *)buf)[i] ^ 0x5a;
	ssize_t n = write(x->fd, tmp, len);
	return n < 0 ? -errno : n;
}

static void
xor_close(void *arg)
{
	struct xor_io *x = arg;
	x->closes++;
	close(x->fd);
}

static void
custom_transport_carries_the_protocol(void **state)
{
	(void)state;
	static const struct fsrv_io ops = {xor_recv, xor_send, xor_close};
	struct world w;
	world_init(&w, NULL);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	struct xor_io x = {.fd = sv[1]};
	assert_non_null(fsrv_adopt(w.s, sv[1], &ops, &x, 0, 1000, 1000));
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_proto_put_frame(&b, 'R', 0, 5, "over xor", 8), 0);
	for (size_t i = 0; i < b.len; i++)
		b.data[i] ^= 0x5a;
	assert_int_equal(write(sv[0], b.data, b.len), (ssize_t)b.len);
	spin(w.l, 20);
	assert_int_equal(w.o.nframes, 1);
	assert_string_equal(w.o.frames[0].payload, "over xor");
	uint8_t in[256];
	ssize_t n = read(sv[0], in, sizeof in);
	assert_true(n > SA_PROTO_HDR);
	for (ssize_t i = 0; i < n; i++)
		in[i] ^= 0x5a;
	struct sa_proto_hdr h;
	assert_int_equal(sa_proto_get_hdr(in, 1024, &h), 0);
	assert_int_equal(h.type, 'S');
	assert_int_equal(h.id, 5);
	world_free(&w);
	assert_int_equal(x.closes, 1);
	sa_buf_free(&b);
	close(sv[0]);
}

static void
unix_listener_reports_peer_credentials(void **state)
{
	(void)state;
	char dir[] = "/tmp/sa-fsrv-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(lfd, 8), 0);
	struct world w;
	world_init(&w, NULL);
	assert_int_equal(fsrv_listen(w.s, lfd), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	send_frame(fd, 'Q', 1, NULL);
	spin(w.l, 30);
	assert_int_equal(w.o.conn_pid, getpid());
	assert_int_equal(w.o.conn_uid, getuid());
	assert_int_equal(w.o.nframes, 1);
	close(fd);
	world_free(&w);
	unlink(sun.sun_path);
	rmdir(dir);
}

static void
shutdown_delivers_queued_replies(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, NULL);
	w.o.hold_records = true;
	int fd = peer(&w, 1000, NULL);
	send_frame(fd, 'R', 1, "last");
	spin(w.l, 20);
	answer(&w.o, 0); /* queued, not yet flushed */
	fsrv_shutdown(w.s, 1000);
	struct reply r[2];
	bool eof;
	assert_int_equal(read_replies(fd, r, 2, &eof), 1);
	assert_int_equal(r[0].id, 1);
	assert_true(eof);
	close(fd);
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frames_arrive_whole_however_split),
	    cmocka_unit_test(replies_leave_in_frame_order),
	    cmocka_unit_test(bad_header_costs_only_its_connection),
	    cmocka_unit_test(oversized_frame_is_refused_by_name),
	    cmocka_unit_test(limits_keep_places_for_privileged_peers),
	    cmocka_unit_test(pause_lets_queries_through_and_holds_the_rest),
	    cmocka_unit_test(inflight_limit_stops_reading_until_answered),
	    cmocka_unit_test(peer_gone_with_unanswered_ticket),
	    cmocka_unit_test(idle_unprivileged_peers_are_closed),
	    cmocka_unit_test(custom_transport_carries_the_protocol),
	    cmocka_unit_test(unix_listener_reports_peer_credentials),
	    cmocka_unit_test(shutdown_delivers_queued_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
