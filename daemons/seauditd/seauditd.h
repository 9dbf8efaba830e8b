/*
 * seauditd.h - the writer daemon's shared state and the interfaces between
 * its modules:
 *
 *   main.c    options, start-up order, signals
 *   conf.c    the configuration file's keys (read by common/cfgfile.c)
 *   server.c  the Unix socket: clients, frames, peer credentials, replies
 *   commit.c  stamping, group commit in the before-sleep hook, the ack
 *             contract, disk-full actions, reserved space, loss records
 *   maint.c   rotation by date and on demand, retention, moving sealed
 *             segments to audit_back, background zstd sealing
 *   status.c  counters and the status reply
 *
 * One thread runs the event loop and owns everything here; the only other
 * thread is the compressor in maint.c, which touches sealed segments only,
 * under maint's mutex.
 */
#ifndef SEAUDITD_H
#define SEAUDITD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/seaudit.h>

#include "conf.h"
#include "ev.h"

struct client;

/* A reply slot, kept in arrival order so replies leave in frame order. */
struct pending {
	struct client *c;
	uint32_t id;
	uint32_t count;
	uint64_t first_seq, last_seq;
	uint64_t t_start_ms; /* for ack latency */
	bool is_error;	     /* a refusal queued behind earlier frames */
	struct sa_proto_err err;
	uint32_t events[SA_EV__COUNT]; /* per event type, for loss accounting */
	uint64_t bytes; /* encoded record bytes, for the status */
	/* A partial ack: which records of the frame were shed (malloc'ed,
	 * freed when the reply is sent), how many, and why. */
	uint8_t *refused_map;
	uint32_t refused;
	int32_t refused_code;
	/* A reply built already (an error, a status), queued behind the
	 * client's earlier frames: malloc'ed, sent as is by ack_all. */
	uint8_t *raw;
	size_t raw_len;
	bool raw_fatal; /* the connection closes after it */
};

/* Why records were lost: each counted apart in the loss record. */
enum loss_cause {
	LOSS_SHED = 0,	  /* noisy class shed below the reserve */
	LOSS_REFUSED,	  /* arrived while the log was unwritable */
	LOSS_DISK_FULL,	  /* in a batch whose commit found the disk full */
	LOSS_WRITE_FAIL,  /* in a batch whose commit failed (I/O error) */
	LOSS_SHUTDOWN,	  /* pending when the daemon stopped */
	LOSS_ROTATED,	  /* acknowledged, then deleted by action rotate */
	LOSS_LOG_MISSING, /* arrived while the log directory was missing */
	LOSS_LOG_REMOVED, /* acknowledged, then removed with the log directory
			   */
	LOSS__COUNT
};

struct loss {
	uint64_t count;
	int64_t first_us, last_us;
	uint64_t by_event[SA_EV__COUNT];
	struct {
		pid_t pid;
		uid_t uid;
		uint64_t n;
	} by_producer[8];
	uint64_t other_producers;
	uint64_t by_cause[LOSS__COUNT];
};

enum state {
	ST_OK = 0,
	ST_REFUSING, /* disk full or I/O error, action refuse: new frames
			refused */
	ST_BLOCKING, /* disk full, action block: producers not read */
};

struct stats {
	uint64_t records_written, bytes_written;
	uint64_t records_refused, records_shed, records_invalid;
	uint64_t frames, commits, write_errors;
	uint64_t lat_us[4096]; /* ring of recent commit latencies */
	size_t nlat;
	uint64_t max_lat_us;
	uint64_t loss_records;
	uint64_t clients_refused, clients_timed_out;
	uint64_t
	    log_reopened; /* times the removed log directory was recreated */
};

struct daemon {
	struct conf conf;
	const char *conf_path; /* NULL: embedded defaults */
	struct ev_loop *loop;
	struct sa_writer *w;
	int listen_fd;
	int64_t idle_timer;
	struct client *clients;	  /* doubly linked */
	struct client *graveyard; /* closed, freed by server_reap */
	unsigned nclients;

