/*
 * client.c - the producer side of the writer daemon's protocol
 * (include/seaudit/client.h, docs/PROTOCOL.md).
 *
 * One non-blocking SOCK_STREAM Unix socket per client, two byte queues and
 * a list of frames awaiting their reply:
 *
 *  - `out`: encoded frames not yet taken by the socket, [out_off, len).
 *    Frames are whole in the queue and leave it in order, so the stream
 *    the daemon reads is always a sequence of complete frames; a frame
 *    partly written is finished by the next write whatever happens to its
 *    caller.  send(2) uses MSG_NOSIGNAL: a dead daemon is -EPIPE, never a
 *    SIGPIPE that would kill a login service.
 *  - `in`: received bytes, [in_off, in_len); replies are parsed from it
 *    only when complete, so reading is incremental and a reply may arrive
 *    in any number of pieces.  Its growth is bounded by the largest frame
 *    accepted (SA_PROTO_HDR + SA_PROTO_MAX_PAYLOAD).
 *  - `pend`: the frames sent (or queued) whose reply has not come, in
 *    sending order, each marked by who wants the reply: the non-blocking
 *    caller (ASYNC: returned by sa_client_poll), the blocking call now
 *    waiting (SYNC), or nobody any more (ABANDONED: a blocking call that
 *    timed out; its late reply is read and dropped).
 *  - `stash`: replies to ASYNC frames that arrived while a blocking call
 *    was waiting for its own; sa_client_poll hands them out first, in
 *    arrival order.  Bounded by the number of ASYNC frames outstanding.
 *
 * Replies are matched by request id against `pend`; the daemon answers in
 * frame order, but the match does not rely on it.  A reply that matches no
 * frame is a protocol violation (SA_EPROTO, connection unusable), except a
 * fatal 'E' (the daemon closing the connection, e.g. SA_EBUSY at accept
 * with id 0), which ends the connection with its code.
 *
 * Errors: `err` is sticky; once set, the connection is unusable and every
 * call returns it (sa_client_poll first hands out what was stashed).  The
 * read side is drained even after a write failed, because the daemon's
 * last words (a fatal 'E') say more than -EPIPE.  Blocking calls measure
 * their deadline on CLOCK_MONOTONIC.  Request ids start at 1 and skip 0
 * on wrapping: 0 is the daemon's id for errors tied to no frame.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/client.h>
#include <seaudit/error.h>

#define IN_CHUNK ((size_t)64 * 1024)
#define IN_MAX ((size_t)SA_PROTO_HDR + SA_PROTO_MAX_PAYLOAD)

enum pend_kind { PEND_ASYNC, PEND_SYNC, PEND_ABANDONED };

struct pend {
	uint32_t id;
	uint8_t type; /* frame sent: 'R' or 'Q' */
	uint8_t kind; /* enum pend_kind */
};

struct sa_client {
	int fd;
	int err;    /* sticky: 0 while usable */
	bool rdead; /* nothing more will be read (EOF, fatal E, garbage) */
	bool stop;  /* nothing more will be parsed (fatal E, garbage) */
	int rerr;   /* how the read side ended (0: clean EOF) */
	uint32_t next_id;
	char path[SA_SOCKET_PATH_MAX]; /* where it is connected */

	struct sa_buf out;
	size_t out_off;

	uint8_t *in;
	size_t in_off, in_len, in_cap;

	struct pend *pend; /* [pend_head, npend) */
	size_t pend_head, npend, pend_cap;

	struct sa_client_reply *stash; /* [stash_head, nstash) */
	size_t stash_head, nstash, stash_cap;

	/*
	 * A partial ack's refusal map is copied out of `in` (which moves):
	 * each stashed reply owns its copy; the one handed to the caller
	 * lives in `given` until the next call.
	 */
	uint8_t *given;
};

/* The map of a reply, mutable for freeing (the struct says const). */
static uint8_t *
map_of(const struct sa_client_reply *r)
{
	return (uint8_t *)(uintptr_t)r->ack.refused_map;
}

/* Hands `r` to the caller: its map now lives until the next call. */
static void
give(struct sa_client *c, const struct sa_client_reply *r)
{
	uint8_t *m = map_of(r);
	if (m != c->given) {
		free(c->given);
		c->given = m;
	}
}

