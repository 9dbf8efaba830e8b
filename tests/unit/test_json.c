/*
 * test_json.c - the JSON Lines exporter and importer (lib/fmt_json.c,
 * lib/json_parse.c, lib/base64.c) against the records.md contract.
 *
 * What is proven here: the four seed records parse and render to fixed
 * golden lines; every error class is reported with its code, column and
 * member name; hostile bytes render to strict JSON with NAME_b64 twins;
 * passwords never leak through the lossless copy; and 100,000 random
 * hostile records survive format -> parse -> sa_record_equal, each line
 * also accepted by jansson (an independent strict parser) whose decoded
 * strings must equal the record's bytes.  Parser scratch is always an
 * exact-size heap block so an overflow trips ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif

#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/json.h>
#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include "base64.h"
#include "testutil.h"

/* The four seed lines of spec/records.md, verbatim. */
static const char *const seed_in[4] = {
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

/* The same records as the exporter writes them: the canonical order. */
static const char *const seed_out[4] = {
    "{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":\"P\","
    "\"user\":\"root\",\"session\":\"49047159:0000034b\",\"stage\":59,"
    "\"reason\":2,\"program\":\"SBIN_CRON\",\"terminal\":\"_CRONJOB_\",\"os_"
    "user\":false}\n",
    "{\"time\":\"2009-01-29T17:23:33Z\",\"event\":\"logout\",\"status\":\"O\","
    "\"user\":\"root\",\"stage\":49,\"reason\":2,\"terminal\":\"computer.com\","
    "\"os_user\":false}\n",
    "{\"time\":\"2008-11-18T15:23:56Z\",\"event\":\"resource\",\"status\":"
    "\"D\",\"class\":\"FILE\",\"user\":\"admabc\",\"session\":\"4922ae61:"
    "00000132\",\"access\":\"Read\",\"stage\":69,\"reason\":3,\"resource\":\"/"
    "tmp/one\",\"program\":\"/usr/local/bin/"
    "tcsh\",\"terminal\":\"localhost\",\"effective_user\":\"admabc\",\"os_"
    "user\":false}\n",
    "{\"time\":\"2009-01-21T15:37:43Z\",\"event\":\"outbound\",\"status\":"
    "\"D\",\"class\":\"TCP\",\"user\":\"root\",\"session\":\"4977248c:"
    "0000012a5248\",\"stage\":408,\"reason\":2,\"program\":\"/usr/bin/"
    "telnet\",\"terminal\":\"computer.com\",\"host\":\"computer.org\","
    "\"service\":\"telnet\",\"os_user\":false}\n",
};

/* Every member name in the exporter's order. */
static const char *const order[] = {
    "time",	     "event",	       "status",	"class",
    "user",	     "session",	       "access",	"stage",
    "reason",	     "resource",       "program",	"terminal",
    "host",	     "service",	       "module",	"message_id",
    "errno",	     "effective_user", "real_user",	"uid",
    "euid",	     "ruid",	       "port",		"command",
    "trace",	     "os_user",	       "origin",	"seq",
    "pid",	     "producer_uid",   "lost",		"lost_since",
    "lost_until",    "detail",	       "removed_first", "removed_last",
    "removed_chain", "seal_bridge",
};

#define NORDER (sizeof order / sizeof order[0])

/* Parses from an exact-size heap copy with an exact-size scratch. */
struct parsed {
	char *line;
	char *scratch;
	struct sa_record r;
	struct sa_json_error err;
	int rc;
};

static void
parse_into(struct parsed *p, const char *s, size_t n)
{
	p->line = malloc(n ? n : 1);
	p->scratch = malloc(n ? n : 1);
	assert_non_null(p->line);
	assert_non_null(p->scratch);
	memcpy(p->line, s, n);
	p->rc = sa_json_parse_record(p->line, n, &p->r, p->scratch, &p->err);
}

static void
parsed_free(struct parsed *p)
{
	free(p->line);
	free(p->scratch);
}

static void
test_seed_golden(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		struct parsed p;
		parse_into(&p, seed_in[i], strlen(seed_in[i]));
		if (p.rc != 0) {
			char t[256];
			sa_json_error_text(&p.err, t, sizeof t);
			fail_msg("seed %d: %s", i, t);
		}
		struct sa_buf b = SA_BUF_INIT;
		assert_int_equal(sa_format_json(&b, &p.r, 0), 0);
		assert_string_equal(b.data, seed_out[i]);
		assert_int_equal(b.len, strlen(seed_out[i]));
		/* The canonical line parses to the same record. */
		struct parsed q;
		parse_into(&q, b.data, b.len);
		assert_int_equal(q.rc, 0);
		assert_true(sa_record_equal(&p.r, &q.r));
		parsed_free(&q);
		sa_buf_free(&b);
		parsed_free(&p);
	}

	/* Spot checks of the decoded values of the resource seed. */
	struct parsed p;
	parse_into(&p, seed_in[2], strlen(seed_in[2]));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.r.event, SA_EV_RESOURCE);
	assert_int_equal(p.r.status, 'D');
	assert_int_equal(p.r.time_us, INT64_C(1227021836000000));
	assert_int_equal(p.r.num[SA_F_STAGE], 69);
	assert_int_equal(p.r.num[SA_F_OS_USER], 0);
	assert_true(sa_record_has(&p.r, SA_F_OS_USER));
	assert_int_equal(p.r.str[SA_F_RESOURCE].len, 8);
	assert_memory_equal(p.r.str[SA_F_RESOURCE].ptr, "/tmp/one", 8);
	assert_false(sa_record_has(&p.r, SA_F_HOST));
	assert_int_equal(p.r.seq, 0);
	parsed_free(&p);
}

