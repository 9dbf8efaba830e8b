/*
 * daemon-kill9-keeps-acknowledged - the crash test.  Four producer
 * processes submit continuously (single records and batches of up to 40,
 * sync = batch, segments of 512 KB so that roll-over and background zstd
 * sealing are also interrupted), while seauditd is killed with SIGKILL 50
 * times at random moments and restarted each time.  The producers survive
 * the daemon's deaths: on a connection error they note the frame as
 * unacknowledged and reconnect once the daemon is back.  Every
 * acknowledgement (tag -> seq) is kept in the producer's memory (to check
 * that acknowledgements only ever move forward) and appended to a file.
 *
 * After every restart (once the producers are back and paused between two
 * frames, so that the log does not grow while it is read: reads grow with
 * the log, and a log growing during each read would grow without bound)
 * the log is read back and must show: no damage at all; sequence numbers 1, 2,
 * 3, ... (a crash can leave unacknowledged records, never a gap or a repeat);
 * every acknowledged record exactly once, at the seq its acknowledgement named;
 * no record, acknowledged or not, twice.  The daemon reports on stderr
 * ("torn tail of N bytes removed") when recovery cut a torn tail; every
 * fifth kill the test also tears the tail itself (a frame cut short, as a
 * crash inside write(2) leaves it) and requires the next start to report
 * and remove at least those bytes.  At the end the daemon is stopped with
 * SIGTERM, the log holds one startup record per start and one shutdown
 * record, and `seaudit -verify` finds no damage.
 *
 * SA_SEED=n replays a run's random choices (the seed is printed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define NPROD 4
#define KILLS 50
#define TEAR_EVERY 5
#define MAXBATCH 40
#define RATE 6000 /* records per second and producer, at most */

/* ---- small helpers ---------------------------------------------------- */

/*
 * On a failure (die() exits), the producers, the daemon and the temporary
 * directory go too (SA_KEEP=1 keeps the directory for a post-mortem).
 */
static pid_t owner, kids[NPROD];
static struct hd *live;

static void
cleanup_at_exit(void)
{
	if (getpid() != owner)
		return;
	for (int k = 0; k < NPROD; k++)
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

static uint64_t rng_state;

static uint32_t
rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
write_line(int fd, const char *s)
{
	size_t n = strlen(s);
	if (write(fd, s, n) != (ssize_t)n)
		_exit(30);
}

/*
 * Starts seauditd -d -f conf with its stderr in `errpath` and waits until
 * it accepts connections (harness.c's hd_start, but with the daemon's
 * messages kept per run).
 */
static void
start_logged(struct hd *h, const char *errpath)
{
	const char *bin = getenv("SEAUDITD");
	CHECK(bin != NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(bin, "seauditd", "-d", "-f", h->conf, (char *)NULL);
		_exit(127);
	}
	h->pid = pid;
	uint64_t until = hd_ms() + 20000;
	for (;;) {
		struct sa_client *c;
		if (sa_client_connect(&c, h->sock, 200) == 0) {
			sa_client_close(c);
			return;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			h->pid = 0;
			die("seauditd exited during start-up (status %d), see "
			    "%s",
			    st, errpath);
		}
		if (hd_ms() > until)
			die("seauditd did not listen on %s", h->sock);
		sleep_ms(5);
	}
}

/* Bytes the daemon said it cut in `errpath`, or -1 when it said nothing. */
static int64_t
torn_reported(const char *errpath)
{
	FILE *f = fopen(errpath, "r");
	CHECK(f != NULL);
	char line[1024];
	int64_t total = -1;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "torn tail of ");
		uint64_t n;
		if (p && sscanf(p, "torn tail of %" SCNu64 " bytes removed",
				&n) == 1)
			total = (total < 0 ? 0 : total) + (int64_t)n;
	}
	fclose(f);
	return total;
}

/* ---- producers -------------------------------------------------------- */

struct ack {
	uint64_t idx, seq;
	uint32_t n;
};

static int
is_conn_error(int rc)
{
	return rc == -ECONNRESET || rc == -EPIPE || rc == -ECONNREFUSED ||
	       rc == -ENOENT || rc == -ECONNABORTED || rc == -ENOTCONN;
}

