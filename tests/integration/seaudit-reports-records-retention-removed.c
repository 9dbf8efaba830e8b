/*
 * seaudit-reports-records-retention-removed - when retention
 * (audit_max_files) removes segments a reader has not reached yet, the
 * reader says so plainly, with the numbers of the records it could not
 * show, and goes on with what is left: nothing is skipped silently and
 * the reader does not stop.
 *
 * Part 1, a follower: `seaudit -a -json -follow -fn LOG` prints the
 * daemon's start-up record and is then stopped (SIGSTOP) while two
 * producers submit 16,000 records into 50 KB segments with
 * audit_max_files = 2 and audit_back set; once retention has removed all
 * but the newest segments the follower is continued.  It must print the
 * records of the segment it was reading when stopped (it holds it open),
 * then the kept ones, each once and in order, say on stderr "records A
 * to B were removed before they could be read" for exactly the numbers
 * in between, and exit 1 at SIGTERM (damage was reported).
 *
 * Part 2, a plain read through the library: a reader opened over a log
 * of several segments reads one record; more load then makes retention
 * remove the segments it had listed.  Reading on, it must report each
 * of them as SA_EREMOVED with its numbers (the last one listed: "from N
 * on"), and give every record of the segment it had open.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <seaudit/seaudit.h>

#include "harness.h"
#include "loadgen.h"

#define NPROD 2
#define PER 8000

/* Waits until at most `max` segments are left in dir (30 s). */
static void
wait_retained(const char *dir, size_t max)
{
	struct lg_segs s;
	uint64_t until = hd_ms() + 30000;
	for (;;) {
		lg_list_segs(dir, &s);
		if (s.n <= max && s.plain_sealed == 0)
			return;
		if (hd_ms() > until)
			die("%s: %zu segments after 30 s, at most %zu expected",
			    dir, s.n, max);
		lg_sleep_ms(50);
	}
}

static uint64_t
last_seq(const char *log)
{
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(log, &v, &damage);
	CHECK(n > 0 && damage == 0);
	uint64_t s = v[n - 1].seq;
	free(v);
	return s;
}

/* ---- part 1 ------------------------------------------------------------ */

static void
part1(void)
{
	static struct hd h;
	hd_init(&h, "sync = batch\ncompress = yes\n[logmgr]\naudit_size = 50\n"
		    "audit_max_files = 2\naudit_back = @DIR@/back\n");
	lg_watch(&h);
	hd_start(&h, NULL);
	char back[400], outpath[400], errpath[400];
	snprintf(back, sizeof back, "%s/back", h.dir);
	snprintf(outpath, sizeof outpath, "%s/follow.json", h.dir);
	snprintf(errpath, sizeof errpath, "%s/follow.err", h.dir);
	const char *fargs[] = {"-fn", h.log, NULL};
	pid_t fpid = lg_start_follower(outpath, errpath, fargs);
	if (lg_wait_lines(fpid, outpath, errpath, 1) < 1)
		die("the follower printed nothing");
	CHECK(kill(fpid, SIGSTOP) == 0);

	lg_load(&h, NPROD, PER, 0, NULL, NULL);
	wait_retained(back, 2);
	uint64_t last = last_seq(h.log);

	CHECK(kill(fpid, SIGCONT) == 0);
	/* Caught up when it printed the last record of the log. */
	uint64_t until = hd_ms() + 30000;
	for (;;) {
		struct lg_fline *fl;
		size_t nf = lg_parse_follow(outpath, &fl);
		bool done = nf > 0 && fl[nf - 1].seq == last;
		free(fl);
		if (done)
			break;
		int st;
		if (waitpid(fpid, &st, WNOHANG) == fpid) {
			lg_follower_done();
			lg_show_file(errpath);
			die("seaudit -follow exited (status %d)", st);
		}
		if (hd_ms() > until) {
			lg_show_file(errpath);
			die("the follower did not reach seq %" PRIu64, last);
		}
		lg_sleep_ms(50);
	}
	int st = lg_stop_follower(fpid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1) {
		lg_show_file(errpath);
		die("seaudit -follow: status %d at SIGTERM, 1 expected (it "
		    "reported removed records)",
		    st);
	}

	/* Printed records and reported ranges cover 1..last, once. */
	uint8_t *seen = calloc(last + 1, 1);
	CHECK(seen != NULL);
	struct lg_fline *fl;
	size_t nf = lg_parse_follow(outpath, &fl);
	for (size_t i = 0; i < nf; i++) {
		CHECK(fl[i].seq >= 1 && fl[i].seq <= last);
		if (i > 0 && fl[i].seq <= fl[i - 1].seq)
			die("follower: seq %" PRIu64 " after %" PRIu64,
			    fl[i].seq, fl[i - 1].seq);
		seen[fl[i].seq] = 1;
	}
	FILE *ef = fopen(errpath, "r");
	CHECK(ef != NULL);
	char line[1024];
	size_t reports = 0;
	uint64_t removed = 0;
	while (fgets(line, sizeof line, ef)) {
		unsigned long long a, b;
		const char *p = strstr(line, ": records ");
		if (p == NULL ||
		    sscanf(p,
			   ": records %llu to %llu were removed before they "
			   "could be read",
			   &a, &b) != 2 ||
		    strstr(line, "retention") == NULL) {
			lg_show_file(errpath);
			die("follower: unexpected message: %s", line);
		}
		CHECK(a <= b && b <= last);
		for (uint64_t q = a; q <= b; q++) {
			if (seen[q]++)
				die("seq %" PRIu64 " printed and reported "
				    "removed",
				    (uint64_t)q);
		}
		reports++;
		removed += b - a + 1;
	}
	fclose(ef);
	for (uint64_t q = 1; q <= last; q++)
		if (!seen[q])
			die("seq %" PRIu64 " neither printed nor reported "
			    "removed (of 1..%" PRIu64 ")",
			    q, last);
	if (reports == 0 || removed == 0)
		die("retention removed segments, and the follower said "
		    "nothing");
	CHECK(hd_stop(&h) == 0);
	printf("part 1: the stopped follower printed %zu records, reported "
	       "%" PRIu64 " removed by retention in %zu message(s), together "
	       "1..%" PRIu64 " once each\n",
	       nf, removed, reports, last);
	free(fl);
	free(seen);
	lg_watch(NULL);
	hd_cleanup(&h);
}

