/*
 * test_golden.c - golden files pin format version 1 (the OpenBSM way):
 *
 *  - tests/golden/records.jsonl written to a log with a fixed origin and
 *    creation time must produce tests/golden/v1/0000000000000001.seg byte
 *    for byte: any change to the encoding shows here as a failure;
 *  - the committed segment, and its committed compressed copy, must still
 *    read and render to tests/golden/v1/expected.{line,detail,jsonl,csv}:
 *    every later reader reads every earlier version;
 *  - so must tests/golden/v1/unsealed/, the same records as written before
 *    the integrity chain (no log identity, no link, no checkpoints).
 *
 * After a deliberate format change, regenerate with
 * SEAUDIT_REGEN_GOLDEN=1 and review the diff of tests/golden/ by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

#define CREATED INT64_C(1225000000000000)

static char gold[1024];
static bool regen;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void
spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* Compares with a golden file, or rewrites it under SEAUDIT_REGEN_GOLDEN. */
static void
check_gold(const char *name, const void *p, size_t n)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/v1/%s", gold, name);
	if (regen) {
		spit(path, p, n);
		return;
	}
	size_t len;
	char *want = slurp(path, &len);
	if (want == NULL)
		fail_msg("missing golden file %s (SEAUDIT_REGEN_GOLDEN=1)",
			 path);
	if (len != n || memcmp(want, p, n) != 0) {
		size_t i = 0;
		while (i < len && i < n && want[i] == ((const char *)p)[i])
			i++;
		fail_msg("%s differs from the golden file at byte %zu", path,
			 i);
	}
	free(want);
}

static void
test_writer_output_is_pinned(void **state)
{
	(void)state;
	char dir[256], path[1200];
	tu_mkdtemp(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/records.jsonl", gold);
	size_t len;
	char *src = slurp(path, &len);
	assert_non_null(src);
	struct sa_writer *w;
	struct sa_writer_opts o = {.origin = "golden.example",
				   .created_us = CREATED};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	char *scratch = malloc(len + 1);
	int lines = 0;
	for (char *p = src, *nl;
	     (nl = memchr(p, '\n', len - (size_t)(p - src))); p = nl + 1) {
		struct sa_record r;
		struct sa_json_error err;
		int rc = sa_json_parse_record(p, (size_t)(nl - p), &r, scratch,
					      &err);
		if (rc != 0) {
			char msg[200];
			sa_json_error_text(&err, msg, sizeof msg);
			fail_msg("records.jsonl:%d: %s", lines + 1, msg);
		}
		assert_int_equal(sa_writer_append(w, &r), 0);
		lines++;
	}
	assert_int_equal(lines, 18);
	char seg[1200];
	snprintf(seg, sizeof seg, "%s", sa_writer_segment_path(w));
	assert_int_equal(sa_writer_close(w), 0);
	size_t n;
	char *bytes = slurp(seg, &n);
	check_gold("0000000000000001.seg", bytes, n);
	if (regen) {
		/* The compressed copy is kept as written once (zstd output
		 * may differ between zstd versions; reading it may not). */
		assert_int_equal(sa_segment_compress(seg, 3), 0);
		char z[1300];
		snprintf(z, sizeof z, "%s.zst", seg);
		size_t zn;
		char *zb = slurp(z, &zn);
		snprintf(path, sizeof path, "%s/v1/compressed", gold);
		char cmd[1400];
		snprintf(cmd, sizeof cmd, "mkdir -p %s", path);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof path,
			 "%s/v1/compressed/0000000000000001.seg.zst", gold);
		spit(path, zb, zn);
		free(zb);
	}
	free(bytes);
	free(src);
	free(scratch);
	tu_rmtree(dir);
}

static void
fail_damage(const struct sa_damage *d, void *arg)
{
	(void)arg;
	fail_msg("damage in golden file %s at %llu", d->file,
		 (unsigned long long)d->offset);
}

