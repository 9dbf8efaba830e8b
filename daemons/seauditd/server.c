/*
 * server.c - the producers' Unix socket: accepting clients, reading their
 * frames incrementally, and sending replies without ever blocking.
 *
 * Invariants:
 *  - a client's credentials (pid, uid) come from SO_PEERCRED at accept and
 *    are the only identity the daemon believes (docs/PROTOCOL.md);
 *  - a malformed frame earns a fatal error reply and the connection is
 *    closed once that reply is flushed; nothing a client sends can stop
 *    the daemon serving the others;
 *  - a struct client lives while it is connected or while a reply slot of
 *    the commit queue still names it (reference count), so a producer that
 *    disconnects before its acknowledgement never leaves a dangling
 *    pointer behind;
 *  - a client that stops reading its replies is not read from while too
 *    much is queued for it: memory per client is bounded;
 *  - while the disk-full action block is in force every client is paused:
 *    its records frames wait unread, but a status query ahead of them is
 *    still answered (the administrator's first question is why producers
 *    hang), so a paused client is read until a records frame heads its
 *    input.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "diag.h"
#include "seauditd.h"

#define MAX_INFLIGHT 1024	  /* frames awaiting commit per client */
#define MAX_OUT_QUEUED (1u << 20) /* reply bytes queued per client */
#define CLOSE_FLUSH_MS 2000	  /* at exit: time to deliver queued replies */

struct client {
	struct client *prev, *next;
	struct daemon *d; /* the daemon it belongs to, for its callbacks */
	int fd;
	pid_t pid;
	uid_t uid;
	char uname[64];	 /* the peer uid's user name, "" when unknown */
	bool privileged; /* root, or a member of producer_group */
	int refs;
	bool dead;    /* connection closed */
	bool closing; /* fatal reply queued: close once flushed */
	bool stopped; /* fatal reply decided (maybe still queued behind
		       * earlier frames): nothing more is read */
	bool paused;  /* disk-full block: only status queries are served */
	uint8_t *in;
	size_t in_len, in_cap;
	struct sa_buf out;
	size_t out_off;
	unsigned inflight;
	uint64_t last_ms; /* accept, or the last bytes received */
};

static void on_client(struct ev_loop *l, int fd, unsigned ev, void *arg);

bool
client_dead(const struct client *c)
{
	return c->dead;
}

pid_t
client_pid(const struct client *c)
{
	return c->pid;
}

uid_t
client_uid(const struct client *c)
{
	return c->uid;
}

const char *
client_user(const struct client *c)
{
	return c->uname;
}

bool
client_privileged(const struct client *c)
{
	return c->privileged;
}

/*
 * Who the peer is, once, at accept: its user name (records of an
 * unprivileged producer may only name it) and whether it may speak for
 * others (root, or producer_group by primary or supplementary group).
 */
