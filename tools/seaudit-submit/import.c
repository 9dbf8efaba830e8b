/*
 * import.c - JSON Lines in, log records out.
 *
 * Each input line is one record (spec/records.md).  A line that cannot be
 * taken (bad JSON, unknown field, invalid record, too long) is refused
 * with "seaudit-submit: FILE:LINE: field "x": reason" and the lines around
 * it are still stored: a bad line never costs good ones.  Blank lines are
 * skipped silently.
 *
 * Two sinks.  Without -fn, records go to the writer daemon (send.c),
 * which acknowledges them once durable; lines are checked here first, so
 * the daemon normally refuses nothing, and what it does refuse is
 * reported by line there.  Before a read that would wait (a pipe from a
 * slow producer), what is batched is sent, so records never sit in this
 * process while it waits for input.
 *
 * With -fn, the directory is written directly.
 * Durability: records are appended to the writer's buffer and committed
 * every SUBMIT_BATCH records and at the end (with -sync record, at every
 * record).  A record is stored once its commit returned; if a commit
 * fails, the message says from which line on records were not stored, and
 * the exit status is 1.  Interrupting the program loses only the
 * uncommitted batch, never a committed record.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "submit.h"

struct import {
	const struct submit_opts *o;
	struct sa_writer *w;  /* -fn */
	struct sender *snd;   /* otherwise */
	char *scratch;	      /* decoded strings of the current record */
	size_t pending;	      /* appended since the last commit */
	char first_name[256]; /* where the uncommitted batch starts */
	size_t first_line;
	unsigned long long refused;
};

static void __attribute__((format(printf, 4, 5)))
refuse(struct import *im, const char *name, size_t line, const char *fmt, ...)
{
	va_list ap;

	im->refused++;
	if (im->o->quiet)
		return;
	fprintf(stderr, "seaudit-submit: %s:%zu: ", name, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Errors that belong to one record (refuse it), not to the log. */
static bool
is_record_error(int rc)
{
	return (rc <= SA_EBADEVENT && rc >= SA_ETYPE) || rc == SA_EBADENC;
}

static void
commit(struct import *im)
{
	if (im->pending == 0)
		return;
	int rc = sa_writer_commit(im->w);
	if (rc < 0)
		errx(1,
		     "%s: commit failed: %s; the %zu records from %s:%zu"
		     " on were not stored",
		     im->o->dir, sa_strerror(rc), im->pending, im->first_name,
		     im->first_line);
	im->pending = 0;
}

static bool
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One line: parse, append, maybe commit. */
static void
import_line(struct import *im, const char *name, size_t lineno,
	    const char *line, size_t len)
{
	struct sa_record rec;
	struct sa_json_error jerr;
	char text[512];
	enum sa_field bad = SA_F_NONE;

	if (sa_json_parse_record(line, len, &rec, im->scratch, &jerr) < 0) {
		sa_json_error_text(&jerr, text, sizeof text);
		refuse(im, name, lineno, "%s", text);
		return;
	}
	if (im->snd != NULL) {
		sender_add(im->snd, &rec, name, lineno);
		return;
	}
	/* Written here, not by the daemon: passwords are hidden here too,
	 * as seauditd does by default (mask_passwords). */
	static struct sa_buf masked[2];
	if (sa_mask_record(&rec, masked) < 0)
		errx(1, "out of memory");
	int rc = sa_writer_append(im->w, &rec);
	if (rc < 0 && is_record_error(rc)) {
		const struct sa_field_info *fi;
		sa_record_validate(&rec, &bad);
		char limit[48];
		sa_field_limit_text(rc, bad, limit, sizeof limit);
		if ((fi = sa_field_info(bad)) != NULL && fi->json != NULL)
			refuse(im, name, lineno, "field \"%s\": %s%s", fi->json,
			       sa_strerror(rc), limit);
		else
			refuse(im, name, lineno, "%s", sa_strerror(rc));
		return;
	}
	if (rc < 0) {
		/* The log failed: store what was buffered, then stop. */
		int crc = sa_writer_close(im->w);
		if (crc == 0 || im->pending == 0)
			errx(1,
			     "%s: %s:%zu: cannot store: %s; records from"
			     " this line on were not stored",
			     im->o->dir, name, lineno, sa_strerror(rc));
		errx(1,
		     "%s: %s:%zu: cannot store: %s; records from %s:%zu"
		     " on were not stored",
		     im->o->dir, name, lineno, sa_strerror(rc), im->first_name,
		     im->first_line);
	}
	if (im->o->sync == SA_SYNC_RECORD)
		return; /* append committed it */
	if (im->pending++ == 0) {
		snprintf(im->first_name, sizeof im->first_name, "%s", name);
		im->first_line = lineno;
	}
	if (im->pending >= SUBMIT_BATCH)
		commit(im);
}

/* All lines of one input; -1 when the input could not be read. */
static int
import_fd(struct import *im, int fd, const char *name)
{
	struct lines *lr = lines_open(fd);
	const char *line;
	size_t len;
	int rc;

	if (lr == NULL)
		err(1, NULL);
	for (;;) {
		if (im->snd != NULL && !lines_ready(lr))
			sender_idle(im->snd);
		if ((rc = lines_next(lr, &line, &len)) == 0)
			break;
		size_t lineno = lines_number(lr);
		if (rc < 0) {
			warnx("%s: %s", name, strerror(-rc));
			lines_close(lr);
			return -1;
		}
		if (rc == LINES_TOO_LONG) {
			refuse(im, name, lineno, "line longer than %u bytes",
			       SUBMIT_MAX_LINE);
			continue;
		}
		if (is_blank(line, len))
			continue;
		import_line(im, name, lineno, line, len);
	}
	lines_close(lr);
	return 0;
}

int
import_run(const struct submit_opts *o)
{
	struct import im = {.o = o};
	struct sa_writer_opts wo = {.origin = o->origin, .sync = o->sync};
	struct sa_recovery rep;
	int status = 0;

	memset(&rep, 0, sizeof rep);
	im.scratch = malloc(SUBMIT_MAX_LINE + 1);
	if (im.scratch == NULL)
		err(1, NULL);
	if (o->dir == NULL) {
		im.snd = sender_open(o);
	} else {
		int rc = sa_writer_open(&im.w, o->dir, &wo, &rep);
		if (rc < 0)
			errx(1, "%s: %s", o->dir, sa_strerror(rc));
		if (rep.bytes_dropped > 0 && !o->quiet)
			warnx("%s: recovered the log: %llu bytes of a torn"
			      " record removed from %s",
			      o->dir, (unsigned long long)rep.bytes_dropped,
			      rep.segment);
	}

	size_t n = o->ninputs > 0 ? o->ninputs : 1;
	for (size_t i = 0; i < n; i++) {
		const char *path = o->ninputs > 0 ? o->inputs[i] : "-";
		if (strcmp(path, "-") == 0) {
			if (import_fd(&im, STDIN_FILENO, "(stdin)") < 0)
				status = 1;
			continue;
		}
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			warn("%s", path);
			status = 1;
			continue;
		}
		if (import_fd(&im, fd, path) < 0)
			status = 1;
		close(fd);
	}

	if (im.snd != NULL) {
		im.refused += sender_finish(im.snd);
	} else {
		commit(&im);
		int rc = sa_writer_close(im.w);
		if (rc < 0)
			errx(1, "%s: closing the log: %s", o->dir,
			     sa_strerror(rc));
	}
	free(im.scratch);
	if (im.refused > 0)
		status = 1;
	return status;
}
