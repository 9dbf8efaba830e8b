/*
 * logpath.c - which log the viewer reads when no -fn is given, and the
 * clear error for an audit log the user may not read.
 *
 * The configured log directory is, in order:
 *   1. $SEAUDIT_LOG, when set and not empty (used as is: an error if it
 *      is missing or unreadable);
 *   2. /var/log/seaudit, when it exists and is readable (the system log
 *      written by the daemon, group-readable by the audit group);
 *   3. $XDG_STATE_HOME/seaudit/log, or ~/.local/state/seaudit/log, when it
 *      exists (a per-user log, e.g. written by seaudit-submit for tests);
 *   4. otherwise: /var/log/seaudit exists but is not readable -> the
 *      audit-group error; nothing exists -> "no audit log found".
 * Reading the system log needs membership of the group that owns it
 * (the documents: "membership of the audit group"); the error names that
 * group, found from the directory's owner, so the message is actionable.
 */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* $XDG_STATE_HOME/seaudit/log or ~/.local/state/seaudit/log into buf. */
static const char *
user_log_dir(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	int n;

	/* The XDG spec says relative values are invalid and to be ignored. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, cap, "%s/seaudit/log", xdg);
	} else {
		const char *home = getenv("HOME");
		if (home == NULL || home[0] == '\0') {
			const struct passwd *pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : "/";
		}
		n = snprintf(buf, cap, "%s/.local/state/seaudit/log", home);
	}
	if (n < 0 || (size_t)n >= cap)
		errx(1, "log directory name too long");
	return buf;
}

const char *
logpath_default(char *buf, size_t cap)
{
	const char *env = getenv("SEAUDIT_LOG");
	struct stat st;

	if (env != NULL && env[0] != '\0') {
		logpath_check(env);
		return env;
	}
	bool sys_exists = stat(SYSTEM_LOG_DIR, &st) == 0 || errno == EACCES;
	if (sys_exists && access(SYSTEM_LOG_DIR, R_OK | X_OK) == 0)
		return SYSTEM_LOG_DIR;

	const char *user = user_log_dir(buf, cap);
	if (stat(user, &st) == 0) {
		logpath_check(user);
		return user;
	}
	if (sys_exists)
		logpath_check(SYSTEM_LOG_DIR); /* exits with the group hint */
	fflush(stdout);
	fprintf(stderr,
		"seaudit: no audit log found: neither %s nor %s exists"
		" (set SEAUDIT_LOG or use -fn)\n",
		SYSTEM_LOG_DIR, user);
	exit(1);
}
