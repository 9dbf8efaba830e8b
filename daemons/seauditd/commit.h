/*
 * commit.h - stamping, group commit and the acknowledgement contract
 * (commit.c).  A records frame is validated, stamped and appended at
 * once; its reply is a ticket of the frame server answered when the
 * batch is synced (or refused) in the before-sleep hook.
 */
#ifndef SEAUDITD_COMMIT_H
#define SEAUDITD_COMMIT_H

#include "seauditd.h"

int commit_init(struct daemon *d);
/* Notices a removed log directory while no record arrives. */
void commit_watch_log(struct daemon *d);
/* Handles one well-framed 'R' payload of a client; payload is valid
 * during the call only. */
void commit_frame(struct daemon *d, struct fsrv_conn *c, uint32_t id,
		  const uint8_t *payload, size_t len);
void commit_before_sleep(struct ev_loop *l, void *arg);
/* Writes a daemon start or shutdown record and commits it. */
int commit_daemon_record(struct daemon *d, enum sa_event ev);
/* At exit: commits and acknowledges what is pending; what cannot be
 * committed is answered -ESHUTDOWN.  Returns how many records were. */
uint64_t commit_finish(struct daemon *d);
/* The name of a commit state, for the status and messages. */
const char *state_name(enum state s);

#endif