/* ---- default paths ---------------------------------------------------- */

/* a then b into buf, or -ENAMETOOLONG. */
static int
join(char *buf, size_t cap, const char *a, const char *b)
{
	int n = snprintf(buf, cap, "%s%s", a, b);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

int
sa_system_socket(char *buf, size_t cap)
{
	const char *v = env_nonempty("SEAUDIT_SYSTEM_SOCKET");
	return join(buf, cap, v != NULL ? v : "/run/seaudit/seauditd.sock", "");
}

int
sa_user_socket(char *buf, size_t cap)
{
	const char *v = env_nonempty("XDG_RUNTIME_DIR");
	/* The XDG spec: relative values are invalid and to be ignored. */
	if (v != NULL && v[0] == '/')
		return join(buf, cap, v, "/seaudit/seauditd.sock");
	char tmp[64];
	snprintf(tmp, sizeof tmp, "/tmp/seaudit-%lu", (unsigned long)geteuid());
	return join(buf, cap, tmp, "/seauditd.sock");
}

/* The default sockets, in the order a client tries them (client.h). */
struct sa_sockets {
	size_t n; /* 1 or 2 */
	char path[2][SA_SOCKET_PATH_MAX];
};

static int
default_sockets(struct sa_sockets *s)
{
	int rc;
	memset(s, 0, sizeof *s);
	const char *v = env_nonempty("SEAUDIT_SOCKET");
	if (v != NULL) {
		rc = join(s->path[0], sizeof s->path[0], v, "");
		s->n = 1;
	} else if (geteuid() == 0) {
		rc = sa_system_socket(s->path[0], sizeof s->path[0]);
		s->n = 1;
	} else {
		rc = sa_user_socket(s->path[0], sizeof s->path[0]);
		if (rc == 0)
			rc = sa_system_socket(s->path[1], sizeof s->path[1]);
		s->n = 2;
	}
	return rc;
}

/*
 * May a client that was given no path use the per-user socket `path`?
 * Only the user's own: a socket of its euid, in a directory of its euid
 * that nobody else may write.  /tmp/seaudit-<uid> can be made by anyone
 * first; a socket there that another user controls would receive records
 * meant for the system daemon.  lstat: a symbolic link is not followed.
 */
static bool
own_socket(const char *path)
{
	struct stat st;
	uid_t me = geteuid();
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != me)
		return false;
	char dir[SA_SOCKET_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return false;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == me &&
	       (st.st_mode & 022) == 0;
}

/* Does the n-th default socket hold something a client may try? */
static bool
usable(const struct sa_sockets *s, size_t i)
{
	struct stat st;
	if (s->n == 2 && i == 0)
		return own_socket(s->path[0]);
	return stat(s->path[i], &st) == 0 && S_ISSOCK(st.st_mode);
}

int
sa_default_socket(char *buf, size_t cap)
{
	struct sa_sockets s;
	int rc = default_sockets(&s);
	if (rc < 0)
		return rc;
	size_t i = 0;
	while (i + 1 < s.n && !usable(&s, i))
		i++;
	return join(buf, cap, s.path[i], "");
}

int
sa_socket_describe(const char *path, char *buf, size_t cap)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	char owner[64], group[64];
	/* The _r forms: a library must not clobber the static buffers. */
	struct passwd pw, *pr = NULL;
	struct group gr, *gres = NULL;
	char nb[4096];
	if (getpwuid_r(st.st_uid, &pw, nb, sizeof nb, &pr) == 0 && pr != NULL)
		snprintf(owner, sizeof owner, "%s", pw.pw_name);
	else
		snprintf(owner, sizeof owner, "%lu", (unsigned long)st.st_uid);
	if (getgrgid_r(st.st_gid, &gr, nb, sizeof nb, &gres) == 0 &&
	    gres != NULL)
		snprintf(group, sizeof group, "%s", gr.gr_name);
	else
		snprintf(group, sizeof group, "%lu", (unsigned long)st.st_gid);
	snprintf(buf, cap, "mode %04o, owner %s, group %s",
		 (unsigned)(st.st_mode & 07777), owner, group);
	return 0;
}

