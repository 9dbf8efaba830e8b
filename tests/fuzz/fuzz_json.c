/*
 * fuzz_json.c - libFuzzer target for the JSON Lines importer
 * (sa_json_parse_record) and, through it, the exporters.
 *
 * Properties checked on every input, beyond "no crash, no overread" (the
 * input and the scratch are exact-size heap blocks, so ASan sees one byte
 * too far):
 * - an error has a code, a column within the line (+1 for "at the end"),
 *   and sa_json_error_text yields a terminated string;
 * - a parsed record is valid, formats back (unmasked) to a line that
 *   parses to an equal record, and that line is canonical: formatting
 *   the re-parsed record gives the same bytes;
 * - the masked JSON form and the CSV form of the record succeed.
 * Any violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/format.h>
#include <seaudit/json.h>
#include <seaudit/record.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	char *scratch = malloc(size ? size : 1);
	check(line != NULL && scratch != NULL);
	if (size)
		memcpy(line, data, size);

	struct sa_record r;
	struct sa_json_error err;
	int rc = sa_json_parse_record(line, size, &r, scratch, &err);
	char text[300];
	sa_json_error_text(&err, text, sizeof text);
	check(memchr(text, '\0', sizeof text) != NULL);
	if (rc != 0) {
		check(rc < 0 && err.code == rc);
		check(err.column >= 1 && err.column <= size + 1);
		check(memchr(err.field, '\0', sizeof err.field) != NULL);
		goto out;
	}
	check(err.code == 0);
	check(sa_record_validate(&r, NULL) == 0);

	struct sa_buf a = SA_BUF_INIT, b = SA_BUF_INIT;
	check(sa_format_json(&a, &r, SA_FMT_UNMASKED) == 0);
	char *s2 = malloc(a.len);
	check(s2 != NULL);
	struct sa_record r2;
	check(sa_json_parse_record(a.data, a.len, &r2, s2, &err) == 0);
	check(sa_record_equal(&r, &r2));
	check(sa_format_json(&b, &r2, SA_FMT_UNMASKED) == 0);
	check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);

	sa_buf_reset(&b);
	check(sa_format_json(&b, &r, 0) == 0);
	check(b.len > 0 && b.data[b.len - 1] == '\n');
	sa_buf_reset(&b);
	check(sa_format_csv(&b, &r, 0) == 0);
	check(b.len >= 2 && b.data[b.len - 1] == '\n');

	free(s2);
	sa_buf_free(&a);
	sa_buf_free(&b);
out:
	free(scratch);
	free(line);
	return 0;
}
