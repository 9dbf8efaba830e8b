/*
 * test_fmt_text.c - the non-detailed line and the detailed form
 * (lib/fmt_text.c).
 *
 * The four golden examples of spec/records.md must render token for token
 * as the documents print them, and the resource, logout and outbound lines
 * (which the documents print in their real fixed-width layout) character
 * for character.  The detailed form must contain every documented
 * "Label: value" line of the seed pages.  Hostile field bytes must come
 * out escaped, so a record can never add a line or a terminal escape.
 * All times are rendered with TZ=UTC.
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

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/format.h>
#include <seaudit/record.h>

#include "testutil.h"

static int
setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static int64_t
utc_us(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000000;
}

static void
set_s(struct sa_record *r, enum sa_field f, const char *v)
{
	assert_int_equal(sa_record_set_cstr(r, f, v), 0);
}

static void
set_i(struct sa_record *r, enum sa_field f, int64_t v)
{
	assert_int_equal(sa_record_set_int(r, f, v), 0);
}

/* The four seed records of spec/records.md. */
static void
rec_login(struct sa_record *r)
{
	sa_record_init(r);
	r->time_us = utc_us(2008, 10, 28, 12, 15, 1);
	r->event = SA_EV_LOGIN;
	r->status = 'P';
	set_s(r, SA_F_USER, "root");
	set_s(r, SA_F_SESSION, "49047159:0000034b");
	set_i(r, SA_F_STAGE, 59);
	set_i(r, SA_F_REASON, 2);
	set_s(r, SA_F_TERMINAL, "_CRONJOB_");
	set_s(r, SA_F_PROGRAM, "SBIN_CRON");
	assert_int_equal(sa_record_set_bool(r, SA_F_OS_USER, false), 0);
}

static void
rec_logout(struct sa_record *r)
{
	sa_record_init(r);
	r->time_us = utc_us(2009, 1, 29, 17, 23, 33);
	r->event = SA_EV_LOGOUT;
	r->status = 'O';
	set_s(r, SA_F_USER, "root");
	set_i(r, SA_F_STAGE, 49);
	set_i(r, SA_F_REASON, 2);
	set_s(r, SA_F_TERMINAL, "computer.com");
	assert_int_equal(sa_record_set_bool(r, SA_F_OS_USER, false), 0);
}

static void
rec_resource(struct sa_record *r)
{
	sa_record_init(r);
	r->time_us = utc_us(2008, 11, 18, 15, 23, 56);
	r->event = SA_EV_RESOURCE;
	r->status = 'D';
	set_s(r, SA_F_CLASS, "FILE");
	set_s(r, SA_F_USER, "admabc");
	set_s(r, SA_F_SESSION, "4922ae61:00000132");
	set_s(r, SA_F_ACCESS, "Read");
	set_i(r, SA_F_STAGE, 69);
	set_i(r, SA_F_REASON, 3);
	set_s(r, SA_F_RESOURCE, "/tmp/one");
	set_s(r, SA_F_PROGRAM, "/usr/local/bin/tcsh");
	set_s(r, SA_F_TERMINAL, "localhost");
	set_s(r, SA_F_EFFECTIVE_USER, "admabc");
	assert_int_equal(sa_record_set_bool(r, SA_F_OS_USER, false), 0);
}

static void
rec_outbound(struct sa_record *r)
{
	sa_record_init(r);
	r->time_us = utc_us(2009, 1, 21, 15, 37, 43);
	r->event = SA_EV_OUTBOUND;
	r->status = 'D';
	set_s(r, SA_F_CLASS, "TCP");
	set_s(r, SA_F_SERVICE, "telnet");
	set_s(r, SA_F_USER, "root");
	set_s(r, SA_F_SESSION, "4977248c:0000012a5248");
	set_i(r, SA_F_STAGE, 408);
	set_i(r, SA_F_REASON, 2);
	set_s(r, SA_F_HOST, "computer.org");
	set_s(r, SA_F_PROGRAM, "/usr/bin/telnet");
	set_s(r, SA_F_TERMINAL, "computer.com");
	assert_int_equal(sa_record_set_bool(r, SA_F_OS_USER, false), 0);
}

/* Splits on white space; returns the number of tokens. */
static size_t
tokens(const char *s, char tok[][128], size_t max)
{
	size_t n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		size_t k = 0;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
			assert_true(k < 127);
			tok[n][k++] = *s++;
		}
		tok[n][k] = '\0';
		n++;
		assert_true(n <= max);
	}
	return n;
}

