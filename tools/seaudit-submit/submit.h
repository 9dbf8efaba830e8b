/*
 * submit.h - private interfaces of seaudit-submit, one group per file:
 * opts.c (argv), lines.c (bounded line reading), import.c (JSON Lines to
 * the log writer, with batched commits).
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

#define EXIT_USAGE 2
/* Longest accepted line: bigger than any valid record's JSON. */
#define SUBMIT_MAX_LINE (1u << 20)
/* Records appended between two commits (SA_SYNC_BATCH, SA_SYNC_NONE). */
#define SUBMIT_BATCH 4096

struct submit_opts {
	const char *dir;    /* -fn DIR */
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
/* 1-based number of the line last returned. */
size_t lines_number(const struct lines *lr);
void lines_close(struct lines *lr); /* frees; does not close the fd */

/* import.c: the import of all inputs; returns the exit status. */
int import_run(const struct submit_opts *o);

#endif