static void
client_identify(struct daemon *d, struct client *c, gid_t peer_gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	c->privileged = c->uid == 0;
	if (getpwuid_r(c->uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
		return;
	snprintf(c->uname, sizeof c->uname, "%s", pw.pw_name);
	if (c->privileged || d->conf.producer_group[0] == '\0')
		return;
	gid_t g = d->conf.producer_gid;
	if (peer_gid == g || pw.pw_gid == g) {
		c->privileged = true;
		return;
	}
	gid_t groups[256];
	int n = (int)(sizeof groups / sizeof groups[0]);
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return;
	for (int i = 0; i < n; i++)
		if (groups[i] == g)
			c->privileged = true;
}

void
client_ref(struct client *c)
{
	c->refs++;
	c->inflight++;
}

static void
client_free(struct client *c)
{
	free(c->in);
	sa_buf_free(&c->out);
	free(c);
}

/* Paused, a client is read until a records frame heads its input. */
static bool
records_waiting(const struct client *c)
{
	return c->paused && c->in_len >= SA_PROTO_HDR &&
	       c->in[4] == SA_PROTO_RECORDS;
}

/* Interest set from the client's state. */
static void
client_interest(struct daemon *d, struct client *c)
{
	if (c->dead)
		return;
	unsigned ev = 0;
	bool backlog = c->inflight >= MAX_INFLIGHT ||
		       c->out.len - c->out_off >= MAX_OUT_QUEUED;
	if (!records_waiting(c) && !c->closing && !c->stopped && !backlog)
		ev |= EV_READ;
	if (c->out.len > c->out_off)
		ev |= EV_WRITE;
	ev_mod_fd(d->loop, c->fd, ev);
}

static void
client_close(struct daemon *d, struct client *c)
{
	if (c->dead)
		return;
	ev_del_fd(d->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nclients--;
	/* Freed between loop turns (server_reap), never under a caller
	 * that may still hold c: the list's reference goes to the graveyard. */
	c->refs--;
	c->next = d->graveyard;
	d->graveyard = c;
}

void
client_unref(struct daemon *d, struct client *c)
{
	c->inflight--;
	c->refs--;
	client_interest(d, c);
}

static void
client_flush(struct daemon *d, struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			client_close(d, c); /* the producer went away */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		sa_buf_reset(&c->out);
		c->out_off = 0;
		if (c->closing) {
			client_close(d, c);
			return;
		}
	}
	client_interest(d, c);
}

void
client_queue(struct daemon *d, struct client *c, const struct sa_buf *b)
{
	if (c->dead)
		return;
	if (sa_buf_append(&c->out, b->data, b->len) < 0) {
		log_warnx("client pid %ld: out of memory for a reply",
			  (long)c->pid);
		client_close(d, c);
	}
}

void
client_send(struct daemon *d, struct client *c, const struct sa_buf *b)
{
	client_queue(d, c, b);
	if (!c->dead)
		client_flush(d, c);
}

void
server_flush_all(struct daemon *d)
{
	for (struct client *c = d->clients, *n; c; c = n) {
		n = c->next;
		if (c->out.len > c->out_off) {
			client_flush(d, c);
		}
	}
}

void
client_set_closing(struct client *c)
{
	c->closing = true;
}

void
client_reply(struct daemon *d, struct client *c, const struct sa_buf *b,
	     bool fatal)
{
	if (c->dead)
		return;
	if (fatal)
		c->stopped = true;
	/* Replies leave in frame order: behind frames still awaiting their
	 * acknowledgement, this one waits its turn (docs/PROTOCOL.md §4). */
	if (c->inflight > 0) {
		if (commit_defer_reply(d, c, b, fatal) == 0)
			return;
		log_warnx("client pid %ld: out of memory for a reply",
			  (long)c->pid);
		client_close(d, c);
		return;
	}
	if (fatal)
		c->closing = true;
	client_send(d, c, b);
}

void
client_send_error(struct daemon *d, struct client *c, uint32_t id, bool fatal,
		  const struct sa_proto_err *e)
{
	struct sa_buf b = SA_BUF_INIT;
	if (sa_proto_put_error(&b, id, fatal, e) == 0)
		client_reply(d, c, &b, fatal);
	sa_buf_free(&b);
}

static void
fatal_error(struct daemon *d, struct client *c, uint32_t id, int code,
	    const char *msg)
{
	struct sa_proto_err e = {.code = code, .index = SA_PROTO_NO_INDEX};
	snprintf(e.message, sizeof e.message, "%s", msg);
	log_info("client pid %ld uid %ld: %s; disconnecting", (long)c->pid,
		 (long)c->uid, msg);
	client_send_error(d, c, id, true, &e);
}

/* Parses and dispatches every complete frame in the input buffer. */
static void
process_input(struct daemon *d, struct client *c)
{
	size_t off = 0;
	while (!c->dead && !c->closing && !c->stopped &&
	       c->inflight < MAX_INFLIGHT && c->in_len - off >= SA_PROTO_HDR) {
		struct sa_proto_hdr h;
		int rc =
		    sa_proto_get_hdr(c->in + off, d->conf.max_frame_bytes, &h);
		if (rc < 0) {
			const uint8_t *p = c->in + off;
			uint32_t len = (uint32_t)p[12] | (uint32_t)p[13] << 8 |
				       (uint32_t)p[14] << 16 |
				       (uint32_t)p[15] << 24;
			char msg[160];
			if (memcmp(p, SA_PROTO_MAGIC, 4) != 0)
				snprintf(msg, sizeof msg,
					 "not a seaudit frame at stream offset "
					 "%zu (bad magic)",
					 off);
			else if (len > d->conf.max_frame_bytes)
				snprintf(
				    msg, sizeof msg,
				    "frame of %u bytes exceeds max_frame_bytes "
				    "%u",
				    len, d->conf.max_frame_bytes);
			else
				snprintf(msg, sizeof msg,
					 "frame type 0x%02x or reserved bytes "
					 "not valid",
					 p[4]);
			fatal_error(d, c, 0, SA_EPROTO, msg);
			break;
		}
		if (c->paused && h.type != SA_PROTO_QUERY)
			break; /* records wait until the block lifts */
		if (c->in_len - off < SA_PROTO_HDR + (size_t)h.len)
			break; /* wait for the rest */
		const uint8_t *payload = c->in + off + SA_PROTO_HDR;
		off += SA_PROTO_HDR + h.len;
		d->st.frames++;
		switch (h.type) {
		case SA_PROTO_RECORDS:
			commit_frame(d, c, h.id, payload, h.len);
			break;
		case SA_PROTO_QUERY:
			status_reply(d, c, h.id);
			break;
		default:
			fatal_error(d, c, h.id, SA_EPROTO,
				    "frame type not accepted from a producer");
			break;
		}
	}
	if (c->dead)
		return;
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void
client_read(struct daemon *d, struct client *c)
{
	size_t want = SA_PROTO_HDR + d->conf.max_frame_bytes;
	for (int rounds = 0; rounds < 8 && !c->dead; rounds++) {
		if (c->in_cap - c->in_len < 65536 && c->in_cap < want) {
			size_t ncap = c->in_cap ? c->in_cap * 2 : 65536;
			if (ncap > want)
				ncap = want;
			uint8_t *n = realloc(c->in, ncap);
			if (n == NULL) {
				log_warnx("client pid %ld: out of memory",
					  (long)c->pid);
				client_close(d, c);
				return;
			}
			c->in = n;
			c->in_cap = ncap;
		}
		if (c->in_len == c->in_cap) {
			process_input(d, c);
			if (c->in_len == c->in_cap)
				return; /* paused with a full buffer */
			continue;
		}
		ssize_t n =
		    recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0)
			c->last_ms = ev_now_ms();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				/* The callback's reference keeps c; not
				 * touching it after the close says so to
				 * the compiler too. */
				client_close(d, c);
				return;
			}
			break;
		}
		if (n == 0) {
			if (c->in_len > 0 && !c->closing)
				log_info("client pid %ld: connection closed "
					 "inside a frame (%zu bytes dropped)",
					 (long)c->pid, c->in_len);
			client_close(d, c);
			return;
		}
		c->in_len += (size_t)n;
		process_input(d, c);
		if ((size_t)n < 65536 || records_waiting(c))
			break;
	}
	if (!c->dead)
		client_interest(d, c);
}