int
sa_user_log_dir(char *buf, size_t cap)
{
	const char *xdg = env_nonempty("XDG_STATE_HOME");
	if (xdg != NULL && xdg[0] == '/')
		return join(buf, cap, xdg, "/seaudit/log");
	const char *home = env_nonempty("HOME");
	if (home != NULL)
		return join(buf, cap, home, "/.local/state/seaudit/log");
	/* getpwuid_r: a library must not clobber getpwuid's static buffer. */
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 ||
	    res == NULL || pw.pw_dir == NULL || pw.pw_dir[0] == '\0')
		return -ENOENT;
	return join(buf, cap, pw.pw_dir, "/.local/state/seaudit/log");
}

int
sa_default_log_dir(char *buf, size_t cap)
{
	const char *v = env_nonempty("SEAUDIT_LOG");
	if (v != NULL)
		return join(buf, cap, v, "");
	if (geteuid() == 0)
		return join(buf, cap, "/var/log/seaudit", "");
	return sa_user_log_dir(buf, cap);
}

/* ---- time ------------------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -1 for no deadline (timeout_ms < 0: wait as long as it takes). */
static int64_t
deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
}

/* Milliseconds left for poll(2): -1 forever, 0 when passed. */
static int
left_ms(int64_t deadline)
{
	if (deadline < 0)
		return -1;
	int64_t d = deadline - mono_ms();
	return d <= 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

/* ---- connect ---------------------------------------------------------- */

/* One connection attempt to `path`, until `deadline`. */
static int
connect_path(struct sa_client **out, const char *path, int64_t deadline)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof sun.sun_path)
		return path[0] == '\0' ? -EINVAL : -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	long backoff_us = 1000;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EINPROGRESS) {
			/* Not what Linux does for AF_UNIX, but allowed. */
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			int n;
			while ((n = poll(&p, 1, left_ms(deadline))) < 0 &&
			       errno == EINTR)
				;
			socklen_t sl = sizeof e;
			if (n == 0)
				e = ETIMEDOUT;
			else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
						     &e, &sl) < 0)
				e = errno;
			if (e == 0)
				break;
		} else if (e == EAGAIN) {
			/*
			 * The daemon's backlog is full.  A Unix socket cannot
			 * be polled for that: retry with a growing pause.
			 */
			int left = left_ms(deadline);
			if (left != 0) {
				long us = backoff_us;
				if (left > 0 && us > (long)left * 1000)
					us = (long)left * 1000;
				struct timespec ts = {us / 1000000,
						      (us % 1000000) * 1000};
				nanosleep(&ts, NULL);
				if (backoff_us < 50000)
					backoff_us *= 2;
				continue;
			}
			e = ETIMEDOUT;
		}
		close(fd);
		return -e;
	}

	struct sa_client *c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->next_id = 1;
	memcpy(c->path, path, strlen(path) + 1);
	*out = c;
	return 0;
}

int
sa_client_connect(struct sa_client **out, const char *path, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);

	*out = NULL;
	if (path != NULL)
		return connect_path(out, path, deadline);
	struct sa_sockets s;
	int rc = default_sockets(&s);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s.n; i++) {
		/* A per-user socket that is not the user's own is never
		 * tried: it is as good as missing (client.h). */
		if (s.n == 2 && i == 0 && !own_socket(s.path[0])) {
			rc = -ENOENT;
			continue;
		}
		rc = connect_path(out, s.path[i], deadline);
		/* Only "no daemon there" passes on: a daemon that refused
		 * (-EACCES) or is slow (-ETIMEDOUT) is the one meant. */
		if (rc != -ENOENT && rc != -ECONNREFUSED)
			break;
	}
	return rc;
}

const char *
sa_client_socket(const struct sa_client *c)
{
	return c->path;
}

