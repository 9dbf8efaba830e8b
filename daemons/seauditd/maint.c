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
		log_info("retention: %s held", n->path);
		break;
	case SA_SEGSET_FAILED:
		log_warnx("%s %s: %s", n->what ? n->what : "maintaining",
			  n->path, n->error ? sa_strerror(n->error) : "failed");
		break;
	}
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
	return sa_segset_drop_oldest(d->segs, what, cap, records);
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
	sealed_pass(d); /* segments sealed before a restart */
	return 0;
}

void
maint_stop(struct daemon *d)
{
	sa_segset_close(d->segs); /* finishes the segment being sealed */
	d->segs = NULL;
}
