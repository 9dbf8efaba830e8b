/*
 * daemon-full-filesystem-sheds-noisy-first - a real full file system, not
 * an injected error: the log lives on a 4 MiB tmpfs mounted for the test
 * (root only; otherwise the test says "skipped" and passes), with
 * reserve = 1M, the default reserved classes (login, admin, untrust,
 * daemon, loss), disk_full_action = refuse and small segments that seal
 * and compress as on a real host.  Four producers send mostly noisy
 * resource records plus login and admin records until the file system is
 * full.  It checks the promise made for exactly this moment:
 *  - once free space is below the reserve, resource frames are shed
 *    (SA_ESHED) while login and admin records are still written, and no
 *    login or admin record is ever shed;
 *  - once the disk is truly full everything is refused (-ENOSPC), login
 *    and admin records included, and the status says refusing with
 *    write errors;
 *  - the log holds loss records whose `lost` add up to exactly the
 *    records refused or shed to the producers (every record of every
 *    refused frame, counted from the error replies), per producer too;
 *  - when space returns (the tmpfs is grown to 64 MiB) the daemon takes
 *    resource records again by itself;
 *  - no acknowledged record is missing, none refused is present, nothing
 *    unacknowledged is present, and the reader reports no damage.
 * The tmpfs is unmounted on every way out (atexit, and on SIGINT/TERM).
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

#include "harness.h"

#define NPROD 4

struct ctl {
	volatile int stop;
};

static struct ctl *ctl;
static pid_t kids[NPROD];   /* running producers (killed on a failure) */
static pid_t reaped[NPROD]; /* their pids once they exited, for checks */
static struct hd h;
static bool h_live;
static char base[256], mnt[300];
static bool mounted;

static void
kill_children(void)
{
	for (int k = 0; k < NPROD; k++)
		if (kids[k] > 0) {
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
			kids[k] = 0;
		}
}

static void
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

