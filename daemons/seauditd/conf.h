/*
 * conf.h - seauditd's configuration: an INI file in the style of the
 * original seos.ini, read with libinih.
 *
 * [logmgr] keeps the original keys and their meaning (audit_log,
 * audit_back, audit_size, audit_max_files, BackUp_Date, audit_group);
 * [seauditd] holds the product's own (socket, sync policy, disk-full
 * action, reserved space, limits).  docs/man/seauditd.ini.5 describes
 * every key.  With no file at all the daemon runs on conf_defaults().
 *
 * A bad line (unknown section or key, malformed or out-of-range value, a
 * line longer than libinih accepts) makes conf_load fail with
 * "FILE:LINE: reason" in `err`: the daemon refuses to start on it.
 */
#ifndef SEAUDIT_CONF_H
#define SEAUDIT_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/log.h>

enum conf_backup_date {
	BACKUP_NONE = 0, /* none / no: size-triggered only */
	BACKUP_YES,	 /* yes: size-triggered (names carry the time anyway) */
	BACKUP_DAILY,
	BACKUP_WEEKLY, /* Mondays, local time */
	BACKUP_MONTHLY /* the 1st, local time */
};

enum conf_full_action {
	FULL_REFUSE = 0, /* refuse new records with -ENOSPC (logged) */
	FULL_BLOCK,	 /* stop reading producers until space returns */
	FULL_ROTATE	 /* delete the oldest sealed segment and retry */
};

struct conf {
	/* [logmgr] */
	char audit_log[PATH_MAX];  /* log directory */
	char audit_back[PATH_MAX]; /* where sealed segments go ("" = audit_log)
				    */
	uint64_t audit_size;	   /* bytes (the key is in KB, >= 50) */
	unsigned audit_max_files;  /* sealed segments kept; 0 = all */
	enum conf_backup_date backup_date;
	char audit_group[64]; /* "" = none: root only */
	gid_t audit_gid;      /* resolved; valid when audit_group[0] */
	/* [seauditd] */
	char socket[108];      /* sun_path */
	mode_t socket_mode;    /* default 0666: any local process may submit */
	char socket_group[64]; /* "" = the daemon's group */
	gid_t socket_gid;      /* resolved; valid when socket_group[0] */
	enum sa_sync sync;     /* batch (default), interval, none */
	bool sync_interval;    /* sync = interval */
	unsigned sync_interval_ms; /* for interval; default 100 */
	enum conf_full_action disk_full_action;
	uint64_t reserve_bytes;	  /* free space kept for reserved classes */
	uint32_t reserved_events; /* bits (1u << sa_event) */
	unsigned max_clients;
	uint32_t max_record_bytes;
	uint32_t max_frame_bytes;
	bool compress;		 /* zstd-seal segments in the background */
	bool mask_passwords;	 /* hide passwords in command and trace
				    before writing (default yes) */
	char producer_group[64]; /* "" = none: only root speaks for others */
	gid_t producer_gid;	 /* resolved; valid when producer_group[0] */
	uint32_t user_events;	 /* events other producers may write (about
				    themselves only); default all */
	/* Connections of producers that are neither root nor in
	 * producer_group: closed after idle_timeout_s without a frame (0:
	 * never), at most max_clients_per_uid per uid, and never in the last
	 * reserved_clients of max_clients. */
	unsigned idle_timeout_s;
	unsigned max_clients_per_uid;
	unsigned reserved_clients;
	int compress_level;
	char origin[256]; /* "" = the host name */
	/* Integrity: the sealing key file ("" = unsigned checkpoints), and
	 * a checkpoint at most this long or this many records after the
	 * first record it does not cover yet. */
	bool seal; /* no: no chain, no checkpoints (measuring only) */
	char seal_key[PATH_MAX];
	unsigned checkpoint_ms;
	unsigned checkpoint_records;
};

/* Embedded defaults: root gets /var/log/seaudit and /run/seaudit/...;
 * another user gets sa_default_log_dir() and $SEAUDIT_SOCKET, else
 * sa_user_socket(). */
void conf_defaults(struct conf *c);

/*
 * Reads `path` over the current contents of *c (call conf_defaults
 * first).  0, or -1 with "FILE:LINE: reason" (or "FILE: reason") in err.
 */
int conf_load(struct conf *c, const char *path, char *err, size_t errcap);

/*
 * A reload: the keys SIGHUP may change are copied from `next` (a file
 * read with conf_load over conf_defaults) into `running`; the names of
 * those that differ and wait for the next start go to `later` ("" when
 * none).
 */
void conf_reload(struct conf *running, const struct conf *next, char *later,
		 size_t cap);

/* Parses an event-class list ("login,admin,untrust,daemon") into bits. */
int conf_parse_classes(const char *s, uint32_t *bits);

#endif
