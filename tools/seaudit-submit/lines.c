/*
 * lines.c - reading input lines with bounded memory.
 *
 * getline(3) would grow its buffer to the size of the longest line, so a
 * hostile input made of one endless line could exhaust memory.  Here the
 * buffer is fixed (SUBMIT_MAX_LINE plus one read chunk); a longer line is
 * skipped through its newline and reported as LINES_TOO_LONG, and the
 * lines after it are read normally.
 *
 * Invariants: buf[start, end) holds unread bytes; buf[start, scan) is
 * known to contain no '\n', so each byte is searched once however the
 * line is split across reads; when `skipping`, bytes are discarded up to
 * the next '\n'.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "submit.h"

#define LINES_CHUNK (64u * 1024)

struct lines {
	int fd;
	char *buf;
	size_t cap, start, scan, end;
	size_t lineno;
	bool eof;
	bool skipping; /* inside a line that is too long */
};

struct lines *
lines_open(int fd)
{
	struct lines *lr = calloc(1, sizeof *lr);

	if (lr == NULL)
		return NULL;
	lr->fd = fd;
	lr->cap = SUBMIT_MAX_LINE + LINES_CHUNK;
	lr->buf = malloc(lr->cap);
	if (lr->buf == NULL) {
		free(lr);
		return NULL;
	}
	return lr;
}

/* Moves unread bytes to the front and reads more; -errno on error. */
static int
fill(struct lines *lr)
{
	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->scan -= lr->start;
		lr->start = 0;
	}
	for (;;) {
		ssize_t n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			lr->eof = true;
		lr->end += (size_t)n;
		return 0;
	}
}

int
lines_next(struct lines *lr, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(lr->buf + lr->scan, '\n', lr->end - lr->scan);
		if (nl != NULL) {
			size_t s = lr->start, e = (size_t)(nl - lr->buf);
			lr->start = lr->scan = e + 1;
			lr->lineno++;
			if (lr->skipping || e - s > SUBMIT_MAX_LINE) {
				lr->skipping = false;
				return LINES_TOO_LONG;
			}
			*line = lr->buf + s;
			*len = e - s;
			return 1;
		}
		lr->scan = lr->end;
		if (lr->skipping || lr->end - lr->start > SUBMIT_MAX_LINE) {
			/* Too long: drop what we have, skip to its end. */
			lr->skipping = true;
			lr->start = lr->scan = lr->end = 0;
		}
		if (lr->eof) {
			if (lr->skipping) {
				lr->skipping = false;
				lr->lineno++;
				return LINES_TOO_LONG;
			}
			if (lr->start == lr->end)
				return 0;
			/* A last line without '\n'. */
			*line = lr->buf + lr->start;
			*len = lr->end - lr->start;
			lr->start = lr->scan = lr->end;
			lr->lineno++;
			return 1;
		}
		int rc = fill(lr);
		if (rc < 0)
			return rc;
	}
}

bool
lines_ready(const struct lines *lr)
{
	if (lr->eof || memchr(lr->buf + lr->scan, '\n', lr->end - lr->scan))
		return true;
	struct pollfd p = {.fd = lr->fd, .events = POLLIN};
	return poll(&p, 1, 0) != 0; /* readable, hung up, or an error */
}

size_t
lines_number(const struct lines *lr)
{
	return lr->lineno;
}

void
lines_close(struct lines *lr)
{
	if (lr == NULL)
		return;
	free(lr->buf);
	free(lr);
}
