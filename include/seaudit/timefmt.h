/*
 * timefmt.h - times as the product shows and reads them.
 *
 * Times are int64 microseconds since the Unix epoch, UTC, within
 * [SA_TIME_MIN_US, SA_TIME_MAX_US].  Output buffers are caller-owned.
 */
#ifndef SEAUDIT_TIMEFMT_H
#define SEAUDIT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

#define SA_RFC3339_MAX 40 /* buffer size enough for any formatted time */

/*
 * RFC 3339 in UTC with "Z"; ".ffffff" only when the sub-second part is
 * not zero.  Writes a NUL-terminated string; returns its length or a
 * negative code (SA_EBADTIME) when the time is out of range.
 */
int sa_time_format_rfc3339(int64_t us, char buf[SA_RFC3339_MAX]);

/*
 * Parses an RFC 3339 date-time with any offset ("Z", "+02:00") and up to
 * nine fractional digits (truncated to microseconds).  The whole input
 * must be consumed.  Returns 0 or SA_EBADTIME.
 */
int sa_time_parse_rfc3339(const char *s, size_t len, int64_t *us);

/*
 * Splits a time into the viewer's "DD Mon YYYY" and "HH:MM:SS" in the
 * process's local time zone (TZ), as the original seaudit does.  Both
 * buffers get NUL-terminated strings.  Returns 0 or SA_EBADTIME.
 */
int sa_time_local_parts(int64_t us, char date[16], char clock[16]);

SA_END_DECLS

#endif
