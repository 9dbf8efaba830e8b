/*
 * logpath.c - which log the viewer reads when no -fn is given, and the
 * clear error for an audit log the user may not read.
 *
 * The configured log directory is, in order:
 *   1. $SEAUDIT_LOG, when set and not empty (used as is: an error if it
 *      is missing or unreadable);
 *   2. sa_default_log_dir(), the directory the writer daemon run by this
 *      user writes by default (the library owns that rule, so the daemon,
 *      seaudit-submit and the viewer cannot disagree): /var/log/seaudit
 *      for root, $XDG_STATE_HOME/seaudit/log or ~/.local/state/seaudit/log
 *      for anyone else, when it exists and is readable;
 *   3. the other place a log may be, when it exists and is readable: the
 *      system log /var/log/seaudit for a user (group-readable by the audit
 *      group), the per-user log (sa_user_log_dir()) for root;
 *   4. otherwise: one of them exists but is not readable -> the
 *      audit-group error; nothing exists -> "no audit log found".
 * Reading the system log needs membership of the group that owns it
 * (the documents: "membership of the audit group"); the error names that
 * group, found from the directory's owner, so the message is actionable.
 */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "view.h"

#define SYSTEM_LOG_DIR "/var/log/seaudit"

void
logpath_group_hint(const char *path)
{
	struct stat st;
	const struct group *gr = NULL;

	if (stat(path, &st) == 0)
		gr = getgrgid(st.st_gid);
	if (gr != NULL && st.st_gid != 0)
		fprintf(stderr,
			"seaudit: reading the audit log needs membership of"
			" its group \"%s\" (the audit group); ask an"
			" administrator to add you, then log in again\n",
			gr->gr_name);
	else
		fprintf(stderr,
			"seaudit: reading the audit log needs membership of"
			" the audit group (or root); ask an administrator\n");
}

void
logpath_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 ||
	    access(path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) < 0) {
		int e = errno;
		fflush(stdout);
		fprintf(stderr, "seaudit: %s: %s\n", path, strerror(e));
		if (e == EACCES || e == EPERM)
			logpath_group_hint(path);
		exit(1);
	}
}

/* Exists, or exists but may not be looked at (the group hint case). */
static bool
exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 || errno == EACCES;
}

static bool
readable(const char *path)
{
	return access(path, R_OK | X_OK) == 0;
}

const char *
logpath_default(char *buf, size_t cap)
{
	static char other[PATH_MAX];
	const char *env = getenv("SEAUDIT_LOG");
	int rc;

	if (env != NULL && env[0] != '\0') {
		logpath_check(env);
		return env;
	}
	/*
	 * The directory this user's daemon and producers write by default,
	 * then the other place a log may be: the system log for a user, the
	 * per-user log for root.
	 */
	if ((rc = sa_default_log_dir(buf, cap)) < 0)
		errx(1, "default log directory: %s", sa_strerror(rc));
	if (geteuid() != 0)
		snprintf(other, sizeof other, "%s", SYSTEM_LOG_DIR);
	else if (sa_user_log_dir(other, sizeof other) < 0)
		other[0] = '\0'; /* no home: only the system log */
	if (exists(buf) && readable(buf))
		return buf;
	if (other[0] != '\0' && exists(other) && readable(other))
		return other;
	/* Something is there but may not be read: say why (exits). */
	if (exists(buf))
		logpath_check(buf);
	if (other[0] != '\0' && exists(other))
		logpath_check(other);
	fflush(stdout);
	fprintf(stderr,
		"seaudit: no audit log found: neither %s nor %s exists"
		" (set SEAUDIT_LOG or use -fn)\n",
		buf, other[0] != '\0' ? other : "a per-user log");
	exit(1);
}
