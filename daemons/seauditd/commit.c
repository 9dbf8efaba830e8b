/*
 * commit.c - from a producer's frame to an acknowledgement: stamping,
 * group commit, and what happens when the disk says no.
 *
 * The acknowledgement contract: a frame is acknowledged only after
 * sa_writer_commit has returned 0 for a batch holding all of its records,
 * which under sync=batch or interval means after fdatasync.  Everything
 * read in one turn of the event loop is committed once, in the
 * before-sleep hook (group commit), then every frame of the batch is
 * acknowledged in arrival order.
 *
 * When a commit fails (ENOSPC, EDQUOT, EIO) nothing of the batch is
 * acknowledged.  The configured action decides what follows:
 *  - refuse: the batch is dropped and its producers get the error; new
 *    frames are refused until a retry succeeds;
 *  - block: the batch is kept, producers are no longer read (they wait
 *    for their acknowledgements), and the commit is retried until space
 *    returns or the I/O error clears (docs/PROTOCOL.md: under block the
 *    daemon does not refuse);
 *  - rotate: the oldest sealed segment is deleted and the commit retried
 *    (refuse when nothing is left to delete, and on EIO, which deleting
 *    records cannot cure).
 * Before the disk is full, free space below `reserve` makes the daemon
 * shed frames holding noisy classes, so the classes that matter most can
 * still be written.
 *
 * Every record refused or shed is counted; the next record the daemon
 * manages to write is a loss record saying how many were lost, of which
 * producers and event types, and between which times.  The log thus
 * proves its own completeness: the sum of `lost` over loss records equals
 * the records producers were refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "diag.h"
#include "maint.h"

#define RETRY_MS 200
/*
 * While shedding goes on, a loss record per group commit would eat the
 * reserve it protects: in normal operation losses are summed and written
 * at most once per LOSS_EVERY_MS (counts stay exact; only their
 * granularity in time changes).  A failing log writes one on every retry:
 * that write is the probe that finds the disk usable again.
 */
#define LOSS_EVERY_MS 1000
#define WATCH_MS 1000 /* how often an idle daemon checks its log is there */

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t
wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *
state_name(enum state s)
{
	switch (s) {
	case ST_OK:
		return "ok";
	case ST_REFUSING:
		return "refusing";
	case ST_BLOCKING:
		return "blocking";
	}
	return "unknown";
}

static void
record_latency(struct daemon *d, uint64_t us)
{
	size_t cap = sizeof d->st.lat_us / sizeof d->st.lat_us[0];
	d->st.lat_us[d->st.nlat++ % cap] = us;
	if (us > d->st.max_lat_us)
		d->st.max_lat_us = us;
}

static int
pend_push(struct daemon *d, const struct pending *p)
{
	if (d->npend == d->pendcap) {
		size_t ncap = d->pendcap ? d->pendcap * 2 : 256;
		struct pending *n = realloc(d->pend, ncap * sizeof *n);
		if (n == NULL)
			return -ENOMEM;
		d->pend = n;
		d->pendcap = ncap;
	}
	d->pend[d->npend++] = *p;
	return 0;
}

/* The words of each cause in a loss record's detail (docs/PROTOCOL.md). */
static const char *const cause_words[LOSS__COUNT] = {
    [LOSS_SHED] = "noisy class shed below the reserve",
    [LOSS_REFUSED] = "refused while the log was unwritable",
    [LOSS_DISK_FULL] = "disk full",
    [LOSS_WRITE_FAIL] = "log write failed",
    [LOSS_SHUTDOWN] = "daemon shutting down",
    [LOSS_ROTATED] = ("oldest segment rotated away (acknowledged records"
		      " removed)"),
    [LOSS_LOG_MISSING] = "log directory missing",
    [LOSS_LOG_REMOVED] = ("active segment removed with the log directory"
			  " (acknowledged records removed)"),
};

/* Loss accounting: `n` records of the given events from one producer. */
static void
loss_add(struct daemon *d, pid_t pid, uid_t uid, const uint32_t *events,
	 uint64_t n, enum loss_cause why)
{
	struct loss *L = &d->loss;
	int64_t t = wall_us();
	if (n == 0)
		return;
	if (L->count == 0)
		L->first_us = t;
	L->last_us = t;
	L->count += n;
	L->by_cause[why] += n;
	for (int e = 0; e < SA_EV__COUNT; e++)
		L->by_event[e] += events[e];
	size_t i;
	for (i = 0; i < sizeof L->by_producer / sizeof L->by_producer[0]; i++) {
		if (L->by_producer[i].n == 0) {
			L->by_producer[i].pid = pid;
			L->by_producer[i].uid = uid;
		}
		if (L->by_producer[i].pid == pid &&
		    L->by_producer[i].uid == uid) {
			L->by_producer[i].n += n;
			return;
		}
	}
	L->other_producers += n;
}

