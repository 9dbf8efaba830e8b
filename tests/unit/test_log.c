/*
 * test_log.c - the writer and reader together on real files: every record
 * written comes back equal and in order, across segment roll-over and zstd
 * sealing; seeks by sequence number and by time land where they must;
 * the lock keeps a second writer out; a reopened log continues its
 * sequence; follow mode sees appended records and new segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

#define ORIGIN "testhost"

struct gen {
	struct tu_rng rng;
	struct tu_arena arena;
	int64_t t;
};

static void
gen_init(struct gen *g, uint64_t seed)
{
	tu_rng_seed(&g->rng, seed);
	tu_arena_init(&g->arena, 1 << 20);
	g->t = INT64_C(1700000000000000);
}

/* Random record with a mostly increasing time (some out of order). */
static void
gen_next(struct gen *g, struct sa_record *r)
{
	tu_arena_reset(&g->arena);
	tu_random_record(&g->rng, &g->arena, r);
	g->t += (int64_t)tu_rng_below(&g->rng, 2000000);
	r->time_us = g->t;
	if (tu_rng_below(&g->rng, 50) == 0)
		r->time_us -= (int64_t)tu_rng_below(&g->rng, 600000000);
}

static void
count_damage(const struct sa_damage *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
}

static size_t
count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), s = strlen(suffix);
		if (l > s && strcmp(e->d_name + l - s, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
write_n(const char *dir, struct sa_writer_opts *o, uint64_t seed, int n)
{
	struct sa_writer *w;
	struct sa_recovery rep;
	assert_int_equal(sa_writer_open(&w, dir, o, &rep), 0);
	struct gen g;
	gen_init(&g, seed);
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		gen_next(&g, &r);
		assert_int_equal(sa_writer_append(w, &r), 0);
		if (i % 997 == 0)
			assert_int_equal(sa_writer_commit(w), 0);
	}
	assert_int_equal(sa_writer_close(w), 0);
	tu_arena_free(&g.arena);
}

/* Reads everything back and compares with the regenerated stream. */
static void
verify_all(const char *dir, uint64_t seed, int n)
{
	struct sa_reader *rd;
	int damaged = 0;
	const char *paths[] = {dir};
	assert_int_equal(sa_reader_open(&rd, paths, 1, count_damage, &damaged),
			 0);
	struct gen g;
	gen_init(&g, seed);
	struct sa_record got, want;
	for (int i = 0; i < n; i++) {
		assert_int_equal(sa_reader_next(rd, &got), 1);
		gen_next(&g, &want);
		want.seq = (uint64_t)i + 1;
		if (!sa_record_has(&want, SA_F_ORIGIN))
			sa_record_set_cstr(&want, SA_F_ORIGIN, ORIGIN);
		assert_true(sa_record_equal(&got, &want));
	}
	assert_int_equal(sa_reader_next(rd, &got), 0);
	assert_int_equal(damaged, 0);
	sa_reader_close(rd);
	tu_arena_free(&g.arena);
}

static void
test_roundtrip_plain(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {.origin = ORIGIN};
	write_n(dir, &o, 7, 30000);
	verify_all(dir, 7, 30000);
	tu_rmtree(dir);
}

static void
test_rollover_and_zstd(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {
	    .origin = ORIGIN, .segment_size = 3 << 20, .compress_sealed = true};
	write_n(dir, &o, 11, 60000);
	assert_true(count_files(dir, ".seg.zst") >= 2);
	assert_int_equal(count_files(dir, ".seg"), 1);
	verify_all(dir, 11, 60000);
	tu_rmtree(dir);
}

/* After seek_seq(s) the next record is exactly s. */
static void
check_seek_seq(const char *dir, int n)
{
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
	struct tu_rng rng;
	tu_rng_seed(&rng, 3);
	struct sa_record r;
	for (int k = 0; k < 200; k++) {
		uint64_t s = 1 + tu_rng_below(&rng, (uint64_t)n);
		assert_int_equal(sa_reader_seek_seq(rd, s), 0);
		assert_int_equal(sa_reader_next(rd, &r), 1);
		assert_int_equal(r.seq, s);
	}
	assert_int_equal(sa_reader_seek_seq(rd, (uint64_t)n + 5), 0);
	assert_int_equal(sa_reader_next(rd, &r), 0);
	sa_reader_close(rd);
}

/*
 * After seek_time(t), no record at or after t is behind the position: the
 * first record read has a seq no larger than that of any record with
 * time >= t.  Also checks the seek skips most of the log.
 */
static void
check_seek_time(const char *dir, uint64_t seed, int n)
{
	int64_t *times = malloc(sizeof *times * (size_t)n);
	struct gen g;
	gen_init(&g, seed);
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		gen_next(&g, &r);
		times[i] = r.time_us;
	}
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
	struct tu_rng rng;
	tu_rng_seed(&rng, 5);
	uint64_t skipped = 0;
	for (int k = 0; k < 100; k++) {
		int64_t t = times[tu_rng_below(&rng, (uint64_t)n)];
		uint64_t first_ge = 0;
		for (int i = 0; i < n && !first_ge; i++)
			if (times[i] >= t)
				first_ge = (uint64_t)i + 1;
		assert_int_equal(sa_reader_seek_time(rd, t), 0);
		struct sa_record r;
		assert_int_equal(sa_reader_next(rd, &r), 1);
		assert_true(r.seq <= first_ge);
		skipped += r.seq;
	}
	/* Random targets: on average the seek must skip a good part. */
	assert_true(skipped / 100 > (uint64_t)n / 8);
	sa_reader_close(rd);
	free(times);
	tu_arena_free(&g.arena);
}

