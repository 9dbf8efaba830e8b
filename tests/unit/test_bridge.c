/*
 * test_bridge.c - the key bridge over epochs removed by retention
 * (lib/bridge.c) and the skip certificates it is made of
 * (lib/checkpoint.c): a key evolved over thousands of epochs, its
 * checkpoints removed by retention at random points, each bridge made
 * only from the last one and the checkpoints being removed, as the
 * writer does; every bridge leads from the first key to exactly the key
 * of the first epoch left and stays short; a changed byte, another
 * first key or a certificate left out is never accepted; the byte form
 * round-trips and refuses what it cannot be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "bridge.h"
#include "checkpoint.h"
#include "testutil.h"

#define EPOCHS 5000

struct epoch {
	uint8_t payload[SA_CKPT_MAX];
	size_t len;
	struct sa__ckpt k;
	uint8_t pk[SA_PK_LEN];
};

static struct epoch *E; /* E[e] for e = 1..EPOCHS */

static int
setup(void **state)
{
	(void)state;
	E = calloc(EPOCHS + 2, sizeof *E);
	struct sa__sealkey key;
	if (E == NULL || sa__sealkey_new(&key) != 0)
		return -1;
	for (uint64_t e = 1; e <= EPOCHS + 1; e++) {
		struct sa__ckpt c = {0};
		memcpy(c.log_id, "0123456789abcdef", SA_LOG_ID_LEN);
		c.seq = e * 10;
		memcpy(E[e].pk, key.pk, SA_PK_LEN);
		int n = sa__ckpt_encode(&c, &key, E[e].payload);
		if (n <= 0 ||
		    sa__ckpt_decode(E[e].payload, (size_t)n, &E[e].k) != 0)
			return -1;
		E[e].len = (size_t)n;
		if (sa__sealkey_evolve(&key) != 0)
			return -1;
	}
	sa__sealkey_wipe(&key);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(E);
	return 0;
}

static void
skips_are_due_signed_and_certify_the_right_keys(void **state)
{
	(void)state;
	for (uint64_t e = 1; e <= EPOCHS; e++) {
		const struct sa__ckpt *k = &E[e].k;
		unsigned want = 0;
		for (unsigned i = 1; i <= SA_SKIP_LEVELS; i++)
			want += sa__skip_due(e, i);
		assert_int_equal(k->nskip, want);
		for (unsigned i = 0; i < k->nskip; i++) {
			const struct sa__skip *s = &k->skip[i];
			uint64_t to = e + (UINT64_C(1) << s->level);
			assert_int_equal(sa__skip_verify(s, E[e].pk), 0);
			if (to <= EPOCHS)
				assert_memory_equal(s->pk, E[to].pk, SA_PK_LEN);
			/* Another epoch's key does not sign it. */
			assert_int_equal(sa__skip_verify(s, E[e + 1].pk),
					 SA_ECORRUPT);
		}
	}
	/* The first epoch certifies every level. */
	assert_int_equal(E[1].k.nskip, SA_SKIP_LEVELS);
}

static void
retention_at_random_points_always_bridges(void **state)
{
	(void)state;
	struct tu_rng rng;
	tu_rng_seed(&rng, 20261204);
	struct sa__bridge b = {0};
	uint64_t first = 1; /* the first epoch still in the log */
	size_t longest = 0;
	while (first < EPOCHS) {
		/* Retention removes the epochs first .. last. */
		uint64_t last = first + tu_rng_below(&rng, 300);
		if (last >= EPOCHS)
			last = EPOCHS - 1;
		for (uint64_t e = first; e <= last; e++)
			assert_int_equal(
			    sa__bridge_add(&b, &E[e].k, E[e].payload), 0);
		assert_int_equal(sa__bridge_trim(&b, last + 1), 0);
		/* What is kept goes through the byte form, as on disk. */
		uint8_t *enc;
		size_t len;
		assert_int_equal(sa__bridge_encode(&b, &enc, &len), 0);
		sa__bridge_free(&b);
		assert_int_equal(sa__bridge_decode(enc, len, &b), 0);
		free(enc);
		if (len > longest)
			longest = len;
		uint8_t pk[SA_PK_LEN];
		assert_int_equal(sa__bridge_walk(&b, E[1].pk, pk), 0);
		assert_memory_equal(pk, E[last + 1].pk, SA_PK_LEN);
		/* Never another first key. */
		assert_int_equal(sa__bridge_walk(&b, E[2].pk, pk), SA_EBADSIG);
		assert_true(b.n <= 2 * SA_SKIP_LEVELS + 2);
		first = last + 1;
	}
	printf("# longest bridge over %d epochs: %zu bytes\n", EPOCHS, longest);
	assert_true(longest < 6000);
	sa__bridge_free(&b);
}

