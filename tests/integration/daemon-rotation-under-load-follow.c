/*
 * daemon-rotation-under-load-follow - rotation under load at a small
 * audit_size: no loss, no duplicate, retention honoured, and
 * `seaudit -follow` sees every record once.
 *
 * Part 1: audit_size = 64 (KB), compress = yes, audit_max_files = 1000 (so
 * nothing is deleted before the follower gets there).  `seaudit -a -json
 * -follow -fn LOG` runs as a child from the start; four producers submit
 * 50,000 uniquely tagged records in frames of 1 to 50, and SIGUSR1 asks
 * for extra rotations meanwhile.  The follower must print seq 1, 2, 3, ...
 * without a gap or a repeat across every segment boundary (roll-over,
 * on-demand rotation, and segments compressed and replaced while it reads
 * them), every acknowledged record once at its acknowledged seq; the log
 * must hold many segments, every sealed one replaced by its .seg.zst.
 * Meanwhile the test reads the whole live log again and again, as plain
 * `seaudit` does: each read must be free of damage and in order, however
 * the directory changes under it.
 *
 * Part 2: a fresh daemon with audit_size = 50 and audit_max_files = 3
 * under load, compressing at level 19 so that sealing lags behind and
 * retention keeps finding the oldest segment busy: once the load stops,
 * at most three sealed segments remain beside the active one;
 * they are the newest (the records still in the log run without a gap
 * from the first kept segment to the last acknowledged record, so no
 * later segment was removed), every acknowledged record from there on is
 * present exactly once, the older ones are gone, and the log reads
 * without damage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"
#include "loadgen.h"

/*
 * One read of the whole live log, as `seaudit` without -follow does it
 * while the daemon rolls over, rotates and replaces sealed segments by
 * their .zst: no damage, and seq increasing by one from the first record
 * (no segment read out of place or twice).
 */
struct live_reads {
	const char *log;
	unsigned n;
};

static void
read_live(void *arg)
{
	struct live_reads *lr = arg;
	const char *log = lr->log;
	lr->n++;
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(log, &v, &damage);
	if (damage != 0)
		die("reading the live log: %" PRIu64 " damaged regions",
		    damage);
	for (size_t i = 1; i < n; i++)
		if (v[i].seq != v[i - 1].seq + 1)
			die("reading the live log: record %zu has seq %" PRIu64
			    " after %" PRIu64,
			    i, v[i].seq, v[i - 1].seq);
	free(v);
}

/*
 * Waits (30 s at most) until the compressor has replaced every sealed
 * plain segment and, when max_segs is not 0, retention has left at most
 * max_segs segments (it runs after each new segment and after each
 * compression that held it up).
 */
static void
wait_settled(const char *dir, struct lg_segs *s, size_t max_segs)
{
	uint64_t until = hd_ms() + 30000;
	for (;;) {
		lg_list_segs(dir, s);
		if (s->plain_sealed == 0 && (max_segs == 0 || s->n <= max_segs))
			return;
		if (hd_ms() > until)
			die("after 30 s: %zu segments (%zu .seg, %zu "
			    ".seg.zst), "
			    "%zu sealed ones still plain%s",
			    s->n, s->plain, s->zst, s->plain_sealed,
			    max_segs && s->n > max_segs
				? ": retention not applied"
				: "");
		lg_sleep_ms(50);
	}
}

/* ---- part 1 ----------------------------------------------------------- */

#define P1_PROD 4
#define P1_PER 12500

