/*
 * framesrv.c - the frame server (framesrv.h): connections read
 * incrementally, frames handed to the owner whole, replies queued in frame
 * order and sent without ever blocking.
 *
 * Invariants:
 *  - a peer's credentials come from the transport at accept (SO_PEERCRED
 *    on a Unix socket) and are the only identity the server reports; the
 *    owner adds a name and privilege in on_connect, before any limit;
 *  - a malformed header earns a fatal error reply and the connection is
 *    closed once that reply is flushed; nothing a peer sends can stop the
 *    server serving the others;
 *  - a connection's replies leave in the order of its frames: each
 *    unanswered frame and each reply queued behind one is a ticket in the
 *    connection's FIFO, and only answered tickets at its head are moved to
 *    the output;
 *  - a connection is freed only when closed and with no ticket left, and
 *    only by fsrv_reap (between loop turns), so no caller is left holding
 *    a freed one;
 *  - memory per connection is bounded: a peer with max_inflight tickets
 *    or max_out_queued reply bytes waiting is not read until they drain,
 *    and its input buffer never exceeds one maximal frame;
 *  - while paused, a connection is read until a frame of another type than
 *    pass_type heads its input: a status query is answered while records
 *    wait (the administrator's first question is why producers hang).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "framesrv.h"

#define READ_CHUNK 65536

struct fsrv_ticket {
	struct fsrv_ticket *next;
	struct fsrv_conn *c;
	bool done, fatal;
	uint8_t *bytes;
	size_t len;
};

struct fsrv_conn {
	struct fsrv_conn *prev, *next;
	struct fsrv *s;
	int fd;
	const struct fsrv_io *io; /* NULL: a plain socket */
	void *io_arg;
	pid_t pid;
	uid_t uid;
	char uname[64];
	bool privileged;
	bool dead;    /* closed */
	bool closing; /* a fatal reply is in the output: close once sent */
	bool stopped; /* a fatal reply is decided: nothing more is read */
	bool paused;
	uint8_t *in;
	size_t in_len, in_cap;
	struct sa_buf out;
	size_t out_off;
	struct fsrv_ticket *qhead, *qtail;
	unsigned nq;
	uint64_t last_ms; /* accept, or the last bytes received */
};

struct listener {
	int fd;
	bool unix_domain;
};

struct fsrv {
	struct ev_loop *loop;
	struct fsrv_limits lim;
	struct fsrv_callbacks cb;
	struct listener lfd[4];
	unsigned nlfd;
	struct fsrv_conn *conns;     /* connected, doubly linked */
	struct fsrv_conn *graveyard; /* closed, freed by fsrv_reap */
	int64_t idle_timer;
	bool paused;
	struct fsrv_stats st;
};

static void on_conn(struct ev_loop *l, int fd, unsigned ev, void *arg);
static void process_input(struct fsrv_conn *c);

/* ---- transport ---- */