/* ---- part 2 ------------------------------------------------------------ */

struct reports {
	size_t n;
	struct {
		int err;
		uint64_t first, last;
	} v[64];
};

static void
collect(const struct sa_damage *d, void *arg)
{
	struct reports *r = arg;
	if (r->n < 64) {
		r->v[r->n].err = d->error;
		r->v[r->n].first = d->seq_first;
		r->v[r->n].last = d->seq_last;
	}
	r->n++;
}

static void
part2(void)
{
	static struct hd h;
	hd_init(&h, "sync = batch\ncompress = yes\n[logmgr]\naudit_size = 50\n"
		    "audit_max_files = 2\n");
	lg_watch(&h);
	hd_start(&h, NULL);
	lg_load(&h, 1, 4000, 0, NULL, NULL);
	wait_retained(h.log, 3);

	struct lg_segs before;
	lg_list_segs(h.log, &before);
	CHECK(before.n == 3 && before.first[0] > 1);
	struct reports rep = {0};
	const char *paths[] = {h.log};
	struct sa_reader *rd;
	CHECK(sa_reader_open(&rd, paths, 1, collect, &rep) == 0);
	struct sa_record r;
	CHECK(sa_reader_next(rd, &r) == 1);
	CHECK(r.seq == before.first[0]);
	uint64_t next = r.seq + 1;

	/* The listed segments all go. */
	lg_load(&h, 1, 8000, 0, NULL, NULL);
	wait_retained(h.log, 3);
	struct lg_segs after;
	lg_list_segs(h.log, &after);
	CHECK(after.first[0] > before.first[2]);

	int rc;
	size_t got = 1;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		if (r.seq != next)
			die("read seq %" PRIu64 ", expected %" PRIu64, r.seq,
			    next);
		next++;
		got++;
	}
	CHECK(rc == 0);
	CHECK(sa_reader_damage_count(rd) == rep.n);
	sa_reader_close(rd);
	/* The open segment entirely; then the two listed after it. */
	if (next != before.first[1])
		die("read up to seq %" PRIu64
		    ", the segment open ends at %" PRIu64,
		    next - 1, before.first[1] - 1);
	for (size_t i = 0; i < rep.n && i < 64; i++)
		fprintf(stderr, "report %zu: %s %" PRIu64 "-%" PRIu64 "\n", i,
			sa_strerror(rep.v[i].err), rep.v[i].first,
			rep.v[i].last);
	if (rep.n != 2 || rep.v[0].err != SA_EREMOVED ||
	    rep.v[1].err != SA_EREMOVED)
		die("%zu damage reports (first: %s), two SA_EREMOVED expected",
		    rep.n, rep.n ? sa_strerror(rep.v[0].err) : "none");
	if (rep.v[0].first != before.first[1] ||
	    rep.v[0].last != before.first[2] - 1 ||
	    rep.v[1].first != before.first[2] || rep.v[1].last != 0)
		die("removed ranges %" PRIu64 "-%" PRIu64 " and %" PRIu64
		    "-%" PRIu64 ", expected %" PRIu64 "-%" PRIu64 " and "
		    "%" PRIu64 "-(unknown)",
		    rep.v[0].first, rep.v[0].last, rep.v[1].first,
		    rep.v[1].last, before.first[1], before.first[2] - 1,
		    before.first[2]);
	CHECK(hd_stop(&h) == 0);
	printf("part 2: a reader that had listed segments from %" PRIu64
	       " read the %zu records of the one it had open and reported "
	       "the two removed under it: %" PRIu64 "-%" PRIu64
	       " and from %" PRIu64 " on\n",
	       before.first[0], got, rep.v[0].first, rep.v[0].last,
	       rep.v[1].first);
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
