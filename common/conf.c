/*
 * conf.c - seauditd's configuration file (see conf.h and
 * docs/man/seauditd.ini.5): libinih does the INI syntax, this file does
 * everything it does not: line numbers in every message, overlong lines,
 * unknown sections and keys, duplicate keys, and strict value checks.
 *
 * libinih is fed through our own line reader (ini_parse_stream).  The
 * reader is where the file is bounded: it counts lines exactly as libinih
 * does (one call, one line), refuses a line longer than the buffer libinih
 * gives it (Debian builds it with INI_MAX_LINE 200: it would split the
 * line and parse the pieces), NUL bytes and control characters, and
 * section headers it does not know, before libinih sees them.  It also
 * strips leading white space, which turns off libinih's multi-line values:
 * an indented line is an ordinary line, never a continuation.
 *
 * The first error wins and stops the reading.  Parsing works on a copy of
 * the caller's struct conf that is copied back only when the whole file is
 * good, so a bad file (a reload on SIGHUP) leaves the running
 * configuration untouched.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include <seaudit/client.h>
#include <seaudit/record.h>

#include "conf.h"

#define KB UINT64_C(1024)
#define MB (KB * 1024)
#define GB (MB * 1024)

#define AUDIT_SIZE_MIN_KB 50               /* the original's floor */
#define AUDIT_SIZE_MAX_KB (UINT64_C(1) << 30) /* 1 TiB */
#define AUDIT_MAX_FILES_MAX 100000
#define RESERVE_MAX (UINT64_C(1) << 40)    /* 1 TiB */
#define GROUP_BUF_MAX (1024 * 1024)        /* getgrnam_r buffer ceiling */
#define CLASS_NAME_MAX 32

#define DEFAULT_CLASSES "login,admin,untrust,daemon,loss"

enum conf_section { SEC_NONE = 0, SEC_LOGMGR, SEC_SEAUDITD };

struct conf_parse;
typedef int (*conf_setter)(struct conf_parse *p, const char *key,
			   const char *val);

struct conf_key {
	enum conf_section section;
	const char *name;     /* compared case-insensitively */
	conf_setter set;
};

enum {
	K_AUDIT_LOG, K_AUDIT_BACK, K_AUDIT_SIZE, K_AUDIT_MAX_FILES,
	K_BACKUP_DATE, K_AUDIT_GROUP, K_SOCKET, K_SOCKET_MODE, K_SOCKET_GROUP,
	K_SYNC,
	K_SYNC_INTERVAL_MS, K_DISK_FULL_ACTION, K_RESERVE, K_RESERVED_CLASSES,
	K_MAX_CLIENTS, K_MAX_RECORD_BYTES, K_MAX_FRAME_BYTES, K_COMPRESS,
	K_COMPRESS_LEVEL, K_ORIGIN, K_MASK_PASSWORDS, K_PRODUCER_GROUP,
	K_USER_EVENTS, K_IDLE_TIMEOUT, K_MAX_CLIENTS_PER_UID,
	K_RESERVED_CLIENTS, K__COUNT
};

struct conf_parse {
	struct conf c;           /* the working copy */
	FILE *fp;
	int lineno;              /* of the line last handed to libinih */
	int err_line;            /* 0: no error yet */
	char err[320];           /* reason, without "FILE:LINE: " */
	int seen[K__COUNT];      /* line where each key was set, 0 = not */
};

/* --- Errors --- */

__attribute__((format(printf, 2, 3))) static int
bad(struct conf_parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line != 0)
		return -1;
	p->err_line = p->lineno > 0 ? p->lineno : 1;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A value as it may appear in a message: the reader already refused
 * control characters, but bytes >= 0x80 pass; show them as '?' so a
 * message is always printable ASCII.  Lines are < 200 bytes, the buffer
 * is larger: nothing is cut.
 */
struct shown {
	char s[256];
};

