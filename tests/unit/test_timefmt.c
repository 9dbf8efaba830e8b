/*
 * test_timefmt.c - RFC 3339 formatting and parsing, and the viewer's
 * local date/clock split (lib/timefmt.c).
 *
 * The formatter is checked against gmtime_r on random instants across the
 * whole range, the parser against the formatter (round trip) and against
 * hand-computed offsets, and every prefix of valid inputs must be refused
 * without reading past the given length (run under ASan in the asan
 * preset).  Local parts use POSIX TZ strings so no tzdata is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <seaudit/error.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "testutil.h"

static int64_t
parse_ok(const char *s)
{
	int64_t us = -1;
	int rc = sa_time_parse_rfc3339(s, strlen(s), &us);
	if (rc != 0)
		fail_msg("parse of \"%s\" failed: %d", s, rc);
	return us;
}

static void
parse_bad(const char *s)
{
	int64_t us = 42;
	int rc = sa_time_parse_rfc3339(s, strlen(s), &us);
	if (rc != SA_EBADTIME)
		fail_msg("\"%s\" accepted (rc %d, us %lld)", s, rc,
			 (long long)us);
	assert_int_equal(us, 42); /* untouched on failure */
}

static void
format_is(int64_t us, const char *want)
{
	char buf[SA_RFC3339_MAX];
	int n = sa_time_format_rfc3339(us, buf);
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

static void
test_format_fixed(void **state)
{
	(void)state;
	format_is(0, "1970-01-01T00:00:00Z");
	format_is(1, "1970-01-01T00:00:00.000001Z");
	format_is(999999, "1970-01-01T00:00:00.999999Z");
	format_is(1000000, "1970-01-01T00:00:01Z");
	format_is(INT64_C(1225196101000000), "2008-10-28T12:15:01Z");
	format_is(INT64_C(1225196101120000), "2008-10-28T12:15:01.120000Z");
	format_is(INT64_C(951782400000000), "2000-02-29T00:00:00Z");
	format_is(INT64_C(4107542399000000), "2100-02-28T23:59:59Z");
	format_is(INT64_C(4107542400000000), "2100-03-01T00:00:00Z");
	format_is(SA_TIME_MAX_US, "9999-12-31T23:59:59.999999Z");

	char buf[SA_RFC3339_MAX];
	assert_int_equal(sa_time_format_rfc3339(-1, buf), SA_EBADTIME);
	assert_int_equal(sa_time_format_rfc3339(SA_TIME_MAX_US + 1, buf),
			 SA_EBADTIME);
	assert_int_equal(sa_time_format_rfc3339(INT64_MIN, buf), SA_EBADTIME);
	assert_int_equal(sa_time_format_rfc3339(INT64_MAX, buf), SA_EBADTIME);
}

/* The formatter agrees with the C library over the whole range. */
static void
test_format_vs_gmtime(void **state)
{
	(void)state;
	struct tu_rng rng;
	tu_rng_seed(&rng, 7);
	for (int i = 0; i < 200000; i++) {
		int64_t us =
		    (int64_t)tu_rng_below(&rng, (uint64_t)SA_TIME_MAX_US + 1);
		if (i % 3 == 0)
			us -= us % 1000000;
		char buf[SA_RFC3339_MAX], want[64];
		int n = sa_time_format_rfc3339(us, buf);
		assert_true(n > 0 && n < SA_RFC3339_MAX);
		time_t t = (time_t)(us / 1000000);
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		int w =
		    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (us % 1000000)
			snprintf(want + w, sizeof want - (size_t)w, ".%06dZ",
				 (int)(us % 1000000));
		else
			snprintf(want + w, sizeof want - (size_t)w, "Z");
		assert_string_equal(buf, want);
		assert_int_equal(parse_ok(buf), us);
	}
}

static void
test_parse_offsets(void **state)
{
	(void)state;
	int64_t base = INT64_C(1225196101000000); /* 2008-10-28T12:15:01Z */
	assert_int_equal(parse_ok("2008-10-28T12:15:01Z"), base);
	assert_int_equal(parse_ok("2008-10-28t12:15:01z"), base);
	assert_int_equal(parse_ok("2008-10-28T14:15:01+02:00"), base);
	assert_int_equal(parse_ok("2008-10-28T06:45:01-05:30"), base);
	assert_int_equal(parse_ok("2008-10-28T12:15:01+00:00"), base);
	assert_int_equal(parse_ok("2008-10-28T12:15:01-00:00"), base);
	assert_int_equal(parse_ok("2008-10-29T00:14:01+11:59"), base);
	assert_int_equal(parse_ok("2008-10-27T12:16:01-23:59"), base);
	/* fractions: 1..9 digits, truncated to microseconds */
	assert_int_equal(parse_ok("2008-10-28T12:15:01.5Z"), base + 500000);
	assert_int_equal(parse_ok("2008-10-28T12:15:01.000001Z"), base + 1);
	assert_int_equal(parse_ok("2008-10-28T12:15:01.123456789Z"),
			 base + 123456);
	assert_int_equal(parse_ok("2008-10-28T12:15:01.9999999+01:00"),
			 base - 3600 * INT64_C(1000000) + 999999);
	/* a leap second folds into the next second */
	assert_int_equal(parse_ok("2008-12-31T23:59:60Z"),
			 parse_ok("2009-01-01T00:00:00Z"));
	/* range edges, after the offset is applied */
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1969-12-31T23:30:00-01:00"),
			 30 * 60 * INT64_C(1000000));
	assert_int_equal(parse_ok("9999-12-31T23:59:59.999999Z"),
			 SA_TIME_MAX_US);
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"),
			 INT64_C(951782400000000));
}