/*
 * The connection limits (seauditd.ini(5)): a local user holding
 * connections must not lock out root's producers or `seaudit -status`.
 * Root and producer_group may use all of max_clients; anyone else at
 * most max_clients - reserved_clients in all and max_clients_per_uid per
 * uid.  c is already counted.
 */
static bool
too_many(struct daemon *d, struct client *c, char *why, size_t cap)
{
	const struct conf *k = &d->conf;
	if (d->nclients > k->max_clients) {
		snprintf(why, cap, "too many clients (max_clients %u)",
			 k->max_clients);
		return true;
	}
	if (c->privileged)
		return false;
	unsigned open = k->max_clients > k->reserved_clients
			    ? k->max_clients - k->reserved_clients
			    : 0;
	if (d->nclients > open) {
		snprintf(why, cap,
			 "too many clients for unprivileged producers (%u of"
			 " max_clients %u are kept for root and"
			 " producer_group)",
			 k->reserved_clients, k->max_clients);
		return true;
	}
	unsigned mine = 0;
	for (struct client *o = d->clients; o; o = o->next)
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

/* Once a second: unprivileged connections idle for idle_timeout go. */
static void
on_idle_check(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	uint64_t now = ev_now_ms(), limit = d->conf.idle_timeout_s * 1000ull;
	if (limit == 0)
		return;
	for (struct client *c = d->clients, *n; c; c = n) {
		n = c->next;
		if (c->dead || c->privileged || c->closing || c->stopped ||
		    c->inflight > 0 || c->out.len > c->out_off ||
		    now - c->last_ms < limit)
			continue;
		d->st.clients_timed_out++;
		log_info("client pid %ld uid %ld: idle for %u s; disconnecting",
			 (long)c->pid, (long)c->uid, d->conf.idle_timeout_s);
		client_close(d, c);
	}
}

static void
on_accept(struct ev_loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)ev;
	struct daemon *d = arg;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("accept");
			return;
		}
		struct ucred cr;
		socklen_t crl = sizeof cr;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) < 0) {
			log_warn("SO_PEERCRED");
			close(cfd);
			continue;
		}
		struct client *c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->d = d;
		c->pid = cr.pid;
		c->uid = cr.uid;
		client_identify(d, c, cr.gid);
		c->refs = 1;
		c->prev = NULL; /* the new head */
		c->next = d->clients;
		if (d->clients)
			d->clients->prev = c;
		d->clients = c;
		d->nclients++;
		c->last_ms = ev_now_ms();
		char busy[160];
		if (too_many(d, c, busy, sizeof busy)) {
			struct sa_proto_err e = {.code = SA_EBUSY,
						 .index = SA_PROTO_NO_INDEX};
			snprintf(e.message, sizeof e.message, "%s", busy);
			d->st.clients_refused++;
			log_warnx("client pid %ld uid %ld refused: %s",
				  (long)c->pid, (long)c->uid, busy);
			if (ev_add_fd(d->loop, cfd, EV_WRITE, on_client, c) ==
			    0)
				client_send_error(d, c, 0, true, &e);
			else
				client_close(d, c);
			continue;
		}
		c->paused = d->state == ST_BLOCKING;
		if (ev_add_fd(d->loop, cfd, EV_READ, on_client, c) < 0) {
			log_warn("registering a client");
			client_close(d, c); /* freed by server_reap */
		}
	}
}

