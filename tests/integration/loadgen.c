/*
 * loadgen.c - producers, a follower and segment listings for the
 * scenarios about rotation, sealing and following (see loadgen.h).
 *
 * Every acknowledgement a producer receives is written to p<k>.acks in
 * the test's directory before the next frame is sent, so the test knows
 * exactly which records the daemon promised to keep, whatever happens to
 * the producer afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "loadgen.h"

static pid_t owner, kids[LG_MAXPROD + 1]; /* producers, then the follower */
static struct hd *live;

static void cleanup_at_exit(void);

void
lg_init(void)
{
	owner = getpid();
	atexit(cleanup_at_exit);
}

void
lg_watch(struct hd *h)
{
	live = h;
}

static void
cleanup_at_exit(void)
{
	if (getpid() != owner)
		return;
	for (int k = 0; k <= LG_MAXPROD; k++)
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

void
lg_sleep_ms(unsigned ms)
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

int
lg_load(struct hd *h, int nprod, int per, int usr1, void (*during)(void *),
	void *arg)
{
	pid_t *pids = kids;
	CHECK(nprod <= LG_MAXPROD);
	for (int k = 0; k < nprod; k++) {
		fflush(stdout);
		pids[k] = fork();
		CHECK(pids[k] >= 0);
		if (pids[k] == 0)
			producer(h, k, per);
	}
	int running = nprod, sent = 0;
	uint64_t until = hd_ms() + 150000;
	while (running > 0) {
		uint64_t next = hd_ms() + 150;
		if (during == NULL)
			lg_sleep_ms(150);
		else
			do
				during(arg);
			while (hd_ms() < next);
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

size_t
lg_load_acks(const struct hd *h, int nprod, int per, struct lg_ack **out)
{
	struct lg_ack *v = calloc((size_t)nprod * (size_t)per, sizeof *v);
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
				v[n++] = (struct lg_ack){k, first + j,
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void
lg_list_segs(const char *dir, struct lg_segs *s)
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

/* ---- the follower's output -------------------------------------------- */

size_t
lg_count_lines(const char *path, long *off, size_t lines)
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

size_t
lg_parse_follow(const char *path, struct lg_fline **out)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	size_t n = 0, cap = 0;
	struct lg_fline *v = NULL;
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
		struct lg_fline *x = &v[n++];
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

pid_t
lg_start_follower(const char *outpath, const char *errpath,
		  const char *const *args)
{
	const char *viewer = getenv("SEAUDIT");
	CHECK(viewer != NULL);
	/* Opened here, so that the files exist when fork returns. */
	int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(o >= 0 && e >= 0);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		char *argv[32] = {"seaudit", "-a", "-json", "-follow"};
		int n = 4;
		/* execv's prototype predates const; it does not write. */
		for (int i = 0; args && args[i] && n < 31; i++)
			argv[n++] = strdup(args[i]);
		argv[n] = NULL;
		execv(viewer, argv);
		_exit(127);
	}
	close(o);
	close(e);
	kids[LG_MAXPROD] = pid;
	return pid;
}

void
lg_follower_done(void)
{
	kids[LG_MAXPROD] = 0;
}

size_t
lg_wait_lines(pid_t fpid, const char *outpath, const char *errpath, size_t want)
{
	size_t lines = 0;
	long off = 0;
	uint64_t until = hd_ms() + 60000;
	while ((lines = lg_count_lines(outpath, &off, lines)) < want &&
	       hd_ms() < until) {
		int st;
		if (waitpid(fpid, &st, WNOHANG) == fpid) {
			lg_follower_done();
			lg_show_file(errpath);
			die("seaudit -follow exited (status %d) after %zu "
			    "lines",
			    st, lines);
		}
		lg_sleep_ms(100);
	}
	return lines;
}

int
lg_stop_follower(pid_t fpid)
{
	int st;
	CHECK(kill(fpid, SIGTERM) == 0);
	CHECK(waitpid(fpid, &st, 0) == fpid);
	lg_follower_done();
	return st;
}

void
lg_show_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char line[1024];
	for (int i = 0; i < 20 && fgets(line, sizeof line, f); i++)
		fprintf(stderr, "  %s", line);
	fclose(f);
}
