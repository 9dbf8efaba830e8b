/*
 * opts.c - the seaudit-submit command line:
 *
 *   seaudit-submit [-socket PATH] [-timeout SECONDS] [-q] [file ...]
 *   seaudit-submit -fn DIR [-sync record|batch|none] [-origin NAME] [-q]
 *                  [file ...]
 *
 * Without -fn the records go to the writer daemon, which stamps the origin
 * and syncs by its own policy: -sync and -origin belong to -fn, and
 * -socket and -timeout to the daemon; mixing them is a usage error rather
 * than an option silently ignored.
 *
 * Single-dash long names as in seaudit (getopt_long_only), GNU "--name"
 * accepted too.  Invariant: after submit_opts_parse the options are
 * complete and checked, or the process has exited 2 with a message naming
 * the bad argument.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/seaudit.h>

#include "submit.h"

static char empty_arg[] = "";

enum {
	OPT_FN = 256,
	OPT_SYNC,
	OPT_ORIGIN,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_VERSION
};

static const struct option long_opts[] = {
    {"fn", required_argument, NULL, OPT_FN},
    {"sync", required_argument, NULL, OPT_SYNC},
    {"origin", required_argument, NULL, OPT_ORIGIN},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
	fputs("usage: seaudit-submit [-socket path] [-timeout seconds] [-q]"
	      " [file ...]\n"
	      "       seaudit-submit -fn dir [-sync record|batch|none]"
	      " [-origin name] [-q] [file ...]\n"
	      "  reads audit records as JSON Lines (files, or standard input"
	      " for none or -)\n"
	      "  and hands them to the writer daemon seauditd, or appends"
	      " them to the log\n"
	      "  directory dir (-fn) without a daemon\n",
	      fp);
}

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("seaudit-submit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

void
submit_opts_parse(int argc, char **argv, struct submit_opts *o)
{
	int c;

	const char *sync_opt = NULL, *origin_opt = NULL, *socket_opt = NULL,
		   *timeout_opt = NULL;

	memset(o, 0, sizeof *o);
	o->sync = SA_SYNC_BATCH;
	o->timeout_s = SEND_TIMEOUT_S;
	opterr = 0;
	for (;;) {
		optarg = NULL;
		c = getopt_long_only(argc, argv, ":qh", long_opts, NULL);
		if (c == -1)
			break;
		const char *typed = argv[optind - 1];
		if (optarg != NULL && optarg == argv[optind - 1] && optind >= 2)
			typed = argv[optind - 2];
		/* Options with an argument always get one from getopt; the
		 * others leave optarg NULL and never read it.  Said here so
		 * that no reading of optarg has to be guarded. */
		if (optarg == NULL)
			optarg = empty_arg;
		switch (c) {
		case OPT_FN:
			if (*optarg == '\0')
				usage_error("%s: empty directory name", typed);
			o->dir = optarg;
			break;
		case OPT_SYNC:
			sync_opt = typed;
			if (strcmp(optarg, "record") == 0)
				o->sync = SA_SYNC_RECORD;
			else if (strcmp(optarg, "batch") == 0)
				o->sync = SA_SYNC_BATCH;
			else if (strcmp(optarg, "none") == 0)
				o->sync = SA_SYNC_NONE;
			else
				usage_error("%s: \"%s\" is not record, batch or"
					    " none",
					    typed, optarg);
			break;
		case OPT_ORIGIN:
			origin_opt = typed;
			if (*optarg == '\0' || strlen(optarg) > SA_MAX_ORIGIN)
				usage_error(
				    "%s: origin must have 1 to %d bytes", typed,
				    SA_MAX_ORIGIN);
			o->origin = optarg;
			break;
		case OPT_SOCKET:
			socket_opt = typed;
			if (*optarg == '\0')
				usage_error("%s: empty socket path", typed);
			o->socket = optarg;
			break;
		case OPT_TIMEOUT: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || v > 86400)
				usage_error("%s: \"%s\" is not a number of"
					    " seconds from 0 to 86400",
					    typed, optarg);
			timeout_opt = typed;
			o->timeout_s = (int)v;
			break;
		}
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("seaudit-submit %s\n", SEAUDIT_VERSION_STRING);
			exit(0);
		case ':':
			usage_error("%s: missing argument", typed);
		default:
			if (optopt != 0 && optopt != '?')
				usage_error("-%c: unknown option", optopt);
			usage_error("%s: unknown or ambiguous option", typed);
		}
	}
	if (o->dir == NULL && sync_opt != NULL)
		usage_error("%s: only with -fn (the daemon syncs by its own"
			    " policy)",
			    sync_opt);
	if (o->dir == NULL && origin_opt != NULL)
		usage_error("%s: only with -fn (the daemon stamps the origin)",
			    origin_opt);
	if (o->dir != NULL && socket_opt != NULL)
		usage_error("%s: not with -fn", socket_opt);
	if (o->dir != NULL && timeout_opt != NULL)
		usage_error("%s: not with -fn", timeout_opt);
	o->inputs = argv + optind;
	o->ninputs = (size_t)(argc - optind);
}
