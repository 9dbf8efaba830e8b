/*
 * textutil.h - internal: the small text primitives every renderer needs,
 * kept in one place so that JSON, CSV, the line form and the time
 * formatter agree on them (UTF-8 validity above all: a byte one renderer
 * calls valid and another escapes would make the forms disagree), and
 * the local time stamp cache the line renderers share with timefmt.c.
 */
#ifndef SEAUDIT_TEXTUTIL_H
#define SEAUDIT_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <seaudit/format.h>

/* "00" "01" ... "99": two digits at a time for fast integer output. */
extern const char sa__digit_pairs[201];

/* Decimal of v at p (no terminator); returns the end.  At most 20 bytes. */
char *sa__put_u64(char *p, uint64_t v);
/* Signed, at most 20 bytes ("-9223372036854775808" is 20). */
char *sa__put_i64(char *p, int64_t v);

/* Lower-case hexadecimal of n bytes at out (2n digits and a NUL). */
void sa__hex(char *out, const uint8_t *p, size_t n);

/*
 * Length (1..4) of the valid UTF-8 sequence at p[0..n), with its code
 * point in *cp; 0 when the bytes there are not valid UTF-8 (stray
 * continuation, overlong form, surrogate, beyond U+10FFFF, truncated).
 * Inline because it sits in every renderer's inner loop.
 */
static inline size_t
sa__utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		uint8_t b = p[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			return 0;
		*cp = (*cp << 6) | (b & 0x3f);
	}
	return len;
}

/*
 * "DD Mon YYYY HH:MM:SS" (the line's first two columns, one space between
 * them) of a time in the local zone, as sa_time_local_parts splits it,
 * from a per-thread cache of the last second converted (timefmt.c says
 * why and when it is refreshed).  The text is text[0..len), the date its
 * first date_len bytes; text[] is SA__STAMP_MAX bytes, so a renderer
 * with that much room can take it with one fixed-size copy.  NULL for a
 * time out of range or not representable in the zone (SA_EBADTIME).  The
 * result is valid until the thread's next call.
 */
#define SA__STAMP_MAX 24

struct sa__stamp {
	int64_t sec;		  /* -1: empty */
	const char *tz;		  /* getenv("TZ") then, and its text: */
	char tz_text[64];	  /*   the zone the text is in */
	const char *zone_name[2]; /* tzname, timezone, daylight as */
	long zone_off;		  /*   localtime_r left them */
	int zone_dst;
	uint8_t len, date_len;
	char text[SA__STAMP_MAX];
};

extern _Thread_local struct sa__stamp sa__stamp_cache;

const struct sa__stamp *sa__time_local_stamp_fill(int64_t us);

/* Inline: the hit, nearly every record of a log, is a few compares. */
static inline const struct sa__stamp *
sa__time_local_stamp(int64_t us)
{
	const struct sa__stamp *c = &sa__stamp_cache;
	if (us >= 0 && us / 1000000 == c->sec && c->zone_name[0] == tzname[0] &&
	    c->zone_name[1] == tzname[1] && c->zone_off == timezone &&
	    c->zone_dst == daylight) {
		const char *tz = getenv("TZ");
		if (tz == c->tz && (tz == NULL || strcmp(tz, c->tz_text) == 0))
			return c;
	}
	return sa__time_local_stamp_fill(us);
}

/* "true" or "false" at p (JSON and CSV spell booleans alike). */
static inline char *
sa__put_bool(char *p, int64_t v)
{
	if (v) {
		memcpy(p, "true", 4);
		return p + 4;
	}
	memcpy(p, "false", 5);
	return p + 5;
}

/* Ends a render written through a raw cursor: length and terminator. */
static inline void
sa__buf_close(struct sa_buf *b, char *end)
{
	b->len = (size_t)(end - b->data);
	b->data[b->len] = '\0';
}

/* Undoes a failed render: the buffer is as it was at `start`. */
static inline void
sa__buf_rollback(struct sa_buf *b, size_t start)
{
	b->len = start;
	if (b->cap > 0)
		b->data[start] = '\0';
}

#endif
