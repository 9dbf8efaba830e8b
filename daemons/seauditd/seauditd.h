/*
 * seauditd.h - the writer daemon's shared state.  Each module declares
 * its functions in its own header; the calls go one way only (main ->
 * server -> commit, status; commit -> maint; status -> commit), and
 * tests/integration/daemon-module-graph-has-no-cycle.sh checks it from
 * the objects' symbols:
 *
 *   main.c    options, start-up order, signals
 *   conf.c    the configuration file's keys (read by common/cfgfile.c)
 *   server.c  the Unix socket, wired to common/framesrv (clients, frames,
 *             limits, replies in frame order); peers' identity
 *   commit.c  stamping, group commit in the before-sleep hook, the ack
 *             contract, disk-full actions, reserved space, loss records
 *   maint.c   rotation by date and on demand; the segment set
 *             (lib: retention, audit_back, background zstd sealing)
 *   status.c  the status reply
 *
 * One thread runs the event loop and owns everything here; the only other
 * thread is the segment set's compressor (lib/segset.c), which touches
 * sealed segments only.
 */
#ifndef SEAUDITD_H
#define SEAUDITD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/seaudit.h>

#include "conf.h"
#include "ev.h"
#include "framesrv.h"

/*
 * A records frame awaiting its commit, in arrival order; its ticket is
 * answered (acknowledged or refused) when the batch is committed.
 */
struct pending {
	struct fsrv_ticket *t;
	pid_t pid; /* the producer, for loss accounting */
	uid_t uid;
	uint32_t id;
	uint32_t count;
	uint64_t first_seq, last_seq;
	uint64_t t_start_ms; /* for ack latency */
	bool is_error;	     /* refused when its batch could not be committed */
	struct sa_proto_err err;
	uint32_t events[SA_EV__COUNT]; /* per event type, for loss accounting */
	uint64_t bytes; /* encoded record bytes, for the status */
	/* A partial ack: which records of the frame were shed (malloc'ed,
	 * freed when the reply is sent), how many, and why. */
	uint8_t *refused_map;
	uint32_t refused;
	int32_t refused_code;
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
	uint64_t commits, write_errors;
	uint64_t lat_us[4096]; /* ring of recent commit latencies */
	size_t nlat;
	uint64_t max_lat_us;
	uint64_t loss_records;
	uint64_t
	    log_reopened; /* times the removed log directory was recreated */
};

struct daemon {
	struct conf conf;
	const char *conf_path; /* NULL: embedded defaults */
	struct ev_loop *loop;
	struct sa_writer *w;
	struct fsrv *srv; /* the producers' frame server (server.c) */
	bool listening;	  /* the socket is bound and served */

	/* commit */
	struct pending *pend;
	size_t npend, pendcap;
	enum state state;
	int64_t retry_timer;
	int64_t watch_timer; /* is the log directory still there? */
	int64_t seal_timer;  /* checkpoints for records that stopped coming */
	bool key_error_told;
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
	struct sa_segset *segs; /* sealed segments: audit_back, retention */
	char active[PATH_MAX];
	/*
	 * Retention records (maint.c): the set's hold callback, on the set's
	 * thread too, asks for one (retire_want, a segment's first number)
	 * and holds the segment; the commit path writes it and, once
	 * durable, lets segments up to retire_ok go.
	 */
	_Atomic uint64_t retire_want;
	_Atomic uint64_t retire_ok;
	_Atomic bool retire_force; /* disk full: remove without a hold */
	struct retire_rec **rq;	   /* records not yet durable (maint.c) */
	size_t nrq;
	int64_t retire_timer;
	int64_t date_timer;
	bool stopping;

	struct stats st;
	int64_t started_us;	/* wall clock at start, for uptime */
	const char *start_note; /* detail of the start record, or "" */
};

#endif