static ssize_t
io_recv(struct fsrv_conn *c, void *buf, size_t len)
{
	if (c->io)
		return c->io->recv(c->io_arg, buf, len);
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

static ssize_t
io_send(struct fsrv_conn *c, const void *buf, size_t len)
{
	if (c->io)
		return c->io->send(c->io_arg, buf, len);
	for (;;) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

/* ---- connection state ---- */

pid_t
fsrv_conn_pid(const struct fsrv_conn *c)
{
	return c->pid;
}

uid_t
fsrv_conn_uid(const struct fsrv_conn *c)
{
	return c->uid;
}

const char *
fsrv_conn_user(const struct fsrv_conn *c)
{
	return c->uname;
}

bool
fsrv_conn_privileged(const struct fsrv_conn *c)
{
	return c->privileged;
}

bool
fsrv_conn_dead(const struct fsrv_conn *c)
{
	return c->dead;
}

void
fsrv_conn_identify(struct fsrv_conn *c, const char *user, bool privileged)
{
	snprintf(c->uname, sizeof c->uname, "%s", user ? user : "");
	c->privileged = privileged;
}

/* Paused, a connection is read until a held-back frame heads its input. */
static bool
held_back(const struct fsrv_conn *c)
{
	return c->paused && c->in_len >= SA_PROTO_HDR &&
	       c->in[4] != c->s->lim.pass_type;
}

static bool
backlogged(const struct fsrv_conn *c)
{
	return c->nq >= c->s->lim.max_inflight ||
	       c->out.len - c->out_off >= c->s->lim.max_out_queued;
}

static void
set_interest(struct fsrv_conn *c)
{
	if (c->dead)
		return;
	unsigned ev = 0;
	if (!held_back(c) && !c->closing && !c->stopped && !backlogged(c))
		ev |= EV_READ;
	if (c->out.len > c->out_off)
		ev |= EV_WRITE;
	ev_mod_fd(c->s->loop, c->fd, ev);
}

static void
conn_close(struct fsrv_conn *c)
{
	if (c->dead)
		return;
	struct fsrv *s = c->s;
	ev_del_fd(s->loop, c->fd);
	if (c->io && c->io->close)
		c->io->close(c->io_arg);
	else
		close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->st.clients--;
	/* Freed between loop turns, never under a caller that may still
	 * hold c. */
	c->prev = NULL;
	c->next = s->graveyard;
	s->graveyard = c;
}

static void
conn_free(struct fsrv_conn *c)
{
	for (struct fsrv_ticket *t = c->qhead, *n; t; t = n) {
		n = t->next;
		free(t->bytes);
		free(t);
	}
	free(c->in);
	sa_buf_free(&c->out);
	free(c);
}

static void
conn_flush(struct fsrv_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = io_send(c, c->out.data + c->out_off,
				    c->out.len - c->out_off);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			conn_close(c); /* the peer went away */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		sa_buf_reset(&c->out);
		c->out_off = 0;
		if (c->closing) {
			conn_close(c);
			return;
		}
	}
	set_interest(c);
}

static void
out_of_memory(struct fsrv_conn *c)
{
	log_warnx("client pid %ld: out of memory for a reply", (long)c->pid);
	conn_close(c);
}

/* Moves the answered tickets at the head of the FIFO to the output. */
static void
drain_tickets(struct fsrv_conn *c)
{
	struct fsrv_ticket *t;
	bool was_full = c->nq >= c->s->lim.max_inflight;
	while ((t = c->qhead) != NULL && t->done) {
		c->qhead = t->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		c->nq--;
		if (!c->dead && !c->closing && t->len > 0) {
			if (sa_buf_append(&c->out, t->bytes, t->len) < 0)
				out_of_memory(c);
			else if (t->fatal)
				c->closing = true;
		}
		free(t->bytes);
		free(t);
	}
	if (was_full && c->nq < c->s->lim.max_inflight)
		set_interest(c); /* reading again */
}

static struct fsrv_ticket *
ticket_push(struct fsrv_conn *c)
{
	struct fsrv_ticket *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->c = c;
	if (c->qtail)
		c->qtail->next = t;
	else
		c->qhead = t;
	c->qtail = t;
	c->nq++;
	return t;
}

static int
ticket_fill(struct fsrv_ticket *t, const struct sa_buf *b, bool fatal)
{
	t->done = true;
	t->fatal = fatal;
	if (b == NULL || b->len == 0)
		return 0;
	if ((t->bytes = malloc(b->len)) == NULL)
		return -ENOMEM;
	memcpy(t->bytes, b->data, b->len);
	t->len = b->len;
	return 0;
}

struct fsrv_ticket *
fsrv_hold(struct fsrv_conn *c)
{
	struct fsrv_ticket *t = ticket_push(c);
	if (t == NULL)
		out_of_memory(c);
	return t;
}

void
fsrv_answer(struct fsrv_ticket *t, const struct sa_buf *b, bool fatal)
{
	struct fsrv_conn *c = t->c;
	if (c->dead)
		b = NULL;
	/* At the head (answers in order, the usual case) the bytes go to
	 * the output at once, not through a copy in the ticket. */
	if (c->qhead == t && b != NULL && !c->closing) {
		if (sa_buf_append(&c->out, b->data, b->len) < 0) {
			out_of_memory(c);
		} else if (fatal) {
			c->closing = true;
		}
		b = NULL;
		fatal = false;
	}
	if (ticket_fill(t, b, fatal) < 0) {
		out_of_memory(c);
		ticket_fill(t, NULL, false);
	}
	if (c->qhead == t)
		drain_tickets(c);
}

void
fsrv_reply(struct fsrv_conn *c, const struct sa_buf *b, bool fatal)
{
	if (c->dead)
		return;
	if (fatal)
		c->stopped = true;
	/* Behind frames still awaiting their answer, this reply waits its
	 * turn (docs/PROTOCOL.md §4). */
	if (c->nq > 0) {
		struct fsrv_ticket *t = ticket_push(c);
		if (t == NULL || ticket_fill(t, b, fatal) < 0) {
			out_of_memory(c);
			if (t)
				ticket_fill(t, NULL, false);
		}
		return;
	}
	if (sa_buf_append(&c->out, b->data, b->len) < 0) {
		out_of_memory(c);
		return;
	}
	if (fatal)
		c->closing = true;
	conn_flush(c);
}

void
fsrv_reply_error(struct fsrv_conn *c, uint32_t id, bool fatal,
		 const struct sa_proto_err *e)
{
	struct sa_buf b = SA_BUF_INIT;
	if (sa_proto_put_error(&b, id, fatal, e) == 0)
		fsrv_reply(c, &b, fatal);
	else
		out_of_memory(c);
	sa_buf_free(&b);
}

void
fsrv_fatal(struct fsrv_conn *c, uint32_t id, int code, const char *msg)
{
	struct sa_proto_err e = {.code = code, .index = SA_PROTO_NO_INDEX};
	snprintf(e.message, sizeof e.message, "%s", msg);
	log_info("client pid %ld uid %ld: %s; disconnecting", (long)c->pid,
		 (long)c->uid, msg);
	fsrv_reply_error(c, id, true, &e);
}

/* ---- input ---- */

static void
bad_header(struct fsrv_conn *c, const uint8_t *p, size_t off)
{
	uint32_t len = (uint32_t)p[12] | (uint32_t)p[13] << 8 |
		       (uint32_t)p[14] << 16 | (uint32_t)p[15] << 24;
	char msg[160];
	if (memcmp(p, SA_PROTO_MAGIC, 4) != 0)
		snprintf(msg, sizeof msg,
			 "not a seaudit frame at stream offset %zu (bad "
			 "magic)",
			 off);
	else if (len > c->s->lim.max_frame_bytes)
		snprintf(msg, sizeof msg,
			 "frame of %u bytes exceeds max_frame_bytes %u", len,
			 c->s->lim.max_frame_bytes);
	else
		snprintf(msg, sizeof msg,
			 "frame type 0x%02x or reserved bytes not valid", p[4]);
	fsrv_fatal(c, 0, SA_EPROTO, msg);
}

/* Hands every complete frame in the input buffer to the owner. */
static void
process_input(struct fsrv_conn *c)
{
	struct fsrv *s = c->s;
	size_t off = 0;
	while (!c->dead && !c->closing && !c->stopped &&
	       c->nq < s->lim.max_inflight && c->in_len - off >= SA_PROTO_HDR) {
		struct sa_proto_hdr h;
		if (sa_proto_get_hdr(c->in + off, s->lim.max_frame_bytes, &h) <
		    0) {
			bad_header(c, c->in + off, off);
			break;
		}
		if (c->paused && h.type != s->lim.pass_type)
			break; /* waits until the pause lifts */
		if (c->in_len - off < SA_PROTO_HDR + (size_t)h.len)
			break; /* wait for the rest */
		const uint8_t *payload = c->in + off + SA_PROTO_HDR;
		off += SA_PROTO_HDR + h.len;
		s->st.frames++;
		s->cb.on_frame(s->cb.arg, c, &h, payload);
	}
	if (c->dead)
		return;
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void
conn_read(struct fsrv_conn *c)
{
	size_t want = SA_PROTO_HDR + c->s->lim.max_frame_bytes;
	for (int rounds = 0; rounds < 8 && !c->dead; rounds++) {
		if (c->in_cap - c->in_len < READ_CHUNK && c->in_cap < want) {
			size_t ncap = c->in_cap ? c->in_cap * 2 : READ_CHUNK;
			if (ncap > want)
				ncap = want;
			uint8_t *n = realloc(c->in, ncap);
			if (n == NULL) {
				log_warnx("client pid %ld: out of memory",
					  (long)c->pid);
				conn_close(c);
				return;
			}
			c->in = n;
			c->in_cap = ncap;
		}
		if (c->in_len == c->in_cap) {
			process_input(c);
			if (c->in_len == c->in_cap)
				return; /* paused with a full buffer */
			continue;
		}
		ssize_t n =
		    io_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			conn_close(c);
			return;
		}
		if (n == 0) {
			if (c->in_len > 0 && !c->closing)
				log_info("client pid %ld: connection closed "
					 "inside a frame (%zu bytes dropped)",
					 (long)c->pid, c->in_len);
			conn_close(c);
			return;
		}
		c->last_ms = ev_now_ms();
		c->in_len += (size_t)n;
		process_input(c);
		if ((size_t)n < READ_CHUNK || held_back(c))
			break;
	}
	if (!c->dead)
		set_interest(c);
}

static void
on_conn(struct ev_loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)fd;
	struct fsrv_conn *c = arg;
	/* c lives at least until fsrv_reap, after this callback. */
	if (ev & EV_WRITE)
		conn_flush(c);
	if (!c->dead && (ev & (EV_READ | EV_ERROR)))
		conn_read(c);
}