/* Appends the pending loss record (reserved class: always attempted). */

static int
append_loss_record(struct daemon *d)
{
	struct loss *L = &d->loss;
	if (L->count == 0 || d->loss_in_batch)
		return 0;
	char since[SA_RFC3339_MAX], until[SA_RFC3339_MAX];
	sa_time_format_rfc3339(L->first_us, since);
	sa_time_format_rfc3339(L->last_us, until);
	char detail[1024];
	size_t o = 0;
	o += (size_t)snprintf(detail + o, sizeof detail - o, "causes:");
	const char *sep = " ";
	for (int k = 0; k < LOSS__COUNT && o < sizeof detail; k++)
		if (L->by_cause[k]) {
			o += (size_t)snprintf(detail + o, sizeof detail - o,
					      "%s%s %" PRIu64, sep,
					      cause_words[k], L->by_cause[k]);
			sep = ", ";
		}
	if (o < sizeof detail)
		o += (size_t)snprintf(detail + o, sizeof detail - o,
				      "; events:");
	for (int e = 1; e < SA_EV__COUNT && o < sizeof detail; e++)
		if (L->by_event[e])
			o += (size_t)snprintf(
			    detail + o, sizeof detail - o, " %s %" PRIu64,
			    sa_event_json((enum sa_event)e), L->by_event[e]);
	if (o < sizeof detail)
		o += (size_t)snprintf(detail + o, sizeof detail - o,
				      "; producers:");
	for (size_t i = 0;
	     i < sizeof L->by_producer / sizeof L->by_producer[0] &&
	     L->by_producer[i].n && o < sizeof detail;
	     i++)
		o += (size_t)snprintf(
		    detail + o, sizeof detail - o, " pid %ld uid %ld: %" PRIu64,
		    (long)L->by_producer[i].pid, (long)L->by_producer[i].uid,
		    L->by_producer[i].n);
	if (L->other_producers && o < sizeof detail)
		snprintf(detail + o, sizeof detail - o, " others: %" PRIu64,
			 L->other_producers);
	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_LOSS;
	r.status = 'C';
	r.time_us = wall_us();
	sa_record_set_cstr(&r, SA_F_SERVICE, "seauditd");
	sa_record_set_int(&r, SA_F_LOST, (int64_t)L->count);
	sa_record_set_cstr(&r, SA_F_LOST_SINCE, since);
	sa_record_set_cstr(&r, SA_F_LOST_UNTIL, until);
	sa_record_set_str(&r, SA_F_DETAIL, detail, strlen(detail));
	sa_record_set_int(&r, SA_F_PID, getpid());
	sa_record_set_int(&r, SA_F_PRODUCER_UID, geteuid());
	sa_record_set_cstr(&r, SA_F_ORIGIN, d->conf.origin);
	int rc = sa_writer_append(d->w, &r);
	if (rc == 0)
		d->loss_in_batch = true;
	return rc;
}

/* Free space on the log's file system, refreshed cheaply. */
static uint64_t
free_space(struct daemon *d)
{
	uint64_t now = ev_now_ms();
	if (now - d->free_checked_ms >= 50 ||
	    d->appended_since_check >= (1u << 20)) {
		struct statvfs sv;
		if (statvfs(d->conf.audit_log, &sv) == 0)
			d->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
		d->free_checked_ms = now;
		d->appended_since_check = 0;
	}
	uint64_t used = d->appended_since_check;
	return d->free_bytes > used ? d->free_bytes - used : 0;
}

/* Does the string field f of r equal s? */
static bool
str_is(const struct sa_record *r, enum sa_field f, const char *s)
{
	size_t n = strlen(s);
	return r->str[f].len == n && memcmp(r->str[f].ptr, s, n) == 0;
}

/*
 * Who may write what (docs/PROTOCOL.md §8): the daemon's own records (its
 * start and shutdown, every loss and retention record) come from no producer;
 * root and producer_group may write any other record about anyone; any other
 * producer only the events of user_events, and only about itself: every
 * user name in the record must be its own.  0, or SA_EFORBIDDEN with the
 * field to blame in *bad and the reason in why.
 */
