/*
 * test_fmt_text_equiv.c - the fast line and detailed renderers
 * (lib/fmt_text.c) against the straightforward ones they replaced, kept
 * below as the reference: byte for byte, return code for return code.
 *
 * The reference is the renderer as it stood at commit 155e828 (one
 * sa_buf call per column, snprintf, localtime_r through the uncached
 * sa_time_local_parts for every record).  The records are 200,000 random
 * hostile ones (testutil.h) whose strings are often replaced by plain
 * ASCII, ASCII with one to three bytes to escape at every offset, or
 * UTF-8 both safe and unsafe, since the fast path works eight bytes at a
 * time and must find the first byte to escape in every position.  They
 * are spread over seventeen zones (tz database names, POSIX TZ strings,
 * TZ unset), and their times follow each zone's own transitions (found
 * by search, so DST changes off the hour are covered), local year ends,
 * leap seconds in "right/" zones, the ends of the range, and runs of
 * records within one second, as a log has them (the renderer caches the
 * last second).  The output goes after a prefix of random length, so the
 * buffer grows at every point of a line, and the prefix must survive.
 * Then every field length up to 70 with each byte to escape at each
 * offset, and one second rendered before and after each zone switch,
 * where a cache that ignored the zone would show the old one.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "textutil.h"
#include "testutil.h"

/* ---- The reference: lib/fmt_text.c at 155e828, renamed, unchanged. ---- */

/* Column kinds of the non-detailed line. */
enum col_kind {
	C_END = 0,
	C_WORD,	   /* event word, or the class for class-word events */
	C_STR,	   /* a string field, left-aligned */
	C_NUM,	   /* an integer field, right-aligned */
	C_SESSION, /* the session field, only with SA_FMT_SESSIONID */
	C_FLAGS,   /* "(OS user)" or nothing */
	C_UNTRUST, /* message_id when stage is 1, else errno */
	C_SERVICE, /* service, then ":port" (added after 155e828) */
};

struct col {
	uint8_t kind;  /* enum col_kind */
	uint8_t field; /* enum sa_field for C_STR and C_NUM */
	uint8_t width; /* minimum width in characters */
	bool glue;     /* no separator before (see the file comment) */
};

#define WORD                                                                   \
	{                                                                      \
		C_WORD, 0, 12, false                                           \
	}
#define S(f, w)                                                                \
	{                                                                      \
		C_STR, (f), (w), false                                         \
	}
#define N(f, w)                                                                \
	{                                                                      \
		C_NUM, (f), (w), false                                         \
	}
#define STAGE N(SA_F_STAGE, 4)
#define REASON                                                                 \
	{                                                                      \
		C_NUM, SA_F_REASON, 3, true                                    \
	}
#define SESSION                                                                \
	{                                                                      \
		C_SESSION, SA_F_SESSION, 17, false                             \
	}
#define FLAGS                                                                  \
	{                                                                      \
		C_FLAGS, 0, 0, false                                           \
	}
#define END                                                                    \
	{                                                                      \
		C_END, 0, 0, false                                             \
	}

/* Column lists: the "Columns after Status" of records.md, in order. */
static const struct col lay_login[] = {WORD,
				       S(SA_F_USER, 19),
				       SESSION,
				       STAGE,
				       REASON,
				       S(SA_F_TERMINAL, 20),
				       S(SA_F_PROGRAM, 20),
				       FLAGS,
				       END};
static const struct col lay_logout[] = {
    WORD,   S(SA_F_USER, 19),	  SESSION, STAGE,
    REASON, S(SA_F_TERMINAL, 20), FLAGS,   END};
static const struct col lay_serevu[] = {WORD,
					S(SA_F_USER, 19),
					STAGE,
					REASON,
					S(SA_F_TERMINAL, 20),
					S(SA_F_PROGRAM, 20),
					FLAGS,
					END};
static const struct col lay_resource[] = {WORD,
					  S(SA_F_USER, 7),
					  SESSION,
					  S(SA_F_ACCESS, 8),
					  STAGE,
					  REASON,
					  S(SA_F_RESOURCE, 20),
					  S(SA_F_PROGRAM, 20),
					  S(SA_F_TERMINAL, 14),
					  S(SA_F_EFFECTIVE_USER, 8),
					  FLAGS,
					  END};
static const struct col lay_untrust[] = {WORD,
					 S(SA_F_MODULE, 8),
					 STAGE,
					 {C_UNTRUST, 0, 5, false},
					 S(SA_F_RESOURCE, 0),
					 END};
#define SERVICE_PORT                                                           \
	{                                                                      \
		C_SERVICE, SA_F_SERVICE, 10, false                             \
	}
static const struct col lay_inbound[] = {
    WORD, SERVICE_PORT, STAGE, REASON, S(SA_F_HOST, 12), S(SA_F_PROGRAM, 15),
    END};
