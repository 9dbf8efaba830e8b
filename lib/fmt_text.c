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
 *
 * The line is on the hot path of `seaudit -a` (millions of records a
 * second), so it is written through a raw pointer after one capacity
 * check per string field: no snprintf, no sa_buf call per column.
 * Fields are copied and tested for bytes to escape eight at a time, the
 * rare field that has one is redone a byte at a time, and the date and
 * time come from a per-thread cache of the last second converted
 * (sa__time_local_stamp).  The detailed form, read a record at a time,
 * shares the escaper and the cache but keeps sa_buf_printf.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/record.h>

#include "textutil.h"

/* Column kinds of the non-detailed line. */
enum col_kind {
	C_END = 0,
	C_WORD,	   /* event word, or the class for class-word events */
	C_STR,	   /* a string field, left-aligned */
	C_NUM,	   /* an integer field, right-aligned */
	C_SESSION, /* the session field, only with SA_FMT_SESSIONID */
	C_FLAGS,   /* "(OS user)" or nothing */
	C_UNTRUST, /* message_id when stage is 1, else errno */
	C_SERVICE, /* service, then ":port" for a connected TCP record */
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
	char word[9];	  /* fixed word, or the fallback for a class; */
	uint8_t word_len; /*   copied whole, at most the column's 12 */
	bool class_word;  /* the word column shows the class */
	const struct col *cols;
};

#define W(w) w, sizeof(w) - 1 /* word, word_len */

