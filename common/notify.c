/*
 * notify.c - the NOTIFY_SOCKET protocol (see notify.h).  Written by hand
 * because it is one sendto(2) of a text datagram, while libsystemd would
 * bring a dependency (and its own event loop) into every daemon for it;
 * the protocol is documented as stable for exactly this use.
 *
 * MONOTONIC_USEC rides with RELOADING=1, as systemd 253 and later expect
 * for Type=notify-reload (older versions ignore it).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || path[0] == '\0')
		return 0;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sun.sun_path)
		return -EINVAL;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				    (path[0] == '/'));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			   (struct sockaddr *)&sun, len);
	int rc = w < 0 ? -errno : 1;
	close(fd);
	return rc;
}

int
notify_ready(const char *status)
{
	char buf[512];
	snprintf(buf, sizeof buf, "READY=1\nMAINPID=%ld\nSTATUS=%s",
		 (long)getpid(), status ? status : "");
	return notify_send(buf);
}

int
notify_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char buf[128];
	snprintf(buf, sizeof buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull +
		     (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(buf);
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int
notify_status(const char *status)
{
	char buf[512];
	snprintf(buf, sizeof buf, "STATUS=%s", status);
	return notify_send(buf);
}
