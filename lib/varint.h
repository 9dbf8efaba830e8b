/*
 * varint.h - LEB128 unsigned varints and zigzag signed integers, the
 * building blocks of the record body encoding (docs/FORMAT.md).
 *
 * Decoders take hostile input: they never read past `end` and reject
 * encodings longer than 10 bytes or overflowing 64 bits.
 */
#ifndef SEAUDIT_VARINT_H
#define SEAUDIT_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define SA_VARINT_MAX 10

static inline size_t
sa_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline size_t
sa_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Returns bytes consumed, or 0 when truncated or malformed. */
static inline size_t
sa_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < SA_VARINT_MAX && p + i < end; i++) {
		uint64_t b = p[i];
		if (i == 9 && b > 1)
			return 0; /* would overflow 64 bits */
		v |= (b & 0x7f) << (7 * i);
		if (b < 0x80) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

static inline uint64_t
sa_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
sa_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