static int
policy_check(struct daemon *d, struct fsrv_conn *c, const struct sa_record *r,
	     enum sa_field *bad, char *why, size_t cap)
{
	enum sa_event ev = (enum sa_event)r->event;
	if (ev == SA_EV_LOSS || ev == SA_EV_RETENTION ||
	    ((ev == SA_EV_STARTUP || ev == SA_EV_SHUTDOWN) &&
	     sa_record_has(r, SA_F_SERVICE) &&
	     str_is(r, SA_F_SERVICE, "seauditd"))) {
		*bad = ev == SA_EV_LOSS || ev == SA_EV_RETENTION ? SA_F_NONE
								 : SA_F_SERVICE;
		snprintf(why, cap,
			 "%s records of seauditd are written by the"
			 " daemon only",
			 sa_event_json(ev));
		return SA_EFORBIDDEN;
	}
	if (fsrv_conn_privileged(c))
		return 0;
	if (!(d->conf.user_events & (1u << ev))) {
		*bad = SA_F_NONE;
		snprintf(why, cap,
			 "%s records are not allowed from uid %ld"
			 " (user_events; root and producer_group may)",
			 sa_event_json(ev), (long)fsrv_conn_uid(c));
		return SA_EFORBIDDEN;
	}
	static const enum sa_field names[] = {SA_F_USER, SA_F_EFFECTIVE_USER,
					      SA_F_REAL_USER};
	const char *me = fsrv_conn_user(c);
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		if (!sa_record_has(r, names[k]) ||
		    (me[0] != '\0' && str_is(r, names[k], me)))
			continue;
		*bad = names[k];
		snprintf(why, cap,
			 "field %s names another user than the"
			 " producer's own (uid %ld, %s): only root and"
			 " producer_group may write about other users",
			 sa_field_info(names[k])->json, (long)fsrv_conn_uid(c),
			 me[0] ? me : "no name");
		return SA_EFORBIDDEN;
	}
	return 0;
}

/* The body length of a record whose length prefix and body are the `n`
 * bytes at p (already checked well framed by the parser). */
static size_t
body_len(const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n && k < 10 && (p[k] & 0x80))
		k++;
	return k < n ? n - k - 1 : 0;
}

static void
refuse_frame(struct daemon *d, struct fsrv_conn *c, uint32_t id, int code,
	     uint32_t index, const uint32_t *events, uint32_t count,
	     enum loss_cause why, const char *message)
{
	struct sa_proto_err e = {.code = code, .index = index};
	snprintf(e.message, sizeof e.message, "%s", message);
	loss_add(d, fsrv_conn_pid(c), fsrv_conn_uid(c), events, count, why);
	if (code == SA_ESHED)
		d->st.records_shed += count;
	else
		d->st.records_refused += count;
	fsrv_reply_error(c, id, false, &e); /* in frame order */
}

