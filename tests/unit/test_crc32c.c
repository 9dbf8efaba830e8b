/*
 * test_crc32c.c - CRC-32C against RFC 3720 (B.4) vectors, and agreement of
 * the hardware and table paths on every length and alignment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"

uint32_t sa__crc32c_sw(uint32_t crc, const void *data, size_t n);
#if defined(__x86_64__)
uint32_t sa__crc32c_hw(uint32_t crc, const void *data, size_t n);
#endif

static void
test_vectors(void **state)
{
	(void)state;
	uint8_t buf[32];
	assert_int_equal(sa_crc32c(0, "123456789", 9), 0xe3069283u);
	memset(buf, 0, sizeof buf);
	assert_int_equal(sa_crc32c(0, buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(sa_crc32c(0, buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(sa_crc32c(0, buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(sa_crc32c(0, buf, 32), 0x113fdb5cu);
	assert_int_equal(sa__crc32c_sw(0, "123456789", 9), 0xe3069283u);
}

static void
test_paths_agree(void **state)
{
	(void)state;
	uint8_t buf[1100];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= sizeof buf; n += 37) {
			uint32_t a = sa__crc32c_sw(0, buf + off, n);
			assert_int_equal(a, sa_crc32c(0, buf + off, n));
#if defined(__x86_64__)
			if (__builtin_cpu_supports("sse4.2"))
				assert_int_equal(
				    a, sa__crc32c_hw(0, buf + off, n));
#endif
			/* Incremental equals one-shot. */
			uint32_t c = sa_crc32c(0, buf + off, n / 2);
			c = sa_crc32c(c, buf + off + n / 2, n - n / 2);
			assert_int_equal(a, c);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_paths_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