static void
assert_same_tokens(const char *got, const char *want)
{
	static char a[64][128], b[64][128];
	size_t na = tokens(got, a, 64), nb = tokens(want, b, 64);
	if (na != nb)
		fail_msg("token count %zu != %zu\n  got  %s\n  want %s", na, nb,
			 got, want);
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			fail_msg("token %zu: \"%s\" != \"%s\"\n  got  %s", i,
				 a[i], b[i], got);
}

static char *
render_line(const struct sa_record *r, unsigned flags)
{
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_line(&b, r, flags), 0);
	assert_true(b.len > 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	/* exactly one line */
	assert_ptr_equal(strchr(b.data, '\n'), b.data + b.len - 1);
	return b.data;
}

static char *
render_detail(const struct sa_record *r, unsigned flags)
{
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_format_detail(&b, r, flags), 0);
	assert_true(b.len >= 2);
	assert_string_equal(b.data + b.len - 2, "\n\n");
	return b.data;
}

/* The detailed text contains `line` as a whole line. */
static void
assert_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
		bool at_start = p == text || p[-1] == '\n';
		if (at_start && p[n] == '\n')
			return;
	}
	fail_msg("missing line \"%s\" in:\n%s", line, text);
}

static const char golden_login[] =
    "28 Oct 2008 12:15:01 P LOGIN  root  49047159:0000034b  59  2  "
    "_CRONJOB_  SBIN_CRON";
static const char golden_logout[] =
    "29 Jan 2009 17:23:33 O LOGOUT       root                  49  2 "
    "computer.com";
static const char golden_resource[] =
    "18 Nov 2008 15:23:56 D FILE         admabc  4922ae61:00000132 Read "
    "      69  3 /tmp/one             /usr/local/bin/tcsh  localhost      "
    "admabc";
static const char golden_outbound[] =
    "21 Jan 2009 15:37:43 D TCP          telnet     root      408  2 "
    "computer.org /usr/bin/telnet computer.com";

static void
assert_exact_line(const char *got, const char *want)
{
	size_t n = strlen(want);
	if (strncmp(got, want, n) != 0 || got[n] != '\n' || got[n + 1] != 0)
		fail_msg("\n  got  [%s]\n  want [%s]", got, want);
}

static void
test_golden_lines(void **state)
{
	(void)state;
	struct sa_record r;
	char *s;

	rec_login(&r);
	assert_int_equal(sa_record_validate(&r, NULL), 0);
	s = render_line(&r, SA_FMT_SESSIONID);
	assert_same_tokens(s, golden_login);
	free(s);

	rec_logout(&r);
	s = render_line(&r, 0);
	assert_same_tokens(s, golden_logout);
	assert_exact_line(s, golden_logout);
	free(s);

	rec_resource(&r);
	s = render_line(&r, SA_FMT_SESSIONID);
	assert_same_tokens(s, golden_resource);
	assert_exact_line(s, golden_resource);
	free(s);

	rec_outbound(&r);
	s = render_line(&r, 0);
	assert_same_tokens(s, golden_outbound);
	assert_exact_line(s, golden_outbound);
	free(s);
}

/* Without -sessionid the session column disappears entirely. */
static void
test_sessionid_flag(void **state)
{
	(void)state;
	struct sa_record r;
	rec_login(&r);
	char *s = render_line(&r, 0);
	assert_null(strstr(s, "49047159"));
	assert_same_tokens(s, "28 Oct 2008 12:15:01 P LOGIN root 59 2 "
			      "_CRONJOB_ SBIN_CRON");
	free(s);
	rec_resource(&r);
	s = render_line(&r, 0);
	assert_same_tokens(s, "18 Nov 2008 15:23:56 D FILE admabc Read 69 3 "
			      "/tmp/one /usr/local/bin/tcsh localhost admabc");
	free(s);
}