static struct shown
show(const char *v)
{
	struct shown o;
	size_t i;

	for (i = 0; v[i] != '\0' && i < sizeof o.s - 1; i++)
		o.s[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	o.s[i] = '\0';
	return o;
}

/* --- Value parsers: whole string, no sign, no spaces, no overflow --- */

static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* An unsigned key in [lo, hi]. */
static int
get_range(struct conf_parse *p, const char *key, const char *val,
	  uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (parse_u64(val, out) != 0)
		return bad(p, "%s: bad value '%s' (expected a number)", key,
			   show(val).s);
	if (*out < lo || *out > hi)
		return bad(p, "%s: %s out of range (%llu..%llu)", key,
			   show(val).s, (unsigned long long)lo,
			   (unsigned long long)hi);
	return 0;
}

static int
get_path(struct conf_parse *p, const char *key, const char *val, char *dst,
	 size_t cap, bool empty_ok)
{
	size_t n = strlen(val);

	if (n == 0 && empty_ok) {
		dst[0] = '\0';
		return 0;
	}
	if (val[0] != '/')
		return bad(p, "%s: '%s' is not an absolute path", key,
			   show(val).s);
	if (n >= cap)
		return bad(p, "%s: path too long (max %zu bytes)", key,
			   cap - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

/* One of `names` (case-insensitive): its index, or -1. */
static int
get_word(const char *val, const char *const *names)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(val, names[i]) == 0)
			return i;
	return -1;
}

/* --- Event classes --- */

#define EVB(e) (UINT32_C(1) << (e))

static const struct {
	const char *name;
	uint32_t bits;
} conf_classes[] = {
	{"login", EVB(SA_EV_LOGIN) | EVB(SA_EV_LOGOUT) |
	     EVB(SA_EV_ACCOUNT_ENABLED) | EVB(SA_EV_ACCOUNT_DISABLED) |
	     EVB(SA_EV_PASSWORD_ATTEMPT)},
	{"admin", EVB(SA_EV_ADMIN)},
	{"untrust", EVB(SA_EV_UNTRUST)},
	{"daemon", EVB(SA_EV_STARTUP) | EVB(SA_EV_SHUTDOWN)},
	{"resource", EVB(SA_EV_RESOURCE)},
	{"network", EVB(SA_EV_INBOUND) | EVB(SA_EV_OUTBOUND)},
	{"password", EVB(SA_EV_PASSWORD_VERIFY)},
	{"trace", EVB(SA_EV_TRACE)},
	{"loss", EVB(SA_EV_LOSS)},
	{"all", ((UINT32_C(1) << SA_EV__COUNT) - 1) & ~EVB(SA_EV_NONE)},
};

/*
 * A class name, or a single event's JSON name (the classes are groups of
 * events; a name that is both means the same thing either way).
 */
static int
class_bits(const char *tok, size_t n, uint32_t *bits)
{
	char low[CLASS_NAME_MAX + 1];
	enum sa_event ev;

	if (n == 0 || n > CLASS_NAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)tok[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof conf_classes / sizeof conf_classes[0];
	     i++) {
		if (strcmp(low, conf_classes[i].name) == 0) {
			*bits |= conf_classes[i].bits;
			return 0;
		}
	}
	if ((ev = sa_event_by_json(low, n)) != SA_EV_NONE) {
		*bits |= EVB(ev);
		return 0;
	}
	return -1;
}

/*
 * The list parser behind conf_parse_classes; on failure bad_tok, bad_len
 * name the offending item (length 0: an empty item).
 */
static int
classes_parse(const char *s, uint32_t *out, const char **bad_tok,
	      size_t *bad_len)
{
	uint32_t bits = 0;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strcasecmp(p, "none") == 0) {
		*out = 0;
		return 0;
	}
	for (;;) {
		const char *b, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		b = p;
		while (*p != '\0' && *p != ',')
			p++;
		e = p;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (class_bits(b, (size_t)(e - b), &bits) != 0) {
			*bad_tok = b;
			*bad_len = (size_t)(e - b);
			return -1;
		}
		if (*p == '\0')
			break;
		p++; /* ',' */
	}
	*out = bits;
	return 0;
}

