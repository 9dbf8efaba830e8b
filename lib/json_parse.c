/*
 * json_parse.c - the JSON Lines importer: one object of the records.md
 * contract into a struct sa_record (json.h), and the text of its errors.
 *
 * Hand-written and bounded because the input is hostile and general JSON
 * libraries either refuse the bytes audit data holds or build a DOM we do
 * not need.  The grammar accepted is strict JSON (RFC 8259) restricted to
 * what the contract allows: one flat object whose members are strings,
 * integers or booleans; null, arrays, nested objects, fractions and
 * exponents are type errors; duplicates and unknown names are errors that
 * name the member.  Raw bytes >= 0x80 inside strings are taken as they are
 * (the record model carries any bytes); the exporter never writes them
 * invalid, it uses NAME_b64 (docs/json-csv.md).
 *
 * Invariants:
 * - every read is of s[pos] with pos < len; nothing past `len` is touched;
 * - decoded strings go to scratch at `sused`, and sused never exceeds the
 *   input position: each escape, each base64 quantum and each raw byte
 *   yields no more bytes than it consumes, and string sources are
 *   disjoint, so `len` bytes of scratch always suffice (also checked);
 * - the first error wins and is reported with its 1-based byte column and
 *   the member's name, so a user can find it in a million-line file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/json.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "base64.h"

/* Member slots: record fields keep their number, then the fixed members. */
enum {
	SLOT_TIME = SA_F__COUNT,
	SLOT_EVENT,
	SLOT_STATUS,
	SLOT_SEQ,
	SLOT__COUNT,
	SLOT_B64 = 64 /* + string field: its NAME_b64 twin */
};

_Static_assert(SLOT__COUNT <= SLOT_B64, "slots overlap the _b64 twins");

#define KEY_MAX 63 /* longest member name kept (err->field's capacity) */

struct jp {
	const uint8_t *s;
	size_t len;
	size_t pos;
	uint8_t *scratch;
	size_t sused;
	struct sa_json_error *err;
};

/* Records the first error; always returns its code. */
static int
jp_fail(struct jp *j, int code, size_t pos, const char *name, size_t nlen)
{
	j->err->code = code;
	j->err->column = pos + 1;
	if (nlen > sizeof j->err->field - 1)
		nlen = sizeof j->err->field - 1;
	if (nlen > 0)
		memcpy(j->err->field, name, nlen);
	j->err->field[nlen] = '\0';
	return code;
}

