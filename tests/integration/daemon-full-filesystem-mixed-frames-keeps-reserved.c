/*
 * daemon-full-filesystem-mixed-frames-keeps-reserved - the frames that
 * real producers send mix classes (seaudit-submit packs up to 1000 lines
 * of any kind in one frame).  On a 4 MiB tmpfs (root only; otherwise
 * "skipped") with reserve = 1M and the default reserved classes, four
 * producers send frames of 20 records in which every fourth record is a
 * login or an admin record and the others are resource records, until the
 * file system is full; then space returns.  It checks:
 *  - below the reserve the reserved-class records of a mixed frame are
 *    stored and only its noisy records are shed, named one by one in a
 *    partial acknowledgement (and partial acks did happen);
 *  - no reserved-class record is ever shed: until the disk is truly full
 *    (the first -ENOSPC), every one sent was stored;
 *  - the loss records add up exactly, cause by cause, to what producers
 *    were told: "noisy class shed below the reserve" to the records shed,
 *    "disk full" plus "refused while the log was unwritable" to the
 *    records refused with -ENOSPC, and nothing else;
 *  - while noisy records are shed the status says state=shedding;
 *  - every stored record is in the log once at the number its ack gave,
 *    no refused or shed record is, and the reader reports no damage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "fullfs.h"

#define FRAME 20

static bool
reserved(int ev)
{
	return ev == SA_EV_LOGIN || ev == SA_EV_ADMIN;
}

/*
 * One line per record into <dir>/m<k>.out:
 *   S idx event t_reply seq      stored
 *   H idx event t_reply code     shed (partial ack, or a whole frame)
 *   N idx event t_reply code     refused (-ENOSPC)
 */
static void
mixed_producer(int k)
{
	struct sa_client *c = NULL;
	uint64_t until = hd_ms() + 5000;
	while (sa_client_connect(&c, h.sock, 1000) < 0)
		if (hd_ms() > until)
			_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/m%d.out", h.dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static struct sa_record recs[FRAME];
	static char tags[FRAME][32];
	static int evs[FRAME];
	int idx = 0;
	for (int b = 0; !ctl->stop; b++) {
		for (int j = 0; j < FRAME; j++) {
			evs[j] = (j + b + k) % 4 != 0 ? SA_EV_RESOURCE
				 : (j + b) % 8 < 4    ? SA_EV_LOGIN
						      : SA_EV_ADMIN;
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, idx + j);
			hd_record(&recs[j], tags[j], (uint8_t)evs[j]);
		}
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		int rc = sa_client_submit(c, recs, FRAME, 60000, &ack, &err);
		uint64_t t1 = hd_ms();
		if (rc == 0) {
			if (ack.count + ack.refused != FRAME ||
			    (ack.count > 0 &&
			     ack.last_seq - ack.first_seq + 1 != ack.count))
				_exit(13);
			uint64_t seq = ack.first_seq;
			for (int j = 0; j < FRAME; j++) {
				if (sa_proto_ack_refused(&ack, (uint32_t)j))
					fprintf(f, "H %d %d %" PRIu64 " %d\n",
						idx + j, evs[j], t1,
						ack.refused_code);
				else
					fprintf(f,
						"S %d %d %" PRIu64 " %" PRIu64
						"\n",
						idx + j, evs[j], t1, seq++);
			}
		} else if (rc == -ENOSPC || rc == SA_ESHED) {
			for (int j = 0; j < FRAME; j++)
				fprintf(f, "%c %d %d %" PRIu64 " %d\n",
					rc == SA_ESHED ? 'H' : 'N', idx + j,
					evs[j], t1, rc);
			usleep(200);
		} else {
			fprintf(stderr, "producer %d: unexpected %s (%s)\n", k,
				sa_strerror(rc), err.message);
			_exit(12);
		}
		idx += FRAME;
	}
	if (fclose(f) != 0)
		_exit(14);
	sa_client_close(c);
	_exit(0);
}

struct out {
	char kind;
	int ev;
	uint64_t t;
	uint64_t seq;
};

/* Sum of "<words> N" in a loss detail's causes part. */
static uint64_t
cause_count(const char *detail, const char *words)
{
	const char *p = strstr(detail, words);
	const char *end = strstr(detail, "; events:");
	if (p == NULL || (end != NULL && p > end))
		return 0;
	return strtoull(p + strlen(words), NULL, 10);
}