static void
test_seek(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {.origin = ORIGIN, .segment_size = 8 << 20};
	write_n(dir, &o, 13, 80000);
	check_seek_seq(dir, 80000);
	check_seek_time(dir, 13, 80000);
	tu_rmtree(dir);
	/* The same with sealed, compressed segments. */
	tu_mkdtemp(dir, sizeof dir);
	o.segment_size = 4 << 20;
	o.compress_sealed = true;
	write_n(dir, &o, 13, 80000);
	assert_true(count_files(dir, ".seg.zst") >= 2);
	check_seek_seq(dir, 80000);
	check_seek_time(dir, 13, 80000);
	tu_rmtree(dir);
}

static void
test_lock_and_reopen(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {.origin = ORIGIN};
	struct sa_writer *w, *w2;
	struct sa_recovery rep;
	assert_int_equal(sa_writer_open(&w, dir, &o, &rep), 0);
	assert_int_equal(rep.last_seq, 0);
	assert_int_equal(sa_writer_open(&w2, dir, &o, NULL), SA_ELOCKED);
	struct gen g;
	gen_init(&g, 17);
	struct sa_record r;
	for (int i = 0; i < 10; i++) {
		gen_next(&g, &r);
		assert_int_equal(sa_writer_append(w, &r), 0);
		assert_int_equal(r.seq, (uint64_t)i + 1);
	}
	assert_int_equal(sa_writer_last_seq(w), 10);
	assert_int_equal(sa_writer_committed_seq(w), 0);
	assert_int_equal(sa_writer_commit(w), 0);
	assert_int_equal(sa_writer_committed_seq(w), 10);
	/* Discarded records give their numbers back. */
	gen_next(&g, &r);
	assert_int_equal(sa_writer_append(w, &r), 0);
	sa_writer_discard(w);
	assert_int_equal(sa_writer_last_seq(w), 10);
	/* An invalid record is refused and consumes no number. */
	r.status = 'Z';
	assert_int_equal(sa_writer_append(w, &r), SA_ENOTSTATUS);
	assert_int_equal(sa_writer_close(w), 0);

	assert_int_equal(sa_writer_open(&w, dir, &o, &rep), 0);
	assert_int_equal(rep.last_seq, 10);
	assert_int_equal(rep.records_found, 10);
	assert_int_equal(rep.bytes_dropped, 0);
	gen_next(&g, &r);
	assert_int_equal(sa_writer_append(w, &r), 0);
	assert_int_equal(r.seq, 11);
	assert_int_equal(sa_writer_rotate(w), 0);
	gen_next(&g, &r);
	assert_int_equal(sa_writer_append(w, &r), 0);
	assert_int_equal(r.seq, 12);
	assert_int_equal(sa_writer_close(w), 0);
	assert_int_equal(count_files(dir, ".seg"), 2);
	tu_arena_free(&g.arena);
	tu_rmtree(dir);
}

static void
test_follow(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {.origin = ORIGIN, .segment_size = 1 << 20};
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	struct gen g;
	gen_init(&g, 19);
	struct sa_record r;
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
	sa_reader_follow(rd, true);
	assert_int_equal(sa_reader_next(rd, &r), 0);
	uint64_t seen = 0;
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 500; i++) {
			gen_next(&g, &r);
			assert_int_equal(sa_writer_append(w, &r), 0);
		}
		assert_int_equal(sa_writer_commit(w), 0);
		if (round % 10 == 9)
			assert_int_equal(sa_writer_rotate(w), 0);
		int rc;
		while ((rc = sa_reader_next(rd, &r)) == 1) {
			assert_int_equal(r.seq, seen + 1);
			seen++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(seen, sa_writer_committed_seq(w));
	}
	assert_true(count_files(dir, ".seg") > 4);
	sa_reader_close(rd);
	assert_int_equal(sa_writer_close(w), 0);
	tu_arena_free(&g.arena);
	tu_rmtree(dir);
}

