/*
 * sa-bench.c - in-process timings over an existing log (bench/run.sh):
 * what the library costs without process start-up, pipes or terminals.
 *
 *   sa-bench -fn DIR [-u USER] [-k WINDOWS] [-w SECONDS] [-s SEED]
 *            [-p PHASES]
 *
 * Phases (all by default, or a comma list in -p):
 * A first, unreported pass warms the page cache.
 *
 *   read    one pass of sa_reader_next over the whole log: records/s and
 *           log bytes/s (bytes = sizes of the segment files on disk)
 *   line    the same pass rendering every record with sa_format_line into
 *           a buffer that is reset every MiB (never written anywhere)
 *   json    the same with sa_format_json
 *   filter  the same with sa_filter_match for denied FILE accesses of USER
 *           (the query of `seaudit -r FILE '*' USER -status D`)
 *   seek    WINDOWS random one-minute windows (aligned to the minute,
 *           between the log's first and last times): on an open reader,
 *           sa_reader_seek_time and the first record of the window
 *           ("found"), and the whole window read; then on a fresh reader
 *           each time, open + seek + first record (what one command pays
 *           besides process start-up).  Mean, median, p99 in microseconds.
 *
 * Output: one "key=value" line per figure, for run.sh to pick up.
 * Times are CLOCK_MONOTONIC; a run is one pass, so run it on an idle core
 * (taskset -c 1) and compare figures of the same run only.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <seaudit/seaudit.h>

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "sa-bench: %s: %s\n", what, sa_strerror(rc));
	exit(1);
}

static void
on_damage(const struct sa_damage *d, void *arg)
{
	(void)arg;
	fprintf(stderr, "sa-bench: damage in %s at %" PRIu64 ": %s\n", d->file,
		d->offset, sa_strerror(d->error));
}

static struct sa_reader *
open_log(const char *dir)
{
	struct sa_reader *rd;
	const char *paths[1] = {dir};
	int rc = sa_reader_open(&rd, paths, 1, on_damage, NULL);
	if (rc < 0)
		die(dir, rc);
	return rd;
}

/* Bytes of the segment files (plain and .zst) in the log directory. */
static uint64_t
log_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	uint64_t total = 0;
	if (d == NULL)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".seg") == NULL)
			continue;
		char p[4096];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

enum phase { PH_READ, PH_LINE, PH_JSON, PH_FILTER };

struct scan {
	uint64_t records, matched;
	int64_t first_us, last_us;
	double secs;
};

