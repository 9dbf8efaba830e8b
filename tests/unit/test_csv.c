/*
 * test_csv.c - the CSV exporter (lib/fmt_csv.c) against RFC 4180 and the
 * column contract of docs/json-csv.md.
 *
 * The test carries its own small, strict RFC 4180 reader (quoted cells
 * must close before a comma or CRLF, no quote inside an unquoted cell,
 * rows end only in CRLF) that also reports whether each cell was quoted,
 * which is what tells a present empty string ("") from an absent field
 * (nothing).  With it, the header and 100,000 random hostile records are
 * read back and compared with sa_record_equal, row by row and as one
 * stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/json.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "testutil.h"

static const char header[] =
    "time,event,status,class,user,session,access,stage,reason,resource,"
    "program,terminal,host,service,module,message_id,errno,effective_user,"
    "real_user,uid,euid,ruid,port,command,trace,os_user,origin,seq,pid,"
    "producer_uid,lost,lost_since,lost_until,detail,removed_first,"
    "removed_last,removed_chain,seal_bridge\r\n";

static const char *const seed_json[4] = {
    "{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":\"P\","
    "\"user\":\"root\",\"session\":\"49047159:0000034b\",\"stage\":59,"
    "\"reason\":2,\"terminal\":\"_CRONJOB_\",\"program\":\"SBIN_CRON\",\"os_"
    "user\":false}",
    "{\"time\":\"2009-01-29T17:23:33Z\",\"event\":\"logout\",\"status\":\"O\","
    "\"user\":\"root\",\"stage\":49,\"reason\":2,\"terminal\":\"computer.com\","
    "\"os_user\":false}",
    "{\"time\":\"2008-11-18T15:23:56Z\",\"event\":\"resource\",\"status\":"
    "\"D\",\"class\":\"FILE\",\"user\":\"admabc\",\"session\":\"4922ae61:"
    "00000132\",\"access\":\"Read\",\"stage\":69,\"reason\":3,\"resource\":\"/"
    "tmp/one\",\"program\":\"/usr/local/bin/"
    "tcsh\",\"terminal\":\"localhost\",\"effective_user\":\"admabc\",\"os_"
    "user\":false}",
    "{\"time\":\"2009-01-21T15:37:43Z\",\"event\":\"outbound\",\"status\":"
    "\"D\",\"class\":\"TCP\",\"service\":\"telnet\",\"user\":\"root\","
    "\"session\":\"4977248c:0000012a5248\",\"stage\":408,\"reason\":2,\"host\":"
    "\"computer.org\",\"program\":\"/usr/bin/"
    "telnet\",\"terminal\":\"computer.com\",\"os_user\":false}",
};

static const char *const seed_csv[4] = {
    "2008-10-28T12:15:01Z,login,P,,root,49047159:0000034b,,59,2,,SBIN_CRON,_"
    "CRONJOB_,,,,,,,,,,,,,,false,,,,,,,,,,,,\r\n",
    "2009-01-29T17:23:33Z,logout,O,,root,,,49,2,,,computer.com,,,,,,,,,,,,,,"
    "false,,,,,,,,,,,,\r\n",
    "2008-11-18T15:23:56Z,resource,D,FILE,admabc,4922ae61:00000132,Read,69,3,/"
    "tmp/one,/usr/local/bin/"
    "tcsh,localhost,,,,,,admabc,,,,,,,,false,,,,,,,,,,,,\r\n",
    "2009-01-21T15:37:43Z,outbound,D,TCP,root,4977248c:0000012a5248,,408,2,,/"
    "usr/bin/"
    "telnet,computer.com,computer.org,telnet,,,,,,,,,,,,false,,,,,,,,,,,,\r\n",
};

static void
test_header(void **state)
{
	(void)state;
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_csv_header(&b), 0);
	assert_string_equal(b.data, header);
	struct tu_cell cells[TU_CSV_MAXCELLS];
	uint8_t dec[sizeof header];
	size_t pos = 0;
	int n = tu_csv_row((const uint8_t *)b.data, b.len, &pos, cells, dec);
	tu_csv_check_header(cells, n);
	assert_int_equal(pos, b.len);
	/* The same names, in the same order, as the JSON members. */
	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_TRACE;
	r.status = 'P';
	r.seq = 1;
	for (int f = 1; f < SA_F__COUNT; f++) {
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		if (fi->kind == SA_KIND_STR)
			sa_record_set_cstr(&r, (enum sa_field)f, "x");
		else if (fi->kind == SA_KIND_INT)
			sa_record_set_int(&r, (enum sa_field)f, 1);
		else
			sa_record_set_bool(&r, (enum sa_field)f, true);
	}
	struct sa_buf j = SA_BUF_INIT;
	assert_int_equal(sa_format_json(&j, &r, 0), 0);
	const char *at = j.data;
	for (int i = 0; i < n; i++) {
		char key[40];
		snprintf(key, sizeof key, "\"%.*s\":", (int)cells[i].n,
			 (const char *)cells[i].p);
		const char *k = strstr(at, key);
		if (k == NULL)
			fail_msg("CSV column %s out of JSON order", key);
		at = k;
	}
	sa_buf_free(&j);
	sa_buf_free(&b);
}

