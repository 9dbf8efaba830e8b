/*
 * daemon-io-faults-no-acked-loss - the real seauditd, run under the
 * LD_PRELOAD fault shim (faultinject.c) while four producer processes keep
 * submitting, meets in turn: pwrite ENOSPC, pwrite EIO, a short pwrite
 * ending in ENOSPC, fdatasync EIO, fdatasync ENOSPC and rename EIO (which
 * only the background compression of sealed segments uses: audit_size is
 * the minimum, so segments seal all the time), once for each disk-full
 * action (refuse, block, rotate), on a fresh log and a fresh daemon each
 * time.  What must hold, because it is what an audit trail promises:
 *  - no acknowledged record is missing (rotate excepted, which removes
 *    whole sealed segments on purpose and says so), and each sits at the
 *    sequence number its acknowledgement named;
 *  - no record refused to a producer is in the log, and nothing is in the
 *    log that was not acknowledged;
 *  - refuse: producers get errors while the fault lasts and acks after it
 *    clears, without anyone restarting the daemon; block: producers get
 *    no reply at all while the fault lasts, then their acks; rotate: the
 *    oldest sealed segments go first (the shim's fault does not lift when
 *    space is freed, so it goes on to the refuse fallback);
 *  - the status query says refusing/blocking with write_errors > 0 during
 *    the fault and ok afterwards;
 *  - loss records' `lost` add up exactly to the records refused to the
 *    producers (per producer, from their detail text), plus, under
 *    rotate, the records of the removed segments (a loss record whose
 *    detail says they were rotated away);
 *  - the reader finds no damage, and the verifier none either: under
 *    rotate, retention records name what went (docs/INTEGRITY.md).
 * rename EIO must not touch producers at all: compression fails, the
 * sealed segments stay plain and are compressed once the fault clears.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define NPROD 4
#define MAXLOSS 256

struct ctl {
	volatile int stop;
};

static struct ctl *ctl;
static pid_t kids[NPROD];   /* running producers (killed on a failure) */
static pid_t reaped[NPROD]; /* their pids once they exited, for checks */
static struct hd *cur_h;

/* On a failure (die -> exit) no producer or daemon outlives the test. */
static void
at_exit_cleanup(void)
{
	for (int k = 0; k < NPROD; k++)
		if (kids[k] > 0) {
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
			kids[k] = 0;
		}
	if (cur_h != NULL) {
		hd_cleanup(cur_h);
		cur_h = NULL;
	}
}

/* ---- producers ---------------------------------------------------------- */

static bool
refusal(int rc)
{
	return rc == -ENOSPC || rc == -EIO || rc == -EDQUOT || rc == SA_ESHED;
}

/*
 * Submits frames of 1..16 resource records tagged "p<k>:<i>" until told to
 * stop, one line per frame into <dir>/p<k>.out:
 *   A t_send t_reply first_idx count first_seq
 *   E t_send t_reply first_idx count code
 */
static void
producer(const struct hd *h, int k)
{
	struct sa_client *c = NULL;
	uint64_t until = hd_ms() + 5000;
	while (sa_client_connect(&c, h->sock, 1000) < 0)
		if (hd_ms() > until)
			_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.out", h->dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static struct sa_record recs[16];
	static char tags[16][32];
	int idx = 0;
	for (int b = 0; !ctl->stop; b++) {
		int n = 1 + (b * 7 + k) % 16;
		for (int j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, idx + j);
			hd_record(&recs[j], tags[j], SA_EV_RESOURCE);
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
				"A %" PRIu64 " %" PRIu64 " %d %d %" PRIu64 "\n",
				t0, t1, idx, n, ack.first_seq);
		} else if (refusal(rc)) {
			fprintf(f, "E %" PRIu64 " %" PRIu64 " %d %d %d\n", t0,
				t1, idx, n, rc);
			usleep(2000);
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
	char kind; /* 'A' or 'E' */
	uint64_t t_send, t_reply;
	int idx, count;
	uint64_t first_seq; /* A */
	int code;	    /* E */
};