int
conf_parse_classes(const char *s, uint32_t *bits)
{
	const char *tok;
	size_t len;

	if (classes_parse(s, bits, &tok, &len) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* --- [logmgr] --- */

static int
set_audit_log(struct conf_parse *p, const char *key, const char *val)
{
	return get_path(p, key, val, p->c.audit_log, sizeof p->c.audit_log,
			false);
}

static int
set_audit_back(struct conf_parse *p, const char *key, const char *val)
{
	return get_path(p, key, val, p->c.audit_back, sizeof p->c.audit_back,
			true);
}

static int
set_audit_size(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t kb;

	if (get_range(p, key, val, AUDIT_SIZE_MIN_KB, AUDIT_SIZE_MAX_KB,
		      &kb) != 0)
		return -1;
	p->c.audit_size = kb * KB;
	return 0;
}

static int
set_audit_max_files(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t n;

	if (get_range(p, key, val, 0, AUDIT_MAX_FILES_MAX, &n) != 0)
		return -1;
	p->c.audit_max_files = (unsigned)n;
	return 0;
}

static int
set_backup_date(struct conf_parse *p, const char *key, const char *val)
{
	static const char *const names[] = {"none", "no", "yes", "daily",
					    "weekly", "monthly", NULL};
	static const enum conf_backup_date vals[] = {
		BACKUP_NONE, BACKUP_NONE, BACKUP_YES, BACKUP_DAILY,
		BACKUP_WEEKLY, BACKUP_MONTHLY};
	int i = get_word(val, names);

	if (i < 0)
		return bad(p, "%s: bad value '%s' (expected none, no, yes, "
			   "daily, weekly or monthly)", key, show(val).s);
	p->c.backup_date = vals[i];
	return 0;
}

/*
 * The original ignored a group it could not find, leaving the log with no
 * group access; here a typo must not silently expose or hide the trail,
 * so an unknown group refuses the file.
 */
static int
group_setting(struct conf_parse *p, const char *key, const char *val,
	      char *name, size_t namecap, gid_t *gid)
{
	struct group gr, *res = NULL;
	long sz = sysconf(_SC_GETGR_R_SIZE_MAX);
	size_t cap = sz > 0 ? (size_t)sz : 16384;
	char *buf = NULL;
	int rc;

	if (strcasecmp(val, "none") == 0) {
		name[0] = '\0';
		*gid = 0;
		return 0;
	}
	if (val[0] == '\0')
		return bad(p, "%s: empty value (a group name or none)", key);
	if (strlen(val) >= namecap)
		return bad(p, "%s: group name '%s' too long (max %zu)", key,
			   show(val).s, namecap - 1);
	for (;;) {
		char *nb = realloc(buf, cap);

		if (nb == NULL) {
			free(buf);
			return bad(p, "%s: out of memory", key);
		}
		buf = nb;
		rc = getgrnam_r(val, &gr, buf, cap, &res);
		if (rc != ERANGE || cap >= GROUP_BUF_MAX)
			break;
		cap *= 2;
	}
	if (res != NULL) {
		*gid = gr.gr_gid;
		free(buf);
		snprintf(name, namecap, "%s", val);
		return 0;
	}
	free(buf);
	/* NSS modules report "not found" with several codes besides 0. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		return bad(p, "%s: unknown group '%s'", key, show(val).s);
	return bad(p, "%s: cannot look up group '%s': %s", key, show(val).s,
		   strerror(rc));
}

static int
set_audit_group(struct conf_parse *p, const char *key, const char *val)
{
	return group_setting(p, key, val, p->c.audit_group,
			     sizeof p->c.audit_group, &p->c.audit_gid);
}

static int
set_producer_group(struct conf_parse *p, const char *key, const char *val)
{
	return group_setting(p, key, val, p->c.producer_group,
			     sizeof p->c.producer_group, &p->c.producer_gid);
}

static int
set_user_events(struct conf_parse *p, const char *key, const char *val)
{
	const char *tok;
	size_t len;

	if (classes_parse(val, &p->c.user_events, &tok, &len) == 0)
		return 0;
	if (len == 0)
		return bad(p, "%s: empty item in '%s'", key, show(val).s);
	return bad(p, "%s: unknown class '%.*s' (expected login, admin, "
		   "untrust, daemon, resource, network, password, trace, "
		   "all, none or an event name)", key, (int)len, show(tok).s);
}

/* --- [seauditd] --- */

static int
set_socket(struct conf_parse *p, const char *key, const char *val)
{
	return get_path(p, key, val, p->c.socket, sizeof p->c.socket, false);
}

/*
 * The group the socket is given to: with socket_mode 0660 only root, the
 * daemon's user and this group's members may connect.
 */
static int
set_socket_group(struct conf_parse *p, const char *key, const char *val)
{
	return group_setting(p, key, val, p->c.socket_group,
			     sizeof p->c.socket_group, &p->c.socket_gid);
}

static int
set_socket_mode(struct conf_parse *p, const char *key, const char *val)
{
	unsigned m = 0;
	size_t n = strlen(val);

	if (n == 0 || n > 4)
		goto badval;
	for (size_t i = 0; i < n; i++) {
		if (val[i] < '0' || val[i] > '7')
			goto badval;
		m = m * 8 + (unsigned)(val[i] - '0');
	}
	if (m > 0777)
		return bad(p, "%s: %s out of range (0..0777)", key,
			   show(val).s);
	p->c.socket_mode = (mode_t)m;
	return 0;
badval:
	return bad(p, "%s: bad value '%s' (expected an octal mode such as "
		   "0660)", key, show(val).s);
}

static int
set_sync(struct conf_parse *p, const char *key, const char *val)
{
	static const char *const names[] = {"batch", "interval", "none",
					    NULL};

	switch (get_word(val, names)) {
	case 0:
		p->c.sync = SA_SYNC_BATCH;
		p->c.sync_interval = false;
		return 0;
	case 1:
		/* Commit (write + fdatasync) on a timer, acks after it. */
		p->c.sync = SA_SYNC_BATCH;
		p->c.sync_interval = true;
		return 0;
	case 2:
		p->c.sync = SA_SYNC_NONE;
		p->c.sync_interval = false;
		return 0;
	default:
		return bad(p, "%s: bad value '%s' (expected batch, interval "
			   "or none)", key, show(val).s);
	}
}

static int
set_sync_interval_ms(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 1, 60000, &v) != 0)
		return -1;
	p->c.sync_interval_ms = (unsigned)v;
	return 0;
}

static int
set_disk_full_action(struct conf_parse *p, const char *key, const char *val)
{
	static const char *const names[] = {"refuse", "block", "rotate",
					    NULL};
	static const enum conf_full_action vals[] = {FULL_REFUSE, FULL_BLOCK,
						     FULL_ROTATE};
	int i = get_word(val, names);

	if (i < 0)
		return bad(p, "%s: bad value '%s' (expected refuse, block or "
			   "rotate)", key, show(val).s);
	p->c.disk_full_action = vals[i];
	return 0;
}

static int
set_reserve(struct conf_parse *p, const char *key, const char *val)
{
	char num[24];
	size_t n = strlen(val);
	uint64_t v, mul = 1;

	if (n > 0) {
		switch (val[n - 1]) {
		case 'k': case 'K': mul = KB; n--; break;
		case 'm': case 'M': mul = MB; n--; break;
		case 'g': case 'G': mul = GB; n--; break;
		default: break;
		}
	}
	if (n == 0 || n >= sizeof num)
		goto badval;
	memcpy(num, val, n);
	num[n] = '\0';
	if (parse_u64(num, &v) != 0)
		goto badval;
	if (v > RESERVE_MAX / mul)
		return bad(p, "%s: %s out of range (0..1024G)", key,
			   show(val).s);
	p->c.reserve_bytes = v * mul;
	return 0;
badval:
	return bad(p, "%s: bad value '%s' (expected a size in bytes with an "
		   "optional K, M or G suffix)", key, show(val).s);
}

static int
set_reserved_classes(struct conf_parse *p, const char *key, const char *val)
{
	const char *tok;
	size_t len;

	if (classes_parse(val, &p->c.reserved_events, &tok, &len) == 0)
		return 0;
	if (len == 0)
		return bad(p, "%s: empty item in '%s'", key, show(val).s);
	return bad(p, "%s: unknown class '%.*s' (expected login, admin, "
		   "untrust, daemon, resource, network, password, trace, "
		   "loss, all, none or an event name)", key, (int)len,
		   show(tok).s);
}

static int
set_idle_timeout(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 0, 86400, &v) != 0)
		return -1;
	p->c.idle_timeout_s = (unsigned)v;
	return 0;
}

