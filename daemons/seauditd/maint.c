/*
 * maint.c - the daemon's side of segment maintenance: rotation by date
 * and on demand, and the configuration of the library's segment set
 * (seaudit/segset.h), which moves sealed segments to audit_back, keeps
 * audit_max_files of them and zstd-compresses them in its own thread.
 *
 * Rotation itself is the writer's (sa_writer_rotate, or roll-over at
 * audit_size): it is atomic with respect to records, which are committed
 * to exactly one segment.  Readers following the log find the next
 * segment by its name.
 *
 * The set never touches the active segment; its messages come through
 * on_note, from its thread too.
 *
 * Retention stays provable (docs/INTEGRITY.md §3): the set asks hold()
 * before it removes a segment, and the answer is "keep" until a
 * retention record naming that segment's records, its closing chain
 * value and the key bridge past it is durable and sealed.  hold() only
 * asks (an atomic, since the set's thread may call it); the commit path
 * writes the record (maint_retention_append), and once the commit
 * returned, retention goes on (maint_retention_committed).  The disk-full
 * action rotate cannot wait for a commit: its record goes into the batch
 * that needed the space, and the segment goes at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "maint.h"

/* First seq of a segment path's file name, or 0 for another file. */
static uint64_t
path_seq(const char *path)
{
	const char *base = strrchr(path, '/');
	uint64_t seq;
	return sa_segment_name_parse(base ? base + 1 : path, &seq, NULL) ? seq
									 : 0;
}

/* What the segment set did, in the daemon's log (any thread). */
static void
on_note(const struct sa_segset_note *n, void *arg)
{
	(void)arg;
	switch (n->event) {
	case SA_SEGSET_MOVED:
		log_debug("moved %s", n->path);
		break;
	case SA_SEGSET_COMPRESSED:
		log_debug("sealed %s", n->path);
		break;
	case SA_SEGSET_REMOVED:
		if (n->max_files > 0)
			log_info("retention: removed %s (audit_max_files %u)",
				 n->path, n->max_files);
		break;
	case SA_SEGSET_HELD:
		/* Until its retention record is sealed: a moment. */
		log_debug("retention: %s held", n->path);
		break;
	case SA_SEGSET_FAILED:
		log_warnx("%s %s: %s", n->what ? n->what : "maintaining",
			  n->path, n->error ? sa_strerror(n->error) : "failed");
		break;
	}
}

/* The set's question, on either thread: keep this segment for now? */
static bool
hold(const char *path, uint64_t first_seq, void *arg)
{
	(void)path;
	struct daemon *d = arg;
	if (atomic_load(&d->retire_force) ||
	    first_seq <= atomic_load(&d->retire_ok))
		return false;
	uint64_t want = atomic_load(&d->retire_want);
	while ((want == 0 || want > first_seq) &&
	       !atomic_compare_exchange_weak(&d->retire_want, &want, first_seq))
		;
	return true;
}

struct find {
	uint64_t seq;
	char path[PATH_MAX];
};

static int
find_cb(const char *path, uint64_t first_seq, bool compressed, void *arg)
{
	(void)compressed;
	struct find *f = arg;
	if (f->seq != 0 && first_seq != f->seq)
		return 0;
	f->seq = first_seq; /* seq 0 asked for the oldest */
	snprintf(f->path, sizeof f->path, "%s", path);
	return 1;
}

/* The segment starting at seq (0: the oldest) into f: 0 or -ENOENT. */
static int
find_segment(struct daemon *d, uint64_t seq, struct find *f)
{
	f->seq = seq;
	return sa_log_segments(d->conf.audit_log, find_cb, f) == 1 ? 0
								   : -ENOENT;
}

/*
 * A retention record made and kept until a commit made it durable: a
 * batch refused (a full disk) drops what was appended, and the segment
 * may be gone already (rotate), so the record is appended again from
 * here.  release: the segment retention may remove once it is durable (0
 * for rotate, which removed it already).
 */
struct retire_rec {
	struct sa_record r;
	struct sa_retention ret;
	char detail[PATH_MAX + 128];
	uint64_t release;
	bool in_batch;
};

/* The retention record of segment f, queued and appended.  0, or the
 * error (then nothing is queued). */