/* ---- accepting ---- */

/*
 * The connection limits: a local user holding connections must not lock
 * out privileged peers (root's producers, `seaudit -status`).  Privileged
 * peers may use all of max_clients; anyone else at most max_clients -
 * reserved_clients in all and max_clients_per_uid per uid.  c is counted.
 */
static bool
too_many(struct fsrv *s, struct fsrv_conn *c, char *why, size_t cap)
{
	const struct fsrv_limits *k = &s->lim;
	if (s->st.clients > k->max_clients) {
		snprintf(why, cap, "too many clients (max_clients %u)",
			 k->max_clients);
		return true;
	}
	if (c->privileged)
		return false;
	unsigned open = k->max_clients > k->reserved_clients
			    ? k->max_clients - k->reserved_clients
			    : 0;
	if (s->st.clients > open) {
		snprintf(why, cap,
			 "too many clients for unprivileged producers (%u of"
			 " max_clients %u are kept for root and"
			 " producer_group)",
			 k->reserved_clients, k->max_clients);
		return true;
	}
	unsigned mine = 0;
	for (struct fsrv_conn *o = s->conns; o; o = o->next)
		if (!o->dead && o->uid == c->uid)
			mine++;
	if (mine > k->max_clients_per_uid) {
		snprintf(why, cap,
			 "too many connections of uid %ld"
			 " (max_clients_per_uid %u)",
			 (long)c->uid, k->max_clients_per_uid);
		return true;
	}
	return false;
}