/* The writer's member names are the record model's JSON names. */
static void
test_names_and_order(void **state)
{
	(void)state;
	for (size_t i = 3; i < NORDER; i++) {
		if (strcmp(order[i], "seq") == 0)
			continue;
		enum sa_field f = sa_field_by_name(order[i], strlen(order[i]));
		assert_int_not_equal(f, SA_F_NONE);
		assert_string_equal(sa_field_info(f)->json, order[i]);
	}
	/* A record with every member set renders them in this order. */
	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_TRACE;
	r.status = 'P';
	r.time_us = 1;
	r.seq = 77;
	for (int f = 1; f < SA_F__COUNT; f++) {
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		if (fi->kind == SA_KIND_STR)
			assert_int_equal(
			    sa_record_set_cstr(&r, (enum sa_field)f, "x"), 0);
		else if (fi->kind == SA_KIND_INT)
			assert_int_equal(
			    sa_record_set_int(&r, (enum sa_field)f, 1), 0);
		else
			assert_int_equal(
			    sa_record_set_bool(&r, (enum sa_field)f, true), 0);
	}
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_json(&b, &r, 0), 0);
	const char *at = b.data;
	for (size_t i = 0; i < NORDER; i++) {
		char key[40];
		snprintf(key, sizeof key, "\"%s\":", order[i]);
		const char *k = strstr(b.data, key);
		if (k == NULL || k < at)
			fail_msg("member %s missing or out of order in %s",
				 order[i], b.data);
		at = k;
	}
	assert_non_null(strstr(b.data, "\"seq\":77,\"pid\":1,"));
	assert_non_null(strstr(b.data, "\"seal_bridge\":\"x\"}"));
	assert_non_null(strstr(b.data, "\"os_user\":true"));

	/* seq 0 is "unset" and omitted. */
	sa_buf_reset(&b);
	r.seq = 0;
	assert_int_equal(sa_format_json(&b, &r, 0), 0);
	assert_null(strstr(b.data, "\"seq\""));
	sa_buf_free(&b);
}

struct bad_case {
	const char *json;
	int code;
	const char *field;
	const char *at; /* the column is where this text first occurs */
};

#define HEAD                                                                   \
	"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":"   \
	"\"P\","