static void
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
static void
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
		int rc = sa_client_submit(c, recs, (size_t)n, 60000, &ack, &err);
		uint64_t t1 = hd_ms();
		if (rc == 0) {
			if (ack.count != (uint32_t)n ||
			    ack.last_seq - ack.first_seq + 1 != (uint64_t)n)
				_exit(13);
			fprintf(f, "A %d %" PRIu64 " %" PRIu64 " %d %d %" PRIu64 "\n",
				ev, t0, t1, idx, n, ack.first_seq);
		} else if (rc == -ENOSPC || rc == SA_ESHED) {
			fprintf(f, "E %d %" PRIu64 " %" PRIu64 " %d %d %d\n", ev, t0,
				t1, idx, n, rc);
			usleep(200);
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

struct frame {
	char kind;
	int ev;
	uint64_t t_send, t_reply;
	int idx, count;
	uint64_t first_seq;
	int code;
};

struct prod {
	struct frame *f;
	size_t n;
	int total;
	uint64_t refused;
};

static void
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

struct status {
	char state[32];
	uint64_t write_errors, lost_pending, records_shed, records_refused;
	uint64_t free_bytes;
};

static bool
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

/* ---- the log ------------------------------------------------------------ */

struct lrec {
	uint64_t seq;
	int k, i;
};

struct lossrec {
	int64_t lost;
	char detail[1100];
};

static struct lrec *logv;
static size_t nlog;
static struct lossrec *loss;
static size_t nloss, losscap;

static void
on_damage(const struct sa_damage *d, void *arg)
{
	fprintf(stderr, "damage: %s offset %" PRIu64 ": %s\n", d->file,
		d->offset, sa_strerror(d->error));
	(*(uint64_t *)arg)++;
}

static uint64_t
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

static uint64_t
detail_for_pid(const char *detail, pid_t pid)
{
	uint64_t sum = 0;
	const char *p = strstr(detail, "producers:");
	while (p && (p = strstr(p, "pid ")) != NULL) {
		long pp, uu;
		unsigned long long n;
		if (sscanf(p, "pid %ld uid %ld: %llu", &pp, &uu, &n) == 3 &&
		    pp == (long)pid)
			sum += n;
		p += 4;
	}
	return sum;
}

static const char *
evname(int ev)
{
	return sa_event_json((enum sa_event)ev);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("skipped: not root (a tmpfs must be mounted)\n");
		return 0;
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
		return 0;
	}
	mounted = true;
	ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(ctl != MAP_FAILED);

	char logdir[400];
	snprintf(logdir, sizeof logdir, "%s/log", mnt);
	hd_init_at(&h, logdir,
		   "disk_full_action = refuse\nreserve = 1M\nsync = batch\n"
		   "[logmgr]\naudit_size = 512\n");
	h_live = true;
	hd_start(&h, NULL);
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			producer(k);
	}

	/* The producers fill the file system: first the reserve is reached,
	 * then nothing fits at all. */
	struct status s, s_full;
	uint64_t until = hd_ms() + 120000;
	while (!(status_get(&s) && s.records_shed > 0) && hd_ms() < until)
		usleep(20000);
	if (s.records_shed == 0)
		die("nothing was shed (free %" PRIu64 " bytes)", s.free_bytes);
	uint64_t t_shed = hd_ms();
	printf("shedding after %.1f s of load: free %" PRIu64 " bytes\n",
	       (double)(t_shed - (until - 120000)) / 1000.0, s.free_bytes);
	while (!(status_get(&s_full) && strcmp(s_full.state, "refusing") == 0) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s_full.state, "refusing") != 0)
		die("the file system never filled up (state %s, free %" PRIu64
		    ")", s_full.state, s_full.free_bytes);
	uint64_t t_full = hd_ms();
	CHECK(s_full.write_errors > 0);
	printf("full %.1f s later: state %s, write_errors %" PRIu64
	       ", free %" PRIu64 " bytes\n",
	       (double)(t_full - t_shed) / 1000.0, s_full.state,
	       s_full.write_errors, s_full.free_bytes);
	usleep(700000); /* the disk stays full for a while */

	/* Space returns: the daemon must notice by itself.  Plenty of it:
	 * the producers write several MB/s and would fill it again. */
	uint64_t t_grow = hd_ms();
	CHECK(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=64m") == 0);
	until = hd_ms() + 10000;
	while (!(status_get(&s) && strcmp(s.state, "ok") == 0 &&
		 s.free_bytes > (2u << 20)) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s.state, "ok") != 0)
		die("no recovery after the file system grew (state %s)",
		    s.state);
	uint64_t t_ok = hd_ms();
	usleep(300000); /* load after recovery */
	ctl->stop = 1;
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		reaped[k] = kids[k];
		kids[k] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("producer %d failed (status %d)", k, st);
	}
	until = hd_ms() + 5000;
	while (status_get(&s) && s.lost_pending > 0 && hd_ms() < until)
		usleep(20000);
	CHECK(s.lost_pending == 0);
	CHECK(hd_stop(&h) == 0);

	/* ---- verification ---- */
	struct prod P[NPROD];
	for (int k = 0; k < NPROD; k++)
		load_outcomes(k, &P[k]);
	uint64_t damage = read_log(h.log);
	CHECK(damage == 0);
	CHECK(nlog > 0);
	for (size_t i = 0; i < nlog; i++)
		if (logv[i].seq != i + 1)
			die("log seq %" PRIu64 " at position %zu", logv[i].seq, i);
	uint64_t *where[NPROD];
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
	uint64_t acked = 0, shed = 0, refused = 0, reserved_refused = 0;
	uint64_t reserved_while_shedding[SA_EV__COUNT] = {0};
	uint64_t t_first_shed = UINT64_MAX, t_first_full = UINT64_MAX;
	for (int k = 0; k < NPROD; k++)
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			if (f->kind == 'E' && f->code == SA_ESHED &&
			    f->t_reply < t_first_shed)
				t_first_shed = f->t_reply;
			if (f->kind == 'E' && f->code == -ENOSPC &&
			    f->t_reply < t_first_full)
				t_first_full = f->t_reply;
		}
	CHECK(t_first_shed != UINT64_MAX && t_first_full != UINT64_MAX);
	for (int k = 0; k < NPROD; k++) {
		bool resource_after = false;
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			for (int m = 0; m < f->count; m++) {
				uint64_t at = where[k][f->idx + m];
				if (f->kind == 'E') {
					if (at)
						die("p%d:%d refused (%s) but in the "
						    "log at seq %" PRIu64, k,
						    f->idx + m, sa_strerror(f->code),
						    at);
					continue;
				}
				uint64_t want = f->first_seq + (uint64_t)m;
				if (at != want)
					die("acknowledged p%d:%d (%s) missing: ack "
					    "said seq %" PRIu64 ", log has %" PRIu64,
					    k, f->idx + m, evname(f->ev), want, at);
				where[k][f->idx + m] = UINT64_MAX;
			}
			if (f->kind == 'A') {
				acked += (uint64_t)f->count;
				if (f->ev != SA_EV_RESOURCE &&
				    f->t_send > t_first_shed &&
				    f->t_reply < t_first_full)
					reserved_while_shedding[f->ev] +=
						(uint64_t)f->count;
				if (f->ev == SA_EV_RESOURCE && f->t_send > t_ok)
					resource_after = true;
				continue;
			}
			if (f->code == SA_ESHED) {
				if (f->ev != SA_EV_RESOURCE)
					die("a %s frame of p%d was shed",
					    evname(f->ev), k);
				shed += (uint64_t)f->count;
			} else {
				refused += (uint64_t)f->count;
				if (f->ev != SA_EV_RESOURCE)
					reserved_refused += (uint64_t)f->count;
			}
		}
		for (int i = 0; i < P[k].total; i++)
			if (where[k][i] != 0 && where[k][i] != UINT64_MAX)
				die("p%d:%d in the log but never acknowledged", k,
				    i);
		free(where[k]);
		if (!resource_after)
			die("producer %d: no resource record acknowledged after "
			    "space returned", k);
	}
	if (reserved_while_shedding[SA_EV_LOGIN] == 0 ||
	    reserved_while_shedding[SA_EV_ADMIN] == 0)
		die("while resource records were shed, login %" PRIu64
		    " and admin %" PRIu64 " records were written",
		    reserved_while_shedding[SA_EV_LOGIN],
		    reserved_while_shedding[SA_EV_ADMIN]);
	if (reserved_refused == 0)
		die("the disk was full but no login/admin record was refused");
	uint64_t lost = 0;
	for (size_t i = 0; i < nloss; i++) {
		CHECK(loss[i].lost > 0);
		lost += (uint64_t)loss[i].lost;
	}
	if (lost != shed + refused)
		die("loss records count %" PRIu64 ", producers were shed %" PRIu64
		    " and refused %" PRIu64, lost, shed, refused);
	for (int k = 0; k < NPROD; k++) {
		uint64_t said = 0;
		for (size_t i = 0; i < nloss; i++)
			said += detail_for_pid(loss[i].detail, reaped[k]);
		if (said != P[k].refused)
			die("loss details name %" PRIu64 " records of producer %d, "
			    "it lost %" PRIu64, said, k, P[k].refused);
		free(P[k].f);
	}
	printf("acked %" PRIu64 ", shed %" PRIu64 " (resource only), refused %"
	       PRIu64 " (%" PRIu64 " login/admin) when full; login %" PRIu64
	       " and admin %" PRIu64 " written while shedding; %zu loss records "
	       "count exactly %" PRIu64 "; recovered %" PRIu64 " ms after the "
	       "file system grew\n",
	       acked, shed, refused, reserved_refused,
	       reserved_while_shedding[SA_EV_LOGIN],
	       reserved_while_shedding[SA_EV_ADMIN], nloss, lost,
	       t_ok - t_grow);
	free(logv);
	free(loss);
	printf("1 passed, 0 failed\n");
	return 0;
}
