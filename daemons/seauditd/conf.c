/*
 * conf.c - seauditd's configuration file (see conf.h and
 * docs/man/seauditd.ini.5): the sections, the key table and each key's
 * strict value check, read by the bounded INI reader of common/
 * (cfgfile.h), which reports every error with file and line.  Each key
 * says which members of struct conf it sets and whether SIGHUP applies
 * it (conf_reload) or it waits for the next start.
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

#include <seaudit/client.h>
#include <seaudit/record.h>

#include "cfgfile.h"
#include "conf.h"

#define KB UINT64_C(1024)
#define MB (KB * 1024)
#define GB (MB * 1024)

#define AUDIT_SIZE_MIN_KB 50		      /* the original's floor */
#define AUDIT_SIZE_MAX_KB (UINT64_C(1) << 30) /* 1 TiB */
#define AUDIT_MAX_FILES_MAX 100000
#define RESERVE_MAX (UINT64_C(1) << 40) /* 1 TiB */
#define GROUP_BUF_MAX (1024 * 1024)	/* getgrnam_r buffer ceiling */
#define CLASS_NAME_MAX 32

#define DEFAULT_CLASSES "login,admin,untrust,daemon,loss"

enum {
	K_AUDIT_LOG,
	K_AUDIT_BACK,
	K_AUDIT_SIZE,
	K_AUDIT_MAX_FILES,
	K_BACKUP_DATE,
	K_AUDIT_GROUP,
	K_SOCKET,
	K_SOCKET_MODE,
	K_SOCKET_GROUP,
	K_SYNC,
	K_SYNC_INTERVAL_MS,
	K_DISK_FULL_ACTION,
	K_RESERVE,
	K_RESERVED_CLASSES,
	K_MAX_CLIENTS,
	K_MAX_RECORD_BYTES,
	K_MAX_FRAME_BYTES,
	K_COMPRESS,
	K_COMPRESS_LEVEL,
	K_ORIGIN,
	K_MASK_PASSWORDS,
	K_PRODUCER_GROUP,
	K_USER_EVENTS,
	K_IDLE_TIMEOUT,
	K_MAX_CLIENTS_PER_UID,
	K_RESERVED_CLIENTS,
	K_SEAL_KEY,
	K_CHECKPOINT_INTERVAL,
	K_CHECKPOINT_RECORDS,
	K_SEAL,
	K__COUNT
};

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
set_audit_log(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_path(p, key, val, c->audit_log, sizeof c->audit_log, false);
}

static int
set_audit_back(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_path(p, key, val, c->audit_back, sizeof c->audit_back, true);
}

static int
set_audit_size(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	uint64_t kb;

	if (ini_u64(p, key, val, AUDIT_SIZE_MIN_KB, AUDIT_SIZE_MAX_KB, &kb) !=
	    0)
		return -1;
	c->audit_size = kb * KB;
	return 0;
}

/* A whole number in [lo, hi], kept in one member of struct conf. */
#define RANGE_SETTER(fn, member, type, lo, hi)                                 \
	static int fn(struct ini *p, void *conf, const char *key,              \
		      const char *val)                                         \
	{                                                                      \
		uint64_t v;                                                    \
		if (ini_u64(p, key, val, lo, hi, &v) != 0)                     \
			return -1;                                             \
		((struct conf *)conf)->member = (type)v;                       \
		return 0;                                                      \
	}

RANGE_SETTER(set_audit_max_files, audit_max_files, unsigned, 0,
	     AUDIT_MAX_FILES_MAX)

static int
set_backup_date(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	static const char *const names[] = {"none",   "no",	 "yes", "daily",
					    "weekly", "monthly", NULL};
	static const enum conf_backup_date vals[] = {
	    BACKUP_NONE,  BACKUP_NONE,	 BACKUP_YES,
	    BACKUP_DAILY, BACKUP_WEEKLY, BACKUP_MONTHLY};
	int i = ini_word(val, names);

	if (i < 0)
		return ini_bad(p,
			       "%s: bad value '%s' (expected none, no, yes, "
			       "daily, weekly or monthly)",
			       key, ini_show(val).s);
	c->backup_date = vals[i];
	return 0;
}

/*
 * The original ignored a group it could not find, leaving the log with no
 * group access; here a typo must not silently expose or hide the trail,
 * so an unknown group refuses the file.
 */
