/*
 * test_copy.c - a collector-style copy verifies against its origin's
 * checkpoints: the records of a sealed log (signed, many checkpoints) are
 * written by a second writer keeping their numbers into segments of
 * another size, with the origin's checkpoints stored after the records
 * they cover; sa_log_verify with the origin's verification key finds the
 * copy intact, closed and signed through the same epochs, the same chain
 * values as the origin.  A copy that lost a record, or got one altered,
 * cannot store the checkpoint that covers it (SA_ECHAIN), and a copy
 * reopened after a crash goes on on the origin's chain.
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

#include "checkpoint.h"
#include "observe.h"
#include "segment.h"
#include "testutil.h"

struct copier {
	struct sa_writer *w;
	bool started;
	int stored, refused;
	uint64_t drop_seq;   /* a record the copy never receives (0: none) */
	uint64_t alter_seq;  /* a record the copy receives altered */
	uint64_t stop_after; /* stop copying after this record (0: never) */
	uint64_t skip_upto;  /* copied already by an earlier run */
	bool stopped;
};

static void
copy_obs(const struct sa__obs *o, void *arg)
{
	struct copier *c = arg;
	if (o->kind != SA_OBS_FRAME || c->stopped)
		return;
	if (o->type == 'R') {
		struct sa_record r;
		assert_int_equal(sa_record_decode(o->payload, o->len,
						  o->hdr->first_seq,
						  o->hdr->base_time_us, &r),
				 0);
		if (r.seq == c->drop_seq || r.seq <= c->skip_upto)
			return;
		if (r.seq == c->alter_seq)
			sa_record_set_cstr(&r, SA_F_USER, "mallory");
		assert_int_equal(sa_writer_append(c->w, &r), 0);
		if (r.seq % 7 == 0) /* the collector's batches */
			assert_int_equal(sa_writer_commit(c->w), 0);
		if (r.seq == c->stop_after)
			c->stopped = true;
	} else if (o->type == 'C') {
		struct sa__ckpt k;
		if (sa__ckpt_decode(o->payload, o->len, &k) == 0 &&
		    k.seq <= c->skip_upto)
			return;
		int rc = sa_writer_append_checkpoint(c->w, o->payload, o->len);
		if (rc == 0)
			c->stored++;
		else {
			assert_int_equal(rc, SA_ECHAIN);
			c->refused++;
		}
	}
}

static int
first_cb(const char *path, uint64_t first, bool zst, void *arg)
{
	(void)first;
	(void)zst;
	snprintf(arg, 4096, "%s", path);
	return 1; /* the first only */
}

static int
count_segs(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".seg"))
			n++;
	closedir(d);
	return n;
}

/* The origin: 3000 records, small segments, a checkpoint per 25. */
static void
make_origin(const char *dir, const char *key, int *segments)
{
	struct sa_writer_opts o = {0};
	o.origin = "origin.example";
	o.sync = SA_SYNC_NONE;
	o.segment_size = 20000;
	o.seal_key = key;
	o.checkpoint_records = 25;
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	struct tu_rng rng;
	tu_rng_seed(&rng, 5);
	struct tu_arena a;
	tu_arena_init(&a, 1 << 20);
	for (int i = 0; i < 3000; i++) {
		struct sa_record r;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		sa_record_unset(&r, SA_F_ORIGIN);
		assert_int_equal(sa_writer_append(w, &r), 0);
		if (i % 10 == 9)
			assert_int_equal(sa_writer_commit(w), 0);
	}
	assert_int_equal(sa_writer_close(w), 0);
	tu_arena_free(&a);
	*segments = count_segs(dir);
}

/* Copies origin into dir through the reader; returns the copier. */
static struct copier
copy_log(const char *origin, const char *dir, uint64_t drop, uint64_t alter,
	 uint64_t stop_after, uint64_t skip_upto)
{
	char first[4096];
	assert_int_equal(sa_log_segments(origin, first_cb, first), 1);
	/* The copy starts where the origin's first segment does. */
	struct sa_chain_origin from = {0};
	{
		const char *p[1] = {first};
		struct sa_reader *rd;
		assert_int_equal(sa_reader_open(&rd, p, 1, NULL, NULL), 0);
		sa_reader_close(rd);
	}
	size_t n;
	FILE *f = fopen(first, "rb");
	uint8_t hb[4096];
	n = fread(hb, 1, sizeof hb, f);
	fclose(f);
	struct sa_seg_header h;
	assert_int_equal(sa__seg_header_decode(hb, n, &h), 0);
	assert_true(h.has_log_id && h.has_link);
	memcpy(from.log_id, h.log_id, 16);
	from.seq = h.link_seq;
	memcpy(from.value, h.link_value, 32);

	struct sa_writer_opts o = {0};
	o.origin = "origin.example";
	o.sync = SA_SYNC_NONE;
	o.segment_size = 7000; /* cut elsewhere than the origin */
	o.flags = SA_WRITER_KEEP_SEQ;
	o.copy_of = &from;
	struct copier c = {.drop_seq = drop,
			   .alter_seq = alter,
			   .stop_after = stop_after,
			   .skip_upto = skip_upto};
	assert_int_equal(sa_writer_open(&c.w, dir, &o, NULL), 0);
	const char *p[1] = {origin};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, p, 1, NULL, NULL), 0);
	sa__reader_observe(rd, copy_obs, &c);
	struct sa_record r;
	while (sa_reader_next(rd, &r) == 1)
		;
	sa_reader_close(rd);
	assert_int_equal(sa_writer_close(c.w), 0);
	return c;
}