static int
queue_retention(struct daemon *d, const struct find *f, const char *why,
		uint64_t release)
{
	struct retire_rec **q =
	    realloc(d->rq, (d->nrq + 1) * sizeof(struct retire_rec *));
	if (q == NULL)
		return -ENOMEM;
	d->rq = q;
	struct retire_rec *e = calloc(1, sizeof *e);
	if (e == NULL)
		return -ENOMEM;
	snprintf(e->detail, sizeof e->detail, "%s removed (%s)", f->path, why);
	sa_record_init(&e->r);
	sa_record_set_cstr(&e->r, SA_F_SERVICE, "seauditd");
	sa_record_set_cstr(&e->r, SA_F_DETAIL, e->detail);
	sa_record_set_int(&e->r, SA_F_PID, getpid());
	sa_record_set_int(&e->r, SA_F_PRODUCER_UID, geteuid());
	sa_record_set_cstr(&e->r, SA_F_ORIGIN, d->conf.origin);
	int rc = sa_writer_retention(d->w, f->path, &e->r, &e->ret);
	if (rc == 0)
		rc = sa_writer_append(d->w, &e->r);
	if (rc < 0) {
		sa_retention_free(&e->ret);
		free(e);
		return rc;
	}
	e->in_batch = true;
	e->release = release;
	d->rq[d->nrq++] = e;
	log_info("retention: recording the removal of records %" PRId64
		 " to %" PRId64 " (%s)",
		 e->r.num[SA_F_REMOVED_FIRST], e->r.num[SA_F_REMOVED_LAST],
		 f->path);
	return 0;
}

bool
maint_retention_due(struct daemon *d)
{
	uint64_t want = atomic_load(&d->retire_want);
	if (want == 0)
		return false;
	for (size_t i = 0; i < d->nrq; i++)
		if (d->rq[i]->release == want && d->rq[i]->in_batch)
			return false;
	return true;
}

void
maint_retention_append(struct daemon *d)
{
	/* Records a refused batch dropped go in again first. */
	for (size_t i = 0; i < d->nrq; i++)
		if (!d->rq[i]->in_batch &&
		    sa_writer_append(d->w, &d->rq[i]->r) == 0)
			d->rq[i]->in_batch = true;
	if (!maint_retention_due(d))
		return;
	uint64_t want = atomic_load(&d->retire_want);
	for (size_t i = 0; i < d->nrq; i++)
		if (d->rq[i]->release == want)
			return; /* queued, waiting to be appended again */
	char why[64];
	snprintf(why, sizeof why, "audit_max_files %u",
		 d->conf.audit_max_files);
	struct find f;
	int rc = find_segment(d, want, &f);
	if (rc == 0)
		rc = queue_retention(d, &f, why, want);
	if (rc == 0)
		return;
	log_warnx("retention: no retention record for the segment from"
		  " record %" PRIu64 " (%s); removing it without",
		  want, sa_strerror(rc));
	atomic_store(&d->retire_ok, want);
	atomic_store(&d->retire_want, 0);
	(void)sa_segset_retain(d->segs);
}

void
maint_batch_dropped(struct daemon *d)
{
	for (size_t i = 0; i < d->nrq; i++)
		d->rq[i]->in_batch = false;
}

void
maint_retention_committed(struct daemon *d)
{
	bool released = false;
	size_t k = 0;
	for (size_t i = 0; i < d->nrq; i++) {
		struct retire_rec *e = d->rq[i];
		if (!e->in_batch) {
			d->rq[k++] = e;
			continue;
		}
		if (e->release > atomic_load(&d->retire_ok))
			atomic_store(&d->retire_ok, e->release);
		uint64_t want = e->release;
		if (want != 0) {
			(void)atomic_compare_exchange_strong(&d->retire_want,
							     &want, 0);
			released = true;
		}
		sa_retention_free(&e->ret);
		free(e);
	}
	d->nrq = k;
	if (released)
		(void)sa_segset_retain(d->segs); /* may ask for the next */
}

/* Wakes the loop now and then: hold() may have asked from the set's
 * thread, and the hook before the loop sleeps writes the record. */
static void
retire_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	(void)arg;
}

static void
sealed_pass(struct daemon *d)
{
	(void)sa_segset_sealed(d->segs, path_seq(d->active)); /* noted */
}

void
maint_after_commit(struct daemon *d)
{
	const char *p = sa_writer_segment_path(d->w);
	if (strcmp(p, d->active) == 0)
		return;
	log_info("new segment %s", p);
	snprintf(d->active, sizeof d->active, "%s", p);
	sealed_pass(d);
}

