/*
 * test_filter.c - unit tests of lib/filter.c: wildcard masks (against a
 * naive recursive reference on random inputs, and on inputs that make
 * naive matchers backtrack exponentially), mask lists, and every kind of
 * filter condition alone and combined.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <seaudit/error.h>
#include <seaudit/filter.h>
#include <seaudit/record.h>

#include "testutil.h"

static bool
m(const char *mask, const char *s)
{
	return sa_mask_match(mask, strlen(mask), (const uint8_t *)s, strlen(s));
}

/* Obviously-correct (and exponential) reference matcher. */
static bool
ref_match(const char *mk, size_t ml, const char *s, size_t sl)
{
	if (ml == 0)
		return sl == 0;
	if (mk[0] == '*')
		return ref_match(mk + 1, ml - 1, s, sl) ||
		       (sl > 0 && ref_match(mk, ml, s + 1, sl - 1));
	if (sl == 0)
		return false;
	if (mk[0] == '?' || mk[0] == s[0])
		return ref_match(mk + 1, ml - 1, s + 1, sl - 1);
	return false;
}

static void
test_mask_basics(void **state)
{
	(void)state;
	assert_true(m("root", "root"));
	assert_false(m("root", "roo"));
	assert_false(m("root", "roots"));
	assert_true(m("*", ""));
	assert_true(m("*", "anything"));
	assert_true(m("**", "x"));
	assert_true(m("", ""));
	assert_false(m("", "x"));
	assert_true(m("r?ot", "root"));
	assert_false(m("r?ot", "rot"));
	assert_true(m("/tmp/*", "/tmp/one"));
	assert_true(m("/tmp/*", "/tmp/"));
	assert_false(m("/tmp/*", "/tmp"));
	assert_true(m("*.log", "a.log"));
	assert_false(m("*.log", "a.log.1"));
	assert_true(m("a*b*c", "aXXbYYc"));
	assert_true(m("a*b*c", "abc"));
	assert_false(m("a*b*c", "acb"));
	assert_true(m("*a*", "bab"));
	assert_true(m("?", "x"));
	assert_false(m("?", ""));
	assert_false(m("?", "xy"));
	/* Case-sensitive, byte-wise. */
	assert_false(m("Root", "root"));
	/* NUL and high bytes are ordinary bytes. */
	const uint8_t s[] = {'a', 0, 0xff, 'b'};
	assert_true(sa_mask_match("a??b", 4, s, sizeof s));
	assert_true(sa_mask_match("a*", 2, s, sizeof s));
	assert_false(sa_mask_match("a?b", 3, s, sizeof s));
}

static void
test_mask_against_reference(void **state)
{
	(void)state;
	struct tu_rng rng;
	tu_rng_seed(&rng, 42);
	static const char malpha[] = "ab*?";
	static const char salpha[] = "abc";
	char mk[12], s[14];

	for (int iter = 0; iter < 200000; iter++) {
		size_t ml = (size_t)tu_rng_below(&rng, sizeof mk);
		size_t sl = (size_t)tu_rng_below(&rng, sizeof s);
		for (size_t i = 0; i < ml; i++)
			mk[i] = malpha[tu_rng_below(&rng, 4)];
		for (size_t i = 0; i < sl; i++)
			s[i] = salpha[tu_rng_below(&rng, 3)];
		bool want = ref_match(mk, ml, s, sl);
		bool got = sa_mask_match(mk, ml, (const uint8_t *)s, sl);
		if (want != got)
			fail_msg("mask \"%.*s\" on \"%.*s\": want %d got %d",
				 (int)ml, mk, (int)sl, s, want, got);
	}
}

/* Inputs that take a backtracking matcher exponential time. */
static void
test_mask_no_exponential_backtracking(void **state)
{
	(void)state;
	static char s[20001];
	memset(s, 'a', sizeof s - 1);
	const char *mask = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";

	clock_t t0 = clock();
	for (int i = 0; i < 10; i++)
		assert_false(m(mask, s));
	assert_true(m("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", s));
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	/* Polynomial: well under a second; exponential: never finishes. */
	assert_true(secs < 5.0);
}

