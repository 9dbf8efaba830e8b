/*
 * segset.c - sealed segments of a log (seaudit/segset.h): moving them to
 * audit_back, compressing them, retention with a hold callback, listing.
 * Everything lists through sa__segdir_list (segdir.c).
 *
 * Threads: with background compression a worker thread compresses plain
 * sealed segments whose first number is below the active one's; it
 * announces the one it compresses in busy_seq (under lock) and compresses
 * without the lock, so the caller's event loop never waits for it.
 * Removals skip the busy segment; retention held up by it is finished by
 * the worker once that segment is done (a later rotation may never come:
 * the load may have stopped).  Every other field is the caller's thread's,
 * or read under lock by the worker.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/log.h>
#include <seaudit/segset.h>

#include "segment.h"

struct sa_segset {
	char log_dir[PATH_MAX];
	char sealed_dir[PATH_MAX]; /* back_dir, or log_dir */
	struct sa_segset_opts o;   /* back_dir points at sealed_dir or NULL */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t worker;
	bool worker_on, worker_stop, work_due;
	uint64_t active_seq; /* first number of the active segment */
	uint64_t busy_seq;   /* being compressed; 0: none */
	bool retain_due;     /* retention stopped at busy_seq */
};

static void
note(struct sa_segset *s, int event, const char *path, uint64_t seq, int err,
     const char *what)
{
	if (s->o.note == NULL)
		return;
	struct sa_segset_note n = {.event = event,
				   .path = path,
				   .first_seq = seq,
				   .error = err,
				   .what = what,
				   .max_files = s->o.max_files};
	s->o.note(&n, s->o.note_arg);
}

static int
list_sealed(struct sa_segset *s, const char *dir, struct sa__segname **v,
	    size_t *n)
{
	int rc = sa__segdir_list(dir, 1, s->active_seq, false, v, n);
	return rc == -ENOENT ? 0 : rc;
}

/* Moves sealed segments from log_dir to back_dir (caller's thread). */
static int
move_sealed(struct sa_segset *s)
{
	if (s->o.back_dir == NULL)
		return 0;
	struct sa__segname *v;
	size_t n;
	int rc = list_sealed(s, s->log_dir, &v, &n), first = rc;
	for (size_t i = 0; i < n; i++) {
		char from[PATH_MAX + 40], to[PATH_MAX + 40];
		snprintf(from, sizeof from, "%s/%s", s->log_dir, v[i].name);
		snprintf(to, sizeof to, "%s/%s", s->sealed_dir, v[i].name);
		if (rename(from, to) < 0) {
			int e = -errno;
			note(s, SA_SEGSET_FAILED, from, v[i].seq, e, "moving");
			if (first == 0)
				first = e;
		} else
			note(s, SA_SEGSET_MOVED, to, v[i].seq, 0, NULL);
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
	if (n > 0) {
		sa__fsync_dir(s->sealed_dir);
		sa__fsync_dir(s->log_dir);
	}
	return first;
}

/*
 * Retention, with lock held.  Returns how many segments went, or -errno.
 */
static int
retain_locked(struct sa_segset *s)
{
	s->retain_due = false;
	if (s->o.max_files == 0)
		return 0;
	struct sa__segname *v;
	size_t n;
	int rc = list_sealed(s, s->sealed_dir, &v, &n);
	if (rc < 0)
		return rc;
	/* A segment present both plain and sealed counts once. */
	size_t uniq = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i].seq != v[i - 1].seq)
			uniq++;
	int removed = 0;
	for (size_t i = 0; i < n && uniq > s->o.max_files; i++) {
		if (v[i].seq == s->busy_seq) {
			s->retain_due = true; /* the worker finishes it */
			break;
		}
		char p[PATH_MAX + 40];
		snprintf(p, sizeof p, "%s/%s", s->sealed_dir, v[i].name);
		if ((i == 0 || v[i].seq != v[i - 1].seq) && s->o.hold &&
		    s->o.hold(p, v[i].seq, s->o.hold_arg)) {
			note(s, SA_SEGSET_HELD, p, v[i].seq, 0, NULL);
			break;
		}
		if (unlink(p) < 0) {
			rc = -errno;
			note(s, SA_SEGSET_FAILED, p, v[i].seq, rc, "retention");
		} else {
			removed++;
			note(s, SA_SEGSET_REMOVED, p, v[i].seq, 0, NULL);
		}
		if (i + 1 >= n || v[i + 1].seq != v[i].seq)
			uniq--;
	}
	free(v);
	if (removed > 0)
		sa__fsync_dir(s->sealed_dir);
	return rc < 0 && removed == 0 ? rc : removed;
}