static const struct col lay_outbound[] = {WORD,
					  SERVICE_PORT,
					  S(SA_F_USER, 8),
					  STAGE,
					  REASON,
					  S(SA_F_HOST, 12),
					  S(SA_F_PROGRAM, 15),
					  S(SA_F_TERMINAL, 14),
					  FLAGS,
					  END};
static const struct col lay_admin[] = {WORD,
				       S(SA_F_CLASS, 12),
				       S(SA_F_USER, 8),
				       STAGE,
				       REASON,
				       S(SA_F_RESOURCE, 20),
				       S(SA_F_TERMINAL, 14),
				       S(SA_F_COMMAND, 0),
				       FLAGS,
				       END};
static const struct col lay_startup[] = {WORD, S(SA_F_SERVICE, 0), END};
static const struct col lay_shutdown[] = {
    WORD, S(SA_F_USER, 19), SESSION, STAGE, S(SA_F_SERVICE, 8), FLAGS, END};
static const struct col lay_pwverify[] = {
    WORD, S(SA_F_USER, 19), STAGE, REASON, FLAGS, END};
static const struct col lay_loss[] = {WORD,
				      S(SA_F_SERVICE, 10),
				      N(SA_F_LOST, 8),
				      S(SA_F_LOST_SINCE, 0),
				      S(SA_F_LOST_UNTIL, 0),
				      END};
static const struct col lay_retention[] = {WORD,
					   S(SA_F_SERVICE, 10),
					   N(SA_F_REMOVED_FIRST, 8),
					   N(SA_F_REMOVED_LAST, 8),
					   S(SA_F_DETAIL, 0),
					   END};
static const struct col lay_trace[] = {WORD,
				       S(SA_F_USER, 8),
				       SESSION,
				       S(SA_F_EFFECTIVE_USER, 8),
				       S(SA_F_REAL_USER, 8),
				       S(SA_F_CLASS, 12),
				       S(SA_F_RESOURCE, 20),
				       STAGE,
				       FLAGS,
				       S(SA_F_TRACE, 0),
				       END};

struct event_layout {
	const char *word; /* fixed word, or the fallback for a class */
	bool class_word;  /* the word column shows the class */
	const struct col *cols;
};

static const struct event_layout layouts[SA_EV__COUNT] = {
    [SA_EV_LOGIN] = {"LOGIN", false, lay_login},
    [SA_EV_LOGOUT] = {"LOGOUT", false, lay_logout},
    [SA_EV_ACCOUNT_ENABLED] = {"LOGIN", false, lay_serevu},
    [SA_EV_ACCOUNT_DISABLED] = {"LOGIN", false, lay_serevu},
    [SA_EV_PASSWORD_ATTEMPT] = {"LOGIN", false, lay_serevu},
    [SA_EV_RESOURCE] = {"RESOURCE", true, lay_resource},
    [SA_EV_UNTRUST] = {"UNTRUST", true, lay_untrust},
    [SA_EV_INBOUND] = {"INET", true, lay_inbound},
    [SA_EV_OUTBOUND] = {"INET", true, lay_outbound},
    [SA_EV_ADMIN] = {"ADMIN", false, lay_admin},
    [SA_EV_STARTUP] = {"START", false, lay_startup},
    [SA_EV_SHUTDOWN] = {"SHUTDOWN", false, lay_shutdown},
    [SA_EV_PASSWORD_VERIFY] = {"PASSWORD", false, lay_pwverify},
    [SA_EV_TRACE] = {"TRACE", false, lay_trace},
    [SA_EV_LOSS] = {"LOSS", false, lay_loss},
    [SA_EV_RETENTION] = {"RETAIN", false, lay_retention},
};

#define CK(expr)                                                               \
	do {                                                                   \
		if ((rc = (expr)) < 0)                                         \
			goto fail;                                             \
	} while (0)

/*
 * Is the code point one that must not reach a terminal raw?  C1 controls
 * (U+009B is a one-byte CSI on some terminals), the line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates.
 */