/*
 * Time windows through the footers: exactly the records with
 * since <= time < until come back (brute force over the generated
 * stream), on sealed plain and sealed compressed segments, although some
 * event times are out of order; and sealed segments do carry a footer.
 */
static void
check_windows(const char *dir, uint64_t seed, int n)
{
	int64_t *times = malloc(sizeof *times * (size_t)n);
	struct gen g;
	gen_init(&g, seed);
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		gen_next(&g, &r);
		times[i] = r.time_us;
	}
	struct tu_rng rng;
	tu_rng_seed(&rng, 9);
	for (int k = 0; k < 60; k++) {
		int64_t since = times[tu_rng_below(&rng, (uint64_t)n)];
		int64_t until =
		    since + (int64_t)tu_rng_below(&rng, 600) * 1000000;
		const char *paths[] = {dir};
		struct sa_reader *rd;
		assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
		assert_int_equal(sa_reader_set_window(rd, since, until), 0);
		struct sa_record r;
		int got = 0;
		uint64_t last = 0;
		while (sa_reader_next(rd, &r) == 1) {
			assert_true(r.time_us >= since && r.time_us < until);
			assert_true(r.seq > last);
			last = r.seq;
			assert_int_equal(times[r.seq - 1], r.time_us);
			got++;
		}
		int want = 0;
		for (int i = 0; i < n; i++)
			want += times[i] >= since && times[i] < until;
		assert_int_equal(got, want);
		sa_reader_close(rd);
	}
	free(times);
	tu_arena_free(&g.arena);
}

static void
test_time_windows(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {.origin = ORIGIN, .segment_size = 2 << 20};
	write_n(dir, &o, 31, 40000);
	/* Every sealed segment ends with a footer. */
	DIR *d = opendir(dir);
	struct dirent *e;
	int sealed = 0, footers = 0;
	char newest[300] = "";
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".seg") && strcmp(e->d_name, newest) > 0)
			snprintf(newest, sizeof newest, "%s", e->d_name);
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (!strstr(e->d_name, ".seg") ||
		    strcmp(e->d_name, newest) == 0)
			continue;
		char p[600];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		FILE *f = fopen(p, "rb");
		fseek(f, -14, SEEK_END);
		int c = fgetc(f);
		fclose(f);
		sealed++;
		footers += c == 'T';
	}
	closedir(d);
	assert_true(sealed >= 2);
	assert_int_equal(footers, sealed);
	check_windows(dir, 31, 40000);
	tu_rmtree(dir);
	/* Sealed and compressed. */
	tu_mkdtemp(dir, sizeof dir);
	o.compress_sealed = true;
	write_n(dir, &o, 31, 40000);
	assert_true(count_files(dir, ".seg.zst") >= 2);
	check_windows(dir, 31, 40000);
	tu_rmtree(dir);
}

/* Two hosts' logs read together: neither hides the other. */
static void
test_two_origins(void **state)
{
	(void)state;
	char a[256], b[256];
	tu_mkdtemp(a, sizeof a);
	tu_mkdtemp(b, sizeof b);
	struct sa_writer_opts oa = {.origin = "host-a"},
			      ob = {.origin = "host-b"};
	write_n(a, &oa, 23, 300);
	write_n(b, &ob, 29, 200);
	const char *paths[] = {b, a};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 2, NULL, NULL), 0);
	struct sa_record r;
	int na = 0, nb = 0;
	while (sa_reader_next(rd, &r) == 1) {
		/* Random records may carry their own origin: count by the
		 * segment they come from instead. */
		uint64_t off;
		const char *p = sa_reader_position(rd, &off);
		if (strncmp(p, a, strlen(a)) == 0)
			na++;
		else
			nb++;
	}
	assert_int_equal(na, 300);
	assert_int_equal(nb, 200);
	sa_reader_close(rd);
	tu_rmtree(a);
	tu_rmtree(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_plain),
	    cmocka_unit_test(test_rollover_and_zstd),
	    cmocka_unit_test(test_seek),
	    cmocka_unit_test(test_lock_and_reopen),
	    cmocka_unit_test(test_follow),
	    cmocka_unit_test(test_two_origins),
	    cmocka_unit_test(test_time_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
