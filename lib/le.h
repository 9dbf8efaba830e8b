/*
 * le.h - little-endian loads and stores, the one copy for the library
 * (every fixed-size integer of the log format and the protocol is
 * little-endian: docs/FORMAT.md, docs/PROTOCOL.md).  Byte by byte, so
 * they work at any alignment and on any host order; compilers turn them
 * into single moves.  Internal: not part of the public API.
 */
#ifndef SA_LE_H
#define SA_LE_H

#include <stdint.h>

static inline void
sa__le16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
sa__le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void
sa__le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t
sa__le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
sa__le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t
sa__le64_get(const uint8_t *p)
{
	return (uint64_t)sa__le32_get(p) | (uint64_t)sa__le32_get(p + 4) << 32;
}

#endif