static const struct event_layout layouts[SA_EV__COUNT] = {
    [SA_EV_LOGIN] = {W("LOGIN"), false, lay_login},
    [SA_EV_LOGOUT] = {W("LOGOUT"), false, lay_logout},
    [SA_EV_ACCOUNT_ENABLED] = {W("LOGIN"), false, lay_serevu},
    [SA_EV_ACCOUNT_DISABLED] = {W("LOGIN"), false, lay_serevu},
    [SA_EV_PASSWORD_ATTEMPT] = {W("LOGIN"), false, lay_serevu},
    [SA_EV_RESOURCE] = {W("RESOURCE"), true, lay_resource},
    [SA_EV_UNTRUST] = {W("UNTRUST"), true, lay_untrust},
    [SA_EV_INBOUND] = {W("INET"), true, lay_inbound},
    [SA_EV_OUTBOUND] = {W("INET"), true, lay_outbound},
    [SA_EV_ADMIN] = {W("ADMIN"), false, lay_admin},
    [SA_EV_STARTUP] = {W("START"), false, lay_startup},
    [SA_EV_SHUTDOWN] = {W("SHUTDOWN"), false, lay_shutdown},
    [SA_EV_PASSWORD_VERIFY] = {W("PASSWORD"), false, lay_pwverify},
    [SA_EV_TRACE] = {W("TRACE"), false, lay_trace},
    [SA_EV_LOSS] = {W("LOSS"), false, lay_loss},
    [SA_EV_RETENTION] = {W("RETAIN"), false, lay_retention},
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

/* Byte classes for escaping (see the file comment). */
enum {
	E_PASS = 0, /* printable ASCII: copied */
	E_BSL = 1,  /* backslash: doubled */
	E_HEX = 2,  /* C0 control or DEL: \xHH */
	E_HIGH = 3, /* 0x80..0xff: UTF-8 to validate */
};

static const uint8_t esc_class[256] =
    {
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x00 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
	0, 0, /* 0x5c '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 2,			/* 0x7f DEL */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x80 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/*
 * Escaped output is at most 4 bytes per input byte.  The writers below
 * may also store up to OVERSHOOT bytes past their end (whole 8-byte words,
 * a 32-byte run of blanks, the 24-byte time stamp) that later writes
 * overwrite; a render reserves that much beyond its bound.
 */
#define ESC_MAX 4
#define OVERSHOOT 32

/*
 * Eight bytes at a time: most fields are plain ASCII, and one test per
 * word finds the first byte that needs care.  Only on little-endian
 * machines, where the word's first byte is its lowest.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDWISE 1
#else
#define WORDWISE 0
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * The high bit of each byte of x that is below 0x20, a backslash, or 0x7f
 * and above.  Borrows and carries can also flag a byte above a flagged
 * one, never below, so the lowest flag is exact and the rest are hints
 * (esc_one copes with a plain byte).  x - 0x20 flags the controls (and
 * bytes from 0xa0, flagged anyway), x + 1 flags DEL, x itself the high
 * half, and (x ^ '\\') - 1 the backslash (and the high half again).
 */
static inline uint64_t
special_bytes(uint64_t x)
{
	uint64_t y = x ^ (ONES * '\\');
	return ((x - ONES * 0x20) | x | (x + ONES) | (y - ONES)) & HIGHS;
}

/* Loads n (1..7) bytes as the low bytes of a word, the rest zero. */
static inline uint64_t
load_short(const uint8_t *p, size_t n)
{
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return lo | (uint64_t)hi << (8 * (n - 4));
	}
	return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
	       (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* What esc_one did: its output's end, bytes used, characters written. */
struct esc_step {
	char *o;
	uint32_t used, cells;
};

/*
 * The byte at p[0] (n > 0 left) that needs care, or a plain one a word
 * test flagged as a hint: written escaped, or with the rest of a valid
 * UTF-8 sequence, at o.  Out of line: realistic text rarely gets here.
 */
static struct esc_step
esc_one(char *o, const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t k = 1;
	switch (esc_class[c]) {
	case E_PASS:
		*o = (char)c;
		return (struct esc_step){o + 1, 1, 1};
	case E_BSL:
		o[0] = '\\';
		o[1] = '\\';
		return (struct esc_step){o + 2, 1, 2};
	case E_HEX:
		break;
	default: {
		uint32_t cp;
		k = sa__utf8_seq(p, n, &cp);
		if (k == 0) {
			k = 1;
		} else if (!unsafe_code_point(cp)) {
			memcpy(o, p, k);
			return (struct esc_step){o + k, (uint32_t)k, 1};
		}
		break;
	}
	}
	for (size_t j = 0; j < k; j++) {
		o[0] = '\\';
		o[1] = 'x';
		o[2] = hexdig[p[j] >> 4];
		o[3] = hexdig[p[j] & 0xf];
		o += 4;
	}
	return (struct esc_step){o, (uint32_t)k, (uint32_t)(4 * k)};
}

/*
 * Writes p[0..n) escaped (see the file comment) at o and adds the number
 * of characters written to *cells; returns the new end.  At most
 * ESC_MAX * n bytes, plus OVERSHOOT.  Plain runs are copied a word at a
 * time; esc_one takes the rest.
 */
static char *
put_esc_slow(char *o, const uint8_t *p, size_t n, size_t *cells)
{
	size_t i = 0, w = 0;
	while (WORDWISE) {
		size_t r = n - i, k;
		uint64_t x, m;
		if (r >= 8) {
			memcpy(&x, p + i, 8);
			memcpy(o, &x, 8);
			m = special_bytes(x);
			if (m == 0) {
				o += 8;
				i += 8;
				w += 8;
				continue;
			}
		} else {
			if (r == 0)
				break;
			x = load_short(p + i, r);
			memcpy(o, &x, 8);
			m = special_bytes(x) & ((UINT64_C(1) << (8 * r)) - 1);
			if (m == 0) {
				o += r;
				w += r;
				break;
			}
		}
		k = (size_t)__builtin_ctzll(m) / 8;
		o += k;
		i += k;
		w += k;
		struct esc_step st = esc_one(o, p + i, n - i);
		o = st.o;
		i += st.used;
		w += st.cells;
	}
	while (!WORDWISE && i < n) {
		struct esc_step st = esc_one(o, p + i, n - i);
		o = st.o;
		i += st.used;
		w += st.cells;
	}
	*cells += w;
	return o;
}

/*
 * put_esc_slow's optimistic front: most fields need no escape at all, so
 * copy them word by word (the last word overlapping the one before, a
 * short field in one piece) while testing every word, and only when a
 * word had a byte to care for, do it again the careful way.  Inlined:
 * the call and its register saves cost as much as a short field.
 */
static inline __attribute__((always_inline)) char *
put_esc(char *o, const uint8_t *p, size_t n, size_t *cells)
{
	uint64_t x, m = 0;
	if (!WORDWISE || n == 0)
		return put_esc_slow(o, p, n, cells);
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, p + i, 8);
			memcpy(o + i, &x, 8);
			m |= special_bytes(x);
		}
		memcpy(&x, p + n - 8, 8);
		memcpy(o + n - 8, &x, 8);
		m |= special_bytes(x);
	} else {
		x = load_short(p, n);
		memcpy(o, &x, 8);
		m = special_bytes(x) & ((UINT64_C(1) << (8 * n)) - 1);
	}
	if (m != 0)
		return put_esc_slow(o, p, n, cells);
	*cells += n;
	return o + n;
}