struct fsrv_conn *
fsrv_adopt(struct fsrv *s, int fd, const struct fsrv_io *io, void *io_arg,
	   pid_t pid, uid_t uid, gid_t gid)
{
	struct fsrv_conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		if (io && io->close)
			io->close(io_arg);
		else
			close(fd);
		return NULL;
	}
	c->s = s;
	c->fd = fd;
	c->io = io;
	c->io_arg = io_arg;
	c->pid = pid;
	c->uid = uid;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->st.clients++;
	c->last_ms = ev_now_ms();
	if (s->cb.on_connect)
		s->cb.on_connect(s->cb.arg, c, gid);
	char busy[160];
	if (too_many(s, c, busy, sizeof busy)) {
		struct sa_proto_err e = {.code = SA_EBUSY,
					 .index = SA_PROTO_NO_INDEX};
		snprintf(e.message, sizeof e.message, "%s", busy);
		s->st.refused++;
		log_warnx("client pid %ld uid %ld refused: %s", (long)c->pid,
			  (long)c->uid, busy);
		if (ev_add_fd(s->loop, fd, EV_WRITE, on_conn, c) == 0)
			fsrv_reply_error(c, 0, true, &e);
		else
			conn_close(c);
		return NULL;
	}
	c->paused = s->paused;
	if (ev_add_fd(s->loop, fd, EV_READ, on_conn, c) < 0) {
		log_warn("registering a client");
		conn_close(c);
		return NULL;
	}
	return c;
}

static void
on_accept(struct ev_loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)ev;
	struct fsrv *s = arg;
	bool unix_domain = false;
	for (unsigned i = 0; i < s->nlfd; i++)
		if (s->lfd[i].fd == fd)
			unix_domain = s->lfd[i].unix_domain;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("accept");
			return;
		}
		/* Only a Unix socket's credentials mean anything: on TCP,
		 * Linux reports the overflow uid, which would pass for a
		 * real user. */
		struct ucred cr = {
		    .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		socklen_t crl = sizeof cr;
		if (unix_domain &&
		    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0) {
			log_warn("SO_PEERCRED");
			close(cfd);
			continue;
		}
		(void)fsrv_adopt(s, cfd, NULL, NULL, cr.pid, cr.uid, cr.gid);
	}
}

