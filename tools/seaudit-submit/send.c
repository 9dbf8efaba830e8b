/*
 * send.c - seaudit-submit's daemon sink: records go to seauditd in
 * pipelined frames over its socket (docs/PROTOCOL.md), and a line counts
 * as stored only when the daemon acknowledged its frame.
 *
 * Frames are built in SEND_WINDOW + 1 slots: one is being filled (up to
 * SEND_FRAME_RECORDS records or SEND_FRAME_BYTES of payload, so a frame
 * stays below the limit of a daemon configured down to 64 KiB), the others
 * are in flight.  When all are in flight, adding waits for an answer: the
 * memory used and the records at risk are bounded whatever the input's
 * size.  Each slot owns copies of its records' strings (the JSON parser's
 * buffer is reused at every line) and remembers where each record came
 * from (file, line, and its rank in the input), because the daemon names
 * a refused record by its index in the frame.
 *
 * Answers, frame by frame (frames are all-or-nothing, except below the
 * daemon's reserve):
 *  - an ack: the slot's records are stored, the slot is free again;
 *  - a partial ack: the records it marks were shed (a noisy class below
 *    the reserve; counted as loss in the log), each is reported not
 *    stored with its line, the others are stored;
 *  - an error naming record i as invalid (a validation code): line i is
 *    reported refused, and the other records of the frame, which were
 *    therefore not stored either, are sent again as a new frame (they may
 *    then be stored after records of later lines: the log's order is the
 *    order of acknowledgement);
 *  - any other refusal (disk full, a class shed, limits: policy, which
 *    would refuse the rest again and which the daemon counts as loss in
 *    the log): the frame's lines are reported not stored, as one range;
 *  - the connection lost, or no answer within -timeout: exit 1, naming
 *    the earliest line whose record may be missing.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seaudit/seaudit.h>

#include "submit.h"

struct where {
	const char *name;
	size_t line;
	uint64_t rank; /* input order, to find the earliest at risk */
};

struct slot {
	bool busy; /* sent, answer awaited */
	uint32_t id;
	size_t n;
	struct sa_record *recs;
	struct where *at;
	uint8_t *arena; /* string bytes of recs */
	size_t used;
	size_t cost; /* bound of the frame's payload (frame_cost) */
};

struct sender {
	const struct submit_opts *o;
	char path[256];
	struct sa_client *c;
	struct slot slots[SEND_WINDOW + 1];
	struct slot *fill; /* the slot being filled, or NULL */
	size_t busy;
	uint64_t rank;
	unsigned long long failed;
};

/* Strings of a slot's records are bounded by this (see sender_add). */
#define ARENA_CAP SEND_FRAME_BYTES

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The earliest record not known to be stored, for the last words. */
static const struct where *
earliest(const struct sender *s)
{
	const struct where *w = NULL;
	for (size_t i = 0; i <= SEND_WINDOW; i++) {
		const struct slot *sl = &s->slots[i];
		for (size_t k = 0; k < sl->n; k++)
			if (w == NULL || sl->at[k].rank < w->rank)
				w = &sl->at[k];
	}
	return w;
}

static void __attribute__((noreturn))
lost(const struct sender *s, const char *what)
{
	const struct where *w = earliest(s);
	if (w != NULL)
		errx(1,
		     "%s: %s; records from %s:%zu on may not have been"
		     " stored",
		     s->path, what, w->name, w->line);
	errx(1, "%s: %s", s->path, what);
}

static void
report_refused(struct sender *s, const struct where *w,
	       const struct sa_proto_err *e)
{
	s->failed++;
	if (s->o->quiet)
		return;
	const struct sa_field_info *fi = sa_field_info(e->field);
	fprintf(stderr,
		"seaudit-submit: %s:%zu: refused by the daemon: ", w->name,
		w->line);
	char limit[48];
	if (fi != NULL && fi->json != NULL && e->field != SA_F_NONE)
		fprintf(stderr, "field \"%s\": ", fi->json);
	sa_field_limit_text(e->code, e->field, limit, sizeof limit);
	fprintf(stderr, "%s%s", sa_strerror(e->code), limit);
	if (e->message[0] != '\0')
		fprintf(stderr, " (%s)", e->message);
	fputc('\n', stderr);
}

static void
report_frame(struct sender *s, const struct slot *sl,
	     const struct sa_proto_err *e)
{
	s->failed += sl->n;
	if (s->o->quiet)
		return;
	const struct where *a = &sl->at[0], *b = &sl->at[sl->n - 1];
	if (sl->n == 1)
		fprintf(stderr, "seaudit-submit: %s:%zu: not stored: %s",
			a->name, a->line, sa_strerror(e->code));
	else
		fprintf(stderr,
			"seaudit-submit: %s:%zu: %zu records from here to"
			" %s:%zu not stored: %s",
			a->name, a->line, sl->n, b->name, b->line,
			sa_strerror(e->code));
	if (e->message[0] != '\0')
		fprintf(stderr, " (%s)", e->message);
	fputc('\n', stderr);
}

