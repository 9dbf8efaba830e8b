/*
 * test_conf.c - seauditd's configuration file (common/conf.c).
 *
 * The embedded defaults (for root and, in a child that drops to nobody,
 * for another user), a file setting every key, the original seos.ini
 * spellings in any case, and every class of error with its exact
 * "FILE:LINE: reason" text: unknown section and key, key outside a
 * section, duplicate key, malformed and out-of-range values, relative
 * paths, an unknown group, libinih's syntax errors and a line longer than
 * Debian's libinih accepts.  A failed load must leave the configuration
 * it was given untouched (a reload on SIGHUP keeps the running one).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <seaudit/record.h>

#include "conf.h"
#include "testutil.h"

#define EVB(e) (UINT32_C(1) << (e))

static char tdir[PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	tu_mkdtemp(tdir, sizeof tdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(tdir);
	return 0;
}

/* Writes `text` to a file of the test directory; its path in `path`. */
static void
put(char *path, size_t cap, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", tdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void
load_ok(struct conf *c, const char *text)
{
	char path[PATH_MAX + 16], err[512];

	put(path, sizeof path, "ok.ini", text);
	if (conf_load(c, path, err, sizeof err) != 0)
		fail_msg("refused: %s", err);
}

/*
 * Loads `text` expecting failure with "PATH:" + `want`; the struct must
 * come back exactly as it went in.
 */
static void
load_bad(const char *text, const char *want)
{
	char path[PATH_MAX + 16], err[512], full[PATH_MAX + 600];
	struct conf c, before;

	conf_defaults(&c);
	before = c;
	put(path, sizeof path, "bad.ini", text);
	errno = 0;
	assert_int_equal(conf_load(&c, path, err, sizeof err), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(full, sizeof full, "%s:%s", path, want);
	assert_string_equal(err, full);
	assert_memory_equal(&c, &before, sizeof c);
}

/* --- Defaults --- */

static void
check_common_defaults(const struct conf *c)
{
	assert_string_equal(c->audit_back, "");
	assert_int_equal(c->audit_size, 10240 * 1024);
	assert_int_equal(c->audit_max_files, 0);
	assert_int_equal(c->backup_date, BACKUP_NONE);
	assert_string_equal(c->audit_group, "");
	assert_int_equal(c->socket_mode, 0666);
	assert_int_equal(c->sync, SA_SYNC_BATCH);
	assert_false(c->sync_interval);
	assert_int_equal(c->sync_interval_ms, 100);
	assert_int_equal(c->disk_full_action, FULL_REFUSE);
	assert_int_equal(c->reserve_bytes, 64 * 1024 * 1024);
	assert_int_equal(
	    c->reserved_events,
	    EVB(SA_EV_LOGIN) | EVB(SA_EV_LOGOUT) | EVB(SA_EV_ACCOUNT_ENABLED) |
		EVB(SA_EV_ACCOUNT_DISABLED) | EVB(SA_EV_PASSWORD_ATTEMPT) |
		EVB(SA_EV_ADMIN) | EVB(SA_EV_UNTRUST) | EVB(SA_EV_STARTUP) |
		EVB(SA_EV_SHUTDOWN) | EVB(SA_EV_LOSS));
	assert_int_equal(c->max_clients, 1024);
	assert_int_equal(c->max_record_bytes, 65536);
	assert_int_equal(c->max_frame_bytes, 4194304);
	assert_true(c->compress);
	assert_int_equal(c->compress_level, 3);
	assert_string_equal(c->origin, "");
}

/* In a child (seteuid): 0 when the defaults are the per-user paths. */
static int
user_defaults_child(void)
{
	struct conf c;

	if (setenv("XDG_STATE_HOME", "/xs", 1) != 0 ||
	    setenv("XDG_RUNTIME_DIR", "/xr", 1) != 0 ||
	    unsetenv("SEAUDIT_LOG") != 0 || unsetenv("SEAUDIT_SOCKET") != 0)
		return 10;
	if (geteuid() == 0 && seteuid(65534) != 0)
		return 11;
	conf_defaults(&c);
	if (strcmp(c.audit_log, "/xs/seaudit/log") != 0)
		return 12;
	if (strcmp(c.socket, "/xr/seaudit/seauditd.sock") != 0)
		return 13;
	return 0;
}

static void
test_defaults(void **state)
{
	struct conf c;
	pid_t pid;
	int st;

	(void)state;
	memset(&c, 0xa5, sizeof c);
	conf_defaults(&c);
	check_common_defaults(&c);
	if (geteuid() == 0) {
		assert_string_equal(c.audit_log, "/var/log/seaudit");
		assert_string_equal(c.socket, "/run/seaudit/seauditd.sock");
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(user_defaults_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* --- Valid files --- */

static void
test_full_file(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	load_ok(&c, "; seauditd.ini: every key\n"
		    "# comments of both kinds, blank lines, inline comments\n"
		    "\n"
		    "[logmgr]\n"
		    "audit_log = /var/log/sa ; the directory\n"
		    "audit_back = /var/backup/sa\n"
		    "audit_size = 50\n"
		    "audit_max_files = 100000\n"
		    "BackUp_Date = weekly\n"
		    "audit_group = root\n"
		    "\n"
		    "[seauditd]\n"
		    "socket = /run/sa.sock\n"
		    "socket_mode = 0660\n"
		    "sync = interval\n"
		    "sync_interval_ms = 60000\n"
		    "disk_full_action = rotate\n"
		    "reserve = 512K\n"
		    "reserved_classes = network , trace,password_attempt\n"
		    "max_clients = 65536\n"
		    "max_record_bytes = 256\n"
		    "max_frame_bytes = 1024\n"
		    "compress = no\n"
		    "compress_level = 19\n"
		    "origin = host-1.example.org\n");
	assert_string_equal(c.audit_log, "/var/log/sa");
	assert_string_equal(c.audit_back, "/var/backup/sa");
	assert_int_equal(c.audit_size, 50 * 1024);
	assert_int_equal(c.audit_max_files, 100000);
	assert_int_equal(c.backup_date, BACKUP_WEEKLY);
	assert_string_equal(c.audit_group, "root");
	assert_int_equal(c.audit_gid, 0);
	assert_string_equal(c.socket, "/run/sa.sock");
	assert_int_equal(c.socket_mode, 0660);
	assert_int_equal(c.sync, SA_SYNC_BATCH);
	assert_true(c.sync_interval);
	assert_int_equal(c.sync_interval_ms, 60000);
	assert_int_equal(c.disk_full_action, FULL_ROTATE);
	assert_int_equal(c.reserve_bytes, 512 * 1024);
	assert_int_equal(c.reserved_events,
			 EVB(SA_EV_INBOUND) | EVB(SA_EV_OUTBOUND) |
			     EVB(SA_EV_TRACE) | EVB(SA_EV_PASSWORD_ATTEMPT));
	assert_int_equal(c.max_clients, 65536);
	assert_int_equal(c.max_record_bytes, 256);
	assert_int_equal(c.max_frame_bytes, 1024);
	assert_false(c.compress);
	assert_int_equal(c.compress_level, 19);
	assert_string_equal(c.origin, "host-1.example.org");
}

/* A file only overrides what it names; the rest stays as given. */
static void
test_partial_file(void **state)
{
	struct conf c, d;

	(void)state;
	conf_defaults(&c);
	d = c;
	load_ok(&c, "[seauditd]\nsync = none\n");
	assert_int_equal(c.sync, SA_SYNC_NONE);
	c.sync = d.sync;
	assert_memory_equal(&c, &d, sizeof c);

	/* An empty file, and one with sections only. */
	load_ok(&c, "");
	assert_memory_equal(&c, &d, sizeof c);
	load_ok(&c, "[logmgr]\n[seauditd]\n");
	assert_memory_equal(&c, &d, sizeof c);
}

/* The original's spellings, in any case; sections too. */
static void
test_case_insensitive(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	load_ok(&c, "[LOGMGR]\n"
		    "AUDIT_LOG = /a\n"
		    "Audit_Back = /b\n"
		    "AUDIT_SIZE = 1024\n"
		    "Audit_Max_Files = 7\n"
		    "backup_date = Monthly\n"
		    "AUDIT_GROUP = NONE\n"
		    "[SeAuditD]\n"
		    "SYNC = BATCH\n"
		    "Disk_Full_Action = Block\n"
		    "COMPRESS = YES\n");
	assert_string_equal(c.audit_log, "/a");
	assert_string_equal(c.audit_back, "/b");
	assert_int_equal(c.audit_size, 1024 * 1024);
	assert_int_equal(c.audit_max_files, 7);
	assert_int_equal(c.backup_date, BACKUP_MONTHLY);
	assert_string_equal(c.audit_group, "");
	assert_int_equal(c.sync, SA_SYNC_BATCH);
	assert_false(c.sync_interval);
	assert_int_equal(c.disk_full_action, FULL_BLOCK);
	assert_true(c.compress);

	load_ok(&c, "[logmgr]\nBackUp_Date = no\n");
	assert_int_equal(c.backup_date, BACKUP_NONE);
	load_ok(&c, "[logmgr]\nBackUp_Date = YES\n");
	assert_int_equal(c.backup_date, BACKUP_YES);
	load_ok(&c, "[logmgr]\nBackUp_Date = daily\n");
	assert_int_equal(c.backup_date, BACKUP_DAILY);
	load_ok(&c, "[logmgr]\nBackUp_Date = none\n");
	assert_int_equal(c.backup_date, BACKUP_NONE);
}

/* BOM, CRLF, indentation (never a continuation), ':' separators. */
static void
test_syntax_variants(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	load_ok(&c, "\xef\xbb\xbf[logmgr]\r\n"
		    "  audit_log = /x\r\n"
		    "\taudit_back = /y\r\n"
		    "audit_max_files: 3\r\n"
		    "  [ seauditd ]  ; spaced header\n"
		    "origin =\n");
	assert_string_equal(c.audit_log, "/x");
	assert_string_equal(c.audit_back, "/y");
	assert_int_equal(c.audit_max_files, 3);
	assert_string_equal(c.origin, "");
}

static void
test_values(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	load_ok(&c, "[seauditd]\nreserve = 0\n");
	assert_int_equal(c.reserve_bytes, 0);
	load_ok(&c, "[seauditd]\nreserve = 4096\n");
	assert_int_equal(c.reserve_bytes, 4096);
	load_ok(&c, "[seauditd]\nreserve = 64m\n");
	assert_int_equal(c.reserve_bytes, 64 * 1024 * 1024);
	load_ok(&c, "[seauditd]\nreserve = 1024G\n");
	assert_int_equal(c.reserve_bytes, UINT64_C(1) << 40);
	load_ok(&c, "[seauditd]\nsocket_mode = 600\n");
	assert_int_equal(c.socket_mode, 0600);
	load_ok(&c, "[seauditd]\nsocket_mode = 0\n");
	assert_int_equal(c.socket_mode, 0);
	load_ok(&c, "[seauditd]\nreserved_classes = none\n");
	assert_int_equal(c.reserved_events, 0);
	load_ok(&c, "[seauditd]\nreserved_classes = LOGIN\n");
	assert_int_equal(
	    c.reserved_events,
	    EVB(SA_EV_LOGIN) | EVB(SA_EV_LOGOUT) | EVB(SA_EV_ACCOUNT_ENABLED) |
		EVB(SA_EV_ACCOUNT_DISABLED) | EVB(SA_EV_PASSWORD_ATTEMPT));
	load_ok(&c, "[logmgr]\naudit_size = 1073741824\naudit_back =\n");
	assert_int_equal(c.audit_size, UINT64_C(1) << 40);
	assert_string_equal(c.audit_back, "");
}

/* --- Errors, with their exact text --- */

static void
test_err_sections_and_keys(void **state)
{
	(void)state;
	load_bad("[logmgr]\naudit_log = /a\n[daemons]\n",
		 "3: unknown section [daemons]");
	load_bad("[logmgr]\n[selogrd]\nx = 1\n",
		 "2: unknown section [selogrd]");
	load_bad("audit_log = /a\n", "1: key 'audit_log' outside any section");
	load_bad("[logmgr]\naudit_log = /a\nAuditFiltersFile = /f\n",
		 "3: unknown key 'AuditFiltersFile' in [logmgr]");
	/* Each key lives in its own section. */
	load_bad("[seauditd]\naudit_log = /a\n",
		 "2: unknown key 'audit_log' in [seauditd]");
	load_bad("[logmgr]\naudit_log = /a\n\nAUDIT_LOG = /b\n",
		 "4: duplicate key 'AUDIT_LOG' (first set on line 2)");
	load_bad("[logmgr]\naudit_log = /a\n[seauditd]\n[logmgr]\n"
		 "audit_log = /b\n",
		 "5: duplicate key 'audit_log' (first set on line 2)");
	load_bad("[logmgr]\nthis line has no equals sign\n",
		 "2: syntax error (expected [section] or key = value)");
	load_bad("[logmgr\naudit_log = /a\n",
		 "1: syntax error (expected [section] or key = value)");
	load_bad("[logmgr] junk\n",
		 "1: unexpected text after the section header");
	load_bad("[logmgr]\naudit_log = /a\x01\n",
		 "2: control character 0x01 in line");
}

static void
test_err_values(void **state)
{
	(void)state;
	load_bad("[logmgr]\naudit_log = var/log\n",
		 "2: audit_log: 'var/log' is not an absolute path");
	load_bad("[logmgr]\naudit_log =\n",
		 "2: audit_log: '' is not an absolute path");
	load_bad("[logmgr]\naudit_back = backup\n",
		 "2: audit_back: 'backup' is not an absolute path");
	load_bad("[logmgr]\naudit_size = 49\n",
		 "2: audit_size: 49 out of range (50..1073741824)");
	load_bad("[logmgr]\naudit_size = 1073741825\n",
		 "2: audit_size: 1073741825 out of range (50..1073741824)");
	load_bad("[logmgr]\naudit_size = 10M\n",
		 "2: audit_size: bad value '10M' (expected a number)");
	load_bad("[logmgr]\naudit_size = -1\n",
		 "2: audit_size: bad value '-1' (expected a number)");
	load_bad("[logmgr]\naudit_size = 99999999999999999999999\n",
		 "2: audit_size: bad value '99999999999999999999999' "
		 "(expected a number)");
	load_bad("[logmgr]\naudit_max_files = ten\n",
		 "2: audit_max_files: bad value 'ten' (expected a number)");
	load_bad("[logmgr]\naudit_max_files = 100001\n",
		 "2: audit_max_files: 100001 out of range (0..100000)");
	load_bad("[logmgr]\nBackUp_Date = hourly\n",
		 "2: BackUp_Date: bad value 'hourly' (expected none, no, yes, "
		 "daily, weekly or monthly)");
	load_bad("[seauditd]\nsocket = relative.sock\n",
		 "2: socket: 'relative.sock' is not an absolute path");
	load_bad(
	    "[seauditd]\nsocket = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa\n",
	    "2: socket: path too long (max 107 bytes)");
	load_bad("[seauditd]\nsocket_mode = 0680\n",
		 "2: socket_mode: bad value '0680' (expected an octal mode "
		 "such as 0660)");
	load_bad("[seauditd]\nsocket_mode = 1777\n",
		 "2: socket_mode: 1777 out of range (0..0777)");
	load_bad("[seauditd]\nsync = always\n",
		 "2: sync: bad value 'always' (expected batch, interval or "
		 "none)");
	load_bad("[seauditd]\nsync_interval_ms = 0\n",
		 "2: sync_interval_ms: 0 out of range (1..60000)");
	load_bad("[seauditd]\nsync_interval_ms = 60001\n",
		 "2: sync_interval_ms: 60001 out of range (1..60000)");
	load_bad("[seauditd]\ndisk_full_action = panic\n",
		 "2: disk_full_action: bad value 'panic' (expected refuse, "
		 "block or rotate)");
	load_bad("[seauditd]\nreserve = 64X\n",
		 "2: reserve: bad value '64X' (expected a size in bytes with "
		 "an optional K, M or G suffix)");
	load_bad("[seauditd]\nreserve = M\n",
		 "2: reserve: bad value 'M' (expected a size in bytes with "
		 "an optional K, M or G suffix)");
	load_bad("[seauditd]\nreserve = 1025G\n",
		 "2: reserve: 1025G out of range (0..1024G)");
	load_bad("[seauditd]\nreserved_classes = login,bogus,admin\n",
		 "2: reserved_classes: unknown class 'bogus' (expected login, "
		 "admin, untrust, daemon, resource, network, password, trace, "
		 "loss, all, none or an event name)");
	load_bad("[seauditd]\nreserved_classes = login,,admin\n",
		 "2: reserved_classes: empty item in 'login,,admin'");
	load_bad("[seauditd]\nmax_clients = 0\n",
		 "2: max_clients: 0 out of range (1..65536)");
	load_bad("[seauditd]\nmax_record_bytes = 255\n",
		 "2: max_record_bytes: 255 out of range (256..65536)");
	load_bad("[seauditd]\nmax_frame_bytes = 4194305\n",
		 "2: max_frame_bytes: 4194305 out of range (1024..4194304)");
	load_bad("[seauditd]\nmax_frame_bytes = 2048\n\nmax_record_bytes = "
		 "4096\n",
		 "4: max_record_bytes (4096) exceeds max_frame_bytes (2048)");
	load_bad("[seauditd]\nreserved_clients = 2000\n",
		 "2: reserved_clients (2000) must be below max_clients (1024)");
	load_bad("[seauditd]\nmax_clients = 8\nreserved_clients = 8\n",
		 "3: reserved_clients (8) must be below max_clients (8)");
	load_bad("[seauditd]\nidle_timout = 5\n",
		 "2: unknown key 'idle_timout' in [seauditd]");
	load_bad("[seauditd]\nproducer_group = nosuchgroup-x\n",
		 "2: producer_group: unknown group 'nosuchgroup-x'");
	load_bad("[seauditd]\nuser_events = login,bogus\n",
		 "2: user_events: unknown class 'bogus' (expected login, admin,"
		 " untrust, daemon, resource, network, password, trace, all,"
		 " none or an event name)");
	load_bad("[seauditd]\ncompress = maybe\n",
		 "2: compress: bad value 'maybe' (expected yes or no)");
	load_bad("[seauditd]\ncompress_level = 20\n",
		 "2: compress_level: 20 out of range (1..19)");
	load_bad("[seauditd]\norigin = host name\n",
		 "2: origin: bad value 'host name' (expected a host name: "
		 "letters, digits, '.', '-', '_')");
	/* Only the first error is reported. */
	load_bad("[seauditd]\ncompress_level = 0\nmax_clients = 0\n",
		 "2: compress_level: 0 out of range (1..19)");
}

static void
test_err_group(void **state)
{
	struct conf c;

	(void)state;
	load_bad("[logmgr]\naudit_log = /a\naudit_group = no_such_group_x\n",
		 "3: audit_group: unknown group 'no_such_group_x'");
	load_bad("[logmgr]\naudit_group =\n",
		 "2: audit_group: empty value (a group name or none)");
	conf_defaults(&c);
	load_ok(&c, "[logmgr]\naudit_group = daemon\n");
	{
		struct group *g = getgrnam("daemon");

		if (g != NULL) {
			assert_string_equal(c.audit_group, "daemon");
			assert_int_equal(c.audit_gid, g->gr_gid);
		}
	}
	load_ok(&c, "[logmgr]\naudit_group = none\n");
	assert_string_equal(c.audit_group, "");
}

/*
 * Debian's libinih reads lines into a 200-byte buffer: 199 characters
 * (line end excluded, CRLF too) pass, 200 and the 250 of the brief do not.
 */
static void
line_of(char *buf, size_t cap, size_t len, const char *end)
{
	static const char head[] = "audit_log = /";
	size_t i;

	assert_true(len + strlen(end) + 16 < cap);
	memcpy(buf, "[logmgr]\n", 9);
	memcpy(buf + 9, head, sizeof head - 1);
	for (i = 9 + sizeof head - 1; i < 9 + len; i++)
		buf[i] = 'd';
	snprintf(buf + i, cap - i, "%s", end);
}

static void
test_err_long_line(void **state)
{
	char text[512];
	struct conf c;

	(void)state;
	line_of(text, sizeof text, 250, "\n");
	load_bad(text, "2: line too long (max 199 characters)");
	line_of(text, sizeof text, 200, "\n");
	load_bad(text, "2: line too long (max 199 characters)");
	line_of(text, sizeof text, 200, "");
	load_bad(text, "2: line too long (max 199 characters)");

	conf_defaults(&c);
	line_of(text, sizeof text, 199, "\n");
	load_ok(&c, text);
	assert_int_equal(strlen(c.audit_log), 199 - 12);
	line_of(text, sizeof text, 199, "\r\n");
	load_ok(&c, text);
	assert_int_equal(strlen(c.audit_log), 199 - 12);
	line_of(text, sizeof text, 199, "");
	load_ok(&c, text);
	assert_int_equal(strlen(c.audit_log), 199 - 12);

	/* A long comment is a long line too: the limit is libinih's. */
	snprintf(text, sizeof text, "; %0250d\n[logmgr]\n", 0);
	load_bad(text, "1: line too long (max 199 characters)");
}

static void
test_err_file(void **state)
{
	char path[PATH_MAX + 16], err[512], want[PATH_MAX + 64];
	struct conf c;
	const char nul[] = "[logmgr]\naudit_log = /a\0b\n";
	FILE *f;

	(void)state;
	conf_defaults(&c);
	snprintf(path, sizeof path, "%s/missing.ini", tdir);
	assert_int_equal(conf_load(&c, path, err, sizeof err), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(conf_load(&c, tdir, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not a regular file", tdir);
	assert_string_equal(err, want);

	snprintf(path, sizeof path, "%s/nul.ini", tdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);

	/* A small buffer truncates the message, never overflows. */
	assert_int_equal(conf_load(&c, path, err, 8), -1);
	assert_int_equal(strlen(err), 7);
}

static void
test_parse_classes(void **state)
{
	uint32_t bits = 0;

	(void)state;
	assert_int_equal(
	    conf_parse_classes("login,admin,untrust,daemon", &bits), 0);
	assert_int_equal(bits, EVB(SA_EV_LOGIN) | EVB(SA_EV_LOGOUT) |
				   EVB(SA_EV_ACCOUNT_ENABLED) |
				   EVB(SA_EV_ACCOUNT_DISABLED) |
				   EVB(SA_EV_PASSWORD_ATTEMPT) |
				   EVB(SA_EV_ADMIN) | EVB(SA_EV_UNTRUST) |
				   EVB(SA_EV_STARTUP) | EVB(SA_EV_SHUTDOWN));
	assert_int_equal(conf_parse_classes("network", &bits), 0);
	assert_int_equal(bits, EVB(SA_EV_INBOUND) | EVB(SA_EV_OUTBOUND));
	assert_int_equal(conf_parse_classes(" password , resource ", &bits), 0);
	assert_int_equal(bits,
			 EVB(SA_EV_PASSWORD_VERIFY) | EVB(SA_EV_RESOURCE));
	assert_int_equal(conf_parse_classes("trace,loss,startup", &bits), 0);
	assert_int_equal(bits, EVB(SA_EV_TRACE) | EVB(SA_EV_LOSS) |
				   EVB(SA_EV_STARTUP));
	assert_int_equal(conf_parse_classes("all", &bits), 0);
	assert_int_equal(bits, UINT32_C(0x1fffe));
	assert_int_equal(conf_parse_classes("none", &bits), 0);
	assert_int_equal(bits, 0);
	assert_int_equal(conf_parse_classes("", &bits), 0);
	assert_int_equal(bits, 0);

	bits = 42;
	assert_int_equal(conf_parse_classes("login,bogus", &bits), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bits, 42); /* untouched */
	assert_int_equal(conf_parse_classes("login,", &bits), -1);
	assert_int_equal(conf_parse_classes(",login", &bits), -1);
	assert_int_equal(conf_parse_classes("login,none", &bits), -1);
	assert_int_equal(
	    conf_parse_classes("a_class_name_much_longer_than_any_real_one",
			       &bits),
	    -1);
}

/*
 * A reload copies exactly the keys SIGHUP may change and names the
 * others (seauditd(8), SIGNALS): here max_clients, reserve, socket_mode
 * and producer_group apply, audit_log, socket, sync and compress wait.
 */
static void
test_reload_applies_reloadable_keys(void **state)
{
	(void)state;
	struct conf run, next;
	conf_defaults(&run);
	load_ok(&run, "[logmgr]\naudit_log = /srv/a\n[seauditd]\n"
		      "socket = /run/a.sock\n");
	conf_defaults(&next);
	load_ok(&next, "[logmgr]\naudit_log = /srv/b\n[seauditd]\n"
		       "socket = /run/b.sock\nsync = none\ncompress = no\n"
		       "max_clients = 77\nreserve = 1M\nsocket_mode = 0600\n"
		       "producer_group = root\n");
	char later[400];
	conf_reload(&run, &next, later, sizeof later);
	assert_int_equal(run.max_clients, 77);
	assert_int_equal(run.reserve_bytes, 1024 * 1024);
	assert_int_equal(run.socket_mode, 0600);
	assert_string_equal(run.producer_group, "root");
	assert_int_equal(run.producer_gid, 0);
	assert_string_equal(run.audit_log, "/srv/a");
	assert_string_equal(run.socket, "/run/a.sock");
	assert_int_equal(run.sync, SA_SYNC_BATCH);
	assert_true(run.compress);
	assert_string_equal(later, "audit_log, socket, sync, compress");

	/* Nothing differs: nothing named, nothing changed. */
	struct conf same = run;
	conf_reload(&run, &same, later, sizeof later);
	assert_string_equal(later, "");
	assert_memory_equal(&run, &same, sizeof run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_partial_file),
	    cmocka_unit_test(test_case_insensitive),
	    cmocka_unit_test(test_syntax_variants),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_err_sections_and_keys),
	    cmocka_unit_test(test_err_values),
	    cmocka_unit_test(test_err_group),
	    cmocka_unit_test(test_err_long_line),
	    cmocka_unit_test(test_err_file),
	    cmocka_unit_test(test_parse_classes),
	    cmocka_unit_test(test_reload_applies_reloadable_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