void
sa_client_connect_error(char *buf, size_t cap, const char *path, int rc)
{
	struct sa_sockets s;
	/* What was tried, joined with " or " (two paths that fit sun_path
	 * always fit). */
	char both[2 * SA_SOCKET_PATH_MAX + 8];
	const char *tried = path;
	if (tried == NULL && default_sockets(&s) == 0) {
		if (s.n == 1)
			tried = s.path[0];
		else {
			snprintf(both, sizeof both, "%s or %s", s.path[0],
				 s.path[1]);
			tried = both;
		}
	} else if (tried == NULL) {
		tried = "(no path)";
	}
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		snprintf(buf, cap, "no writer daemon at %s (%s)", tried,
			 sa_strerror(rc));
		return;
	}
	if (rc == -EACCES) {
		/* The socket that refused: the first one a daemon was at. */
		char at[SA_SOCKET_PATH_MAX], who[200];
		if (path != NULL)
			snprintf(at, sizeof at, "%s", path);
		else if (sa_default_socket(at, sizeof at) < 0)
			at[0] = '\0'; /* sa_socket_describe fails on it */
		if (sa_socket_describe(at, who, sizeof who) < 0)
			snprintf(who, sizeof who, "permissions unknown");
		snprintf(buf, cap,
			 "not allowed to connect to the writer daemon at %s "
			 "(socket %s)",
			 at, who);
		return;
	}
	snprintf(buf, cap, "cannot reach the writer daemon at %s: %s", tried,
		 sa_strerror(rc));
}

void
sa_client_close(struct sa_client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	sa_buf_free(&c->out);
	free(c->in);
	free(c->pend);
	for (size_t i = c->stash_head; i < c->nstash; i++)
		free(map_of(&c->stash[i]));
	free(c->stash);
	free(c->given);
	free(c);
}

int
sa_client_fd(const struct sa_client *c)
{
	return c->fd;
}

size_t
sa_client_pending(const struct sa_client *c)
{
	return c->out.len - c->out_off;
}

/* ---- bookkeeping ------------------------------------------------------ */

static uint32_t
take_id(struct sa_client *c)
{
	uint32_t id = c->next_id++;
	if (c->next_id == 0)
		c->next_id = 1;
	return id;
}

static int
pend_push(struct sa_client *c, uint32_t id, uint8_t type, uint8_t kind)
{
	if (c->npend == c->pend_cap && c->pend_head > 0) {
		memmove(c->pend, c->pend + c->pend_head,
			(c->npend - c->pend_head) * sizeof *c->pend);
		c->npend -= c->pend_head;
		c->pend_head = 0;
	}
	if (c->npend == c->pend_cap) {
		size_t ncap = c->pend_cap ? c->pend_cap * 2 : 16;
		struct pend *p = realloc(c->pend, ncap * sizeof *p);
		if (p == NULL)
			return -ENOMEM;
		c->pend = p;
		c->pend_cap = ncap;
	}
	c->pend[c->npend++] = (struct pend){id, type, kind};
	return 0;
}

/* Index of the pending frame with this id, or SIZE_MAX. */
static size_t
pend_find(const struct sa_client *c, uint32_t id)
{
	/* Replies come in order: the match is almost always the first. */
	for (size_t i = c->pend_head; i < c->npend; i++)
		if (c->pend[i].id == id)
			return i;
	return SIZE_MAX;
}

static void
pend_remove(struct sa_client *c, size_t i)
{
	if (i == c->pend_head) {
		c->pend_head++;
	} else {
		memmove(c->pend + i, c->pend + i + 1,
			(c->npend - i - 1) * sizeof *c->pend);
		c->npend--;
	}
	if (c->pend_head == c->npend)
		c->pend_head = c->npend = 0;
}

static int
stash_push(struct sa_client *c, const struct sa_client_reply *r)
{
	if (c->nstash == c->stash_cap && c->stash_head > 0) {
		memmove(c->stash, c->stash + c->stash_head,
			(c->nstash - c->stash_head) * sizeof *c->stash);
		c->nstash -= c->stash_head;
		c->stash_head = 0;
	}
	if (c->nstash == c->stash_cap) {
		size_t ncap = c->stash_cap ? c->stash_cap * 2 : 8;
		struct sa_client_reply *p = realloc(c->stash, ncap * sizeof *p);
		if (p == NULL)
			return -ENOMEM;
		c->stash = p;
		c->stash_cap = ncap;
	}
	c->stash[c->nstash++] = *r;
	return 0;
}

static bool
stash_pop(struct sa_client *c, struct sa_client_reply *r)
{
	if (c->stash_head == c->nstash)
		return false;
	*r = c->stash[c->stash_head++];
	give(c, r);
	if (c->stash_head == c->nstash)
		c->stash_head = c->nstash = 0;
	return true;
}

