/*
 * fmt_json.c - the JSON Lines exporter (sa_format_json), the fixed
 * contract of spec/records.md rendered as docs/json-csv.md describes.
 *
 * It is a streaming writer: no DOM, no snprintf.  One upper bound of the
 * line's size is computed from the record's lengths, reserved once, and
 * the line is then written through a raw pointer, so the common record
 * costs one capacity check, a few memcpy calls and a table lookup per
 * byte.  Field order is fixed by json_fields[] below (the order of the
 * table in records.md), which makes the output byte-stable for golden
 * tests and diffs.
 *
 * String policy: valid UTF-8 passes through; '"', '\\' and C0 controls
 * are escaped (\n \r \t \b \f, others \u00XX); DEL and everything else
 * pass.  A string that is not valid UTF-8 is written with each invalid
 * byte replaced by U+FFFD, followed by NAME_b64 holding the exact bytes,
 * so the line stays strict JSON and the export stays lossless.  The
 * command is masked (sa_mask_passwords) before any of this, b64 included,
 * so a password never leaks through the lossless copy.
 *
 * Invariant: on failure the buffer's length is restored, so the caller's
 * earlier content is intact (format.h).
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

#include "base64.h"

#define SEQ_MARK SA_F__COUNT /* json_fields[] slot of "seq" */

struct json_field {
	uint8_t field;	  /* enum sa_field, or SEQ_MARK */
	uint8_t kind;	  /* enum sa_field_kind */
	uint8_t klen;	  /* strlen(key) */
	uint8_t blen;	  /* strlen(bkey) */
	const char *key;  /* ,"name":     (strings add the quote) */
	const char *bkey; /* ","name_b64":" (closes the previous value) */
};

#define JF_(f, k, name)                                                        \
	{                                                                      \
		f, k, sizeof(",\"" name "\":") - 1,                            \
		    sizeof("\",\"" name "_b64\":\"") - 1,                      \
		    ",\"" name "\":", "\",\"" name "_b64\":\""                 \
	}
#define JS(f, name) JF_(f, SA_KIND_STR, name)
#define JI(f, name) JF_(f, SA_KIND_INT, name)
#define JB(f, name) JF_(f, SA_KIND_BOOL, name)

/* The output order after time, event and status: records.md's table. */
static const struct json_field json_fields[] = {
    JS(SA_F_CLASS, "class"),
    JS(SA_F_USER, "user"),
    JS(SA_F_SESSION, "session"),
    JS(SA_F_ACCESS, "access"),
    JI(SA_F_STAGE, "stage"),
    JI(SA_F_REASON, "reason"),
    JS(SA_F_RESOURCE, "resource"),
    JS(SA_F_PROGRAM, "program"),
    JS(SA_F_TERMINAL, "terminal"),
    JS(SA_F_HOST, "host"),
    JS(SA_F_SERVICE, "service"),
    JS(SA_F_MODULE, "module"),
    JI(SA_F_MESSAGE_ID, "message_id"),
    JI(SA_F_ERRNO, "errno"),
    JS(SA_F_EFFECTIVE_USER, "effective_user"),
    JS(SA_F_REAL_USER, "real_user"),
    JI(SA_F_UID, "uid"),
    JI(SA_F_EUID, "euid"),
    JI(SA_F_RUID, "ruid"),
    JI(SA_F_PORT, "port"),
    JS(SA_F_COMMAND, "command"),
    JS(SA_F_TRACE, "trace"),
    JB(SA_F_OS_USER, "os_user"),
    JS(SA_F_ORIGIN, "origin"),
    JI(SEQ_MARK, "seq"),
    JI(SA_F_PID, "pid"),
    JI(SA_F_PRODUCER_UID, "producer_uid"),
    JI(SA_F_LOST, "lost"),
    JS(SA_F_LOST_SINCE, "lost_since"),
    JS(SA_F_LOST_UNTIL, "lost_until"),
    JS(SA_F_DETAIL, "detail"),
    JI(SA_F_REMOVED_FIRST, "removed_first"),
    JI(SA_F_REMOVED_LAST, "removed_last"),
    JS(SA_F_REMOVED_CHAIN, "removed_chain"),
    JS(SA_F_SEAL_BRIDGE, "seal_bridge"),
};

#define NJSON_FIELDS (sizeof json_fields / sizeof json_fields[0])

/*
 * Byte classes: 0 copies through, 1 needs a JSON escape, 2 starts (or
 * breaks) a multi-byte UTF-8 sequence and goes to the validator.
 */
