/*
 * view.h - private interfaces of the seaudit viewer, one group per file.
 *
 * The viewer is a pipeline: opts.c turns argv into a struct view_opts (and
 * exits 2 on a usage error), select.c turns the options into a struct
 * sa_filter, scan.c reads the log and feeds matching records to output.c,
 * which formats them into large buffers (or into the -n ring, ring.c).
 * tables.c serves -t and -Stat, logpath.c finds the configured log,
 * status.c asks the writer daemon for its status (-status).
 *
 * Tool conventions (OpenBSD style): diagnostics go to stderr prefixed with
 * the program name through err(3)/warnx(3); exit status 0 (records shown
 * or none matched), 1 (runtime error), 2 (usage error).
 */
#ifndef SEAUDIT_VIEW_H
#define SEAUDIT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seaudit/filter.h>
#include <seaudit/format.h>
#include <seaudit/record.h>

#define EXIT_USAGE 2

/* The one mode switch of a command line. */
enum view_mode {
	MODE_NONE = 0,
	MODE_ALL,      /* -a, -all */
	MODE_LOGIN,    /* -l, -login users terminal */
	MODE_INET,     /* -i, -inet host service */
	MODE_RES,      /* -r, -res class resource users */
	MODE_TRACE,    /* -trace users */
	MODE_ADMIN,    /* -admin class object users */
	MODE_UNTRUST,  /* -untrust class file */
	MODE_OUTBOUND, /* -o, -outbound host service users */
	MODE_DAEMON,   /* -daemon service */
	MODE_PASSWORD, /* -password users */
	MODE_VERIFY,   /* -verify */
	MODE_TABLES,   /* -t */
	MODE_STAT,     /* -Stat code */
	MODE_DSTATUS,  /* -status without letters: the daemon's status */
	MODE_HELP,     /* -h, -help */
	MODE_VERSION   /* -version */
};

enum view_form { FORM_LINE = 0, FORM_DETAIL, FORM_JSON, FORM_CSV };

/* A filter option (-user, -class, ..., -status) as given. */
struct field_opt {
	enum sa_field field; /* SA_F_NONE: -status letters */
	const char *masks;
	const char *opt; /* option name for messages, e.g. "-user" */
};

#define VIEW_MAX_FIELD_OPTS 32
#define VIEW_MAX_LAST 10000000 /* bound of -n: the ring holds N lines */

struct view_opts {
	enum view_mode mode;
	const char *mode_opt; /* the mode switch as typed, for messages */
	char **operands;      /* mode arguments (masks), in order */
	size_t noperands;
	bool connected;	    /* -c */
	unsigned fmt_flags; /* SA_FMT_* */
	enum view_form form;
	const char **files; /* -fn, in order; NULL when none */
	size_t nfiles;
	int64_t since_us; /* INT64_MIN when not given */
	int64_t until_us; /* INT64_MAX when not given */
	struct field_opt fields[VIEW_MAX_FIELD_OPTS];
	size_t nfields;
	bool follow;		/* -follow */
	bool last_set;		/* -n given */
	size_t last_n;		/* -n N */
	int64_t stat_code;	/* -Stat */
	const char *socket;	/* -socket PATH (with -status), or NULL */
	const char *verify_key; /* -verify-key KEY (with -verify), or NULL */
};

/* opts.c: parses argv or exits 2 with a message naming the argument. */
void opts_parse(int argc, char **argv, struct view_opts *o);
/* Prints the usage text to `fp`. */
void usage_print(FILE *fp);
/* Reports a usage error ("seaudit: <msg>"), a usage hint, and exits 2. */
void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* timearg.c: parses a -since/-until argument; 0 or -1 (bad form). */
int time_arg_parse(const char *s, int64_t now_us, int64_t *out_us);

/* select.c: the filter of a record mode; exits 2 on a bad mask. */
struct sa_filter *select_build(const struct view_opts *o);

/*
 * logpath.c: the configured log directory (see seaudit(1), FILES) into
 * buf; exits 1 with a clear message when there is none or when it cannot
 * be read (audit group membership).
 */
const char *logpath_default(char *buf, size_t cap);
/* Checks that `path` can be opened; exits 1 with a clear message if not. */
void logpath_check(const char *path);
/* The hint printed after a permission error on `path`. */
void logpath_group_hint(const char *path);

/* ring.c: the last N formatted records, bounded memory. */
struct ring;
struct ring *ring_new(size_t n);
/* The slot for the next record (emptied); NULL when n == 0 or no memory. */
struct sa_buf *ring_next(struct ring *rg);
/* Records held, and the k-th oldest (k < ring_count). */
size_t ring_count(const struct ring *rg);
const struct sa_buf *ring_at(const struct ring *rg, size_t k);
void ring_free(struct ring *rg);

/* output.c: formatting and buffered writing of records to stdout. */
struct output;
struct output *output_new(enum view_form form, unsigned fmt_flags,
			  bool last_set, size_t last_n);
/* Formats one record (into the ring when -n is active). */
void output_record(struct output *out, const struct sa_record *r);
/* Writes what is buffered when it passed the threshold. */
void output_maybe_flush(struct output *out);
/* Writes everything buffered now. */
void output_flush(struct output *out);
/* Ends the -n phase: the ring goes out, later records go out directly. */
void output_release_ring(struct output *out);
/* True when some record could not be rendered (exit status 1). */
bool output_failed(const struct output *out);
/* Releases the ring, flushes and frees. */
void output_finish(struct output *out);

/* scan.c: reads the log through the filter; returns the exit status. */
int scan_run(const struct view_opts *o, const struct sa_filter *f);

/* tables.c: -t and -Stat; return the exit status. */
int tables_print(void);
int stat_explain(int64_t code);

/* status.c: -status; prints the daemon's status lines; exit status. */
int daemon_status(const struct view_opts *o);

#endif