/* Appends p[0..n) escaped, adding its characters to *cells. */
static int
esc_append(struct sa_buf *b, const uint8_t *p, size_t n, size_t *cells)
{
	if (n > (SIZE_MAX / 2 - OVERSHOOT) / ESC_MAX)
		return -ENOMEM;
	int rc = sa_buf_reserve(b, n * ESC_MAX + OVERSHOOT);
	if (rc < 0)
		return rc;
	char *o = put_esc(b->data + b->len, p, n, cells);
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
	return 0;
}

static const char blanks[OVERSHOOT + 1] = "                                ";

/* Blanks from `have` characters up to `width` (at most OVERSHOOT). */
static inline char *
put_pad(char *o, size_t have, size_t width)
{
	if (have >= width)
		return o;
	/* One fixed-size store: columns are at most 20 wide. */
	memcpy(o, blanks, OVERSHOOT);
	return o + (width - have);
}

static bool
masked_field(enum sa_field f)
{
	return f == SA_F_COMMAND || f == SA_F_TRACE;
}

/*
 * A string field's bytes as shown: the record's own, or its masked copy
 * in *tmp (which the caller frees).
 */
static int
shown_str(const struct sa_record *r, enum sa_field f, unsigned flags,
	  struct sa_buf *tmp, const uint8_t **p, size_t *n)
{
	const struct sa_str *s = &r->str[f];
	if (!masked_field(f) || (flags & SA_FMT_UNMASKED)) {
		*p = s->ptr;
		*n = s->len;
		return 0;
	}
	sa_buf_reset(tmp);
	int rc = sa_mask_passwords(tmp, s->ptr, s->len);
	if (rc < 0)
		return rc;
	*p = (const uint8_t *)tmp->data;
	*n = tmp->len;
	return 0;
}

/* Appends a string field escaped, masking passwords where they can hide. */
static int
put_str(struct sa_buf *b, const struct sa_record *r, enum sa_field f,
	unsigned flags, size_t *cells)
{
	struct sa_buf tmp = SA_BUF_INIT;
	const uint8_t *p;
	size_t n;
	int rc = shown_str(r, f, flags, &tmp, &p, &n);
	if (rc == 0)
		rc = esc_append(b, p, n, cells);
	sa_buf_free(&tmp);
	return rc;
}

#define NUM_MAX 21 /* "-9223372036854775808" and a glue blank */

/*
 * A number right-aligned in its column.  A glued number too wide for its
 * column still needs a gap.  Stage, reason and errno codes are below
 * 10000: their digits go straight to the output, two at a time (a copy
 * through a small buffer would stall on the store of a few bytes being
 * read back as a wider word).
 */
static inline char *
put_num(char *o, int64_t v, size_t width, bool glue)
{
	size_t n;
	if (v >= 0 && v < 10000) {
		unsigned hi = (unsigned)v / 100, lo = (unsigned)v % 100;
		n = v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
		if (glue && n >= width)
			*o++ = ' ';
		o = put_pad(o, n, width);
		if (n == 4) {
			memcpy(o, sa__digit_pairs + 2 * (size_t)hi, 2);
			memcpy(o + 2, sa__digit_pairs + 2 * (size_t)lo, 2);
		} else if (n == 3) {
			o[0] = (char)('0' + hi);
			memcpy(o + 1, sa__digit_pairs + 2 * (size_t)lo, 2);
		} else {
			/* "07" shifted by one gives "7" (and a spare byte). */
			memcpy(o, sa__digit_pairs + 2 * (size_t)lo + (2 - n),
			       2);
		}
		return o + n;
	}
	char num[24];
	n = (size_t)(sa__put_i64(num, v) - num);
	if (glue && n >= width)
		*o++ = ' ';
	o = put_pad(o, n, width);
	memcpy(o, num, n);
	return o + n;
}

static bool
is_os_user(const struct sa_record *r)
{
	return sa_record_has(r, SA_F_OS_USER) && r->num[SA_F_OS_USER] != 0;
}