static void
part1(void)
{
	static struct hd h;
	hd_init(&h, "sync = batch\ncompress = yes\n"
		    "[logmgr]\naudit_size = 64\naudit_max_files = 1000\n");
	lg_watch(&h);
	hd_start(&h, NULL);
	char outpath[400], errpath[400];
	snprintf(outpath, sizeof outpath, "%s/follow.json", h.dir);
	snprintf(errpath, sizeof errpath, "%s/follow.err", h.dir);
	const char *fargs[] = {"-fn", h.log, NULL};
	pid_t fpid = lg_start_follower(outpath, errpath, fargs);

	uint64_t t0 = hd_ms();
	struct live_reads lr = {h.log, 0};
	int usr1 = lg_load(&h, P1_PROD, P1_PER, 6, read_live, &lr);
	uint64_t load_ms = hd_ms() - t0;
	struct lg_ack *acks;
	size_t nacks = lg_load_acks(&h, P1_PROD, P1_PER, &acks);
	CHECK(nacks == (size_t)P1_PROD * P1_PER);

	/* The follower has caught up when it printed the startup record and
	 * every acknowledged one (it may print more only by a repeat, which
	 * the checks below catch). */
	size_t want = nacks + 1;
	lg_wait_lines(fpid, outpath, errpath, want);
	uint64_t lag_ms = hd_ms() - t0 - load_ms;
	int st = lg_stop_follower(fpid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		lg_show_file(errpath);
		die("seaudit -follow: status %d at SIGTERM", st);
	}

	/* Sealed segments are compressed in the background. */
	struct lg_segs s;
	wait_settled(h.log, &s, 0);
	CHECK(hd_stop(&h) == 0);

	/* What the follower printed. */
	struct lg_fline *fl;
	size_t nf = lg_parse_follow(outpath, &fl);
	FILE *ef = fopen(errpath, "r");
	CHECK(ef != NULL);
	int c = fgetc(ef);
	fclose(ef);
	if (c != EOF) {
		lg_show_file(errpath);
		die("seaudit -follow wrote to stderr (damage?)");
	}
	for (size_t i = 0; i < nf; i++)
		if (fl[i].seq != i + 1)
			die("follower line %zu: seq %" PRIu64
			    " (expected %zu: a "
			    "record %s)",
			    i + 1, fl[i].seq, i + 1,
			    fl[i].seq <= i ? "repeated" : "skipped");
	if (nf != want)
		die("the follower printed %zu records, %zu expected (startup + "
		    "%zu acknowledged)",
		    nf, want, nacks);
	/* Every acknowledged record once, at its seq (the seqs are dense,
	 * so line seq-1 holds seq; a tag elsewhere would be a repeat). */
	static uint8_t seen[P1_PROD][P1_PER];
	for (size_t i = 0; i < nf; i++) {
		if (fl[i].k < 0)
			continue;
		CHECK(fl[i].k < P1_PROD && fl[i].idx >= 0 &&
		      fl[i].idx < P1_PER);
		if (seen[fl[i].k][fl[i].idx]++)
			die("follower printed p%d:%d twice", fl[i].k,
			    fl[i].idx);
	}
	for (size_t i = 0; i < nacks; i++) {
		const struct lg_fline *x = &fl[acks[i].seq - 1];
		if (x->k != acks[i].k || x->idx != acks[i].idx)
			die("follower: seq %" PRIu64
			    " is p%d:%d, acknowledged as "
			    "p%d:%d",
			    acks[i].seq, x->k, x->idx, acks[i].k, acks[i].idx);
	}

	/* The log itself: the same records, plus the shutdown record. */
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	CHECK(n == nf + 1);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].seq == i + 1);
	CHECK(v[0].event == SA_EV_STARTUP && v[n - 1].event == SA_EV_SHUTDOWN);

	/* Many segments, every sealed one compressed (s was listed before
	 * the daemon stopped: the newest is the active one). */
	if (s.n < 40 || s.plain != 1 || s.zst != s.n - 1)
		die("segments: %zu (%zu .seg, %zu .seg.zst): expected 40 or "
		    "more, all sealed ones compressed",
		    s.n, s.plain, s.zst);
	printf("part 1: %zu records acknowledged in %.1f s with %d SIGUSR1 "
	       "rotations; %zu segments (%zu sealed, all .seg.zst); %u whole "
	       "reads of the live log in order; the follower printed seq "
	       "1..%zu once each, caught up %.1f s after the load\n",
	       nacks, (double)load_ms / 1000.0, usr1, s.n, s.zst, lr.n, nf,
	       (double)lag_ms / 1000.0);
	free(v);
	free(fl);
	free(acks);
	lg_watch(NULL);
	hd_cleanup(&h);
}

