/*
 * codes.c - the code tables behind `seaudit -t`, the detailed form's
 * Details line and `seaudit -Stat`.
 *
 * Every documented code carries the number and message of the original
 * documentation character for character (docs/codes.md cites where each
 * came from); anything we add is marked `own` and lives in a number range
 * the original does not use, so a producer's code always means the same
 * thing to every viewer.  Invariants checked by tests/unit/test_codes.c:
 * each table is sorted by code with no duplicates, and no own code takes a
 * documented number.  Tables are small, so lookups are linear scans.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>

#define DOC(c, msg)                                                            \
	{                                                                      \
		(c), NULL, (msg), false                                        \
	}
#define OWN(c, msg)                                                            \
	{                                                                      \
		(c), NULL, (msg), true                                         \
	}
#define NDOC(c, name, msg)                                                     \
	{                                                                      \
		(c), (name), (msg), false                                      \
	}
#define NOWN(c, name, msg)                                                     \
	{                                                                      \
		(c), (name), (msg), true                                       \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Status letters, sorted by letter.  The symbolic names are the LogRoute
 * constants where the documentation gives one (W, N and U have none).
 */
static const struct sa_code status_tab[] = {
    NDOC('A', "SEOS_LOGATP_RES", "Password attempt"),
    NDOC('C', "SEOS_AUTH_CHECK", "Check"),
    NDOC('D', "SEOS_AUTH_DENY", "Denied"),
    NDOC('E', "SEOS_LOGENA_RES", "Login enabled"),
    NDOC('F', "SEOS_LANG_FAIL", "Failed"),
    NDOC('I', "SEOS_LOGDIS_RES", "Login disabled"),
    NDOC('M', "SEOS_DOWN_RES", "Message"),
    DOC('N', "Notify"),
    NDOC('O', "SEOS_LOGOUT_RES", "Logout"),
    NDOC('P', "SEOS_AUTH_PASS", "Permitted"),
    NDOC('S', "SEOS_LANG_SUCC", "Success"),
    DOC('U', "Untrust"),
    DOC('W', "Warning"),
};

/*
 * Reason codes: only 2 and 3 are documented.  The product's own start at
 * 101 because the original's list is unknown beyond 3 and surely used
 * small numbers.
 */
static const struct sa_code reason_tab[] = {
    DOC(2, "User audit mode requires logging"),
    DOC(3, "Resource audit mode required logging"),
    OWN(101, "Audit-only mode: every intercepted event is logged"),
    OWN(102, "Warning mode: access permitted although a rule denies it"),
    OWN(103, "Traced user: every event of the user is logged"),
    OWN(104, "Resource NOTIFY property requires a notification record"),
    OWN(105, "Security database administration is always logged"),
    OWN(106, "Daemon start and stop are always logged"),
    OWN(107, "Watchdog (untrust) warnings are always logged"),
    OWN(108, "Logout logged because the login of the session was logged"),
    OWN(109, "Failed-login monitoring is always logged"),
    OWN(110, "Password policy rejections are always logged"),
    OWN(111, "System-wide default audit mode requires logging"),
    OWN(112, "Group audit mode requires logging"),
    OWN(113, "Errors in the database or the engine are always logged"),
    OWN(114, "Record submitted by an administrator's script"),
};

/* Login and logout stage codes: the documented list is complete. */
static const struct sa_code login_tab[] = {
    DOC(2, "Fetching user object"),
    DOC(3, "Terminal checking for login terminal source"),
    DOC(5, "User suspend checking"),
    DOC(6, "User expiration checking"),
    DOC(7, "User day-time checkings"),
    DOC(8, "Password validity checkings"),
    DOC(9, "User grace login checkings"),
    DOC(10, "Password expired with no more grace logins"),
    DOC(11, "Building the user ACEE"),
    DOC(12, "User inactivity days check"),
    DOC(13, "Too many logins for user"),
    DOC(14, "Active HOLIDAY check"),
    DOC(15, "Login Application (LOGINAPPL) check"),
    DOC(16, "User Groups day-time checking"),
    DOC(17, "Attempt rejected by the native environment"),
    DOC(18, "User without domain restriction"),
    DOC(19, "No reason to deny \u2013 allow login"),
    DOC(20, "'Logical' user check"),
    DOC(49, "Logout detected after last process terminated"),
    OWN(9001, "Authentication failed: wrong password"),
    OWN(9002, "Login disabled after too many failed attempts"),
    OWN(9003, "Login re-enabled after the disable period"),
    OWN(9004, "Logout detected when the session was closed"),
};

