/*
 * opts.c - the seaudit command line: `seaudit switch [options] [masks]`.
 *
 * getopt_long_only(3) accepts the documented single-dash long names
 * (-all, -login, -sessionid, -Stat 3) and the GNU double-dash spelling
 * (--json) in one loop; a one-letter switch that is in the short option
 * string (-a, -c, -t, ...) is always taken as that letter.  The masks of a
 * mode switch (-login users terminal) are operands: GNU getopt moves them
 * behind the options, so `seaudit -i -c myhost telnet` and
 * `seaudit -i myhost telnet -c` mean the same.
 *
 * -status is two things, told apart by what follows it: with letters
 * (`-status DW`) it is the status-letter filter of the record switches;
 * alone, or followed by another option (`-status`, `-status -socket p`),
 * it is the switch that asks the writer daemon for its status.  Status
 * letters never begin with '-', so the two cannot be confused.
 *
 * Invariant: opts_parse either fills a consistent struct view_opts
 * (exactly one mode, operand count within the mode's limit, numbers and
 * times checked) or exits 2 with a message naming the bad argument.
 * Masks are checked later by select.c, which also exits 2.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <seaudit/seaudit.h>

#include "view.h"

static char empty_arg[] = "";

enum {
	OPT_SESSIONID = 256,
	OPT_STAT,
	OPT_TRACE,
	OPT_ADMIN,
	OPT_UNTRUST,
	OPT_DAEMON,
	OPT_PASSWORD,
	OPT_VERIFY,
	OPT_FN,
	OPT_DETAIL,
	OPT_JSON,
	OPT_CSV,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_STATUS,
	OPT_USER,
	OPT_CLASS,
	OPT_RESOURCE,
	OPT_PROGRAM,
	OPT_TERMINAL,
	OPT_HOST,
	OPT_SERVICE,
	OPT_FOLLOW,
	OPT_SOCKET,
	OPT_VERIFY_KEY,
	OPT_VERSION
};

/* Leading ':' so that a missing argument is told apart from a bad name. */
static const char short_opts[] = ":alirochtn:";