/* The field a C_UNTRUST column shows. */
static enum sa_field
untrust_field(const struct sa_record *r)
{
	return (sa_record_has(r, SA_F_STAGE) &&
		r->num[SA_F_STAGE] == SA_WDWARN_STATCHANGED)
		   ? SA_F_MESSAGE_ID
		   : SA_F_ERRNO;
}

/*
 * Room for everything of a line but its string fields: the time stamp,
 * the status, and per column a separator, blanks up to the width and a
 * number, plus the overshoot.  The widest layout has 12 columns.
 */
#define LINE_FIXED                                                             \
	(SA__STAMP_MAX + 1 + ESC_MAX + 12 * (1 + 20 + NUM_MAX) + 1 +           \
	 OVERSHOOT + 40 /* producer mark */)

/*
 * Makes room at *o for a string field of n bytes and LINE_FIXED after it,
 * the line so far being out->data[out->len..*o); moves *o, *line and
 * *end with the data.
 */
static int
grow_line(struct sa_buf *out, char **o, char **line, char **end, size_t n)
{
	size_t at = (size_t)(*o - out->data), l = (size_t)(*line - out->data),
	       e = (size_t)(*end - out->data);
	if (n > (SIZE_MAX / 2 - LINE_FIXED - (at - out->len)) / ESC_MAX)
		return -ENOMEM;
	int rc = sa_buf_reserve(out, at - out->len + n * ESC_MAX + LINE_FIXED);
	if (rc < 0)
		return rc;
	*o = out->data + at;
	*line = out->data + l;
	*end = out->data + e;
	return 0;
}

/*
 * Appends the line with its '\n', written through a raw pointer: one
 * reservation covers the fixed part, and each string field checks its
 * own worst case (4 bytes a byte) against what is left, so the usual
 * record costs one capacity check per string and no snprintf.
 */
/*
 * A record the daemon took from a producer that was not root ends with
 * " [producer uid N]" (docs/FORMAT.md, seaudit(1)): such a producer may
 * only write about itself, and the line must not look like root's.  At
 * most 30 bytes, within the LINE_FIXED kept free after the last column.
 */
static char *
producer_mark(char *o, const struct sa_record *r)
{
	if (!sa_record_has(r, SA_F_PRODUCER_UID) ||
	    r->num[SA_F_PRODUCER_UID] == 0)
		return o;
	static const char pre[] = " [producer uid ";
	memcpy(o, pre, sizeof pre - 1);
	o = put_num(o + sizeof pre - 1, r->num[SA_F_PRODUCER_UID], 0, false);
	*o++ = ']';
	return o;
}

