/*
 * seaudit-follow-and-reads-see-moved-segments - with audit_back set,
 * sealed segments leave audit_log (moved to audit_back, then replaced by
 * their .seg.zst) while readers are on them; every reader still sees
 * every record exactly once.
 *
 * The daemon runs with audit_size = 50 (KB), compression on and
 * audit_back = DIR/back.  `seaudit -a -json -follow -fn LOG` (the log
 * directory alone, as an administrator would name it) runs from the
 * start; two producers submit 24,000 tagged records while SIGUSR1 asks
 * for extra rotations.  Meanwhile the test reads the live log again and
 * again in three ways: the log directory alone, `LOG BACK` and
 * `BACK LOG` (the man page's "-fn audit_log -fn audit_back"): each read
 * must hold the records from seq 1 on, consecutive, without damage.
 * Afterwards the follower must have printed seq 1, 2, 3, ... each once,
 * every acknowledged record at its acknowledged seq, and nothing on
 * stderr; audit_log must hold only the active segment, and audit_back
 * every sealed one, compressed.
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
#define PER 12000

struct live {
	const char *log, *back;
	unsigned reads[3];
};

/* One read of the live log: records 1..n, consecutive, no damage. */
static void
check_read(const char *what, const char *const *paths, size_t np)
{
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_paths(paths, np, &v, &damage);
	if (damage != 0)
		die("reading %s: %" PRIu64 " damaged regions", what, damage);
	if (n == 0) {
		/* Say why: the reader refused to open, or said "end" or an
		 * error at once. */
		struct sa_reader *rd;
		struct sa_record r;
		int orc = sa_reader_open(&rd, paths, np, NULL, NULL), nrc = 0;
		if (orc == 0) {
			nrc = sa_reader_next(rd, &r);
			sa_reader_close(rd);
		}
		die("reading %s: no records (%s; again: open %s, next %d)",
		    what, sa_strerror(hd_read_rc),
		    orc < 0 ? sa_strerror(orc) : "ok", nrc);
	}
	if (v[0].seq != 1)
		die("reading %s: %zu records, the first is seq %" PRIu64, what,
		    n, v[0].seq);
	for (size_t i = 1; i < n; i++)
		if (v[i].seq != v[i - 1].seq + 1)
			die("reading %s: seq %" PRIu64 " after %" PRIu64
			    " (a segment %s)",
			    what, v[i].seq, v[i - 1].seq,
			    v[i].seq > v[i - 1].seq ? "missed" : "read twice");
	free(v);
}

static void
read_live(void *arg)
{
	struct live *l = arg;
	static unsigned turn;
	const char *alone[] = {l->log};
	const char *both[] = {l->log, l->back};
	const char *rev[] = {l->back, l->log};
	switch (turn++ % 3) {
	case 0:
		check_read("the log directory alone", alone, 1);
		l->reads[0]++;
		break;
	case 1:
		check_read("-fn LOG -fn BACK", both, 2);
		l->reads[1]++;
		break;
	default:
		check_read("-fn BACK -fn LOG", rev, 2);
		l->reads[2]++;
		break;
	}
}

int
main(void)
{
	lg_init();
	static struct hd h;
	hd_init(&h, "sync = batch\ncompress = yes\n[logmgr]\naudit_size = 50\n"
		    "audit_back = @DIR@/back\n");
	lg_watch(&h);
	hd_start(&h, NULL);
	char back[400], outpath[400], errpath[400];
	snprintf(back, sizeof back, "%s/back", h.dir);
	snprintf(outpath, sizeof outpath, "%s/follow.json", h.dir);
	snprintf(errpath, sizeof errpath, "%s/follow.err", h.dir);
	const char *fargs[] = {"-fn", h.log, NULL};
	pid_t fpid = lg_start_follower(outpath, errpath, fargs);

	struct live l = {h.log, back, {0, 0, 0}};
	int usr1 = lg_load(&h, NPROD, PER, 8, read_live, &l);
	struct lg_ack *acks;
	size_t nacks = lg_load_acks(&h, NPROD, PER, &acks);
	CHECK(nacks == (size_t)NPROD * PER);

	/* The follower catches up: the start-up record and every ack. */
	size_t want = nacks + 1;
	lg_wait_lines(fpid, outpath, errpath, want);
	int st = lg_stop_follower(fpid);
	FILE *ef = fopen(errpath, "r");
	CHECK(ef != NULL);
	int c = fgetc(ef);
	fclose(ef);
	if (c != EOF || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		lg_show_file(errpath);
		die("seaudit -follow: status %d, messages on stderr", st);
	}

	struct lg_fline *fl;
	size_t nf = lg_parse_follow(outpath, &fl);
	for (size_t i = 0; i < nf; i++)
		if (fl[i].seq != i + 1)
			die("follower line %zu: seq %" PRIu64 " (a record %s)",
			    i + 1, fl[i].seq,
			    fl[i].seq <= i ? "repeated" : "skipped");
	if (nf != want)
		die("the follower printed %zu records of %zu", nf, want);
	for (size_t i = 0; i < nacks; i++) {
		const struct lg_fline *x = &fl[acks[i].seq - 1];
		if (x->k != acks[i].k || x->idx != acks[i].idx)
			die("follower: seq %" PRIu64 " is p%d:%d, acknowledged "
			    "as p%d:%d",
			    acks[i].seq, x->k, x->idx, acks[i].k, acks[i].idx);
	}

	/* Where the segments are: sealed ones all moved and compressed. */
	struct lg_segs ls, bs;
	uint64_t until = hd_ms() + 30000;
	do {
		lg_list_segs(h.log, &ls);
		lg_list_segs(back, &bs);
		if (ls.n == 1 && ls.plain == 1 && bs.plain == 0)
			break;
		lg_sleep_ms(50);
	} while (hd_ms() < until);
	if (ls.n != 1 || ls.plain != 1 || bs.plain != 0 || bs.zst < 20)
		die("audit_log holds %zu segments (%zu plain), audit_back %zu "
		    "plain and %zu compressed: expected the active one alone, "
		    "and 20 or more sealed ones compressed",
		    ls.n, ls.plain, bs.plain, bs.zst);
	CHECK(hd_stop(&h) == 0);
	const char *alone[] = {h.log};
	check_read("the stopped log", alone, 1);

	printf("%zu records acknowledged with %d SIGUSR1 rotations; %zu "
	       "segments moved to audit_back and compressed; reads of the "
	       "live log in order: %u of LOG alone, %u of LOG BACK, %u of BACK "
	       "LOG; the follower of LOG printed seq 1..%zu once each\n",
	       nacks, usr1, bs.zst, l.reads[0], l.reads[1], l.reads[2], nf);
	free(fl);
	free(acks);
	lg_watch(NULL);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
