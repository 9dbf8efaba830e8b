/*
 * test_segset.c - sealed segments in the library (seaudit/segset.h) and a
 * writer keeping another origin's numbers, on real files: a real writer
 * rolls a log over into many segments, and the set moves them to the back
 * directory, keeps max_files of them, compresses them (in the caller's
 * thread and in its own), lets a hold callback keep what a router has not
 * forwarded, drops the oldest on demand; a reader then reads exactly the
 * records of what was kept, and sa_log_segments lists it in log order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

struct notes {
	unsigned moved, compressed, removed, held, failed;
};

static void
on_note(const struct sa_segset_note *n, void *arg)
{
	struct notes *c = arg;
	switch (n->event) {
	case SA_SEGSET_MOVED:
		c->moved++;
		break;
	case SA_SEGSET_COMPRESSED:
		c->compressed++;
		assert_non_null(strstr(n->path, ".seg.zst"));
		break;
	case SA_SEGSET_REMOVED:
		c->removed++;
		break;
	case SA_SEGSET_HELD:
		c->held++;
		break;
	default:
		c->failed++;
		fail_msg("%s %s: %d", n->what, n->path, n->error);
	}
}

static unsigned
count(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	unsigned n = 0;
	struct dirent *e;
	size_t sl = strlen(suffix);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* A log of `segs` sealed segments plus the active one, 40 records each. */
static uint64_t
make_log(const char *dir, unsigned segs, struct sa_writer **wout)
{
	struct sa_writer_opts o = {0};
	o.origin = "segset";
	o.sync = SA_SYNC_NONE;
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	int64_t t = INT64_C(1700000000000000);
	for (unsigned i = 0; i < segs; i++) {
		assert_int_equal(tu_append_startups(w, 40, &t, "segset"), 0);
		assert_int_equal(sa_writer_rotate(w), 0);
	}
	assert_int_equal(tu_append_startups(w, 40, &t, "segset"), 0);
	*wout = w;
	return sa_writer_last_seq(w) - 39; /* the active segment's first */
}

static uint64_t
read_all(const char *dir, uint64_t *first, uint64_t *damage)
{
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
	struct sa_record r;
	uint64_t n = 0, last = 0;
	while (sa_reader_next(rd, &r) == 1) {
		if (n == 0)
			*first = r.seq;
		else
			assert_int_equal(r.seq, last + 1);
		last = r.seq;
		n++;
	}
	*damage = sa_reader_damage_count(rd);
	sa_reader_close(rd);
	return n;
}

struct walk {
	uint64_t seqs[64];
	bool zst[64];
	char last[4096];
	unsigned n;
};

static int
walk_cb(const char *path, uint64_t seq, bool compressed, void *arg)
{
	struct walk *w = arg;
	assert_true(w->n < 64);
	w->seqs[w->n] = seq;
	w->zst[w->n++] = compressed;
	snprintf(w->last, sizeof w->last, "%s", path);
	return 0;
}

