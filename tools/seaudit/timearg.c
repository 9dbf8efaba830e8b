/*
 * timearg.c - the time forms of -since and -until.
 *
 * Accepted, in this order:
 *   RFC 3339 with an offset   2009-01-29T17:23:33Z, ...T18:23:33+01:00
 *   local date and time       2009-01-29T17:23[:33] or "2009-01-29 17:23"
 *   local date                2009-01-29 (its midnight)
 *   relative to now           -30s -30m -2h -7d -1w, or sums: -1d12h
 *   words                     now, today, yesterday (local midnights)
 * "Local" is the process's time zone (TZ), the one the viewer prints in,
 * so a time copied from the output selects that record.
 *
 * Invariant: parsing is strict (the whole argument is consumed, calendar
 * fields are range-checked after mktime's normalisation) and bounded
 * (relative amounts are limited so the arithmetic cannot overflow).
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <seaudit/timefmt.h>

#include "view.h"

#define US_PER_SEC INT64_C(1000000)
#define MAX_RELATIVE_US (INT64_C(200) * 366 * 86400 * US_PER_SEC)

/* Exactly n digits at s into *v. */
static bool
digits(const char *s, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

/* mktime of a local broken-down time, refusing normalised dates. */
static int
local_to_us(int y, int mo, int d, int h, int mi, int sec, int64_t *out)
{
	struct tm tm = {0};

	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	/* -1 is also one second before 1970: no log holds such times. */
	if (t == (time_t)-1)
		return -1;
	/* 2009-02-30 would become 2009-03-02: refuse it. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*out = (int64_t)t * US_PER_SEC;
	return 0;
}

/* YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS], all local. */
static int
parse_local(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0;

	if (len < 10 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return -1;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		    (len != 16 && len != 19) || !digits(s + 11, 2, &h) ||
		    s[13] != ':' || !digits(s + 14, 2, &mi))
			return -1;
		if (len == 19 && (s[16] != ':' || !digits(s + 17, 2, &sec)))
			return -1;
	}
	return local_to_us(y, mo, d, h, mi, sec, out);
}

/* -N<unit>[N<unit>...]: a time before now. */
static int
parse_relative(const char *s, int64_t now_us, int64_t *out)
{
	int64_t total = 0;

	if (*s++ != '-' || *s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t n = 0, unit;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > MAX_RELATIVE_US / US_PER_SEC)
				return -1;
		}
		switch (*s++) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = (int64_t)7 * 86400;
			break;
		default:
			return -1;
		}
		if (n > MAX_RELATIVE_US / US_PER_SEC / unit)
			return -1;
		total += n * unit * US_PER_SEC;
		if (total > MAX_RELATIVE_US)
			return -1;
	}
	*out = now_us - total;
	return 0;
}

/* Local midnight of today minus `days_back` days. */
static int
midnight(int64_t now_us, int days_back, int64_t *out)
{
	time_t t = (time_t)(now_us / US_PER_SEC);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t * US_PER_SEC;
	return 0;
}

int
time_arg_parse(const char *s, int64_t now_us, int64_t *out_us)
{
	if (strcmp(s, "now") == 0) {
		*out_us = now_us;
		return 0;
	}
	if (strcmp(s, "today") == 0)
		return midnight(now_us, 0, out_us);
	if (strcmp(s, "yesterday") == 0)
		return midnight(now_us, 1, out_us);
	if (s[0] == '-')
		return parse_relative(s, now_us, out_us);
	if (sa_time_parse_rfc3339(s, strlen(s), out_us) == 0)
		return 0;
	return parse_local(s, out_us);
}
