/*
 * daemon-stores-passwords-masked - passwords in a command or a trace are
 * hidden before the record is written (mask_passwords = yes, the
 * default): no byte of the log's segments holds them, the record holds
 * the masked text, and the forms of docs/codes.md are caught (mysql -pX,
 * DB_PASS=..., ldapmodify -w, htpasswd -b, password(...)).  With
 * mask_passwords = no they are stored as sent.  seaudit-submit -fn,
 * writing without the daemon, masks the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static const char *const secrets[] = {"S3cretA", "hunter2B", "ldapC9", "htpwD7",
				      "selangE5"};
static const char *const commands[] = {
    "mysql -u root -pS3cretA db",
    "DB_PASS=hunter2B ./backup.sh",
    "ldapmodify -x -D cn=admin -w ldapC9 -f change.ldif",
    "htpasswd -b /etc/apache2/.htpasswd bob htpwD7",
    "chusr bob password(selangE5)",
};
#define N (sizeof commands / sizeof commands[0])

/* Does any segment file of dir contain s?  (grep over the raw bytes) */
static bool
log_has(const char *dir, const char *s)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd,
		 "cat '%s'/*.seg* 2>/dev/null | grep -aqF -- '%s'", dir, s);
	return system(cmd) == 0;
}

static void
run(const char *extra, bool masked)
{
	struct hd h;
	hd_init(&h, extra);
	hd_start(&h, NULL);
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	struct sa_record r[N + 1];
	for (size_t i = 0; i < N; i++) {
		sa_record_init(&r[i]);
		r[i].event = SA_EV_ADMIN;
		r[i].status = 'S';
		r[i].time_us = 1700000000000000;
		sa_record_set_cstr(&r[i], SA_F_USER, "secadm");
		sa_record_set_cstr(&r[i], SA_F_COMMAND, commands[i]);
	}
	sa_record_init(&r[N]);
	r[N].event = SA_EV_TRACE;
	r[N].status = 'P';
	r[N].time_us = 1700000000000000;
	sa_record_set_cstr(&r[N], SA_F_USER, "bob");
	sa_record_set_cstr(&r[N], SA_F_TRACE, "exec mysql -pS3cretA");
	CHECK(sa_client_submit(c, r, N + 1, 5000, NULL, NULL) == 0);
	sa_client_close(c);
	CHECK(hd_stop(&h) == 0);
	for (size_t i = 0; i < N; i++)
		if (log_has(h.log, secrets[i]) == masked)
			die("mask_passwords %s: \"%s\" %s in the log",
			    masked ? "yes" : "no", secrets[i],
			    masked ? "found" : "not found");
	if (masked && !log_has(h.log, "-p*** db"))
		die("the masked command is not in the log");

	/* The same through seaudit-submit -fn. */
	const char *submit = getenv("SEAUDIT_SUBMIT");
	if (masked && submit != NULL) {
		char cmd[1600];
		snprintf(
		    cmd, sizeof cmd,
		    "printf '%%s\\n' '{\"time\":\"2024-05-01T10:00:00Z\","
		    "\"event\":\"admin\",\"status\":\"S\",\"user\":\"a\","
		    "\"command\":\"mysql -pS3cretA\"}' | '%s' -fn '%s/direct'",
		    submit, h.dir);
		CHECK(system(cmd) == 0);
		char dir[400];
		snprintf(dir, sizeof dir, "%s/direct", h.dir);
		if (log_has(dir, "S3cretA") || !log_has(dir, "-p***"))
			die("seaudit-submit -fn stored the password");
	}
	hd_cleanup(&h);
}

int
main(void)
{
	run(NULL, true);
	run("mask_passwords = no\n", false);
	printf("passwords hidden before writing by default\n");
	return 0;
}
