/*
 * fullfs.c - see fullfs.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <seaudit/seaudit.h>

#include "fullfs.h"

struct ctl *ctl;
pid_t kids[NPROD];   /* running producers (killed on a failure) */
pid_t reaped[NPROD]; /* their pids once they exited, for checks */
struct hd h;
bool h_live;
char base[256], mnt[300];
bool mounted;

void
kill_children(void)
{
	for (int k = 0; k < NPROD; k++)
		if (kids[k] > 0) {
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
			kids[k] = 0;
		}
}

void
at_exit_cleanup(void)
{
	kill_children();
	if (h_live) {
		hd_cleanup(&h); /* kills the daemon, which holds the mount */
		h_live = false;
	}
	if (mounted) {
		if (umount2(mnt, 0) < 0 && umount2(mnt, MNT_DETACH) < 0)
			fprintf(stderr, "warning: cannot unmount %s: %s\n", mnt,
				strerror(errno));
		mounted = false;
	}
	if (mnt[0])
		rmdir(mnt);
	if (base[0])
		rmdir(base);
}

void
on_signal(int sig)
{
	(void)sig;
	for (int k = 0; k < NPROD; k++)
		if (kids[k] > 0)
			kill(kids[k], SIGKILL);
	if (h_live && h.pid > 0)
		kill(h.pid, SIGKILL);
	if (mounted)
		umount2(mnt, MNT_DETACH);
	_exit(1);
}

/* ---- producers ---------------------------------------------------------- */

/*
 * Frames of 1..8 records of one event type (of ten frames: one login,
 * one admin, eight resource), tagged "p<k>:<i>", until told to stop; one
 * line per frame into <dir>/p<k>.out:
 *   A event t_send t_reply first_idx count first_seq
 *   E event t_send t_reply first_idx count code
 */
void
producer(int k)
{
	struct sa_client *c = NULL;
	uint64_t until = hd_ms() + 5000;
	while (sa_client_connect(&c, h.sock, 1000) < 0)
		if (hd_ms() > until)
			_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.out", h.dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static struct sa_record recs[8];
	static char tags[8][32];
	int idx = 0;
	for (int b = 0; !ctl->stop; b++) {
		int n = 1 + (b * 5 + k) % 8;
		int ev = (b + k) % 10 == 0   ? SA_EV_LOGIN
			 : (b + k) % 10 == 5 ? SA_EV_ADMIN
					     : SA_EV_RESOURCE;
		for (int j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, idx + j);
			hd_record(&recs[j], tags[j], (uint8_t)ev);
		}
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		uint64_t t0 = hd_ms();
		int rc =
		    sa_client_submit(c, recs, (size_t)n, 60000, &ack, &err);
		uint64_t t1 = hd_ms();
		if (rc == 0) {
			if (ack.count != (uint32_t)n ||
			    ack.last_seq - ack.first_seq + 1 != (uint64_t)n)
				_exit(13);
			fprintf(f,
				"A %d %" PRIu64 " %" PRIu64 " %d %d %" PRIu64
				"\n",
				ev, t0, t1, idx, n, ack.first_seq);
		} else if (rc == -ENOSPC || rc == SA_ESHED) {
			fprintf(f, "E %d %" PRIu64 " %" PRIu64 " %d %d %d\n",
				ev, t0, t1, idx, n, rc);
			usleep(200);
		} else if (rc == -ESHUTDOWN || rc == -EPIPE ||
			   rc == -ECONNRESET) {
			/* The daemon stopped: its last answer, or none. */
			fprintf(f, "E %d %" PRIu64 " %" PRIu64 " %d %d %d\n",
				ev, t0, t1, idx, n, rc);
			idx += n;
			break;
		} else {
			fprintf(stderr, "producer %d: unexpected %s (%s)\n", k,
				sa_strerror(rc), err.message);
			_exit(12);
		}
		idx += n;
	}
	if (fclose(f) != 0)
		_exit(14);
	sa_client_close(c);
	_exit(0);
}

void
load_outcomes(int k, struct prod *p)
{
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.out", h.dir, k);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	memset(p, 0, sizeof *p);
	size_t cap = 0;
	struct frame x;
	memset(&x, 0, sizeof x);
	while (fscanf(f, " %c %d %" SCNu64 " %" SCNu64 " %d %d", &x.kind, &x.ev,
		      &x.t_send, &x.t_reply, &x.idx, &x.count) == 6) {
		if (x.kind == 'A')
			CHECK(fscanf(f, "%" SCNu64, &x.first_seq) == 1);
		else
			CHECK(x.kind == 'E' && fscanf(f, "%d", &x.code) == 1);
		CHECK(x.idx == p->total);
		if (p->n == cap) {
			cap = cap ? cap * 2 : 1024;
			p->f = realloc(p->f, cap * sizeof *p->f);
			CHECK(p->f != NULL);
		}
		p->f[p->n++] = x;
		p->total += x.count;
		if (x.kind == 'E')
			p->refused += (uint64_t)x.count;
	}
	fclose(f);
}

/* ---- the daemon's side -------------------------------------------------- */