static const struct bad_case bad_cases[] = {
    /* malformed JSON */
    {"", SA_EJSON, "", NULL},
    {"   ", SA_EJSON, "", NULL},
    {"[]", SA_ENOTOBJECT, "", "["},
    {"\xef\xbb\xbf{}", SA_EBOM, "", "\xef"},
    {" 42", SA_ENOTOBJECT, "", "42"},
    {"{", SA_EJSON, "", NULL},
    {"{\"user\"", SA_EJSON, "user", NULL},
    {"{\"user\":", SA_EJSON, "user", NULL},
    {"{\"user\" \"root\"}", SA_EJSON, "user", "\"root"},
    {"{\"user\":\"root", SA_EJSON, "user", NULL},
    {HEAD "\"user\":\"root\",}", SA_EJSON, "", "}"},
    {HEAD "\"user\":\"root\" \"x\":1}", SA_EJSON, "", "\"x\""},
    {HEAD "\"user\":\"root\"} x", SA_EJSON, "", "x"},
    {HEAD "\"user\":\"root\"}{}", SA_EJSON, "", "{}"},
    {HEAD "\"user\":\"ro\tot\"}", SA_EJSON, "user", "\tot"},
    {HEAD "\"user\":\"ro\not\"}", SA_EJSON, "user", "\not"},
    {HEAD "\"user\":root}", SA_EJSON, "user", "root"},
    {HEAD "\"user\":\"root\",\"stage\":01}", SA_EJSON, "stage", "1}"},
    {HEAD "\"user\":\"root\",\"stage\":-}", SA_EJSON, "stage", "}"},
    {HEAD "\"user\":\"root\",\"stage\":1.}", SA_EJSON, "stage", "}"},
    {HEAD "\"user\":\"root\",\"stage\":1e}", SA_EJSON, "stage", "}"},
    {HEAD "\"user\":\"root\",\"stage\":+1}", SA_EJSON, "stage", "+1"},
    {HEAD "\"user\":\"root\",\"os_user\":tru}", SA_EJSON, "os_user", "tru"},
    {HEAD "\"user\":\"root\",\"os_user\":truex}", SA_EJSON, "", "x}"},
    {"{'user':'root'}", SA_EJSON, "", "'"},
    /* escapes and surrogates */
    {HEAD "\"user\":\"a\\x\"}", SA_EBADENC, "user", "\\x"},
    {HEAD "\"user\":\"a\\u12G4\"}", SA_EBADENC, "user", "\\u12G4"},
    {HEAD "\"user\":\"a\\u12\"}", SA_EBADENC, "user", "\\u12"},
    {HEAD "\"user\":\"\\ud800\"}", SA_EBADENC, "user", "\\ud800"},
    {HEAD "\"user\":\"\\udc00x\"}", SA_EBADENC, "user", "\\udc00"},
    {HEAD "\"user\":\"\\ud800\\u0041\"}", SA_EBADENC, "user", "\\ud800"},
    {HEAD "\"user\":\"\\ud800\\ud800\"}", SA_EBADENC, "user", "\\ud800"},
    {HEAD "\"user\":\"a\\", SA_EJSON, "user", NULL},
    {HEAD "\"us\\qer\":\"a\"}", SA_EBADENC, "", "\\qer"},
    /* unknown and duplicate members */
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"statu\":\"P\","
     "\"user\":\"root\"}",
     SA_EUNKFIELD, "statu", "\"statu\""},
    {HEAD "\"user\":\"root\",\"User\":\"x\"}", SA_EUNKFIELD, "User",
     "\"User\""},
    {HEAD "\"user\":\"root\",\"stage_b64\":\"AA==\"}", SA_EUNKFIELD,
     "stage_b64", "\"stage_b64\""},
    {HEAD "\"user\":\"root\",\"time_b64\":\"AA==\"}", SA_EUNKFIELD, "time_b64",
     "\"time_b64\""},
    {HEAD "\"user\":\"root\",\"_b64\":\"\"}", SA_EUNKFIELD, "_b64", "\"_b64\""},
    {HEAD "\"user\":\"root\",\"\":\"\"}", SA_EUNKFIELD, "", "\"\":"},
    {HEAD "\"user\":\"root\",\"user\":\"x\"}", SA_EDUPFIELD, "user",
     "\"user\":\"x"},
    {HEAD "\"user\":\"root\",\"u\\u0073er\":\"x\"}", SA_EDUPFIELD, "user",
     "\"u\\u0073er"},
    {HEAD "\"user_b64\":\"AA==\",\"user\":\"x\",\"user_b64\":\"AA==\"}",
     SA_EDUPFIELD, "user_b64", "\"user_b64\":\"AA==\"}"},
    {HEAD "\"user\":\"root\",\"time\":\"2008-10-28T12:15:01Z\"}", SA_EDUPFIELD,
     "time", "\"time\":\"2008-10-28T12:15:01Z\"}"},
    {HEAD "\"user\":\"root\",\"seq\":1,\"seq\":1}", SA_EDUPFIELD, "seq",
     "\"seq\":1}"},
    /* types */
    {HEAD "\"user\":null}", SA_ETYPE, "user", "null"},
    {HEAD "\"user\":\"root\",\"host\":null}", SA_ETYPE, "host", "null"},
    {HEAD "\"user\":\"root\",\"stage\":null}", SA_ETYPE, "stage", "null"},
    {HEAD "\"user\":{\"a\":1}}", SA_ETYPE, "user", "{\"a"},
    {HEAD "\"user\":[\"root\"]}", SA_ETYPE, "user", "["},
    {HEAD "\"user\":7}", SA_ETYPE, "user", "7}"},
    {HEAD "\"user\":true}", SA_ETYPE, "user", "true"},
    {HEAD "\"user\":\"root\",\"stage\":\"59\"}", SA_ETYPE, "stage", "\"59"},
    {HEAD "\"user\":\"root\",\"stage\":1.5}", SA_ETYPE, "stage", "1.5"},
    {HEAD "\"user\":\"root\",\"stage\":1e3}", SA_ETYPE, "stage", "1e3"},
    {HEAD "\"user\":\"root\",\"stage\":-2E-1}", SA_ETYPE, "stage", "-2E-1"},
    {HEAD "\"user\":\"root\",\"stage\":true}", SA_ETYPE, "stage", "true"},
    {HEAD "\"user\":\"root\",\"os_user\":1}", SA_ETYPE, "os_user", "1}"},
    {HEAD "\"user\":\"root\",\"os_user\":\"true\"}", SA_ETYPE, "os_user",
     "\"true\""},
    {HEAD "\"user\":\"root\",\"seq\":\"1\"}", SA_ETYPE, "seq", "\"1\""},
    {"{\"time\":1225196101,\"event\":\"login\",\"status\":\"P\",\"user\":"
     "\"root\"}",
     SA_ETYPE, "time", "1225196101"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":1,\"status\":\"P\",\"user\":"
     "\"root\"}",
     SA_ETYPE, "event", "1,"},
    /* ranges */
    {HEAD "\"user\":\"root\",\"stage\":2147483648}", SA_ERANGE, "stage",
     "2147483648"},
    {HEAD "\"user\":\"root\",\"stage\":-2147483649}", SA_ERANGE, "stage",
     "-2147483649"},
    {HEAD "\"user\":\"root\",\"uid\":-1}", SA_ERANGE, "uid", "-1}"},
    {HEAD "\"user\":\"root\",\"uid\":4294967296}", SA_ERANGE, "uid",
     "4294967296"},
    {HEAD "\"user\":\"root\",\"port\":65536}", SA_ERANGE, "port", "65536"},
    {HEAD "\"user\":\"root\",\"pid\":99999999999999999999999}", SA_ERANGE,
     "pid", "9999"},
    {HEAD "\"user\":\"root\",\"seq\":-1}", SA_ERANGE, "seq", "-1}"},
    {HEAD "\"user\":\"root\",\"seq\":9223372036854775808}", SA_ERANGE, "seq",
     "9223372036854775808"},
    {HEAD "\"user\":\"root\",\"seq\":18446744073709551616}", SA_ERANGE, "seq",
     "18446744073709551616"},
    /* event, status, time */
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"logon\",\"status\":\"P\","
     "\"user\":\"root\"}",
     SA_EBADEVENT, "event", "\"logon"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"LOGIN\",\"status\":\"P\","
     "\"user\":\"root\"}",
     SA_EBADEVENT, "event", "\"LOGIN"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":\"PP\","
     "\"user\":\"root\"}",
     SA_ENOTSTATUS, "status", "\"PP"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":\"\","
     "\"user\":\"root\"}",
     SA_ENOTSTATUS, "status", "\"\","},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"status\":\"p\","
     "\"user\":\"root\"}",
     SA_ENOTSTATUS, "status", "\"p\""},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"status\":\"O\",\"event\":\"login\","
     "\"user\":\"root\"}",
     SA_EBADSTATUS, "status", "\"O\""},
    {"{\"time\":\"2008-10-28 "
     "12:15:01\",\"event\":\"login\",\"status\":\"P\",\"user\":\"root\"}",
     SA_EBADTIME, "time", "\"2008"},
    {"{\"time\":\"1969-12-31T23:59:59Z\",\"event\":\"login\",\"status\":\"P\","
     "\"user\":\"root\"}",
     SA_EBADTIME, "time", "\"1969"},
    /* missing members */
    {"{}", SA_EMISSING, "time", "}"},
    {"{\"event\":\"login\",\"status\":\"P\",\"user\":\"root\"}", SA_EMISSING,
     "time", "}"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"status\":\"P\",\"user\":\"root\"}",
     SA_EMISSING, "event", "}"},
    {"{\"time\":\"2008-10-28T12:15:01Z\",\"event\":\"login\",\"user\":"
     "\"root\"}",
     SA_EMISSING, "status", "}"},
    {HEAD "\"host\":\"x\"}", SA_EMISSING, "user", "}"},
    {"{\"time\":\"2008-11-18T15:23:56Z\",\"event\":\"resource\",\"status\":"
     "\"D\",\"user\":\"a\",\"resource\":\"/x\"}",
     SA_EMISSING, "class", "}"},
    /* base64 */
    {HEAD "\"user_b64\":\"!!!!\"}", SA_EBADENC, "user_b64", "\"!!!!"},
    {HEAD "\"user_b64\":\"QQ=\"}", SA_EBADENC, "user_b64", "\"QQ="},
    {HEAD "\"user_b64\":\"QR==\"}", SA_EBADENC, "user_b64", "\"QR=="},
    {HEAD "\"user_b64\":\"QUJ=\"}", SA_EBADENC, "user_b64", "\"QUJ="},
    {HEAD "\"user_b64\":\"QQ==QQ==\"}", SA_EBADENC, "user_b64", "\"QQ==QQ"},
    {HEAD "\"user_b64\":\"QU JD\"}", SA_EBADENC, "user_b64", "\"QU JD"},
    {HEAD "\"user_b64\":\"cm9vdA==\\n\"}", SA_EBADENC, "user_b64", "\"cm9vdA"},
    {HEAD "\"user\":\"root\",\"host_b64\":\"====\"}", SA_EBADENC, "host_b64",
     "\"===="},
    {HEAD "\"user_b64\":7}", SA_ETYPE, "user_b64", "7}"},
};

