/*
 * crc32c.c - CRC-32C with the SSE4.2 crc32 instruction when the CPU has it
 * (chosen once at run time) and a slice-by-8 table otherwise.
 *
 * The hardware path is about 20x the table's speed here, which keeps
 * checksum verification far below the cost of formatting when the viewer
 * streams millions of records.  Both paths are checked against the RFC
 * 3720 vectors in tests/unit/test_crc32c.c.
 */
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82f63b78u

static uint32_t table[8][256];
static bool table_ready;

static void
table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^
				      table[0][table[t - 1][i] & 0xff];
	table_ready = true;
}

uint32_t sa__crc32c_sw(uint32_t crc, const void *data, size_t n);

uint32_t
sa__crc32c_sw(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;
	if (!table_ready)
		table_init();
	crc = ~crc;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		      table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		      table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

uint32_t sa__crc32c_hw(uint32_t crc, const void *data, size_t n);

__attribute__((target("sse4.2"))) uint32_t
sa__crc32c_hw(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = _mm_crc32_u8(c32, *p++);
	return ~c32;
}
#endif

uint32_t
sa_crc32c(uint32_t crc, const void *data, size_t n)
{
#if defined(__x86_64__)
	static int have_hw = -1;
	if (have_hw < 0)
		have_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	if (have_hw)
		return sa__crc32c_hw(crc, data, n);
#endif
	return sa__crc32c_sw(crc, data, n);
}