void
commit_frame(struct daemon *d, struct fsrv_conn *c, uint32_t id,
	     const uint8_t *payload, size_t len)
{
	uint32_t count;
	char framing[160];
	if (sa_proto_records_framing(payload, len, &count, framing,
				     sizeof framing) < 0) {
		struct sa_proto_err e = {.code = SA_EPROTO,
					 .index = SA_PROTO_NO_INDEX};
		snprintf(e.message, sizeof e.message,
			 "records frame not well framed: %s", framing);
		fsrv_reply_error(c, id, true, &e);
		return;
	}
	/* Pass 1: every record must decode and validate (all or nothing).
	 * Decoded once; the records point into the payload, which stays put
	 * until this function returns. */
	if (count > d->reccap) {
		struct sa_record *nr = realloc(d->recs, count * sizeof *nr);
		if (nr == NULL)
			fatalx("out of memory for a frame of %u records",
			       count);
		d->recs = nr;
		d->reccap = count;
	}
	uint32_t events[SA_EV__COUNT] = {0};
	uint32_t noisy = UINT32_MAX;
	char why[200];
	size_t pos = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct sa_record *rp = &d->recs[i];
		size_t at = pos;
		enum sa_field bad = SA_F_NONE;
		int rc =
		    sa_proto_next_record_diag(payload, len, &pos, rp, &bad);
		if (rc == SA_EPROTO || rc == 0) {
			struct sa_proto_err e = {.code = SA_EPROTO, .index = i};
			snprintf(e.message, sizeof e.message,
				 "record %u: broken framing inside the frame",
				 i);
			fsrv_reply_error(c, id, true, &e);
			return;
		}
		if (rc == 1)
			rc = sa_record_validate(rp, &bad);
		/* max_record_bytes bounds the encoded body, the bytes after
		 * the record's length prefix (docs/PROTOCOL.md §2.1). */
		if (at == 0)
			at = 4; /* the first record follows the u32 count */
		size_t body = body_len(payload + at, pos - at);
		if (rc == 0 && body > d->conf.max_record_bytes)
			rc = SA_ETOOLONG;
		if (rc < 0) {
			struct sa_proto_err e = {
			    .code = rc, .index = i, .field = (uint8_t)bad};
			if (rc == SA_ETOOLONG && bad == SA_F_NONE)
				snprintf(e.message, sizeof e.message,
					 "record %u: encoded body of %zu bytes"
					 " is over max_record_bytes %u",
					 i, body, d->conf.max_record_bytes);
			else
				snprintf(e.message, sizeof e.message,
					 "record %u%s%s: %s", i,
					 bad ? " field " : "",
					 bad ? sa_field_info(bad)->json : "",
					 sa_strerror(rc));
			d->st.records_invalid += count;
			fsrv_reply_error(c, id, false, &e);
			return;
		}
		if (rc == 0)
			rc = policy_check(d, c, rp, &bad, why, sizeof why);
		if (rc < 0) {
			struct sa_proto_err e = {
			    .code = rc, .index = i, .field = (uint8_t)bad};
			snprintf(e.message, sizeof e.message, "record %u: %s",
				 i, why);
			d->st.records_invalid += count;
			log_info(
			    "client pid %ld uid %ld: record %u refused: %s",
			    (long)fsrv_conn_pid(c), (long)fsrv_conn_uid(c), i,
			    why);
			fsrv_reply_error(c, id, false, &e);
			return;
		}
		events[rp->event]++;
		if (noisy == UINT32_MAX &&
		    !(d->conf.reserved_events & (1u << rp->event)))
			noisy = i;
	}
	if (d->state == ST_REFUSING && d->log_missing) {
		refuse_frame(d, c, id, SA_ELOGGONE, SA_PROTO_NO_INDEX, events,
			     count, LOSS_LOG_MISSING,
			     "log directory removed: refused until it can be "
			     "made again");
		return;
	}
	if (d->state == ST_REFUSING) {
		refuse_frame(
		    d, c, id, -ENOSPC, SA_PROTO_NO_INDEX, events, count,
		    LOSS_REFUSED,
		    "log unwritable (disk full or I/O error): refused");
		return;
	}
	struct pending p = {.pid = fsrv_conn_pid(c),
			    .uid = fsrv_conn_uid(c),
			    .id = id,
			    .count = count,
			    .t_start_ms = ev_now_ms(),
			    .bytes = len};
	memcpy(p.events, events, sizeof events);
	if (noisy != UINT32_MAX && free_space(d) < d->conf.reserve_bytes) {
		/*
		 * Below the reserve only the noisy records are shed: the
		 * reserved ones of the same frame are stored, and the partial
		 * ack names the others bit by bit.  A frame of noisy records
		 * only is refused whole, as before.
		 */
		uint32_t shed_ev[SA_EV__COUNT] = {0}, shed = 0;
		uint8_t *map = calloc((count + 7) / 8, 1);
		if (map == NULL)
			fatalx("out of memory for a frame of %u records",
			       count);
		for (uint32_t i = 0; i < count; i++) {
			unsigned ev = d->recs[i].event;
			if (d->conf.reserved_events & (1u << ev))
				continue;
			map[i / 8] |= (uint8_t)(1u << (i % 8));
			shed_ev[ev]++;
			p.events[ev]--;
			shed++;
		}
		if (shed == count) {
			free(map);
			refuse_frame(d, c, id, SA_ESHED, noisy, events, count,
				     LOSS_SHED,
				     "free space below the reserve: noisy class"
				     " shed");
			return;
		}
		loss_add(d, fsrv_conn_pid(c), fsrv_conn_uid(c), shed_ev, shed,
			 LOSS_SHED);
		d->st.records_shed += shed;
		p.refused_map = map;
		p.refused = shed;
		p.refused_code = SA_ESHED;
		p.count = count - shed;
	}
	/* The reply waits for the commit; without memory for it nothing is
	 * appended, and the producer sees its connection close. */
	if ((p.t = fsrv_hold(c)) == NULL) {
		free(p.refused_map);
		return;
	}
	/* Pass 2: stamp and append.  Validation is done, so only memory can
	 * fail here, and a daemon out of memory cannot keep its promises. */
	bool first = true;
	for (uint32_t i = 0; i < count; i++) {
		struct sa_record *r = &d->recs[i]; /* stamped in place */
		if (p.refused_map != NULL &&
		    (p.refused_map[i / 8] >> (i % 8)) & 1u)
			continue;
		sa_record_set_int(r, SA_F_PID, fsrv_conn_pid(c));
		sa_record_set_int(r, SA_F_PRODUCER_UID, fsrv_conn_uid(c));
		/* Root producers (PAM, the watchdog) speak for other users;
		 * anyone else can only speak for themselves. */
		if (fsrv_conn_uid(c) != 0)
			sa_record_set_int(r, SA_F_UID, fsrv_conn_uid(c));
		sa_record_set_cstr(r, SA_F_ORIGIN, d->conf.origin);
		/* Anyone who may read the log (the audit group, zstdcat of a
		 * sealed segment) must not find passwords in it. */
		if (d->conf.mask_passwords && sa_mask_record(r, d->masked) < 0)
			fatalx("out of memory masking a password");
		int rc = sa_writer_append(d->w, r);
		if (rc < 0)
			fatalx("appending a validated record: %s",
			       sa_strerror(rc));
		if (first)
			p.first_seq = r->seq;
		first = false;
		p.last_seq = r->seq;
		d->appended_since_check += len / count + 16;
	}
	if (pend_push(d, &p) < 0)
		fatalx("out of memory for the commit queue");
}