static bool
unsafe_code_point(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static const char hexdig[] = "0123456789ABCDEF";

/*
 * Appends p[0..n) escaped (see the file comment) and adds the number of
 * characters written to *cells.
 */
static int
esc_append(struct sa_buf *b, const uint8_t *p, size_t n, size_t *cells)
{
	if (n > (SIZE_MAX - 16) / 4)
		return -ENOMEM;
	int rc = sa_buf_reserve(b, n * 4);
	if (rc < 0)
		return rc;
	char *o = b->data + b->len;
	size_t w = 0, i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t k = 1;
		bool esc;
		if (c < 0x80) {
			if (c == '\\') {
				*o++ = '\\';
				*o++ = '\\';
				w += 2;
				i++;
				continue;
			}
			esc = c < 0x20 || c == 0x7f;
		} else {
			uint32_t cp;
			k = sa__utf8_seq(p + i, n - i, &cp);
			if (k == 0) {
				k = 1;
				esc = true;
			} else {
				esc = unsafe_code_point(cp);
			}
		}
		if (esc) {
			for (size_t j = 0; j < k; j++) {
				*o++ = '\\';
				*o++ = 'x';
				*o++ = hexdig[p[i + j] >> 4];
				*o++ = hexdig[p[i + j] & 0xf];
			}
			w += 4 * k;
		} else {
			memcpy(o, p + i, k);
			o += k;
			w += 1;
		}
		i += k;
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
	*cells += w;
	return 0;
}

static int
pad(struct sa_buf *b, size_t have, size_t width)
{
	static const char spaces[] = "                                ";
	while (have < width) {
		size_t k = width - have;
		if (k > sizeof spaces - 1)
			k = sizeof spaces - 1;
		int rc = sa_buf_append(b, spaces, k);
		if (rc < 0)
			return rc;
		have += k;
	}
	return 0;
}

static bool
masked_field(enum sa_field f)
{
	return f == SA_F_COMMAND || f == SA_F_TRACE;
}

/* Appends a string field escaped, masking passwords where they can hide. */
static int
put_str(struct sa_buf *b, const struct sa_record *r, enum sa_field f,
	unsigned flags, size_t *cells)
{
	const struct sa_str *s = &r->str[f];
	if (!masked_field(f) || (flags & SA_FMT_UNMASKED))
		return esc_append(b, s->ptr, s->len, cells);
	struct sa_buf tmp = SA_BUF_INIT;
	int rc = sa_mask_passwords(&tmp, s->ptr, s->len);
	if (rc == 0)
		rc = esc_append(b, (const uint8_t *)tmp.data, tmp.len, cells);
	sa_buf_free(&tmp);
	return rc;
}

static int
put_num(struct sa_buf *b, int64_t v, size_t width, bool glue)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%" PRId64, v);
	if (n < 0 || (size_t)n >= sizeof num)
		return -EINVAL;
	int rc = 0;
	/* A glued number too wide for its column still needs a gap. */
	if (glue && (size_t)n >= width)
		rc = sa_buf_append(b, " ", 1);
	if (rc == 0)
		rc = pad(b, (size_t)n, width);
	if (rc == 0)
		rc = sa_buf_append(b, num, (size_t)n);
	return rc;
}

static bool
is_os_user(const struct sa_record *r)
{
	return sa_record_has(r, SA_F_OS_USER) && r->num[SA_F_OS_USER] != 0;
}

static int
put_column(struct sa_buf *b, const struct sa_record *r,
	   const struct event_layout *lay, const struct col *c, unsigned flags)
{
	size_t cells = 0;
	int rc = 0;
	switch ((enum col_kind)c->kind) {
	case C_WORD:
		if (lay->class_word && sa_record_has(r, SA_F_CLASS))
			rc = put_str(b, r, SA_F_CLASS, flags, &cells);
		else
			rc = esc_append(b, (const uint8_t *)lay->word,
					strlen(lay->word), &cells);
		break;
	case C_STR:
	case C_SESSION:
		if (sa_record_has(r, (enum sa_field)c->field))
			rc = put_str(b, r, (enum sa_field)c->field, flags,
				     &cells);
		break;
	case C_SERVICE:
		if (sa_record_has(r, SA_F_SERVICE))
			rc = put_str(b, r, SA_F_SERVICE, flags, &cells);
		if (rc == 0 && sa_record_has(r, SA_F_PORT)) {
			char num[24];
			int n =
			    snprintf(num, sizeof num, "%s%" PRId64,
				     cells > 0 ? ":" : "", r->num[SA_F_PORT]);
			rc = sa_buf_append(b, num, (size_t)n);
			cells += (size_t)n;
		}
		break;
	case C_NUM:
		if (sa_record_has(r, (enum sa_field)c->field))
			return put_num(b, r->num[c->field], c->width, c->glue);
		break;
	case C_UNTRUST: {
		enum sa_field f = (sa_record_has(r, SA_F_STAGE) &&
				   r->num[SA_F_STAGE] == SA_WDWARN_STATCHANGED)
				      ? SA_F_MESSAGE_ID
				      : SA_F_ERRNO;
		if (sa_record_has(r, f))
			return put_num(b, r->num[f], c->width, c->glue);
		break;
	}
	case C_FLAGS:
		if (is_os_user(r))
			rc = esc_append(b, (const uint8_t *)"(OS user)", 9,
					&cells);
		break;
	case C_END:
		break;
	}
	if (rc < 0)
		return rc;
	return pad(b, cells, c->width);
}