struct prod {
	struct frame *f;
	size_t n;
	int total; /* records submitted */
	uint64_t refused;
};

static void
load_outcomes(const struct hd *h, int k, struct prod *p)
{
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.out", h->dir, k);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	memset(p, 0, sizeof *p);
	size_t cap = 0;
	char kind;
	struct frame x;
	memset(&x, 0, sizeof x);
	while (fscanf(f, " %c %" SCNu64 " %" SCNu64 " %d %d", &kind, &x.t_send,
		      &x.t_reply, &x.idx, &x.count) == 5) {
		x.kind = kind;
		if (kind == 'A')
			CHECK(fscanf(f, "%" SCNu64, &x.first_seq) == 1);
		else
			CHECK(kind == 'E' && fscanf(f, "%d", &x.code) == 1);
		CHECK(x.idx == p->total);
		if (p->n == cap) {
			cap = cap ? cap * 2 : 1024;
			p->f = realloc(p->f, cap * sizeof *p->f);
			CHECK(p->f != NULL);
		}
		p->f[p->n++] = x;
		p->total += x.count;
		if (kind == 'E')
			p->refused += (uint64_t)x.count;
	}
	fclose(f);
}

/* ---- the daemon's side -------------------------------------------------- */

struct status {
	char state[32];
	uint64_t write_errors, lost_pending, records_refused;
};

static bool
status_get(const struct hd *h, struct status *s)
{
	struct sa_client *c;
	memset(s, 0, sizeof *s);
	if (sa_client_connect(&c, h->sock, 2000) < 0)
		return false;
	struct sa_buf b = SA_BUF_INIT;
	int rc = sa_client_status(c, 5000, &b);
	sa_client_close(c);
	if (rc < 0 || sa_buf_append(&b, "", 1) < 0) {
		sa_buf_free(&b);
		return false;
	}
	const char *t = (const char *)b.data;
	const char *p;
	if ((p = strstr(t, "state=")) != NULL)
		sscanf(p, "state=%31s", s->state);
	if ((p = strstr(t, "write_errors=")) != NULL)
		sscanf(p, "write_errors=%" SCNu64, &s->write_errors);
	if ((p = strstr(t, "lost_pending=")) != NULL)
		sscanf(p, "lost_pending=%" SCNu64, &s->lost_pending);
	if ((p = strstr(t, "records_refused=")) != NULL)
		sscanf(p, "records_refused=%" SCNu64, &s->records_refused);
	sa_buf_free(&b);
	return s->state[0] != '\0';
}

/* Polls the status until its state is `want`, at most `ms`. */
static bool
wait_state(const struct hd *h, const char *want, int ms, struct status *s)
{
	uint64_t until = hd_ms() + (uint64_t)ms;
	do {
		if (status_get(h, s) && strcmp(s->state, want) == 0)
			return true;
		usleep(20000);
	} while (hd_ms() < until);
	return false;
}

static void
set_fault(const struct hd *h, const char *what)
{
	char path[400], tmp[400];
	snprintf(path, sizeof path, "%s/faultctl", h->dir);
	snprintf(tmp, sizeof tmp, "%s/faultctl.tmp", h->dir);
	FILE *f = fopen(tmp, "w");
	CHECK(f != NULL);
	fputs(what, f);
	CHECK(fclose(f) == 0);
	CHECK(rename(tmp, path) == 0); /* the shim never sees half a line */
}

/* Segment files of the log: sealed plain ones, compressed ones, temps. */
struct segs {
	unsigned plain_sealed, zst, tmp;
};

static void
count_segs(const char *dir, struct segs *s)
{
	memset(s, 0, sizeof *s);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	uint64_t newest = 0;
	unsigned plain = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		if (strstr(n, ".tmp"))
			s->tmp++;
		if (strlen(n) < 20)
			continue;
		uint64_t seq = strtoull(n, NULL, 16);
		if (strcmp(n + 16, ".seg") == 0) {
			plain++;
			if (seq > newest)
				newest = seq;
		} else if (strcmp(n + 16, ".seg.zst") == 0) {
			s->zst++;
		}
	}
	closedir(d);
	s->plain_sealed = plain ? plain - 1 : 0; /* the newest is active */
}

