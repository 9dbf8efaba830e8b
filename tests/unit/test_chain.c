/*
 * test_chain.c - the integrity chain's canonical form (lib/chain.c): the
 * same records stored in segments with other bases (first number, base
 * time) and with the origin implied or spelt out hash to the same epoch
 * values, so a copy cut into other segments verifies against the same
 * checkpoints; any change to a record, its number, its time, its origin,
 * their order, the log identity or the epoch boundaries changes the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "chain.h"
#include "testutil.h"

#define N 200

static struct sa_record recs[N];
static struct tu_arena arena;
static const uint8_t id[SA_LOG_ID_LEN] = "0123456789abcdef";

static int
setup(void **state)
{
	(void)state;
	if (sa__sodium_load() < 0)
		return -1;
	struct tu_rng rng;
	tu_rng_seed(&rng, 42);
	tu_arena_init(&arena, 1 << 22);
	for (int i = 0; i < N; i++) {
		tu_random_record(&rng, &arena, &recs[i]);
		recs[i].seq = 1000 + (uint64_t)i;
		recs[i].time_us = INT64_C(1700000000000000) + i * 1000;
		/* a few of another host, as a collector stores them */
		if (i % 17 == 0)
			sa_record_set_cstr(&recs[i], SA_F_ORIGIN, "other");
		else
			sa_record_unset(&recs[i], SA_F_ORIGIN);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_arena_free(&arena);
	return 0;
}

/*
 * Hashes records [from, to) as stored in a segment with these bases;
 * `spell_origin`: the body carries origin "host" explicitly (a writer
 * whose segment origin is another name) instead of implying it.
 */
static void
add(struct sa__chain *c, int from, int to, uint64_t first_seq,
    int64_t base_time, const char *seg_origin, bool spell_origin)
{
	for (int i = from; i < to; i++) {
		struct sa_record r = recs[i];
		if (spell_origin && !sa_record_has(&r, SA_F_ORIGIN))
			sa_record_set_cstr(&r, SA_F_ORIGIN, "host");
		uint8_t body[SA_MAX_RECORD];
		size_t n;
		assert_int_equal(sa_record_encode(&r, first_seq, base_time,
						  body, sizeof body, &n),
				 0);
		uint64_t seq;
		assert_int_equal(sa__chain_add_body(c, body, n, first_seq,
						    base_time, seg_origin,
						    strlen(seg_origin), &seq),
				 0);
		assert_int_equal(seq, recs[i].seq);
	}
}

/* The reference: one segment, origin implied; epochs closed at cuts. */
static void
reference(uint8_t out[][SA_CHAIN_LEN], const int *cuts, int ncuts)
{
	struct sa__chain c;
	assert_int_equal(sa__chain_start(&c, id, "host", 4, 1000), 0);
	int from = 0;
	for (int k = 0; k < ncuts; k++) {
		add(&c, from, cuts[k], 1000, INT64_C(1700000000000000), "host",
		    false);
		sa__chain_close(&c);
		memcpy(out[k], c.value, SA_CHAIN_LEN);
		from = cuts[k];
	}
}

static void
same_records_other_segments_same_values(void **state)
{
	(void)state;
	static const int cuts[] = {50, 120, 200};
	uint8_t want[3][SA_CHAIN_LEN];
	reference(want, cuts, 3);
	/*
	 * The copy: segments starting at 1000, 1033, 1090, 1150 (other bases,
	 * each its own base time), the origin spelt out in the third one (a
	 * segment of origin "relay"), epochs closed at the same numbers.
	 */
	static const int seg_start[] = {0, 33, 90, 150, 200};
	struct sa__chain c;
	assert_int_equal(sa__chain_start(&c, id, "host", 4, 1000), 0);
	int k = 0;
	for (int s = 0; s < 4; s++) {
		int a = seg_start[s], b = seg_start[s + 1];
		const char *o = s == 2 ? "relay" : "host";
		for (int i = a; i < b; i++) {
			add(&c, i, i + 1, 1000 + (uint64_t)a,
			    INT64_C(1690000000000000) + a, o, s == 2);
			if (i + 1 == cuts[k]) {
				sa__chain_close(&c);
				assert_memory_equal(c.value, want[k],
						    SA_CHAIN_LEN);
				assert_int_equal(c.seq, 1000 + cuts[k] - 1);
				k++;
			}
		}
	}
	assert_int_equal(k, 3);
	/* Resumed from a closed value, the chain goes on alike. */
	struct sa__chain r;
	assert_int_equal(sa__chain_resume(&r, 1000 + 49, want[0]), 0);
	add(&r, 50, 120, 1050, 0, "host", false);
	sa__chain_close(&r);
	assert_memory_equal(r.value, want[1], SA_CHAIN_LEN);
}