static int
set_max_clients_per_uid(struct conf_parse *p, const char *key,
			const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 1, 65536, &v) != 0)
		return -1;
	p->c.max_clients_per_uid = (unsigned)v;
	return 0;
}

static int
set_reserved_clients(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 0, 65535, &v) != 0)
		return -1;
	p->c.reserved_clients = (unsigned)v;
	return 0;
}

static int
set_max_clients(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 1, 65536, &v) != 0)
		return -1;
	p->c.max_clients = (unsigned)v;
	return 0;
}

static int
set_max_record_bytes(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 256, 65536, &v) != 0)
		return -1;
	p->c.max_record_bytes = (uint32_t)v;
	return 0;
}

static int
set_max_frame_bytes(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 1024, 4194304, &v) != 0)
		return -1;
	p->c.max_frame_bytes = (uint32_t)v;
	return 0;
}

static int
set_compress(struct conf_parse *p, const char *key, const char *val)
{
	static const char *const names[] = {"no", "yes", NULL};
	int i = get_word(val, names);

	if (i < 0)
		return bad(p, "%s: bad value '%s' (expected yes or no)", key,
			   show(val).s);
	p->c.compress = i == 1;
	return 0;
}

static int
set_mask_passwords(struct conf_parse *p, const char *key, const char *val)
{
	static const char *const names[] = {"no", "yes", NULL};
	int i = get_word(val, names);

	if (i < 0)
		return bad(p, "%s: bad value '%s' (expected yes or no)", key,
			   show(val).s);
	p->c.mask_passwords = i == 1;
	return 0;
}