/* Resource access: only these codes of the family are documented. */
static const struct sa_code resource_tab[] = {
    DOC(52, "Category check of resource"),
    DOC(59, "Resource UACC check"),
    DOC(61, "User is OPERATOR on resource"),
    DOC(62, "UACC check for Class of unprotected resource"),
    DOC(69, "No Step that allowed access"),
    DOC(87, "Resource group calendar ACL check for user"),
    OWN(9101, "Permitted, but the operating system refused the operation"),
};

static const struct sa_code network_tab[] = {
    DOC(408, "Default access of TCP service"),
    DOC(409, "CACL read stage of TCP service"),
    DOC(421, "HOSTNP entry for User '*' in TCP service CACL"),
    OWN(9201, "Connected TCP record: the connection was established"),
};

/*
 * Security database administration, CA ControlMinder 12.8 wording.  323,
 * 325 and 328 are missing from the documentation and stay free.
 */
static const struct sa_code admin_tab[] = {
    DOC(300, "Undefined CA ControlMinder user"),
    DOC(301, "An attempt to delete last ADMIN user"),
    DOC(302, "An attempt to delete user root"),
    DOC(303, "User trying to change their own password"),
    DOC(304, "Nonauditor user trying to set audit mode"),
    DOC(305, "Command allowed for ADMIN user"),
    DOC(306, "Showuser (myself) , Showxusr allowed"),
    DOC(307, "User trying to set categories they do not have"),
    DOC(308, "User trying to set a security-label they do not have"),
    DOC(309, "User trying to set security-level greater than the "
	     "user's own"),
    DOC(310, "NonADMIN user trying to set user-mode"),
    DOC(311, "Command allowed for object owner"),
    DOC(312, "Native file owner can define it to CA ControlMinder"),
    DOC(313, "Command allowed for a GROUP-ADMIN user"),
    DOC(314, "GROUP-ADMIN user can join/join- to group"),
    DOC(315, "GROUP-AUDITOR/ADMIN can list the group"),
    DOC(316, "An auditor can list any object"),
    DOC(317, "An OPERATOR can list any object"),
    DOC(318, "A GROUP-AUDITOR can list objects in group scope"),
    DOC(319, "A GROUP-OPERATOR can list objects in group scope"),
    DOC(320, "Command allowed for CLASS-ADMIN user"),
    DOC(321, "Command allowed for PWMANAGER/ADMIN with access"),
    DOC(322, "There is no rule allowing this operation"),
    DOC(324, "User changing their own password using sepass"),
    DOC(326, "User created 'Login Information' for themselves"),
    DOC(327, "Command allowed for GROUP-PWMANAGER"),
    DOC(329, "A PWMANAGER enabled a user"),
    DOC(330, "Command allowed for DOMAIN change"),
    DOC(331, "Command allowed for PWMANAGER"),
    DOC(332, "Changing native flags allowed for PWMANAGER"),
    DOC(333, "Changing 'must change password next logon' attribute is "
	     "allowed for PWMANAGER"),
    DOC(334, "Command allowed for GROUP-PWMANAGER"),
    DOC(335, "Editing 'Login Information' is allowed for PWMANAGER"),
    DOC(336, "Command allowed for auditor user"),
    DOC(337, "Failed to reconcile command with database information"),
    DOC(338, "Creating a command from an implicit request"),
    DOC(339, "SEOS_syscall module unload readiness check"),
    OWN(9301, "Daemon started"),
    OWN(9302, "Daemon stopped by a signal"),
    OWN(9303, "Daemon stopped by an administrator's request"),
};

/* Password quality: the documented page ends at 24 (23 repeats 13). */
static const struct sa_code pwquality_tab[] = {
    DOC(3, "Too few lowercase letters in password"),
    DOC(4, "Too few capital letters in password"),
    DOC(5, "Too few numeric characters in password"),
    DOC(6, "Too few other characters in password"),
    DOC(7, "Too many repetitions of same char in password"),
    DOC(9, "Password previously used. Select a different password"),
    DOC(10, "Too few alphabetic characters in password"),
    DOC(11, "Too few alphanumeric characters in password"),
    DOC(12, "Password was changed recently, cannot be changed again at "
	    "this time"),
    DOC(13, "Password is contained by a previous password or vice versa"),
    DOC(14, "Password contains previous password pattern"),
    DOC(21, "Cannot include predefined prohibited characters"),
    DOC(23, "Password is contained by a previous password or vice versa"),
    DOC(24, "Password is in dictionary file"),
    OWN(9401, "Password is too short"),
    OWN(9402, "Password contains the user name"),
    OWN(9403, "Password change refused by the native environment"),
};