static void
make_login(struct sa_record *r, const char *user, const char *term)
{
	sa_record_init(r);
	r->event = SA_EV_LOGIN;
	r->status = 'P';
	r->time_us = INT64_C(1225196101000000); /* 2008-10-28T12:15:01Z */
	assert_int_equal(sa_record_set_cstr(r, SA_F_USER, user), 0);
	if (term != NULL)
		assert_int_equal(sa_record_set_cstr(r, SA_F_TERMINAL, term), 0);
}

static void
test_empty_filter_matches_all(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	make_login(&r, "root", "tty1");
	assert_true(sa_filter_match(f, &r));
	r.event = SA_EV_TRACE;
	r.status = 'W';
	assert_true(sa_filter_match(f, &r));
	sa_filter_free(f);
	sa_filter_free(NULL);
}

static void
test_mask_lists(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	assert_int_equal(sa_filter_field(f, SA_F_USER, "root, adm*,j?e"), 0);
	make_login(&r, "root", "tty1");
	assert_true(sa_filter_match(f, &r));
	make_login(&r, "admabc", "tty1");
	assert_true(sa_filter_match(f, &r));
	make_login(&r, "joe", "tty1");
	assert_true(sa_filter_match(f, &r));
	make_login(&r, "jane", "tty1");
	assert_false(sa_filter_match(f, &r));
	make_login(&r, " root", "tty1");
	assert_false(sa_filter_match(f, &r));

	/* A second condition must also hold; a missing field never matches. */
	assert_int_equal(sa_filter_field(f, SA_F_TERMINAL, "tty*"), 0);
	make_login(&r, "root", "tty7");
	assert_true(sa_filter_match(f, &r));
	make_login(&r, "root", "pts/0");
	assert_false(sa_filter_match(f, &r));
	make_login(&r, "root", NULL);
	assert_false(sa_filter_match(f, &r));
	sa_filter_free(f);

	/* "*" still requires the field to be present. */
	assert_int_equal(sa_filter_new(&f), 0);
	assert_int_equal(sa_filter_field(f, SA_F_TERMINAL, "*"), 0);
	make_login(&r, "root", NULL);
	assert_false(sa_filter_match(f, &r));
	make_login(&r, "root", "");
	assert_true(sa_filter_match(f, &r));
	sa_filter_free(f);
}

static void
test_bad_lists_refused(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	assert_int_equal(sa_filter_field(f, SA_F_USER, ""), SA_EBADMASK);
	assert_int_equal(sa_filter_field(f, SA_F_USER, "a,,b"), SA_EBADMASK);
	assert_int_equal(sa_filter_field(f, SA_F_USER, "a, "), SA_EBADMASK);
	assert_int_equal(sa_filter_field(f, SA_F_USER, ",a"), SA_EBADMASK);
	assert_int_equal(sa_filter_field(f, SA_F_STAGE, "1"), SA_ETYPE);
	assert_int_equal(sa_filter_field(f, SA_F_NONE, "1"), SA_ETYPE);
	assert_int_equal(sa_filter_field(f, SA_F__COUNT, "1"), SA_ETYPE);
	assert_int_equal(sa_filter_statuses(f, ""), SA_EBADMASK);
	assert_int_equal(sa_filter_statuses(f, "P3"), SA_EBADMASK);
	assert_int_equal(sa_filter_without(f, 1, SA_F_NONE), SA_EBADMASK);
	/* Refused conditions leave the filter unchanged. */
	make_login(&r, "root", "tty1");
	assert_true(sa_filter_match(f, &r));
	sa_filter_free(f);
}

static void
test_events_and_statuses(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	sa_filter_events(f, SA_EVBIT(SA_EV_LOGIN) | SA_EVBIT(SA_EV_LOGOUT));
	make_login(&r, "root", "tty1");
	assert_true(sa_filter_match(f, &r));
	r.event = SA_EV_LOGOUT;
	r.status = 'O';
	assert_true(sa_filter_match(f, &r));
	r.event = SA_EV_RESOURCE;
	r.status = 'P';
	assert_false(sa_filter_match(f, &r));
	r.event = 200; /* hostile value: never matches, never overflows */
	assert_false(sa_filter_match(f, &r));

	/* Statuses: lower case and commas accepted, calls intersect. */
	assert_int_equal(sa_filter_statuses(f, "p,d,o"), 0);
	make_login(&r, "root", "tty1");
	assert_true(sa_filter_match(f, &r));
	r.status = 'W';
	assert_false(sa_filter_match(f, &r));
	r.status = '\0';
	assert_false(sa_filter_match(f, &r));
	assert_int_equal(sa_filter_statuses(f, "DW"), 0);
	r.status = 'P';
	assert_false(sa_filter_match(f, &r));
	r.status = 'D';
	assert_true(sa_filter_match(f, &r));

	/* Events intersect too. */
	sa_filter_events(f, SA_EVBIT(SA_EV_LOGOUT));
	assert_false(sa_filter_match(f, &r));
	sa_filter_free(f);
}