/* Appends the line without its '\n'. */
static int
line_body(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	char date[16], clock[16];
	int rc;
	if (r->event == SA_EV_NONE || r->event >= SA_EV__COUNT)
		return SA_EBADEVENT;
	const struct event_layout *lay = &layouts[r->event];
	if ((rc = sa_time_local_parts(r->time_us, date, clock)) < 0)
		return rc;
	size_t line_start = out->len;
	size_t cells = 0;
	if ((rc = sa_buf_printf(out, "%s %s ", date, clock)) < 0)
		return rc;
	/* The status letter is record data too: escape it like a field. */
	uint8_t st = (uint8_t)r->status;
	if ((rc = esc_append(out, &st, st ? 1 : 0, &cells)) < 0)
		return rc;
	if (st == 0 && (rc = sa_buf_append(out, "?", 1)) < 0)
		return rc;
	for (const struct col *c = lay->cols; c->kind != C_END; c++) {
		if (c->kind == C_SESSION && !(flags & SA_FMT_SESSIONID))
			continue;
		if (!c->glue && (rc = sa_buf_append(out, " ", 1)) < 0)
			return rc;
		if ((rc = put_column(out, r, lay, c, flags)) < 0)
			return rc;
	}
	while (out->len > line_start && out->data[out->len - 1] == ' ')
		out->len--;
	out->data[out->len] = '\0';
	/* Added after 155e828: the mark of a producer that was not root. */
	if (sa_record_has(r, SA_F_PRODUCER_UID) &&
	    r->num[SA_F_PRODUCER_UID] != 0)
		return sa_buf_printf(out, " [producer uid %" PRId64 "]",
				     r->num[SA_F_PRODUCER_UID]);
	return 0;
}

static int
ref_format_line(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	size_t start = out->len;
	int rc;
	CK(line_body(out, r, flags));
	CK(sa_buf_append(out, "\n", 1));
	return 0;
fail:
	sa__buf_rollback(out, start);
	return rc;
}

/* "Label: <escaped string field>\n" */
static int
label_str(struct sa_buf *b, const char *label, const struct sa_record *r,
	  enum sa_field f, unsigned flags)
{
	size_t cells = 0;
	int rc;
	if (!sa_record_has(r, f))
		return 0;
	if ((rc = sa_buf_printf(b, "%s: ", label)) < 0)
		return rc;
	if ((rc = put_str(b, r, f, flags, &cells)) < 0)
		return rc;
	return sa_buf_append(b, "\n", 1);
}

static int
label_num(struct sa_buf *b, const char *label, const struct sa_record *r,
	  enum sa_field f)
{
	if (!sa_record_has(r, f))
		return 0;
	return sa_buf_printf(b, "%s: %" PRId64 "\n", label, r->num[f]);
}

/* Details: the stage message in the event's family. */
static int
label_details(struct sa_buf *b, const struct sa_record *r)
{
	if (!sa_record_has(r, SA_F_STAGE))
		return 0;
	int64_t stage = r->num[SA_F_STAGE];
	const char *msg = sa_stage_message((enum sa_event)r->event, stage);
	if (msg != NULL)
		return sa_buf_printf(b, "Details: %s\n", msg);
	return sa_buf_printf(b, "Details: Unknown stage code %" PRId64 "\n",
			     stage);
}

/* Untrust: the status code when stage is 1, otherwise the errno. */
static int
label_untrust(struct sa_buf *b, const struct sa_record *r)
{
	bool stat = sa_record_has(r, SA_F_STAGE) &&
		    r->num[SA_F_STAGE] == SA_WDWARN_STATCHANGED;
	int rc;
	if (stat && sa_record_has(r, SA_F_MESSAGE_ID)) {
		char names[160];
		int64_t v = r->num[SA_F_MESSAGE_ID];
		(void)sa_untrust_stat_names(v, names, sizeof names);
		return sa_buf_printf(b, "Message ID: %" PRId64 " (%s)\n", v,
				     names);
	}
	if (!stat && sa_record_has(r, SA_F_ERRNO)) {
		int64_t e = r->num[SA_F_ERRNO];
		if (e > 0 && e < 4096) {
			const char *name = sa_errname((int)-e);
			if (strcmp(name, "SA_EUNKNOWN") != 0)
				return sa_buf_printf(
				    b, "errno: %" PRId64 " (%s)\n", e, name);
		}
		return sa_buf_printf(b, "errno: %" PRId64 "\n", e);
	}
	/* The other of the two is still shown when present: nothing lost. */
	if ((rc = label_num(b, "Message ID", r, SA_F_MESSAGE_ID)) < 0)
		return rc;
	return label_num(b, "errno", r, SA_F_ERRNO);
}

