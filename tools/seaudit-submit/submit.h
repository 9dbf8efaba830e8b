/*
 * submit.h - private interfaces of seaudit-submit, one group per file:
 * opts.c (argv), lines.c (bounded line reading), import.c (JSON Lines in,
 * to one of two sinks: the log writer with batched commits (-fn), or
 * send.c, pipelined frames to the writer daemon).
 *
 * Tool conventions: diagnostics on stderr prefixed "seaudit-submit: ",
 * exit status 0 (every line stored), 1 (a line was refused or a runtime
 * error), 2 (usage error).
 */
#ifndef SEAUDIT_SUBMIT_H
#define SEAUDIT_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

#include <seaudit/log.h>
#include <seaudit/record.h>

#define EXIT_USAGE 2
/* Longest accepted line: bigger than any valid record's JSON. */
#define SUBMIT_MAX_LINE (1u << 20)
/* Records appended between two commits (SA_SYNC_BATCH, SA_SYNC_NONE). */
#define SUBMIT_BATCH 4096

/* Daemon sink: records per frame, payload bytes per frame at most (a
 * daemon's max_frame_bytes may be as low as that), frames in flight, and
 * the default wait for an answer (-timeout). */
#define SEND_FRAME_RECORDS 1000
#define SEND_FRAME_BYTES (64u * 1024 - 4)
#define SEND_WINDOW 4
#define SEND_TIMEOUT_S 60

struct submit_opts {
	const char *dir;    /* -fn DIR; NULL: to the daemon */
	const char *socket; /* -socket PATH; NULL: sa_default_socket() */
	int timeout_s;	    /* -timeout SECONDS; 0: wait forever */
	enum sa_sync sync;  /* -sync record|batch|none */
	const char *origin; /* -origin NAME, or NULL */
	bool quiet;	    /* -q */
	char **inputs;	    /* file operands ("-" = stdin) */
	size_t ninputs;	    /* 0: stdin */
};

/* opts.c: parses argv or exits 2 (or 0 after -h / -version). */
void submit_opts_parse(int argc, char **argv, struct submit_opts *o);

/* lines.c: reads lines of at most SUBMIT_MAX_LINE bytes from a fd. */
struct lines;
struct lines *lines_open(int fd);
/*
 * Next line without its '\n': 1 and (*line, *len), 0 at the end, -errno
 * on a read error, or LINES_TOO_LONG when the line (skipped whole) was
 * longer than the limit.  *line is valid until the next call.
 */
#define LINES_TOO_LONG 2
int lines_next(struct lines *lr, const char **line, size_t *len);
/*
 * True when lines_next would not wait for input now: a whole line is
 * buffered, the input ended, or the descriptor is readable.
 */
bool lines_ready(const struct lines *lr);
/* 1-based number of the line last returned. */
size_t lines_number(const struct lines *lr);
void lines_close(struct lines *lr); /* frees; does not close the fd */

/* import.c: the import of all inputs; returns the exit status. */
int import_run(const struct submit_opts *o);

/*
 * send.c: records to the writer daemon.  sender_open connects (exits 1
 * with advice when no daemon listens).  sender_add copies the record (it
 * need not outlive the call) with where it came from (`name` must live
 * until sender_finish) and may wait for the daemon when SEND_WINDOW
 * frames are in flight.  sender_idle sends what is batched (the input
 * would block).  sender_finish waits for every answer and returns the
 * number of records refused or not stored.  Refusals are reported on
 * stderr unless quiet; a lost connection or a daemon that stops
 * answering exits 1, saying from which line on records may be missing.
 */
struct sender;
struct sender *sender_open(const struct submit_opts *o);
void sender_add(struct sender *s, const struct sa_record *r, const char *name,
		size_t line);
void sender_idle(struct sender *s);
unsigned long long sender_finish(struct sender *s);

#endif