static int
line_body(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	int rc;
	if (r->event == SA_EV_NONE || r->event >= SA_EV__COUNT)
		return SA_EBADEVENT;
	const struct event_layout *lay = &layouts[r->event];
	const struct sa__stamp *stamp = sa__time_local_stamp(r->time_us);
	if (stamp == NULL)
		return SA_EBADTIME;
	/* Twice: the first string field then finds LINE_FIXED still free. */
	if (out->cap - out->len <= 2 * (size_t)LINE_FIXED &&
	    (rc = sa_buf_reserve(out, 2 * (size_t)LINE_FIXED)) < 0)
		return rc;

	char *line = out->data + out->len;
	char *o = line;
	memcpy(o, stamp->text, SA__STAMP_MAX);
	o += stamp->len;
	*o++ = ' ';
	/* The status letter is record data too: escape it like a field. */
	uint8_t st = (uint8_t)r->status;
	if (esc_class[st] == E_PASS)
		*o++ = (char)st;
	else if (st == 0)
		*o++ = '?';
	else
		o = esc_one(o, &st, 1).o;

	struct sa_buf tmp = SA_BUF_INIT; /* a masked command or trace */
	bool sessions = (flags & SA_FMT_SESSIONID) != 0;
	/* Blanks after `end` are padding or separators: trimmed below. */
	char *end = o;
	for (const struct col *c = lay->cols; c->kind != C_END; c++) {
		enum sa_field f = (enum sa_field)c->field;
		const uint8_t *p;
		size_t n, room, cells = 0;
		if (c->kind == C_SESSION && !sessions)
			continue;
		if (!c->glue)
			*o++ = ' ';
		switch ((enum col_kind)c->kind) {
		case C_WORD:
			if (!lay->class_word || !sa_record_has(r, SA_F_CLASS)) {
				/* Plain capitals: nothing to escape. */
				memcpy(o, lay->word, sizeof lay->word);
				o += lay->word_len;
				cells = lay->word_len;
				break;
			}
			f = SA_F_CLASS;
			/* fall through */
		case C_STR:
		case C_SESSION:
		case C_SERVICE:
			if (!sa_record_has(r, f))
				goto port;
			p = r->str[f].ptr;
			n = r->str[f].len;
			if (masked_field(f) && !(flags & SA_FMT_UNMASKED)) {
				if ((rc = shown_str(r, f, flags, &tmp, &p,
						    &n)) < 0)
					goto fail;
			}
			/*
			 * The field's worst case, and LINE_FIXED left for
			 * the columns after it.
			 */
			room = (size_t)(out->data + out->cap - o);
			if ((room < LINE_FIXED ||
			     n > (room - LINE_FIXED) / ESC_MAX) &&
			    (rc = grow_line(out, &o, &line, &end, n)) < 0)
				goto fail;
			o = put_esc(o, p, n, &cells);
		port:
			/* The connected TCP record's port: "ssh:22", or "22"
			 * alone without a service.  At most 21 bytes, within
			 * the LINE_FIXED left free above. */
			if (c->kind == C_SERVICE &&
			    sa_record_has(r, SA_F_PORT)) {
				if (cells > 0) {
					*o++ = ':';
					cells++;
				}
				char *p0 = o;
				o = put_num(o, r->num[SA_F_PORT], 0, false);
				cells += (size_t)(o - p0);
			}
			break;
		case C_NUM:
		case C_UNTRUST:
			if (c->kind == C_UNTRUST)
				f = untrust_field(r);
			if (sa_record_has(r, f)) {
				o = put_num(o, r->num[f], c->width, c->glue);
				end = o;
				continue;
			}
			break;
		case C_FLAGS:
			if (is_os_user(r)) {
				memcpy(o, "(OS user)", 9);
				o += 9;
				cells = 9;
			}
			break;
		case C_END:
			break;
		}
		if (cells > 0)
			end = o;
		o = put_pad(o, cells, c->width);
	}
	if (tmp.cap > 0)
		sa_buf_free(&tmp);
	/* Trailing blanks go, field bytes included, as they always did. */
	o = end;
	while (o > line && o[-1] == ' ')
		o--;
	o = producer_mark(o, r);
	*o++ = '\n';
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
fail:
	sa_buf_free(&tmp);
	sa__buf_rollback(out, out->len);
	return rc;
}

int
sa_format_line(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	return line_body(out, r, flags);
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
	int rc;

	const struct sa__stamp *stamp = sa__time_local_stamp(r->time_us);
	if (stamp == NULL)
		return SA_EBADTIME;
	/* A copy: the stamp lives only until the next conversion. */
	char date[SA__STAMP_MAX], clock[SA__STAMP_MAX];
	int date_len = stamp->date_len;
	int clock_len = stamp->len - stamp->date_len - 1;
	memcpy(date, stamp->text, SA__STAMP_MAX);
	memcpy(clock, stamp->text + date_len + 1, (size_t)clock_len);
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
	if ((rc = sa_buf_printf(out, "Date: %.*s\nTime: %.*s\n", date_len, date,
				clock_len, clock)) < 0 ||
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
	    (rc = label_str(out, ev == SA_EV_LOSS ? "Loss detail" : "Detail", r,
			    SA_F_DETAIL, flags)) < 0)
		return rc;
	if (r->seq != 0 &&
	    (rc = sa_buf_printf(out, "Sequence: %" PRIu64 "\n", r->seq)) < 0)
		return rc;
	if ((rc = label_num(out, "Process ID", r, SA_F_PID)) < 0)
		return rc;
	return label_num(out, "Producer UID", r, SA_F_PRODUCER_UID);
}

int
sa_format_detail(struct sa_buf *out, const struct sa_record *r, unsigned flags)
{
	size_t start = out->len;
	int rc;
	CK(line_body(out, r, flags));
	CK(detail_body(out, r, flags));
	CK(sa_buf_append(out, "\n", 1));
	return 0;
fail:
	sa__buf_rollback(out, start);
	return rc;
}
