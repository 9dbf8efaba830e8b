/*
 * fmt_text.c - the two forms people read: the non-detailed seaudit line
 * and the detailed "Label: value" form (format.h, docs/codes.md).
 *
 * The line is a fixed-width layout measured on the original documents'
 * own lines, so that the seed examples come out character for character:
 * after "DD Mon YYYY HH:MM:SS S " each event has a column list (records.md)
 * and each column a width; a column is separated from the previous one by
 * one space, except the reason, which is glued to the stage as in the
 * documents ("  69  3") but always keeps at least one space before it so
 * two numbers can never run together.  Absent fields are blank padding;
 * trailing blanks are trimmed.  Widths count characters (code points), not
 * bytes, so UTF-8 names line up.
 *
 * Everything that comes from a record is escaped on the way out: C0 and
 * C1 controls, DEL, the Unicode line separators and bidirectional
 * overrides, and every byte of invalid UTF-8 become \xHH, and a backslash
 * becomes \\, so no field can forge a line, a terminal escape or a
 * visually reordered name.  Valid UTF-8 passes unchanged.
 *
 * Commands and trace texts go through sa_mask_passwords unless
 * SA_FMT_UNMASKED.  A renderer that fails leaves `out` as it found it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "textutil.h"

/* Column kinds of the non-detailed line. */
enum col_kind {
	C_END = 0,
	C_WORD,    /* event word, or the class for class-word events */
	C_STR,     /* a string field, left-aligned */
	C_NUM,     /* an integer field, right-aligned */
	C_SESSION, /* the session field, only with SA_FMT_SESSIONID */
	C_FLAGS,   /* "(OS user)" or nothing */
	C_UNTRUST, /* message_id when stage is 1, else errno */
};

struct col {
	uint8_t kind;  /* enum col_kind */
	uint8_t field; /* enum sa_field for C_STR and C_NUM */
	uint8_t width; /* minimum width in characters */
	bool glue;     /* no separator before (see the file comment) */
};

#define WORD {C_WORD, 0, 12, false}
#define S(f, w) {C_STR, (f), (w), false}
#define N(f, w) {C_NUM, (f), (w), false}
#define STAGE N(SA_F_STAGE, 4)
#define REASON {C_NUM, SA_F_REASON, 3, true}
#define SESSION {C_SESSION, SA_F_SESSION, 17, false}
#define FLAGS {C_FLAGS, 0, 0, false}
#define END {C_END, 0, 0, false}

/* Column lists: the "Columns after Status" of records.md, in order. */
static const struct col lay_login[] = {
	WORD, S(SA_F_USER, 19), SESSION, STAGE, REASON, S(SA_F_TERMINAL, 20),
	S(SA_F_PROGRAM, 20), FLAGS, END};
static const struct col lay_logout[] = {
	WORD, S(SA_F_USER, 19), SESSION, STAGE, REASON, S(SA_F_TERMINAL, 20),
	FLAGS, END};
static const struct col lay_serevu[] = {
	WORD, S(SA_F_USER, 19), STAGE, REASON, S(SA_F_TERMINAL, 20),
	S(SA_F_PROGRAM, 20), FLAGS, END};
static const struct col lay_resource[] = {
	WORD, S(SA_F_USER, 7), SESSION, S(SA_F_ACCESS, 8), STAGE, REASON,
	S(SA_F_RESOURCE, 20), S(SA_F_PROGRAM, 20), S(SA_F_TERMINAL, 14),
	S(SA_F_EFFECTIVE_USER, 8), FLAGS, END};
static const struct col lay_untrust[] = {
	WORD, S(SA_F_MODULE, 8), STAGE, {C_UNTRUST, 0, 5, false},
	S(SA_F_RESOURCE, 0), END};
static const struct col lay_inbound[] = {
	WORD, S(SA_F_SERVICE, 10), STAGE, REASON, S(SA_F_HOST, 12),
	S(SA_F_PROGRAM, 15), END};