/* ---- the wire --------------------------------------------------------- */

/* Ends the connection with `code` unless it already has an error. */
static int
fail(struct sa_client *c, int code)
{
	if (c->err == 0)
		c->err = code;
	return c->err;
}

/*
 * Writes what the socket takes now: 0 when the queue is empty, -EAGAIN
 * when bytes remain, or the connection error (sticky).
 */
static int
write_some(struct sa_client *c)
{
	if (c->err != 0)
		return c->err;
	while (c->out_off < c->out.len) {
		ssize_t n =
		    send(c->fd, c->out.data + c->out_off,
			 c->out.len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return fail(c, -errno);
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		sa_buf_reset(&c->out);
		c->out_off = 0;
		return 0;
	}
	/* Keep the queue from creeping through memory. */
	if (c->out_off >= IN_CHUNK && c->out_off >= c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->out_off,
			c->out.len - c->out_off);
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
	return -EAGAIN;
}

/*
 * One read of what the socket has now.  EOF and read errors end the read
 * side (rdead, rerr) but are not reported here: complete frames already
 * buffered are still to be parsed, and the caller decides when the
 * connection's end becomes its error.
 */
static void
fill(struct sa_client *c)
{
	if (c->rdead)
		return;
	if (c->in_off > 0 && c->in_cap - c->in_len < IN_CHUNK) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_cap - c->in_len < IN_CHUNK / 4) {
		size_t ncap = c->in_cap ? c->in_cap * 2 : IN_CHUNK;
		if (ncap > IN_MAX + IN_CHUNK)
			ncap = IN_MAX + IN_CHUNK;
		if (ncap > c->in_cap) {
			uint8_t *p = realloc(c->in, ncap);
			if (p == NULL) {
				fail(c, -ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = ncap;
		}
	}
	if (c->in_len == c->in_cap)
		return; /* full of complete frames: parse them first */
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += (size_t)n;
			return;
		}
		if (n == 0) {
			c->rdead = true;
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->rdead = true;
			c->rerr = -errno;
		}
		return;
	}
}

/* The read side ended with nothing left to parse: the connection's end. */
static int
read_end(struct sa_client *c)
{
	return fail(c, c->rerr != 0 ? c->rerr : -ECONNRESET);
}

/*
 * Handles one complete reply frame.  Returns 1 with *rep filled when the
 * reply is for the caller (the blocking call waiting for `want`, or, when
 * want == 0, sa_client_poll), 0 when it went to the stash or was dropped,
 * or an error.  An 'S' for the waiting query is appended to status_out.
 */
static int
take_frame(struct sa_client *c, const struct sa_proto_hdr *h,
	   const uint8_t *payload, uint32_t want, struct sa_client_reply *rep,
	   struct sa_buf *status_out)
{
	struct sa_client_reply r;
	bool fatal = false;

	memset(&r, 0, sizeof r);
	r.type = h->type;
	r.id = h->id;
	if (h->type == SA_PROTO_ACK) {
		if (sa_proto_get_ack(payload, h->len, &r.ack) < 0)
			goto garbage;
		if (r.ack.refused_map != NULL) {
			size_t n =
			    ((size_t)r.ack.count + r.ack.refused + 7) / 8;
			uint8_t *m = malloc(n);
			if (m == NULL)
				return fail(c, -ENOMEM);
			memcpy(m, r.ack.refused_map, n);
			r.ack.refused_map = m;
		}
	} else if (h->type == SA_PROTO_ERROR) {
		if (sa_proto_get_error(payload, h->len, &r.err) < 0)
			goto garbage;
		fatal = (h->flags & SA_PROTO_F_FATAL) != 0;
	} else if (h->type != SA_PROTO_STATUS) {
		goto garbage; /* 'R' or 'Q' from the daemon */
	}