static size_t
column_of(const char *json, const char *at)
{
	if (at == NULL)
		return strlen(json) + 1;
	const char *p = strstr(json, at);
	if (p == NULL)
		fail_msg("test bug: \"%s\" not in %s", at, json);
	return (size_t)(p - json) + 1;
}

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct parsed p;
		parse_into(&p, c->json, strlen(c->json));
		char text[256];
		sa_json_error_text(&p.err, text, sizeof text);
		size_t col = column_of(c->json, c->at);
		if (p.rc != c->code || p.err.code != c->code ||
		    strcmp(p.err.field, c->field) != 0 || p.err.column != col)
			fail_msg("case %zu %s: got rc %s field \"%s\" column "
				 "%zu (%s), want %s \"%s\" %zu",
				 i, c->json, sa_errname(p.rc), p.err.field,
				 p.err.column, text, sa_errname(c->code),
				 c->field, col);
		parsed_free(&p);
	}
}

static void
test_long_values(void **state)
{
	(void)state;
	/* A 256-byte user is too long; 255 is fine. */
	char line[1024];
	char user[300];
	memset(user, 'u', sizeof user);
	for (int n = 255; n <= 256; n++) {
		int len = snprintf(line, sizeof line, HEAD "\"user\":\"%.*s\"}",
				   n, user);
		struct parsed p;
		parse_into(&p, line, (size_t)len);
		if (n == 255) {
			assert_int_equal(p.rc, 0);
		} else {
			assert_int_equal(p.rc, SA_ETOOLONG);
			assert_string_equal(p.err.field, "user");
			assert_int_equal(p.err.column,
					 column_of(line, "\"uuu"));
		}
		parsed_free(&p);
	}
	/* 256 bytes through NAME_b64 are too long as well. */
	uint8_t zeros[256] = {0};
	char enc[400];
	size_t en = (size_t)(sa_b64_encode(enc, zeros, sizeof zeros) - enc);
	int bl = snprintf(line, sizeof line,
			  HEAD "\"user\":\"root\",\"host_b64\":\"%.*s\"}",
			  (int)en, enc);
	struct parsed q;
	parse_into(&q, line, (size_t)bl);
	assert_int_equal(q.rc, SA_ETOOLONG);
	assert_string_equal(q.err.field, "host_b64");
	assert_int_equal(q.err.column, column_of(line, "\"AAAA"));
	parsed_free(&q);
	parse_into(&q, line, (size_t)bl - 2 - 4 - 4);
	assert_int_equal(q.rc, SA_EJSON); /* cut: no closing quote */
	parsed_free(&q);

	/* An over-long member name is unknown, reported truncated. */
	char key[200];
	memset(key, 'k', sizeof key);
	int len = snprintf(line, sizeof line, HEAD "\"%.*s\":1}", 150, key);
	struct parsed p;
	parse_into(&p, line, (size_t)len);
	assert_int_equal(p.rc, SA_EUNKFIELD);
	assert_int_equal(strlen(p.err.field), 63);
	parsed_free(&p);
}

