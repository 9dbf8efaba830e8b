/*
 * framesrv.h - the daemons' frame server: connections that speak the
 * seaudit frame protocol (docs/PROTOCOL.md) on the event loop, read
 * incrementally and answered without ever blocking.  seauditd serves its
 * producers' Unix socket with it; the collector serves TLS peers with it
 * through its own transport (struct fsrv_io).
 *
 * What it does for its owner: buffers, frame headers and their limits,
 * replies in frame order, in-flight and reply-queue limits per
 * connection, connection limits overall and per uid (with places kept
 * for privileged peers), idle timeouts, pausing every connection (while
 * paused, frames of one type still pass: a status query), and delivery of
 * queued replies at exit.  What it leaves to its owner: what a frame
 * means (on_frame), who a peer is beyond its credentials (on_connect),
 * and the listening socket's path and permissions.
 *
 * Replies leave in frame order.  A frame answered later (a records frame,
 * acknowledged after its commit) is held with fsrv_hold, which returns a
 * ticket; fsrv_reply called while tickets are outstanding queues behind
 * them.  Answering tickets out of order is allowed: the bytes wait until
 * every earlier ticket is answered.
 *
 * Ownership and lifetimes: the server owns its connections and their
 * descriptors (and closes the listening descriptors given to it).  A
 * struct fsrv_conn stays valid while it is connected or while a ticket of
 * it is unanswered, and in any case until the next fsrv_reap after that:
 * a callback may use the connection it was given until it returns, even
 * when it closed it.  A ticket is valid until it is answered.  Strings
 * returned by accessors live as long as the connection.  Single-threaded:
 * every call from the loop's thread.
 */
#ifndef SEAUDIT_FRAMESRV_H
#define SEAUDIT_FRAMESRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/buf.h>
#include <seaudit/error.h>
#include <seaudit/proto.h>

#include "ev.h"

struct fsrv;
struct fsrv_conn;
struct fsrv_ticket;

/*
 * The limits; their names are the configuration keys of every daemon
 * using the server (seauditd.ini(5)), which its messages quote.
 */
struct fsrv_limits {
	uint32_t max_frame_bytes;     /* payload of one frame */
	unsigned max_clients;	      /* connections in all */
	unsigned reserved_clients;    /* of which only privileged peers use */
	unsigned max_clients_per_uid; /* per unprivileged uid */
	unsigned idle_timeout_s;      /* unprivileged, idle: closed; 0 none */
	unsigned max_inflight;	      /* unanswered frames per connection */
	size_t max_out_queued;	      /* reply bytes queued per connection */
	uint8_t pass_type;	      /* frame type served while paused */
};

/*
 * A transport.  recv and send return a byte count (recv: 0 at the end of
 * the stream) or -errno, -EAGAIN when they would block; close releases
 * the transport and its descriptor.  The descriptor given with it is what
 * the loop watches, for reading while the server wants input and for
 * writing while replies are queued.
 */
struct fsrv_io {
	ssize_t (*recv)(void *io, void *buf, size_t len);
	ssize_t (*send)(void *io, const void *buf, size_t len);
	void (*close)(void *io);
};

struct fsrv_callbacks {
	/*
	 * A peer connected, before any limit is checked: it may name the
	 * peer and say whether it is privileged (fsrv_conn_identify).
	 * peer_gid is the credentials' primary group.  Optional.
	 */
	void (*on_connect)(void *arg, struct fsrv_conn *c, gid_t peer_gid);
	/*
	 * One whole frame whose header passed the checks (magic, type byte
	 * range, reserved bytes, max_frame_bytes).  payload holds h->len
	 * bytes, valid until the callback returns.  The callback answers
	 * with fsrv_reply (now, in frame order) or fsrv_hold (later).
	 */
	void (*on_frame)(void *arg, struct fsrv_conn *c,
			 const struct sa_proto_hdr *h, const uint8_t *payload);
	void *arg;
};