	size_t i = pend_find(c, h->id);
	if (i == SIZE_MAX) {
		/* Only the daemon's last words may answer no frame. */
		if (!fatal)
			goto garbage;
		c->rdead = c->stop = true;
		c->err = r.err.code;
		*rep = r;
		give(c, &r);
		return 1;
	}
	struct pend p = c->pend[i];
	bool fits =
	    p.type == SA_PROTO_QUERY
		? h->type == SA_PROTO_STATUS || h->type == SA_PROTO_ERROR
		: h->type == SA_PROTO_ACK || h->type == SA_PROTO_ERROR;
	if (!fits)
		goto garbage;
	pend_remove(c, i);
	if (fatal) {
		c->rdead = c->stop = true;
		c->err = r.err.code;
	}
	switch (p.kind) {
	case PEND_ASYNC:
		if (want == 0) {
			*rep = r;
			give(c, &r);
			return 1;
		}
		if (stash_push(c, &r) < 0) {
			free(map_of(&r));
			return fail(c, -ENOMEM);
		}
		return 0;
	case PEND_SYNC:
		if (h->type == SA_PROTO_STATUS && status_out != NULL &&
		    sa_buf_append(status_out, payload, h->len) < 0) {
			free(map_of(&r));
			return -ENOMEM;
		}
		*rep = r;
		give(c, &r);
		return 1;
	default:
		free(map_of(&r));
		return 0; /* its caller gave up on it */
	}
garbage:
	/* An 'A' copied its map before it turned out to answer nothing. */
	free(map_of(&r));
	c->rdead = c->stop = true;
	c->err = SA_EPROTO;
	return SA_EPROTO;
}

/*
 * Parses the complete frames buffered, until one is for the caller (1,
 * *rep), none is left (0), or an error.  Waits for more bytes by
 * returning 0 with the partial frame kept.
 */