/* ---- the log ------------------------------------------------------------ */

struct lrec {
	uint64_t seq;
	int k, i; /* producer tag, k = -1 when none */
};

struct lossrec {
	uint64_t seq;
	int64_t lost;
	char detail[1100];
};

struct logv {
	struct lrec *r;
	size_t n;
	struct lossrec loss[MAXLOSS];
	size_t nloss;
	uint64_t damage;
};

static void
on_damage(const struct sa_damage *d, void *arg)
{
	fprintf(stderr, "damage: %s offset %" PRIu64 ": %s\n", d->file,
		d->offset, sa_strerror(d->error));
	(*(uint64_t *)arg)++;
}

static void
read_log(const char *dir, struct logv *L)
{
	memset(L, 0, sizeof *L);
	const char *paths[] = {dir};
	struct sa_reader *rd;
	CHECK(sa_reader_open(&rd, paths, 1, on_damage, &L->damage) == 0);
	size_t cap = 0;
	struct sa_record r;
	int rc;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		if (L->n == cap) {
			cap = cap ? cap * 2 : 8192;
			L->r = realloc(L->r, cap * sizeof *L->r);
			CHECK(L->r != NULL);
		}
		struct lrec *x = &L->r[L->n++];
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
			CHECK(L->nloss < MAXLOSS);
			struct lossrec *lr = &L->loss[L->nloss++];
			CHECK(sa_record_has(&r, SA_F_LOST) &&
			      sa_record_has(&r, SA_F_DETAIL) &&
			      sa_record_has(&r, SA_F_LOST_SINCE) &&
			      sa_record_has(&r, SA_F_LOST_UNTIL));
			lr->seq = r.seq;
			lr->lost = r.num[SA_F_LOST];
			size_t l = r.str[SA_F_DETAIL].len;
			if (l >= sizeof lr->detail)
				l = sizeof lr->detail - 1;
			memcpy(lr->detail, r.str[SA_F_DETAIL].ptr, l);
			lr->detail[l] = '\0';
		}
	}
	CHECK(rc == 0);
	sa_reader_close(rd);
}

/* ---- one run: one action, one fault ------------------------------------- */

enum expect { EX_REFUSE, EX_BLOCK, EX_ROTATE_AWAY, EX_COMPRESS_ONLY };

struct totals {
	uint64_t acked, refused, removed, lost;
};

static void
run(const char *shim, const char *action, const char *fault, enum expect ex,
    struct totals *tot)
{
	static struct hd h;
	char conf[256];
	snprintf(conf, sizeof conf,
		 "[logmgr]\naudit_size = 50\n[seauditd]\n"
		 "disk_full_action = %s\nreserve = 0\nsync = batch\n",
		 action);
	hd_init(&h, conf);
	cur_h = &h;
	char ctlpath[400];
	snprintf(ctlpath, sizeof ctlpath, "%s/faultctl", h.dir);
	set_fault(&h, "");
	setenv("SA_FAULT_CTL", ctlpath, 1);
	hd_start(&h, shim);