static const struct col lay_outbound[] = {
	WORD, S(SA_F_SERVICE, 10), S(SA_F_USER, 8), STAGE, REASON,
	S(SA_F_HOST, 12), S(SA_F_PROGRAM, 15), S(SA_F_TERMINAL, 14), FLAGS,
	END};
static const struct col lay_admin[] = {
	WORD, S(SA_F_CLASS, 12), S(SA_F_USER, 8), STAGE, REASON,
	S(SA_F_RESOURCE, 20), S(SA_F_TERMINAL, 14), S(SA_F_COMMAND, 0), FLAGS,
	END};
static const struct col lay_startup[] = {WORD, S(SA_F_SERVICE, 0), END};
static const struct col lay_shutdown[] = {
	WORD, S(SA_F_USER, 19), SESSION, STAGE, S(SA_F_SERVICE, 8), FLAGS,
	END};
static const struct col lay_pwverify[] = {
	WORD, S(SA_F_USER, 19), STAGE, REASON, FLAGS, END};
static const struct col lay_loss[] = {
	WORD, S(SA_F_SERVICE, 10), N(SA_F_LOST, 8), S(SA_F_LOST_SINCE, 0),
	S(SA_F_LOST_UNTIL, 0), END};
static const struct col lay_trace[] = {
	WORD, S(SA_F_USER, 8), SESSION, S(SA_F_EFFECTIVE_USER, 8),
	S(SA_F_REAL_USER, 8), S(SA_F_CLASS, 12), S(SA_F_RESOURCE, 20), STAGE,
	FLAGS, S(SA_F_TRACE, 0), END};

struct event_layout {
	const char *word;      /* fixed word, or the fallback for a class */
	bool class_word;       /* the word column shows the class */
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
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
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
	return 0;
}

int
sa_format_line(struct sa_buf *out, const struct sa_record *r, unsigned flags)
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
				return sa_buf_printf(b, "errno: %" PRId64
						     " (%s)\n", e, name);
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
	const char *user_label = ev == SA_EV_ADMIN ? "Administrator"
						   : "User name";
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
		    (rc = label_str(out, "Terminal", r, SA_F_TERMINAL,
				    flags)) < 0 ||
		    (rc = label_str(out, user_label, r, SA_F_USER, flags)) < 0)
			return rc;
	} else {
		if ((rc = label_str(out, user_label, r, SA_F_USER, flags)) <
			    0 ||
		    (rc = label_str(out, "Terminal", r, SA_F_TERMINAL,
				    flags)) < 0 ||
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
	    (rc = label_str(out, "Effective user name", r,
			    SA_F_EFFECTIVE_USER, flags)) < 0 ||
	    (rc = label_str(out, "Real user name", r, SA_F_REAL_USER,
			    flags)) < 0 ||
	    (rc = label_num(out, "UID", r, SA_F_UID)) < 0 ||
	    (rc = label_num(out, "Effective UID", r, SA_F_EUID)) < 0 ||
	    (rc = label_num(out, "Real UID", r, SA_F_RUID)) < 0 ||
	    (rc = label_str(out, "Origin", r, SA_F_ORIGIN, flags)) < 0 ||
	    (rc = label_num(out, "Records lost", r, SA_F_LOST)) < 0 ||
	    (rc = label_str(out, "Lost since", r, SA_F_LOST_SINCE, flags)) <
		    0 ||
	    (rc = label_str(out, "Lost until", r, SA_F_LOST_UNTIL, flags)) <
		    0 ||
	    (rc = label_str(out, "Loss detail", r, SA_F_DETAIL, flags)) < 0)
		return rc;
	if (r->seq != 0 &&
	    (rc = sa_buf_printf(out, "Sequence: %" PRIu64 "\n", r->seq)) < 0)
		return rc;
	if ((rc = label_num(out, "Process ID", r, SA_F_PID)) < 0)
		return rc;
	return label_num(out, "Producer UID", r, SA_F_PRODUCER_UID);
}

int
sa_format_detail(struct sa_buf *out, const struct sa_record *r,
		 unsigned flags)
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