static void
damaged_or_incomplete_bridges_fail(void **state)
{
	(void)state;
	struct sa__bridge b = {0};
	for (uint64_t e = 1; e <= 1234; e++)
		assert_int_equal(sa__bridge_add(&b, &E[e].k, E[e].payload), 0);
	assert_int_equal(sa__bridge_trim(&b, 1235), 0);
	uint8_t *enc;
	size_t len;
	assert_int_equal(sa__bridge_encode(&b, &enc, &len), 0);
	uint8_t pk[SA_PK_LEN];
	/* Every byte after the header counts: no changed byte walks to
	 * the right key (it fails, or it is a certificate not needed). */
	for (size_t i = 3; i < len; i++) {
		uint8_t *t = malloc(len);
		memcpy(t, enc, len);
		t[i] ^= 0x20;
		struct sa__bridge d;
		if (sa__bridge_decode(t, len, &d) == 0) {
			int rc = sa__bridge_walk(&d, E[1].pk, pk);
			assert_true(rc != 0 ||
				    memcmp(pk, E[1235].pk, SA_PK_LEN) == 0);
			if (rc == 0)
				assert_int_equal(d.target, 1235);
			sa__bridge_free(&d);
		}
		free(t);
	}
	/* Truncated: refused whole. */
	for (size_t n = 0; n < len; n++) {
		struct sa__bridge d;
		assert_int_not_equal(sa__bridge_decode(enc, n, &d), 0);
	}
	free(enc);
	/* A certificate of the path left out: a step is missing. */
	for (size_t i = 0; i < b.n; i++) {
		struct sa__bridge d = {0};
		d.target = b.target;
		d.c = calloc(b.n, sizeof *d.c);
		for (size_t j = 0; j < b.n; j++)
			if (j != i)
				d.c[d.n++] = b.c[j];
		int rc = sa__bridge_walk(&d, E[1].pk, pk);
		assert_true(rc == 0 || rc == SA_ENOCKPT);
		sa__bridge_free(&d);
	}
	/* A trim that cannot reach its target keeps the bridge whole. */
	size_t n = b.n;
	assert_int_equal(sa__bridge_trim(&b, 4000), SA_ENOCKPT);
	assert_int_equal(b.n, n);
	assert_int_equal(b.target, 1235);
	sa__bridge_free(&b);
	/* None at all: epoch 1 is the first key itself. */
	assert_int_equal(sa__bridge_trim(&b, 1), 0);
	assert_int_equal(sa__bridge_walk(&b, E[1].pk, pk), 0);
	assert_memory_equal(pk, E[1].pk, SA_PK_LEN);
	sa__bridge_free(&b);
}

static void
skip_sections_are_checked_by_shape(void **state)
{
	(void)state;
	struct sa__ckpt d;
	/* Epoch 5: (5 - 1) is a multiple of 4, so levels 1 and 2. */
	uint8_t t[SA_CKPT_MAX];
	size_t n = E[5].len;
	memcpy(t, E[5].payload, n);
	assert_int_equal(E[5].k.nskip, 2);
	size_t at = E[5].k.base_len;
	assert_int_equal(t[at], 2);
	t[at + 1] = 3; /* level 3 is not due at epoch 5 */
	assert_int_equal(sa__ckpt_decode(t, n, &d), SA_ECORRUPT);
	memcpy(t, E[5].payload, n);
	t[at] = 3; /* a count the bytes do not hold */
	assert_int_equal(sa__ckpt_decode(t, n, &d), SA_ECORRUPT);
	memcpy(t, E[5].payload, n);
	t[at] = 0;
	assert_int_equal(sa__ckpt_decode(t, n, &d), SA_ECORRUPT);
	/* Without the skips the checkpoint still verifies: they are
	 * outside its signature. */
	assert_int_equal(sa__ckpt_decode(E[5].payload, at, &d), 0);
	assert_int_equal(sa__ckpt_verify(&d, E[5].payload, E[5].pk), 0);
	assert_int_equal(d.nskip, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(skips_are_due_signed_and_certify_the_right_keys),
	    cmocka_unit_test(retention_at_random_points_always_bridges),
	    cmocka_unit_test(damaged_or_incomplete_bridges_fail),
	    cmocka_unit_test(skip_sections_are_checked_by_shape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
