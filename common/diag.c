/*
 * diag.c - the daemons' own diagnostics (see diag.h), in the shape of
 * OpenBSD syslogd's log.c: standard error with an "ident: " prefix in the
 * foreground, syslog(3) (LOG_PID | LOG_NDELAY, facility LOG_DAEMON)
 * otherwise.
 *
 * The ident, the destination and the level are the only global state;
 * they are set by log_init/log_set_level from the main thread before any
 * other thread starts.  Everything else is on the stack, so a background
 * thread may log too: each message is formatted completely first and
 * handed over in one call (one write(2) on stderr), which keeps lines from
 * different threads whole.  Logging never changes errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "diag.h"

#define LOG_MSG_MAX 1024

static char log_ident[64] = "seaudit";
static bool log_foreground = true; /* before log_init: stderr */
static int log_level = LOG_LVL_INFO;

void
log_init(const char *ident, bool foreground, int level)
{
	/* openlog keeps the pointer: ident must outlive it, so copy. */
	snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_level = level;
}

void
log_set_foreground(bool foreground)
{
	log_foreground = foreground;
}

/*
 * One message: `err` (an errno value, or 0) appends ": strerror(err)".
 * Truncated messages keep their start, which names what failed.
 */
__attribute__((format(printf, 3, 0))) static void
log_vemit(int pri, int err, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX], ebuf[128];
	const char *es = NULL;
	int n;

	if (err != 0)
		es = strerror_r(err, ebuf, sizeof ebuf);
	if (log_foreground) {
		char line[LOG_MSG_MAX + 256];
		size_t len;

		vsnprintf(msg, sizeof msg, fmt, ap);
		n = snprintf(line, sizeof line, "%s: %s%s%s\n", log_ident, msg,
			     es ? ": " : "", es ? es : "");
		if (n < 0)
			return;
		len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
		if ((size_t)n >= sizeof line)
			line[len - 1] = '\n';
		/* Nothing sensible to do when stderr itself fails. */
		if (write(STDERR_FILENO, line, len) < 0)
			return;
	} else {
		vsnprintf(msg, sizeof msg, fmt, ap);
		if (es != NULL)
			syslog(pri, "%s: %s", msg, es);
		else
			syslog(pri, "%s", msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_INFO, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