static void
test_golden_details(void **state)
{
	(void)state;
	struct sa_record r;
	char *s;

	rec_login(&r);
	s = render_detail(&r, SA_FMT_SESSIONID);
	assert_true(strncmp(s, "28 Oct 2008 12:15:01 P LOGIN", 28) == 0);
	static const char *const login[] = {
	    "Event type: Login event",
	    "Status: Permitted",
	    "User name: root",
	    "Terminal: _CRONJOB_",
	    "Program: SBIN_CRON",
	    "Date: 28 Oct 2008",
	    "Time: 12:15:01",
	    "Details: Resource UACC check",
	    "User Logon Session ID: 49047159:0000034b",
	    "Audit flags: AC database user",
	};
	for (size_t i = 0; i < sizeof login / sizeof login[0]; i++)
		assert_has_line(s, login[i]);
	assert_null(strstr(s, "Reason"));
	free(s);

	rec_logout(&r);
	s = render_detail(&r, 0);
	static const char *const logout[] = {
	    "Event type: Logout",
	    "Status: Logout",
	    "User name: root",
	    "Terminal: computer.com",
	    "Date: 29 Jan 2009",
	    "Time: 17:23:33",
	    "Details: Logout detected after last process terminated",
	    "Audit flags: AC database user",
	};
	for (size_t i = 0; i < sizeof logout / sizeof logout[0]; i++)
		assert_has_line(s, logout[i]);
	free(s);

	rec_resource(&r);
	s = render_detail(&r, SA_FMT_SESSIONID);
	static const char *const res[] = {
	    "Event type: Resource access",
	    "Status: Denied",
	    "Class: FILE",
	    "Resource: /tmp/one",
	    "Access: Read",
	    "User name: admabc",
	    "Terminal: localhost",
	    "Program: /usr/local/bin/tcsh",
	    "Date: 18 Nov 2008",
	    "Time: 15:23:56",
	    "Details: No Step that allowed access",
	    "User Logon Session ID: 4922ae61:00000132",
	    "Audit flags: AC database user",
	    "Effective user name: admabc",
	};
	for (size_t i = 0; i < sizeof res / sizeof res[0]; i++)
		assert_has_line(s, res[i]);
	free(s);

	rec_outbound(&r);
	s = render_detail(&r, 0);
	static const char *const out[] = {
	    "Event type: Outbound network connection",
	    "Status: Denied",
	    "Host name: computer.org",
	    "Service: telnet",
	    "Program: /usr/bin/telnet",
	    "Terminal: computer.com",
	    "User name: root",
	    "Date: 21 Jan 2009",
	    "Time: 15:37:43",
	    "Details: Default access of TCP service",
	    "User Logon Session ID: 4977248c:0000012a5248",
	    "Audit flags: AC database user",
	};
	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
		assert_has_line(s, out[i]);
	/* the documents' slip "User name: Administrator" is not expected */
	assert_null(strstr(s, "Administrator"));
	free(s);
}

/* notes §5.11: the watchdog's start record. */
static void
test_startup(void **state)
{
	(void)state;
	struct sa_record r;
	sa_record_init(&r);
	r.time_us = utc_us(2008, 11, 2, 15, 41, 6);
	r.event = SA_EV_STARTUP;
	r.status = 'M';
	set_s(&r, SA_F_SERVICE, "seoswd");
	char *s = render_line(&r, 0);
	assert_exact_line(s, "02 Nov 2008 15:41:06 M START        seoswd");
	free(s);
	s = render_detail(&r, 0);
	assert_has_line(s, "Event type: Daemon start");
	assert_has_line(s, "Daemon: seoswd");
	assert_has_line(s, "Date: 02 Nov 2008");
	assert_has_line(s, "Time: 15:41:06");
	assert_has_line(s, "Audit flags: AC database user");
	free(s);
}

static void
test_os_user_and_unknown_stage(void **state)
{
	(void)state;
	struct sa_record r;
	rec_login(&r);
	assert_int_equal(sa_record_set_bool(&r, SA_F_OS_USER, true), 0);
	set_i(&r, SA_F_STAGE, 12345);
	char *s = render_line(&r, 0);
	assert_same_tokens(s, "28 Oct 2008 12:15:01 P LOGIN root 12345 2 "
			      "_CRONJOB_ SBIN_CRON (OS user)");
	free(s);
	s = render_detail(&r, 0);
	assert_has_line(s, "Audit flags: OS user");
	assert_has_line(s, "Details: Unknown stage code 12345");
	free(s);
}

/* A three-digit own reason never runs into the stage number. */
static void
test_wide_numbers_stay_apart(void **state)
{
	(void)state;
	struct sa_record r;
	rec_resource(&r);
	set_i(&r, SA_F_REASON, SA_REASON_AUDIT_ONLY);
	set_i(&r, SA_F_STAGE, 9101);
	char *s = render_line(&r, 0);
	assert_non_null(strstr(s, " 9101 101 "));
	free(s);
	set_i(&r, SA_F_REASON, -2147483647 - 1);
	set_i(&r, SA_F_STAGE, -2147483647 - 1);
	s = render_line(&r, 0);
	assert_non_null(strstr(s, " -2147483648 -2147483648 "));
	free(s);
}

