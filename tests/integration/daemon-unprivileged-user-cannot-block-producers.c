/*
 * daemon-unprivileged-user-cannot-block-producers - a local user holding
 * connections must not lock out root's producers or `seaudit -status`.
 * With max_clients = 20, reserved_clients = 4, max_clients_per_uid = 8
 * and idle_timeout = 2: nobody (the test must be root to become nobody;
 * otherwise "skipped") opens 30 idle connections; at most 8 are kept,
 * the others are refused with SA_EBUSY naming the limit, and the refusals
 * are counted in the status; root can still connect, submit and ask for
 * the status while nobody holds them; after the idle timeout nobody's
 * connections are closed by the daemon and counted as timed out.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define TRIES 30

static uint64_t
status_num(const char *sock, const char *key)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, sock, 2000) == 0);
	struct sa_buf b = SA_BUF_INIT;
	CHECK(sa_client_status(c, 3000, &b) == 0);
	sa_client_close(c);
	CHECK(sa_buf_append(&b, "", 1) == 0);
	char k[64];
	snprintf(k, sizeof k, "\n%s=", key);
	const char *p = strstr(b.data, k);
	if (p == NULL)
		die("status lacks %s", key);
	uint64_t v = strtoull(p + strlen(k), NULL, 10);
	sa_buf_free(&b);
	return v;
}

/* Is the connection still open (no EOF, no error frame)? */
static bool
alive(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 0) == 0)
		return true;
	char b[64];
	ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
	return n < 0 && errno == EAGAIN;
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("skipped: not root (the test becomes nobody)\n");
		return 0;
	}
	struct hd h;
	hd_init(&h, "socket_mode = 0666\nmax_clients = 20\nreserved_clients ="
		    " 4\nmax_clients_per_uid = 8\nidle_timeout = 2\n");
	chmod(h.dir, 0755);
	hd_start(&h, NULL);
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0);
	pid_t p = fork();
	CHECK(p >= 0);
	if (p == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(20);
		int fds[TRIES], kept = 0;
		for (int i = 0; i < TRIES; i++) {
			fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
			struct sockaddr_un sun = {.sun_family = AF_UNIX};
			CHECK(strlen(h.sock) < sizeof sun.sun_path);
			memcpy(sun.sun_path, h.sock, strlen(h.sock) + 1);
			if (connect(fds[i], (struct sockaddr *)&sun,
				    sizeof sun) < 0)
				_exit(21);
		}
		usleep(300000);
		for (int i = 0; i < TRIES; i++)
			kept += alive(fds[i]);
		char k = (char)kept;
		if (write(done[1], &k, 1) != 1)
			_exit(22);
		char x;
		if (read(go[0], &x, 1) != 1) /* hold them until told */
			_exit(23);
		/* After the idle timeout every one is closed. */
		int open_after = 0;
		for (int i = 0; i < TRIES; i++)
			open_after += alive(fds[i]);
		_exit(open_after == 0 ? 0 : 24);
	}
	char kept;
	CHECK(read(done[0], &kept, 1) == 1);
	if (kept < 1 || kept > 8)
		die("nobody kept %d connections (max_clients_per_uid 8)", kept);
	/* Root is served meanwhile. */
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	struct sa_record r;
	hd_record(&r, "root-while-held", SA_EV_LOGIN);
	CHECK(sa_client_submit(c, &r, 1, 3000, NULL, NULL) == 0);
	sa_client_close(c);
	uint64_t refused = status_num(h.sock, "clients_refused");
	if (refused < TRIES - 8)
		die("clients_refused=%llu, want at least %d",
		    (unsigned long long)refused, TRIES - 8);
	sleep(4); /* idle_timeout = 2, checked every second */
	uint64_t gone = status_num(h.sock, "clients_timed_out");
	CHECK(write(go[1], "x", 1) == 1);
	int st;
	CHECK(waitpid(p, &st, 0) == p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("nobody's part failed (status %d)", st);
	if (gone < (uint64_t)kept)
		die("clients_timed_out=%llu, nobody held %d",
		    (unsigned long long)gone, kept);
	CHECK(hd_stop(&h) == 0);
	hd_cleanup(&h);
	printf("nobody kept %d of %d connections, %llu refused, %llu timed"
	       " out; root was served throughout\n",
	       kept, TRIES, (unsigned long long)refused,
	       (unsigned long long)gone);
	return 0;
}