static void
slot_clear(struct sender *s, struct slot *sl)
{
	if (sl->busy)
		s->busy--;
	sl->busy = false;
	sl->n = 0;
	sl->used = 0;
	sl->cost = 0;
}

static void
send_slot(struct sender *s, struct slot *sl)
{
	int rc = sa_client_send(s->c, sl->recs, sl->n, &sl->id);
	if (rc < 0) {
		char what[128];
		snprintf(what, sizeof what, "connection to the daemon lost: %s",
			 sa_strerror(rc));
		lost(s, what);
	}
	sl->busy = true;
	s->busy++;
	rc = sa_client_flush(s->c);
	if (rc < 0 && rc != -EAGAIN) {
		char what[128];
		snprintf(what, sizeof what, "connection to the daemon lost: %s",
			 sa_strerror(rc));
		lost(s, what);
	}
}

/*
 * The record's own fault (it is invalid for this daemon), as opposed to a
 * refusal by policy (disk full, shed, limits), which says nothing against
 * the other records but would refuse them again: only the former is worth
 * sending the rest of the frame again for.
 */
static bool
record_error(int code)
{
	return (code <= SA_EBADEVENT && code >= SA_ECORRUPT) ||
	       code == SA_EBADENC || code == SA_ENOTSTATUS ||
	       code == SA_EFORBIDDEN;
}

static void
take_reply(struct sender *s, const struct sa_client_reply *rep)
{
	struct slot *sl = NULL;
	for (size_t i = 0; i <= SEND_WINDOW; i++)
		if (s->slots[i].busy && s->slots[i].id == rep->id)
			sl = &s->slots[i];
	if (sl == NULL) {
		/* The daemon's last words, tied to no frame (id 0). */
		char what[400];
		snprintf(what, sizeof what,
			 "the daemon closed the connection:"
			 " %s%s%s%s",
			 sa_strerror(rep->err.code),
			 rep->err.message[0] ? " (" : "", rep->err.message,
			 rep->err.message[0] ? ")" : "");
		lost(s, what);
	}
	if (rep->type == SA_PROTO_ACK) {
		for (uint32_t k = 0; rep->ack.refused > 0 && k < sl->n; k++) {
			if (!sa_proto_ack_refused(&rep->ack, k))
				continue;
			s->failed++;
			if (!s->o->quiet)
				fprintf(
				    stderr,
				    "seaudit-submit: %s:%zu: not stored: %s\n",
				    sl->at[k].name, sl->at[k].line,
				    sa_strerror(rep->ack.refused_code));
		}
		slot_clear(s, sl);
		return;
	}
	uint32_t i = rep->err.index;
	if (i >= sl->n || !record_error(rep->err.code)) {
		report_frame(s, sl, &rep->err);
		slot_clear(s, sl);
		return;
	}
	report_refused(s, &sl->at[i], &rep->err);
	/* The others were refused with it (all or nothing): again. */
	memmove(sl->recs + i, sl->recs + i + 1,
		(sl->n - i - 1) * sizeof *sl->recs);
	memmove(sl->at + i, sl->at + i + 1, (sl->n - i - 1) * sizeof *sl->at);
	sl->n--;
	sl->busy = false;
	s->busy--;
	if (sl->n == 0) {
		sl->used = sl->cost = 0;
		return;
	}
	send_slot(s, sl);
}

/*
 * Drives the connection until at most `max_busy` frames are in flight
 * (and, when `written`, every queued byte is in the socket): writes what
 * is queued, takes the answers that came.  Without progress for -timeout
 * seconds, gives up.
 */
static void
drain(struct sender *s, size_t max_busy, bool written)
{
	int64_t last = mono_ms();
	for (;;) {
		struct sa_client_reply rep;
		int rc = sa_client_flush(s->c);
		if (rc < 0 && rc != -EAGAIN) {
			/* Its last words first, if any came. */
			while (sa_client_poll(s->c, &rep) == 1)
				take_reply(s, &rep);
			char what[128];
			snprintf(what, sizeof what,
				 "connection to the daemon lost: %s",
				 sa_strerror(rc));
			lost(s, what);
		}
		while ((rc = sa_client_poll(s->c, &rep)) == 1) {
			take_reply(s, &rep);
			last = mono_ms();
		}
		if (rc < 0) {
			char what[128];
			snprintf(what, sizeof what,
				 "connection to the daemon lost: %s",
				 sa_strerror(rc));
			lost(s, what);
		}
		if (s->busy <= max_busy &&
		    (!written || sa_client_pending(s->c) == 0))
			return;
		int tmo = -1;
		if (s->o->timeout_s > 0) {
			int64_t left =
			    last + (int64_t)s->o->timeout_s * 1000 - mono_ms();
			if (left <= 0) {
				char what[128];
				snprintf(what, sizeof what,
					 "no answer from the daemon in %d s",
					 s->o->timeout_s);
				lost(s, what);
			}
			tmo = left > 1000 ? 1000 : (int)left;
		}
		struct pollfd p = {.fd = sa_client_fd(s->c), .events = POLLIN};
		if (sa_client_pending(s->c) > 0)
			p.events |= POLLOUT;
		if (poll(&p, 1, tmo) < 0 && errno != EINTR)
			err(1, "poll");
	}
}