static int
detail_body(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	enum sa_event ev = (enum sa_event)r->event;
	char date[16], clock[16];
	int rc;

	if ((rc = sa_time_local_parts(r->time_us, date, clock)) < 0)
		return rc;
	if ((rc = sa_buf_printf(out, "Event type: %s\n", sa_event_title(ev))) <
	    0)
		return rc;
	const char *word = sa_status_word(r->status);
	if (word != NULL) {
		rc = sa_buf_printf(out, "Status: %s\n", word);
	} else {
		size_t cells = 0;
		uint8_t st = (uint8_t)r->status;
		rc = sa_buf_printf(out, "Status: Unknown status ");
		if (rc == 0)
			rc = esc_append(out, &st, 1, &cells);
		if (rc == 0)
			rc = sa_buf_append(out, "\n", 1);
	}
	if (rc < 0)
		return rc;

	const char *res_label = ev == SA_EV_ADMIN     ? "Object"
				: ev == SA_EV_UNTRUST ? "File"
						      : "Resource";
	const char *svc_label = (ev == SA_EV_STARTUP || ev == SA_EV_SHUTDOWN)
				    ? "Daemon"
				    : "Service";
	const char *user_label =
	    ev == SA_EV_ADMIN ? "Administrator" : "User name";
	bool network = ev == SA_EV_INBOUND || ev == SA_EV_OUTBOUND;

	if ((rc = label_str(out, "Class", r, SA_F_CLASS, flags)) < 0 ||
	    (rc = label_str(out, res_label, r, SA_F_RESOURCE, flags)) < 0 ||
	    (rc = label_str(out, "Access", r, SA_F_ACCESS, flags)) < 0 ||
	    (rc = label_str(out, "Host name", r, SA_F_HOST, flags)) < 0 ||
	    (rc = label_str(out, svc_label, r, SA_F_SERVICE, flags)) < 0 ||
	    (rc = label_num(out, "Port", r, SA_F_PORT)) < 0 ||
	    (rc = label_str(out, "Module", r, SA_F_MODULE, flags)) < 0)
		return rc;
	/* The documents list network records program-first. */
	if (network) {
		if ((rc = label_str(out, "Program", r, SA_F_PROGRAM, flags)) <
			0 ||
		    (rc = label_str(out, "Terminal", r, SA_F_TERMINAL, flags)) <
			0 ||
		    (rc = label_str(out, user_label, r, SA_F_USER, flags)) < 0)
			return rc;
	} else {
		if ((rc = label_str(out, user_label, r, SA_F_USER, flags)) <
			0 ||
		    (rc = label_str(out, "Terminal", r, SA_F_TERMINAL, flags)) <
			0 ||
		    (rc = label_str(out, "Program", r, SA_F_PROGRAM, flags)) <
			0)
			return rc;
	}
	if ((rc = sa_buf_printf(out, "Date: %s\nTime: %s\n", date, clock)) <
		0 ||
	    (rc = label_details(out, r)) < 0)
		return rc;
	if (ev == SA_EV_UNTRUST) {
		if ((rc = label_untrust(out, r)) < 0)
			return rc;
	} else if ((rc = label_num(out, "Message ID", r, SA_F_MESSAGE_ID)) <
		       0 ||
		   (rc = label_num(out, "errno", r, SA_F_ERRNO)) < 0) {
		return rc;
	}
	if ((rc = label_str(out, "User Logon Session ID", r, SA_F_SESSION,
			    flags)) < 0 ||
	    (rc = label_str(out, "Command", r, SA_F_COMMAND, flags)) < 0 ||
	    (rc = label_str(out, "Trace", r, SA_F_TRACE, flags)) < 0 ||
	    (rc = sa_buf_printf(out, "Audit flags: %s\n",
				is_os_user(r) ? "OS user"
					      : "AC database user")) < 0 ||
	    (rc = label_str(out, "Effective user name", r, SA_F_EFFECTIVE_USER,
			    flags)) < 0 ||
	    (rc = label_str(out, "Real user name", r, SA_F_REAL_USER, flags)) <
		0 ||
	    (rc = label_num(out, "UID", r, SA_F_UID)) < 0 ||
	    (rc = label_num(out, "Effective UID", r, SA_F_EUID)) < 0 ||
	    (rc = label_num(out, "Real UID", r, SA_F_RUID)) < 0 ||
	    (rc = label_str(out, "Origin", r, SA_F_ORIGIN, flags)) < 0 ||
	    (rc = label_num(out, "Records lost", r, SA_F_LOST)) < 0 ||
	    (rc = label_str(out, "Lost since", r, SA_F_LOST_SINCE, flags)) <
		0 ||
	    (rc = label_str(out, "Lost until", r, SA_F_LOST_UNTIL, flags)) <
		0 ||
	    (rc = label_num(out, "First record removed", r,
			    SA_F_REMOVED_FIRST)) < 0 ||
	    (rc = label_num(out, "Last record removed", r, SA_F_REMOVED_LAST)) <
		0 ||
	    (rc = label_str(out, "Chain value at last removed", r,
			    SA_F_REMOVED_CHAIN, flags)) < 0 ||
	    (rc = label_str(out,
			    r->event == SA_EV_LOSS ? "Loss detail" : "Detail",
			    r, SA_F_DETAIL, flags)) < 0)
		return rc;
	if (r->seq != 0 &&
	    (rc = sa_buf_printf(out, "Sequence: %" PRIu64 "\n", r->seq)) < 0)
		return rc;
	if ((rc = label_num(out, "Process ID", r, SA_F_PID)) < 0)
		return rc;
	return label_num(out, "Producer UID", r, SA_F_PRODUCER_UID);
}

