/*
 * maint.c - what happens to segments after they are sealed: rotation by
 * date and on demand, moving sealed segments to audit_back, retention up
 * to audit_max_files, and zstd sealing in a background thread.
 *
 * Rotation itself is the writer's (sa_writer_rotate, or roll-over at
 * audit_size): it is atomic with respect to records, which are committed
 * to exactly one segment.  Readers following the log find the next
 * segment by its name.
 *
 * The compressor thread never touches the active segment: it compresses
 * only plain segments whose first sequence number is below the active
 * one's.  It announces the segment it is compressing in `busy_seq` (under
 * `lock`) and compresses without the lock, so the event loop never waits
 * for it; deletions skip the busy segment, and retention held up by it is
 * finished by the compressor once that segment is done (a later rotation
 * may never come: the load may have stopped).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "maint.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t worker;
static bool worker_on, worker_stop, work_due;
static uint64_t active_seq; /* first seq of the active segment (under lock) */
static uint64_t busy_seq; /* segment being compressed, 0 = none (under lock) */
static unsigned keep_max; /* audit_max_files, for the compressor (under lock) */
static bool retain_due;	  /* retention stopped at busy_seq (under lock) */
static char sealed_dir[PATH_MAX];
static int zlevel;

/* First seq of a segment path's file name, or 0 for another file. */
static uint64_t
path_seq(const char *path, bool *zst)
{
	const char *base = strrchr(path, '/');
	uint64_t seq;
	return sa_segment_name_parse(base ? base + 1 : path, &seq, zst) ? seq
									: 0;
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0)
			log_warn("fsync %s", dir);
		close(fd);
	}
}

struct segname {
	uint64_t seq;
	bool zst;
	char name[32];
};

static int
cmp_seq(const void *a, const void *b)
{
	const struct segname *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sealed segments of `dir` (first seq below `below`), sorted. */
static size_t
list_sealed(const char *dir, uint64_t below, struct segname **out)
{
	*out = NULL;
	DIR *dh = opendir(dir);
	if (dh == NULL)
		return 0;
	size_t n = 0, cap = 0;
	struct segname *v = NULL;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		bool z;
		uint64_t s = path_seq(e->d_name, &z);
		if (s == 0 || s >= below || strlen(e->d_name) >= 32)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct segname *nv = realloc(v, cap * sizeof *nv);
			if (nv == NULL)
				break;
			v = nv;
		}
		v[n].seq = s;
		v[n].zst = z;
		memcpy(v[n].name, e->d_name, strlen(e->d_name) + 1);
		n++;
	}
	closedir(dh);
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof *v, cmp_seq);
	*out = v;
	return n;
}

static bool retain(unsigned max);

static void *
compressor(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!worker_stop) {
		while (!work_due && !worker_stop)
			pthread_cond_wait(&wake, &lock);
		work_due = false;
		struct segname *v;
		size_t n = list_sealed(sealed_dir, active_seq, &v);
		for (size_t i = 0; i < n && !worker_stop; i++) {
			if (v[i].zst || (i + 1 < n && v[i + 1].seq == v[i].seq))
				continue;
			char p[PATH_MAX + 40];
			snprintf(p, sizeof p, "%s/%s", sealed_dir, v[i].name);
			busy_seq = v[i].seq;
			int level = zlevel;
			pthread_mutex_unlock(&lock);
			int rc = sa_segment_compress(p, level);
			pthread_mutex_lock(&lock);
			busy_seq = 0;
			if (rc < 0)
				log_warnx("compressing %s: %s", p,
					  sa_strerror(rc));
			else
				log_debug("sealed %s.zst", p);
			if (retain_due && retain(keep_max)) {
				work_due = true; /* files went: list again */
				break;
			}
		}
		free(v);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Moves sealed plain segments from audit_log to audit_back. */
static void
move_sealed(struct daemon *d)
{
	if (strcmp(sealed_dir, d->conf.audit_log) == 0)
		return;
	struct segname *v;
	size_t n = list_sealed(d->conf.audit_log, active_seq, &v);
	for (size_t i = 0; i < n; i++) {
		char from[PATH_MAX + 40], to[PATH_MAX + 40];
		snprintf(from, sizeof from, "%s/%s", d->conf.audit_log,
			 v[i].name);
		snprintf(to, sizeof to, "%s/%s", sealed_dir, v[i].name);
		if (rename(from, to) < 0)
			log_warn("moving %s to %s", from, sealed_dir);
	}
	free(v);
	/*
	 * The new names first: synced in this order, a power loss leaves a
	 * moved segment in both directories at worst (read once: same
	 * identity), never in neither.  POSIX makes each directory durable
	 * by its own fsync; that ext4 journals both in one transaction is
	 * not ours to count on.
	 * (tests/integration/daemon-power-loss-keeps-acknowledged.c found it.)
	 */
	fsync_dir(sealed_dir);
	fsync_dir(d->conf.audit_log);
}

/*
 * Keeps at most `max` (audit_max_files) sealed segments; called with
 * `lock` held.  True when it removed any.
 */
static bool
retain(unsigned max)
{
	retain_due = false;
	if (max == 0)
		return false;
	bool removed = false;
	struct segname *v;
	size_t n = list_sealed(sealed_dir, active_seq, &v);
	/* A segment present both plain and sealed counts once. */
	size_t uniq = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i].seq != v[i - 1].seq)
			uniq++;
	for (size_t i = 0; i < n && uniq > max; i++) {
		if (v[i].seq == busy_seq) {
			retain_due = true; /* the compressor finishes it */
			break;
		}
		char p[PATH_MAX + 40];
		snprintf(p, sizeof p, "%s/%s", sealed_dir, v[i].name);
		if (unlink(p) < 0)
			log_warn("retention: %s", p);
		else {
			removed = true;
			log_info("retention: removed %s (audit_max_files %u)",
				 p, max);
		}
		if (i + 1 >= n || v[i + 1].seq != v[i].seq)
			uniq--;
	}
	free(v);
	fsync_dir(sealed_dir);
	return removed;
}