static void
test_parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "2008-10-28T12:15:01",
	    "2008-10-28T12:15:01+0200",
	    "2008-10-28T12:15:01+02",
	    "2008-10-28T12:15:01+24:00",
	    "2008-10-28T12:15:01+02:60",
	    "2008-10-28T12:15:01Z ",
	    " 2008-10-28T12:15:01Z",
	    "2008-10-28 12:15:01Z",
	    "2008-10-28T12:15:01.Z",
	    "2008-10-28T12:15:01.1234567890Z",
	    "2008-10-28T12:15:01,5Z",
	    "2008-10-28T24:00:00Z",
	    "2008-10-28T12:60:00Z",
	    "2008-10-28T12:15:61Z",
	    "2008-13-28T12:15:01Z",
	    "2008-00-28T12:15:01Z",
	    "2008-10-00T12:15:01Z",
	    "2008-10-32T12:15:01Z",
	    "2009-02-29T12:15:01Z",
	    "2100-02-29T12:15:01Z",
	    "2008-04-31T12:15:01Z",
	    "08-10-28T12:15:01Z",
	    "2008/10/28T12:15:01Z",
	    "2008-1-028T12:15:01Z",
	    "+008-10-28T12:15:01Z",
	    "2008-10-28T12:15:01ZZ",
	    "2008-10-28T12:15:01+02:00Z",
	    "1969-12-31T23:59:59Z",
	    "1969-12-31T23:59:59.999999Z",
	    "1970-01-01T00:30:00+01:00",
	    "0000-01-01T00:00:00Z",
	    "9999-12-31T23:59:59.999999-00:01",
	    "9999-12-31T23:59:60Z",
	    "2008-10-28T12:15:01\0Z",
	    "2008-10-28T1a:15:01Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_bad(bad[i]);
	int64_t us;
	assert_int_equal(sa_time_parse_rfc3339(NULL, 0, &us), SA_EBADTIME);
}

/*
 * Every proper prefix of a valid time is refused, from an exact-size heap
 * copy so that a read past the length would trip ASan.
 */
static void
test_parse_prefixes(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "2008-10-28T12:15:01Z",
	    "2008-10-28T12:15:01.123456789+02:00",
	    "2008-10-28T12:15:01-05:30",
	};
	for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
		size_t n = strlen(good[g]);
		for (size_t k = 0; k <= n; k++) {
			char *copy = malloc(k ? k : 1);
			assert_non_null(copy);
			memcpy(copy, good[g], k);
			int64_t us;
			int rc = sa_time_parse_rfc3339(copy, k, &us);
			assert_int_equal(rc, k == n ? 0 : SA_EBADTIME);
			free(copy);
		}
	}
}

static void
local_is(const char *tz, int64_t us, const char *date, const char *clock)
{
	setenv("TZ", tz, 1);
	tzset();
	char d[16], c[16];
	memset(d, 'x', sizeof d);
	memset(c, 'x', sizeof c);
	assert_int_equal(sa_time_local_parts(us, d, c), 0);
	assert_string_equal(d, date);
	assert_string_equal(c, clock);
}

static void
test_local_parts(void **state)
{
	(void)state;
	const char *cet = "CET-1CEST,M3.5.0,M10.5.0/3";
	local_is("UTC", INT64_C(1225196101000000), "28 Oct 2008", "12:15:01");
	local_is("UTC", INT64_C(1233249813000000), "29 Jan 2009", "17:23:33");
	local_is("UTC", INT64_C(1225196101999999), "28 Oct 2008", "12:15:01");
	local_is("UTC", 0, "01 Jan 1970", "00:00:00");
	local_is(cet, INT64_C(1225196101000000), "28 Oct 2008", "13:15:01");
	local_is(cet, INT64_C(1214913600000000), "01 Jul 2008", "14:00:00");
	local_is("EST5", 0, "31 Dec 1969", "19:00:00");
	local_is("UTC-14", SA_TIME_MAX_US, "01 Jan 10000", "13:59:59");
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec"};
	for (int m = 0; m < 12; m++) {
		char want[16], in[32];
		snprintf(in, sizeof in, "2021-%02d-09T08:07:06Z", m + 1);
		snprintf(want, sizeof want, "09 %s 2021", mon[m]);
		local_is("UTC", parse_ok(in), want, "08:07:06");
	}
	char d[16], c[16];
	assert_int_equal(sa_time_local_parts(-1, d, c), SA_EBADTIME);
	assert_int_equal(sa_time_local_parts(SA_TIME_MAX_US + 1, d, c),
			 SA_EBADTIME);
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Not a pass/fail check: prints the formatter's speed for the report. */
static void
test_format_speed(void **state)
{
	(void)state;
	struct timespec a, b;
	char buf[SA_RFC3339_MAX];
	unsigned sink = 0;
	const int n = 2000000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		int64_t us = INT64_C(1225196101000000) + (int64_t)i * 1000003;
		sink += (unsigned)sa_time_format_rfc3339(us, buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) +
		   (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("sa_time_format_rfc3339: %.1f M/s\n", n / s / 1e6);
	assert_true(sink > 0);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_fixed),
	    cmocka_unit_test(test_format_vs_gmtime),
	    cmocka_unit_test(test_parse_offsets),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_prefixes),
	    cmocka_unit_test(test_local_parts),
	    cmocka_unit_test(test_format_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