static int
ref_format_detail(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	size_t start = out->len;
	int rc;
	CK(line_body(out, r, flags));
	CK(sa_buf_append(out, "\n", 1));
	CK(detail_body(out, r, flags));
	CK(sa_buf_append(out, "\n", 1));
	return 0;
fail:
	sa__buf_rollback(out, start);
	return rc;
}

/* ---- Records ---- */

#define NRECORDS 200000

/* Bytes that need care, and their neighbours in the word tests. */
static const uint8_t odd_bytes[] = {
    0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x20, 0x21, 0x5b, 0x5c,
    0x5d, 0x7e, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
    0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
};

/* UTF-8: safe, unsafe (C1, separators, bidi), invalid (overlong, ...). */
static const char *const utf8_bits[] = {
    "\xc3\xa9",		/* e acute */
    "\xe2\x82\xac",	/* euro */
    "\xf0\x9f\x98\x80", /* emoji */
    "\xe6\x97\xa5",	/* CJK */
    "\xc2\x85",		/* NEL, C1 */
    "\xc2\x9b",		/* CSI, C1 */
    "\xe2\x80\xa8",	/* line separator */
    "\xe2\x80\xae",	/* right-to-left override */
    "\xe2\x81\xa6",	/* isolate */
    "\xc0\x80",		/* overlong NUL */
    "\xed\xa0\x80",	/* surrogate */
    "\xf4\x90\x80\x80", /* beyond U+10FFFF */
    "\xe2\x82",		/* truncated */
    "\\",
};

static uint8_t *
take(struct tu_arena *a, size_t n)
{
	assert_true(a->used + n <= a->cap);
	uint8_t *p = a->mem + a->used;
	a->used += n;
	return p;
}

static uint8_t
printable(struct tu_rng *rng)
{
	return (uint8_t)(0x20 + tu_rng_below(rng, 0x5f));
}

/* A string of the kinds the fast path must get right; length in *n. */
static uint8_t *
gen_text(struct tu_rng *rng, struct tu_arena *a, size_t max, size_t *n)
{
	size_t len = tu_rng_below(rng, 4) == 0 ? tu_rng_below(rng, 100)
					       : tu_rng_below(rng, 41);
	if (len > max)
		len = max;
	uint8_t *p = take(a, len + 1);
	for (size_t i = 0; i < len; i++)
		p[i] = printable(rng);
	switch (tu_rng_below(rng, 3)) {
	case 0: /* plain */
		break;
	case 1: /* one to three odd bytes anywhere */
		for (uint64_t k = 1 + tu_rng_below(rng, 3); k > 0 && len > 0;
		     k--)
			p[tu_rng_below(rng, len)] =
			    odd_bytes[tu_rng_below(rng, sizeof odd_bytes)];
		break;
	default: /* UTF-8 pieces anywhere */
		for (uint64_t k = 1 + tu_rng_below(rng, 3); k > 0; k--) {
			const char *u = utf8_bits[tu_rng_below(
			    rng, sizeof utf8_bits / sizeof utf8_bits[0])];
			size_t ul = strlen(u);
			if (ul > len)
				break;
			memcpy(p + tu_rng_below(rng, len - ul + 1), u, ul);
		}
		break;
	}
	*n = len;
	return p;
}

/* Days since 1970-01-01 of January 1st of year y (y >= 1970). */
static int64_t
jan1(int64_t y)
{
	int64_t d = 0;
	for (int64_t k = 1970; k < y; k++)
		d += (k % 4 == 0 && k % 100 != 0) || k % 400 == 0 ? 366 : 365;
	return d;
}

/* The instants a zone changes offset or abbreviation, in 1970..2045. */
#define MAXTRANS 1024
struct zone_times {
	int64_t t[MAXTRANS];
	size_t n;
};

static bool
same_rule(const struct tm *x, const struct tm *y)
{
	return x->tm_gmtoff == y->tm_gmtoff && x->tm_isdst == y->tm_isdst &&
	       strcmp(x->tm_zone, y->tm_zone) == 0;
}

static void
find_transitions(const char *tz, struct zone_times *zt)
{
	zt->n = 0;
	const time_t step = 6 * 3600;
	time_t end = (time_t)jan1(2045) * 86400;
	struct tm prev, cur;
	time_t t = 0;
	assert_non_null(localtime_r(&t, &prev));
	for (t = step; t < end && zt->n < MAXTRANS - 64; t += step) {
		assert_non_null(localtime_r(&t, &cur));
		if (same_rule(&prev, &cur)) {
			prev = cur;
			continue;
		}
		/* The first second of the new rule, in (t - step, t]. */
		time_t lo = t - step, hi = t;
		while (hi - lo > 1) {
			time_t mid = lo + (hi - lo) / 2;
			struct tm m;
			assert_non_null(localtime_r(&mid, &m));
			if (same_rule(&prev, &m))
				lo = mid;
			else
				hi = mid;
		}
		zt->t[zt->n++] = (int64_t)hi;
		prev = cur;
	}
	/* Leap seconds show as :60 in "right/" zones. */
	if (tz != NULL && strncmp(tz, "right/", 6) == 0) {
		for (int64_t y = 1972; y <= 2017 && zt->n < MAXTRANS; y++) {
			int64_t ends[2] = {jan1(y) + 181 + (y % 4 == 0),
					   jan1(y + 1)};
			for (int e = 0; e < 2; e++) {
				for (int64_t k = 0; k < 40; k++) {
					time_t s =
					    (time_t)(ends[e] * 86400 + k - 1);
					struct tm m;
					assert_non_null(localtime_r(&s, &m));
					if (m.tm_sec == 60 &&
					    zt->n < MAXTRANS) {
						zt->t[zt->n++] = (int64_t)s;
						break;
					}
				}
			}
		}
	}
}

