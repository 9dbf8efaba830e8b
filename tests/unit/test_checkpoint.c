/*
 * test_checkpoint.c - signed checkpoints and the evolving sealing key
 * (lib/checkpoint.c): payloads round-trip; a signature covers every byte
 * before it, so changing any of them (or verifying with another key)
 * fails; each epoch's checkpoint certifies the next epoch's key, which is
 * the key the evolved state signs with; a key state copied at a later
 * epoch cannot sign for an earlier one; the decoder refuses every
 * malformed payload by its shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "checkpoint.h"

static struct sa__ckpt
sample(void)
{
	struct sa__ckpt c = {0};
	memcpy(c.log_id, "0123456789abcdef", SA_LOG_ID_LEN);
	c.epoch = 1;
	c.seq = 123456789;
	c.time_us = INT64_C(1700000000123456);
	for (int i = 0; i < SA_CHAIN_LEN; i++)
		c.chain[i] = (uint8_t)(i * 7 + 1);
	return c;
}

static void
round_trip_unsigned_and_signed(void **state)
{
	(void)state;
	struct sa__ckpt c = sample(), d;
	uint8_t buf[SA_CKPT_MAX];
	int n = sa__ckpt_encode(&c, NULL, buf);
	assert_true(n > 0);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.seq, c.seq);
	assert_int_equal(d.time_us, c.time_us);
	assert_memory_equal(d.chain, c.chain, SA_CHAIN_LEN);
	struct sa__sealkey k;
	assert_int_equal(sa__sealkey_new(&k), 0);
	c.epoch = 99; /* the key's epoch wins */
	n = sa__ckpt_encode(&c, &k, buf);
	assert_true(n > 0 && n <= SA_CKPT_MAX);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.epoch, 1);
	assert_true(d.flags & SA_CKPT_F_SIGNED);
	assert_memory_equal(d.next_pk, k.next_pk, SA_PK_LEN);
	assert_int_equal(sa__ckpt_verify(&d, buf, k.pk), 0);
	/* Unsigned checkpoints do not verify. */
	n = sa__ckpt_encode(&c, NULL, buf);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(sa__ckpt_verify(&d, buf, k.pk), SA_ECORRUPT);
	sa__sealkey_wipe(&k);
}

static void
every_signed_byte_counts(void **state)
{
	(void)state;
	struct sa__sealkey k, other;
	assert_int_equal(sa__sealkey_new(&k), 0);
	assert_int_equal(sa__sealkey_new(&other), 0);
	struct sa__ckpt c = sample(), d;
	uint8_t buf[SA_CKPT_MAX];
	int n = sa__ckpt_encode(&c, &k, buf);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
	assert_int_not_equal(sa__ckpt_verify(&d, buf, other.pk), 0);
	for (int i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++) {
			uint8_t t[SA_CKPT_MAX];
			memcpy(t, buf, (size_t)n);
			t[i] ^= (uint8_t)(1u << bit);
			struct sa__ckpt e;
			if (sa__ckpt_decode(t, (size_t)n, &e) != 0)
				continue; /* refused by its shape */
			if ((size_t)i < d.base_len) {
				assert_int_not_equal(
				    sa__ckpt_verify(&e, t, k.pk), 0);
				continue;
			}
			/* A skip certificate: outside the checkpoint's
			 * signature, each signed on its own. */
			assert_int_equal(sa__ckpt_verify(&e, t, k.pk), 0);
			bool bad = false;
			for (unsigned j = 0; j < e.nskip; j++)
				bad |= sa__skip_verify(&e.skip[j], k.pk) != 0;
			assert_true(bad);
		}
	sa__sealkey_wipe(&k);
	sa__sealkey_wipe(&other);
}

