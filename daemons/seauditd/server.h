/*
 * server.h - the producers' Unix socket (server.c): its path and
 * permissions, and the frame server that serves it.  The connections
 * themselves are common/framesrv.h's; modules answer them through its
 * reply API, never through this file.
 */
#ifndef SEAUDITD_SERVER_H
#define SEAUDITD_SERVER_H

#include "seauditd.h"

/* Binds, permits and serves the socket; 0 or -errno, logged. */
int server_listen(struct daemon *d);
/* Gives the listening socket socket_group and socket_mode (at start and
 * at SIGHUP); 0 or -errno, logged. */
int server_socket_perms(const struct daemon *d);
/* The connection limits of the configuration, after a reload. */
void server_apply_limits(struct daemon *d);
/* Removes the socket, delivers queued replies and closes every client. */
void server_close(struct daemon *d);

#endif