static void
test_seed_golden(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(seed_json[i]);
		char *scratch = malloc(n);
		struct sa_record r;
		assert_int_equal(
		    sa_json_parse_record(seed_json[i], n, &r, scratch, NULL),
		    0);
		struct sa_buf b = SA_BUF_INIT;
		assert_int_equal(sa_format_csv(&b, &r, 0), 0);
		assert_string_equal(b.data, seed_csv[i]);
		sa_buf_free(&b);
		free(scratch);
	}
}

static void
base_record(struct sa_record *r)
{
	sa_record_init(r);
	r->event = SA_EV_ADMIN;
	r->status = 'S';
	r->time_us = INT64_C(1225196101000001);
	sa_record_set_cstr(r, SA_F_USER, "root");
}

static void
test_quoting(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		size_t n;
		const char *cell;
	} v[] = {
	    {"plain", 5, "plain"},
	    {"", 0, "\"\""},
	    {"a,b", 3, "\"a,b\""},
	    {"say \"hi\"", 8, "\"say \"\"hi\"\"\""},
	    {"\"", 1, "\"\"\"\""},
	    {"l1\r\nl2", 6, "\"l1\r\nl2\""},
	    {"cr\r", 3, "\"cr\r\""},
	    {"lf\n", 3, "\"lf\n\""},
	    {" lead", 5, "\" lead\""},
	    {"trail ", 6, "\"trail \""},
	    {"\ttab", 4, "\"\ttab\""},
	    {"in ner", 6, "in ner"},
	    {"nul\0x\xff\x80\x1b", 8, "nul\0x\xff\x80\x1b"},
	    {"=cmd()", 6, "=cmd()"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct sa_record r;
		base_record(&r);
		sa_record_set_str(&r, SA_F_HOST, v[i].raw, v[i].n);
		struct sa_buf b = SA_BUF_INIT;
		assert_int_equal(sa_format_csv(&b, &r, 0), 0);
		/* host is column 13: after 12 commas */
		const char *p = b.data;
		for (int c = 0; c < 12; c++)
			p = (const char *)memchr(p, ',',
						 b.len - (size_t)(p - b.data)) +
			    1;
		size_t cl = strlen(v[i].cell);
		if (i == 12)
			cl = 8;
		assert_memory_equal(p, v[i].cell, cl);
		assert_int_equal(p[cl], ',');
		sa_buf_free(&b);
	}
	/* Absent is nothing; status and numbers are bare. */
	struct sa_record r;
	base_record(&r);
	sa_record_set_int(&r, SA_F_ERRNO, -2147483648LL);
	sa_record_set_int(&r, SA_F_UID, 4294967295LL);
	sa_record_set_bool(&r, SA_F_OS_USER, true);
	r.seq = UINT64_C(9223372036854775807);
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_csv(&b, &r, 0), 0);
	assert_string_equal(b.data,
			    "2008-10-28T12:15:01.000001Z,admin,S,,root,,,,,,,,,"
			    ",,,-2147483648,,,4294967295,,,,,,true,,"
			    "9223372036854775807,,,,,,,,,,\r\n");
	sa_buf_free(&b);
}

