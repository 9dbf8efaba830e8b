/*
 * privsep.h - privilege only ever decreases (the OpenBSD syslogd rule).
 *
 * A daemon started by root opens what needs root first (its log, its
 * socket), then calls privsep_drop() with the capabilities it still
 * needs; from then on it holds those and nothing else, in its effective,
 * permitted and inheritable sets and in its bounding set, with
 * no_new_privs set so that nothing it could exec gains any back.  It keeps
 * uid 0: the files it made stay its own.  A daemon run by another user
 * holds no capability to drop, and the call only sets no_new_privs.
 */
#ifndef SEAUDIT_PRIVSEP_H
#define SEAUDIT_PRIVSEP_H

#include <stddef.h>

/* keep: capability numbers (<linux/capability.h>, e.g. CAP_CHOWN).
 * 0, or -errno / -EPERM when the kernel refused (logged by the caller:
 * the daemon must not go on with more than it asked to keep). */
int privsep_drop(const int *keep, size_t n);

/* For diagnostics: "cap_chown" style names of the effective set, or
 * "none"; static storage. */
const char *privsep_describe(void);

#endif