/* Compresses one plain sealed segment; lock held, dropped meanwhile. */
static int
compress_one(struct sa_segset *s, const struct sa__segname *g)
{
	char p[PATH_MAX + 40];
	snprintf(p, sizeof p, "%s/%s", s->sealed_dir, g->name);
	s->busy_seq = g->seq;
	int level = s->o.compress_level;
	pthread_mutex_unlock(&s->lock);
	int rc = sa_segment_compress(p, level);
	pthread_mutex_lock(&s->lock);
	s->busy_seq = 0;
	if (rc < 0) {
		note(s, SA_SEGSET_FAILED, p, g->seq, rc, "compressing");
	} else {
		strcat(p, ".zst");
		note(s, SA_SEGSET_COMPRESSED, p, g->seq, 0, NULL);
	}
	return rc;
}

/*
 * Compresses every plain sealed segment without a compressed copy; lock
 * held.  Stops early (true) when retention removed files meanwhile: the
 * caller lists again.
 */
static bool
compress_pass(struct sa_segset *s, int *first_err)
{
	struct sa__segname *v;
	size_t n;
	int rc = list_sealed(s, s->sealed_dir, &v, &n);
	if (rc < 0) {
		if (*first_err == 0)
			*first_err = rc;
		return false;
	}
	bool again = false;
	for (size_t i = 0; i < n && !s->worker_stop; i++) {
		if (v[i].zst || (i + 1 < n && v[i + 1].seq == v[i].seq))
			continue;
		rc = compress_one(s, &v[i]);
		if (rc < 0 && *first_err == 0)
			*first_err = rc;
		if (s->retain_due && retain_locked(s) > 0) {
			again = true; /* files went: list again */
			break;
		}
	}
	free(v);
	return again;
}