static void
test_untrust(void **state)
{
	(void)state;
	struct sa_record r;
	sa_record_init(&r);
	r.time_us = utc_us(2024, 3, 1, 8, 0, 0);
	r.event = SA_EV_UNTRUST;
	r.status = 'U';
	set_s(&r, SA_F_CLASS, "PROGRAM");
	set_s(&r, SA_F_MODULE, "seoswd");
	set_s(&r, SA_F_RESOURCE, "/usr/bin/passwd");
	set_i(&r, SA_F_STAGE, SA_WDWARN_STATCHANGED);
	set_i(&r, SA_F_MESSAGE_ID, SA_USTAT_MODE | SA_USTAT_MTIME);
	set_i(&r, SA_F_ERRNO, 0);
	char *s = render_line(&r, 0);
	assert_same_tokens(s, "01 Mar 2024 08:00:00 U PROGRAM seoswd 1 17 "
			      "/usr/bin/passwd");
	free(s);
	s = render_detail(&r, 0);
	assert_has_line(s, "Event type: Untrust message");
	assert_has_line(s, "Status: Untrust");
	assert_has_line(s, "File: /usr/bin/passwd");
	assert_has_line(s, "Module: seoswd");
	assert_has_line(s, "Details: Stat was changed");
	assert_has_line(s, "Message ID: 17 (mode, mtime)");
	assert_null(strstr(s, "errno"));
	free(s);

	set_i(&r, SA_F_STAGE, SA_WDWARN_STAT);
	set_i(&r, SA_F_ERRNO, 2);
	s = render_line(&r, 0);
	assert_same_tokens(s, "01 Mar 2024 08:00:00 U PROGRAM seoswd 5 2 "
			      "/usr/bin/passwd");
	free(s);
	s = render_detail(&r, 0);
	assert_has_line(
	    s, "Details: Cannot obtain information about the trusted file");
	assert_has_line(s, "errno: 2 (ENOENT)");
	assert_null(strstr(s, "Message ID"));
	free(s);

	set_i(&r, SA_F_STAGE, SA_WDWARN_SHA256);
	set_i(&r, SA_F_ERRNO, 0);
	s = render_detail(&r, 0);
	assert_has_line(s, "Details: SHA-256 digests do not match");
	free(s);
}

static void
admin_record(struct sa_record *r, const char *cmd)
{
	sa_record_init(r);
	r->time_us = utc_us(2024, 3, 1, 8, 0, 0);
	r->event = SA_EV_ADMIN;
	r->status = 'S';
	set_s(r, SA_F_CLASS, "USER");
	set_s(r, SA_F_USER, "secadmin");
	set_i(r, SA_F_STAGE, 305);
	set_i(r, SA_F_REASON, SA_REASON_ADMIN_ALWAYS);
	set_s(r, SA_F_RESOURCE, "bob");
	set_s(r, SA_F_TERMINAL, "console");
	set_s(r, SA_F_COMMAND, cmd);
}

static void
test_admin_masks_passwords(void **state)
{
	(void)state;
	struct sa_record r;
	admin_record(&r, "chusr bob password(Secret1) owner(x)");
	char *s = render_line(&r, 0);
	assert_same_tokens(s, "01 Mar 2024 08:00:00 S ADMIN USER secadmin 305 "
			      "105 bob console chusr bob password(***) "
			      "owner(x)");
	assert_null(strstr(s, "Secret1"));
	free(s);
	s = render_detail(&r, 0);
	assert_has_line(s, "Event type: Security database administration");
	assert_has_line(s, "Status: Success");
	assert_has_line(s, "Administrator: secadmin");
	assert_has_line(s, "Object: bob");
	assert_has_line(s, "Details: Command allowed for ADMIN user");
	assert_has_line(s, "Command: chusr bob password(***) owner(x)");
	assert_null(strstr(s, "Secret1"));
	free(s);
	s = render_detail(&r, SA_FMT_UNMASKED);
	assert_has_line(s, "Command: chusr bob password(Secret1) owner(x)");
	free(s);
}