/* A directory with a key and an origin log; copy names its first copy. */
struct world {
	char dir[256], origin[300], copy[300], key[300];
	uint8_t vk[SA_SEAL_KEY_LEN];
	int osegs;
};

static void
world_init(struct world *w)
{
	tu_mkdtemp(w->dir, sizeof w->dir);
	snprintf(w->origin, sizeof w->origin, "%s/origin", w->dir);
	snprintf(w->copy, sizeof w->copy, "%s/copy", w->dir);
	snprintf(w->key, sizeof w->key, "%s/seal.key", w->dir);
	assert_int_equal(sa_seal_keygen(w->key, w->vk), 0);
	make_origin(w->origin, w->key, &w->osegs);
}

static void
verify(const char *dir, const uint8_t *vk, struct sa_verify_result *res)
{
	const char *p[1] = {dir};
	struct sa_verify_opts o = {.vk = vk};
	assert_int_equal(sa_log_verify(p, 1, &o, res), 0);
}

static void
copy_verifies_against_the_origins_checkpoints(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct sa_verify_result a, b;
	verify(w.origin, w.vk, &a);
	assert_int_equal(a.problems, 0);
	assert_int_equal(a.open_logs, 0);
	assert_true(a.checkpoints > 100);

	struct copier c = copy_log(w.origin, w.copy, 0, 0, 0, 0);
	assert_int_equal(c.refused, 0);
	assert_int_equal((uint64_t)c.stored, a.checkpoints);
	assert_true(count_segs(w.copy) > w.osegs); /* other boundaries */
	verify(w.copy, w.vk, &b);
	assert_int_equal(b.problems, 0);
	assert_int_equal(b.records, a.records);
	assert_int_equal(b.checkpoints, a.checkpoints);
	assert_int_equal(b.signatures, a.signatures);
	assert_int_equal(b.epoch, a.epoch);
	assert_int_equal(b.unsealed, 0);
	assert_int_equal(b.open_logs, 0);
	tu_rmtree(w.dir);
}

static void
a_copy_missing_or_altering_a_record_cannot_store_its_checkpoint(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	for (int t = 0; t < 2; t++) {
		snprintf(w.copy, sizeof w.copy, "%s/w.copy%d", w.dir, t);
		/* seq 1000 dropped: from there on the w.copy's numbers do
		 * not follow, so it is altered instead in the second. */
		struct copier c =
		    t == 0 ? copy_log(w.origin, w.copy, 0, 1000, 0, 0)
			   : copy_log(w.origin, w.copy, 0, 2500, 0, 0);
		assert_true(c.refused >= 1);
		struct sa_verify_result r;
		verify(w.copy, w.vk, &r);
		assert_true(r.unsealed > 0 || r.problems > 0 ||
			    r.open_logs > 0);
	}
	tu_rmtree(w.dir);
}

static void
a_reopened_copy_goes_on_on_the_origins_chain(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	/* The collector stops in the middle of an epoch (record 1212),
	 * then a second run copies the rest onto the same w.copy. */
	struct copier c1 = copy_log(w.origin, w.copy, 0, 0, 1212, 0);
	assert_int_equal(c1.refused, 0);
	struct sa_verify_result r, a;
	verify(w.copy, w.vk, &r);
	assert_int_equal(r.problems, 0);
	assert_true(r.unsealed > 0); /* records after the last checkpoint */
	struct copier c2 = copy_log(w.origin, w.copy, 0, 0, 0, 1212);
	assert_int_equal(c2.refused, 0);
	verify(w.copy, w.vk, &r);
	verify(w.origin, w.vk, &a);
	assert_int_equal(r.problems, 0);
	assert_int_equal(r.unsealed, 0);
	assert_int_equal(r.open_logs, 0);
	assert_int_equal(r.records, a.records);
	assert_int_equal(r.checkpoints, a.checkpoints);
	tu_rmtree(w.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copy_verifies_against_the_origins_checkpoints),
	    cmocka_unit_test(
		a_copy_missing_or_altering_a_record_cannot_store_its_checkpoint),
	    cmocka_unit_test(a_reopened_copy_goes_on_on_the_origins_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
