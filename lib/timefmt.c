/*
 * timefmt.c - RFC 3339 formatting and parsing, and the viewer's local
 * "DD Mon YYYY" / "HH:MM:SS" split (timefmt.h), with the per-thread cache
 * of it the line renderers use (sa__time_local_stamp, textutil.h).
 *
 * UTC conversions use Howard Hinnant's days-from-civil arithmetic instead
 * of timegm/gmtime_r: it does not depend on TZ or on the C library's time
 * zone lock, handles every year 0000..9999 the same way, and costs a few
 * multiplications, which matters because formatting sits on the hot path
 * of exporting millions of records.  Digits are written from a two-digit
 * table; no snprintf.
 *
 * Invariants: every function range-checks against SA_TIME_MIN_US ..
 * SA_TIME_MAX_US before converting, so the arithmetic never overflows and
 * the output never exceeds SA_RFC3339_MAX bytes; the parser reads only
 * s[0..len) and accepts exactly the RFC 3339 date-time grammar (section
 * 5.6), 'T'/'t' and 'Z'/'z' included, with a leap second (:60) folded
 * into the next second as POSIX time does.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seaudit/error.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "textutil.h"

#define US_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)

static inline char *
put2(char *p, unsigned v)
{
	memcpy(p, sa__digit_pairs + 2 * (size_t)v, 2);
	return p + 2;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date.  Valid for any
 * year >= 0 with month 1..12 (the only inputs the parser lets through).
 */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Inverse of days_from_civil for days >= 0 (1970 onwards). */
static void
civil_from_days(int64_t z, unsigned *year, unsigned *month, unsigned *day)
{
	uint64_t zz = (uint64_t)z + 719468;
	uint64_t era = zz / 146097;
	unsigned doe = (unsigned)(zz - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*year = (unsigned)(era * 400 + yoe) + (m <= 2);
	*month = m;
	*day = d;
}

int
sa_time_format_rfc3339(int64_t us, char buf[SA_RFC3339_MAX])
{
	if (us < SA_TIME_MIN_US || us > SA_TIME_MAX_US)
		return SA_EBADTIME;
	/* us >= 0 here, so plain division floors. */
	int64_t secs = us / US_PER_SEC;
	unsigned frac = (unsigned)(us % US_PER_SEC);
	int64_t days = secs / SEC_PER_DAY;
	unsigned sod = (unsigned)(secs % SEC_PER_DAY);
	unsigned y, mo, d;
	civil_from_days(days, &y, &mo, &d);

	char *p = buf;
	p = put2(p, y / 100);
	p = put2(p, y % 100);
	*p++ = '-';
	p = put2(p, mo);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	if (frac != 0) {
		*p++ = '.';
		p = put2(p, frac / 10000);
		p = put2(p, frac / 100 % 100);
		p = put2(p, frac % 100);
	}
	*p++ = 'Z';
	*p = '\0';
	return (int)(p - buf);
}

/* Reads exactly n decimal digits at s; false if any is not a digit. */
static bool
get_digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			return false;
		v = v * 10 + c;
	}
	*out = v;
	return true;
}

static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