static void
test_escaping(void **state)
{
	(void)state;
	struct sa_record r;
	rec_resource(&r);
	static const uint8_t evil[] =
	    "x\n29 Jan 2009 17:23:33 O LOGOUT fake\r\x1b[2J\x07\\"
	    "\x7f\xff\xc0\xaf\xed\xa0\x80\xc2\x9b\xe2\x80\xae|\xc3\xbc"
	    "\xe6\x97\xa5\xf0\x9f\x98\x80\x00"
	    "end";
	assert_int_equal(
	    sa_record_set_str(&r, SA_F_RESOURCE, evil, sizeof evil - 1), 0);
	static const char want[] =
	    "x\\x0A29 Jan 2009 17:23:33 O LOGOUT fake\\x0D\\x1B[2J\\x07"
	    "\\\\\\x7F\\xFF\\xC0\\xAF\\xED\\xA0\\x80\\xC2\\x9B"
	    "\\xE2\\x80\\xAE|\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80\\x00end";
	char *s = render_line(&r, 0);
	assert_non_null(strstr(s, want));
	free(s);
	s = render_detail(&r, 0);
	char line[512];
	snprintf(line, sizeof line, "Resource: %s", want);
	assert_has_line(s, line);
	/* no raw control byte other than the line ends */
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	assert_null(strstr(s, "\x1b"));
	free(s);
}

/* Escaped text still counts its width in characters, not bytes. */
static void
test_utf8_width(void **state)
{
	(void)state;
	struct sa_record r;
	rec_resource(&r);
	set_s(&r, SA_F_USER, "\xc3\xbcser"); /* "üser": 4 characters */
	char *s = render_line(&r, 0);
	assert_non_null(strstr(s, "FILE         \xc3\xbcser    Read     "));
	free(s);
}

/* Every event, random hostile fields: one line, one record, no raw bytes. */
static void
test_random_records(void **state)
{
	(void)state;
	struct tu_rng rng;
	struct tu_arena a;
	tu_rng_seed(&rng, 42);
	tu_arena_init(&a, 1 << 20);
	struct sa_buf b = SA_BUF_INIT;
	for (int i = 0; i < 3000; i++) {
		struct sa_record r;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		sa_buf_reset(&b);
		unsigned flags = (unsigned)tu_rng_below(&rng, 4);
		assert_int_equal(sa_format_line(&b, &r, flags), 0);
		assert_ptr_equal(memchr(b.data, '\n', b.len),
				 b.data + b.len - 1);
		for (size_t k = 0; k + 1 < b.len; k++)
			assert_true((unsigned char)b.data[k] >= 0x20 &&
				    b.data[k] != 0x7f);
		size_t line_len = b.len;
		sa_buf_reset(&b);
		assert_int_equal(sa_format_detail(&b, &r, flags), 0);
		assert_true(b.len > line_len + 1);
		assert_string_equal(b.data + b.len - 2, "\n\n");
		/* exactly one empty line: the terminator */
		assert_ptr_equal(strstr(b.data, "\n\n"), b.data + b.len - 2);
		for (size_t k = 0; k < b.len; k++)
			assert_true((unsigned char)b.data[k] >= 0x20 ||
				    b.data[k] == '\n');
		assert_non_null(strstr(b.data, "\nEvent type: "));
		assert_non_null(strstr(b.data, "\nAudit flags: "));
	}
	sa_buf_free(&b);
	tu_arena_free(&a);
}

/* A failed render leaves what the buffer held before. */
static void
test_failure_keeps_buffer(void **state)
{
	(void)state;
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_buf_append(&b, "keep", 4), 0);
	struct sa_record r;
	rec_login(&r);
	r.event = SA_EV_NONE;
	assert_true(sa_format_line(&b, &r, 0) < 0);
	assert_true(sa_format_detail(&b, &r, 0) < 0);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	rec_login(&r);
	r.time_us = INT64_MAX;
	assert_int_equal(sa_format_line(&b, &r, 0), SA_EBADTIME);
	assert_int_equal(sa_format_detail(&b, &r, 0), SA_EBADTIME);
	assert_int_equal(b.len, 4);
	sa_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_lines),
	    cmocka_unit_test(test_sessionid_flag),
	    cmocka_unit_test(test_golden_details),
	    cmocka_unit_test(test_startup),
	    cmocka_unit_test(test_os_user_and_unknown_stage),
	    cmocka_unit_test(test_wide_numbers_stay_apart),
	    cmocka_unit_test(test_untrust),
	    cmocka_unit_test(test_admin_masks_passwords),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_utf8_width),
	    cmocka_unit_test(test_random_records),
	    cmocka_unit_test(test_failure_keeps_buffer),
	};
	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