static const uint8_t json_class[256] =
    {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
	0, 0, /* 0x5c '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0,			/* DEL passes */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char hex_digits[16] = "0123456789abcdef";

/* Worst case: every byte a control (\u00XX); at most 6 output bytes. */
#define JSON_ESC_MAX 6

/*
 * Writes the body of a JSON string (no quotes) and reports whether any
 * byte was not valid UTF-8.  At most JSON_ESC_MAX * n bytes.
 */
static char *
put_json_text(char *p, const uint8_t *s, size_t n, bool *invalid)
{
	size_t i = 0;
	if (n == 0)
		return p; /* s may be NULL for an empty string */
	for (;;) {
		size_t j = i;
		while (j < n && json_class[s[j]] == 0)
			j++;
		memcpy(p, s + i, j - i);
		p += j - i;
		i = j;
		if (i == n)
			return p;
		uint8_t c = s[i];
		if (json_class[c] == 1) {
			*p++ = '\\';
			switch (c) {
			case '"':
			case '\\':
				*p++ = (char)c;
				break;
			case '\n':
				*p++ = 'n';
				break;
			case '\r':
				*p++ = 'r';
				break;
			case '\t':
				*p++ = 't';
				break;
			case '\b':
				*p++ = 'b';
				break;
			case '\f':
				*p++ = 'f';
				break;
			default:
				memcpy(p, "u00", 3);
				p[3] = hex_digits[c >> 4];
				p[4] = hex_digits[c & 15];
				p += 5;
				break;
			}
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = sa__utf8_seq(s + i, n - i, &cp);
		if (k == 0) {
			memcpy(p, "\xef\xbf\xbd", 3); /* U+FFFD */
			p += 3;
			*invalid = true;
			i++;
		} else {
			memcpy(p, s + i, k);
			p += k;
			i += k;
		}
	}
}

/* Upper bound of one string field's output, NAME_b64 included. */
static size_t
str_bound(const struct json_field *jf, size_t n)
{
	return jf->klen + 2 + JSON_ESC_MAX * n + jf->blen +
	       sa_b64_encoded_len(n);
}

/* Writes ,"name":"text" and, for invalid UTF-8, ,"name_b64":"...". */
static char *
put_str_field(char *p, const struct json_field *jf, const uint8_t *s, size_t n)
{
	memcpy(p, jf->key, jf->klen);
	p += jf->klen;
	*p++ = '"';
	bool invalid = false;
	p = put_json_text(p, s, n, &invalid);
	if (invalid) {
		memcpy(p, jf->bkey, jf->blen);
		p += jf->blen;
		p = sa_b64_encode(p, s, n);
	}
	*p++ = '"';
	return p;
}

/*
 * The masked command: sa_mask_passwords appends the masked text at the
 * end of `out` (it may grow the buffer), the field is rendered right after
 * it, and the rendering is slid down over the masked text.  This keeps
 * masking out of the caller's way without a second buffer.
 */
static int
put_masked_command(struct sa_buf *out, char **pp, const struct json_field *jf,
		   const struct sa_str *cmd, size_t rest)
{
	out->len = (size_t)(*pp - out->data);
	size_t o = out->len;
	int rc = sa_mask_passwords(out, cmd->ptr, cmd->len);
	if (rc < 0)
		return rc;
	size_t m = out->len - o;
	if (m > SIZE_MAX / 16)
		return -EOVERFLOW;
	rc = sa_buf_reserve(out, str_bound(jf, m) + rest);
	if (rc < 0)
		return rc;
	const uint8_t *src = (const uint8_t *)out->data + o;
	char *start = out->data + o + m;
	char *end = put_str_field(start, jf, src, m);
	size_t w = (size_t)(end - start);
	memmove(out->data + o, start, w);
	*pp = out->data + o + w;
	return 0;
}

int
sa_format_json(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	const char *ev = sa_event_json((enum sa_event)r->event);
	if (ev == NULL)
		return SA_EBADEVENT;
	if (r->time_us < SA_TIME_MIN_US || r->time_us > SA_TIME_MAX_US)
		return SA_EBADTIME;
	size_t evlen = strlen(ev);

	/* One reservation covers the whole line in the common case. */
	size_t bound =
	    sizeof("{\"time\":\"\",\"event\":\"\",\"status\":\"\"}\n") +
	    SA_RFC3339_MAX + evlen + JSON_ESC_MAX;
	for (size_t i = 0; i < NJSON_FIELDS; i++) {
		const struct json_field *jf = &json_fields[i];
		if (jf->field == SEQ_MARK) {
			bound += jf->klen + 20;
			continue;
		}
		if (!(r->present & (1ull << jf->field)))
			continue;
		if (jf->kind == SA_KIND_STR) {
			size_t n = r->str[jf->field].len;
			if (n > SIZE_MAX / 16 / NJSON_FIELDS)
				return -EOVERFLOW;
			bound += str_bound(jf, n);
		} else {
			bound += jf->klen + 21;
		}
	}

	size_t start = out->len;
	int rc = sa_buf_reserve(out, bound);
	if (rc < 0)
		return rc;
	char *p = out->data + start;

	memcpy(p, "{\"time\":\"", 9);
	p += 9;
	rc = sa_time_format_rfc3339(r->time_us, p);
	if (rc < 0)
		goto fail;
	p += rc;
	memcpy(p, "\",\"event\":\"", 11);
	p += 11;
	memcpy(p, ev, evlen);
	p += evlen;
	memcpy(p, "\",\"status\":\"", 12);
	p += 12;
	bool bad_status = false;
	uint8_t st = (uint8_t)r->status;
	p = put_json_text(p, &st, 1, &bad_status);
	*p++ = '"';

	for (size_t i = 0; i < NJSON_FIELDS; i++) {
		const struct json_field *jf = &json_fields[i];
		if (jf->field == SEQ_MARK) {
			if (r->seq != 0) {
				memcpy(p, jf->key, jf->klen);
				p = sa__put_u64(p + jf->klen, r->seq);
			}
			continue;
		}
		if (!(r->present & (1ull << jf->field)))
			continue;
		const struct sa_str *sv = &r->str[jf->field];
		switch (jf->kind) {
		case SA_KIND_STR:
			if (jf->field == SA_F_COMMAND &&
			    !(flags & SA_FMT_UNMASKED)) {
				rc = put_masked_command(out, &p, jf, sv, bound);
				if (rc < 0)
					goto fail;
			} else {
				p = put_str_field(p, jf, sv->ptr, sv->len);
			}
			break;
		case SA_KIND_INT:
			memcpy(p, jf->key, jf->klen);
			p = sa__put_i64(p + jf->klen, r->num[jf->field]);
			break;
		default:
			memcpy(p, jf->key, jf->klen);
			p = sa__put_bool(p + jf->klen, r->num[jf->field]);
			break;
		}
	}
	*p++ = '}';
	*p++ = '\n';
	sa__buf_close(out, p);
	return 0;

fail:
	sa__buf_rollback(out, start);
	return rc;
}