/* Shared across fork: the parent stops and pauses the producers. */
struct ctl {
	int stop, pause;
	unsigned gen;		  /* pause generation */
	unsigned idle_gen[NPROD]; /* generation a producer is idle in */
};

static int
ctl_get(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void
ctl_set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Waits until every producer is between two frames, and keeps it there. */
static void
pause_producers(struct ctl *ctl)
{
	unsigned g = __atomic_add_fetch(&ctl->gen, 1, __ATOMIC_SEQ_CST);
	ctl_set(&ctl->pause, 1);
	uint64_t until = hd_ms() + 60000;
	for (int k = 0; k < NPROD; k++)
		while (__atomic_load_n(&ctl->idle_gen[k], __ATOMIC_SEQ_CST) !=
		       g) {
			if (hd_ms() > until)
				die("producer %d did not pause within 60 s", k);
			sleep_ms(1);
		}
}

static struct sa_client *
reconnect(const struct hd *h, struct ctl *ctl)
{
	uint64_t until = hd_ms() + 60000;
	while (!ctl_get(&ctl->stop)) {
		struct sa_client *c;
		int rc = sa_client_connect(&c, h->sock, 1000);
		if (rc == 0)
			return c;
		if (!is_conn_error(rc) || hd_ms() > until) {
			fprintf(stderr, "producer: connect: %s\n",
				sa_strerror(rc));
			_exit(20);
		}
		sleep_ms(2);
	}
	return NULL;
}

static void
producer(const struct hd *h, int k, struct ctl *ctl, uint64_t seed)
{
	rng_state = seed * 7919 + (uint64_t)k + 1;
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.acks", h->dir, k);
	int ackfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	snprintf(path, sizeof path, "%s/p%d.fail", h->dir, k);
	int failfd =
	    open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (ackfd < 0 || failfd < 0)
		_exit(21);
	/* In memory: every acknowledgement this producer received. */
	struct ack *acks = NULL;
	size_t nacks = 0, capacks = 0;
	static struct sa_record recs[MAXBATCH];
	static char tags[MAXBATCH][32];
	struct sa_client *c = NULL;
	uint64_t next = 0, failed = 0;
	while (!ctl_get(&ctl->stop)) {
		if (ctl_get(&ctl->pause)) {
			unsigned g =
			    __atomic_load_n(&ctl->gen, __ATOMIC_SEQ_CST);
			__atomic_store_n(&ctl->idle_gen[k], g,
					 __ATOMIC_SEQ_CST);
			while (ctl_get(&ctl->pause) && !ctl_get(&ctl->stop))
				sleep_ms(1);
			continue;
		}
		if (c == NULL && (c = reconnect(h, ctl)) == NULL)
			break;
		uint32_t n = rnd() % 3 == 0 ? 1 : 1 + rnd() % MAXBATCH;
		for (uint32_t j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%" PRIu64, k,
				 next + j);
			hd_record(&recs[j], tags[j],
				  j % 7 == 3 ? SA_EV_LOGIN : SA_EV_RESOURCE);
		}
		uint64_t t_sent = hd_ms();
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		memset(&err, 0, sizeof err);
		int rc = sa_client_submit(c, recs, n, 20000, &ack, &err);
		char line[96];
		if (rc == 0) {
			uint64_t prev =
			    nacks ? acks[nacks - 1].seq + acks[nacks - 1].n - 1
				  : 0;
			if (ack.count != n ||
			    ack.last_seq - ack.first_seq + 1 != n ||
			    ack.first_seq <= prev) {
				fprintf(
				    stderr,
				    "producer %d: ack %" PRIu64 "..%" PRIu64
				    " (%u) for %u records after seq %" PRIu64
				    "\n",
				    k, ack.first_seq, ack.last_seq, ack.count,
				    n, prev);
				_exit(22);
			}
			if (nacks == capacks) {
				capacks = capacks ? capacks * 2 : 1024;
				acks = realloc(acks, capacks * sizeof *acks);
				if (acks == NULL)
					_exit(23);
			}
			acks[nacks++] = (struct ack){next, ack.first_seq, n};
			snprintf(line, sizeof line,
				 "%" PRIu64 " %" PRIu64 " %u\n", next,
				 ack.first_seq, n);
			write_line(ackfd, line);
		} else if (is_conn_error(rc)) {
			/* The daemon died with this frame unacknowledged. */
			snprintf(line, sizeof line, "%" PRIu64 " %u\n", next,
				 n);
			write_line(failfd, line);
			failed += n;
			sa_client_close(c);
			c = NULL;
		} else {
			fprintf(stderr, "producer %d: %s (%s)\n", k,
				sa_strerror(rc), err.message);
			_exit(24);
		}
		next += n;
		/* At most about RATE records a second: the log, read whole
		 * after every restart, stays a few hundred thousand records
		 * however fast the machine. */
		uint64_t spent = hd_ms() - t_sent, due = n * 1000u / RATE;
		if (spent < due)
			usleep((useconds_t)(due - spent) * 1000);
		else if (rnd() % 4 == 0)
			usleep(rnd() % 1500);
	}
	sa_client_close(c);
	/* The memory and the file must agree: the summary line. */
	uint64_t total = 0;
	for (size_t i = 0; i < nacks; i++)
		total += acks[i].n;
	snprintf(path, sizeof path, "%s/p%d.sum", h->dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(25);
	fprintf(f, "%zu %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", nacks, total,
		failed, next);
	fclose(f);
	free(acks);
	_exit(0);
}

/* ---- checking --------------------------------------------------------- */

struct prod_acks {
	struct ack *v;
	size_t n, cap;
	uint64_t records;
};

/* Complete lines only: a producer may be writing the last one now. */
static void
load_acks(const struct hd *h, int k, struct prod_acks *pa)
{
	pa->n = 0;
	pa->records = 0;
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.acks", h->dir, k);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char line[128];
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		if (l == 0 || line[l - 1] != '\n')
			break;
		struct ack a;
		CHECK(sscanf(line, "%" SCNu64 " %" SCNu64 " %u", &a.idx, &a.seq,
			     &a.n) == 3);
		if (pa->n == pa->cap) {
			pa->cap = pa->cap ? pa->cap * 2 : 1024;
			pa->v = realloc(pa->v, pa->cap * sizeof *pa->v);
			CHECK(pa->v != NULL);
		}
		pa->v[pa->n++] = a;
		pa->records += a.n;
	}
	fclose(f);
}