static int64_t
clamp_time(int64_t s)
{
	if (s < 0)
		return 0;
	if (s > SA_TIME_MAX_US / 1000000)
		return SA_TIME_MAX_US / 1000000;
	return s;
}

/* The next record's time (microseconds): see the file comment. */
static int64_t
gen_time(struct tu_rng *rng, const struct zone_times *zt, int64_t prev_us)
{
	static const int64_t near[] = {0,    1,	    2,	  -1,	 -2,  -3,
				       1800, -1800, 3600, -3600, 900, -900};
	static const int64_t ends[] = {0,
				       1,
				       86399,
				       86400,
				       SA_TIME_MAX_US / 1000000,
				       SA_TIME_MAX_US / 1000000 - 1,
				       SA_TIME_MAX_US / 1000000 - 50400,
				       SA_TIME_MAX_US / 1000000 - 86400};
	int64_t frac =
	    tu_rng_below(rng, 2) ? 0 : (int64_t)tu_rng_below(rng, 1000000);
	int64_t s;
	uint64_t kind = tu_rng_below(rng, 20);
	if (kind < 8) {
		/* a log: the same second again, or a little later */
		s = prev_us / 1000000 + (int64_t)tu_rng_below(rng, 3) -
		    (tu_rng_below(rng, 16) == 0);
	} else if (kind < 12 && zt->n > 0) {
		/* at and around one of the zone's changes */
		s = zt->t[tu_rng_below(rng, zt->n)] +
		    near[tu_rng_below(rng, sizeof near / sizeof near[0])];
	} else if (kind < 14) {
		/* a local year end, for offsets up to 14 h either way */
		int64_t y = 1971 + (int64_t)tu_rng_below(rng, 8028);
		int64_t off = ((int64_t)tu_rng_below(rng, 113) - 56) * 900;
		s = jan1(y) * 86400 + off + (int64_t)tu_rng_below(rng, 3) - 1;
	} else if (kind < 15) {
		/* the ends of the range */
		s = ends[tu_rng_below(rng, sizeof ends / sizeof ends[0])];
	} else {
		s = (int64_t)tu_rng_below(rng, UINT64_C(4102444800));
	}
	return clamp_time(s) * 1000000 + frac;
}

static void
gen_record(struct tu_rng *rng, struct tu_arena *a, struct sa_record *r,
	   const struct zone_times *zt, int64_t prev_us)
{
	tu_random_record(rng, a, r);
	r->time_us = gen_time(rng, zt, prev_us);
	for (int f = 1; f < SA_F__COUNT; f++) {
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		if (fi->kind != SA_KIND_STR ||
		    !sa_record_has(r, (enum sa_field)f) ||
		    tu_rng_below(rng, 4) == 0)
			continue; /* keep testutil's hostile string */
		size_t n;
		uint8_t *p = gen_text(rng, a, fi->max_len, &n);
		assert_int_equal(sa_record_set_str(r, (enum sa_field)f, p, n),
				 0);
	}
	switch (tu_rng_below(rng, 64)) {
	case 0:
		r->status =
		    (char)odd_bytes[tu_rng_below(rng, sizeof odd_bytes)];
		break;
	case 1:
		r->event = tu_rng_below(rng, 2) ? SA_EV_NONE : SA_EV__COUNT;
		break;
	case 2:
		r->time_us = tu_rng_below(rng, 2) ? -1 : SA_TIME_MAX_US + 1;
		break;
	default:
		break;
	}
}

/* ---- Comparison ---- */

typedef int (*render_fn)(struct sa_buf *, const struct sa_record *, unsigned);

static size_t nrendered;

/* Renders r with both after the same prefix; they must agree exactly. */
static void
same_output(render_fn fast, render_fn ref, const struct sa_record *r,
	    unsigned flags, size_t prefix)
{
	struct sa_buf a = SA_BUF_INIT, b = SA_BUF_INIT;
	for (size_t i = 0; i < prefix; i++) {
		char c = (char)('a' + i % 26);
		assert_int_equal(sa_buf_append(&a, &c, 1), 0);
		assert_int_equal(sa_buf_append(&b, &c, 1), 0);
	}
	int ra = fast(&a, r, flags), rb = ref(&b, r, flags);
	if (ra != rb || a.len != b.len ||
	    (a.len > 0 && memcmp(a.data, b.data, a.len) != 0)) {
		fprintf(stderr,
			"mismatch: event %u status 0x%02x time %lld flags %u "
			"prefix %zu rc %d/%d\nfast: %.*s\nref:  %.*s\n",
			r->event, (uint8_t)r->status, (long long)r->time_us,
			flags, prefix, ra, rb, (int)a.len, a.data, (int)b.len,
			b.data);
		fail();
	}
	if (a.cap > 0)
		assert_int_equal(a.data[a.len], '\0');
	nrendered++;
	sa_buf_free(&a);
	sa_buf_free(&b);
}