/* Sends every queued reply, in order, and forgets the batch. */
static void
ack_all(struct daemon *d)
{
	struct sa_buf b = SA_BUF_INIT;
	for (size_t i = 0; i < d->npend; i++) {
		struct pending *p = &d->pend[i];
		sa_buf_reset(&b);
		if (p->is_error) {
			if (sa_proto_put_error(&b, p->id, false, &p->err) < 0)
				fatalx("out of memory for a refusal");
		} else {
			struct sa_proto_ack a = {.first_seq = p->first_seq,
						 .last_seq = p->last_seq,
						 .count = p->count,
						 .refused = p->refused,
						 .refused_code =
						     p->refused_code,
						 .refused_map = p->refused_map};
			if (sa_proto_put_ack_partial(&b, p->id, &a) < 0)
				fatalx("out of memory for an ack");
		}
		fsrv_answer(p->t, &b, false);
		p->t = NULL;
		if (!p->is_error) {
			d->st.records_written += p->count;
			d->st.bytes_written += p->bytes;
		}
		free(p->refused_map);
		p->refused_map = NULL;
	}
	d->npend = 0;
	sa_buf_free(&b);
	if (d->srv) /* NULL after the server closed: the shutdown record */
		fsrv_flush(d->srv);
}

/* Drops the batch: every producer in it is told, every record counted. */
static void
refuse_all(struct daemon *d, int code, const char *why)
{
	enum loss_cause cause = code == -ENOSPC || code == -EDQUOT
				    ? LOSS_DISK_FULL
				: code == -ESHUTDOWN  ? LOSS_SHUTDOWN
				: code == SA_ELOGGONE ? LOSS_LOG_MISSING
						      : LOSS_WRITE_FAIL;
	sa_writer_discard(d->w);
	d->loss_in_batch = false;
	maint_batch_dropped(d);
	for (size_t i = 0; i < d->npend; i++) {
		struct pending *p = &d->pend[i];
		if (!p->is_error) {
			/* A partial frame's shed records are counted
			 * already; its stored ones are lost now.  The
			 * producer hears one refusal for the whole frame,
			 * so the loss record gives the whole frame this
			 * cause (the loss is still unwritten: it resets
			 * only when a commit succeeds). */
			if (p->refused > 0 &&
			    d->loss.by_cause[LOSS_SHED] >= p->refused) {
				d->loss.by_cause[LOSS_SHED] -= p->refused;
				d->loss.by_cause[cause] += p->refused;
				d->st.records_shed -= p->refused;
				d->st.records_refused += p->refused;
			}
			loss_add(d, p->pid, p->uid, p->events, p->count, cause);
			d->st.records_refused += p->count;
			p->is_error = true;
			p->err = (struct sa_proto_err){
			    .code = code, .index = SA_PROTO_NO_INDEX};
			snprintf(p->err.message, sizeof p->err.message,
				 "%s: %s", why, sa_strerror(code));
		}
	}
	ack_all(d);
}

static void retry_cb(struct ev_loop *l, uint64_t id, void *arg);