static int
set_compress_level(struct conf_parse *p, const char *key, const char *val)
{
	uint64_t v;

	if (get_range(p, key, val, 1, 19, &v) != 0)
		return -1;
	p->c.compress_level = (int)v;
	return 0;
}

static int
set_origin(struct conf_parse *p, const char *key, const char *val)
{
	size_t n = strlen(val);

	if (n > SA_MAX_ORIGIN)
		return bad(p, "%s: host name too long (max %d)", key,
			   SA_MAX_ORIGIN);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)val[i];

		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
			return bad(p, "%s: bad value '%s' (expected a host "
				   "name: letters, digits, '.', '-', '_')",
				   key, show(val).s);
	}
	memcpy(p->c.origin, val, n + 1);
	return 0;
}

/* Indexed by the K_ enum: `seen` uses the same index. */
static const struct conf_key conf_keys[K__COUNT] = {
	[K_AUDIT_LOG] = {SEC_LOGMGR, "audit_log", set_audit_log},
	[K_AUDIT_BACK] = {SEC_LOGMGR, "audit_back", set_audit_back},
	[K_AUDIT_SIZE] = {SEC_LOGMGR, "audit_size", set_audit_size},
	[K_AUDIT_MAX_FILES] = {SEC_LOGMGR, "audit_max_files",
			       set_audit_max_files},
	[K_BACKUP_DATE] = {SEC_LOGMGR, "BackUp_Date", set_backup_date},
	[K_AUDIT_GROUP] = {SEC_LOGMGR, "audit_group", set_audit_group},
	[K_SOCKET] = {SEC_SEAUDITD, "socket", set_socket},
	[K_SOCKET_MODE] = {SEC_SEAUDITD, "socket_mode", set_socket_mode},
	[K_SOCKET_GROUP] = {SEC_SEAUDITD, "socket_group", set_socket_group},
	[K_SYNC] = {SEC_SEAUDITD, "sync", set_sync},
	[K_SYNC_INTERVAL_MS] = {SEC_SEAUDITD, "sync_interval_ms",
				set_sync_interval_ms},
	[K_DISK_FULL_ACTION] = {SEC_SEAUDITD, "disk_full_action",
				set_disk_full_action},
	[K_RESERVE] = {SEC_SEAUDITD, "reserve", set_reserve},
	[K_RESERVED_CLASSES] = {SEC_SEAUDITD, "reserved_classes",
				set_reserved_classes},
	[K_MAX_CLIENTS] = {SEC_SEAUDITD, "max_clients", set_max_clients},
	[K_MAX_RECORD_BYTES] = {SEC_SEAUDITD, "max_record_bytes",
				set_max_record_bytes},
	[K_MAX_FRAME_BYTES] = {SEC_SEAUDITD, "max_frame_bytes",
			       set_max_frame_bytes},
	[K_COMPRESS] = {SEC_SEAUDITD, "compress", set_compress},
	[K_MASK_PASSWORDS] = {SEC_SEAUDITD, "mask_passwords",
			      set_mask_passwords},
	[K_PRODUCER_GROUP] = {SEC_SEAUDITD, "producer_group",
			      set_producer_group},
	[K_USER_EVENTS] = {SEC_SEAUDITD, "user_events", set_user_events},
	[K_IDLE_TIMEOUT] = {SEC_SEAUDITD, "idle_timeout", set_idle_timeout},
	[K_MAX_CLIENTS_PER_UID] = {SEC_SEAUDITD, "max_clients_per_uid",
				   set_max_clients_per_uid},
	[K_RESERVED_CLIENTS] = {SEC_SEAUDITD, "reserved_clients",
				set_reserved_clients},
	[K_COMPRESS_LEVEL] = {SEC_SEAUDITD, "compress_level",
			      set_compress_level},
	[K_ORIGIN] = {SEC_SEAUDITD, "origin", set_origin},
};