static void
sealed_pass(struct daemon *d)
{
	pthread_mutex_lock(&lock);
	active_seq = path_seq(d->active, NULL);
	move_sealed(d);
	keep_max = d->conf.audit_max_files;
	retain(keep_max);
	work_due = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
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
	(void)d; /* the sealed directory is maint's own state */
	pthread_mutex_lock(&lock);
	struct segname *v;
	size_t n = list_sealed(sealed_dir, active_seq, &v);
	int dropped = 0;
	if (n > 0 && v[0].seq != busy_seq) {
		uint64_t seq = v[0].seq;
		for (size_t i = 0; i < n && v[i].seq == seq; i++) {
			char p[PATH_MAX + 40];
			snprintf(p, sizeof p, "%s/%s", sealed_dir, v[i].name);
			if (unlink(p) == 0)
				dropped = 1;
			snprintf(what, cap, "%s (records from seq %" PRIu64 ")",
				 p, seq);
		}
		/* Its records run up to the next segment's first. */
		uint64_t next = active_seq;
		for (size_t i = 0; i < n; i++)
			if (v[i].seq > seq) {
				next = v[i].seq;
				break;
			}
		*records = next > seq ? next - seq : 0;
		fsync_dir(sealed_dir);
	}
	free(v);
	pthread_mutex_unlock(&lock);
	return dropped;
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
	pthread_mutex_lock(&lock);
	zlevel = d->conf.compress_level;
	keep_max = d->conf.audit_max_files;
	pthread_mutex_unlock(&lock);
}

int
maint_init(struct daemon *d)
{
	snprintf(d->active, sizeof d->active, "%s",
		 sa_writer_segment_path(d->w));
	snprintf(sealed_dir, sizeof sealed_dir, "%s",
		 d->conf.audit_back[0] ? d->conf.audit_back
				       : d->conf.audit_log);
	if (d->conf.audit_back[0]) {
		if (mkdir(sealed_dir, 0750) < 0 && errno != EEXIST) {
			log_warn("audit_back %s", sealed_dir);
			return -errno;
		}
		if (d->conf.audit_group[0] &&
		    chown(sealed_dir, (uid_t)-1, d->conf.audit_gid) < 0)
			log_warn("chown %s", sealed_dir);
	}
	/* Readers given audit_log find the sealed segments through it. */
	int prc = sa_log_set_back(d->conf.audit_log, d->conf.audit_back);
	if (prc < 0)
		log_warnx("%s/audit_back: %s", d->conf.audit_log,
			  sa_strerror(prc));
	zlevel = d->conf.compress_level;
	if (d->conf.compress) {
		int rc = pthread_create(&worker, NULL, compressor, NULL);
		if (rc != 0) {
			log_warnx("compressor thread: %s", strerror(rc));
			return -rc;
		}
		worker_on = true;
	}
	maint_reschedule(d);
	sealed_pass(d); /* segments sealed before a restart */
	return 0;
}

void
maint_stop(struct daemon *d)
{
	(void)d;
	if (!worker_on)
		return;
	pthread_mutex_lock(&lock);
	worker_stop = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(worker, NULL);
	worker_on = false;
}