static void
arm_retry(struct daemon *d)
{
	if (d->retry_timer <= 0)
		d->retry_timer =
		    ev_add_timer(d->loop, RETRY_MS, true, retry_cb, d);
}

static void
disarm_retry(struct daemon *d)
{
	if (d->retry_timer > 0)
		ev_del_timer(d->loop, (uint64_t)d->retry_timer);
	d->retry_timer = 0;
}

static void
enter_state(struct daemon *d, enum state s, int rc)
{
	if (d->state == s)
		return;
	if (s == ST_OK)
		log_info("log writable again; state ok");
	else
		log_warnx("commit failed (%s): %s (disk_full_action %s)",
			  sa_strerror(rc),
			  s == ST_BLOCKING ? "blocking producers"
					   : "refusing new records",
			  s == ST_BLOCKING ? "block" : "refuse");
	if (d->srv && d->state == ST_BLOCKING && s != ST_BLOCKING)
		fsrv_pause_all(d->srv, false);
	if (d->srv && s == ST_BLOCKING)
		fsrv_pause_all(d->srv, true);
	d->state = s;
	if (s == ST_OK)
		disarm_retry(d);
	else
		arm_retry(d);
}

/*
 * The commit found the active segment unlinked: the log directory was
 * removed (or replaced) under the daemon, and the batch went to a file
 * no reader will see.  Nothing of it is acknowledged.  The directory is
 * recreated where the configuration puts it (as at start-up) and the
 * batch moved into a new segment there; the records of the removed
 * active segment are recorded as lost.  When that fails (its parent is
 * gone, a file stands in its place), the daemon refuses (or, under
 * disk_full_action block, holds producers) and tries again on every
 * retry, until the directory can be made again.  True when the log is
 * back.
 */
static bool
log_gone(struct daemon *d)
{
	uint64_t lost = 0;
	int rc = sa_writer_reopen(d->w, &lost);
	if (rc < 0) {
		if (!d->log_missing)
			log_warnx("log directory %s removed under the daemon; "
				  "cannot make it again (%s): nothing is "
				  "acknowledged until it is back",
				  d->conf.audit_log, sa_strerror(rc));
		d->log_missing = true;
		return false;
	}
	d->log_missing = false;
	d->st.log_reopened++;
	d->removed_away += lost;
	log_warnx("log directory %s was removed under the daemon: made it "
		  "again, new segment %s; %" PRIu64 " acknowledged records "
		  "went with the removed active segment",
		  d->conf.audit_log, sa_writer_segment_path(d->w), lost);
	maint_log_reopened(d);
	return true;
}

/* Outside a commit, the records removed with the log are a loss now. */
static void
removed_now(struct daemon *d)
{
	if (d->removed_away == 0)
		return;
	uint32_t none[SA_EV__COUNT] = {0};
	loss_add(d, getpid(), geteuid(), none, d->removed_away,
		 LOSS_LOG_REMOVED);
	d->removed_away = 0;
}

/*
 * An idle daemon commits nothing, so a removed log would go unnoticed
 * (and -status say ok) until the next record: look every WATCH_MS, and
 * whenever the status is asked for.  Made again here, the records that
 * went with the removed segment are a loss to record now.
 */
void
commit_watch_log(struct daemon *d)
{
	if (d->log_missing || sa_writer_check(d->w) == 0)
		return; /* missing: the retry timer is at work */
	if (d->npend > 0)
		return; /* the coming commit finds it */
	if (log_gone(d))
		removed_now(d);
	else if (d->conf.disk_full_action == FULL_BLOCK) {
		enter_state(d, ST_BLOCKING, SA_ELOGGONE);
	} else {
		enter_state(d, ST_REFUSING, SA_ELOGGONE);
	}
}

static void
watch_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	commit_watch_log(arg);
}

/*
 * Records committed but not yet covered by a checkpoint are sealed within
 * checkpoint_interval_ms even when no more arrive.  A batch in flight is
 * left to its own commit, which checkpoints when due.
 */
static void
seal_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	struct sa_seal_state ss;
	sa_writer_seal_state(d->w, &ss);
	if (d->state != ST_OK || d->npend > 0 ||
	    ss.sealed_seq >= sa_writer_committed_seq(d->w))
		return;
	int rc = sa_writer_seal(d->w);
	if (rc < 0)
		log_warnx("sealing: %s", sa_strerror(rc));
	sa_writer_seal_state(d->w, &ss);
	if (ss.key_error != 0 && !d->key_error_told) {
		log_warnx("seal_key %s: the evolved key could not be written"
			  " (%s): the previous epoch's key is still on disk",
			  d->conf.seal_key, sa_strerror(ss.key_error));
		d->key_error_told = true;
	}
}

