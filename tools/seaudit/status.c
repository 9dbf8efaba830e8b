/*
 * status.c - `seaudit -status`: the writer daemon's status, asked over its
 * socket (a 'Q' frame, docs/PROTOCOL.md) and printed as the daemon sent
 * it, one "key=value" line each (records and bytes written, refusals,
 * clients, sync latency, the disk-full action and state, ...).
 *
 * The text comes from another process: bytes a terminal would act on
 * (controls other than the newline, DEL) are printed as '?', so the
 * status cannot drive the terminal.  A missing final newline is added.
 * Exit status 0, or 1 when no daemon answers (with the reason and the
 * sockets tried: without -socket, the library's defaults, a non-root
 * user's own daemon first, then the system daemon's).
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

#include "view.h"

#define STATUS_TIMEOUT_MS 5000

int
daemon_status(const struct view_opts *o)
{
	struct sa_client *c;
	struct sa_buf text = SA_BUF_INIT;

	/* o->socket NULL: the library's default sockets, in order. */
	int rc = sa_client_connect(&c, o->socket, STATUS_TIMEOUT_MS);
	if (rc < 0) {
		char why[600];
		sa_client_connect_error(why, sizeof why, o->socket, rc);
		errx(1, "%s%s", why,
		     rc == -ENOENT || rc == -ECONNREFUSED
			 ? ": seauditd is not running"
		     : rc == -EACCES ? ": only the socket's owner and group "
				       "may connect (seauditd.ini(5), "
				       "socket_mode and socket_group)"
				     : "");
	}
	char path[SA_SOCKET_PATH_MAX]; /* outlives the client */
	snprintf(path, sizeof path, "%s", sa_client_socket(c));
	rc = sa_client_status(c, STATUS_TIMEOUT_MS, &text);
	sa_client_close(c);
	if (rc == -ETIMEDOUT)
		errx(1, "%s: no answer from the writer daemon in %d s", path,
		     STATUS_TIMEOUT_MS / 1000);
	if (rc < 0)
		errx(1, "%s: status query failed: %s", path, sa_strerror(rc));
	for (size_t i = 0; i < text.len; i++) {
		unsigned char ch = (unsigned char)text.data[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			text.data[i] = '?';
	}
	if (text.len > 0) {
		fwrite(text.data, 1, text.len, stdout);
		if (text.data[text.len - 1] != '\n')
			putchar('\n');
	}
	sa_buf_free(&text);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
