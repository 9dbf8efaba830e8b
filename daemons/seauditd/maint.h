/*
 * maint.h - rotation, retention, audit_back moves and background sealing
 * of the daemon's log (maint.c).  Called by commit.c and main.c; calls
 * nothing of the daemon's other modules.
 */
#ifndef SEAUDITD_MAINT_H
#define SEAUDITD_MAINT_H

#include "seauditd.h"

int maint_init(struct daemon *d);
void maint_after_commit(struct daemon *d); /* a segment may have sealed */
/* The writer made the removed log directory again. */
void maint_log_reopened(struct daemon *d);
int maint_rotate_now(struct daemon *d);
/* Deletes the oldest sealed segment (disk-full action rotate). */
int maint_drop_oldest(struct daemon *d, char *what, size_t cap,
		      uint64_t *records);
void maint_reschedule(struct daemon *d); /* after a config reload */
/* Before a commit: the retention record retention waits for, if any. */
void maint_retention_append(struct daemon *d);
/* The batch was dropped (refused): its retention records go in again. */
void maint_batch_dropped(struct daemon *d);
/* After a commit that succeeded: retention goes on. */
void maint_retention_committed(struct daemon *d);
/* Is a retention record waiting to be written? */
bool maint_retention_due(struct daemon *d);
void maint_stop(struct daemon *d);

#endif