int
sa_time_parse_rfc3339(const char *s, size_t len, int64_t *us)
{
	unsigned y, mo, d, h, mi, sec;
	/* "YYYY-MM-DDTHH:MM:SS" is 19 bytes, then at least "Z". */
	if (s == NULL || len < 20)
		return SA_EBADTIME;
	if (!get_digits(s, 4, &y) || s[4] != '-' ||
	    !get_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !get_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !get_digits(s + 11, 2, &h) || s[13] != ':' ||
	    !get_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !get_digits(s + 17, 2, &sec))
		return SA_EBADTIME;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return SA_EBADTIME;

	size_t i = 19;
	int64_t frac_us = 0;
	if (s[i] == '.') {
		i++;
		size_t ndig = 0;
		int64_t scale = 100000;
		while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9) {
			if (++ndig > 9)
				return SA_EBADTIME;
			/* Digits past the sixth are truncated, not rounded. */
			frac_us += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (ndig == 0)
			return SA_EBADTIME;
	}
	if (i >= len)
		return SA_EBADTIME;

	int64_t offset_s = 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		unsigned oh, om;
		if (len - i < 6 || !get_digits(s + i + 1, 2, &oh) ||
		    s[i + 3] != ':' || !get_digits(s + i + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return SA_EBADTIME;
		offset_s = (int64_t)oh * 3600 + (int64_t)om * 60;
		if (s[i] == '-')
			offset_s = -offset_s;
		i += 6;
	} else {
		return SA_EBADTIME;
	}
	if (i != len)
		return SA_EBADTIME;

	/*
	 * Local wall time minus its offset is UTC.  Years 0000..9999 keep
	 * |t| below 2^58, far from int64 overflow.
	 */
	int64_t secs = days_from_civil(y, mo, d) * SEC_PER_DAY +
		       (int64_t)(h * 3600 + mi * 60 + sec) - offset_s;
	int64_t t = secs * US_PER_SEC + frac_us;
	if (t < SA_TIME_MIN_US || t > SA_TIME_MAX_US)
		return SA_EBADTIME;
	*us = t;
	return 0;
}

/*
 * "DD Mon YYYY HH:MM:SS" of second t in the local zone, at out (no
 * terminator); returns its length (20, or 21 for year 10000) and the
 * length of the date part in *date_len, or SA_EBADTIME.
 */
static int
local_stamp(time_t t, char out[SA__STAMP_MAX], size_t *date_len)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL)
		return SA_EBADTIME;
	/* A far-east zone can push 9999-12-31 into year 10000. */
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_year < -1900 || tm.tm_year > 99999 - 1900)
		return SA_EBADTIME;

	char *p = out;
	p = put2(p, (unsigned)tm.tm_mday);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	unsigned year = (unsigned)(tm.tm_year + 1900);
	if (year >= 10000)
		*p++ = (char)('0' + year / 10000);
	p = put2(p, year / 100 % 100);
	p = put2(p, year % 100);
	*date_len = (size_t)(p - out);
	*p++ = ' ';

	/* tm_sec may be 60 only with leap-second-aware "right/" zones. */
	unsigned hh = (unsigned)tm.tm_hour % 100,
		 mm = (unsigned)tm.tm_min % 100, ss = (unsigned)tm.tm_sec % 100;
	p = put2(p, hh);
	*p++ = ':';
	p = put2(p, mm);
	*p++ = ':';
	p = put2(p, ss);
	return (int)(p - out);
}

int
sa_time_local_parts(int64_t us, char date[16], char clock[16])
{
	char text[SA__STAMP_MAX];
	size_t dlen;
	if (us < SA_TIME_MIN_US || us > SA_TIME_MAX_US)
		return SA_EBADTIME;
	int n = local_stamp((time_t)(us / US_PER_SEC), text, &dlen);
	if (n < 0)
		return n;
	memcpy(date, text, dlen);
	date[dlen] = '\0';
	memcpy(clock, text + dlen + 1, (size_t)n - dlen - 1);
	clock[(size_t)n - dlen - 1] = '\0';
	return 0;
}

/*
 * The renderers' cache of the last second converted, one per thread.
 * Logs come in time order with many records per second, so nearly every
 * record hits it, and localtime_r (a lock, a search of the zone's
 * transitions, the calendar arithmetic) runs once per second of log
 * instead of once per record.  Caching the exact second, not an hour or
 * an offset, cannot go wrong at a DST change or in a zone whose changes
 * fall off the hour (Lord Howe, Adelaide, Chatham) or on a leap second
 * ("right/" zones): every new second is converted.
 *
 * The zone is part of the key, so that a process that switches zones
 * (setenv("TZ") then tzset()) never gets the old zone's text for the
 * second it converted last.  The key is TZ itself: the pointer getenv
 * returns (setenv gives each new value a new string) and its text (a
 * putenv string may be rewritten in place).  tzname, timezone and
 * daylight as localtime_r left them are part of it too: they are what
 * changes when TZ is unset and tzset() rereads a replaced /etc/localtime
 * (then to another zone's names or offset).  Another thread's
 * conversions change them as well, which only costs a miss.  A TZ too
 * long to keep is never cached.  One order escapes the key: setenv("TZ"),
 * a render of second S (still in the old zone: localtime_r does not read
 * TZ before tzset()), tzset(), S again, between two zones with the same
 * names and offsets; S then keeps the old zone's text.
 */
_Thread_local struct sa__stamp sa__stamp_cache = {.sec = -1};

const struct sa__stamp *
sa__time_local_stamp_fill(int64_t us)
{
	struct sa__stamp *c = &sa__stamp_cache;
	size_t dlen;
	if (us < SA_TIME_MIN_US || us > SA_TIME_MAX_US)
		return NULL;
	int64_t sec = us / US_PER_SEC;
	int n = local_stamp((time_t)sec, c->text, &dlen);
	if (n < 0) {
		c->sec = -1;
		return NULL;
	}
	c->sec = sec;
	c->tz = getenv("TZ");
	if (c->tz != NULL) {
		size_t l = strlen(c->tz);
		if (l < sizeof c->tz_text)
			memcpy(c->tz_text, c->tz, l + 1);
		else
			c->sec = -1; /* this call's text is still right */
	}
	c->zone_name[0] = tzname[0];
	c->zone_name[1] = tzname[1];
	c->zone_off = timezone;
	c->zone_dst = daylight;
	c->len = (uint8_t)n;
	c->date_len = (uint8_t)dlen;
	return c;
}