static int
set_audit_group(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_group(p, key, val, c->audit_group, sizeof c->audit_group,
			 &c->audit_gid);
}

static int
set_producer_group(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_group(p, key, val, c->producer_group,
			 sizeof c->producer_group, &c->producer_gid);
}

static int
set_user_events(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	const char *tok;
	size_t len;

	if (classes_parse(val, &c->user_events, &tok, &len) == 0)
		return 0;
	if (len == 0)
		return ini_bad(p, "%s: empty item in '%s'", key,
			       ini_show(val).s);
	return ini_bad(p,
		       "%s: unknown class '%.*s' (expected login, admin, "
		       "untrust, daemon, resource, network, password, trace, "
		       "all, none or an event name)",
		       key, (int)len, ini_show(tok).s);
}

/* --- [seauditd] --- */

static int
set_socket(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_path(p, key, val, c->socket, sizeof c->socket, false);
}

/*
 * The group the socket is given to: with socket_mode 0660 only root, the
 * daemon's user and this group's members may connect.
 */
static int
set_socket_group(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_group(p, key, val, c->socket_group, sizeof c->socket_group,
			 &c->socket_gid);
}

static int
set_socket_mode(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
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
		return ini_bad(p, "%s: %s out of range (0..0777)", key,
			       ini_show(val).s);
	c->socket_mode = (mode_t)m;
	return 0;
badval:
	return ini_bad(p,
		       "%s: bad value '%s' (expected an octal mode such as "
		       "0660)",
		       key, ini_show(val).s);
}

static int
set_sync(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	static const char *const names[] = {"batch", "interval", "none", NULL};

	switch (ini_word(val, names)) {
	case 0:
		c->sync = SA_SYNC_BATCH;
		c->sync_interval = false;
		return 0;
	case 1:
		/* Commit (write + fdatasync) on a timer, acks after it. */
		c->sync = SA_SYNC_BATCH;
		c->sync_interval = true;
		return 0;
	case 2:
		c->sync = SA_SYNC_NONE;
		c->sync_interval = false;
		return 0;
	default:
		return ini_bad(p,
			       "%s: bad value '%s' (expected batch, interval "
			       "or none)",
			       key, ini_show(val).s);
	}
}

RANGE_SETTER(set_sync_interval_ms, sync_interval_ms, unsigned, 1, 60000)

static int
set_disk_full_action(struct ini *p, void *conf, const char *key,
		     const char *val)
{
	struct conf *c = conf;
	static const char *const names[] = {"refuse", "block", "rotate", NULL};
	static const enum conf_full_action vals[] = {FULL_REFUSE, FULL_BLOCK,
						     FULL_ROTATE};
	int i = ini_word(val, names);

	if (i < 0)
		return ini_bad(p,
			       "%s: bad value '%s' (expected refuse, block or "
			       "rotate)",
			       key, ini_show(val).s);
	c->disk_full_action = vals[i];
	return 0;
}

static int
set_reserve(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	char num[24];
	size_t n = strlen(val);
	uint64_t v, mul = 1;

	if (n > 0) {
		switch (val[n - 1]) {
		case 'k':
		case 'K':
			mul = KB;
			n--;
			break;
		case 'm':
		case 'M':
			mul = MB;
			n--;
			break;
		case 'g':
		case 'G':
			mul = GB;
			n--;
			break;
		default:
			break;
		}
	}
	if (n == 0 || n >= sizeof num)
		goto badval;
	memcpy(num, val, n);
	num[n] = '\0';
	if (ini_parse_u64(num, &v) != 0)
		goto badval;
	if (v > RESERVE_MAX / mul)
		return ini_bad(p, "%s: %s out of range (0..1024G)", key,
			       ini_show(val).s);
	c->reserve_bytes = v * mul;
	return 0;
badval:
	return ini_bad(p,
		       "%s: bad value '%s' (expected a size in bytes with an "
		       "optional K, M or G suffix)",
		       key, ini_show(val).s);
}

static int
set_reserved_classes(struct ini *p, void *conf, const char *key,
		     const char *val)
{
	struct conf *c = conf;
	const char *tok;
	size_t len;

	if (classes_parse(val, &c->reserved_events, &tok, &len) == 0)
		return 0;
	if (len == 0)
		return ini_bad(p, "%s: empty item in '%s'", key,
			       ini_show(val).s);
	return ini_bad(p,
		       "%s: unknown class '%.*s' (expected login, admin, "
		       "untrust, daemon, resource, network, password, trace, "
		       "loss, all, none or an event name)",
		       key, (int)len, ini_show(tok).s);
}