static void
scan(const char *dir, enum phase ph, const struct sa_filter *f,
     struct scan *out)
{
	struct sa_buf b = SA_BUF_INIT;
	struct sa_record r;
	uint64_t n = 0, matched = 0;
	int64_t first = 0, last = 0;
	double t0 = now_s();
	struct sa_reader *rd = open_log(dir);
	int rc;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		if (n == 0)
			first = r.time_us;
		last = r.time_us;
		n++;
		switch (ph) {
		case PH_LINE:
			if (sa_format_line(&b, &r, 0) < 0)
				die("format_line", -ENOMEM);
			break;
		case PH_JSON:
			if (sa_format_json(&b, &r, 0) < 0)
				die("format_json", -ENOMEM);
			break;
		case PH_FILTER:
			if (sa_filter_match(f, &r))
				matched++;
			break;
		default:
			break;
		}
		if (b.len > (1u << 20))
			sa_buf_reset(&b);
	}
	if (rc < 0)
		die("read", rc);
	sa_reader_close(rd);
	out->secs = now_s() - t0;
	out->records = n;
	out->matched = matched;
	out->first_us = first;
	out->last_us = last;
	sa_buf_free(&b);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *v, int k)
{
	double sum = 0;
	for (int i = 0; i < k; i++)
		sum += v[i];
	qsort(v, (size_t)k, sizeof *v, cmp_d);
	int p99 = (int)(0.99 * (k - 1) + 0.5);
	printf(
	    "%s_mean_us=%.1f\n%s_p50_us=%.1f\n%s_p99_us=%.1f\n%s_max_us=%.1f\n",
	    name, sum / k * 1e6, name, v[k / 2] * 1e6, name, v[p99] * 1e6, name,
	    v[k - 1] * 1e6);
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
seek_phase(const char *dir, int64_t first, int64_t last, int k, int wsec,
	   uint64_t seed)
{
	const int64_t minute = INT64_C(60000000);
	const int64_t wlen = (int64_t)wsec * 1000000;
	int64_t lo = (first / minute + 1) * minute;
	int64_t hi = last - wlen;
	if (hi <= lo) {
		fprintf(stderr, "sa-bench: log shorter than a window\n");
		return;
	}
	double *found = calloc((size_t)k, sizeof *found);
	double *whole = calloc((size_t)k, sizeof *whole);
	double *cold = calloc((size_t)k, sizeof *cold);
	if (found == NULL || whole == NULL || cold == NULL)
		die("seek", -ENOMEM);
	uint64_t s = seed | 1, inwin = 0;
	struct sa_reader *rd = open_log(dir);
	struct sa_record r;
	for (int i = 0; i < k; i++) {
		int64_t nmin = (hi - lo) / minute + 1;
		int64_t t =
		    lo + (int64_t)(xorshift(&s) % (uint64_t)nmin) * minute;
		double t0 = now_s();
		int rc = sa_reader_seek_time(rd, t);
		if (rc < 0)
			die("seek_time", rc);
		/* first record of the window */
		while ((rc = sa_reader_next(rd, &r)) == 1 && r.time_us < t)
			;
		double t1 = now_s();
		/* the rest of it */
		uint64_t c = 0;
		while (rc == 1 && r.time_us < t + wlen) {
			c++;
			rc = sa_reader_next(rd, &r);
		}
		if (rc < 0)
			die("read", rc);
		double t2 = now_s();
		found[i] = t1 - t0;
		whole[i] = t2 - t0;
		inwin += c;
	}
	sa_reader_close(rd);
	for (int i = 0; i < k; i++) {
		int64_t nmin = (hi - lo) / minute + 1;
		int64_t t =
		    lo + (int64_t)(xorshift(&s) % (uint64_t)nmin) * minute;
		double t0 = now_s();
		struct sa_reader *cr = open_log(dir);
		int rc = sa_reader_seek_time(cr, t);
		if (rc < 0)
			die("seek_time", rc);
		while ((rc = sa_reader_next(cr, &r)) == 1 && r.time_us < t)
			;
		sa_reader_close(cr);
		cold[i] = now_s() - t0;
	}
	printf(
	    "seek_windows=%d\nseek_window_s=%d\nseek_records_per_window=%.0f\n",
	    k, wsec, (double)inwin / k);
	report("seek_found", found, k);
	report("seek_window", whole, k);
	report("seek_open_found", cold, k);
	free(found);
	free(whole);
	free(cold);
}

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
		"usage: sa-bench -fn DIR [-u USER] [-k WINDOWS] "
		"[-w SECONDS] [-s SEED] [-p read,line,json,filter,seek]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *user = "*",
		   *phases = "read,line,json,filter,seek";
	int k = 1000, wsec = 60;
	uint64_t seed = 42;
	static const struct option lo[] = {{"fn", required_argument, NULL, 'f'},
					   {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long_only(argc, argv, "u:k:w:s:p:", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			dir = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 'w':
			wsec = atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			phases = optarg;
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || k < 1 || wsec < 1)
		usage();
	uint64_t bytes = log_bytes(dir);
	printf("log_bytes=%" PRIu64 "\n", bytes);

	struct scan sc = {0};
	int64_t first = 0, last = 0;
	/* One unreported pass first: page cache and allocator warm. */
	scan(dir, PH_READ, NULL, &sc);
	bool have_span = false;
	static const char *const names[] = {"read", "line", "json", "filter"};
	for (int ph = PH_READ; ph <= PH_FILTER; ph++) {
		if (strstr(phases, names[ph]) == NULL)
			continue;
		struct sa_filter *f = NULL;
		if (ph == PH_FILTER) {
			int rc = sa_filter_new(&f);
			if (rc < 0)
				die("filter", rc);
			sa_filter_events(f, SA_EVBIT(SA_EV_RESOURCE));
			if ((rc = sa_filter_field(f, SA_F_CLASS, "FILE")) < 0 ||
			    (rc = sa_filter_field(f, SA_F_USER, user)) < 0 ||
			    (rc = sa_filter_statuses(f, "D")) < 0)
				die("filter", rc);
		}
		scan(dir, (enum phase)ph, f, &sc);
		sa_filter_free(f);
		printf("%s_records=%" PRIu64 "\n%s_s=%.3f\n%s_rps=%.0f\n"
		       "%s_log_MBps=%.1f\n",
		       names[ph], sc.records, names[ph], sc.secs, names[ph],
		       sc.records / sc.secs, names[ph], bytes / sc.secs / 1e6);
		if (ph == PH_FILTER)
			printf("filter_matched=%" PRIu64 "\n", sc.matched);
		first = sc.first_us;
		last = sc.last_us;
		have_span = true;
		fflush(stdout);
	}
	if (strstr(phases, "seek") != NULL) {
		if (!have_span) {
			scan(dir, PH_READ, NULL, &sc);
			first = sc.first_us;
			last = sc.last_us;
		}
		seek_phase(dir, first, last, k, wsec, seed);
	}
	return 0;
}
