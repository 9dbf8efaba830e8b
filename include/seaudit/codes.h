/*
 * codes.h - the product's code tables: status letters and words, reason
 * codes, authorization stage codes per family, password quality codes,
 * untrust (watchdog) reasons and untrust status codes.
 *
 * Documented numbers and messages are those of the original product,
 * exact; codes the product adds are flagged `own` and printed as such by
 * `seaudit -t`.  Own codes are placed where no documented number can be
 * (reasons from 101, stage codes from 9000, untrust reasons from 100) so
 * that a later-found original code never collides with one of ours.
 * Stage numbers overlap between families (3 is a login stage and a password
 * quality code), so a stage is always looked up in the family of its event
 * (sa_stage_message).  All strings are static; nothing here allocates.
 * docs/codes.md lists every table.
 */
#ifndef SEAUDIT_CODES_H
#define SEAUDIT_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

enum sa_code_table {
	SA_TAB_STATUS = 0,     /* status letters (code = the letter) */
	SA_TAB_REASON,	       /* reason codes: why a record was written */
	SA_TAB_STAGE_LOGIN,    /* login, logout, account enabled/disabled */
	SA_TAB_STAGE_RESOURCE, /* resource access */
	SA_TAB_STAGE_NETWORK,  /* inbound / outbound network */
	SA_TAB_STAGE_ADMIN,    /* security database administration */
	SA_TAB_PWQUALITY,      /* password verification: password quality */
	SA_TAB_UNTRUST,	       /* watchdog untrust reasons (WDWARN_*) */
	SA_TAB_UNTRUST_STAT,   /* untrust status codes (bits, see -Stat) */
	SA_TAB__COUNT
};

struct sa_code {
	int64_t code;
	const char *name;    /* symbolic name (e.g. "WDWARN_CRC") or NULL */
	const char *message; /* documented or product message */
	bool own;	     /* defined by this product, not the original */
};

/* Title of a table ("Reason codes"), static; NULL for a bad table. */
const char *sa_table_title(enum sa_code_table t);

/*
 * The entries of a table in ascending order of code; *n receives the
 * count.  A bad table gives NULL and *n = 0.
 */
const struct sa_code *sa_table(enum sa_code_table t, size_t *n);

/* One entry, or NULL when the table has no such code. */
const struct sa_code *sa_code_lookup(enum sa_code_table t, int64_t code);

/* Word of a status letter in the detailed form ("Permitted"), or NULL. */
const char *sa_status_word(char status);

/*
 * The stage-code table of an event's family: login-family events use
 * SA_TAB_STAGE_LOGIN, resource and trace SA_TAB_STAGE_RESOURCE, inbound
 * and outbound SA_TAB_STAGE_NETWORK, admin, startup and shutdown
 * SA_TAB_STAGE_ADMIN, password_verify SA_TAB_PWQUALITY, untrust
 * SA_TAB_UNTRUST.  Returns SA_TAB__COUNT for an invalid event.
 */
enum sa_code_table sa_stage_table(enum sa_event ev);

/*
 * Message of the stage code of a record of event `ev`, looked up in that
 * event's family (login records fall back to the resource family, since a
 * login is an access to a TERMINAL resource).  Returns NULL for an unknown
 * code: callers print "Unknown stage code N".
 */
const char *sa_stage_message(enum sa_event ev, int64_t stage);

/* Message of a reason code, or NULL. */
const char *sa_reason_message(int64_t reason);

/*
 * Explains an untrust status code (`seaudit -Stat code`): the Message ID
 * of an untrust record whose stage is 1 is a bit mask of the stat fields
 * that changed.  Writes into buf (at most cap bytes, always NUL-terminated
 * when cap > 0) a first line "Untrust status code N (0xH):" followed by
 * one line per set bit, "  0xB NAME  message", each line ending in '\n';
 * code 0 gives the line "  no stat field changed".  Returns 0; SA_ERANGE
 * for a negative code or one with bits no table entry names (the text
 * lists them as "unknown"); SA_ENOSPACE when the text was truncated.
 */
int sa_untrust_stat_explain(int64_t code, char *buf, size_t cap);

