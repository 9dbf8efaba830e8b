/*
 * test_roundtrip.c - 100,000 random records of every event type, with
 * hostile bytes in every string (invalid UTF-8, controls, commas, quotes,
 * values at their limits), go JSON -> log -> JSON and come back equal
 * field for field and byte for byte; the CSV written from the log parses
 * back (strict RFC 4180) to the same values.
 *
 * The JSON is the contract's (unmasked: masking is for display, and a
 * round trip must not lose a byte).  Sequence numbers and origins are
 * stamped by the writer, so the source records carry the values the
 * writer will give them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

#define N 100000
#define ORIGIN "rt-host.example"

static void
fail_on_damage(const struct sa_damage *d, void *arg)
{
	(void)arg;
	fail_msg("damage in %s at %llu", d->file,
		 (unsigned long long)d->offset);
}

static void
test_json_log_json(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct tu_rng rng;
	struct tu_arena a;
	tu_rng_seed(&rng, 20261121);
	tu_arena_init(&a, 1 << 20);

	/* Phase 1: source JSON lines, kept in one buffer. */
	struct sa_buf src = SA_BUF_INIT;
	size_t *ends = malloc(sizeof *ends * N);
	uint32_t events = 0;
	for (int i = 0; i < N; i++) {
		struct sa_record r;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		r.seq = (uint64_t)i + 1;
		if (!sa_record_has(&r, SA_F_ORIGIN))
			sa_record_set_cstr(&r, SA_F_ORIGIN, ORIGIN);
		events |= 1u << r.event;
		assert_int_equal(sa_format_json(&src, &r, SA_FMT_UNMASKED), 0);
		ends[i] = src.len;
	}
	/* Every event type is covered. */
	assert_int_equal(events, ((1u << SA_EV__COUNT) - 1) & ~1u);

	/* Phase 2: parse every line and write it to the log. */
	struct sa_writer *w;
	struct sa_writer_opts o = {.origin = ORIGIN,
				   .sync = SA_SYNC_NONE,
				   .segment_size = 16 << 20,
				   .compress_sealed = true};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	char *scratch = malloc(1 << 20);
	size_t start = 0;
	for (int i = 0; i < N; i++) {
		struct sa_record r;
		struct sa_json_error err;
		size_t len = ends[i] - start;
		int rc = sa_json_parse_record(src.data + start, len, &r,
					      scratch, &err);
		if (rc != 0) {
			char msg[256];
			sa_json_error_text(&err, msg, sizeof msg);
			fail_msg("line %d: %s", i + 1, msg);
		}
		uint64_t want = r.seq;
		assert_int_equal(sa_writer_append(w, &r), 0);
		assert_int_equal(r.seq, want);
		if (i % 4096 == 4095)
			assert_int_equal(sa_writer_commit(w), 0);
		start = ends[i];
	}
	assert_int_equal(sa_writer_close(w), 0);

	/* Phase 3: read back, render JSON and CSV, compare. */
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, fail_on_damage, NULL),
			 0);
	struct sa_buf out = SA_BUF_INIT, csv = SA_BUF_INIT, head = SA_BUF_INIT;
	uint8_t *dec = malloc(1 << 20);
	struct tu_cell hdr[TU_CSV_MAXCELLS], cells[TU_CSV_MAXCELLS];
	uint8_t *hdec = malloc(4096);
	/* Header cells point into `head`, which must outlive the loop. */
	assert_int_equal(sa_format_csv_header(&head), 0);
	size_t pos = 0;
	int nh =
	    tu_csv_row((const uint8_t *)head.data, head.len, &pos, hdr, hdec);
	tu_csv_check_header(hdr, nh);
	struct sa_record r;
	start = 0;
	int i = 0;
	while (sa_reader_next(rd, &r) == 1) {
		assert_true(i < N);
		sa_buf_reset(&out);
		assert_int_equal(sa_format_json(&out, &r, SA_FMT_UNMASKED), 0);
		size_t len = ends[i] - start;
		if (out.len != len || memcmp(out.data, src.data + start, len))
			fail_msg("record %d differs:\n%.*s%s", i + 1, (int)len,
				 src.data + start, out.data);
		sa_buf_reset(&csv);
		assert_int_equal(sa_format_csv(&csv, &r, SA_FMT_UNMASKED), 0);
		pos = 0;
		int nc = tu_csv_row((const uint8_t *)csv.data, csv.len, &pos,
				    cells, dec);
		assert_int_equal(pos, csv.len);
		struct sa_record back;
		tu_csv_row_to_record(hdr, cells, nc, &back);
		assert_true(sa_record_equal(&back, &r));
		start = ends[i];
		i++;
	}
	assert_int_equal(i, N);
	sa_reader_close(rd);
	sa_buf_free(&src);
	sa_buf_free(&out);
	sa_buf_free(&csv);
	sa_buf_free(&head);
	free(ends);
	free(scratch);
	free(dec);
	free(hdec);
	tu_arena_free(&a);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_log_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