static void
epochs_certify_the_next_key_and_only_move_forward(void **state)
{
	(void)state;
	struct sa__sealkey k;
	assert_int_equal(sa__sealkey_new(&k), 0);
	uint8_t first_pk[SA_PK_LEN], seed1[SA_SEED_LEN];
	memcpy(first_pk, k.pk, SA_PK_LEN);
	memcpy(seed1, k.seed, SA_SEED_LEN);
	/* The verifier's walk: from the first key through three epochs. */
	uint8_t trusted[SA_PK_LEN], pk2[SA_PK_LEN];
	memcpy(trusted, first_pk, SA_PK_LEN);
	for (int e = 1; e <= 3; e++) {
		struct sa__ckpt c = sample(), d;
		c.seq = (uint64_t)e * 100;
		uint8_t buf[SA_CKPT_MAX];
		int n = sa__ckpt_encode(&c, &k, buf);
		assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
		assert_int_equal(d.epoch, (uint64_t)e);
		assert_int_equal(sa__ckpt_verify(&d, buf, trusted), 0);
		memcpy(trusted, d.next_pk, SA_PK_LEN);
		if (e == 1)
			memcpy(pk2, d.next_pk, SA_PK_LEN);
		assert_int_equal(sa__sealkey_evolve(&k), 0);
		assert_memory_equal(k.pk, trusted, SA_PK_LEN);
	}
	assert_int_equal(k.epoch, 4);
	assert_memory_not_equal(k.seed, seed1, SA_SEED_LEN);
	/* The same seed at the same epoch gives the same key (restarts). */
	struct sa__sealkey again;
	assert_int_equal(sa__sealkey_from_seed(&again, seed1, 1), 0);
	assert_memory_equal(again.pk, first_pk, SA_PK_LEN);
	/*
	 * An intruder holding the state of epoch 4 signs a checkpoint that
	 * claims epoch 2: it does not verify under the key epoch 1
	 * certified for epoch 2.
	 */
	struct sa__ckpt c = sample(), d;
	uint8_t buf[SA_CKPT_MAX];
	int n = sa__ckpt_encode(&c, &k, buf);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), 0);
	assert_int_not_equal(sa__ckpt_verify(&d, buf, pk2), 0);
	sa__sealkey_wipe(&k);
	sa__sealkey_wipe(&again);
	uint8_t zero[sizeof k] = {0};
	assert_memory_equal(&k, zero, sizeof k);
}

static void
malformed_payloads_are_refused(void **state)
{
	(void)state;
	struct sa__ckpt c = sample(), d;
	uint8_t buf[SA_CKPT_MAX + 1];
	int n = sa__ckpt_encode(&c, NULL, buf);
	for (int len = 0; len < n; len++)
		assert_int_equal(sa__ckpt_decode(buf, (size_t)len, &d),
				 SA_ECORRUPT);
	buf[n] = 0;
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n + 1, &d), SA_ECORRUPT);
	uint8_t t[SA_CKPT_MAX];
	memcpy(t, buf, (size_t)n);
	t[0] = 2;
	assert_int_equal(sa__ckpt_decode(t, (size_t)n, &d), SA_EVERSION);
	t[0] = 0;
	assert_int_equal(sa__ckpt_decode(t, (size_t)n, &d), SA_ECORRUPT);
	memcpy(t, buf, (size_t)n);
	t[1] = 0x04; /* an unknown flag */
	assert_int_equal(sa__ckpt_decode(t, (size_t)n, &d), SA_ECORRUPT);
	memcpy(t, buf, (size_t)n);
	t[1] = SA_CKPT_F_SIGNED; /* signed, without key and signature */
	assert_int_equal(sa__ckpt_decode(t, (size_t)n, &d), SA_ECORRUPT);
	c.epoch = 0;
	n = sa__ckpt_encode(&c, NULL, buf);
	assert_int_equal(sa__ckpt_decode(buf, (size_t)n, &d), SA_ECORRUPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_unsigned_and_signed),
	    cmocka_unit_test(every_signed_byte_counts),
	    cmocka_unit_test(epochs_certify_the_next_key_and_only_move_forward),
	    cmocka_unit_test(malformed_payloads_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