/*
 * Watchdog warnings (SEOS_AUDITWDWARN).  The documents spell 2 and 3 both
 * "HPUX" and "HP-UX"; spec/codes.md settles on "HP-UX".  A Linux watchdog
 * hashes with SHA-256, so a digest mismatch gets its own code instead of
 * reusing 6, which names MD5.
 */
static const struct sa_code untrust_tab[] = {
    NDOC(0, "WDWARN_ERROR", "An error occurred"),
    NDOC(1, "WDWARN_STATCHANGED", "Stat was changed"),
    NDOC(2, "WDWARN_AIXEXIT", "HP-UX/AIX extended information changed"),
    NDOC(3, "WDWARN_AIXACL", "HP-UX/AIX ACL changed"),
    NDOC(4, "WDWARN_CRC", "CRC check failed"),
    NDOC(5, "WDWARN_STAT", "Cannot obtain information about the trusted file"),
    NDOC(6, "WDWARN_MD5", "MD5 signatures do not match"),
    NOWN(100, "SA_WDWARN_SHA256", "SHA-256 digests do not match"),
    NOWN(101, "SA_WDWARN_XATTR",
	 "Extended attributes, ACL or file capabilities changed"),
};

/*
 * Untrust status codes: the original's table is not documented, so the
 * Message ID of a stage-1 record is our bit mask of changed stat fields.
 * The name is the short word the detailed form lists.
 */
static const struct sa_code ustat_tab[] = {
    NOWN(SA_USTAT_MODE, "mode", "Permission bits or file type changed"),
    NOWN(SA_USTAT_OWNER, "owner", "Owner (UID) changed"),
    NOWN(SA_USTAT_GROUP, "group", "Group (GID) changed"),
    NOWN(SA_USTAT_SIZE, "size", "Size changed"),
    NOWN(SA_USTAT_MTIME, "mtime", "Modification time changed"),
    NOWN(SA_USTAT_CTIME, "ctime", "Status change time changed"),
    NOWN(SA_USTAT_INODE, "inode", "Inode number changed (file replaced)"),
    NOWN(SA_USTAT_DEVICE, "device", "Device changed (file moved or replaced)"),
    NOWN(SA_USTAT_NLINK, "nlink", "Link count changed"),
};

struct table_def {
	const char *title;
	const struct sa_code *v;
	size_t n;
};

static const struct table_def tables[SA_TAB__COUNT] = {
    [SA_TAB_STATUS] = {"Status letters", status_tab, COUNT(status_tab)},
    [SA_TAB_REASON] = {"Reason codes", reason_tab, COUNT(reason_tab)},
    [SA_TAB_STAGE_LOGIN] = {"Stage codes: log in and log out", login_tab,
			    COUNT(login_tab)},
    [SA_TAB_STAGE_RESOURCE] = {"Stage codes: resource access", resource_tab,
			       COUNT(resource_tab)},
    [SA_TAB_STAGE_NETWORK] = {"Stage codes: network connections", network_tab,
			      COUNT(network_tab)},
    [SA_TAB_STAGE_ADMIN] = {"Stage codes: security database "
			    "administration",
			    admin_tab, COUNT(admin_tab)},
    [SA_TAB_PWQUALITY] = {"Password quality codes", pwquality_tab,
			  COUNT(pwquality_tab)},
    [SA_TAB_UNTRUST] = {"Untrust reason codes", untrust_tab,
			COUNT(untrust_tab)},
    [SA_TAB_UNTRUST_STAT] = {"Untrust status codes", ustat_tab,
			     COUNT(ustat_tab)},
};

const char *
sa_table_title(enum sa_code_table t)
{
	if ((unsigned)t >= SA_TAB__COUNT)
		return NULL;
	return tables[t].title;
}

const struct sa_code *
sa_table(enum sa_code_table t, size_t *n)
{
	if ((unsigned)t >= SA_TAB__COUNT) {
		if (n != NULL)
			*n = 0;
		return NULL;
	}
	if (n != NULL)
		*n = tables[t].n;
	return tables[t].v;
}

const struct sa_code *
sa_code_lookup(enum sa_code_table t, int64_t code)
{
	if ((unsigned)t >= SA_TAB__COUNT)
		return NULL;
	for (size_t i = 0; i < tables[t].n; i++)
		if (tables[t].v[i].code == code)
			return &tables[t].v[i];
	return NULL;
}

const char *
sa_status_word(char status)
{
	const struct sa_code *c =
	    sa_code_lookup(SA_TAB_STATUS, (unsigned char)status);
	return c != NULL ? c->message : NULL;
}