static void
test_masking(void **state)
{
	(void)state;
	struct sa_record r;
	base_record(&r);
	sa_record_set_cstr(&r, SA_F_COMMAND, "chusr bob password(sec,ret)");
	sa_record_set_cstr(&r, SA_F_TRACE, "after");
	struct sa_buf b = SA_BUF_INIT;
	sa_buf_append(&b, "prefix|", 7);
	assert_int_equal(sa_format_csv(&b, &r, 0), 0);
	assert_memory_equal(b.data, "prefix|2008", 11);
	assert_null(strstr(b.data, "sec"));
	assert_non_null(strstr(b.data, ",chusr bob password(***),after,"));
	sa_buf_reset(&b);
	assert_int_equal(sa_format_csv(&b, &r, SA_FMT_UNMASKED), 0);
	assert_non_null(strstr(b.data, ",\"chusr bob password(sec,ret)\","));

	/* Masked text that needs quotes, in a growing buffer. */
	for (int i = 0; i < 40; i++) {
		struct sa_buf t = SA_BUF_INIT;
		char many[1024];
		size_t n = 0;
		for (int j = 0; j < i * 3; j++)
			n += (size_t)snprintf(many + n, sizeof many - n,
					      "pw=\"a\",");
		sa_record_set_str(&r, SA_F_COMMAND, many, n);
		assert_int_equal(sa_format_csv(&t, &r, 0), 0);
		assert_null(strstr(t.data, "pw=\"\"a"));
		struct tu_cell cells[TU_CSV_MAXCELLS], hdr[TU_CSV_MAXCELLS];
		uint8_t *dec = malloc(t.len + sizeof header);
		size_t pos = 0;
		assert_int_equal(tu_csv_row((const uint8_t *)header,
					    sizeof header - 1, &pos, hdr, dec),
				 TU_CSV_NCOLS);
		pos = 0;
		assert_int_equal(tu_csv_row((const uint8_t *)t.data, t.len,
					    &pos, cells, dec + sizeof header),
				 TU_CSV_NCOLS);
		assert_int_equal(pos, t.len);
		free(dec);
		sa_buf_free(&t);
	}
	sa_buf_free(&b);
}

static void
test_refusals(void **state)
{
	(void)state;
	struct sa_record r;
	base_record(&r);
	struct sa_buf b = SA_BUF_INIT;
	sa_buf_append(&b, "keep", 4);
	r.event = SA_EV_NONE;
	assert_int_equal(sa_format_csv(&b, &r, 0), SA_EBADEVENT);
	r.event = SA_EV_ADMIN;
	r.time_us = SA_TIME_MAX_US + 1;
	assert_int_equal(sa_format_csv(&b, &r, 0), SA_EBADTIME);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	sa_buf_free(&b);
}

/* The test's reader is itself strict: it refuses what RFC 4180 refuses. */
static void
test_reader_is_strict(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "a\"b\r\n", "\"a\"b\r\n", "\"a\r\n",     "a\n",
	    "a\rb\r\n", "a",	      "\"a\"\"\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tu_cell cells[TU_CSV_MAXCELLS];
		uint8_t dec[32];
		size_t pos = 0;
		assert_int_equal(tu_csv_row((const uint8_t *)bad[i],
					    strlen(bad[i]), &pos, cells, dec),
				 -1);
	}
}

