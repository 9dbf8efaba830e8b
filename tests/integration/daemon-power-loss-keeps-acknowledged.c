/*
 * daemon-power-loss-keeps-acknowledged - a power loss at 50 random
 * moments under load: every acknowledged record survives.
 *
 * A SIGKILL alone cannot show this (the page cache outlives the process),
 * so the daemon runs under the powerloss.c shim, which keeps the image a
 * power loss would leave: file contents as of their last fsync or
 * fdatasync, directory entries as of their directory's last fsync.
 * Each round: a fresh log with 50 KB segments, compression and audit_back
 * (so that roll-over, sealing, compression and moves to audit_back happen
 * under the load: the paths where a missing sync or a wrong order loses
 * data); two producers submit tagged records in frames of 1 to 20,
 * writing down every acknowledgement before the next frame; after a
 * random 30 to 600 ms the daemon is killed (SIGKILL) and both directories
 * are rebuilt from the image alone.  The rebuilt log must hold every
 * acknowledged record exactly once, without damage; the daemon must
 * start on it (recovery), acknowledge new records, and number them after
 * everything that survived.
 *
 * First, the control: the same with sync = none (acknowledged before any
 * fdatasync) must lose acknowledged records in some round: the image
 * really drops what was not synced, so the rounds above could fail.
 *
 * SA_PL_SEED=N replays the rounds of seed N (printed at the start);
 * SA_KEEP=1 keeps the directory of a failing round.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define ROUNDS 50
#define CONTROL_ROUNDS 10
#define NPROD 2
#define MAXIDX 400000

static struct hd h;
static pid_t prod[NPROD];

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Submits until the daemon goes; each acknowledgement is on disk (in
 * the test's directory, outside the shim) before the next frame. */
static void
producer(int k)
{
	struct sa_client *c;
	if (sa_client_connect(&c, h.sock, 5000) < 0)
		_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.acks", h.dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static struct sa_record recs[20];
	static char tags[20][32];
	for (int i = 0, b = k; i < MAXIDX;) {
		int n = 1 + (b++ * 7) % 20;
		for (int j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, i + j);
			hd_record(&recs[j], tags[j], SA_EV_RESOURCE);
		}
		struct sa_proto_ack ack;
		if (sa_client_submit(c, recs, (size_t)n, 10000, &ack, NULL) < 0)
			break; /* the daemon is gone */
		if (ack.count != (uint32_t)n)
			_exit(13);
		if (fprintf(f, "%d %" PRIu64 " %d\n", i, ack.first_seq, n) <
			0 ||
		    fflush(f) != 0)
			_exit(14);
		i += n;
	}
	fclose(f);
	_exit(0);
}

/* ---- rebuilding the directories from the image ------------------------- */

static void
copy_file(const char *from, const char *to)
{
	int o = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(o >= 0);
	int i = open(from, O_RDONLY);
	if (i >= 0) {
		char buf[65536];
		ssize_t k;
		while ((k = read(i, buf, sizeof buf)) > 0)
			CHECK(write(o, buf, (size_t)k) == k);
		close(i);
	}
	close(o);
}

/* dir becomes what its durable listing says; the real one is kept as
 * dir.crashed for a post-mortem. */
static size_t
rebuild(const char *dir, ino_t ino, const char *store)
{
	char crashed[400], list[400];
	snprintf(crashed, sizeof crashed, "%s.crashed", dir);
	CHECK(rename(dir, crashed) == 0);
	CHECK(mkdir(dir, 0750) == 0);
	snprintf(list, sizeof list, "%s/d-%lu.list", store, (unsigned long)ino);
	FILE *f = fopen(list, "r");
	if (f == NULL)
		return 0; /* never synced: empty */
	char line[600];
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long fi;
		unsigned gen;
		int at;
		if (sscanf(line, "%lu %u %n", &fi, &gen, &at) != 2)
			die("bad listing line in %s: %s", list, line);
		line[strcspn(line, "\n")] = '\0';
		char from[400], to[800];
		snprintf(from, sizeof from, "%s/c-%lu-%u", store, fi, gen);
		snprintf(to, sizeof to, "%s/%s", dir, line + at);
		copy_file(from, to);
		n++;
	}
	fclose(f);
	return n;
}

/* ---- checking ----------------------------------------------------------- */

static uint8_t seen[NPROD][MAXIDX];

struct round {
	size_t acked, lost, dup, records, files;
	uint64_t damage, max_seq;
};

/* Acknowledged records against the rebuilt log. */
static void
check_log(const char *back, struct round *r, bool after_restart)
{
	const char *paths[] = {h.log, back};
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_paths(paths, 2, &v, &damage);
	memset(seen, 0, sizeof seen);
	r->records = n;
	r->damage = damage;
	r->dup = 0;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i].seq <= v[i - 1].seq)
			die("seq %" PRIu64 " after %" PRIu64
			    " in the rebuilt log",
			    v[i].seq, v[i - 1].seq);
		if (v[i].seq > max)
			max = v[i].seq;
		int k, idx;
		if (sscanf(v[i].session, "p%d:%d", &k, &idx) == 2 && k >= 0 &&
		    k < NPROD && idx >= 0 && idx < MAXIDX && seen[k][idx]++)
			r->dup++;
	}
	if (!after_restart)
		r->max_seq = max;
	r->acked = r->lost = 0;
	for (int k = 0; k < NPROD; k++) {
		char path[400];
		snprintf(path, sizeof path, "%s/p%d.acks", h.dir, k);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		int first, cnt;
		uint64_t seq;
		while (fscanf(f, "%d %" SCNu64 " %d", &first, &seq, &cnt) == 3)
			for (int j = 0; j < cnt; j++) {
				r->acked++;
				if (!seen[k][first + j])
					r->lost++;
			}
		fclose(f);
	}
	free(v);
}