static void
every_change_changes_the_value(void **state)
{
	(void)state;
	static const int cut[] = {N};
	uint8_t want[1][SA_CHAIN_LEN];
	reference(want, cut, 1);
	for (int t = 0; t < 6; t++) {
		struct sa_record saved[2] = {recs[7], recs[8]};
		uint8_t other_id[SA_LOG_ID_LEN];
		memcpy(other_id, id, sizeof other_id);
		const char *origin = "host";
		switch (t) {
		case 0: /* a field altered */
			sa_record_set_cstr(&recs[7], SA_F_PROGRAM, "/bin/evil");
			break;
		case 1: /* two records swapped, their numbers kept */
			recs[7] = saved[1];
			recs[8] = saved[0];
			recs[7].seq = saved[0].seq;
			recs[8].seq = saved[1].seq;
			break;
		case 2: /* a time changed by a microsecond */
			recs[7].time_us++;
			break;
		case 3: /* another log's identity */
			other_id[0] ^= 1;
			break;
		case 4: /* another host name */
			origin = "hosT";
			break;
		case 5: /* a record renumbered */
			recs[7].seq++;
			break;
		}
		struct sa__chain c;
		assert_int_equal(
		    sa__chain_start(&c, other_id, origin, strlen(origin), 1000),
		    0);
		add(&c, 0, N, 1000, 0, origin, false);
		sa__chain_close(&c);
		if (t != 5 || recs[7].status != saved[0].status)
			assert_memory_not_equal(c.value, want[0], SA_CHAIN_LEN);
		recs[7] = saved[0];
		recs[8] = saved[1];
	}
	/* Closing the epochs elsewhere gives other values. */
	static const int cuts[] = {100, N};
	uint8_t two[2][SA_CHAIN_LEN];
	reference(two, cuts, 2);
	assert_memory_not_equal(two[1], want[0], SA_CHAIN_LEN);
}

static void
malformed_bodies_are_refused(void **state)
{
	(void)state;
	struct sa__chain c;
	assert_int_equal(sa__chain_start(&c, id, "host", 4, 1), 0);
	uint64_t seq;
	static const uint8_t shorty[] = {1, 'S', 0};
	assert_int_equal(
	    sa__chain_add_body(&c, shorty, sizeof shorty, 1, 0, "h", 1, &seq),
	    SA_ECORRUPT);
	/* a string field whose length runs past the body */
	static const uint8_t over[] = {1, 'S', 0, 0, (1 << 3) | 2, 50, 'x'};
	assert_int_equal(
	    sa__chain_add_body(&c, over, sizeof over, 1, 0, "h", 1, &seq),
	    SA_ECORRUPT);
	/* a varint that never ends */
	static const uint8_t endless[] = {1, 'S', 0x80, 0x80, 0x80, 0x80};
	assert_int_equal(
	    sa__chain_add_body(&c, endless, sizeof endless, 1, 0, "h", 1, &seq),
	    SA_ECORRUPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_records_other_segments_same_values),
	    cmocka_unit_test(every_change_changes_the_value),
	    cmocka_unit_test(malformed_bodies_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
