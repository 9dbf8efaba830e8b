/*
 * fuzz_record.c - libFuzzer target for the binary record decoder.
 *
 * Whatever decodes must be a valid record (the decoder enforces the record
 * rules), must re-encode, and must decode again to an equal record.  The
 * first 16 bytes, when present, choose the base sequence number and time
 * so that the relative encodings are exercised at their edges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t base_seq = 0;
	int64_t base_time = 0;
	if (size >= 16 && data[0] == 0xff) {
		memcpy(&base_seq, data + 1, 8);
		memcpy(&base_time, data + 8, 8);
		base_time &= INT64_C(0x00ffffffffffffff);
		data += 16;
		size -= 16;
	}
	struct sa_record r, r2;
	if (sa_record_decode(data, size, base_seq, base_time, &r) != 0)
		return 0;
	if (sa_record_validate(&r, NULL) != 0)
		abort();
	static uint8_t buf[SA_MAX_RECORD + 64];
	size_t n;
	if (sa_record_encode(&r, base_seq, base_time, buf, sizeof buf, &n) != 0)
		abort();
	if (sa_record_decode(buf, n, base_seq, base_time, &r2) != 0 ||
	    !sa_record_equal(&r, &r2))
		abort();
	/* The renderers must cope with anything the decoder accepts. */
	struct sa_buf out = SA_BUF_INIT;
	sa_format_line(&out, &r, SA_FMT_SESSIONID);
	sa_format_detail(&out, &r, 0);
	sa_format_json(&out, &r, 0);
	sa_format_csv(&out, &r, 0);
	sa_buf_free(&out);
	return 0;
}