	/* commit */
	struct pending *pend;
	size_t npend, pendcap;
	enum state state;
	int64_t retry_timer;
	int64_t watch_timer; /* is the log directory still there? */
	int64_t interval_timer;
	bool interval_due;
	uint64_t last_commit_ms;
	uint64_t last_loss_ms; /* when the last loss record was written */
	int64_t loss_timer;
	struct loss loss;
	struct sa_record *recs;	 /* a frame's records, decoded once */
	struct sa_buf masked[2]; /* command and trace of the record being
				  * appended, passwords hidden */
	size_t reccap;
	bool loss_in_batch;    /* a loss record is in the uncommitted batch */
	uint64_t rotated_away; /* records deleted by disk-full action rotate */
	uint64_t removed_away; /* acknowledged records removed with the log */
	bool log_missing;      /* the log directory is gone and not yet back */
	uint64_t free_bytes;   /* last statvfs of the log's file system */
	uint64_t free_checked_ms;
	uint64_t appended_since_check;

	/* maint */
	char active[PATH_MAX];
	int64_t date_timer;
	bool stopping;

	struct stats st;
	int64_t started_us;	/* wall clock at start, for uptime */
	const char *start_note; /* detail of the start record, or "" */
};

/* server.c */
int server_listen(struct daemon *d);
/* Gives the listening socket socket_group and socket_mode (at start and
 * at SIGHUP); 0 or -errno, logged. */
int server_socket_perms(const struct daemon *d);
void server_close(struct daemon *d);
/* Queues reply bytes for a client (ack, error, status). */
void client_send(struct daemon *d, struct client *c, const struct sa_buf *b);
/* Queues reply bytes without writing them yet (see server_flush_all). */
void client_queue(struct daemon *d, struct client *c, const struct sa_buf *b);
/* Writes every client's queued replies: one send per client per commit. */
void server_flush_all(struct daemon *d);
/*
 * Sends an error (or, client_reply, any reply frame) in frame order: at
 * once when the client has no frame awaiting its reply, otherwise queued
 * behind them (commit_defer_reply).  Fatal: nothing more is read from the
 * client, which is closed once the reply is out.
 */
void client_send_error(struct daemon *d, struct client *c, uint32_t id,
		       bool fatal, const struct sa_proto_err *e);
void client_reply(struct daemon *d, struct client *c, const struct sa_buf *b,
		  bool fatal);
/* A queued fatal reply went out: close after flushing. */
void client_set_closing(struct client *c);
/* Pauses or resumes reading from every client (action block). */
void server_pause_all(struct daemon *d, bool pause);
/* Frees clients that died while frames of theirs were pending. */
void server_reap(struct daemon *d);
bool client_dead(const struct client *c);
void client_unref(struct daemon *d, struct client *c);
void client_ref(struct client *c);
pid_t client_pid(const struct client *c);
uid_t client_uid(const struct client *c);
/* The peer's user name ("" when unknown), and whether it may write
 * records about other users (root or producer_group). */
const char *client_user(const struct client *c);
bool client_privileged(const struct client *c);

/* commit.c */
int commit_init(struct daemon *d);
/* Notices a removed log directory while no record arrives. */
void commit_watch_log(struct daemon *d);
/* Handles one well-framed 'R' payload of a client. */
void commit_frame(struct daemon *d, struct client *c, uint32_t id,
		  const uint8_t *payload, size_t len);
void commit_before_sleep(struct ev_loop *l, void *arg);
/* Queues a built reply behind the client's pending frames (0, -ENOMEM). */
int commit_defer_reply(struct daemon *d, struct client *c,
		       const struct sa_buf *b, bool fatal);
/* Writes a daemon start or shutdown record and commits it. */
int commit_daemon_record(struct daemon *d, enum sa_event ev);
/* At exit: commits and acknowledges what is pending; what cannot be
 * committed is answered -ESHUTDOWN.  Returns how many records were. */
uint64_t commit_finish(struct daemon *d);

/* maint.c */
int maint_init(struct daemon *d);
void maint_after_commit(struct daemon *d); /* a segment may have sealed */
/* The writer made the removed log directory again. */
void maint_log_reopened(struct daemon *d);
int maint_rotate_now(struct daemon *d);
/* Deletes the oldest sealed segment (disk-full action rotate). */
int maint_drop_oldest(struct daemon *d, char *what, size_t cap,
		      uint64_t *records);
void maint_reschedule(struct daemon *d); /* after a config reload */
void maint_stop(struct daemon *d);

/* status.c */
void status_reply(struct daemon *d, struct client *c, uint32_t id);
void status_latency(struct daemon *d, uint64_t us);
const char *state_name(enum state s);

#endif
