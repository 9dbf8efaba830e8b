/*
 * diag.h - the daemons' own diagnostics (OpenBSD syslogd's log.c shape;
 * named apart from <seaudit/log.h>, which is the audit log itself):
 * to standard error in the foreground (-d), to syslog(3) otherwise.  Not
 * the audit trail: these are messages about the daemon.
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx log
 * and exit(1).
 */
#ifndef SEAUDIT_DIAG_H
#define SEAUDIT_DIAG_H

#include <stdbool.h>

enum { LOG_LVL_WARN = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

void log_init(const char *ident, bool foreground, int level);
void log_set_level(int level);
/* Where messages go from now on: standard error, or syslog(3) (the
 * background daemon once it has started and detached). */
void log_set_foreground(bool foreground);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