static void
test_error_text(void **state)
{
	(void)state;
	const char *s = "{\"time\":\"2008-10-28T12:15:01Z\",\"statu\":\"P\"}";
	struct parsed p;
	parse_into(&p, s, strlen(s));
	char t[256];
	sa_json_error_text(&p.err, t, sizeof t);
	assert_non_null(strstr(t, "field \"statu\": unknown field"));
	assert_non_null(strstr(t, "column 32"));
	parsed_free(&p);

	/* A hostile name is shown inert. */
	const char *h = HEAD "\"a\\u001b[31m\\u0000\":1}";
	parse_into(&p, h, strlen(h));
	assert_int_equal(p.rc, SA_EUNKFIELD);
	sa_json_error_text(&p.err, t, sizeof t);
	assert_null(strchr(t, '\x1b'));
	assert_non_null(strstr(t, "a\\x1b[31m"));
	parsed_free(&p);

	parse_into(&p, "{", 1);
	sa_json_error_text(&p.err, t, sizeof t);
	assert_non_null(strstr(t, "malformed JSON"));
	/* Tiny buffers stay terminated. */
	sa_json_error_text(&p.err, t, 5);
	assert_int_equal(strlen(t), 4);
	parsed_free(&p);

	struct sa_json_error none = {.code = 0};
	sa_json_error_text(&none, t, sizeof t);
	assert_string_equal(t, "no error");
}

static void
test_accepts(void **state)
{
	(void)state;
	struct parsed p;
	/* White space everywhere JSON allows it, any offset, escapes. */
	const char *s =
	    " \t\r\n{ \"status\" : \"P\" , \"event\":\"login\",\"time\":"
	    "\"2008-10-28T14:15:01.5+02:00\",\"user\":\"r\\u00e9\\ud83d"
	    "\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u007f\",\"seq\":"
	    "9223372036854775807,\"stage\":-0,\"errno\":-2147483648 }\r\n";
	parse_into(&p, s, strlen(s));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.r.time_us, INT64_C(1225196101500000));
	assert_int_equal(p.r.seq, UINT64_C(9223372036854775807));
	assert_int_equal(p.r.num[SA_F_STAGE], 0);
	assert_int_equal(p.r.num[SA_F_ERRNO], INT64_C(-2147483648));
	static const char want[] = "r\xc3\xa9\xf0\x9f\x98\x80/\"\\\b\f\n\r\t"
				   "\0\x7f";
	assert_int_equal(p.r.str[SA_F_USER].len, sizeof want - 1);
	assert_memory_equal(p.r.str[SA_F_USER].ptr, want, sizeof want - 1);
	parsed_free(&p);

	/* NAME_b64 wins over NAME, in either order; alone it suffices. */
	const char *b1 =
	    HEAD "\"user\":\"\xef\xbf\xbd\",\"user_b64\":\"/w==\"}";
	const char *b2 = HEAD "\"user_b64\":\"/w==\",\"user\":\"zz\"}";
	const char *b3 = HEAD "\"user_b64\":\"/w==\"}";
	const char *const bs[] = {b1, b2, b3};
	for (int i = 0; i < 3; i++) {
		parse_into(&p, bs[i], strlen(bs[i]));
		assert_int_equal(p.rc, 0);
		assert_int_equal(p.r.str[SA_F_USER].len, 1);
		assert_int_equal(p.r.str[SA_F_USER].ptr[0], 0xff);
		parsed_free(&p);
	}
	/* An empty b64 is an empty string; an over-long plain twin is fine. */
	char line[2048];
	char big[800];
	memset(big, 'x', sizeof big);
	int n = snprintf(line, sizeof line,
			 HEAD "\"user\":\"%.*s\",\"user_b64\":\"\"}", 700, big);
	parse_into(&p, line, (size_t)n);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.r.str[SA_F_USER].len, 0);
	assert_true(sa_record_has(&p.r, SA_F_USER));
	parsed_free(&p);

	/* Raw bytes, valid or not, are taken as they are. */
	const char *raw = HEAD "\"user\":\"\xff\xfe\x80\x7f\"}";
	parse_into(&p, raw, strlen(raw));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.r.str[SA_F_USER].len, 4);
	assert_memory_equal(p.r.str[SA_F_USER].ptr, "\xff\xfe\x80\x7f", 4);
	parsed_free(&p);

	/* The line may contain a NUL only inside an escape: raw is refused. */
	static const char nul[] = HEAD "\"user\":\"a\0b\"}";
	parse_into(&p, nul, sizeof nul - 1);
	assert_int_equal(p.rc, SA_EJSON);
	parsed_free(&p);

	/* err may be NULL. */
	char scratch[256];
	struct sa_record r;
	assert_int_equal(sa_json_parse_record(seed_in[1], strlen(seed_in[1]),
					      &r, scratch, NULL),
			 0);
	assert_int_equal(sa_json_parse_record("x", 1, &r, scratch, NULL),
			 SA_EJSON);
}