static void
render(const char *path, struct sa_buf *line, struct sa_buf *detail,
       struct sa_buf *json, struct sa_buf *csv)
{
	const char *paths[] = {path};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, fail_damage, NULL), 0);
	struct sa_record r;
	int n = 0;
	sa_format_csv_header(csv);
	while (sa_reader_next(rd, &r) == 1) {
		assert_int_equal(sa_format_line(line, &r, SA_FMT_SESSIONID), 0);
		assert_int_equal(sa_format_detail(detail, &r, 0), 0);
		assert_int_equal(sa_format_json(json, &r, 0), 0);
		assert_int_equal(sa_format_csv(csv, &r, 0), 0);
		n++;
	}
	assert_int_equal(n, 18);
	sa_reader_close(rd);
}

static void
test_v1_files_still_read(void **state)
{
	(void)state;
	char p[1200];
	struct sa_buf l = SA_BUF_INIT, d = SA_BUF_INIT, j = SA_BUF_INIT,
		      c = SA_BUF_INIT;
	snprintf(p, sizeof p, "%s/v1/0000000000000001.seg", gold);
	render(p, &l, &d, &j, &c);
	check_gold("expected.line", l.data, l.len);
	check_gold("expected.detail", d.data, d.len);
	check_gold("expected.jsonl", j.data, j.len);
	check_gold("expected.csv", c.data, c.len);
	/* The compressed copy renders identically. */
	struct sa_buf l2 = SA_BUF_INIT, d2 = SA_BUF_INIT, j2 = SA_BUF_INIT,
		      c2 = SA_BUF_INIT;
	snprintf(p, sizeof p, "%s/v1/compressed/0000000000000001.seg.zst",
		 gold);
	render(p, &l2, &d2, &j2, &c2);
	assert_int_equal(j.len, j2.len);
	assert_memory_equal(j.data, j2.data, j.len);
	assert_int_equal(d.len, d2.len);
	assert_memory_equal(d.data, d2.data, d.len);
	/* Written before sealing: the same records, the same renderings. */
	const char *unsealed[] = {"unsealed/0000000000000001.seg",
				  "unsealed/0000000000000001.seg.zst"};
	for (int u = 0; u < 2; u++) {
		struct sa_buf l3 = SA_BUF_INIT, d3 = SA_BUF_INIT,
			      j3 = SA_BUF_INIT, c3 = SA_BUF_INIT;
		snprintf(p, sizeof p, "%s/v1/%s", gold, unsealed[u]);
		render(p, &l3, &d3, &j3, &c3);
		assert_int_equal(l.len, l3.len);
		assert_memory_equal(l.data, l3.data, l.len);
		assert_int_equal(j.len, j3.len);
		assert_memory_equal(j.data, j3.data, j.len);
		assert_int_equal(c.len, c3.len);
		assert_memory_equal(c.data, c3.data, c.len);
		sa_buf_free(&l3);
		sa_buf_free(&d3);
		sa_buf_free(&j3);
		sa_buf_free(&c3);
	}
	/* Passwords never show in the display forms. */
	assert_null(strstr(l.data, "Secr3t"));
	assert_null(strstr(d.data, "Secr3t"));
	assert_null(strstr(j.data, "Secr3t"));
	assert_null(strstr(c.data, "Secr3t"));
	sa_buf_free(&l);
	sa_buf_free(&d);
	sa_buf_free(&j);
	sa_buf_free(&c);
	sa_buf_free(&l2);
	sa_buf_free(&d2);
	sa_buf_free(&j2);
	sa_buf_free(&c2);
}

int
main(void)
{
	const char *src = getenv("SA_SRC");
	if (src == NULL)
		src = ".";
	snprintf(gold, sizeof gold, "%s/tests/golden", src);
	regen = getenv("SEAUDIT_REGEN_GOLDEN") != NULL;
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writer_output_is_pinned),
	    cmocka_unit_test(test_v1_files_still_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
