/*
 * fmt_csv.c - the CSV exporter (RFC 4180): a header row of the JSON Lines
 * names, then one row per record, CRLF line ends (docs/json-csv.md).
 *
 * Columns are exactly the JSON members in the JSON order, so a CSV file
 * and a JSON Lines file of the same records line up column for member.
 * Bytes are written raw: CSV has no escape besides quote doubling, and
 * rewriting bytes would lose data, so invalid UTF-8, NUL and controls go
 * through as they are, inside quotes when they could end a field or row.
 *
 * Absent versus empty: an absent field is an empty unquoted cell; a
 * present empty string is "" (a quoted empty cell).  A strict RFC 4180
 * reader can tell them apart; a lax one sees both as empty.  Integers,
 * booleans, time, event and seq never need quotes.
 *
 * Like fmt_json.c, one bound is reserved and the row written through a
 * pointer; on failure the buffer's length is restored.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "textutil.h"

#define SEQ_MARK SA_F__COUNT /* csv_fields[] slot of "seq" */

/* Column order after time, event and status: the JSON order. */
static const uint8_t csv_fields[] = {
    SA_F_CLASS,		SA_F_USER,	    SA_F_SESSION,
    SA_F_ACCESS,	SA_F_STAGE,	    SA_F_REASON,
    SA_F_RESOURCE,	SA_F_PROGRAM,	    SA_F_TERMINAL,
    SA_F_HOST,		SA_F_SERVICE,	    SA_F_MODULE,
    SA_F_MESSAGE_ID,	SA_F_ERRNO,	    SA_F_EFFECTIVE_USER,
    SA_F_REAL_USER,	SA_F_UID,	    SA_F_EUID,
    SA_F_RUID,		SA_F_PORT,	    SA_F_COMMAND,
    SA_F_TRACE,		SA_F_OS_USER,	    SA_F_ORIGIN,
    SEQ_MARK,		SA_F_PID,	    SA_F_PRODUCER_UID,
    SA_F_LOST,		SA_F_LOST_SINCE,    SA_F_LOST_UNTIL,
    SA_F_DETAIL,	SA_F_REMOVED_FIRST, SA_F_REMOVED_LAST,
    SA_F_REMOVED_CHAIN, SA_F_SEAL_BRIDGE,
};

#define NCSV_FIELDS (sizeof csv_fields / sizeof csv_fields[0])

static const char csv_header[] =
    "time,event,status,class,user,session,access,stage,reason,resource,"
    "program,terminal,host,service,module,message_id,errno,"
    "effective_user,real_user,uid,euid,ruid,port,command,trace,os_user,"
    "origin,seq,pid,producer_uid,lost,lost_since,lost_until,detail,"
    "removed_first,removed_last,removed_chain,seal_bridge\r\n";

/* Bytes that force quoting anywhere in a cell. */
static const uint8_t csv_special[256] = {
    ['"'] = 1,
    [','] = 1,
    ['\r'] = 1,
    ['\n'] = 1,
};

/*
 * Quoting also for leading or trailing blanks: many readers trim them
 * from unquoted cells, which would change the value.
 */
static bool
needs_quotes(const uint8_t *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t')
		return true;
	for (size_t i = 0; i < n; i++)
		if (csv_special[s[i]])
			return true;
	return false;
}

/* One cell of string data; at most 2 * n + 2 bytes. */
static char *
put_cell(char *p, const uint8_t *s, size_t n)
{
	if (!needs_quotes(s, n)) {
		if (n > 0)
			memcpy(p, s, n);
		return p + n;
	}
	*p++ = '"';
	while (n > 0) {
		const uint8_t *q = memchr(s, '"', n);
		size_t run = q ? (size_t)(q - s) + 1 : n;
		memcpy(p, s, run);
		p += run;
		if (q != NULL)
			*p++ = '"'; /* the doubled quote */
		s += run;
		n -= run;
	}
	*p++ = '"';
	return p;
}

/* The masked command, rendered after the masked text then slid down. */
static int
put_masked_command(struct sa_buf *out, char **pp, const struct sa_str *cmd,
		   size_t rest)
{
	out->len = (size_t)(*pp - out->data);
	size_t o = out->len;
	int rc = sa_mask_passwords(out, cmd->ptr, cmd->len);
	if (rc < 0)
		return rc;
	size_t m = out->len - o;
	if (m > SIZE_MAX / 4)
		return -EOVERFLOW;
	rc = sa_buf_reserve(out, 2 * m + 2 + rest);
	if (rc < 0)
		return rc;
	char *start = out->data + o + m;
	char *end = put_cell(start, (const uint8_t *)out->data + o, m);
	size_t w = (size_t)(end - start);
	memmove(out->data + o, start, w);
	*pp = out->data + o + w;
	return 0;
}

int
sa_format_csv_header(struct sa_buf *out)
{
	return sa_buf_append(out, csv_header, sizeof csv_header - 1);
}

int
sa_format_csv(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	const char *ev = sa_event_json((enum sa_event)r->event);
	if (ev == NULL)
		return SA_EBADEVENT;
	if (r->time_us < SA_TIME_MIN_US || r->time_us > SA_TIME_MAX_US)
		return SA_EBADTIME;
	size_t evlen = strlen(ev);

	size_t bound = SA_RFC3339_MAX + evlen + 8 + 2 * NCSV_FIELDS + 2 + 21;
	for (size_t i = 0; i < NCSV_FIELDS; i++) {
		unsigned f = csv_fields[i];
		if (f == SEQ_MARK || !(r->present & (1ull << f)))
			continue;
		if (sa_field_info((enum sa_field)f)->kind == SA_KIND_STR) {
			size_t n = r->str[f].len;
			if (n > SIZE_MAX / 8 / NCSV_FIELDS)
				return -EOVERFLOW;
			bound += 2 * n + 2;
		} else {
			bound += 21;
		}
	}

	size_t start = out->len;
	int rc = sa_buf_reserve(out, bound);
	if (rc < 0)
		return rc;
	char *p = out->data + start;
	rc = sa_time_format_rfc3339(r->time_us, p);
	if (rc < 0)
		goto fail;
	p += rc;
	*p++ = ',';
	memcpy(p, ev, evlen);
	p += evlen;
	*p++ = ',';
	uint8_t st = (uint8_t)r->status;
	p = put_cell(p, &st, 1);

	for (size_t i = 0; i < NCSV_FIELDS; i++) {
		unsigned f = csv_fields[i];
		*p++ = ',';
		if (f == SEQ_MARK) {
			if (r->seq != 0)
				p = sa__put_u64(p, r->seq);
			continue;
		}
		if (!(r->present & (1ull << f)))
			continue;
		switch (sa_field_info((enum sa_field)f)->kind) {
		case SA_KIND_STR:
			if (f == SA_F_COMMAND && !(flags & SA_FMT_UNMASKED)) {
				rc = put_masked_command(out, &p, &r->str[f],
							bound);
				if (rc < 0)
					goto fail;
			} else {
				p = put_cell(p, r->str[f].ptr, r->str[f].len);
			}
			break;
		case SA_KIND_INT:
			p = sa__put_i64(p, r->num[f]);
			break;
		default:
			p = sa__put_bool(p, r->num[f]);
			break;
		}
	}
	*p++ = '\r';
	*p++ = '\n';
	sa__buf_close(out, p);
	return 0;

fail:
	sa__buf_rollback(out, start);
	return rc;
}