static void
on_client(struct ev_loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)fd;
	struct client *c = arg;
	struct daemon *d = c->d;
	/* c lives at least until server_reap, after this callback. */
	if (ev & EV_WRITE)
		client_flush(d, c);
	if (!c->dead && (ev & (EV_READ | EV_ERROR)))
		client_read(d, c);
}

void
server_pause_all(struct daemon *d, bool pause)
{
	for (struct client *c = d->clients, *n; c; c = n) {
		n = c->next;
		c->paused = pause;
		client_interest(d, c);
		if (!pause && c->in_len > 0) {
			process_input(d, c);
			client_interest(d, c);
		}
	}
}

void
server_reap(struct daemon *d)
{
	/* Clients whose backlog cleared can be read again. */
	for (struct client *c = d->clients; c; c = c->next)
		if (!c->paused && c->in_len >= SA_PROTO_HDR) {
			process_input(d, c);
			client_interest(d, c);
		}
	/* Closed connections no pending reply refers to any more. */
	for (struct client **pp = &d->graveyard, *c; (c = *pp) != NULL;) {
		if (c->refs > 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		client_free(c);
	}
}

/*
 * The socket's group first (socket_group, else the daemon's own group, so
 * that removing the key at a reload gives it back), then its mode: the
 * mode never opens the socket to a group it was not meant for.  The
 * socket is the daemon's own, just bound or still listening; lchown
 * because a symbolic link put in its place must not be followed.
 * Connections already accepted keep going: permissions are checked at
 * connect(2) only.
 */
int
server_socket_perms(const struct daemon *d)
{
	const char *path = d->conf.socket;
	gid_t gid = d->conf.socket_group[0] ? d->conf.socket_gid : getegid();
	if (lchown(path, (uid_t)-1, gid) < 0) {
		int e = errno;
		if (d->conf.socket_group[0])
			log_warnx("%s: cannot give the socket to group %s "
				  "(socket_group): %s",
				  path, d->conf.socket_group, strerror(e));
		else
			log_warnx("%s: cannot give the socket to the daemon's "
				  "group %ld: %s",
				  path, (long)gid, strerror(e));
		return -e;
	}
	if (chmod(path, d->conf.socket_mode) < 0) {
		int e = errno;
		log_warnx("%s: cannot set socket_mode %04o: %s", path,
			  (unsigned)d->conf.socket_mode, strerror(e));
		return -e;
	}
	return 0;
}

int
server_listen(struct daemon *d)
{
	const char *path = d->conf.socket;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path) {
		log_warnx("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	/* Parent directory, for the default /run/seaudit and friends. */
	char dir[sizeof sun.sun_path];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_warn("mkdir %s", dir);
			return -errno;
		}
	}
	/*
	 * Only a socket may be replaced: a socket left by a crash (connect
	 * refused) is removed, a live one is not.  Anything else at the path
	 * (a regular file, a directory: a typo in "socket =") is refused by
	 * name and never deleted, since as root unlink would remove any file.
	 */
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		log_warnx("%s: exists and is %s, not a socket; refusing to "
			  "replace it",
			  path,
			  S_ISDIR(st.st_mode)	? "a directory"
			  : S_ISREG(st.st_mode) ? "a regular file"
			  : S_ISLNK(st.st_mode) ? "a symbolic link"
						: "a special file");
		return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0) {
			close(probe);
			log_warnx("%s: another seauditd is listening", path);
			return -EADDRINUSE;
		}
		if (errno == ECONNREFUSED)
			unlink(path);
		close(probe);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bound 0600, so that nobody connects before it has its group and
	 * mode. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0) {
		rc = -errno;
		log_warn("%s", path);
		close(fd);
		return rc;
	}
	if ((rc = server_socket_perms(d)) < 0 || listen(fd, 1024) < 0) {
		if (rc == 0) {
			rc = -errno;
			log_warn("%s", path);
		}
		unlink(path);
		close(fd);
		return rc;
	}
	if ((rc = ev_add_fd(d->loop, fd, EV_READ, on_accept, d)) < 0) {
		close(fd);
		return rc;
	}
	d->listen_fd = fd;
	if (d->idle_timer <= 0)
		d->idle_timer =
		    ev_add_timer(d->loop, 1000, true, on_idle_check, d);
	return 0;
}