/* A section name as written between the brackets (spaces trimmed). */
static enum conf_section
section_id(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 6 && strncasecmp(s, "logmgr", 6) == 0)
		return SEC_LOGMGR;
	if (n == 8 && strncasecmp(s, "seauditd", 8) == 0)
		return SEC_SEAUDITD;
	return SEC_NONE;
}

static const char *
section_name(enum conf_section s)
{
	return s == SEC_LOGMGR ? "logmgr" : "seauditd";
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct conf_parse *p = user;
	enum conf_section sec;
	int k;

	if (p->err_line != 0)
		return 1; /* the first error is the one reported */
	if (section[0] == '\0') {
		bad(p, "key '%s' outside any section", show(name).s);
		return 1;
	}
	/* The reader refused unknown headers: this is belt and braces. */
	if ((sec = section_id(section, strlen(section))) == SEC_NONE) {
		bad(p, "unknown section [%s]", show(section).s);
		return 1;
	}
	for (k = 0; k < K__COUNT; k++)
		if (conf_keys[k].section == sec &&
		    strcasecmp(name, conf_keys[k].name) == 0)
			break;
	if (k == K__COUNT) {
		bad(p, "unknown key '%s' in [%s]", show(name).s,
		    section_name(sec));
		return 1;
	}
	if (p->seen[k] != 0) {
		bad(p, "duplicate key '%s' (first set on line %d)",
		    show(name).s, p->seen[k]);
		return 1;
	}
	p->seen[k] = p->lineno;
	conf_keys[k].set(p, name, value);
	return 1;
}

