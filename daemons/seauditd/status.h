/*
 * status.h - the answer to a status query (status.c), built from the
 * daemon's counters and the frame server's.
 */
#ifndef SEAUDITD_STATUS_H
#define SEAUDITD_STATUS_H

#include "seauditd.h"

void status_reply(struct daemon *d, struct fsrv_conn *c, uint32_t id);

#endif
