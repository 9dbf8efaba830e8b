/*
 * fullfs.h - what the full-file-system scenarios share (the shed and the
 * block variants): producers in child processes that record every
 * outcome in shared memory, the daemon on a tmpfs mounted by the test and
 * unmounted on every way out, the status query, and loading the log back.
 * The state below is the one scenario per process that runs it.
 */
#ifndef SA_FULLFS_H
#define SA_FULLFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define NPROD 4

struct ctl {
	volatile int stop;
};

struct frame {
	char kind;
	int ev;
	uint64_t t_send, t_reply;
	int idx, count;
	uint64_t first_seq;
	int code;
};

struct prod {
	struct frame *f;
	size_t n;
	int total;
	uint64_t refused;
};

struct status {
	char state[32];
	uint64_t write_errors, lost_pending, records_shed, records_refused;
	uint64_t free_bytes;
};

struct lrec {
	uint64_t seq;
	int k, i;
};

struct lossrec {
	int64_t lost;
	char detail[1100];
};

extern struct ctl *ctl;
extern pid_t kids[NPROD];
extern pid_t reaped[NPROD];
extern struct hd h;
extern bool h_live;
extern char base[256], mnt[300];
extern bool mounted;
extern struct lrec *logv;
extern size_t nlog;
extern struct lossrec *loss;
extern size_t nloss, losscap;

/*
 * Mounts a 4 MiB tmpfs under a fresh temporary directory (unmounted on
 * every way out) and starts the daemon there with `conf`.  Not root, or
 * no tmpfs: prints "skipped" and exits 0.
 */
void fullfs_start(const char *conf);

/* Child producers and clean-up on every way out (atexit, SIGINT/TERM). */
void kill_children(void);
void at_exit_cleanup(void);
void on_signal(int sig);
/* Producer k: submits until ctl->stop, recording each frame's outcome. */
void producer(int k);
void load_outcomes(int k, struct prod *p);
/*
 * Space returns: grows the tmpfs to 64 MiB and waits (10 s at most) for
 * the daemon to say state=ok with more than 2 MiB free, by itself; dies
 * otherwise.  Returns when it did (hd_ms()).
 */
uint64_t fullfs_grow(void);
/* Tells the producers to stop and reaps them (reaped[]); dies if one
 * failed. */
void fullfs_stop_producers(void);
/* Waits (5 s at most) until every loss is written, then stops the daemon
 * cleanly; dies otherwise. */
void fullfs_finish(void);
/* The daemon's status query, parsed. */
bool status_get(struct status *s);
void on_damage(const struct sa_damage *d, void *arg);
/* Loads the whole log into logv / loss; returns the damage count. */
uint64_t read_log(const char *dir);
/*
 * After read_log: where[k][i] is the sequence number at which producer
 * k's record i is in the log, 0 when it is not (calloc'd, the caller
 * frees each).  Dies on a record no producer submitted, or one stored
 * twice.
 */
void fullfs_where(const struct prod P[NPROD], uint64_t *where[NPROD]);

#endif