	ctl->stop = 0;
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			producer(&h, k);
	}
	/* Load until there are sealed segments to lose (rotate) or to
	 * compress (rename). */
	struct segs sg;
	uint64_t until = hd_ms() + 20000;
	do {
		usleep(50000);
		count_segs(h.log, &sg);
	} while (sg.zst + sg.plain_sealed < 4 && hd_ms() < until);
	CHECK(sg.zst + sg.plain_sealed >= 4);

	struct status s_in, s_out;
	uint64_t t_on = hd_ms();
	set_fault(&h, fault);
	uint64_t t_state;
	if (ex == EX_COMPRESS_ONLY) {
		/* Segments keep sealing; none can be compressed. */
		until = hd_ms() + 20000;
		do {
			usleep(50000);
			count_segs(h.log, &sg);
		} while (sg.plain_sealed < 3 && hd_ms() < until);
		if (sg.plain_sealed < 3)
			die("%s/%s: sealed segments did not stay plain "
			    "(%u plain, %u zst)",
			    action, fault, sg.plain_sealed, sg.zst);
		unsigned zst = sg.zst;
		usleep(300000);
		count_segs(h.log, &sg);
		if (sg.zst != zst || sg.plain_sealed < 3)
			die("%s/%s: compression went on during the fault",
			    action, fault);
		CHECK(status_get(&h, &s_in));
		CHECK(strcmp(s_in.state, "ok") == 0);
		CHECK(s_in.write_errors == 0);
		t_state = hd_ms();
	} else {
		const char *want = ex == EX_BLOCK ? "blocking" : "refusing";
		if (!wait_state(&h, want, 10000, &s_in))
			die("%s/%s: state never became %s (last: %s)", action,
			    fault, want, s_in.state);
		t_state = hd_ms();
		usleep(500000); /* the fault lasts */
		CHECK(status_get(&h, &s_in));
		if (strcmp(s_in.state, want) != 0)
			die("%s/%s: state %s during the fault, want %s", action,
			    fault, s_in.state, want);
		CHECK(s_in.write_errors > 0);
	}
	uint64_t t_off = hd_ms();
	set_fault(&h, "");
	if (!wait_state(&h, "ok", 10000, &s_out))
		die("%s/%s: the daemon did not recover by itself (state %s)",
		    action, fault, s_out.state);
	uint64_t t_ok = hd_ms();
	if (ex == EX_COMPRESS_ONLY) {
		/* The next seals compress what the fault left plain. */
		until = hd_ms() + 20000;
		do {
			usleep(50000);
			count_segs(h.log, &sg);
		} while (sg.plain_sealed > 1 && hd_ms() < until);
		if (sg.plain_sealed > 1)
			die("%s/%s: %u sealed segments still plain after the "
			    "fault cleared",
			    action, fault, sg.plain_sealed);
	}
	usleep(300000); /* load after recovery */
	ctl->stop = 1;
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		reaped[k] = kids[k];
		kids[k] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("%s/%s: producer %d failed (status %d)", action,
			    fault, k, st);
	}
	/* The last losses are recorded without anyone asking. */
	until = hd_ms() + 5000;
	while (status_get(&h, &s_out) && s_out.lost_pending > 0 &&
	       hd_ms() < until)
		usleep(20000);
	CHECK(s_out.lost_pending == 0);
	CHECK(strcmp(s_out.state, "ok") == 0);
	CHECK(hd_stop(&h) == 0);
	count_segs(h.log, &sg);
	CHECK(sg.tmp == 0); /* failed compressions leave nothing behind */

	/* ---- verification ---- */
	struct prod P[NPROD];
	for (int k = 0; k < NPROD; k++)
		load_outcomes(&h, k, &P[k]);
	static struct logv L;
	read_log(h.log, &L);
	CHECK(L.damage == 0);
	CHECK(L.n > 0);
	for (size_t i = 0; i < L.n; i++)
		if (L.r[i].seq != L.r[0].seq + i)
			die("%s/%s: seq %" PRIu64 " follows %" PRIu64, action,
			    fault, L.r[i].seq, i ? L.r[i - 1].seq : 0);
	/* Only rotate removes records, and only the oldest. */
	uint64_t first = L.r[0].seq, removed = first - 1;
	if (ex == EX_ROTATE_AWAY) {
		if (removed == 0)
			die("%s/%s: no sealed segment was removed", action,
			    fault);
	} else if (removed != 0) {
		die("%s/%s: log starts at seq %" PRIu64, action, fault, first);
	}
	/* The chain holds through the faults, and a head rotated away is
	 * named by the retention records written before it went. */
	{
		const char *paths[1] = {h.log};
		struct sa_verify_opts vo = {.cb = on_damage, .arg = &L.damage};
		struct sa_verify_result vr;
		CHECK(sa_log_verify(paths, 1, &vo, &vr) == 0);
		if (vr.problems != 0 || vr.removed_seq != removed)
			die("%s/%s: -verify: %" PRIu64 " problems, removal "
			    "recorded up to %" PRIu64 " of %" PRIu64,
			    action, fault, vr.problems, vr.removed_seq,
			    removed);
	}
	/* Where each tagged record is. */
	uint64_t *where[NPROD];
	for (int k = 0; k < NPROD; k++) {
		where[k] = calloc((size_t)P[k].total + 1, sizeof *where[k]);
		CHECK(where[k] != NULL);
	}
	for (size_t i = 0; i < L.n; i++) {
		const struct lrec *x = &L.r[i];
		if (x->k < 0)
			continue;
		if (x->k >= NPROD || x->i < 0 || x->i >= P[x->k].total)
			die("record p%d:%d was never submitted", x->k, x->i);
		if (where[x->k][x->i])
			die("record p%d:%d twice", x->k, x->i);
		where[x->k][x->i] = x->seq;
	}
	uint64_t acked = 0, acked_removed = 0, refused = 0;
	for (int k = 0; k < NPROD; k++) {
		bool err_in_fault = false, ack_after = false, spanned = false;
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			for (int m = 0; m < f->count; m++) {
				uint64_t at = where[k][f->idx + m];
				if (f->kind == 'E') {
					if (at)
						die("%s/%s: p%d:%d refused "
						    "(%s) but "
						    "in the log at seq "
						    "%" PRIu64,
						    action, fault, k,
						    f->idx + m,
						    sa_strerror(f->code), at);
					continue;
				}
				uint64_t want = f->first_seq + (uint64_t)m;
				if (want < first) {
					if (at)
						die("p%d:%d at %" PRIu64
						    ", in a "
						    "removed segment",
						    k, f->idx + m, at);
					acked_removed++;
				} else if (at != want) {
					die("%s/%s: acknowledged p%d:%d "
					    "missing: "
					    "ack said seq %" PRIu64 ", log has "
					    "%" PRIu64,
					    action, fault, k, f->idx + m, want,
					    at);
				}
				where[k][f->idx + m] = UINT64_MAX; /* matched */
			}
			if (f->kind == 'E') {
				refused += (uint64_t)f->count;
				if (f->t_reply >= t_on &&
				    f->t_reply <= t_off + 200)
					err_in_fault = true;
			} else {
				acked += (uint64_t)f->count;
				if (f->t_send >= t_off)
					ack_after = true;
				/* Sent while blocked, answered after. */
				if (f->t_send + 100 < t_off &&
				    f->t_reply >= t_off)
					spanned = true;
				/* (Margin: a reply sent before the block may be
				 * timed late by a descheduled producer.) */
				if (ex == EX_BLOCK &&
				    f->t_reply > t_state + 250 &&
				    f->t_reply < t_off)
					die("%s/%s: p%d acked during the block",
					    action, fault, k);
			}
		}
		for (int i = 0; i < P[k].total; i++)
			if (where[k][i] != 0 && where[k][i] != UINT64_MAX)
				die("%s/%s: p%d:%d in the log but never "
				    "acknowledged",
				    action, fault, k, i);
		free(where[k]);
		if (!ack_after)
			die("%s/%s: producer %d got no ack after the fault "
			    "cleared",
			    action, fault, k);
		switch (ex) {
		case EX_BLOCK:
			if (P[k].refused)
				die("%s/%s: producer %d got %" PRIu64
				    " records "
				    "refused under block",
				    action, fault, k, P[k].refused);
			if (!spanned)
				die("%s/%s: producer %d was not held until the "
				    "fault cleared",
				    action, fault, k);
			break;
		case EX_COMPRESS_ONLY:
			CHECK(P[k].refused == 0);
			break;
		default:
			if (!err_in_fault)
				die("%s/%s: producer %d got no error during "
				    "the fault",
				    action, fault, k);
		}
	}
	/* The trail accounts for every record it does not hold. */
	uint64_t lost = 0, lost_rotated = 0;
	bool rotated_detail = false;
	for (size_t i = 0; i < L.nloss; i++) {
		CHECK(L.loss[i].lost > 0);
		lost += (uint64_t)L.loss[i].lost;
		if (strstr(L.loss[i].detail, "rotated away")) {
			rotated_detail = true;
			lost_rotated += (uint64_t)L.loss[i].lost;
		}
	}
	if (lost != refused + removed)
		die("%s/%s: loss records count %" PRIu64 ", producers were "
		    "refused %" PRIu64 " and %" PRIu64 " were rotated away",
		    action, fault, lost, refused, removed);
	if (lost_rotated != removed || (removed > 0) != rotated_detail)
		die("%s/%s: %" PRIu64 " records of removed segments, loss "
		    "records say %" PRIu64 " rotated away",
		    action, fault, removed, lost_rotated);
	for (int k = 0; k < NPROD; k++) {
		uint64_t said = 0;
		for (size_t i = 0; i < L.nloss; i++)
			if (!strstr(L.loss[i].detail, "rotated away"))
				said += hd_loss_for_pid(L.loss[i].detail,
							reaped[k]);
		if (said != P[k].refused)
			die("%s/%s: loss details name %" PRIu64 " records of "
			    "producer %d, it was refused %" PRIu64,
			    action, fault, said, k, P[k].refused);
	}
	printf("  %-6s %-22s acked %7" PRIu64 "  refused %6" PRIu64
	       "  rotated away %5" PRIu64 " (%3" PRIu64 " acked)  loss records "
	       "%zu  write_errors %" PRIu64 "  recovered in %" PRIu64 " ms\n",
	       action, fault, acked, refused, removed, acked_removed, L.nloss,
	       s_in.write_errors, t_ok - t_off);
	fflush(stdout);
	tot->acked += acked;
	tot->refused += refused;
	tot->removed += removed;
	tot->lost += lost;
	for (int k = 0; k < NPROD; k++)
		free(P[k].f);
	free(L.r);
	hd_cleanup(&h);
	cur_h = NULL;
}

