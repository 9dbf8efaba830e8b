/*
 * base64.c - strict standard base64 (see base64.h).
 *
 * Invariants: the encoder never reads past src[n-1] and writes exactly
 * sa_b64_encoded_len(n) bytes; the decoder reads each 4-character quantum
 * completely before writing its (at most) 3 bytes, which is what makes
 * in-place decoding (dst == src) safe.  Table-driven so that hostile input
 * costs one lookup per character and no branch on the alphabet.
 */
#include <stddef.h>
#include <stdint.h>

#include <seaudit/error.h>

#include "base64.h"

static const char b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * 1 + the value of each alphabet character; 0 (the default) for every
 * other byte, '=' included, so that no range initializer is needed.
 */
static const uint8_t b64_value1[256] = {
    ['A'] = 1,	['B'] = 2,  ['C'] = 3,	['D'] = 4,  ['E'] = 5,	['F'] = 6,
    ['G'] = 7,	['H'] = 8,  ['I'] = 9,	['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

char *
sa_b64_encode(char *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;
	for (; n - i >= 3; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 |
			     (uint32_t)src[i + 1] << 8 | src[i + 2];
		dst[0] = b64_alphabet[v >> 18];
		dst[1] = b64_alphabet[(v >> 12) & 63];
		dst[2] = b64_alphabet[(v >> 6) & 63];
		dst[3] = b64_alphabet[v & 63];
		dst += 4;
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)src[i] << 16;
		dst[0] = b64_alphabet[v >> 18];
		dst[1] = b64_alphabet[(v >> 12) & 63];
		dst[2] = '=';
		dst[3] = '=';
		dst += 4;
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		dst[0] = b64_alphabet[v >> 18];
		dst[1] = b64_alphabet[(v >> 12) & 63];
		dst[2] = b64_alphabet[(v >> 6) & 63];
		dst[3] = '=';
		dst += 4;
	}
	return dst;
}

int
sa_b64_decode(uint8_t *dst, const char *src, size_t n, size_t *out_len)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t o = 0;
	*out_len = 0;
	if (n % 4 != 0)
		return SA_EBADENC;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_value1[s[i]] - 1, b = b64_value1[s[i + 1]] - 1;
		int c = b64_value1[s[i + 2]] - 1, d = b64_value1[s[i + 3]] - 1;
		if ((a | b) < 0)
			return SA_EBADENC;
		if ((c | d) >= 0) {
			uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
				     (uint32_t)c << 6 | (uint32_t)d;
			dst[o++] = (uint8_t)(v >> 16);
			dst[o++] = (uint8_t)(v >> 8);
			dst[o++] = (uint8_t)v;
			continue;
		}
		/* Padding: only in the last quantum, canonical bits only. */
		if (i + 4 != n)
			return SA_EBADENC;
		if (c < 0) {
			if (s[i + 2] != '=' || s[i + 3] != '=' || (b & 15) != 0)
				return SA_EBADENC;
			dst[o++] = (uint8_t)(a << 2 | b >> 4);
		} else {
			if (s[i + 3] != '=' || (c & 3) != 0)
				return SA_EBADENC;
			uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 |
				     (uint32_t)c << 6;
			dst[o++] = (uint8_t)(v >> 16);
			dst[o++] = (uint8_t)(v >> 8);
		}
	}
	*out_len = o;
	return 0;
}