int
fsrv_listen(struct fsrv *s, int fd)
{
	if (s->nlfd == sizeof s->lfd / sizeof s->lfd[0]) {
		close(fd);
		return -ENOSPC;
	}
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	int rc = ev_add_fd(s->loop, fd, EV_READ, on_accept, s);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	s->lfd[s->nlfd].fd = fd;
	s->lfd[s->nlfd].unix_domain = ss.ss_family == AF_UNIX;
	s->nlfd++;
	return 0;
}

void
fsrv_stop_listening(struct fsrv *s)
{
	for (unsigned i = 0; i < s->nlfd; i++) {
		ev_del_fd(s->loop, s->lfd[i].fd);
		close(s->lfd[i].fd);
	}
	s->nlfd = 0;
}

/* ---- the server ---- */

/* Once a second: unprivileged connections idle for idle_timeout_s go. */
static void
on_idle_check(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct fsrv *s = arg;
	uint64_t now = ev_now_ms(), limit = s->lim.idle_timeout_s * 1000ull;
	if (limit == 0)
		return;
	for (struct fsrv_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->dead || c->privileged || c->closing || c->stopped ||
		    c->nq > 0 || c->out.len > c->out_off ||
		    now - c->last_ms < limit)
			continue;
		s->st.timed_out++;
		log_info("client pid %ld uid %ld: idle for %u s; disconnecting",
			 (long)c->pid, (long)c->uid, s->lim.idle_timeout_s);
		conn_close(c);
	}
}

struct fsrv *
fsrv_new(struct ev_loop *loop, const struct fsrv_limits *lim,
	 const struct fsrv_callbacks *cb)
{
	struct fsrv *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->loop = loop;
	s->lim = *lim;
	s->cb = *cb;
	s->idle_timer = ev_add_timer(loop, 1000, true, on_idle_check, s);
	if (s->idle_timer < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
fsrv_set_limits(struct fsrv *s, const struct fsrv_limits *lim)
{
	s->lim = *lim;
}

void
fsrv_pause_all(struct fsrv *s, bool pause)
{
	s->paused = pause;
	for (struct fsrv_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		c->paused = pause;
		set_interest(c);
		if (!pause && c->in_len > 0) {
			process_input(c);
			set_interest(c);
		}
	}
}

void
fsrv_flush(struct fsrv *s)
{
	for (struct fsrv_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->out.len > c->out_off)
			conn_flush(c);
	}
}

void
fsrv_reap(struct fsrv *s)
{
	fsrv_flush(s);
	/* Connections whose backlog cleared can be read again. */
	for (struct fsrv_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (!c->paused && c->in_len >= SA_PROTO_HDR) {
			process_input(c);
			set_interest(c);
		}
	}
	for (struct fsrv_conn **pp = &s->graveyard, *c; (c = *pp) != NULL;) {
		if (c->nq > 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		conn_free(c);
	}
}

void
fsrv_shutdown(struct fsrv *s, unsigned flush_ms)
{
	fsrv_stop_listening(s);
	uint64_t deadline = ev_now_ms() + flush_ms;
	while (s->conns) {
		struct fsrv_conn *c = s->conns;
		conn_flush(c);
		while (s->conns == c && c->out_off < c->out.len) {
			uint64_t now = ev_now_ms();
			if (now >= deadline)
				break;
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			if (poll(&p, 1, (int)(deadline - now)) < 0 &&
			    errno != EINTR)
				break;
			conn_flush(c);
		}
		if (s->conns == c) {
			if (c->out_off < c->out.len)
				log_warnx("client pid %ld: %zu reply bytes not "
					  "delivered at exit",
					  (long)c->pid,
					  c->out.len - c->out_off);
			conn_close(c);
		}
	}
	fsrv_reap(s);
}

void
fsrv_free(struct fsrv *s)
{
	if (s == NULL)
		return;
	fsrv_shutdown(s, 0);
	for (struct fsrv_conn *c = s->graveyard, *n; c; c = n) {
		n = c->next;
		conn_free(c);
	}
	if (s->idle_timer > 0)
		ev_del_timer(s->loop, (uint64_t)s->idle_timer);
	free(s);
}

void
fsrv_get_stats(const struct fsrv *s, struct fsrv_stats *st)
{
	*st = s->st;
}