/*
 * libinih's line source (fgets contract: at most num - 1 bytes and a NUL).
 * See the file comment for what it refuses; returning NULL ends the
 * parse, which is how an error found here stops libinih.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	size_t max = num > 1 ? (size_t)num - 1 : 0;
	size_t len = 0, skip = 0;
	int ch, last = 0;

	if (p->err_line != 0)
		return NULL;
	if ((ch = getc(p->fp)) == EOF) {
		if (ferror(p->fp)) {
			p->lineno++;
			bad(p, "read error: %s", strerror(errno));
		}
		return NULL;
	}
	p->lineno++;
	for (; ch != EOF && ch != '\n'; ch = getc(p->fp)) {
		if (len < max)
			str[len] = (char)ch;
		if (len < SIZE_MAX)
			len++;
		last = ch;
		if (ch == '\0') {
			bad(p, "NUL byte in line");
			return NULL;
		}
	}
	if (ferror(p->fp)) {
		bad(p, "read error: %s", strerror(errno));
		return NULL;
	}
	if (last == '\r')
		len--; /* CRLF: the CR belongs to the line end */
	if (len > max) {
		bad(p, "line too long (max %zu characters)", max);
		return NULL;
	}
	str[len] = '\0';
	if (p->lineno == 1 && len >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	for (size_t i = skip; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			bad(p, "control character 0x%02x in line", c);
			return NULL;
		}
	}
	while (str[skip] == ' ' || str[skip] == '\t')
		skip++;
	if (skip > 0)
		memmove(str, str + skip, len - skip + 1);
	if (str[0] == '[') {
		char *e = strchr(str, ']');
		const char *t;

		if (e == NULL)
			return str; /* libinih reports the syntax error */
		if (section_id(str + 1, (size_t)(e - str - 1)) == SEC_NONE) {
			*e = '\0';
			bad(p, "unknown section [%s]", show(str + 1).s);
			return NULL;
		}
		for (t = e + 1; *t == ' ' || *t == '\t'; t++)
			;
		if (*t != '\0' && *t != ';' && *t != '#') {
			bad(p, "unexpected text after the section header");
			return NULL;
		}
	}
	return str;
}