static void
test_random_roundtrip(void **state)
{
	(void)state;
	struct tu_rng rng;
	tu_rng_seed(&rng, 4180);
	struct tu_arena arena;
	tu_arena_init(&arena, 1 << 20);
	struct sa_buf b = SA_BUF_INIT, stream = SA_BUF_INIT;
	uint8_t *dec = NULL;
	size_t deccap = 0;
	struct tu_cell hdr[TU_CSV_MAXCELLS], cells[TU_CSV_MAXCELLS];
	uint8_t hdec[sizeof header];
	size_t hpos = 0;
	tu_csv_check_header(hdr,
			    tu_csv_row((const uint8_t *)header,
				       sizeof header - 1, &hpos, hdr, hdec));

	/* The records of the stream, kept alive in their own arenas. */
	enum { STREAM = 500 };
	struct tu_arena sarena;
	tu_arena_init(&sarena, 64 << 20);
	struct sa_record *srec = calloc(STREAM, sizeof *srec);
	assert_non_null(srec);
	assert_int_equal(sa_format_csv_header(&stream), 0);

	for (int i = 0; i < 100000; i++) {
		struct sa_record r;
		tu_arena_reset(&arena);
		tu_random_record(&rng, &arena, &r);
		if (i % 2)
			r.seq = tu_rng_next(&rng) >> 1;
		sa_buf_reset(&b);
		assert_int_equal(sa_format_csv(&b, &r, SA_FMT_UNMASKED), 0);
		if (b.len > deccap) {
			deccap = b.len * 2;
			dec = realloc(dec, deccap);
			assert_non_null(dec);
		}
		size_t pos = 0;
		int n = tu_csv_row((const uint8_t *)b.data, b.len, &pos, cells,
				   dec);
		if (n != TU_CSV_NCOLS || pos != b.len)
			fail_msg(
			    "record %d: row not strict RFC 4180 (%d cells, "
			    "%zu of %zu bytes)",
			    i, n, pos, b.len);
		struct sa_record back;
		tu_csv_row_to_record(hdr, cells, n, &back);
		if (!sa_record_equal(&r, &back))
			fail_msg("record %d differs after CSV round trip", i);
		if (i < STREAM) {
			/* Deep-copy strings so the stream check can compare. */
			srec[i] = r;
			for (int f = 1; f < SA_F__COUNT; f++) {
				if (!sa_record_has(&r, (enum sa_field)f) ||
				    sa_field_info((enum sa_field)f)->kind !=
					SA_KIND_STR)
					continue;
				size_t len = r.str[f].len;
				assert_true(sarena.used + len + 1 <=
					    sarena.cap);
				uint8_t *d = sarena.mem + sarena.used;
				if (len)
					memcpy(d, r.str[f].ptr, len);
				sarena.used += len + 1;
				srec[i].str[f].ptr = d;
			}
			assert_int_equal(sa_buf_append(&stream, b.data, b.len),
					 0);
		}
	}

	/* Header plus 500 rows read back as one stream. */
	uint8_t *sdec = malloc(stream.len);
	assert_non_null(sdec);
	size_t pos = 0;
	struct tu_cell shdr[TU_CSV_MAXCELLS];
	tu_csv_check_header(shdr, tu_csv_row((const uint8_t *)stream.data,
					     stream.len, &pos, shdr, sdec));
	size_t dused = sizeof header;
	for (int i = 0; i < STREAM; i++) {
		size_t before = pos;
		int n = tu_csv_row((const uint8_t *)stream.data, stream.len,
				   &pos, cells, sdec + dused);
		assert_int_equal(n, TU_CSV_NCOLS);
		dused += pos - before;
		struct sa_record back;
		tu_csv_row_to_record(shdr, cells, n, &back);
		assert_true(sa_record_equal(&srec[i], &back));
	}
	assert_int_equal(pos, stream.len);

	free(sdec);
	free(srec);
	free(dec);
	tu_arena_free(&sarena);
	tu_arena_free(&arena);
	sa_buf_free(&b);
	sa_buf_free(&stream);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_seed_golden),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_masking),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_reader_is_strict),
	    cmocka_unit_test(test_random_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
