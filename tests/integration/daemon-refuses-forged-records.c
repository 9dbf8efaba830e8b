/*
 * daemon-refuses-forged-records - a local user cannot write records that
 * look like root's (docs/PROTOCOL.md §8).  As nobody (the test must be
 * root to become nobody; otherwise "skipped"):
 *  - a login of root, a FILE denial of alice, an admin record by root, a
 *    trace whose effective user is root: refused (SA_EFORBIDDEN, naming
 *    the field);
 *  - a record about itself: stored, and its line ends with
 *    "[producer uid 65534]";
 *  - with user_events = trace, a resource record about itself: refused.
 * As root and as nobody: seauditd's own startup and shutdown records and
 * any loss or retention record: refused.  As root: a login of alice: stored, no
 * mark. With producer_group = nogroup, nobody may write about alice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static int
submit(const char *sock, struct sa_record *r, struct sa_proto_err *e)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, sock, 5000) == 0);
	int rc = sa_client_submit(c, r, 1, 5000, NULL, e);
	sa_client_close(c);
	return rc;
}

static void
rec(struct sa_record *r, uint8_t ev, const char *user, const char *tag)
{
	hd_record(r, tag, ev);
	r->event = ev;
	switch (ev) {
	case SA_EV_LOGIN:
		r->status = 'P';
		break;
	case SA_EV_RESOURCE:
		r->status = 'D';
		break;
	case SA_EV_ADMIN:
		r->status = 'S';
		break;
	case SA_EV_TRACE:
		r->status = 'P';
		sa_record_set_cstr(r, SA_F_TRACE, "exec /bin/sh");
		break;
	case SA_EV_STARTUP:
	case SA_EV_SHUTDOWN:
		r->status = 'M';
		sa_record_set_cstr(r, SA_F_SERVICE, "seauditd");
		break;
	case SA_EV_LOSS:
		r->status = 'C';
		sa_record_set_cstr(r, SA_F_SERVICE, "seauditd");
		sa_record_set_int(r, SA_F_LOST, 0);
		break;
	case SA_EV_RETENTION: /* one that would explain a cut head */
		r->status = 'C';
		sa_record_set_cstr(r, SA_F_SERVICE, "seauditd");
		sa_record_set_int(r, SA_F_REMOVED_FIRST, 1);
		sa_record_set_int(r, SA_F_REMOVED_LAST, 100);
		break;
	}
	if (user != NULL)
		sa_record_set_cstr(r, SA_F_USER, user);
}

static void
expect(const char *sock, struct sa_record *r, int want, const char *what)
{
	struct sa_proto_err e;
	memset(&e, 0, sizeof e);
	int rc = submit(sock, r, &e);
	if (rc != want)
		die("%s: %s (%s), want %s", what, sa_strerror(rc), e.message,
		    sa_strerror(want));
	printf("%s: %s%s%s\n", what, rc == 0 ? "stored" : sa_strerror(rc),
	       rc ? ": " : "", rc ? e.message : "");
}

/* The scenario's nobody part, in a child that became nobody. */
static void
as_nobody(const char *sock, bool group)
{
	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(20);
	struct sa_record r;
	if (group) {
		rec(&r, SA_EV_LOGIN, "alice", "grp-alice");
		expect(sock, &r, 0, "producer_group: login of alice");
		_exit(0);
	}
	rec(&r, SA_EV_LOGIN, "root", "f-login");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: login of root");
	rec(&r, SA_EV_RESOURCE, "alice", "f-file");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: FILE denial of alice");
	rec(&r, SA_EV_ADMIN, "root", "f-admin");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: admin by root");
	rec(&r, SA_EV_TRACE, "nobody", "f-trace");
	sa_record_set_cstr(&r, SA_F_EFFECTIVE_USER, "root");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: trace as root");
	rec(&r, SA_EV_STARTUP, NULL, "f-start");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: seauditd start");
	rec(&r, SA_EV_LOSS, NULL, "f-loss");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: loss record");
	rec(&r, SA_EV_RETENTION, NULL, "f-retention");
	expect(sock, &r, SA_EFORBIDDEN, "nobody: retention record");
	rec(&r, SA_EV_RESOURCE, "nobody", "own-file");
	expect(sock, &r, 0, "nobody: FILE record about itself");
	_exit(0);
}

