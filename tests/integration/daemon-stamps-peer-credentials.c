/*
 * daemon-stamps-peer-credentials - a producer claiming another pid, uid
 * or producer_uid in its records is overridden by the socket's peer
 * credentials: pid and producer_uid always; uid unless the producer is
 * root (root producers such as PAM report on behalf of other users).
 * The unprivileged case runs when the test is root (it becomes nobody).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static void
submit_claiming(const char *sock, const char *tag)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, sock, 5000) == 0);
	struct sa_record r;
	hd_record(&r, tag, SA_EV_RESOURCE);
	/* An unprivileged producer may only write about itself. */
	struct passwd *pw = getpwuid(geteuid());
	if (geteuid() != 0 && pw != NULL)
		sa_record_set_cstr(&r, SA_F_USER, pw->pw_name);
	sa_record_set_int(&r, SA_F_PID, 1);
	sa_record_set_int(&r, SA_F_UID, 0);
	sa_record_set_int(&r, SA_F_PRODUCER_UID, 4242);
	sa_record_set_cstr(&r, SA_F_ORIGIN, "forged.example");
	struct sa_proto_err err;
	int rc = sa_client_submit(c, &r, 1, 10000, NULL, &err);
	if (rc < 0)
		die("%s: %s", tag, err.message);
	sa_client_close(c);
}

int
main(void)
{
	struct hd h;
	hd_init(&h, "socket_mode = 0666\norigin = real.example\n");
	chmod(h.dir, 0755); /* let an unprivileged producer reach the socket */
	hd_start(&h, NULL);
	submit_claiming(h.sock, "self");
	bool root = geteuid() == 0;
	pid_t child = -1;
	if (root) {
		child = fork();
		CHECK(child >= 0);
		if (child == 0) {
			if (setgid(65534) < 0 || setuid(65534) < 0)
				_exit(20);
			submit_claiming(h.sock, "nobody");
			_exit(0);
		}
		int st;
		CHECK(waitpid(child, &st, 0) == child);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK(hd_stop(&h) == 0);
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].session, "self") == 0) {
			CHECK(v[i].pid == getpid());
			CHECK(v[i].producer_uid == (int64_t)geteuid());
			/* uid kept for root, the peer's own otherwise */
			CHECK(v[i].uid == (root ? 0 : (int64_t)geteuid()));
			found++;
		} else if (strcmp(v[i].session, "nobody") == 0) {
			CHECK(v[i].pid == child);
			CHECK(v[i].producer_uid == 65534);
			CHECK(v[i].uid == 65534);
			found++;
		}
	}
	CHECK(found == (root ? 2 : 1));
	/* The origin is the daemon's, whatever the producer claimed. */
	const char *paths[] = {h.log};
	struct sa_reader *rd;
	CHECK(sa_reader_open(&rd, paths, 1, NULL, NULL) == 0);
	struct sa_record r;
	while (sa_reader_next(rd, &r) == 1) {
		CHECK(sa_record_has(&r, SA_F_ORIGIN));
		CHECK(r.str[SA_F_ORIGIN].len == 12 &&
		      memcmp(r.str[SA_F_ORIGIN].ptr, "real.example", 12) == 0);
	}
	sa_reader_close(rd);
	if (!root)
		printf(
		    "not root: the unprivileged producer case was skipped\n");
	free(v);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
