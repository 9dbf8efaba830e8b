/*
 * textutil.h - internal: the small text primitives every renderer needs,
 * kept in one place so that JSON, CSV, the line form and the time
 * formatter agree on them (UTF-8 validity above all: a byte one renderer
 * calls valid and another escapes would make the forms disagree).
 */
#ifndef SEAUDIT_TEXTUTIL_H
#define SEAUDIT_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/format.h>

/* "00" "01" ... "99": two digits at a time for fast integer output. */
extern const char sa__digit_pairs[201];

/* Decimal of v at p (no terminator); returns the end.  At most 20 bytes. */
char *sa__put_u64(char *p, uint64_t v);
/* Signed, at most 20 bytes ("-9223372036854775808" is 20). */
char *sa__put_i64(char *p, int64_t v);

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

/* Undoes a failed render: the buffer is as it was at `start`. */
static inline void
sa__buf_rollback(struct sa_buf *b, size_t start)
{
	b->len = start;
	if (b->cap > 0)
		b->data[start] = '\0';
}

#endif
