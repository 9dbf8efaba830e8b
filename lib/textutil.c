/*
 * textutil.c - integer output shared by the renderers (see textutil.h).
 * Two digits per division: integer formatting is a measurable part of
 * exporting millions of records.
 */
#include <string.h>

#include "textutil.h"

const char sa__digit_pairs[201] = "00010203040506070809101112131415161718192021"
				  "222324252627282930313233343536373839"
				  "40414243444546474849505152535455565758596061"
				  "626364656667686970717273747576777879"
				  "8081828384858687888990919293949596979899";

char *
sa__put_u64(char *p, uint64_t v)
{
	char tmp[20];
	char *e = tmp + sizeof tmp, *q = e;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		q -= 2;
		memcpy(q, sa__digit_pairs + 2 * (size_t)r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, sa__digit_pairs + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	memcpy(p, q, (size_t)(e - q));
	return p + (e - q);
}

char *
sa__put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		/* Negate in unsigned arithmetic: INT64_MIN has no positive. */
		return sa__put_u64(p, 0 - (uint64_t)v);
	}
	return sa__put_u64(p, (uint64_t)v);
}

void
sa__hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		*out++ = digits[p[i] >> 4];
		*out++ = digits[p[i] & 15];
	}
	*out = '\0';
}