static void
moves_keeps_max_files_and_compresses(void **state)
{
	(void)state;
	char dir[256], log[300], back[300];
	tu_mkdtemp(dir, sizeof dir);
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(back, sizeof back, "%s/back", dir);
	struct sa_writer *w;
	uint64_t active = make_log(log, 8, &w);
	struct notes c = {0};
	struct sa_segset_opts o = {0};
	o.back_dir = back;
	o.max_files = 3;
	o.compress = true;
	o.note = on_note;
	o.note_arg = &c;
	struct sa_segset *s;
	assert_int_equal(sa_segset_open(&s, log, &o), 0);
	assert_int_equal(sa_segset_sealed(s, active), 0);
	assert_int_equal(c.moved, 8);
	assert_int_equal(c.removed, 5);
	assert_int_equal(c.compressed, 3);
	assert_int_equal(count(log, ".seg"), 1); /* the active one only */
	assert_int_equal(count(back, ".seg.zst"), 3);
	assert_int_equal(count(back, ".seg"), 0);
	/* A reader given the log directory finds the back directory. */
	assert_int_equal(sa_writer_commit(w), 0);
	uint64_t first = 0, damage = 0;
	assert_int_equal(read_all(log, &first, &damage), 4 * 40);
	assert_int_equal(first, active - 3 * 40);
	struct walk wk = {0};
	assert_int_equal(sa_log_segments(log, walk_cb, &wk), 0);
	assert_int_equal(wk.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(wk.seqs[i], active - (3 - i) * 40);
		assert_true(wk.zst[i] == (i < 3));
	}
	assert_non_null(strstr(wk.last, "/log/"));
	/* Nothing more to do on a second pass. */
	memset(&c, 0, sizeof c);
	assert_int_equal(sa_segset_sealed(s, active), 0);
	assert_int_equal(c.moved + c.removed + c.compressed, 0);
	sa_segset_close(s);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

struct hold {
	uint64_t keep_from; /* hold segments with first seq >= this */
	unsigned asked;
};

static bool
hold_cb(const char *path, uint64_t seq, void *arg)
{
	(void)path;
	struct hold *h = arg;
	h->asked++;
	return seq >= h->keep_from;
}

static void
hold_keeps_what_is_not_forwarded(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	uint64_t active = make_log(dir, 6, &w);
	struct hold h = {.keep_from = 1 + 2 * 40}; /* third segment on */
	struct notes c = {0};
	struct sa_segset_opts o = {0};
	o.max_files = 1;
	o.hold = hold_cb;
	o.hold_arg = &h;
	o.note = on_note;
	o.note_arg = &c;
	struct sa_segset *s;
	assert_int_equal(sa_segset_open(&s, dir, &o), 0);
	assert_int_equal(sa_segset_sealed(s, active), 0);
	/* Two forwarded segments went; the held one stopped retention. */
	assert_int_equal(c.removed, 2);
	assert_int_equal(c.held, 1);
	assert_int_equal(count(dir, ".seg"), 5);
	/* The disk-full drop respects the hold too. */
	char what[512] = "";
	uint64_t recs = 0;
	assert_int_equal(sa_segset_drop_oldest(s, what, sizeof what, &recs), 0);
	/* The router caught up: retention finishes. */
	h.keep_from = UINT64_MAX;
	assert_int_equal(sa_segset_retain(s), 3);
	assert_int_equal(count(dir, ".seg"), 2);
	/* And a drop on demand takes the one sealed segment left. */
	assert_int_equal(sa_segset_drop_oldest(s, what, sizeof what, &recs), 1);
	assert_int_equal(recs, 40);
	assert_non_null(strstr(what, "records from seq"));
	assert_int_equal(sa_segset_drop_oldest(s, what, sizeof what, &recs), 0);
	assert_int_equal(count(dir, ".seg"), 1);
	sa_segset_close(s);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

static void
background_compression_finishes_every_segment(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	uint64_t active = make_log(dir, 5, &w);
	struct notes c = {0};
	struct sa_segset_opts o = {0};
	o.compress = true;
	o.background = true;
	o.max_files = 4;
	o.note = on_note;
	o.note_arg = &c;
	struct sa_segset *s;
	assert_int_equal(sa_segset_open(&s, dir, &o), 0);
	assert_int_equal(sa_segset_sealed(s, active), 0);
	for (int i = 0; i < 1000 && count(dir, ".seg.zst") < 4; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	sa_segset_close(s); /* joins the thread */
	assert_int_equal(count(dir, ".seg.zst"), 4);
	assert_int_equal(count(dir, ".seg"), 1);
	assert_int_equal(c.removed, 1);
	assert_int_equal(sa_writer_commit(w), 0);
	uint64_t first = 0, damage = 0;
	assert_int_equal(read_all(dir, &first, &damage), 5 * 40);
	assert_int_equal(damage, 0);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

static int
append_seq(struct sa_writer *w, uint64_t seq)
{
	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_STARTUP;
	r.status = 'M';
	r.time_us = INT64_C(1700000000000000) + (int64_t)seq;
	r.seq = seq;
	sa_record_set_cstr(&r, SA_F_SERVICE, "far");
	return sa_writer_append(w, &r);
}

static void
writer_keeps_a_foreign_origins_numbers(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer_opts o = {0};
	o.origin = "far.example";
	o.flags = SA_WRITER_KEEP_SEQ;
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	assert_int_equal(append_seq(w, 5000), 0);
	assert_int_equal(append_seq(w, 5001), 0);
	assert_int_equal(append_seq(w, 5003), SA_ESEQORDER); /* a gap */
	assert_int_equal(append_seq(w, 5001), SA_ESEQORDER); /* a repeat */
	assert_int_equal(sa_writer_commit(w), 0);
	assert_int_equal(sa_writer_close(w), 0);
	/* The log is named after its first record: no gap before it. */
	char p[512];
	snprintf(p, sizeof p, "%s/0000000000001388.seg", dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/0000000000000001.seg", dir);
	assert_int_not_equal(access(p, F_OK), 0);
	/* Reopened, it goes on from its last number only. */
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	assert_int_equal(append_seq(w, 4999), SA_ESEQORDER);
	assert_int_equal(append_seq(w, 1), SA_ESEQORDER);
	assert_int_equal(append_seq(w, 5002), 0);
	assert_int_equal(sa_writer_close(w), 0);
	uint64_t first = 0, damage = 0;
	assert_int_equal(read_all(dir, &first, &damage), 3);
	assert_int_equal(first, 5000);
	assert_int_equal(damage, 0);
	/* Without the flag the writer numbers records itself. */
	o.flags = 0;
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	assert_int_equal(append_seq(w, 77), 0);
	assert_int_equal(sa_writer_last_seq(w), 5003);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(moves_keeps_max_files_and_compresses),
	    cmocka_unit_test(hold_keeps_what_is_not_forwarded),
	    cmocka_unit_test(background_compression_finishes_every_segment),
	    cmocka_unit_test(writer_keeps_a_foreign_origins_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