/* A record for the exporter's own tests. */
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
test_hostile_strings(void **state)
{
	(void)state;
	struct sa_record r;
	base_record(&r);
	static const char user[] = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/\0z";
	sa_record_set_str(&r, SA_F_USER, user, sizeof user - 1);
	static const char host[] = "ok\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
	sa_record_set_str(&r, SA_F_HOST, host, sizeof host - 1);
	/* invalid: stray continuation, overlong, surrogate, truncated */
	static const char term[] = "\x80x\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80"
				   "\xe2\x82";
	sa_record_set_str(&r, SA_F_TERMINAL, term, sizeof term - 1);
	sa_record_set_str(&r, SA_F_CLASS, "", 0);
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_json(&b, &r, 0), 0);
	static const char want[] =
	    "{\"time\":\"2008-10-28T12:15:01.000001Z\",\"event\":\"admin\","
	    "\"status\":\"S\",\"class\":\"\","
	    "\"user\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/"
	    "\\u0000z\","
	    "\"terminal\":\"\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
	    "\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
	    "\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
	    "\"terminal_b64\":\"gHjAr+2ggPSQgIDigg==\","
	    "\"host\":\"ok\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"}\n";
	assert_string_equal(b.data, want);
	struct parsed p;
	parse_into(&p, b.data, b.len);
	assert_int_equal(p.rc, 0);
	assert_true(sa_record_equal(&r, &p.r));
	parsed_free(&p);
	sa_buf_free(&b);
}