void
server_close(struct daemon *d)
{
	if (d->listen_fd >= 0) {
		ev_del_fd(d->loop, d->listen_fd);
		close(d->listen_fd);
		unlink(d->conf.socket);
		d->listen_fd = -1;
	}
	/*
	 * Replies still queued (the last batch's acknowledgements, more than
	 * the socket took at once) are delivered before the connection
	 * closes: a record in the log is never left unacknowledged to a
	 * producer that reads its replies.  One that does not read cannot
	 * hold the exit for more than CLOSE_FLUSH_MS in all.
	 */
	uint64_t deadline = ev_now_ms() + CLOSE_FLUSH_MS;
	while (d->clients) {
		struct client *c = d->clients;
		client_flush(d, c);
		while (d->clients == c && c->out_off < c->out.len) {
			uint64_t now = ev_now_ms();
			if (now >= deadline)
				break;
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			if (poll(&p, 1, (int)(deadline - now)) < 0 &&
			    errno != EINTR)
				break;
			client_flush(d, c);
		}
		if (d->clients == c) {
			if (c->out_off < c->out.len)
				log_warnx("client pid %ld: %zu reply bytes not "
					  "delivered at exit",
					  (long)c->pid,
					  c->out.len - c->out_off);
			client_close(d, c);
		}
	}
	/* commit_finish acknowledged every pending frame: no reply refers
	 * to a closed client now, and the reaper frees them all. */
	server_reap(d);
}