/* One round: load, power loss, rebuild, check, restart.  Returns the
 * acknowledged records lost. */
static size_t
one_round(unsigned seed, int round, bool sync_none, struct round *r)
{
	char extra[256];
	snprintf(extra, sizeof extra,
		 "sync = %s\ncompress = yes\n[logmgr]\naudit_size = 50\n"
		 "audit_back = @DIR@/back\n",
		 sync_none ? "none" : "batch");
	hd_init(&h, extra);
	char back[400], store[400], dirs[900];
	snprintf(back, sizeof back, "%s/back", h.dir);
	snprintf(store, sizeof store, "%s/image", h.dir);
	CHECK(mkdir(h.log, 0750) == 0 && mkdir(back, 0750) == 0 &&
	      mkdir(store, 0700) == 0);
	struct stat ls, bs;
	CHECK(stat(h.log, &ls) == 0 && stat(back, &bs) == 0);
	snprintf(dirs, sizeof dirs, "%s:%s", h.log, back);
	setenv("SA_PL_STORE", store, 1);
	setenv("SA_PL_DIRS", dirs, 1);
	const char *shim = getenv("SA_POWERLOSS");
	CHECK(shim != NULL);
	hd_start(&h, shim);
	unsetenv("SA_PL_STORE");
	unsetenv("SA_PL_DIRS");

	for (int k = 0; k < NPROD; k++) {
		fflush(stdout);
		prod[k] = fork();
		CHECK(prod[k] >= 0);
		if (prod[k] == 0)
			producer(k);
	}
	srand(seed * 1000003u + (unsigned)round);
	unsigned wait_ms = 30 + (unsigned)rand() % 570;
	sleep_ms(wait_ms);
	hd_kill(&h); /* the power goes */
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(prod[k], &st, 0) == prod[k]);
		prod[k] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("round %d: producer %d failed (status %d)", round,
			    k, st);
	}
	r->files =
	    rebuild(h.log, ls.st_ino, store) + rebuild(back, bs.st_ino, store);
	check_log(back, r, false);
	size_t lost = r->lost;
	if (sync_none)
		return lost;
	if (lost > 0 || r->dup > 0 || r->damage > 0)
		die("round %d (seed %u, power lost after %u ms): %zu of %zu "
		    "acknowledged records lost, %zu twice, %" PRIu64
		    " damaged regions (the image is in %s)",
		    round, seed, wait_ms, lost, r->acked, r->dup, r->damage,
		    h.dir);

	/* Power back: the daemon recovers the log and goes on after it. */
	hd_start(&h, NULL);
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 5000) == 0);
	struct sa_record recs[20];
	for (int j = 0; j < 20; j++)
		hd_record(&recs[j], "after", SA_EV_RESOURCE);
	struct sa_proto_ack ack;
	CHECK(sa_client_submit(c, recs, 20, 10000, &ack, NULL) == 0);
	sa_client_close(c);
	if (ack.first_seq <= r->max_seq)
		die("round %d: after recovery numbering starts at %" PRIu64
		    ", but %" PRIu64 " survived",
		    round, ack.first_seq, r->max_seq);
	CHECK(hd_stop(&h) == 0);
	struct round r2;
	check_log(back, &r2, true);
	if (r2.lost > 0 || r2.damage > 0 || r2.records < r->records + 20)
		die("round %d: after recovery %zu acknowledged records lost, "
		    "%" PRIu64 " damaged regions, %zu records (had %zu + 20)",
		    round, r2.lost, r2.damage, r2.records, r->records);
	return 0;
}

static void
finish_round(void)
{
	const char *keep = getenv("SA_KEEP");
	if (!(keep && *keep == '1'))
		hd_cleanup(&h);
}

int
main(void)
{
	const char *s = getenv("SA_PL_SEED");
	unsigned seed =
	    s && *s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);
	printf("seed %u (SA_PL_SEED=%u replays it)\n", seed, seed);
	const char *ao = getenv("ASAN_OPTIONS");
	char asan[512];
	/* An ASan-built daemon refuses a preloaded library loaded before
	 * its runtime unless told not to check. */
	snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0",
		 ao ? ao : "", ao && *ao ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);

	/* The control: without fdatasync, a power loss must cost records. */
	size_t control_lost = 0, control_acked = 0;
	int cr;
	for (cr = 0; cr < CONTROL_ROUNDS && control_lost == 0; cr++) {
		struct round r;
		control_lost = one_round(seed, 1000 + cr, true, &r);
		control_acked = r.acked;
		finish_round();
	}
	if (control_lost == 0)
		die("sync = none lost no acknowledged record in %d power "
		    "losses: the image keeps unsynced data, this test proves "
		    "nothing",
		    CONTROL_ROUNDS);
	printf("control: with sync = none a power loss cost %zu of %zu "
	       "acknowledged records (round %d)\n",
	       control_lost, control_acked, cr);

	size_t acked = 0, files = 0, records = 0;
	for (int round = 0; round < ROUNDS; round++) {
		struct round r;
		one_round(seed, round, false, &r);
		acked += r.acked;
		files += r.files;
		records += r.records;
		finish_round();
	}
	printf("%d power losses under load: all %zu acknowledged records "
	       "survived (%zu records and %zu files in the rebuilt logs), "
	       "no damage; the daemon recovered and numbered on each time\n",
	       ROUNDS, acked, records, files);
	printf("1 passed, 0 failed\n");
	return 0;
}
