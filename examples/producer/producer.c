/*
 * producer.c - a producer of audit records in a few lines, built only on
 * the public libseaudit API: it records a login of a user on a terminal
 * through the writer daemon, and says which sequence number the daemon
 * gave it (or why it could not).  Outside the tree:
 *
 *     cc producer.c $(pkg-config --cflags --libs seaudit) -o producer
 *
 * Usage: producer [-socket PATH] [USER [TERMINAL]]; the user defaults to
 * the caller's name (a producer that is neither root nor in the daemon's
 * producer_group may only write about itself), the terminal to that of
 * standard input.  Without -socket the library finds the daemon
 * (docs/PROTOCOL.md §1).  Exit 0 when the record is stored, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, ttyname under -std=c17 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

int
main(int argc, char **argv)
{
	const char *socket = NULL;
	int i = 1;
	if (argc > 2 && strcmp(argv[1], "-socket") == 0) {
		socket = argv[2];
		i = 3;
	}
	const struct passwd *pw = getpwuid(geteuid());
	const char *user = i < argc ? argv[i] : pw ? pw->pw_name : "unknown";
	const char *tty = i + 1 < argc ? argv[i + 1] : ttyname(0);

	struct sa_record r;
	sa_record_init(&r);
	r.event = SA_EV_LOGIN;
	r.status = 'P';
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	r.time_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	if (sa_record_set_cstr(&r, SA_F_USER, user) < 0 ||
	    sa_record_set_cstr(&r, SA_F_TERMINAL, tty ? tty : "console") < 0 ||
	    sa_record_set_cstr(&r, SA_F_PROGRAM, "example-producer") < 0) {
		fprintf(stderr, "producer: a value is too long\n");
		return 1;
	}

	struct sa_client *c;
	int rc = sa_client_connect(&c, socket, 2000);
	if (rc < 0) {
		char why[512];
		sa_client_connect_error(why, sizeof why, socket, rc);
		fprintf(stderr, "producer: %s\n", why);
		return 1;
	}
	struct sa_proto_ack ack;
	struct sa_proto_err err;
	rc = sa_client_submit(c, &r, 1, 5000, &ack, &err);
	sa_client_close(c);
	if (rc < 0) {
		fprintf(stderr, "producer: not stored: %s%s%s\n",
			sa_strerror(rc), err.message[0] ? ": " : "",
			err.message);
		return 1;
	}
	printf("stored as record %llu (libseaudit %s)\n",
	       (unsigned long long)ack.first_seq, sa_version());
	return 0;
}