/* ---- part 2 ----------------------------------------------------------- */

#define P2_PROD 2
#define P2_PER 10000
#define P2_KEEP 3

static void
part2(void)
{
	static struct hd h;
	/* compress_level 19: sealing lags behind the load, so retention
	 * often finds its oldest segment busy being compressed. */
	hd_init(&h, "sync = batch\ncompress = yes\ncompress_level = 19\n"
		    "[logmgr]\naudit_size = 50\naudit_max_files = 3\n");
	lg_watch(&h);
	hd_start(&h, NULL);
	/* No reads here: a reader beside retention may find a segment it
	 * listed deleted, which is another matter. */
	int usr1 = lg_load(&h, P2_PROD, P2_PER, 4, NULL, NULL);
	struct lg_ack *acks;
	size_t nacks = lg_load_acks(&h, P2_PROD, P2_PER, &acks);
	uint64_t last_acked = 0;
	for (size_t i = 0; i < nacks; i++)
		if (acks[i].seq > last_acked)
			last_acked = acks[i].seq;

	struct lg_segs s;
	wait_settled(h.log, &s, P2_KEEP + 1); /* 3 sealed + the active one */
	CHECK(s.n == P2_KEEP + 1);	      /* the load made far more */
	CHECK(s.first[0] > 1);		      /* the oldest went */

	/* The kept segments run without a gap up to the newest record. */
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	CHECK(n > 0 && v[0].seq == s.first[0]);
	for (size_t i = 0; i < n; i++)
		if (v[i].seq != s.first[0] + i)
			die("kept segments: seq %" PRIu64 " follows %" PRIu64,
			    v[i].seq, i ? v[i - 1].seq : 0);
	CHECK(v[n - 1].seq >= last_acked);
	size_t kept = 0, gone = 0;
	for (size_t i = 0; i < nacks; i++) {
		char want[32];
		snprintf(want, sizeof want, "p%d:%d", acks[i].k, acks[i].idx);
		if (acks[i].seq < s.first[0]) {
			gone++;
			continue;
		}
		const struct hd_rec *x = &v[acks[i].seq - s.first[0]];
		if (strcmp(x->session, want) != 0)
			die("seq %" PRIu64 " holds '%s', acknowledged as %s",
			    acks[i].seq, x->session, want);
		kept++;
	}
	/* No record twice. */
	static uint8_t seen[P2_PROD][P2_PER];
	for (size_t i = 0; i < n; i++) {
		int k, idx;
		if (sscanf(v[i].session, "p%d:%d", &k, &idx) != 2)
			continue;
		CHECK(k >= 0 && k < P2_PROD && idx >= 0 && idx < P2_PER);
		if (seen[k][idx]++)
			die("p%d:%d is in the log twice", k, idx);
	}
	CHECK(hd_stop(&h) == 0);
	free(v);
	n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0 && n > 0);
	CHECK(v[n - 1].event == SA_EV_SHUTDOWN);
	printf("part 2: %zu records in frames with %d SIGUSR1 rotations; "
	       "audit_max_files = %d kept segments from seq %" PRIu64
	       " (%zu acknowledged records kept, %zu older ones removed with "
	       "their segments), no gap, no damage\n",
	       nacks, usr1, P2_KEEP, s.first[0], kept, gone);
	free(v);
	free(acks);
	lg_watch(NULL);
	hd_cleanup(&h);
}

int
main(void)
{
	lg_init();
	part1();
	part2();
	printf("1 passed, 0 failed\n");
	return 0;
}