/* Checks between keys, once the whole file is read. */
static void
conf_check(struct conf_parse *p)
{
	if (p->c.max_record_bytes > p->c.max_frame_bytes) {
		int a = p->seen[K_MAX_RECORD_BYTES];
		int b = p->seen[K_MAX_FRAME_BYTES];

		p->lineno = a > b ? a : b;
		bad(p, "max_record_bytes (%u) exceeds max_frame_bytes (%u)",
		    (unsigned)p->c.max_record_bytes,
		    (unsigned)p->c.max_frame_bytes);
	}
	/* Slots kept for root must leave some to everyone else. */
	if (p->c.reserved_clients >= p->c.max_clients &&
	    !p->seen[K_RESERVED_CLIENTS])
		p->c.reserved_clients = p->c.max_clients / 4; /* the default */
	if (p->c.reserved_clients >= p->c.max_clients) {
		int a = p->seen[K_RESERVED_CLIENTS];
		int b = p->seen[K_MAX_CLIENTS];

		p->lineno = a > b ? a : b;
		bad(p, "reserved_clients (%u) must be below max_clients (%u)",
		    p->c.reserved_clients, p->c.max_clients);
	}
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errcap)
{
	struct conf_parse *p;
	struct stat st;
	int fd, rv, saved;

	if (errcap > 0)
		err[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		saved = errno;
		snprintf(err, errcap, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	/* A FIFO or a device would make the read unbounded or blocking. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errcap, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((p = calloc(1, sizeof *p)) == NULL) {
		close(fd);
		snprintf(err, errcap, "%s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	if ((p->fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		close(fd);
		free(p);
		snprintf(err, errcap, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	p->c = *c;
	rv = ini_parse_stream(conf_reader, p, conf_handler, p);
	fclose(p->fp);
	/*
	 * libinih's own errors (a line that is neither a header nor a
	 * key = value) come before ours: it reads no further than we let it.
	 */
	if (rv > 0 && (p->err_line == 0 || rv < p->err_line)) {
		p->err_line = 0;
		p->lineno = rv;
		bad(p, "syntax error (expected [section] or key = value)");
	} else if (rv < 0 && p->err_line == 0) {
		p->lineno = 0;
		bad(p, "cannot parse (libinih error %d)", rv);
	}
	if (p->err_line == 0)
		conf_check(p);
	if (p->err_line != 0) {
		snprintf(err, errcap, "%s:%d: %s", path, p->err_line, p->err);
		free(p);
		errno = EINVAL;
		return -1;
	}
	*c = p->c;
	free(p);
	return 0;
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	if (geteuid() == 0) {
		snprintf(c->audit_log, sizeof c->audit_log, "/var/log/seaudit");
		snprintf(c->socket, sizeof c->socket,
			 "/run/seaudit/seauditd.sock");
	} else {
		/* Only a path past the buffers fails; /tmp always fits. */
		if (sa_default_log_dir(c->audit_log, sizeof c->audit_log) != 0)
			snprintf(c->audit_log, sizeof c->audit_log,
				 "/tmp/seaudit-%u/log", (unsigned)geteuid());
		/*
		 * A daemon listens on $SEAUDIT_SOCKET or the per-user socket,
		 * never on the system daemon's (where sa_default_socket()
		 * sends a client that has no per-user daemon).  A value past
		 * the buffer falls back to /tmp, as before.
		 */
		const char *env = getenv("SEAUDIT_SOCKET");
		int rc = -ENAMETOOLONG;
		if (env == NULL || env[0] == '\0')
			rc = sa_user_socket(c->socket, sizeof c->socket);
		else if (strlen(env) < sizeof c->socket)
			rc = snprintf(c->socket, sizeof c->socket, "%s", env) < 0;
		if (rc != 0)
			snprintf(c->socket, sizeof c->socket,
				 "/tmp/seaudit-%u/seauditd.sock",
				 (unsigned)geteuid());
	}
	c->audit_back[0] = '\0';
	c->audit_size = 10240 * KB;
	c->audit_max_files = 0;
	c->backup_date = BACKUP_NONE;
	c->audit_group[0] = '\0';
	c->socket_mode = 0666;
	c->sync = SA_SYNC_BATCH;
	c->sync_interval = false;
	c->sync_interval_ms = 100;
	c->disk_full_action = FULL_REFUSE;
	c->reserve_bytes = 64 * MB;
	conf_parse_classes(DEFAULT_CLASSES, &c->reserved_events);
	c->max_clients = 1024;
	c->max_record_bytes = 65536;
	c->max_frame_bytes = 4194304;
	c->compress = true;
	c->compress_level = 3;
	c->mask_passwords = true;
	c->producer_group[0] = '\0';
	c->socket_group[0] = '\0';
	c->producer_gid = 0;
	conf_parse_classes("all", &c->user_events);
	c->idle_timeout_s = 60;
	c->max_clients_per_uid = 32;
	c->reserved_clients = 16;
	c->origin[0] = '\0';
}