static void
in_child(const char *sock, bool group)
{
	pid_t p = fork();
	CHECK(p >= 0);
	if (p == 0)
		as_nobody(sock, group);
	int st;
	CHECK(waitpid(p, &st, 0) == p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("the nobody part failed (status %d)", st);
}

static bool
line_has(const struct hd *h, const char *tag, const char *text)
{
	const char *viewer = getenv("SEAUDIT");
	CHECK(viewer != NULL);
	char cmd[1400];
	snprintf(cmd, sizeof cmd,
		 "'%s' -a -fn '%s' | grep -F -- '%s' | grep -qF -- '%s'",
		 viewer, h->log, tag, text);
	return system(cmd) == 0;
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("skipped: not root (the test becomes nobody)\n");
		return 0;
	}
	struct hd h;
	hd_init(&h, "socket_mode = 0666\n");
	chmod(h.dir, 0755);
	hd_start(&h, NULL);
	in_child(h.sock, false);
	struct sa_record r;
	rec(&r, SA_EV_STARTUP, NULL, "r-start");
	expect(h.sock, &r, SA_EFORBIDDEN, "root: seauditd start");
	rec(&r, SA_EV_SHUTDOWN, "root", "r-stop");
	expect(h.sock, &r, SA_EFORBIDDEN, "root: seauditd shutdown");
	rec(&r, SA_EV_LOSS, NULL, "r-loss");
	expect(h.sock, &r, SA_EFORBIDDEN, "root: loss record");
	rec(&r, SA_EV_RETENTION, NULL, "r-retention");
	expect(h.sock, &r, SA_EFORBIDDEN, "root: retention record");
	rec(&r, SA_EV_LOGIN, "alice", "r-login");
	expect(h.sock, &r, 0, "root: login of alice");
	CHECK(hd_stop(&h) == 0);

	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].session, "f-", 2) == 0 ||
		    strncmp(v[i].session, "r-s", 3) == 0 ||
		    strcmp(v[i].session, "r-loss") == 0 ||
		    strcmp(v[i].session, "r-retention") == 0)
			die("refused record %s is in the log", v[i].session);
	free(v);
	if (!line_has(&h, " nobody ", "[producer uid 65534]"))
		die("the line of nobody's record is not marked");
	if (!line_has(&h, "LOGIN        alice", "LOGIN"))
		die("root's login of alice is not shown");
	if (line_has(&h, "LOGIN        alice", "[producer uid"))
		die("root's record is marked");
	hd_cleanup(&h);

	/* user_events narrows what nobody may write. */
	hd_init(&h, "socket_mode = 0666\nuser_events = trace\n");
	chmod(h.dir, 0755);
	hd_start(&h, NULL);
	pid_t p = fork();
	CHECK(p >= 0);
	if (p == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(20);
		rec(&r, SA_EV_RESOURCE, "nobody", "ue-file");
		expect(h.sock, &r, SA_EFORBIDDEN, "user_events: FILE");
		rec(&r, SA_EV_TRACE, "nobody", "ue-trace");
		expect(h.sock, &r, 0, "user_events: trace");
		_exit(0);
	}
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(hd_stop(&h) == 0);
	hd_cleanup(&h);

	/* producer_group speaks for others. */
	hd_init(&h, "socket_mode = 0666\nproducer_group = nogroup\n");
	chmod(h.dir, 0755);
	hd_start(&h, NULL);
	in_child(h.sock, true);
	CHECK(hd_stop(&h) == 0);
	hd_cleanup(&h);
	printf("forged records refused\n");
	return 0;
}