/* One group commit; handles failure by the configured action. */
static void
do_commit(struct daemon *d)
{
	if (d->state == ST_REFUSING ||
	    (d->state == ST_OK &&
	     (d->stopping || ev_now_ms() - d->last_loss_ms >= LOSS_EVERY_MS)))
		append_loss_record(d);
	maint_retention_append(d);
	for (;;) {
		uint64_t t0 = now_us();
		int rc = sa_writer_commit(d->w);
		if (rc == 0) {
			uint64_t lat = now_us() - t0;
			d->st.commits++;
			record_latency(d, lat);
			d->last_commit_ms = ev_now_ms();
			if (d->loss_in_batch) {
				d->st.loss_records++;
				d->last_loss_ms = ev_now_ms();
				log_warnx("recorded the loss of %" PRIu64
					  " records",
					  d->loss.count);
				memset(&d->loss, 0, sizeof d->loss);
				d->loss_in_batch = false;
			}
			if (d->rotated_away > 0) {
				/* Written by the next commit, in sequence after
				 * the batch that needed the space. */
				uint32_t none[SA_EV__COUNT] = {0};
				loss_add(d, getpid(), geteuid(), none,
					 d->rotated_away, LOSS_ROTATED);
				d->rotated_away = 0;
			}
			if (d->removed_away > 0) {
				uint32_t none[SA_EV__COUNT] = {0};
				loss_add(d, getpid(), geteuid(), none,
					 d->removed_away, LOSS_LOG_REMOVED);
				d->removed_away = 0;
			}
			ack_all(d);
			enter_state(d, ST_OK, 0);
			maint_retention_committed(d);
			maint_after_commit(d);
			return;
		}
		d->st.write_errors++;
		if (rc == SA_ELOGGONE && log_gone(d))
			continue; /* recreated: the batch goes there now */
		bool full = rc == -ENOSPC || rc == -EDQUOT;
		if (d->conf.disk_full_action == FULL_BLOCK) {
			enter_state(d, ST_BLOCKING, rc);
			return; /* batch kept; the retry timer tries again */
		}
		if (full && d->conf.disk_full_action == FULL_ROTATE) {
			char what[PATH_MAX + 64];
			uint64_t gone = 0;
			if (maint_drop_oldest(d, what, sizeof what, &gone) ==
			    1) {
				/* Acknowledged records leave the trail: that
				 * is a loss too, and it is recorded as one. */
				log_warnx("disk full: rotated away %s", what);
				d->rotated_away += gone;
				continue;
			}
		}
		refuse_all(d, rc,
			   full		       ? "disk full"
			   : rc == SA_ELOGGONE ? "log directory removed"
					       : "log write failed");
		enter_state(d, ST_REFUSING, rc);
		return;
	}
}

static void
retry_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	/* A commit of nothing cannot tell that the log is back. */
	if (d->log_missing) {
		if (!log_gone(d))
			return;
		removed_now(d);
	}
	if (d->state == ST_BLOCKING || d->loss.count > 0 || d->npend > 0)
		do_commit(d);
	else
		enter_state(d, ST_OK, 0);
}

static void
loss_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	d->loss_timer = 0; /* the hook after this writes the loss record */
}

static void
interval_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	d->interval_timer = 0; /* one-shot: the hook after this commits */
}

void
commit_before_sleep(struct ev_loop *l, void *arg)
{
	(void)l;
	struct daemon *d = arg;
	if (d->state == ST_BLOCKING)
		return;
	if (d->npend == 0 && d->loss.count == 0 &&
	    !(d->state == ST_OK && maint_retention_due(d)))
		goto out;
	if (d->state == ST_REFUSING) {
		/* Only queued refusals can be pending here; the retry timer
		 * writes the loss record once the log takes writes again. */
		if (d->npend > 0)
			ack_all(d);
		goto out;
	}
	if (d->npend == 0 && !d->stopping && d->loss.count > 0 &&
	    ev_now_ms() - d->last_loss_ms < LOSS_EVERY_MS) {
		/* Only a loss to record, and one was written just now. */
		if (d->loss_timer <= 0)
			d->loss_timer = ev_add_timer(
			    d->loop,
			    LOSS_EVERY_MS - (ev_now_ms() - d->last_loss_ms),
			    false, loss_cb, d);
		goto out;
	}
	if (d->conf.sync_interval) {
		uint64_t since = ev_now_ms() - d->last_commit_ms;
		if (since < d->conf.sync_interval_ms) {
			if (d->interval_timer <= 0)
				d->interval_timer = ev_add_timer(
				    d->loop, d->conf.sync_interval_ms - since,
				    false, interval_cb, d);
			return;
		}
	}
	do_commit(d);
out:
	if (d->srv)
		fsrv_reap(d->srv);
}