enum sa_code_table
sa_stage_table(enum sa_event ev)
{
	switch (ev) {
	case SA_EV_LOGIN:
	case SA_EV_LOGOUT:
	case SA_EV_ACCOUNT_ENABLED:
	case SA_EV_ACCOUNT_DISABLED:
	case SA_EV_PASSWORD_ATTEMPT:
		return SA_TAB_STAGE_LOGIN;
	case SA_EV_RESOURCE:
	case SA_EV_TRACE:
		return SA_TAB_STAGE_RESOURCE;
	case SA_EV_INBOUND:
	case SA_EV_OUTBOUND:
		return SA_TAB_STAGE_NETWORK;
	/* A shutdown is an administrator's act, checked like a command. */
	case SA_EV_ADMIN:
	case SA_EV_STARTUP:
	case SA_EV_SHUTDOWN:
		return SA_TAB_STAGE_ADMIN;
	case SA_EV_PASSWORD_VERIFY:
		return SA_TAB_PWQUALITY;
	case SA_EV_UNTRUST:
		return SA_TAB_UNTRUST;
	default:
		return SA_TAB__COUNT;
	}
}

const char *
sa_stage_message(enum sa_event ev, int64_t stage)
{
	enum sa_code_table t = sa_stage_table(ev);
	const struct sa_code *c = sa_code_lookup(t, stage);
	/*
	 * A login is an access to a TERMINAL resource, and the documents'
	 * own login example carries resource stage 59.
	 */
	if (c == NULL && t == SA_TAB_STAGE_LOGIN)
		c = sa_code_lookup(SA_TAB_STAGE_RESOURCE, stage);
	return c != NULL ? c->message : NULL;
}

const char *
sa_reason_message(int64_t reason)
{
	const struct sa_code *c = sa_code_lookup(SA_TAB_REASON, reason);
	return c != NULL ? c->message : NULL;
}

/* Bounded appender: keeps going after truncation so the caller can tell. */
struct sbuf {
	char *p;
	size_t cap, len;
	bool trunc;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->len < b->cap ? b->cap - b->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->trunc = true;
		return;
	}
	if ((size_t)n >= room) {
		b->trunc = true;
		b->len = b->cap;
	} else {
		b->len += (size_t)n;
	}
}

static int
sb_finish(struct sbuf *b, int rc)
{
	if (b->cap > 0 && b->len >= b->cap)
		b->p[b->cap - 1] = '\0';
	if (b->trunc)
		return SA_ENOSPACE;
	return rc;
}

int
sa_untrust_stat_explain(int64_t code, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0, false};
	int rc = 0;
	if (cap > 0)
		buf[0] = '\0';
	if (code < 0) {
		sb_printf(&b, "Untrust status code %" PRId64 ":\n", code);
		sb_printf(&b, "  unknown: a status code is never negative\n");
		return sb_finish(&b, SA_ERANGE);
	}
	uint64_t u = (uint64_t)code, known = 0;
	sb_printf(&b, "Untrust status code %" PRIu64 " (0x%" PRIx64 "):\n", u,
		  u);
	if (u == 0)
		sb_printf(&b, "  no stat field changed\n");
	for (size_t i = 0; i < COUNT(ustat_tab); i++) {
		uint64_t bit = (uint64_t)ustat_tab[i].code;
		known |= bit;
		if (u & bit)
			sb_printf(&b, "  0x%03" PRIx64 " %-6s  %s\n", bit,
				  ustat_tab[i].name, ustat_tab[i].message);
	}
	if (u & ~known) {
		sb_printf(&b, "  0x%" PRIx64 " unknown bits\n", u & ~known);
		rc = SA_ERANGE;
	}
	return sb_finish(&b, rc);
}

int
sa_untrust_stat_names(int64_t code, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0, false};
	if (cap > 0)
		buf[0] = '\0';
	if (code < 0) {
		sb_printf(&b, "unknown");
		return sb_finish(&b, SA_ERANGE);
	}
	uint64_t u = (uint64_t)code, known = 0;
	const char *sep = "";
	if (u == 0)
		sb_printf(&b, "none");
	for (size_t i = 0; i < COUNT(ustat_tab); i++) {
		uint64_t bit = (uint64_t)ustat_tab[i].code;
		known |= bit;
		if (u & bit) {
			sb_printf(&b, "%s%s", sep, ustat_tab[i].name);
			sep = ", ";
		}
	}
	if (u & ~known) {
		sb_printf(&b, "%sunknown 0x%" PRIx64, sep, u & ~known);
		return sb_finish(&b, SA_ERANGE);
	}
	return sb_finish(&b, 0);
}