int
main(void)
{
	const char *shim = getenv("SA_FAULTINJECT");
	if (shim == NULL || access(shim, R_OK) != 0)
		die("SA_FAULTINJECT must name libsa-faultinject.so");
	/* An ASan build's daemon accepts a preloaded shim only so. */
	const char *ao = getenv("ASAN_OPTIONS");
	char asan[512];
	snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0",
		 ao ? ao : "", ao && *ao ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(ctl != MAP_FAILED);
	atexit(at_exit_cleanup);

	static const struct {
		const char *fault;
		bool full; /* ENOSPC: rotate removes segments */
		bool compress_only;
	} faults[] = {
	    {"pwrite ENOSPC", true, false},
	    {"pwrite EIO", false, false},
	    {"pwrite ENOSPC short", true, false},
	    {"fdatasync EIO", false, false},
	    {"fdatasync ENOSPC", true, false},
	    {"rename EIO", false, true},
	};
	static const char *const actions[] = {"refuse", "block", "rotate"};
	struct totals tot = {0};
	int runs = 0;
	for (size_t a = 0; a < 3; a++)
		for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++) {
			enum expect ex;
			if (faults[f].compress_only)
				ex = EX_COMPRESS_ONLY;
			else if (a == 1)
				ex = EX_BLOCK;
			else if (a == 2 && faults[f].full)
				ex = EX_ROTATE_AWAY;
			else
				ex = EX_REFUSE;
			run(shim, actions[a], faults[f].fault, ex, &tot);
			runs++;
		}
	printf("%d runs: %" PRIu64 " records acknowledged, %" PRIu64
	       " refused, %" PRIu64 " rotated away; loss records account for "
	       "all %" PRIu64 "\n",
	       runs, tot.acked, tot.refused, tot.removed, tot.lost);
	printf("1 passed, 0 failed\n");
	return 0;
}
