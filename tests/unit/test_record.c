/*
 * test_record.c - the record model: each validation failure is a distinct
 * named error naming the field; the binary codec round-trips random
 * hostile records exactly and refuses every truncation of a body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

static void
seed_login(struct sa_record *r)
{
	sa_record_init(r);
	r->event = SA_EV_LOGIN;
	r->status = 'P';
	r->time_us = INT64_C(1225196101000000);
	sa_record_set_cstr(r, SA_F_USER, "root");
	sa_record_set_cstr(r, SA_F_TERMINAL, "_CRONJOB_");
	sa_record_set_int(r, SA_F_STAGE, 59);
}

static void
test_validation_errors(void **state)
{
	(void)state;
	struct sa_record r;
	enum sa_field bad;
	seed_login(&r);
	assert_int_equal(sa_record_validate(&r, &bad), 0);

	r.status = 'U'; /* untrust letter on a login */
	assert_int_equal(sa_record_validate(&r, &bad), SA_EBADSTATUS);
	r.status = 'P';

	sa_record_unset(&r, SA_F_USER);
	assert_int_equal(sa_record_validate(&r, &bad), SA_EMISSING);
	assert_int_equal(bad, SA_F_USER);
	sa_record_set_cstr(&r, SA_F_USER, "root");

	char big[SA_MAX_PATH + 2];
	memset(big, 'x', sizeof big);
	assert_int_equal(sa_record_set_str(&r, SA_F_RESOURCE, big, SA_MAX_PATH),
			 0);
	assert_int_equal(
	    sa_record_set_str(&r, SA_F_RESOURCE, big, SA_MAX_PATH + 1),
	    SA_ETOOLONG);
	assert_int_equal(sa_record_set_str(&r, SA_F_USER, big, SA_MAX_NAME + 1),
			 SA_ETOOLONG);
	/* Bypassing the setter is still caught by validation. */
	r.str[SA_F_USER].len = SA_MAX_NAME + 1;
	r.str[SA_F_USER].ptr = (const uint8_t *)big;
	assert_int_equal(sa_record_validate(&r, &bad), SA_ETOOLONG);
	assert_int_equal(bad, SA_F_USER);
	sa_record_set_cstr(&r, SA_F_USER, "root");

	assert_int_equal(sa_record_set_int(&r, SA_F_PORT, 70000), SA_ERANGE);
	assert_int_equal(sa_record_set_int(&r, SA_F_USER, 1), SA_ETYPE);
	r.event = 99;
	assert_int_equal(sa_record_validate(&r, &bad), SA_EBADEVENT);
	r.event = SA_EV_LOGIN;
	r.time_us = -1;
	assert_int_equal(sa_record_validate(&r, &bad), SA_EBADTIME);

	/* Distinct names and messages. */
	assert_string_equal(sa_errname(SA_EBADSTATUS), "SA_EBADSTATUS");
	assert_string_not_equal(sa_strerror(SA_ETOOLONG),
				sa_strerror(SA_EMISSING));
	assert_string_equal(sa_errname(-ENOENT), "ENOENT");
}

static void
test_event_tables(void **state)
{
	(void)state;
	static const char *const names[] = {"login",
					    "logout",
					    "account_enabled",
					    "account_disabled",
					    "password_attempt",
					    "resource",
					    "untrust",
					    "inbound",
					    "outbound",
					    "admin",
					    "startup",
					    "shutdown",
					    "password_verify",
					    "trace",
					    "loss",
					    "retention"};
	for (int e = 1; e < SA_EV__COUNT; e++) {
		assert_string_equal(sa_event_json((enum sa_event)e),
				    names[e - 1]);
		assert_int_equal(
		    sa_event_by_json(names[e - 1], strlen(names[e - 1])), e);
	}
	assert_string_equal(sa_event_statuses(SA_EV_RESOURCE), "PDWNFC");
	assert_string_equal(sa_event_statuses(SA_EV_ADMIN), "SFDC");
	assert_true(sa_status_allowed(SA_EV_LOGOUT, 'O'));
	assert_false(sa_status_allowed(SA_EV_LOGOUT, 'P'));
	assert_int_equal(sa_field_by_name("effective_user", 14),
			 SA_F_EFFECTIVE_USER);
	assert_int_equal(sa_field_by_name("statu", 5), SA_F_NONE);
}

static void
test_codec_roundtrip(void **state)
{
	(void)state;
	struct tu_rng rng;
	struct tu_arena a;
	tu_rng_seed(&rng, 42);
	tu_arena_init(&a, 1 << 20);
	static uint8_t buf[SA_MAX_RECORD + 64];
	for (int i = 0; i < 20000; i++) {
		struct sa_record r, d;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		r.seq = 1000 + (uint64_t)i;
		int64_t base = (int64_t)tu_rng_below(&rng, 4102444800000000);
		size_t n;
		assert_int_equal(
		    sa_record_encode(&r, 1000, base, buf, sizeof buf, &n), 0);
		assert_int_equal(sa_record_decode(buf, n, 1000, base, &d), 0);
		assert_true(sa_record_equal(&r, &d));
		/* Every strict prefix is refused or decodes to a different
		 * record, never read out of bounds (ASan checks that). */
		for (size_t k = 0; k < n; k += 1 + n / 16) {
			struct sa_record t;
			if (sa_record_decode(buf, k, 1000, base, &t) == 0)
				assert_false(sa_record_equal(&r, &t));
		}
	}
	tu_arena_free(&a);
}

static void
test_unknown_field_skipped(void **state)
{
	(void)state;
	struct sa_record r, d;
	seed_login(&r);
	uint8_t buf[512];
	size_t n;
	assert_int_equal(sa_record_encode(&r, 0, 0, buf, sizeof buf, &n), 0);
	/* A later version's field 40 (bytes) and field 41 (varint). */
	uint8_t ext[] = {0xc2, 0x02, 3, 'a', 'b', 'c', 0xc8, 0x02, 0x7f};
	memcpy(buf + n, ext, sizeof ext);
	assert_int_equal(sa_record_decode(buf, n + sizeof ext, 0, 0, &d), 0);
	assert_true(sa_record_equal(&r, &d));
	assert_int_equal(sa_record_encode(&r, 0, 0, buf, 10, &n), SA_ENOSPACE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validation_errors),
	    cmocka_unit_test(test_event_tables),
	    cmocka_unit_test(test_codec_roundtrip),
	    cmocka_unit_test(test_unknown_field_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