/*
 * Short comma-separated names of the set bits of an untrust status code
 * ("mode, mtime"), for the detailed form; unknown bits are shown as one
 * hexadecimal remainder.  Same buffer and return rules as above.
 */
int sa_untrust_stat_names(int64_t code, char *buf, size_t cap);

/* Reason codes.  2 and 3 are documented; the rest are the product's. */
#define SA_REASON_USER_AUDIT 2	      /* User audit mode requires logging */
#define SA_REASON_RESOURCE_AUDIT 3    /* Resource audit mode required ... */
#define SA_REASON_AUDIT_ONLY 101      /* own: audit-only mode */
#define SA_REASON_WARNING_MODE 102    /* own: warning mode */
#define SA_REASON_TRACED_USER 103     /* own: user is traced */
#define SA_REASON_NOTIFY 104	      /* own: resource NOTIFY property */
#define SA_REASON_ADMIN_ALWAYS 105    /* own: administration always logged */
#define SA_REASON_DAEMON_ALWAYS 106   /* own: daemon start/stop always */
#define SA_REASON_WATCHDOG_ALWAYS 107 /* own: watchdog warnings always */
#define SA_REASON_LOGIN_LOGGED 108    /* own: logout follows logged login */
#define SA_REASON_LOGIN_MONITOR 109   /* own: failed-login monitoring */
#define SA_REASON_PWPOLICY 110	      /* own: password policy rejection */
#define SA_REASON_DEFAULT_MODE 111    /* own: system-wide default mode */
#define SA_REASON_GROUP_MODE 112      /* own: group audit mode */
#define SA_REASON_ERROR_ALWAYS 113    /* own: engine/database errors */
#define SA_REASON_SUBMITTED 114	      /* own: submitted by a script */

/* Own stage codes (documented numbers are used as plain integers). */
#define SA_STAGE_LOGIN_PWFAIL 9001   /* login: authentication failed */
#define SA_STAGE_LOGIN_DISABLED 9002 /* login: disabled, too many tries */
#define SA_STAGE_LOGIN_ENABLED 9003  /* login: re-enabled after period */
#define SA_STAGE_LOGOUT_SESSION 9004 /* logout: PAM session closed */
#define SA_STAGE_RES_NATIVE 9101     /* resource: OS refused the access */
#define SA_STAGE_NET_CONNECTED 9201  /* network: connected TCP record */
#define SA_STAGE_DAEMON_START 9301   /* admin family: daemon started */
#define SA_STAGE_DAEMON_SIGNAL 9302  /* admin family: stopped by signal */
#define SA_STAGE_DAEMON_ADMIN 9303   /* admin family: stopped by admin */
#define SA_STAGE_PW_TOO_SHORT 9401   /* password quality: too short */
#define SA_STAGE_PW_HAS_NAME 9402    /* password quality: has user name */
#define SA_STAGE_PW_NATIVE 9403	     /* password quality: OS refused */

/* Untrust reasons (WDWARN).  0..6 documented, 100 and up our own. */
#define SA_WDWARN_ERROR 0
#define SA_WDWARN_STATCHANGED 1
#define SA_WDWARN_AIXEXIT 2
#define SA_WDWARN_AIXACL 3
#define SA_WDWARN_CRC 4
#define SA_WDWARN_STAT 5
#define SA_WDWARN_MD5 6
#define SA_WDWARN_SHA256 100 /* own: SHA-256 digest mismatch */
#define SA_WDWARN_XATTR 101  /* own: xattr / POSIX ACL / capability */

/* Untrust status-code bits (own): which stat field changed. */
#define SA_USTAT_MODE 0x001
#define SA_USTAT_OWNER 0x002
#define SA_USTAT_GROUP 0x004
#define SA_USTAT_SIZE 0x008
#define SA_USTAT_MTIME 0x010
#define SA_USTAT_CTIME 0x020
#define SA_USTAT_INODE 0x040
#define SA_USTAT_DEVICE 0x080
#define SA_USTAT_NLINK 0x100
#define SA_USTAT_ALL 0x1ff

SA_END_DECLS

#endif
