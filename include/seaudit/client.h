/*
 * client.h - the producer side of the writer daemon's protocol: what a
 * login service, the watchdog or a script links to submit records.
 *
 * A record counts as written only when the daemon has acknowledged it:
 * the daemon acknowledges a frame once every record in it is durable (by
 * its sync policy), naming the sequence numbers it gave them.
 *
 * Two ways to use it:
 *  - blocking with a deadline: sa_client_submit() sends and waits for the
 *    acknowledgement at most timeout_ms;
 *  - never blocking (for callers that must not hang, such as a PAM
 *    module): sa_client_send() queues a frame, sa_client_flush() writes
 *    what the socket takes, sa_client_poll() collects replies; the caller
 *    drives them from its own poll loop on sa_client_fd().
 *
 * The struct sa_client is opaque, owned by the caller from connect to
 * close; not thread-safe.  Errors: -ENOENT (no socket: not installed or
 * never started) / -ECONNREFUSED (socket left behind: not running) when no
 * daemon listens, -ETIMEDOUT when the deadline
 * passes, -EPIPE / -ECONNRESET when the daemon went away, and the daemon's
 * own refusal codes (e.g. -ENOSPC, SA_ESHED, a validation error) from the
 * error frame it sent.
 */
#ifndef SEAUDIT_CLIENT_H
#define SEAUDIT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/buf.h>
#include <seaudit/paths.h>
#include <seaudit/proto.h>
#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

struct sa_client;

/*
 * Connects to `path`, or with path NULL to the first of the default
 * sockets (above) where a daemon answers: a socket that is missing
 * (-ENOENT), not the user's own (see above) or that nobody listens on
 * (-ECONNREFUSED, left by a stopped daemon) passes to the next; any
 * other failure (-EACCES, -ETIMEDOUT)
 * stops there, since a daemon is there and refused.  When every one
 * fails, the last one's error.  Waits at most timeout_ms for the
 * connection (a Unix socket connects at once or fails at once, except
 * when the daemon's backlog is full).
 */
int sa_client_connect(struct sa_client **out, const char *path, int timeout_ms);
/* The socket path the client is connected to (owned by the client). */
const char *sa_client_socket(const struct sa_client *c);
/*
 * Why sa_client_connect(path) failed with `rc`, for people, naming what
 * was tried (path, or with NULL the default sockets):
 *   -ENOENT, -ECONNREFUSED: "no writer daemon at A or B (reason)";
 *   -EACCES: "not allowed to connect to the writer daemon at P (socket
 *            mode 0660, owner root, group G)";
 *   others:  "cannot reach the writer daemon at A or B: reason".
 * The caller adds its own advice.  Always NUL-terminates buf.
 */
void sa_client_connect_error(char *buf, size_t cap, const char *path, int rc);

/*
 * Blocking submission of n records (one frame); waits at most timeout_ms
 * for the acknowledgement.  On success *ack (may be NULL) says which
 * sequence numbers the records got.  On a refusal, *err (may be NULL)
 * carries the daemon's error frame (record index, field, message).
 * (Added notes:) timeout_ms < 0 waits without limit.  Replies to frames
 * queued by sa_client_send that arrive meanwhile are kept, in order, for
 * sa_client_poll; after -ETIMEDOUT the frame is taken back if none of it
 * was sent, else its late reply is dropped when it comes.  Records refused
 * before sending (invalid) give their validation code, with *err filled
 * as the daemon would (index, field).
 */
int sa_client_submit(struct sa_client *c, const struct sa_record *recs,
		     size_t n, int timeout_ms, struct sa_proto_ack *ack,
		     struct sa_proto_err *err);

/* Non-blocking use. */
int sa_client_fd(const struct sa_client *c);
/* Queues one frame; *id receives its request id. 0 or an encoding error. */
int sa_client_send(struct sa_client *c, const struct sa_record *recs, size_t n,
		   uint32_t *id);
/* Bytes still queued after writing what the socket accepts now. */
size_t sa_client_pending(const struct sa_client *c);
/* Writes queued bytes without blocking: 0 when all written, -EAGAIN when
 * some remain (wait for POLLOUT), or a connection error. */
int sa_client_flush(struct sa_client *c);

struct sa_client_reply {
	uint8_t type; /* SA_PROTO_ACK or SA_PROTO_ERROR */
	uint32_t id;
	struct sa_proto_ack ack;
	struct sa_proto_err err;
};
/* Reads without blocking: 1 with a reply in *rep, 0 when none is
 * complete yet, or a connection error (e.g. -ECONNRESET). */
int sa_client_poll(struct sa_client *c, struct sa_client_reply *rep);

/* Blocking status query: the daemon's "key=value" lines into out. */
int sa_client_status(struct sa_client *c, int timeout_ms, struct sa_buf *out);

void sa_client_close(struct sa_client *c); /* NULL-safe */

SA_END_DECLS

#endif