/* Passwords are masked in NAME and in NAME_b64; UNMASKED keeps them. */
static void
test_masking(void **state)
{
	(void)state;
	struct sa_record r;
	base_record(&r);
	static const char cmd[] = "chusr bob password(secret) \xff";
	sa_record_set_str(&r, SA_F_COMMAND, cmd, sizeof cmd - 1);
	sa_record_set_cstr(&r, SA_F_TRACE, "after");
	struct sa_buf b = SA_BUF_INIT;
	sa_buf_append(&b, "prefix|", 7);
	assert_int_equal(sa_format_json(&b, &r, 0), 0);
	assert_memory_equal(b.data, "prefix|{", 8);
	assert_null(strstr(b.data, "secret"));
	assert_non_null(strstr(b.data, "password(***)"));
	assert_non_null(strstr(b.data, "\"trace\":\"after\"}\n"));
	const char *k = strstr(b.data, "\"command_b64\":\"");
	assert_non_null(k);
	k += strlen("\"command_b64\":\"");
	const char *e = strchr(k, '"');
	uint8_t dec[256];
	size_t dn;
	assert_int_equal(sa_b64_decode(dec, k, (size_t)(e - k), &dn), 0);
	assert_int_equal(dn, strlen("chusr bob password(***) \xff"));
	assert_memory_equal(dec, "chusr bob password(***) \xff", dn);

	sa_buf_reset(&b);
	assert_int_equal(sa_format_json(&b, &r, SA_FMT_UNMASKED), 0);
	assert_non_null(strstr(b.data, "password(secret)"));
	struct parsed p;
	parse_into(&p, b.data, b.len);
	assert_int_equal(p.rc, 0);
	assert_true(sa_record_equal(&r, &p.r));
	parsed_free(&p);

	/* Masking that grows the text (short secrets) in a tight buffer. */
	for (int i = 0; i < 50; i++) {
		struct sa_buf t = SA_BUF_INIT;
		char many[2048];
		size_t n = 0;
		for (int j = 0; j < i * 6; j++)
			n += (size_t)snprintf(many + n, sizeof many - n,
					      "pwd=a ");
		sa_record_set_str(&r, SA_F_COMMAND, many, n);
		assert_int_equal(sa_format_json(&t, &r, 0), 0);
		assert_null(strstr(t.data, "pwd=a"));
		parse_into(&p, t.data, t.len);
		assert_int_equal(p.rc, 0);
		parsed_free(&p);
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
	assert_int_equal(sa_format_json(&b, &r, 0), SA_EBADEVENT);
	r.event = SA_EV__COUNT;
	assert_int_equal(sa_format_json(&b, &r, 0), SA_EBADEVENT);
	r.event = SA_EV_ADMIN;
	r.time_us = -1;
	assert_int_equal(sa_format_json(&b, &r, 0), SA_EBADTIME);
	r.time_us = SA_TIME_MAX_US + 1;
	assert_int_equal(sa_format_json(&b, &r, 0), SA_EBADTIME);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	sa_buf_free(&b);
}

static void
test_base64(void **state)
{
	(void)state;
	static const struct {
		const char *raw, *enc;
	} v[] = {
	    {"", ""},
	    {"f", "Zg=="},
	    {"fo", "Zm8="},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg=="},
	    {"fooba", "Zm9vYmE="},
	    {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char enc[32];
		size_t n = strlen(v[i].raw);
		char *e = sa_b64_encode(enc, (const uint8_t *)v[i].raw, n);
		assert_int_equal((size_t)(e - enc), sa_b64_encoded_len(n));
		assert_memory_equal(enc, v[i].enc, strlen(v[i].enc));
		uint8_t dec[32];
		size_t dn;
		assert_int_equal(
		    sa_b64_decode(dec, v[i].enc, strlen(v[i].enc), &dn), 0);
		assert_int_equal(dn, n);
		assert_memory_equal(dec, v[i].raw, n);
	}
	static const char *const bad[] = {"Zg=",  "Zg",	  "Z===",     "=Zg=",
					  "Zh==", "Zm9=", "Zg==Zg==", "Zm9v\n",
					  "Zm-v", "Zm_v", "Zg=a"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t dec[32];
		size_t dn;
		assert_int_equal(
		    sa_b64_decode(dec, bad[i], strlen(bad[i]), &dn),
		    SA_EBADENC);
	}
	/* Random round trips, decoded in place. */
	struct tu_rng rng;
	tu_rng_seed(&rng, 3);
	for (int i = 0; i < 2000; i++) {
		uint8_t raw[100];
		char enc[200];
		size_t n = tu_rng_below(&rng, sizeof raw);
		for (size_t k = 0; k < n; k++)
			raw[k] = (uint8_t)tu_rng_next(&rng);
		size_t en = (size_t)(sa_b64_encode(enc, raw, n) - enc);
		size_t dn;
		assert_int_equal(sa_b64_decode((uint8_t *)enc, enc, en, &dn),
				 0);
		assert_int_equal(dn, n);
		assert_memory_equal(enc, raw, n);
	}
}

#ifdef HAVE_JANSSON
/* Is s[0..n) valid UTF-8?  Written independently of the exporter. */
static bool
valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t c = s[i], cp;
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < k)
			return false;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[k] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

/* jansson agrees with the record, member by member. */
static void
check_with_jansson(const char *line, size_t len, const struct sa_record *r)
{
	json_error_t je;
	json_t *o =
	    json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (o == NULL)
		fail_msg("jansson refused line: %s at %d: %.200s", je.text,
			 je.position, line);
	assert_true(json_is_object(o));
	size_t members = 3 + (r->seq != 0);
	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!sa_record_has(r, (enum sa_field)f))
			continue;
		members++;
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		json_t *v = json_object_get(o, fi->json);
		assert_non_null(v);
		if (fi->kind == SA_KIND_INT) {
			assert_true(json_is_integer(v));
			assert_int_equal(json_integer_value(v), r->num[f]);
			continue;
		}
		if (fi->kind == SA_KIND_BOOL) {
			assert_true(json_is_boolean(v));
			assert_int_equal(json_is_true(v), r->num[f] != 0);
			continue;
		}
		assert_true(json_is_string(v));
		const struct sa_str *s = &r->str[f];
		char b64name[64];
		snprintf(b64name, sizeof b64name, "%s_b64", fi->json);
		json_t *b = json_object_get(o, b64name);
		if (valid_utf8(s->ptr, s->len)) {
			assert_null(b);
			assert_int_equal(json_string_length(v), s->len);
			if (s->len)
				assert_memory_equal(json_string_value(v),
						    s->ptr, s->len);
		} else {
			members++;
			assert_non_null(b);
			const char *t = json_string_value(b);
			size_t tn = json_string_length(b);
			uint8_t *dec = malloc(tn + 1);
			size_t dn;
			assert_int_equal(sa_b64_decode(dec, t, tn, &dn), 0);
			assert_int_equal(dn, s->len);
			assert_memory_equal(dec, s->ptr, dn);
			free(dec);
		}
	}
	assert_int_equal(json_object_size(o), members);
	const char *ev = json_string_value(json_object_get(o, "event"));
	assert_non_null(ev);
	assert_string_equal(ev, sa_event_json((enum sa_event)r->event));
	json_decref(o);
}
#endif