struct fsrv_stats {
	uint64_t frames;    /* well-framed frames handed to on_frame */
	uint64_t refused;   /* connections refused by a limit */
	uint64_t timed_out; /* connections closed by idle_timeout_s */
	unsigned clients;   /* connected now */
};

/* NULL when out of memory.  The callbacks are copied. */
struct fsrv *fsrv_new(struct ev_loop *loop, const struct fsrv_limits *lim,
		      const struct fsrv_callbacks *cb);
/* New limits (a reload): connections already open keep going. */
void fsrv_set_limits(struct fsrv *s, const struct fsrv_limits *lim);
/*
 * Serves a listening stream socket (non-blocking): accepted peers are
 * identified by SO_PEERCRED when the socket is a Unix one.  The server
 * owns fd from here, also on failure.  0 or -errno.
 */
int fsrv_listen(struct fsrv *s, int fd);
/* Closes the listening sockets; connections stay. */
void fsrv_stop_listening(struct fsrv *s);
/*
 * A connection accepted elsewhere, over a transport (NULL io: fd is a
 * plain socket).  The server owns fd and io from here, also on failure.
 * Returns the connection, or NULL (refused by a limit: told why before
 * it closes, or out of memory).
 */
struct fsrv_conn *fsrv_adopt(struct fsrv *s, int fd, const struct fsrv_io *io,
			     void *io_arg, pid_t pid, uid_t uid, gid_t gid);

/* Pauses or resumes reading every connection but pass_type frames. */
void fsrv_pause_all(struct fsrv *s, bool pause);
/* Sends what answered tickets queued (one send per connection). */
void fsrv_flush(struct fsrv *s);
/*
 * Between loop turns (the before-sleep hook): reads connections whose
 * backlog cleared and frees the closed ones nothing refers to.
 */
void fsrv_reap(struct fsrv *s);
/*
 * At exit: delivers the queued replies (for at most flush_ms in all, so a
 * peer that does not read cannot hold the exit), then closes every
 * connection.  Outstanding tickets should be answered first.
 */
void fsrv_shutdown(struct fsrv *s, unsigned flush_ms);
void fsrv_free(struct fsrv *s); /* NULL-safe; shuts down at once */
void fsrv_get_stats(const struct fsrv *s, struct fsrv_stats *st);

/* The peer, as identified at accept (pid 0 and uid -1 when unknown). */
pid_t fsrv_conn_pid(const struct fsrv_conn *c);
uid_t fsrv_conn_uid(const struct fsrv_conn *c);
const char *fsrv_conn_user(const struct fsrv_conn *c); /* "" unknown */
bool fsrv_conn_privileged(const struct fsrv_conn *c);
bool fsrv_conn_dead(const struct fsrv_conn *c);
/* In on_connect: the peer's name and whether it is privileged (exempt
 * from reserved_clients, max_clients_per_uid and idle_timeout_s). */
void fsrv_conn_identify(struct fsrv_conn *c, const char *user, bool privileged);

/*
 * Replies, in frame order.  fatal: nothing more is read from the
 * connection, which closes once the reply is out.  Out of memory closes
 * the connection (its peer sees it go and must not assume success).
 */
void fsrv_reply(struct fsrv_conn *c, const struct sa_buf *b, bool fatal);
void fsrv_reply_error(struct fsrv_conn *c, uint32_t id, bool fatal,
		      const struct sa_proto_err *e);
/* A fatal error with code and message, logged with the peer's identity. */
void fsrv_fatal(struct fsrv_conn *c, uint32_t id, int code, const char *msg);
/* A reply to give later; NULL when out of memory (the connection is
 * closed then). */
struct fsrv_ticket *fsrv_hold(struct fsrv_conn *c);
/* Answers a ticket (b NULL: nothing to send, as for a peer gone).  The
 * bytes are queued, sent by fsrv_flush or the loop. */
void fsrv_answer(struct fsrv_ticket *t, const struct sa_buf *b, bool fatal);

#endif