int
main(void)
{
	fullfs_start("disk_full_action = refuse\nreserve = 1M\nsync = batch\n"
		     "[logmgr]\naudit_size = 512\n");
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			mixed_producer(k);
	}
	struct status s;
	uint64_t until = hd_ms() + 120000;
	bool saw_shedding = false; /* the status says so below the reserve */
	while (!(status_get(&s) && strcmp(s.state, "refusing") == 0) &&
	       hd_ms() < until) {
		saw_shedding |= strcmp(s.state, "shedding") == 0;
		usleep(20000);
	}
	if (!saw_shedding)
		die("the status never said state=shedding");
	if (strcmp(s.state, "refusing") != 0)
		die("the file system never filled up (state %s, free %" PRIu64
		    ")",
		    s.state, s.free_bytes);
	usleep(500000);
	fullfs_grow();
	usleep(200000);
	fullfs_stop_producers();
	fullfs_finish();

	/* ---- outcomes, per record ---- */
	struct out *O[NPROD];
	int total[NPROD];
	uint64_t t_first_full = UINT64_MAX;
	for (int k = 0; k < NPROD; k++) {
		char path[400];
		snprintf(path, sizeof path, "%s/m%d.out", h.dir, k);
		FILE *f = fopen(path, "r");
		CHECK(f != NULL);
		size_t cap = 4096;
		O[k] = malloc(cap * sizeof *O[k]);
		CHECK(O[k] != NULL);
		total[k] = 0;
		char kind;
		int idx, ev;
		uint64_t t, v;
		long long code;
		while (fscanf(f, " %c %d %d %" SCNu64, &kind, &idx, &ev, &t) ==
		       4) {
			if (kind == 'S')
				CHECK(fscanf(f, "%" SCNu64, &v) == 1);
			else
				CHECK(fscanf(f, "%lld", &code) == 1);
			CHECK(idx == total[k]);
			if ((size_t)idx == cap) {
				cap *= 2;
				O[k] = realloc(O[k], cap * sizeof *O[k]);
				CHECK(O[k] != NULL);
			}
			O[k][idx] =
			    (struct out){kind, ev, t, kind == 'S' ? v : 0};
			if (kind == 'N' && t < t_first_full)
				t_first_full = t;
			total[k]++;
		}
		fclose(f);
	}
	CHECK(t_first_full != UINT64_MAX);

	uint64_t stored = 0, shed = 0, refused = 0, partial_frames = 0;
	uint64_t reserved_stored_while_shedding = 0;
	for (int k = 0; k < NPROD; k++) {
		for (int i = 0; i < total[k]; i++) {
			const struct out *o = &O[k][i];
			if (o->kind == 'S')
				stored++;
			else if (o->kind == 'H')
				shed++;
			else
				refused++;
			if (o->kind == 'H' && reserved(o->ev))
				die("reserved p%d:%d (%s) was shed", k, i,
				    sa_event_json((enum sa_event)o->ev));
			if (reserved(o->ev) && o->kind != 'S' &&
			    o->t < t_first_full)
				die("reserved p%d:%d not stored before the disk"
				    " was full",
				    k, i);
		}
		for (int b = 0; b + FRAME <= total[k]; b += FRAME) {
			bool any_s = false, any_h = false;
			for (int j = 0; j < FRAME; j++) {
				any_s |= O[k][b + j].kind == 'S';
				any_h |= O[k][b + j].kind == 'H';
			}
			if (any_s && any_h) {
				partial_frames++;
				for (int j = 0; j < FRAME; j++)
					if (reserved(O[k][b + j].ev))
						reserved_stored_while_shedding++;
			}
		}
	}
	if (partial_frames == 0)
		die("no frame was partly stored: shed %" PRIu64, shed);

	/* ---- the log ---- */
	CHECK(read_log(h.log) == 0);
	uint64_t **where = calloc(NPROD, sizeof *where);
	CHECK(where != NULL);
	for (int k = 0; k < NPROD; k++) {
		where[k] = calloc((size_t)total[k] + 1, sizeof *where[k]);
		CHECK(where[k] != NULL);
	}
	for (size_t i = 0; i < nlog; i++) {
		const struct lrec *x = &logv[i];
		if (x->k < 0)
			continue;
		if (x->k >= NPROD || x->i < 0 || x->i >= total[x->k])
			die("record p%d:%d was never submitted", x->k, x->i);
		if (where[x->k][x->i])
			die("record p%d:%d twice", x->k, x->i);
		where[x->k][x->i] = x->seq;
	}
	for (int k = 0; k < NPROD; k++)
		for (int i = 0; i < total[k]; i++) {
			const struct out *o = &O[k][i];
			if (o->kind == 'S' && where[k][i] != o->seq)
				die("stored p%d:%d: ack said seq %" PRIu64
				    ", log has %" PRIu64,
				    k, i, o->seq, where[k][i]);
			if (o->kind != 'S' && where[k][i] != 0)
				die("p%d:%d refused (%c) but in the log", k, i,
				    o->kind);
		}

	/* ---- the loss records, cause by cause ---- */
	uint64_t c_shed = 0, c_full = 0, c_unwritable = 0;
	for (size_t i = 0; i < nloss; i++) {
		const char *d = loss[i].detail;
		uint64_t a =
		    cause_count(d, "noisy class shed below the reserve ");
		uint64_t b = cause_count(d, "disk full ");
		uint64_t c =
		    cause_count(d, "refused while the log was unwritable ");
		if (a + b + c != (uint64_t)loss[i].lost)
			die("loss record %zu: lost %" PRId64
			    " but causes say %" PRIu64 ": %s",
			    i, loss[i].lost, a + b + c, d);
		c_shed += a;
		c_full += b;
		c_unwritable += c;
	}
	if (c_shed != shed || c_full + c_unwritable != refused)
		die("loss records: shed %" PRIu64
		    " (producers were told %" PRIu64 "), disk full %" PRIu64
		    " + unwritable %" PRIu64 " (producers were refused %" PRIu64
		    ")",
		    c_shed, shed, c_full, c_unwritable, refused);
	printf("stored %" PRIu64 ", shed %" PRIu64 " (noisy only, %" PRIu64
	       " frames partly stored, with %" PRIu64
	       " reserved records kept), refused when full %" PRIu64
	       "; %zu loss records: shed %" PRIu64 ", disk full %" PRIu64
	       ", unwritable %" PRIu64 "\n",
	       stored, shed, partial_frames, reserved_stored_while_shedding,
	       refused, nloss, c_shed, c_full, c_unwritable);
	for (int k = 0; k < NPROD; k++) {
		free(O[k]);
		free(where[k]);
	}
	free(where);
	free(logv);
	free(loss);
	printf("1 passed, 0 failed\n");
	return 0;
}