struct tally {
	uint8_t *count[NPROD];
	size_t cap[NPROD];
};

static void
tally_add(struct tally *t, int k, uint64_t idx, uint64_t seq)
{
	if (idx >= t->cap[k]) {
		size_t ncap = t->cap[k] ? t->cap[k] : 4096;
		while (ncap <= idx)
			ncap *= 2;
		t->count[k] = realloc(t->count[k], ncap);
		CHECK(t->count[k] != NULL);
		memset(t->count[k] + t->cap[k], 0, ncap - t->cap[k]);
		t->cap[k] = ncap;
	}
	if (t->count[k][idx]++ != 0)
		die("record p%d:%" PRIu64 " is in the log twice (again at seq "
		    "%" PRIu64 ")",
		    k, idx, seq);
}

struct result {
	size_t records;	     /* in the log */
	uint64_t acked;	     /* acknowledged records (all present) */
	uint64_t unacked_in; /* written but never acknowledged */
	size_t startups, shutdowns;
};

/*
 * Reads every producer's acknowledgements, then the log (in that order:
 * what was acknowledged before the read must be in it), and checks.
 */
static struct result
check_log(const struct hd *h, const char *when)
{
	static struct prod_acks pa[NPROD];
	struct result res = {0};
	for (int k = 0; k < NPROD; k++)
		load_acks(h, k, &pa[k]);
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h->log, &v, &damage);
	if (damage != 0)
		die("%s: the reader reported %" PRIu64 " damaged regions", when,
		    damage);
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (v[i].seq != i + 1)
			die("%s: record %zu has seq %" PRIu64 " (expected %zu: "
			    "a gap or a repeat)",
			    when, i, v[i].seq, i + 1);
	}
	struct tally t;
	memset(&t, 0, sizeof t);
	size_t tagged = 0;
	for (size_t i = 0; i < n; i++) {
		int k;
		uint64_t idx;
		if (v[i].event == SA_EV_STARTUP)
			res.startups++;
		if (v[i].event == SA_EV_SHUTDOWN)
			res.shutdowns++;
		if (sscanf(v[i].session, "p%d:%" SCNu64, &k, &idx) != 2)
			continue;
		CHECK(k >= 0 && k < NPROD);
		tally_add(&t, k, idx, v[i].seq);
		tagged++;
	}
	for (int k = 0; k < NPROD; k++) {
		for (size_t a = 0; a < pa[k].n; a++) {
			const struct ack *x = &pa[k].v[a];
			for (uint32_t j = 0; j < x->n; j++) {
				uint64_t s = x->seq + j;
				char want[48];
				snprintf(want, sizeof want, "p%d:%" PRIu64, k,
					 x->idx + j);
				if (s > n)
					die("%s: acknowledged %s (seq %" PRIu64
					    ") is missing: the log ends at %zu",
					    when, want, s, n);
				if (strcmp(v[s - 1].session, want) != 0)
					die("%s: seq %" PRIu64
					    " holds '%s', its "
					    "acknowledgement said %s",
					    when, s, v[s - 1].session, want);
			}
		}
		res.acked += pa[k].records;
		free(t.count[k]);
	}
	res.records = n;
	res.unacked_in = tagged - res.acked;
	free(v);
	return res;
}