static void
test_random_roundtrip(void **state)
{
	(void)state;
	struct tu_rng rng;
	tu_rng_seed(&rng, 20240611);
	struct tu_arena arena;
	tu_arena_init(&arena, 1 << 20);
	struct sa_buf b = SA_BUF_INIT;
	struct sa_buf again = SA_BUF_INIT;
	const int n = 100000;
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		tu_arena_reset(&arena);
		tu_random_record(&rng, &arena, &r);
		if (i % 2)
			r.seq = tu_rng_below(&rng, 4) == 0
				    ? (uint64_t)INT64_MAX
				    : tu_rng_next(&rng) >> 1;
		sa_buf_reset(&b);
		assert_int_equal(sa_format_json(&b, &r, SA_FMT_UNMASKED), 0);
		/* JSON never holds a raw NUL: \u0000 stands for it. */
		assert_int_equal(strlen(b.data), b.len);
		assert_int_equal(b.data[b.len - 1], '\n');
		/* One line: the only newline is the last byte. */
		assert_ptr_equal(memchr(b.data, '\n', b.len),
				 b.data + b.len - 1);
		struct parsed p;
		parse_into(&p, b.data, b.len);
		if (p.rc != 0) {
			char t[256];
			sa_json_error_text(&p.err, t, sizeof t);
			fail_msg("record %d: %s in %.300s", i, t, b.data);
		}
		if (!sa_record_equal(&r, &p.r))
			fail_msg("record %d differs after round trip: %.300s",
				 i, b.data);
		/* Canonical: formatting the parsed record is byte-identical. */
		sa_buf_reset(&again);
		assert_int_equal(sa_format_json(&again, &p.r, SA_FMT_UNMASKED),
				 0);
		assert_int_equal(again.len, b.len);
		assert_memory_equal(again.data, b.data, b.len);
#ifdef HAVE_JANSSON
		check_with_jansson(b.data, b.len, &r);
#endif
		parsed_free(&p);
		/* Masked output is valid and parses too. */
		if (sa_record_has(&r, SA_F_COMMAND)) {
			sa_buf_reset(&again);
			assert_int_equal(sa_format_json(&again, &r, 0), 0);
			parse_into(&p, again.data, again.len);
			/* "***" can be longer than the password it hides, so a
			 * command at its limit may not re-import once masked:
			 * masking is for display, never for a round trip. */
			if (p.rc != SA_ETOOLONG)
				assert_int_equal(p.rc, 0);
#ifdef HAVE_JANSSON
			json_error_t je;
			json_t *o = json_loadb(again.data, again.len,
					       JSON_ALLOW_NUL, &je);
			assert_non_null(o);
			json_decref(o);
#endif
			parsed_free(&p);
		}
	}
	sa_buf_free(&b);
	sa_buf_free(&again);
	tu_arena_free(&arena);
}

/* Every proper prefix of a valid line is refused, without overreads. */
static void
test_prefixes(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(seed_in[i]);
		for (size_t k = 0; k < n; k++) {
			struct parsed p;
			parse_into(&p, seed_in[i], k);
			assert_true(p.rc < 0);
			assert_true(p.err.column >= 1 && p.err.column <= k + 1);
			parsed_free(&p);
		}
	}
}

/* Not a pass/fail check: prints the exporter's speed for the report. */
static void
test_speed(void **state)
{
	(void)state;
	struct sa_record rs[4];
	char *scratch[4];
	for (int i = 0; i < 4; i++) {
		scratch[i] = malloc(strlen(seed_in[i]));
		assert_int_equal(sa_json_parse_record(seed_in[i],
						      strlen(seed_in[i]),
						      &rs[i], scratch[i], NULL),
				 0);
		sa_record_set_cstr(&rs[i], SA_F_ORIGIN, "host1.example.com");
		rs[i].seq = 123456789;
		sa_record_set_int(&rs[i], SA_F_PID, 4242);
	}
	struct sa_buf b = SA_BUF_INIT;
	const int n = 1000000;
	struct timespec t0, t1;
	size_t bytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		if (b.len > (1 << 20)) {
			bytes += b.len;
			sa_buf_reset(&b);
		}
		rs[i & 3].time_us += 1000001;
		assert_int_equal(sa_format_json(&b, &rs[i & 3], 0), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bytes += b.len;
	double s = (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("sa_format_json: %.2f M records/s, %.0f MB/s\n",
		      n / s / 1e6, (double)bytes / s / 1e6);

	/* and the importer, on the same lines */
	sa_buf_reset(&b);
	for (int i = 0; i < 4; i++)
		sa_format_json(&b, &rs[i], 0);
	char *sc = malloc(b.len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n / 4; i++) {
		const char *l = b.data;
		for (int k = 0; k < 4; k++) {
			const char *e = strchr(l, '\n') + 1;
			struct sa_record r;
			assert_int_equal(sa_json_parse_record(
					     l, (size_t)(e - l), &r, sc, NULL),
					 0);
			l = e;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("sa_json_parse_record: %.2f M records/s\n", n / s / 1e6);
	free(sc);
	for (int i = 0; i < 4; i++)
		free(scratch[i]);
	sa_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_golden),
	    cmocka_unit_test(test_names_and_order),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_long_values),
	    cmocka_unit_test(test_error_text),
	    cmocka_unit_test(test_accepts),
	    cmocka_unit_test(test_hostile_strings),
	    cmocka_unit_test(test_masking),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_random_roundtrip),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