int
commit_init(struct daemon *d)
{
	struct sa_writer_opts o = {
	    .origin = d->conf.origin,
	    .sync = d->conf.sync,
	    .segment_size = d->conf.audit_size,
	    .compress_sealed = false, /* done in the background (maint.c) */
	    .file_mode = 0640,
	    .dir_mode = 0750,
	    .set_group = d->conf.audit_group[0] != '\0',
	    .group = d->conf.audit_gid,
	    .seal_key = d->conf.seal_key[0] ? d->conf.seal_key : NULL,
	    .checkpoint_records = d->conf.checkpoint_records,
	    .checkpoint_ms = d->conf.checkpoint_ms,
	    .flags = d->conf.seal ? 0 : SA_WRITER_NO_CHAIN,
	};
	struct sa_recovery rep;
	int rc = sa_writer_open(&d->w, d->conf.audit_log, &o, &rep);
	if (rc == -EBUSY && o.seal_key != NULL) {
		log_warnx("seal_key %s is in use by another writer (one key"
			  " per log: make another with seaudit-keygen)",
			  o.seal_key);
		return rc;
	}
	if (rc < 0 && o.seal_key != NULL && rc != SA_ELOCKED &&
	    access(o.seal_key, F_OK) != 0) {
		log_warnx("seal_key %s: %s (create it with seaudit-keygen)",
			  o.seal_key, sa_strerror(rc));
		return rc;
	}
	if (rc < 0) {
		log_warnx("%s: %s", d->conf.audit_log, sa_strerror(rc));
		return rc;
	}
	if (rep.bytes_dropped)
		log_warnx("%s/%s: torn tail of %" PRIu64
			  " bytes removed (last seq %" PRIu64 ")",
			  d->conf.audit_log, rep.segment, rep.bytes_dropped,
			  rep.last_seq);
	if (rep.damaged_regions)
		log_warnx("%s/%s: %" PRIu64 " damaged regions left for readers "
			  "to report",
			  d->conf.audit_log, rep.segment, rep.damaged_regions);
	log_info("log %s: last seq %" PRIu64, d->conf.audit_log, rep.last_seq);
	d->last_commit_ms = ev_now_ms();
	d->watch_timer = ev_add_timer(d->loop, WATCH_MS, true, watch_cb, d);
	d->seal_timer =
	    ev_add_timer(d->loop, d->conf.checkpoint_ms, true, seal_cb, d);
	return 0;
}

int
commit_daemon_record(struct daemon *d, enum sa_event ev)
{
	struct sa_record r;
	sa_record_init(&r);
	r.event = (uint8_t)ev;
	r.status = 'M';
	r.time_us = wall_us();
	sa_record_set_cstr(&r, SA_F_SERVICE, "seauditd");
	sa_record_set_int(&r, SA_F_PID, getpid());
	sa_record_set_int(&r, SA_F_PRODUCER_UID, geteuid());
	sa_record_set_cstr(&r, SA_F_ORIGIN, d->conf.origin);
	if (ev == SA_EV_SHUTDOWN)
		sa_record_set_cstr(&r, SA_F_USER, "root");
	if (ev == SA_EV_STARTUP && d->start_note != NULL &&
	    d->start_note[0] != '\0')
		sa_record_set_cstr(&r, SA_F_DETAIL, d->start_note);
	int rc = sa_writer_append(d->w, &r);
	if (rc == 0) {
		do_commit(d);
		rc = d->state == ST_OK ? 0 : -EIO;
	}
	return rc;
}

uint64_t
commit_finish(struct daemon *d)
{
	uint64_t lost = 0;
	if (d->npend > 0 || d->loss.count > 0) {
		if (d->state == ST_BLOCKING)
			d->state = ST_OK; /* one last try */
		do_commit(d);
		if (d->npend > 0) {
			for (size_t i = 0; i < d->npend; i++)
				if (!d->pend[i].is_error)
					lost += d->pend[i].count;
			refuse_all(d, -ESHUTDOWN, "daemon shutting down");
		}
	}
	return lost;
}