bool
status_get(struct status *s)
{
	struct sa_client *c;
	memset(s, 0, sizeof *s);
	if (sa_client_connect(&c, h.sock, 2000) < 0)
		return false;
	struct sa_buf b = SA_BUF_INIT;
	int rc = sa_client_status(c, 5000, &b);
	sa_client_close(c);
	if (rc < 0 || sa_buf_append(&b, "", 1) < 0) {
		sa_buf_free(&b);
		return false;
	}
	const char *t = (const char *)b.data, *p;
	if ((p = strstr(t, "state=")) != NULL)
		sscanf(p, "state=%31s", s->state);
	if ((p = strstr(t, "write_errors=")) != NULL)
		sscanf(p, "write_errors=%" SCNu64, &s->write_errors);
	if ((p = strstr(t, "lost_pending=")) != NULL)
		sscanf(p, "lost_pending=%" SCNu64, &s->lost_pending);
	if ((p = strstr(t, "records_shed=")) != NULL)
		sscanf(p, "records_shed=%" SCNu64, &s->records_shed);
	if ((p = strstr(t, "records_refused=")) != NULL)
		sscanf(p, "records_refused=%" SCNu64, &s->records_refused);
	if ((p = strstr(t, "free_bytes=")) != NULL)
		sscanf(p, "free_bytes=%" SCNu64, &s->free_bytes);
	sa_buf_free(&b);
	return s->state[0] != '\0';
}

uint64_t
fullfs_grow(void)
{
	struct status s;
	CHECK(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=64m") == 0);
	uint64_t until = hd_ms() + 10000;
	while (!(status_get(&s) && strcmp(s.state, "ok") == 0 &&
		 s.free_bytes > (2u << 20)) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s.state, "ok") != 0)
		die("no recovery after the file system grew (state %s)",
		    s.state);
	return hd_ms();
}

void
fullfs_stop_producers(void)
{
	ctl->stop = 1;
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		reaped[k] = kids[k];
		kids[k] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("producer %d failed (status %d)", k, st);
	}
}

void
fullfs_finish(void)
{
	struct status s;
	uint64_t until = hd_ms() + 5000;
	while (status_get(&s) && s.lost_pending > 0 && hd_ms() < until)
		usleep(20000);
	CHECK(s.lost_pending == 0);
	CHECK(hd_stop(&h) == 0);
}

/* ---- the log ------------------------------------------------------------ */

struct lrec *logv;
size_t nlog;
struct lossrec *loss;
size_t nloss, losscap;

void
on_damage(const struct sa_damage *d, void *arg)
{
	fprintf(stderr, "damage: %s offset %" PRIu64 ": %s\n", d->file,
		d->offset, sa_strerror(d->error));
	(*(uint64_t *)arg)++;
}

uint64_t
read_log(const char *dir)
{
	uint64_t damage = 0;
	const char *paths[] = {dir};
	struct sa_reader *rd;
	CHECK(sa_reader_open(&rd, paths, 1, on_damage, &damage) == 0);
	size_t cap = 0;
	struct sa_record r;
	int rc;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		if (nlog == cap) {
			cap = cap ? cap * 2 : 8192;
			logv = realloc(logv, cap * sizeof *logv);
			CHECK(logv != NULL);
		}
		struct lrec *x = &logv[nlog++];
		x->seq = r.seq;
		x->k = -1;
		if (sa_record_has(&r, SA_F_SESSION)) {
			char tag[64];
			size_t l = r.str[SA_F_SESSION].len;
			if (l >= sizeof tag)
				l = sizeof tag - 1;
			memcpy(tag, r.str[SA_F_SESSION].ptr, l);
			tag[l] = '\0';
			if (sscanf(tag, "p%d:%d", &x->k, &x->i) != 2)
				x->k = -1;
		}
		if (r.event == SA_EV_LOSS) {
			if (nloss == losscap) {
				losscap = losscap ? losscap * 2 : 256;
				loss = realloc(loss, losscap * sizeof *loss);
				CHECK(loss != NULL);
			}
			CHECK(sa_record_has(&r, SA_F_LOST) &&
			      sa_record_has(&r, SA_F_DETAIL));
			loss[nloss].lost = r.num[SA_F_LOST];
			size_t l = r.str[SA_F_DETAIL].len;
			if (l >= sizeof loss[nloss].detail)
				l = sizeof loss[nloss].detail - 1;
			memcpy(loss[nloss].detail, r.str[SA_F_DETAIL].ptr, l);
			loss[nloss].detail[l] = '\0';
			nloss++;
		}
	}
	CHECK(rc == 0);
	sa_reader_close(rd);
	return damage;
}

void
fullfs_start(const char *conf)
{
	if (geteuid() != 0) {
		printf("skipped: not root (a tmpfs must be mounted)\n");
		exit(0);
	}
	const char *t = getenv("TMPDIR");
	snprintf(base, sizeof base, "%s/seauditd-fullfs-XXXXXX",
		 t && *t ? t : "/tmp");
	CHECK(mkdtemp(base) != NULL);
	snprintf(mnt, sizeof mnt, "%s/mnt", base);
	CHECK(mkdir(mnt, 0755) == 0);
	atexit(at_exit_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m,mode=0755") < 0) {
		printf("skipped: cannot mount a tmpfs on %s: %s\n", mnt,
		       strerror(errno));
		exit(0);
	}
	mounted = true;
	ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(ctl != MAP_FAILED);
	char logdir[400];
	snprintf(logdir, sizeof logdir, "%s/log", mnt);
	hd_init_at(&h, logdir, conf);
	h_live = true;
	hd_start(&h, NULL);
}

void
fullfs_where(const struct prod P[NPROD], uint64_t *where[NPROD])
{
	for (int k = 0; k < NPROD; k++) {
		where[k] = calloc((size_t)P[k].total + 1, sizeof *where[k]);
		CHECK(where[k] != NULL);
	}
	for (size_t i = 0; i < nlog; i++) {
		const struct lrec *x = &logv[i];
		if (x->k < 0)
			continue;
		if (x->k >= NPROD || x->i < 0 || x->i >= P[x->k].total)
			die("record p%d:%d was never submitted", x->k, x->i);
		if (where[x->k][x->i])
			die("record p%d:%d twice", x->k, x->i);
		where[x->k][x->i] = x->seq;
	}
}