void
maint_log_reopened(struct daemon *d)
{
	/* The pointer and the running marker went with the directory. */
	int rc = sa_log_set_back(d->conf.audit_log, d->conf.audit_back);
	if (rc < 0)
		log_warnx("%s/audit_back: %s", d->conf.audit_log,
			  sa_strerror(rc));
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/seauditd.running", d->conf.audit_log);
	FILE *f = fopen(p, "w");
	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0)
		log_warn("%s", p);
}

int
maint_rotate_now(struct daemon *d)
{
	int rc = sa_writer_rotate(d->w);
	if (rc < 0)
		log_warnx("rotation: %s", sa_strerror(rc));
	maint_after_commit(d);
	return rc;
}

int
maint_drop_oldest(struct daemon *d, char *what, size_t cap, uint64_t *records)
{
	/* The record goes into the batch that waits for the space. */
	struct find f;
	bool queued = false;
	if (find_segment(d, 0, &f) < 0)
		f.seq = 0;
	for (size_t i = 0; i < d->nrq; i++)
		queued |= d->rq[i]->release == 0 &&
			  d->rq[i]->r.num[SA_F_REMOVED_FIRST] == (int64_t)f.seq;
	if (f.seq > 0 && f.seq < path_seq(d->active) && !queued)
		(void)queue_retention(d, &f, "disk full, action rotate", 0);
	atomic_store(&d->retire_force, true);
	int rc = sa_segset_drop_oldest(d->segs, what, cap, records);
	atomic_store(&d->retire_force, false);
	return rc;
}

/* Milliseconds until the next local midnight / Monday / 1st. */
static uint64_t
ms_to_boundary(enum conf_backup_date b)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if (b == BACKUP_DAILY)
		tm.tm_mday += 1;
	else if (b == BACKUP_WEEKLY)
		tm.tm_mday += ((8 - tm.tm_wday) % 7) ? (8 - tm.tm_wday) % 7 : 7;
	else {
		tm.tm_mday = 1;
		tm.tm_mon += 1;
	}
	time_t next = mktime(&tm);
	return next > now ? (uint64_t)(next - now) * 1000 : 1000;
}

static void
date_cb(struct ev_loop *l, uint64_t id, void *arg)
{
	(void)l;
	(void)id;
	struct daemon *d = arg;
	d->date_timer = 0;
	log_info("BackUp_Date: starting a new segment");
	maint_rotate_now(d);
	maint_reschedule(d);
}

void
maint_reschedule(struct daemon *d)
{
	if (d->date_timer > 0)
		ev_del_timer(d->loop, (uint64_t)d->date_timer);
	d->date_timer = 0;
	enum conf_backup_date b = d->conf.backup_date;
	if (b == BACKUP_DAILY || b == BACKUP_WEEKLY || b == BACKUP_MONTHLY)
		d->date_timer =
		    ev_add_timer(d->loop, ms_to_boundary(b), false, date_cb, d);
	if (d->segs)
		sa_segset_set_limits(d->segs, d->conf.audit_max_files,
				     d->conf.compress_level);
}

int
maint_init(struct daemon *d)
{
	snprintf(d->active, sizeof d->active, "%s",
		 sa_writer_segment_path(d->w));
	struct sa_segset_opts o = {
	    .back_dir = d->conf.audit_back,
	    .max_files = d->conf.audit_max_files,
	    .compress = d->conf.compress,
	    .background = true, /* the event loop never waits for zstd */
	    .compress_level = d->conf.compress_level,
	    .set_group = d->conf.audit_group[0] != '\0',
	    .group = d->conf.audit_gid,
	    .note = on_note,
	    .hold = hold,
	    .hold_arg = d,
	};
	int rc = sa_segset_open(&d->segs, d->conf.audit_log, &o);
	if (rc < 0) {
		log_warnx("%s: %s",
			  d->conf.audit_back[0] ? d->conf.audit_back
						: d->conf.audit_log,
			  sa_strerror(rc));
		return rc;
	}
	maint_reschedule(d);
	d->retire_timer = ev_add_timer(d->loop, 1000, true, retire_cb, d);
	sealed_pass(d); /* segments sealed before a restart */
	return 0;
}

void
maint_stop(struct daemon *d)
{
	if (d->retire_timer > 0)
		ev_del_timer(d->loop, (uint64_t)d->retire_timer);
	d->retire_timer = 0;
	for (size_t i = 0; i < d->nrq; i++) {
		sa_retention_free(&d->rq[i]->ret);
		free(d->rq[i]);
	}
	free(d->rq);
	d->rq = NULL;
	d->nrq = 0;
	sa_segset_close(d->segs); /* finishes the segment being sealed */
	d->segs = NULL;
}