static int
pump(struct sa_client *c, uint32_t want, struct sa_client_reply *rep,
     struct sa_buf *status_out)
{
	while (!c->stop) {
		size_t avail = c->in_len - c->in_off;
		if (avail < SA_PROTO_HDR)
			return 0;
		struct sa_proto_hdr h;
		if (sa_proto_get_hdr(c->in + c->in_off, SA_PROTO_MAX_PAYLOAD,
				     &h) < 0) {
			c->rdead = c->stop = true;
			c->err = SA_EPROTO;
			return SA_EPROTO;
		}
		if (avail - SA_PROTO_HDR < h.len)
			return 0;
		const uint8_t *payload = c->in + c->in_off + SA_PROTO_HDR;
		c->in_off += SA_PROTO_HDR + h.len;
		int rc = take_frame(c, &h, payload, want, rep, status_out);
		if (c->in_off == c->in_len)
			c->in_off = c->in_len = 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Waits until the reply to `want` arrives (1), the deadline passes
 * (-ETIMEDOUT) or the connection fails.  Queued bytes are written
 * meanwhile, and replies read while writing, so that a daemon that stops
 * reading until its replies are read cannot deadlock with us.
 */
static int
wait_reply(struct sa_client *c, uint32_t want, int64_t deadline,
	   struct sa_client_reply *rep, struct sa_buf *status_out)
{
	for (;;) {
		int rc = pump(c, want, rep, status_out);
		if (rc != 0)
			return rc;
		if (c->rdead)
			return read_end(c);
		if (c->err == 0 && c->out_off < c->out.len) {
			rc = write_some(c);
			if (rc < 0 && rc != -EAGAIN) {
				/* Its last words, if it said any. */
				fill(c);
				rc = pump(c, want, rep, status_out);
				return rc != 0 ? rc : c->err;
			}
		}
		int tmo = left_ms(deadline);
		if (tmo == 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (c->out_off < c->out.len)
			p.events |= POLLOUT;
		int n = poll(&p, 1, tmo);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
			fill(c);
	}
}

/*
 * The caller of a blocking call stops waiting for frame `id` (of `flen`
 * bytes, the last queued).  If none of its bytes left, it is taken back:
 * the daemon never sees it.  Otherwise its reply, if any, will be
 * dropped when it comes.
 */
static void
abandon(struct sa_client *c, uint32_t id, size_t flen)
{
	size_t i = pend_find(c, id);
	if (i == SIZE_MAX)
		return;
	if (c->err == 0 && c->out.len - c->out_off >= flen &&
	    i + 1 == c->npend) {
		c->out.len -= flen;
		if (c->out.len == c->out_off) {
			sa_buf_reset(&c->out);
			c->out_off = 0;
		}
		pend_remove(c, i);
		return;
	}
	c->pend[i].kind = PEND_ABANDONED;
}

/* ---- the calls -------------------------------------------------------- */

int
sa_client_send(struct sa_client *c, const struct sa_record *recs, size_t n,
	       uint32_t *id)
{
	if (c->err != 0)
		return c->err;
	size_t before = c->out.len;
	uint32_t rid = c->next_id;
	int rc = sa_proto_put_records(&c->out, rid, recs, n, NULL);
	if (rc < 0)
		return rc;
	if ((rc = pend_push(c, rid, SA_PROTO_RECORDS, PEND_ASYNC)) < 0) {
		/* Take the frame back: the queue holds whole frames only. */
		c->out.len = before;
		return rc;
	}
	take_id(c);
	if (id != NULL)
		*id = rid;
	return 0;
}

int
sa_client_flush(struct sa_client *c)
{
	return write_some(c);
}

int
sa_client_poll(struct sa_client *c, struct sa_client_reply *rep)
{
	if (stash_pop(c, rep))
		return 1;
	int rc = pump(c, 0, rep, NULL);
	if (rc != 0)
		return rc;
	if (c->rdead)
		return read_end(c);
	fill(c);
	rc = pump(c, 0, rep, NULL);
	if (rc != 0)
		return rc;
	if (c->rdead)
		return read_end(c);
	return c->err;
}

/* Queues a frame for a blocking call; its id and size out. */
static int
queue_sync(struct sa_client *c, uint8_t type, const struct sa_record *recs,
	   size_t n, size_t *bad, uint32_t *id, size_t *flen)
{
	size_t before = c->out.len;
	uint32_t rid = c->next_id;
	int rc =
	    type == SA_PROTO_RECORDS
		? sa_proto_put_records(&c->out, rid, recs, n, bad)
		: sa_proto_put_frame(&c->out, SA_PROTO_QUERY, 0, rid, NULL, 0);
	if (rc < 0)
		return rc;
	if ((rc = pend_push(c, rid, type, PEND_SYNC)) < 0) {
		c->out.len = before;
		return rc;
	}
	take_id(c);
	*id = rid;
	*flen = c->out.len - before;
	return 0;
}

int
sa_client_submit(struct sa_client *c, const struct sa_record *recs, size_t n,
		 int timeout_ms, struct sa_proto_ack *ack,
		 struct sa_proto_err *err)
{
	int64_t deadline = deadline_of(timeout_ms);
	struct sa_client_reply rep;
	uint32_t id;
	size_t flen, bad = SA_PROTO_NO_INDEX;

	if (c->err != 0)
		return c->err;
	int rc = queue_sync(c, SA_PROTO_RECORDS, recs, n, &bad, &id, &flen);
	if (rc < 0) {
		/* Refused before sending: said the way the daemon would. */
		if (err != NULL) {
			enum sa_field f = SA_F_NONE;
			memset(err, 0, sizeof *err);
			err->code = rc;
			err->index = (uint32_t)bad;
			if (bad != SA_PROTO_NO_INDEX && bad < n)
				sa_record_validate(&recs[bad], &f);
			err->field = (uint8_t)f;
			snprintf(err->message, sizeof err->message,
				 "not sent: %s", sa_strerror(rc));
		}
		return rc;
	}
	rc = wait_reply(c, id, deadline, &rep, NULL);
	if (rc < 0) {
		abandon(c, id, flen);
		return rc;
	}
	if (rep.type == SA_PROTO_ACK) {
		if (ack != NULL)
			*ack = rep.ack;
		return 0;
	}
	if (err != NULL)
		*err = rep.err;
	return rep.err.code;
}

int
sa_client_status(struct sa_client *c, int timeout_ms, struct sa_buf *out)
{
	int64_t deadline = deadline_of(timeout_ms);
	struct sa_client_reply rep = {0};
	uint32_t id;
	size_t flen;

	if (c->err != 0)
		return c->err;
	int rc = queue_sync(c, SA_PROTO_QUERY, NULL, 0, NULL, &id, &flen);
	if (rc < 0)
		return rc;
	size_t before = out->len;
	rc = wait_reply(c, id, deadline, &rep, out);
	if (rc < 0) {
		abandon(c, id, flen);
		out->len = before;
		return rc;
	}
	return rep.type == SA_PROTO_STATUS ? 0 : rep.err.code;
}