RANGE_SETTER(set_idle_timeout, idle_timeout_s, unsigned, 0, 86400)
RANGE_SETTER(set_checkpoint_interval, checkpoint_ms, unsigned, 10, 3600000)
RANGE_SETTER(set_checkpoint_records, checkpoint_records, unsigned, 1, 100000000)

static int
set_seal_key(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	return ini_path(p, key, val, c->seal_key, sizeof c->seal_key, true);
}

RANGE_SETTER(set_max_clients_per_uid, max_clients_per_uid, unsigned, 1, 65536)

RANGE_SETTER(set_reserved_clients, reserved_clients, unsigned, 0, 65535)

RANGE_SETTER(set_max_clients, max_clients, unsigned, 1, 65536)

RANGE_SETTER(set_max_record_bytes, max_record_bytes, uint32_t, 256, 65536)

RANGE_SETTER(set_max_frame_bytes, max_frame_bytes, uint32_t, 1024, 4194304)

static int
set_compress(struct ini *p, void *conf, const char *key, const char *val)
{
	return ini_bool(p, key, val, &((struct conf *)conf)->compress);
}

static int
set_seal(struct ini *p, void *conf, const char *key, const char *val)
{
	return ini_bool(p, key, val, &((struct conf *)conf)->seal);
}

static int
set_mask_passwords(struct ini *p, void *conf, const char *key, const char *val)
{
	return ini_bool(p, key, val, &((struct conf *)conf)->mask_passwords);
}

RANGE_SETTER(set_compress_level, compress_level, int, 1, 19)

static int
set_origin(struct ini *p, void *conf, const char *key, const char *val)
{
	struct conf *c = conf;
	size_t n = strlen(val);

	if (n > SA_MAX_ORIGIN)
		return ini_bad(p, "%s: host name too long (max %d)", key,
			       SA_MAX_ORIGIN);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)val[i];

		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
			return ini_bad(p,
				       "%s: bad value '%s' (expected a host "
				       "name: letters, digits, '.', '-', '_')",
				       key, ini_show(val).s);
	}
	memcpy(c->origin, val, n + 1);
	return 0;
}

/* Indexed by the K_ enum: `seen` uses the same index. */
/*
 * The keys: section, name, setter, whether SIGHUP applies it, and the
 * members it sets (what conf_reload copies or names as waiting for the
 * next start).
 */
