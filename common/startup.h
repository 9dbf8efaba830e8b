/*
 * startup.h - the start-up steps every daemon takes the same way: going
 * to the background so that a failed start is still a failure seen where
 * it was asked for, detaching once serving, the pid file, and paths made
 * absolute before the daemon changes to /.  Readiness for systemd is
 * notify.h's.
 *
 * Ownership: struct startup is the caller's (on its stack or in its
 * daemon structure); nothing here keeps a pointer or any global state.
 */
#ifndef SEAUDIT_STARTUP_H
#define SEAUDIT_STARTUP_H

#include <stddef.h>

struct startup {
	int ready_fd; /* the waiting parent's pipe; -1 in the foreground */
};

/* The foreground: nothing to tell anyone. */
#define STARTUP_INIT                                                           \
	{                                                                      \
		.ready_fd = -1                                                 \
	}

/*
 * Forks: the parent waits until the child calls startup_ready (it exits
 * 0) or dies or exits without it (the parent exits 1; the child's error
 * went to the inherited standard error).  The child starts a session.
 * Before any thread exists: fork keeps only the calling thread.  Exits
 * (fatal) when fork, pipe or setsid fail.
 */
void startup_background(struct startup *s);

/*
 * Serving: in the background, standard streams go to /dev/null,
 * messages to syslog only, the directory to /, and the parent is told to
 * exit 0.  Nothing in the foreground.
 */
void startup_ready(struct startup *s);

/* Writes the pid and a newline to path: 0 or -errno. */
int startup_pidfile(const char *path);

/*
 * path made absolute against the working directory, in buf (cap bytes),
 * or path itself when already absolute: the daemon changes to / later and
 * a SIGHUP must read the same file.  NULL when it does not fit.
 */
const char *startup_absolute(const char *path, char *buf, size_t cap);

#endif