static void *
worker_main(void *arg)
{
	struct sa_segset *s = arg;
	pthread_mutex_lock(&s->lock);
	while (!s->worker_stop) {
		while (!s->work_due && !s->worker_stop)
			pthread_cond_wait(&s->wake, &s->lock);
		s->work_due = false;
		int err = 0;
		if (!s->worker_stop && compress_pass(s, &err))
			s->work_due = true;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int
sa_segset_open(struct sa_segset **out, const char *log_dir,
	       const struct sa_segset_opts *opts)
{
	*out = NULL;
	struct sa_segset *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	if (opts)
		s->o = *opts;
	bool back = s->o.back_dir && s->o.back_dir[0];
	if (snprintf(s->log_dir, sizeof s->log_dir, "%s", log_dir) >=
		(int)sizeof s->log_dir ||
	    snprintf(s->sealed_dir, sizeof s->sealed_dir, "%s",
		     back ? s->o.back_dir : log_dir) >=
		(int)sizeof s->sealed_dir) {
		free(s);
		return -ENAMETOOLONG;
	}
	/* The same directory twice is no back directory. */
	if (back && strcmp(s->sealed_dir, s->log_dir) == 0)
		back = false;
	s->o.back_dir = back ? s->sealed_dir : NULL;
	if (back) {
		if (mkdir(s->sealed_dir, 0750) < 0 && errno != EEXIST) {
			int rc = -errno;
			free(s);
			return rc;
		}
		if (s->o.set_group &&
		    chown(s->sealed_dir, (uid_t)-1, s->o.group) < 0)
			note(s, SA_SEGSET_FAILED, s->sealed_dir, 0, -errno,
			     "giving the back directory its group");
	}
	/* Readers given log_dir find the sealed segments through it. */
	int prc = sa_log_set_back(s->log_dir, back ? s->sealed_dir : NULL);
	if (prc < 0)
		note(s, SA_SEGSET_FAILED, s->log_dir, 0, prc,
		     "writing the audit_back pointer");
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	s->active_seq = 1; /* nothing is sealed until told */
	if (s->o.compress && s->o.background) {
		int rc = pthread_create(&s->worker, NULL, worker_main, s);
		if (rc != 0) {
			pthread_mutex_destroy(&s->lock);
			pthread_cond_destroy(&s->wake);
			free(s);
			return -rc;
		}
		s->worker_on = true;
	}
	*out = s;
	return 0;
}

int
sa_segset_sealed(struct sa_segset *s, uint64_t active_seq)
{
	pthread_mutex_lock(&s->lock);
	s->active_seq = active_seq;
	int rc = move_sealed(s);
	int r = retain_locked(s);
	if (r < 0 && rc == 0)
		rc = r;
	if (s->o.compress) {
		if (s->worker_on) {
			s->work_due = true;
			pthread_cond_signal(&s->wake);
		} else {
			int err = 0;
			while (compress_pass(s, &err))
				;
			if (rc == 0)
				rc = err;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
sa_segset_retain(struct sa_segset *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = retain_locked(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void
sa_segset_set_limits(struct sa_segset *s, unsigned max_files,
		     int compress_level)
{
	pthread_mutex_lock(&s->lock);
	s->o.max_files = max_files;
	s->o.compress_level = compress_level;
	pthread_mutex_unlock(&s->lock);
}

int
sa_segset_drop_oldest(struct sa_segset *s, char *what, size_t cap,
		      uint64_t *records)
{
	pthread_mutex_lock(&s->lock);
	struct sa__segname *v;
	size_t n;
	int dropped = list_sealed(s, s->sealed_dir, &v, &n);
	if (dropped == 0 && n > 0 && v[0].seq != s->busy_seq) {
		uint64_t seq = v[0].seq;
		char p[PATH_MAX + 40];
		snprintf(p, sizeof p, "%s/%s", s->sealed_dir, v[0].name);
		if (s->o.hold && s->o.hold(p, seq, s->o.hold_arg)) {
			note(s, SA_SEGSET_HELD, p, seq, 0, NULL);
			n = 0;
		}
		for (size_t i = 0; i < n && v[i].seq == seq; i++) {
			snprintf(p, sizeof p, "%s/%s", s->sealed_dir,
				 v[i].name);
			if (unlink(p) == 0) {
				dropped = 1;
				note(s, SA_SEGSET_REMOVED, p, seq, 0, NULL);
			} else if (dropped == 0) {
				dropped = -errno;
			}
			if (what)
				snprintf(what, cap,
					 "%s (records from seq %llu)", p,
					 (unsigned long long)seq);
		}
		/* Its records run up to the next segment's first. */
		uint64_t next = s->active_seq;
		for (size_t i = 0; i < n; i++)
			if (v[i].seq > seq) {
				next = v[i].seq;
				break;
			}
		if (records)
			*records = next > seq ? next - seq : 0;
		if (dropped > 0)
			sa__fsync_dir(s->sealed_dir);
	}
	free(v);
	pthread_mutex_unlock(&s->lock);
	return dropped;
}

void
sa_segset_close(struct sa_segset *s)
{
	if (s == NULL)
		return;
	if (s->worker_on) {
		pthread_mutex_lock(&s->lock);
		s->worker_stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->worker, NULL);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}

int
sa_log_segments(const char *dir, sa_segment_cb cb, void *arg)
{
	char back[PATH_MAX];
	int b = sa__log_back_read(dir, back, sizeof back);
	if (b < 0)
		return b;
	struct sa__segname *v = NULL, *w = NULL;
	size_t n = 0, m = 0;
	int rc = sa__segdir_list(dir, 1, UINT64_MAX, false, &v, &n);
	if (rc < 0)
		return rc;
	if (b == 1 && strcmp(back, dir) != 0 &&
	    (rc = sa__segdir_list(back, 1, UINT64_MAX, false, &w, &m)) < 0 &&
	    rc != -ENOENT) {
		free(v);
		return rc;
	}
	rc = 0;
	/* Merge by number; for one number, dir's files first. */
	size_t i = 0, j = 0;
	while (rc == 0 && (i < n || j < m)) {
		bool from_dir = j >= m || (i < n && v[i].seq <= w[j].seq);
		const struct sa__segname *g = from_dir ? &v[i++] : &w[j++];
		char p[PATH_MAX + 40];
		snprintf(p, sizeof p, "%s/%s", from_dir ? dir : back, g->name);
		rc = cb(p, g->seq, g->zst, arg);
	}
	free(v);
	free(w);
	return rc;
}
