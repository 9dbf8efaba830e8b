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

#define MAXPROD 4

/*
 * On a failure (die() exits), the producers, the follower, the daemon and
 * the temporary directory go too (SA_KEEP=1 keeps the directory).
 */
static pid_t owner, kids[MAXPROD + 1]; /* producers, then the follower */
static struct hd *live;

static void
cleanup_at_exit(void)
{
	if (getpid() != owner)
		return;
	for (int k = 0; k <= MAXPROD; k++)
		if (kids[k] > 0) {
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
		}
	if (live == NULL)
		return;
	const char *keep = getenv("SA_KEEP");
	if (keep && *keep == '1') {
		if (live->pid > 0)
			hd_kill(live);
		fprintf(stderr, "kept %s\n", live->dir);
	} else {
		hd_cleanup(live);
	}
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- producers -------------------------------------------------------- */

/* Submits `per` records tagged p<k>:<i>; acknowledgements to p<k>.acks. */
static void
producer(const struct hd *h, int k, int per)
{
	struct sa_client *c;
	if (sa_client_connect(&c, h->sock, 5000) < 0)
		_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.acks", h->dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static const int sizes[] = {1, 7, 50, 20, 3, 33};
	static struct sa_record recs[50];
	static char tags[50][32];
	int i = 0, b = k;
	while (i < per) {
		int n = sizes[b++ % 6];
		if (n > per - i)
			n = per - i;
		for (int j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, i + j);
			hd_record(&recs[j], tags[j], SA_EV_RESOURCE);
		}
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		memset(&err, 0, sizeof err);
		int rc =
		    sa_client_submit(c, recs, (size_t)n, 30000, &ack, &err);
		if (rc < 0) {
			fprintf(stderr, "producer %d: %s (%s)\n", k,
				sa_strerror(rc), err.message);
			_exit(12);
		}
		if (ack.count != (uint32_t)n ||
		    ack.last_seq - ack.first_seq + 1 != (uint64_t)n)
			_exit(13);
		fprintf(f, "%d %" PRIu64 " %d\n", i, ack.first_seq, n);
		i += n;
	}
	if (fclose(f) != 0)
		_exit(14);
	sa_client_close(c);
	_exit(0);
}

/*
 * One read of the whole live log, as `seaudit` without -follow does it
 * while the daemon rolls over, rotates and replaces sealed segments by
 * their .zst: no damage, and seq increasing by one from the first record
 * (no segment read out of place or twice).
 */