static void
skip_ws(struct jp *j)
{
	while (j->pos < j->len) {
		uint8_t c = j->s[j->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		j->pos++;
	}
}

static int
hex4(const uint8_t *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/*
 * Decodes the string whose opening quote is at j->pos into dst[0..cap).
 * Bytes past cap are counted but not stored (keys use this to detect an
 * over-long name); *n gets the full decoded length.  On error *epos is
 * the offending position.  Leaves j->pos after the closing quote.
 */
static int
parse_string(struct jp *j, uint8_t *dst, size_t cap, size_t *n, size_t *epos)
{
	size_t o = 0;
	size_t i = j->pos + 1;
	const uint8_t *s = j->s;
#define PUT(c)                                                                 \
	do {                                                                   \
		if (o < cap)                                                   \
			dst[o] = (uint8_t)(c);                                 \
		o++;                                                           \
	} while (0)
	for (;;) {
		if (i >= j->len) {
			*epos = j->len;
			return SA_EJSON; /* unterminated string */
		}
		uint8_t c = s[i];
		if (c == '"')
			break;
		if (c < 0x20) {
			*epos = i;
			return SA_EJSON; /* raw control character */
		}
		if (c != '\\') {
			PUT(c);
			i++;
			continue;
		}
		if (i + 1 >= j->len) {
			*epos = j->len;
			return SA_EJSON;
		}
		uint8_t e = s[i + 1];
		switch (e) {
		case '"':
		case '\\':
		case '/':
			PUT(e);
			i += 2;
			continue;
		case 'b':
			PUT('\b');
			i += 2;
			continue;
		case 'f':
			PUT('\f');
			i += 2;
			continue;
		case 'n':
			PUT('\n');
			i += 2;
			continue;
		case 'r':
			PUT('\r');
			i += 2;
			continue;
		case 't':
			PUT('\t');
			i += 2;
			continue;
		case 'u':
			break;
		default:
			*epos = i;
			return SA_EBADENC;
		}
		unsigned cp;
		if (j->len - i < 6 || hex4(s + i + 2, &cp) < 0) {
			*epos = i;
			return SA_EBADENC;
		}
		size_t esc = i;
		i += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			*epos = esc;
			return SA_EBADENC; /* lone low surrogate */
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo;
			if (j->len - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
			    hex4(s + i + 2, &lo) < 0 || lo < 0xdc00 ||
			    lo > 0xdfff) {
				*epos = esc;
				return SA_EBADENC; /* lone high surrogate */
			}
			i += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		/* UTF-8 is never longer than the escape it came from. */
		if (cp < 0x80) {
			PUT(cp);
		} else if (cp < 0x800) {
			PUT(0xc0 | cp >> 6);
			PUT(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			PUT(0xe0 | cp >> 12);
			PUT(0x80 | (cp >> 6 & 0x3f));
			PUT(0x80 | (cp & 0x3f));
		} else {
			PUT(0xf0 | cp >> 18);
			PUT(0x80 | (cp >> 12 & 0x3f));
			PUT(0x80 | (cp >> 6 & 0x3f));
			PUT(0x80 | (cp & 0x3f));
		}
	}
#undef PUT
	j->pos = i + 1;
	*n = o;
	return 0;
}

/* A value string decoded into scratch. */
static int
parse_value_string(struct jp *j, const uint8_t **p, size_t *n, size_t *epos)
{
	uint8_t *dst = j->scratch + j->sused;
	size_t cap = j->len - j->sused;
	int rc = parse_string(j, dst, cap, n, epos);
	if (rc < 0)
		return rc;
	if (*n > cap) {
		/* Cannot happen (see the invariants); never write past. */
		*epos = j->pos - 1;
		return SA_EJSON;
	}
	j->sused += *n;
	*p = dst;
	return 0;
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * An integer in JSON's number grammar.  A well-formed number with a
 * fraction or exponent is SA_ETYPE (the contract has only integers); a
 * magnitude beyond int64 is SA_ERANGE.
 */
static int
parse_int(struct jp *j, int64_t *v, size_t *epos)
{
	const uint8_t *s = j->s;
	size_t i = j->pos;
	bool neg = false;
	if (s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= j->len || !is_digit(s[i])) {
		*epos = i;
		return SA_EJSON;
	}
	uint64_t mag = 0;
	bool overflow = false;
	if (s[i] == '0') {
		i++;
		if (i < j->len && is_digit(s[i])) {
			*epos = i;
			return SA_EJSON; /* leading zero */
		}
	} else {
		while (i < j->len && is_digit(s[i])) {
			unsigned d = s[i] - '0';
			if (mag > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
			i++;
		}
	}
	bool integral = true;
	if (i < j->len && s[i] == '.') {
		integral = false;
		i++;
		if (i >= j->len || !is_digit(s[i])) {
			*epos = i;
			return SA_EJSON;
		}
		while (i < j->len && is_digit(s[i]))
			i++;
	}
	if (i < j->len && (s[i] == 'e' || s[i] == 'E')) {
		integral = false;
		i++;
		if (i < j->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= j->len || !is_digit(s[i])) {
			*epos = i;
			return SA_EJSON;
		}
		while (i < j->len && is_digit(s[i]))
			i++;
	}
	if (!integral) {
		*epos = j->pos;
		return SA_ETYPE;
	}
	if (overflow || mag > (uint64_t)INT64_MAX + neg) {
		*epos = j->pos;
		return SA_ERANGE;
	}
	*v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	j->pos = i;
	return 0;
}

static bool
match_literal(const struct jp *j, const char *lit, size_t n)
{
	return j->len - j->pos >= n && memcmp(j->s + j->pos, lit, n) == 0;
}

/* Slot of a member name, or -1 when unknown. */
static int
slot_of(const uint8_t *k, size_t n)
{
	static const char b64_suffix[] = "_b64";
	const char *name = (const char *)k;
	if (n > KEY_MAX)
		return -1;
	if (n == 4 && memcmp(name, "time", 4) == 0)
		return SLOT_TIME;
	if (n == 5 && memcmp(name, "event", 5) == 0)
		return SLOT_EVENT;
	if (n == 6 && memcmp(name, "status", 6) == 0)
		return SLOT_STATUS;
	if (n == 3 && memcmp(name, "seq", 3) == 0)
		return SLOT_SEQ;
	if (n > 4 && memcmp(name + n - 4, b64_suffix, 4) == 0) {
		enum sa_field f = sa_field_by_name(name, n - 4);
		const struct sa_field_info *fi = sa_field_info(f);
		if (fi != NULL && fi->kind == SA_KIND_STR)
			return SLOT_B64 + (int)f;
		return -1;
	}
	enum sa_field f = sa_field_by_name(name, n);
	return sa_field_info(f) != NULL ? (int)f : -1;
}

/* Kind of value a slot takes. */
static int
slot_kind(int slot)
{
	if (slot >= SLOT_B64)
		return SA_KIND_STR;
	switch (slot) {
	case SLOT_TIME:
	case SLOT_EVENT:
	case SLOT_STATUS:
		return SA_KIND_STR;
	case SLOT_SEQ:
		return SA_KIND_INT;
	default:
		return (int)sa_field_info((enum sa_field)slot)->kind;
	}
}

static const char *
slot_name(int slot)
{
	switch (slot) {
	case SLOT_TIME:
		return "time";
	case SLOT_EVENT:
		return "event";
	case SLOT_STATUS:
		return "status";
	case SLOT_SEQ:
		return "seq";
	default:
		return sa_field_info((enum sa_field)slot)->json;
	}
}

/* Kind of the value starting at j->pos: 0 when it is no JSON value. */
static int
value_kind(const struct jp *j)
{
	if (j->pos >= j->len)
		return 0;
	uint8_t c = j->s[j->pos];
	if (c == '"')
		return SA_KIND_STR;
	if (c == '-' || is_digit(c))
		return SA_KIND_INT;
	if (match_literal(j, "true", 4) || match_literal(j, "false", 5))
		return SA_KIND_BOOL;
	if (match_literal(j, "null", 4) || c == '{' || c == '[')
		return -1; /* well-formed JSON, never allowed here */
	return 0;
}

struct pending {
	const uint8_t *p;
	size_t n;
	size_t pos;
};

int
sa_json_parse_record(const char *line, size_t len, struct sa_record *out,
		     char *scratch, struct sa_json_error *err)
{
	struct sa_json_error dummy;
	struct jp jb = {(const uint8_t *)line, len, 0,
			(uint8_t *)scratch,    0,   err != NULL ? err : &dummy};
	struct jp *j = &jb;
	struct pending plain[SA_F__COUNT];
	size_t value_pos[SLOT_B64 + SA_F__COUNT] = {0};
	uint8_t seen[SLOT_B64 + SA_F__COUNT] = {0};
	uint8_t key[KEY_MAX + 1];
	int rc;

	j->err->code = 0;
	j->err->column = 0;
	j->err->field[0] = '\0';
	sa_record_init(out);
	if (line == NULL && len > 0)
		return jp_fail(j, SA_EJSON, 0, "", 0);

	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		return jp_fail(j, SA_EBOM, 0, "", 0);
	skip_ws(j);
	if (j->pos < len && j->s[j->pos] != '{' &&
	    strchr("[\"-0123456789tfn", j->s[j->pos]) != NULL)
		return jp_fail(j, SA_ENOTOBJECT, j->pos, "", 0);
	if (j->pos >= len || j->s[j->pos] != '{')
		return jp_fail(j, SA_EJSON, j->pos, "", 0);
	j->pos++;
	skip_ws(j);
	bool first = true;
	for (;;) {
		if (j->pos >= len)
			return jp_fail(j, SA_EJSON, j->pos, "", 0);
		if (first && j->s[j->pos] == '}')
			break;
		if (j->s[j->pos] != '"')
			return jp_fail(j, SA_EJSON, j->pos, "", 0);

		/* The member's name. */
		size_t kpos = j->pos, klen, epos;
		rc = parse_string(j, key, sizeof key, &klen, &epos);
		if (rc < 0)
			return jp_fail(j, rc, epos, "", 0);
		const char *kname = (const char *)key;
		size_t kshow = klen < sizeof key ? klen : sizeof key;
		int slot = slot_of(key, klen);
		if (slot < 0)
			return jp_fail(j, SA_EUNKFIELD, kpos, kname, kshow);
		if (seen[slot])
			return jp_fail(j, SA_EDUPFIELD, kpos, kname, kshow);
		seen[slot] = 1;

		skip_ws(j);
		if (j->pos >= len || j->s[j->pos] != ':')
			return jp_fail(j, SA_EJSON, j->pos, kname, kshow);
		j->pos++;
		skip_ws(j);

		/* The value, checked against the member's kind. */
		size_t vpos = j->pos;
		int want = slot_kind(slot);
		int got = value_kind(j);
		if (got == 0)
			return jp_fail(j, SA_EJSON, vpos, kname, kshow);
		if (got != want)
			return jp_fail(j, SA_ETYPE, vpos, kname, kshow);
		value_pos[slot] = vpos;

		if (want == SA_KIND_BOOL) {
			bool v = j->s[j->pos] == 't';
			j->pos += v ? 4 : 5;
			sa_record_set_bool(out, (enum sa_field)slot, v);
		} else if (want == SA_KIND_INT) {
			int64_t v;
			rc = parse_int(j, &v, &epos);
			if (rc < 0)
				return jp_fail(j, rc, epos, kname, kshow);
			if (slot == SLOT_SEQ) {
				if (v < 0)
					return jp_fail(j, SA_ERANGE, vpos,
						       kname, kshow);
				out->seq = (uint64_t)v;
			} else {
				rc = sa_record_set_int(out, (enum sa_field)slot,
						       v);
				if (rc < 0)
					return jp_fail(j, rc, vpos, kname,
						       kshow);
			}
		} else {
			const uint8_t *p;
			size_t n;
			rc = parse_value_string(j, &p, &n, &epos);
			if (rc < 0)
				return jp_fail(j, rc, epos, kname, kshow);
			if (slot >= SLOT_B64) {
				/* Decoded in place: base64 only shrinks. */
				size_t bn;
				uint8_t *w = j->scratch + (p - j->scratch);
				rc = sa_b64_decode(w, (const char *)p, n, &bn);
				if (rc < 0)
					return jp_fail(j, rc, vpos, kname,
						       kshow);
				j->sused -= n - bn;
				rc = sa_record_set_str(
				    out, (enum sa_field)(slot - SLOT_B64), w,
				    bn);
				if (rc < 0)
					return jp_fail(j, rc, vpos, kname,
						       kshow);
			} else if (slot == SLOT_TIME) {
				rc = sa_time_parse_rfc3339((const char *)p, n,
							   &out->time_us);
				if (rc < 0)
					return jp_fail(j, rc, vpos, kname,
						       kshow);
			} else if (slot == SLOT_EVENT) {
				enum sa_event ev =
				    sa_event_by_json((const char *)p, n);
				if (ev == SA_EV_NONE)
					return jp_fail(j, SA_EBADEVENT, vpos,
						       kname, kshow);
				out->event = (uint8_t)ev;
			} else if (slot == SLOT_STATUS) {
				if (n != 1 ||
				    sa_status_word((char)p[0]) == NULL)
					return jp_fail(j, SA_ENOTSTATUS, vpos,
						       kname, kshow);
				out->status = (char)p[0];
			} else {
				/*
				 * Applied at the end: a NAME_b64 twin, before
				 * or after, wins, and the U+FFFD text may
				 * well exceed the limit the bytes respect.
				 */
				plain[slot] = (struct pending){p, n, vpos};
			}
		}

		skip_ws(j);
		if (j->pos >= len)
			return jp_fail(j, SA_EJSON, j->pos, "", 0);
		if (j->s[j->pos] == '}')
			break;
		if (j->s[j->pos] != ',')
			return jp_fail(j, SA_EJSON, j->pos, "", 0);
		j->pos++;
		skip_ws(j);
		first = false;
	}
	size_t close = j->pos;
	j->pos++;
	skip_ws(j);
	if (j->pos != len)
		return jp_fail(j, SA_EJSON, j->pos, "", 0); /* trailing data */

	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!seen[f] || seen[SLOT_B64 + f])
			continue;
		if (sa_field_info((enum sa_field)f)->kind != SA_KIND_STR)
			continue;
		rc = sa_record_set_str(out, (enum sa_field)f, plain[f].p,
				       plain[f].n);
		if (rc < 0) {
			const char *nm = slot_name(f);
			return jp_fail(j, rc, plain[f].pos, nm, strlen(nm));
		}
	}

	static const int fixed[] = {SLOT_TIME, SLOT_EVENT, SLOT_STATUS};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if (!seen[fixed[i]]) {
			const char *nm = slot_name(fixed[i]);
			return jp_fail(j, SA_EMISSING, close, nm, strlen(nm));
		}
	}

	enum sa_field bad = SA_F_NONE;
	rc = sa_record_validate(out, &bad);
	if (rc < 0) {
		int slot = (int)bad;
		if (bad == SA_F_NONE)
			slot = rc == SA_EBADEVENT    ? SLOT_EVENT
			       : rc == SA_EBADSTATUS ? SLOT_STATUS
			       : rc == SA_EBADTIME   ? SLOT_TIME
						     : -1;
		if (slot < 0 || slot >= SLOT__COUNT)
			return jp_fail(j, rc, close, "", 0);
		const char *nm = slot_name(slot);
		size_t at = close;
		if (slot < SA_F__COUNT && seen[SLOT_B64 + slot])
			at = value_pos[SLOT_B64 + slot];
		else if (seen[slot])
			at = value_pos[slot];
		return jp_fail(j, rc, at, nm, strlen(nm));
	}
	return 0;
}

void
sa_json_error_text(const struct sa_json_error *err, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return;
	if (err == NULL || err->code == 0) {
		snprintf(buf, cap, "no error");
		return;
	}
	/* The name comes from hostile input: show it inert. */
	char name[sizeof err->field * 4 + 1];
	size_t o = 0;
	for (size_t i = 0; i < sizeof err->field && err->field[i] != '\0';
	     i++) {
		unsigned char c = (unsigned char)err->field[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			snprintf(name + o, sizeof name - o, "\\x%02x", c);
			o += 4;
		} else {
			name[o++] = (char)c;
		}
	}
	name[o] = '\0';
	char limit[48] = "";
	sa_field_limit_text(
	    err->code,
	    sa_field_by_name(err->field,
			     strnlen(err->field, sizeof err->field)),
	    limit, sizeof limit);
	if (o > 0)
		snprintf(buf, cap, "field \"%s\": %s%s (column %zu)", name,
			 sa_strerror(err->code), limit, err->column);
	else
		snprintf(buf, cap, "%s (column %zu)", sa_strerror(err->code),
			 err->column);
}