/* One key per line, read as the table it is. */
/* clang-format off */
#define F(m) INI_FIELD(struct conf, m)
static const struct ini_key conf_keys[K__COUNT] = {
	[K_AUDIT_LOG] = {"logmgr", "audit_log", set_audit_log, false, {F(audit_log)}},
	[K_AUDIT_BACK] = {"logmgr", "audit_back", set_audit_back, false, {F(audit_back)}},
	[K_AUDIT_SIZE] = {"logmgr", "audit_size", set_audit_size, false, {F(audit_size)}},
	[K_AUDIT_MAX_FILES] = {"logmgr", "audit_max_files", set_audit_max_files, true, {F(audit_max_files)}},
	[K_BACKUP_DATE] = {"logmgr", "BackUp_Date", set_backup_date, true, {F(backup_date)}},
	[K_AUDIT_GROUP] = {"logmgr", "audit_group", set_audit_group, false, {F(audit_group), F(audit_gid)}},
	[K_SOCKET] = {"seauditd", "socket", set_socket, false, {F(socket)}},
	[K_SOCKET_MODE] = {"seauditd", "socket_mode", set_socket_mode, true, {F(socket_mode)}},
	[K_SOCKET_GROUP] = {"seauditd", "socket_group", set_socket_group, true, {F(socket_group), F(socket_gid)}},
	[K_SYNC] = {"seauditd", "sync", set_sync, false, {F(sync), F(sync_interval)}},
	[K_SYNC_INTERVAL_MS] = {"seauditd", "sync_interval_ms", set_sync_interval_ms, true, {F(sync_interval_ms)}},
	[K_DISK_FULL_ACTION] = {"seauditd", "disk_full_action", set_disk_full_action, true, {F(disk_full_action)}},
	[K_RESERVE] = {"seauditd", "reserve", set_reserve, true, {F(reserve_bytes)}},
	[K_RESERVED_CLASSES] = {"seauditd", "reserved_classes", set_reserved_classes, true, {F(reserved_events)}},
	[K_MAX_CLIENTS] = {"seauditd", "max_clients", set_max_clients, true, {F(max_clients)}},
	[K_MAX_RECORD_BYTES] = {"seauditd", "max_record_bytes", set_max_record_bytes, true, {F(max_record_bytes)}},
	[K_MAX_FRAME_BYTES] = {"seauditd", "max_frame_bytes", set_max_frame_bytes, true, {F(max_frame_bytes)}},
	[K_COMPRESS] = {"seauditd", "compress", set_compress, false, {F(compress)}},
	[K_MASK_PASSWORDS] = {"seauditd", "mask_passwords", set_mask_passwords, true, {F(mask_passwords)}},
	[K_PRODUCER_GROUP] = {"seauditd", "producer_group", set_producer_group, true, {F(producer_group), F(producer_gid)}},
	[K_USER_EVENTS] = {"seauditd", "user_events", set_user_events, true, {F(user_events)}},
	[K_IDLE_TIMEOUT] = {"seauditd", "idle_timeout", set_idle_timeout, true, {F(idle_timeout_s)}},
	[K_MAX_CLIENTS_PER_UID] = {"seauditd", "max_clients_per_uid", set_max_clients_per_uid, true, {F(max_clients_per_uid)}},
	[K_RESERVED_CLIENTS] = {"seauditd", "reserved_clients", set_reserved_clients, true, {F(reserved_clients)}},
	[K_COMPRESS_LEVEL] = {"seauditd", "compress_level", set_compress_level, true, {F(compress_level)}},
	[K_ORIGIN] = {"seauditd", "origin", set_origin, false, {F(origin)}},
	[K_SEAL_KEY] = {"seauditd", "seal_key", set_seal_key, false, {F(seal_key)}},
	[K_CHECKPOINT_INTERVAL] = {"seauditd", "checkpoint_interval_ms", set_checkpoint_interval, false, {F(checkpoint_ms)}},
	[K_CHECKPOINT_RECORDS] = {"seauditd", "checkpoint_records", set_checkpoint_records, false, {F(checkpoint_records)}},
	[K_SEAL] = {"seauditd", "seal", set_seal, false, {F(seal)}},
};
#undef F
/* clang-format on */

/* Checks between keys, once the whole file is read. */
static void
conf_check(struct ini *p, void *conf)
{
	struct conf *c = conf;

	if (c->max_record_bytes > c->max_frame_bytes) {
		int a = ini_seen(p, K_MAX_RECORD_BYTES);
		int b = ini_seen(p, K_MAX_FRAME_BYTES);

		ini_at_line(p, a > b ? a : b);
		ini_bad(p, "max_record_bytes (%u) exceeds max_frame_bytes (%u)",
			(unsigned)c->max_record_bytes,
			(unsigned)c->max_frame_bytes);
	}
	/* Slots kept for root must leave some to everyone else. */
	if (c->reserved_clients >= c->max_clients &&
	    !ini_seen(p, K_RESERVED_CLIENTS))
		c->reserved_clients = c->max_clients / 4; /* the default */
	if (c->reserved_clients >= c->max_clients) {
		int a = ini_seen(p, K_RESERVED_CLIENTS);
		int b = ini_seen(p, K_MAX_CLIENTS);

		ini_at_line(p, a > b ? a : b);
		ini_bad(p,
			"reserved_clients (%u) must be below max_clients (%u)",
			c->reserved_clients, c->max_clients);
	}
}

static const char *const conf_sections[] = {"logmgr", "seauditd", NULL};

static const struct ini_spec conf_spec = {
    .sections = conf_sections,
    .keys = conf_keys,
    .nkeys = K__COUNT,
    .conf_size = sizeof(struct conf),
    .check = conf_check,
};

int
conf_load(struct conf *c, const char *path, char *err, size_t errcap)
{
	return ini_load(&conf_spec, c, path, err, errcap);
}

void
conf_reload(struct conf *running, const struct conf *next, char *later,
	    size_t cap)
{
	ini_reload(&conf_spec, running, next, later, cap);
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
			rc = snprintf(c->socket, sizeof c->socket, "%s", env) <
			     0;
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
	c->seal_key[0] = '\0';
	c->checkpoint_ms = 1000;
	c->checkpoint_records = 100000;
	c->seal = true;
}