static void
read_live(const char *log)
{
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
 * Runs nprod producers of `per` records and sends SIGUSR1 to the daemon
 * every 150 ms while they run, `usr1` times at most, and when `reads` is
 * not NULL reads the live log (read_live) meanwhile, counting the reads
 * there; returns the number of signals sent.
 */
static int
load(struct hd *h, int nprod, int per, int usr1, unsigned *reads)
{
	pid_t *pids = kids;
	for (int k = 0; k < nprod; k++) {
		fflush(stdout);
		pids[k] = fork();
		CHECK(pids[k] >= 0);
		if (pids[k] == 0)
			producer(h, k, per);
	}
	int running = nprod, sent = 0;
	uint64_t until = hd_ms() + 150000;
	if (reads)
		*reads = 0;
	while (running > 0) {
		uint64_t next = hd_ms() + 150;
		if (reads == NULL)
			sleep_ms(150);
		else
			do {
				read_live(h->log);
				++*reads;
			} while (hd_ms() < next);
		for (int k = 0; k < nprod; k++) {
			int st;
			if (pids[k] > 0 &&
			    waitpid(pids[k], &st, WNOHANG) == pids[k]) {
				pids[k] = 0;
				running--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					die("producer %d failed (status %d)", k,
					    st);
			}
		}
		if (running > 0 && sent < usr1) {
			CHECK(kill(h->pid, SIGUSR1) == 0);
			sent++;
		}
		if (hd_ms() > until)
			die("producers still running after 150 s");
	}
	return sent;
}

struct ackrec {
	int k, idx;
	uint64_t seq;
};

/* Every acknowledged record (tag and seq) from the producers' files. */
static size_t
load_acks(const struct hd *h, int nprod, int per, struct ackrec **out)
{
	struct ackrec *v = calloc((size_t)nprod * (size_t)per, sizeof *v);
	CHECK(v != NULL);
	size_t n = 0;
	for (int k = 0; k < nprod; k++) {
		char path[400];
		snprintf(path, sizeof path, "%s/p%d.acks", h->dir, k);
		FILE *f = fopen(path, "r");
		CHECK(f != NULL);
		int first, cnt, total = 0;
		uint64_t seq;
		while (fscanf(f, "%d %" SCNu64 " %d", &first, &seq, &cnt) ==
		       3) {
			for (int j = 0; j < cnt; j++)
				v[n++] = (struct ackrec){k, first + j,
							 seq + (uint64_t)j};
			total += cnt;
		}
		fclose(f);
		CHECK(total == per);
	}
	*out = v;
	return n;
}

/* ---- segments --------------------------------------------------------- */

struct segs {
	uint64_t first[4096]; /* distinct first seqs, sorted */
	size_t n;
	size_t plain, zst;   /* files of each kind */
	size_t plain_sealed; /* plain files below the newest segment */
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
list_segs(const char *dir, struct segs *s)
{
	memset(s, 0, sizeof *s);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	struct dirent *e;
	uint64_t plain[4096];
	size_t np = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		bool z = l == 24 && strcmp(e->d_name + 16, ".seg.zst") == 0;
		if (!z && !(l == 20 && strcmp(e->d_name + 16, ".seg") == 0))
			continue;
		uint64_t seq = strtoull(e->d_name, NULL, 16);
		if (z)
			s->zst++;
		else {
			s->plain++;
			CHECK(np < 4096);
			plain[np++] = seq;
		}
		bool have = false;
		for (size_t i = 0; i < s->n; i++)
			have |= s->first[i] == seq;
		if (!have) {
			CHECK(s->n < 4096);
			s->first[s->n++] = seq;
		}
	}
	closedir(d);
	qsort(s->first, s->n, sizeof s->first[0], cmp_u64);
	for (size_t i = 0; i < np; i++)
		if (s->n > 0 && plain[i] < s->first[s->n - 1])
			s->plain_sealed++;
}

/*
 * Waits (30 s at most) until the compressor has replaced every sealed
 * plain segment and, when max_segs is not 0, retention has left at most
 * max_segs segments (it runs after each new segment and after each
 * compression that held it up).
 */
static void
wait_settled(const char *dir, struct segs *s, size_t max_segs)
{
	uint64_t until = hd_ms() + 30000;
	for (;;) {
		list_segs(dir, s);
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
		sleep_ms(50);
	}
}

/* ---- the follower's output -------------------------------------------- */

/* Lines in `path` so far, counted incrementally from *off. */
static size_t
count_lines(const char *path, long *off, size_t lines)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	CHECK(fseek(f, *off, SEEK_SET) == 0);
	char buf[65536];
	size_t n;
	long last_nl = -1, pos = *off;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\n') {
				lines++;
				last_nl = pos + (long)i;
			}
		pos += (long)n;
	}
	fclose(f);
	if (last_nl >= 0)
		*off = last_nl + 1;
	return lines;
}

struct fline {
	uint64_t seq;
	int k, idx; /* k = -1: not a producer's record */
};

static size_t
parse_follow(const char *path, struct fline **out)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	size_t n = 0, cap = 0;
	struct fline *v = NULL;
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		if (l == 0 || line[l - 1] != '\n')
			die("follower output: unterminated or overlong line: "
			    "%.80s",
			    line);
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			v = realloc(v, cap * sizeof *v);
			CHECK(v != NULL);
		}
		struct fline *x = &v[n++];
		const char *p = strstr(line, "\"seq\":");
		if (p == NULL || sscanf(p + 6, "%" SCNu64, &x->seq) != 1)
			die("follower output: no seq in: %.200s", line);
		x->k = -1;
		p = strstr(line, "\"session\":\"p");
		if (p && sscanf(p + 12, "%d:%d", &x->k, &x->idx) != 2)
			die("follower output: bad session in: %.200s", line);
	}
	fclose(f);
	*out = v;
	return n;
}