struct sender *
sender_open(const struct submit_opts *o)
{
	struct sender *s = calloc(1, sizeof *s);
	if (s == NULL)
		err(1, NULL);
	s->o = o;
	/* o->socket NULL: the library's default sockets, in order (a
	 * user's own daemon, then the system daemon's). */
	int rc = sa_client_connect(&s->c, o->socket, 5000);
	if (rc < 0) {
		char why[600];
		sa_client_connect_error(why, sizeof why, o->socket, rc);
		errx(1, "%s%s", why,
		     rc == -ENOENT || rc == -ECONNREFUSED
			 ? ": seauditd is not running; to write a log "
			   "directory directly, use -fn DIR"
		     : rc == -EACCES ? ": only the socket's owner and group "
				       "may submit (seauditd.ini(5), "
				       "socket_mode and socket_group)"
				     : "");
	}
	snprintf(s->path, sizeof s->path, "%s", sa_client_socket(s->c));
	for (size_t i = 0; i <= SEND_WINDOW; i++) {
		struct slot *sl = &s->slots[i];
		sl->recs = calloc(SEND_FRAME_RECORDS, sizeof *sl->recs);
		sl->at = calloc(SEND_FRAME_RECORDS, sizeof *sl->at);
		sl->arena = malloc(ARENA_CAP);
		if (sl->recs == NULL || sl->at == NULL || sl->arena == NULL)
			err(1, NULL);
	}
	return s;
}

/* A slot to fill: the current one, or a free one (waiting for it). */
static struct slot *
filling(struct sender *s)
{
	if (s->fill != NULL)
		return s->fill;
	drain(s, SEND_WINDOW, false);
	for (size_t i = 0; i <= SEND_WINDOW; i++)
		if (!s->slots[i].busy && s->slots[i].n == 0)
			return s->fill = &s->slots[i];
	errx(1, "internal error: no free frame slot");
}

static void
send_filling(struct sender *s)
{
	if (s->fill == NULL || s->fill->n == 0)
		return;
	struct slot *sl = s->fill;
	s->fill = NULL;
	send_slot(s, sl);
}

/*
 * Bytes a record can take in a frame at most: its length prefix and fixed
 * part (3 + 22), and per field a key (2), a length or value (10) and the
 * string's bytes.  Frames are cut on this, so a frame's payload stays
 * within SEND_FRAME_BYTES (plus the count) whatever the records hold.
 */
static size_t
frame_cost(const struct sa_record *r, size_t *strings)
{
	size_t cost = 25, str = 0;
	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!sa_record_has(r, (enum sa_field)f))
			continue;
		cost += 12;
		if (sa_field_info((enum sa_field)f)->kind == SA_KIND_STR)
			str += r->str[f].len;
	}
	*strings = str;
	return cost + str;
}

void
sender_add(struct sender *s, const struct sa_record *r, const char *name,
	   size_t line)
{
	size_t strings, cost = frame_cost(r, &strings);
	/* A valid record is far smaller; be sure all the same. */
	if (cost > SEND_FRAME_BYTES)
		errx(1, "%s:%zu: record too large to send", name, line);
	struct slot *sl = filling(s);
	if (sl->n == SEND_FRAME_RECORDS || sl->cost + cost > SEND_FRAME_BYTES) {
		send_filling(s);
		sl = filling(s);
	}
	struct sa_record *d = &sl->recs[sl->n];
	*d = *r;
	d->seq = 0; /* the daemon numbers records */
	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!sa_record_has(r, (enum sa_field)f) ||
		    sa_field_info((enum sa_field)f)->kind != SA_KIND_STR)
			continue;
		size_t len = r->str[f].len;
		if (len > 0)
			memcpy(sl->arena + sl->used, r->str[f].ptr, len);
		d->str[f].ptr = sl->arena + sl->used;
		sl->used += len;
	}
	sl->cost += cost;
	sl->at[sl->n] = (struct where){name, line, s->rank++};
	sl->n++;
}

void
sender_idle(struct sender *s)
{
	send_filling(s);
	/* All of it in the socket before this process waits for input. */
	drain(s, SEND_WINDOW, true);
}

unsigned long long
sender_finish(struct sender *s)
{
	send_filling(s);
	drain(s, 0, true);
	unsigned long long failed = s->failed;
	sa_client_close(s->c);
	for (size_t i = 0; i <= SEND_WINDOW; i++) {
		free(s->slots[i].recs);
		free(s->slots[i].at);
		free(s->slots[i].arena);
	}
	free(s);
	return failed;
}