/* A zone by TZ, or the system's (/etc/localtime) for NULL. */
static void
use_zone(const char *tz)
{
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

static const char *const zones[] = {
    "UTC",
    NULL, /* TZ unset */
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe", /* half-hour DST, changes off the UTC hour */
    "Australia/Adelaide",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Kiritimati", /* +14: 9999-12-31 becomes year 10000 */
    "America/St_Johns",
    "right/UTC", /* leap seconds: 23:59:60 */
    "right/Europe/Berlin",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "EST5",
    "UTC-14",
    "<+0545>-5:45",
};

#define NZONES (sizeof zones / sizeof zones[0])

static void
test_random_records_all_zones(void **state)
{
	(void)state;
	struct tu_rng rng;
	struct tu_arena arena;
	static struct zone_times zt;
	tu_rng_seed(&rng, 0x5ea0d17);
	tu_arena_init(&arena, 1u << 20);
	nrendered = 0;
	for (size_t z = 0; z < NZONES; z++) {
		use_zone(zones[z]);
		find_transitions(zones[z], &zt);
		int64_t prev =
		    (int64_t)tu_rng_below(&rng, UINT64_C(4102444800)) * 1000000;
		size_t count = (NRECORDS + NZONES - 1) / NZONES;
		for (size_t i = 0; i < count; i++) {
			struct sa_record r;
			tu_arena_reset(&arena);
			gen_record(&rng, &arena, &r, &zt, prev);
			if (r.time_us >= 0 && r.time_us <= SA_TIME_MAX_US)
				prev = r.time_us;
			unsigned flags = (unsigned)tu_rng_below(&rng, 4);
			size_t prefix = tu_rng_below(&rng, 4) == 0
					    ? (size_t)tu_rng_below(&rng, 5000)
					    : (size_t)tu_rng_below(&rng, 8);
			same_output(sa_format_line, ref_format_line, &r, flags,
				    prefix);
			if (i % 4 == 0)
				same_output(sa_format_detail, ref_format_detail,
					    &r, flags, prefix);
		}
	}
	assert_true(nrendered >= NRECORDS);
	tu_arena_free(&arena);
	use_zone("UTC");
}

/*
 * The same second before and after a zone switch: the cached text of the
 * old zone must not come back.
 */
static void
test_zone_switch_same_second(void **state)
{
	(void)state;
	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_LOGOUT;
	r.status = 'O';
	assert_int_equal(sa_record_set_cstr(&r, SA_F_USER, "root"), 0);
	/* Around a Berlin and a New York change, and a plain summer day. */
	static const int64_t secs[] = {1711846799, 1711846800, 1710054000,
				       1719835200, 1225196101};
	for (size_t s = 0; s < sizeof secs / sizeof secs[0]; s++) {
		r.time_us = secs[s] * 1000000 + 250000;
		for (size_t z = 0; z < NZONES; z++) {
			use_zone(zones[z]);
			same_output(sa_format_line, ref_format_line, &r, 0, 0);
			same_output(sa_format_line, ref_format_line, &r, 0, 0);
			same_output(sa_format_detail, ref_format_detail, &r, 0,
				    0);
		}
	}
	use_zone("UTC");
}

/* Long plain fields cross the word loop's every length and alignment. */
static void
test_lengths_and_offsets(void **state)
{
	(void)state;
	uint8_t text[300];
	struct sa_record r;
	use_zone("UTC");
	for (size_t len = 0; len <= 70; len++) {
		for (size_t at = 0; at <= len; at++) {
			for (size_t k = 0; k < sizeof odd_bytes; k++) {
				for (size_t i = 0; i < len; i++)
					text[i] = (uint8_t)('A' + i % 26);
				if (at < len)
					text[at] = odd_bytes[k];
				sa_record_init(&r);
				r.event = SA_EV_RESOURCE;
				r.status = 'P';
				r.time_us = INT64_C(1700000000000000);
				assert_int_equal(
				    sa_record_set_str(&r, SA_F_RESOURCE, text,
						      len),
				    0);
				assert_int_equal(
				    sa_record_set_str(&r, SA_F_USER,
						      text + len / 2,
						      len - len / 2),
				    0);
				same_output(sa_format_line, ref_format_line, &r,
					    0, at % 9);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lengths_and_offsets),
	    cmocka_unit_test(test_zone_switch_same_second),
	    cmocka_unit_test(test_random_records_all_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