static pid_t
start_follower(const struct hd *h, const char *outpath, const char *errpath)
{
	const char *viewer = getenv("SEAUDIT");
	CHECK(viewer != NULL);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execl(viewer, "seaudit", "-a", "-json", "-follow", "-fn",
		      h->log, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
show_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char line[1024];
	for (int i = 0; i < 20 && fgets(line, sizeof line, f); i++)
		fprintf(stderr, "  %s", line);
	fclose(f);
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
	live = &h;
	hd_start(&h, NULL);
	char outpath[400], errpath[400];
	snprintf(outpath, sizeof outpath, "%s/follow.json", h.dir);
	snprintf(errpath, sizeof errpath, "%s/follow.err", h.dir);
	pid_t fpid = kids[MAXPROD] = start_follower(&h, outpath, errpath);

	uint64_t t0 = hd_ms();
	unsigned reads;
	int usr1 = load(&h, P1_PROD, P1_PER, 6, &reads);
	uint64_t load_ms = hd_ms() - t0;
	struct ackrec *acks;
	size_t nacks = load_acks(&h, P1_PROD, P1_PER, &acks);
	CHECK(nacks == (size_t)P1_PROD * P1_PER);

	/* The follower has caught up when it printed the startup record and
	 * every acknowledged one (it may print more only by a repeat, which
	 * the checks below catch). */
	size_t want = nacks + 1, lines = 0;
	long off = 0;
	uint64_t until = hd_ms() + 60000;
	while ((lines = count_lines(outpath, &off, lines)) < want &&
	       hd_ms() < until) {
		int st;
		if (waitpid(fpid, &st, WNOHANG) == fpid) {
			show_file(errpath);
			die("seaudit -follow exited (status %d)", st);
		}
		sleep_ms(100);
	}
	uint64_t lag_ms = hd_ms() - t0 - load_ms;
	CHECK(kill(fpid, SIGTERM) == 0);
	int st;
	CHECK(waitpid(fpid, &st, 0) == fpid);
	kids[MAXPROD] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		show_file(errpath);
		die("seaudit -follow: status %d at SIGTERM", st);
	}

	/* Sealed segments are compressed in the background. */
	struct segs s;
	wait_settled(h.log, &s, 0);
	CHECK(hd_stop(&h) == 0);

	/* What the follower printed. */
	struct fline *fl;
	size_t nf = parse_follow(outpath, &fl);
	FILE *ef = fopen(errpath, "r");
	CHECK(ef != NULL);
	int c = fgetc(ef);
	fclose(ef);
	if (c != EOF) {
		show_file(errpath);
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
		const struct fline *x = &fl[acks[i].seq - 1];
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
	       nacks, (double)load_ms / 1000.0, usr1, s.n, s.zst, reads, nf,
	       (double)lag_ms / 1000.0);
	free(v);
	free(fl);
	free(acks);
	live = NULL;
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
	live = &h;
	hd_start(&h, NULL);
	/* No reads here: a reader beside retention may find a segment it
	 * listed deleted, which is another matter. */
	int usr1 = load(&h, P2_PROD, P2_PER, 4, NULL);
	struct ackrec *acks;
	size_t nacks = load_acks(&h, P2_PROD, P2_PER, &acks);
	uint64_t last_acked = 0;
	for (size_t i = 0; i < nacks; i++)
		if (acks[i].seq > last_acked)
			last_acked = acks[i].seq;

	struct segs s;
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
	live = NULL;
	hd_cleanup(&h);
}

int
main(void)
{
	owner = getpid();
	atexit(cleanup_at_exit);
	part1();
	part2();
	printf("1 passed, 0 failed\n");
	return 0;
}