static const struct option long_opts[] = {
    {"all", no_argument, NULL, 'a'},
    {"login", no_argument, NULL, 'l'},
    {"inet", no_argument, NULL, 'i'},
    {"res", no_argument, NULL, 'r'},
    {"outbound", no_argument, NULL, 'o'},
    {"connected", no_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"tables", no_argument, NULL, 't'},
    {"sessionid", no_argument, NULL, OPT_SESSIONID},
    {"Stat", required_argument, NULL, OPT_STAT},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"admin", no_argument, NULL, OPT_ADMIN},
    {"untrust", no_argument, NULL, OPT_UNTRUST},
    {"daemon", no_argument, NULL, OPT_DAEMON},
    {"password", no_argument, NULL, OPT_PASSWORD},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"fn", required_argument, NULL, OPT_FN},
    {"detail", no_argument, NULL, OPT_DETAIL},
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", no_argument, NULL, OPT_CSV},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"status", required_argument, NULL, OPT_STATUS},
    {"user", required_argument, NULL, OPT_USER},
    {"class", required_argument, NULL, OPT_CLASS},
    {"resource", required_argument, NULL, OPT_RESOURCE},
    {"program", required_argument, NULL, OPT_PROGRAM},
    {"terminal", required_argument, NULL, OPT_TERMINAL},
    {"host", required_argument, NULL, OPT_HOST},
    {"service", required_argument, NULL, OPT_SERVICE},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"verify-key", required_argument, NULL, OPT_VERIFY_KEY},
    {"last", required_argument, NULL, 'n'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Most operands each mode takes (missing trailing ones mean "*"). */
static size_t
mode_max_operands(enum view_mode m)
{
	switch (m) {
	case MODE_LOGIN:
	case MODE_INET:
	case MODE_UNTRUST:
		return 2;
	case MODE_RES:
	case MODE_ADMIN:
	case MODE_OUTBOUND:
		return 3;
	case MODE_TRACE:
	case MODE_DAEMON:
	case MODE_PASSWORD:
		return 1;
	default:
		return 0;
	}
}

void
usage_print(FILE *fp)
{
	fputs("usage: seaudit switch [options]\n"
	      "switches (exactly one):\n"
	      "  -a | -all                      all records except traces\n"
	      "  -l | -login [users [terminal]] login, logout, account and"
	      " password attempts\n"
	      "  -i | -inet [host [service]]    inbound network connections\n"
	      "  -r | -res [class [resource [users]]]  resource accesses\n"
	      "  -o | -outbound [host [service [users]]]  outbound network"
	      " connections\n"
	      "  -trace [users]                 trace records of users\n"
	      "  -admin [class [object [users]]]  database administration\n"
	      "  -untrust [class [file]]        watchdog untrust messages\n"
	      "  -daemon [service]              daemon start and shutdown\n"
	      "  -password [users]              password verification\n"
	      "  -verify [-verify-key key] [-json]  prove the log intact:"
	      " framing,\n"
	      "                                 sequence, hash chain,"
	      " checkpoint signatures\n"
	      "  -t                             print the code tables\n"
	      "  -Stat code                     explain an untrust status"
	      " code\n"
	      "  -status [-socket path]         the writer daemon's status\n"
	      "  -h | -help                     this text\n"
	      "options:\n"
	      "  -c              include connected TCP records (with a port)\n"
	      "  -sessionid      show the SessionID column\n"
	      "  -detail | -json | -csv         output form\n"
	      "  -fn path        read this log file or directory (repeatable)\n"
	      "  -since time     -until time    time window [since, until)\n"
	      "  -status letters -user masks    -class masks -resource masks\n"
	      "  -program masks  -terminal masks -host masks -service masks\n"
	      "  -n N            only the last N matching records\n"
	      "  -follow         keep printing records as they are written\n"
	      "masks take * and ? and are comma-separated lists; see"
	      " seaudit(1)\n",
	      fp);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("seaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: seaudit switch [options]"
	      " (seaudit -h for the list)\n",
	      stderr);
	exit(EXIT_USAGE);
}

/*
 * Bounded decimal (or 0x hexadecimal) number, in the spirit of OpenBSD's
 * strtonum(3), which glibc lacks.  Returns 0, or -1 with *errstr set.
 */
static int
parse_num(const char *s, long long min, long long max, long long *out,
	  const char **errstr)
{
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	if (*s == '\0' || *s == ' ' || *s == '+') {
		*errstr = "not a number";
		return -1;
	}
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (end == s || *end != '\0') {
		*errstr = "not a number";
		return -1;
	}
	if (errno == ERANGE || v < min) {
		*errstr = v < 0 ? "too small" : "too large";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

static int64_t
now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Records the mode switch, refusing a second one. */
static void
set_mode(struct view_opts *o, enum view_mode m, const char *typed)
{
	if (o->mode != MODE_NONE && o->mode != m)
		usage_error("%s: only one switch is allowed (%s was given"
			    " already)",
			    typed, o->mode_opt);
	o->mode = m;
	o->mode_opt = typed;
}

static void
set_form(struct view_opts *o, enum view_form f, const char *typed)
{
	if (o->form != FORM_LINE && o->form != f)
		usage_error("%s: only one of -detail, -json, -csv may be"
			    " given",
			    typed);
	o->form = f;
}

static void
add_field(struct view_opts *o, enum sa_field field, const char *masks,
	  const char *typed)
{
	if (o->nfields == VIEW_MAX_FIELD_OPTS)
		usage_error("%s: too many field filters", typed);
	o->fields[o->nfields++] = (struct field_opt){field, masks, typed};
}

static void
parse_time(const char *typed, const char *arg, int64_t now, int64_t *out)
{
	if (time_arg_parse(arg, now, out) < 0)
		usage_error("%s: bad time \"%s\" (RFC 3339, YYYY-MM-DD,"
			    " -2h, today, yesterday, now)",
			    typed, arg);
}

/*
 * getopt_long_only(3) takes a unique prefix of a long name for the name
 * (-session becomes -sessionid) and splits a word that matches no long
 * name into one-letter switches (-reverse becomes -r -e ...).  For an
 * audit viewer a guessed meaning is worse than a refusal, so every word
 * that looks like an option is checked first: it must be a whole long
 * name (with one or two dashes, "=value" allowed for one that takes an
 * argument), a one-letter switch, or -n followed by its count.  The
 * message names the word exactly as it was typed.
 */
static void
check_words(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0)
			return;
		if (w[0] != '-' || w[1] == '\0')
			continue; /* an operand (a mask) */
		const char *name = w + 1 + (w[1] == '-');
		size_t n = strcspn(name, "=");
		const struct option *lo = NULL;
		for (const struct option *p = long_opts; p->name != NULL; p++)
			if (strlen(p->name) == n &&
			    strncmp(p->name, name, n) == 0)
				lo = p;
		if (lo != NULL) {
			if (name[n] == '=' && lo->has_arg == no_argument)
				usage_error("%s: -%s takes no argument", w,
					    lo->name);
			/* The next word is this option's argument, whatever
			 * it looks like (-since -2h), except after -status,
			 * whose argument never begins with '-'. */
			if (lo->has_arg == required_argument &&
			    name[n] != '=' &&
			    !(lo->val == OPT_STATUS && i + 1 < argc &&
			      argv[i + 1][0] == '-'))
				i++;
			continue;
		}
		if (w[1] != '-' && name[1] == '\0' &&
		    strchr(short_opts + 1, name[0]) != NULL) {
			if (name[0] == 'n')
				i++;
			continue;
		}
		if (w[1] != '-' && name[0] == 'n' &&
		    strspn(name + 1, "0123456789") == strlen(name + 1))
			continue; /* -n5 */
		usage_error("%s: unknown switch or option", w);
	}
}

void
opts_parse(int argc, char **argv, struct view_opts *o)
{
	int64_t now = now_us();
	long long v;
	const char *errstr;
	const char *socket_opt = NULL;
	const char *rec_opt = NULL; /* first option that narrows or forms
				     * records, for "does not apply" */
	const char *fn_opt = NULL, *c_opt = NULL, *vk_opt = NULL;
	const char *form_opt = NULL; /* -detail, -json, -csv as typed */
	int c, idx;
	bool help = false;

	memset(o, 0, sizeof *o);
	o->since_us = INT64_MIN;
	o->until_us = INT64_MAX;
	o->files = calloc((size_t)argc, sizeof *o->files);
	if (o->files == NULL)
		err(1, NULL);

	check_words(argc, argv);
	opterr = 0;
	for (;;) {
		idx = -1;
		optarg = NULL;
		c = getopt_long_only(argc, argv, short_opts, long_opts, &idx);
		if (c == -1)
			break;
		/*
		 * The option as the user typed it, for messages: the word
		 * before its separate argument, if it had one.
		 */
		const char *typed = argv[optind - 1];
		if (optarg != NULL && optarg == argv[optind - 1] && optind >= 2)
			typed = argv[optind - 2];
		/* Options with an argument always get one from getopt; the
		 * others leave optarg NULL and never read it.  Said here so
		 * that no reading of optarg has to be guarded. */
		if (optarg == NULL)
			optarg = empty_arg;
		switch (c) {
		case 'a':
			set_mode(o, MODE_ALL, typed);
			break;
		case 'l':
			set_mode(o, MODE_LOGIN, typed);
			break;
		case 'i':
			set_mode(o, MODE_INET, typed);
			break;
		case 'r':
			set_mode(o, MODE_RES, typed);
			break;
		case 'o':
			set_mode(o, MODE_OUTBOUND, typed);
			break;
		case 't':
			set_mode(o, MODE_TABLES, typed);
			break;
		case 'h':
			help = true;
			break;
		case OPT_TRACE:
			set_mode(o, MODE_TRACE, typed);
			break;
		case OPT_ADMIN:
			set_mode(o, MODE_ADMIN, typed);
			break;
		case OPT_UNTRUST:
			set_mode(o, MODE_UNTRUST, typed);
			break;
		case OPT_DAEMON:
			set_mode(o, MODE_DAEMON, typed);
			break;
		case OPT_PASSWORD:
			set_mode(o, MODE_PASSWORD, typed);
			break;
		case OPT_VERIFY:
			set_mode(o, MODE_VERIFY, typed);
			break;
		case OPT_VERSION:
			set_mode(o, MODE_VERSION, typed);
			break;
		case OPT_STAT:
			set_mode(o, MODE_STAT, typed);
			if (parse_num(optarg, 0, INT64_C(4294967295), &v,
				      &errstr) < 0)
				usage_error("%s: code \"%s\" is %s", typed,
					    optarg, errstr);
			o->stat_code = v;
			break;
		case 'c':
			if (c_opt == NULL)
				c_opt = typed;
			o->connected = true;
			break;
		case OPT_SESSIONID:
			if (rec_opt == NULL)
				rec_opt = typed;
			o->fmt_flags |= SA_FMT_SESSIONID;
			break;
		case OPT_DETAIL:
			if (form_opt == NULL)
				form_opt = typed;
			set_form(o, FORM_DETAIL, typed);
			break;
		case OPT_JSON:
			if (form_opt == NULL)
				form_opt = typed;
			set_form(o, FORM_JSON, typed);
			break;
		case OPT_CSV:
			if (form_opt == NULL)
				form_opt = typed;
			set_form(o, FORM_CSV, typed);
			break;
		case OPT_VERIFY_KEY:
			vk_opt = typed;
			o->verify_key = optarg;
			break;
		case OPT_FN:
			if (fn_opt == NULL)
				fn_opt = typed;
			if (*optarg == '\0')
				usage_error("%s: empty file name", typed);
			o->files[o->nfiles++] = optarg;
			break;
		case OPT_SINCE:
			if (rec_opt == NULL)
				rec_opt = typed;
			parse_time(typed, optarg, now, &o->since_us);
			break;
		case OPT_UNTIL:
			if (rec_opt == NULL)
				rec_opt = typed;
			parse_time(typed, optarg, now, &o->until_us);
			break;
		case OPT_STATUS:
			if (optarg[0] == '-') {
				/* Not letters: the daemon-status switch, and
				 * the word after it is parsed again. */
				set_mode(o, MODE_DSTATUS, typed);
				optind--;
				break;
			}
			/* Kept in order with the masks; SA_F_NONE = statuses.
			 */
			add_field(o, SA_F_NONE, optarg, typed);
			if (rec_opt == NULL)
				rec_opt = typed;
			break;
		case OPT_SOCKET:
			if (*optarg == '\0')
				usage_error("%s: empty socket path", typed);
			o->socket = optarg;
			socket_opt = typed;
			break;
		case OPT_USER:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_USER, optarg, typed);
			break;
		case OPT_CLASS:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_CLASS, optarg, typed);
			break;
		case OPT_RESOURCE:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_RESOURCE, optarg, typed);
			break;
		case OPT_PROGRAM:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_PROGRAM, optarg, typed);
			break;
		case OPT_TERMINAL:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_TERMINAL, optarg, typed);
			break;
		case OPT_HOST:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_HOST, optarg, typed);
			break;
		case OPT_SERVICE:
			if (rec_opt == NULL)
				rec_opt = typed;
			add_field(o, SA_F_SERVICE, optarg, typed);
			break;
		case OPT_FOLLOW:
			if (rec_opt == NULL)
				rec_opt = typed;
			o->follow = true;
			break;
		case 'n':
			if (rec_opt == NULL)
				rec_opt = typed;
			if (parse_num(optarg, 0, VIEW_MAX_LAST, &v, &errstr) <
			    0)
				usage_error("%s: count \"%s\" is %s (0 to %d)",
					    typed, optarg, errstr,
					    VIEW_MAX_LAST);
			o->last_set = true;
			o->last_n = (size_t)v;
			break;
		case ':':
			if (optopt == OPT_STATUS) { /* -status, last word */
				set_mode(o, MODE_DSTATUS, typed);
				break;
			}
			usage_error("%s: missing argument", typed);
		case '?':
		default:
			if (optopt != 0 && optopt != '?')
				usage_error("-%c: unknown switch or option",
					    optopt);
			usage_error("%s: unknown or ambiguous switch or option",
				    typed);
		}
	}

	if (help) {
		o->mode = MODE_HELP;
		return;
	}
	if (o->mode == MODE_NONE)
		usage_error("no switch given (one of -a, -l, -i, -r, -o,"
			    " -trace, -admin, -untrust, -daemon, -password,"
			    " -verify, -t, -Stat, -status, -h)");

	o->operands = argv + optind;
	o->noperands = (size_t)(argc - optind);
	size_t max = mode_max_operands(o->mode);
	if (o->noperands > max) {
		if (max == 0)
			usage_error("%s: unexpected argument \"%s\"",
				    o->mode_opt, o->operands[0]);
		usage_error("%s: unexpected argument \"%s\" (at most %zu"
			    " masks)",
			    o->mode_opt, o->operands[max], max);
	}
	if (socket_opt != NULL && o->mode != MODE_DSTATUS)
		usage_error("%s: only with -status (the daemon's status)",
			    socket_opt);
	bool records = o->mode >= MODE_ALL && o->mode <= MODE_PASSWORD;
	/* The output forms: of records, and (-json) of -verify's report. */
	if (form_opt != NULL && !records &&
	    !(o->mode == MODE_VERIFY && o->form == FORM_JSON))
		usage_error("%s: does not apply to %s (only to the record"
			    " switches%s)",
			    form_opt, o->mode_opt,
			    o->mode == MODE_VERIFY ? "; -verify takes -json"
						   : "");
	if (vk_opt != NULL && o->mode != MODE_VERIFY)
		usage_error("%s: only with -verify", vk_opt);
	if (rec_opt != NULL && !records)
		usage_error("%s: does not apply to %s (only to the record"
			    " switches)",
			    rec_opt, o->mode_opt);
	if (fn_opt != NULL && !records && o->mode != MODE_VERIFY)
		usage_error("%s: does not apply to %s", fn_opt, o->mode_opt);
	if (c_opt != NULL && o->mode != MODE_ALL && o->mode != MODE_INET &&
	    o->mode != MODE_OUTBOUND)
		usage_error("%s: applies to -a, -i and -o only (not to %s)",
			    c_opt, o->mode_opt);
	/* [since, until): since == until is an empty window, not an error. */
	if (o->since_us > o->until_us)
		usage_error("-until: the window ends before it starts");
	if (o->follow && o->mode == MODE_VERIFY)
		usage_error("-follow: not with %s", o->mode_opt);
}