/* ---- tearing the tail ------------------------------------------------- */

/* Appends a frame cut short to the active segment; bytes added, or 0. */
static uint32_t
tear_tail(const struct hd *h)
{
	DIR *d = opendir(h->log);
	CHECK(d != NULL);
	char best[256] = "";
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l == 20 && strcmp(e->d_name + 16, ".seg") == 0 &&
		    strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	closedir(d);
	if (best[0] == '\0')
		return 0;
	char p[640];
	snprintf(p, sizeof p, "%s/%s", h->log, best);
	struct stat st;
	/* Only behind a complete header (a segment killed while being
	 * created is another recovery case, exercised by chance). */
	if (stat(p, &st) < 0 || st.st_size < 1024)
		return 0;
	uint8_t buf[256];
	uint32_t m = 1 + rnd() % 200;
	buf[0] = 'R';
	buf[1] = 0x80 | (300 & 0x7f); /* varint 300: longer than what follows */
	buf[2] = 300 >> 7;
	for (uint32_t i = 3; i < 7 + m; i++)
		buf[i] = (uint8_t)rnd();
	int fd = open(p, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, 7 + m) == (ssize_t)(7 + m));
	close(fd);
	return 7 + m;
}

/* ---- main ------------------------------------------------------------- */

int
main(void)
{
	const char *s = getenv("SA_SEED");
	uint64_t seed = s && *s
			    ? strtoull(s, NULL, 10)
			    : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	printf("seed %" PRIu64 " (SA_SEED=%" PRIu64 " to replay)\n", seed,
	       seed);
	fflush(stdout);
	rng_state = seed ? seed : 1;

	static struct hd h;
	hd_init(&h, "sync = batch\n[logmgr]\naudit_size = 512\n");
	owner = getpid();
	live = &h;
	atexit(cleanup_at_exit);
	void *shm = mmap(NULL, sizeof(struct ctl), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shm != MAP_FAILED);
	struct ctl *ctl = shm;
	memset(ctl, 0, sizeof *ctl);

	char errpath[400];
	snprintf(errpath, sizeof errpath, "%s/run-00.err", h.dir);
	start_logged(&h, errpath);
	CHECK(torn_reported(errpath) < 0); /* a new log has nothing to cut */

	pid_t *pids = kids;
	for (int k = 0; k < NPROD; k++) {
		fflush(stdout);
		pids[k] = fork();
		CHECK(pids[k] >= 0);
		if (pids[k] == 0)
			producer(&h, k, ctl, seed);
	}

	uint64_t t0 = hd_ms();
	unsigned torn_runs = 0, natural = 0, torn_injected = 0;
	uint64_t torn_bytes = 0;
	uint32_t injected = 0;
	struct result r = {0};
	for (int run = 1; run <= KILLS; run++) {
		/* Let the load run a random while, then kill. */
		sleep_ms(5 + rnd() % 146);
		pid_t dead = h.pid;
		CHECK(kill(dead, SIGKILL) == 0);
		int st;
		CHECK(waitpid(dead, &st, 0) == dead);
		h.pid = 0;
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			die("run %d: seauditd had exited by itself (status %d)",
			    run - 1, st);
		injected = run % TEAR_EVERY == 0 ? tear_tail(&h) : 0;
		if (injected)
			torn_injected++;

		snprintf(errpath, sizeof errpath, "%s/run-%02d.err", h.dir,
			 run);
		start_logged(&h, errpath);
		int64_t rep = torn_reported(errpath);
		if (injected && rep < (int64_t)injected)
			die("run %d: %u torn bytes appended, the daemon "
			    "reported "
			    "%" PRId64,
			    run, injected, rep);
		if (rep >= 0) {
			torn_runs++;
			torn_bytes += (uint64_t)rep;
			if (!injected)
				natural++;
		}
		char when[32];
		snprintf(when, sizeof when, "after restart %d", run);
		pause_producers(ctl);
		r = check_log(&h, when);
		ctl_set(&ctl->pause, 0);
		if (r.startups != (size_t)run + 1 || r.shutdowns != 0)
			die("%s: %zu startup and %zu shutdown records", when,
			    r.startups, r.shutdowns);
	}

	/* The end: producers stop, the daemon exits cleanly. */
	ctl_set(&ctl->stop, 1);
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(pids[k], &st, 0) == pids[k]);
		pids[k] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("producer %d failed (status %d)", k, st);
	}
	uint64_t ms = hd_ms() - t0;
	CHECK(hd_stop(&h) == 0);
	r = check_log(&h, "at the end");
	CHECK(r.startups == KILLS + 1 && r.shutdowns == 1);

	/* The producers' memory agrees with their files. */
	uint64_t acks = 0, failed = 0, sent = 0;
	for (int k = 0; k < NPROD; k++) {
		struct prod_acks pa = {0};
		load_acks(&h, k, &pa);
		char path[400];
		snprintf(path, sizeof path, "%s/p%d.sum", h.dir, k);
		FILE *f = fopen(path, "r");
		CHECK(f != NULL);
		size_t nacks;
		uint64_t total, fail, next;
		CHECK(fscanf(f, "%zu %" SCNu64 " %" SCNu64 " %" SCNu64, &nacks,
			     &total, &fail, &next) == 4);
		fclose(f);
		CHECK(nacks == pa.n && total == pa.records);
		acks += nacks;
		failed += fail;
		sent += next;
		free(pa.v);
	}
	CHECK(r.acked + failed == sent);
	CHECK(r.acked > 0);

	/* And the viewer agrees there is no damage. */
	const char *viewer = getenv("SEAUDIT");
	if (viewer) {
		char cmd[1200], out[256] = "";
		snprintf(cmd, sizeof cmd, "'%s' -verify -fn '%s'", viewer,
			 h.log);
		FILE *p = popen(cmd, "r");
		CHECK(p != NULL);
		if (fgets(out, sizeof out, p) == NULL)
			out[0] = '\0';
		int st = pclose(p);
		if (st != 0 || strstr(out, "no damage found") == NULL)
			die("seaudit -verify: status %d: %s", st, out);
		printf("seaudit -verify: %s", out);
	}

	printf("%d kills in %.1f s: %" PRIu64 " acknowledgements (%" PRIu64
	       " records) all present once at their seq; %" PRIu64
	       " records sent without an acknowledgement, %" PRIu64
	       " of them in the log (once); %zu records in the log\n",
	       KILLS, (double)ms / 1000.0, acks, r.acked, failed, r.unacked_in,
	       r.records);
	printf("torn tails repaired: %u restarts reported one (%" PRIu64
	       " bytes), %u of them torn by the test, %u by the kill itself\n",
	       torn_runs, torn_bytes, torn_injected, natural);
	munmap(shm, sizeof(struct ctl));
	live = NULL;
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