static void
test_time_window(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	sa_filter_time(f, 1000, 2000);
	make_login(&r, "root", "tty1");
	r.time_us = 999;
	assert_false(sa_filter_match(f, &r));
	r.time_us = 1000;
	assert_true(sa_filter_match(f, &r));
	r.time_us = 1999;
	assert_true(sa_filter_match(f, &r));
	r.time_us = 2000; /* until is exclusive */
	assert_false(sa_filter_match(f, &r));
	/* A later call narrows: open ends keep the other bound. */
	sa_filter_time(f, 1500, INT64_MAX);
	r.time_us = 1400;
	assert_false(sa_filter_match(f, &r));
	r.time_us = 1600;
	assert_true(sa_filter_match(f, &r));
	sa_filter_free(f);
}

static void
test_without_connected_tcp(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	assert_int_equal(sa_filter_without(f,
					   SA_EVBIT(SA_EV_INBOUND) |
					       SA_EVBIT(SA_EV_OUTBOUND),
					   SA_F_PORT),
			 0);
	sa_record_init(&r);
	r.event = SA_EV_INBOUND;
	r.status = 'P';
	assert_int_equal(sa_record_set_cstr(&r, SA_F_HOST, "h"), 0);
	assert_true(sa_filter_match(f, &r));
	assert_int_equal(sa_record_set_int(&r, SA_F_PORT, 23), 0);
	assert_false(sa_filter_match(f, &r));
	r.event = SA_EV_OUTBOUND;
	assert_false(sa_filter_match(f, &r));
	/* Other events that carry the field are not affected. */
	r.event = SA_EV_RESOURCE;
	assert_true(sa_filter_match(f, &r));
	sa_filter_free(f);
}

static void
test_many_conditions(void **state)
{
	(void)state;
	struct sa_filter *f;
	struct sa_record r;

	assert_int_equal(sa_filter_new(&f), 0);
	sa_record_init(&r);
	r.event = SA_EV_RESOURCE;
	r.status = 'D';
	assert_int_equal(sa_record_set_cstr(&r, SA_F_CLASS, "FILE"), 0);
	assert_int_equal(sa_record_set_cstr(&r, SA_F_USER, "admabc"), 0);
	assert_int_equal(sa_record_set_cstr(&r, SA_F_RESOURCE, "/tmp/one"), 0);
	assert_int_equal(
	    sa_record_set_cstr(&r, SA_F_PROGRAM, "/usr/local/bin/tcsh"), 0);
	assert_int_equal(sa_filter_field(f, SA_F_CLASS, "FILE"), 0);
	assert_int_equal(sa_filter_field(f, SA_F_RESOURCE, "/tmp/*"), 0);
	assert_int_equal(sa_filter_field(f, SA_F_USER, "root,adm*"), 0);
	assert_int_equal(sa_filter_field(f, SA_F_PROGRAM, "*/tcsh"), 0);
	assert_int_equal(sa_filter_statuses(f, "D"), 0);
	assert_true(sa_filter_match(f, &r));
	assert_int_equal(sa_filter_field(f, SA_F_PROGRAM, "*/bash"), 0);
	assert_false(sa_filter_match(f, &r));
	sa_filter_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask_basics),
	    cmocka_unit_test(test_mask_against_reference),
	    cmocka_unit_test(test_mask_no_exponential_backtracking),
	    cmocka_unit_test(test_empty_filter_matches_all),
	    cmocka_unit_test(test_mask_lists),
	    cmocka_unit_test(test_bad_lists_refused),
	    cmocka_unit_test(test_events_and_statuses),
	    cmocka_unit_test(test_time_window),
	    cmocka_unit_test(test_without_connected_tcp),
	    cmocka_unit_test(test_many_conditions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
