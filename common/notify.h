/*
 * notify.h - readiness and state for a service manager, by the
 * NOTIFY_SOCKET protocol of systemd (sd_notify(3)): one datagram of
 * newline-separated KEY=VALUE lines to the AF_UNIX socket named in the
 * environment ("/path", or "@name" for the abstract namespace).
 *
 * The daemon calls notify_ready() only once its socket accepts producers
 * and its start record is written, notify_reloading() / notify_ready()
 * around a reload, notify_stopping() when it begins to stop, and
 * notify_status() for a line systemctl status shows.  Without
 * NOTIFY_SOCKET each is a no-op returning 0; otherwise 1 when the
 * datagram was sent, or -errno (the caller logs it: a service manager
 * that is not listening must never stop the daemon).
 */
#ifndef SEAUDIT_NOTIFY_H
#define SEAUDIT_NOTIFY_H

int notify_send(const char *state);
int notify_ready(const char *status);
int notify_reloading(void);
int notify_stopping(void);
int notify_status(const char *status);

#endif
