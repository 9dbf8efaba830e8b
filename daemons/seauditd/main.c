/*
 * main.c - seauditd, the writer daemon: options, configuration, start-up
 * order and signals.  The modules do the work (see seauditd.h).
 *
 * Start-up order matters for the acknowledgement contract: the log is
 * opened (and a torn tail repaired) before the socket exists, so no
 * producer can be acknowledged by a daemon that cannot write; the startup
 * record is the first record of every run.
 */
#include <errno.h>
#include <linux/capability.h>
#include <inttypes.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "privsep.h"
#include "startup.h"
#include "diag.h"
#include "commit.h"
#include "maint.h"
#include "server.h"

static void
usage_text(FILE *fp)
{
	fprintf(fp, "usage: seauditd [-dnv] [-f config] [-P pidfile]\n"
		    "       seauditd -h | --help | -version | --version\n"
		    "  -d  stay in the foreground, messages on standard error\n"
		    "  -f  configuration file (default: embedded defaults)\n"
		    "  -n  check the configuration and exit\n"
		    "  -P  write the pid to this file\n"
		    "  -v  debug messages\n");
}

static void
usage(void)
{
	usage_text(stderr);
	exit(2);
}

/*
 * The marker of a running daemon in the log directory: found at start, it
 * says the last run ended without its shutdown record (killed, crashed,
 * power lost), which the start record then says.
 */
static void
unclean_check(struct daemon *d, char *note, size_t cap)
{
	char p[PATH_MAX + 32];
	note[0] = '\0';
	snprintf(p, sizeof p, "%s/seauditd.running", d->conf.audit_log);
	FILE *f = fopen(p, "r");
	if (f != NULL) {
		long pid = 0;
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
		snprintf(note, cap,
			 "the previous seauditd (pid %ld) stopped without a"
			 " shutdown record (killed, crashed or power lost)",
			 pid);
		log_warnx("%s", note);
	}
	f = fopen(p, "w");
	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0)
		log_warn("%s", p);
}

static void
unclean_clear(struct daemon *d)
{
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/seauditd.running", d->conf.audit_log);
	unlink(p);
}

/* What the service manager shows (systemctl status). */
static void
tell_ready(const struct daemon *d)
{
	char st[PATH_MAX + 160];
	snprintf(st, sizeof st, "listening on %s, writing %s", d->conf.socket,
		 d->conf.audit_log);
	int rc = notify_ready(st);
	if (rc < 0)
		log_warnx("NOTIFY_SOCKET: %s", strerror(-rc));
}

static void
on_term(struct ev_loop *l, int signo, void *arg)
{
	struct daemon *d = arg;
	log_info("signal %d: finishing the current batch and exiting", signo);
	(void)notify_stopping();
	d->stopping = true;
	ev_stop(l);
}

static void reload(struct daemon *d);

/* A reload is announced and, whether the new file was taken or refused,
 * followed by READY=1 again: the daemon serves either way. */
static void
on_hup(struct ev_loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	struct daemon *d = arg;
	(void)notify_reloading();
	reload(d);
	tell_ready(d);
}

static void
reload(struct daemon *d)
{
	if (d->conf_path == NULL) {
		log_info("SIGHUP: no configuration file to reload");
		return;
	}
	struct conf nc;
	conf_defaults(&nc);
	char err[512];
	if (conf_load(&nc, d->conf_path, err, sizeof err) < 0) {
		log_warnx("SIGHUP: %s; keeping the running configuration", err);
		return;
	}
	if (nc.origin[0] == '\0') /* the default: the host name, as resolved */
		memcpy(nc.origin, d->conf.origin, sizeof nc.origin);
	/* The keys a reload may change apply now; the others are named. */
	struct conf was = d->conf;
	char later[400];
	conf_reload(&d->conf, &nc, later, sizeof later);
	if (later[0] != '\0')
		log_warnx("SIGHUP: changed %s: applied at the next start",
			  later);
	/*
	 * Who may connect: the socket's group and mode change at once (for
	 * connections made from now on).  When the socket refuses them, it
	 * keeps the ones it had and so does the configuration.
	 */
	bool perms = was.socket_mode != d->conf.socket_mode ||
		     was.socket_gid != d->conf.socket_gid ||
		     strcmp(was.socket_group, d->conf.socket_group) != 0;
	if (perms && d->listening && server_socket_perms(d) < 0) {
		log_warnx("SIGHUP: keeping socket_mode %04o and socket_group "
			  "%s",
			  (unsigned)was.socket_mode,
			  was.socket_group[0] ? was.socket_group
					      : "(the daemon's)");
		d->conf.socket_mode = was.socket_mode;
		d->conf.socket_gid = was.socket_gid;
		memcpy(d->conf.socket_group, was.socket_group,
		       sizeof d->conf.socket_group);
		(void)server_socket_perms(d);
	}
	server_apply_limits(d);
	maint_reschedule(d);
	log_info("SIGHUP: configuration %s reloaded", d->conf_path);
}

static void
on_usr1(struct ev_loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	log_info("SIGUSR1: rotating");
	maint_rotate_now(arg);
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	static char conf_buf[PATH_MAX], pid_buf[PATH_MAX];
	struct startup start = STARTUP_INIT;
	bool foreground = false, check_only = false;
	int verbose = LOG_LVL_INFO;
	const char *pidfile = NULL;
	int ch;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "-help") ||
		    !strcmp(argv[i], "--help")) {
			usage_text(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-version") ||
		    !strcmp(argv[i], "--version")) {
			printf("seauditd %s\n", SEAUDIT_VERSION_STRING);
			return 0;
		}
	}
	while ((ch = getopt(argc, argv, "df:nP:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = true;
			break;
		case 'f':
			if ((d.conf_path = startup_absolute(
				 optarg, conf_buf, sizeof conf_buf)) == NULL)
				fatalx("%s: cannot make the path absolute",
				       optarg);
			break;
		case 'n':
			check_only = true;
			break;
		case 'P':
			if ((pidfile = startup_absolute(
				 optarg, pid_buf, sizeof pid_buf)) == NULL)
				fatalx("%s: cannot make the path absolute",
				       optarg);
			break;
		case 'v':
			verbose = LOG_LVL_DEBUG;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* Messages go to standard error until the daemon serves, also in
	 * the background: a failed start is seen where it was asked for. */
	log_init("seauditd", true, verbose);
	conf_defaults(&d.conf);
	char err[512];
	if (d.conf_path && conf_load(&d.conf, d.conf_path, err, sizeof err) < 0)
		fatalx("%s", err);
	/* The origin every record is stamped with: the host name unless
	 * configured, resolved once so that records and segments agree. */
	if (d.conf.origin[0] == '\0' &&
	    gethostname(d.conf.origin, sizeof d.conf.origin - 1) < 0)
		snprintf(d.conf.origin, sizeof d.conf.origin, "localhost");
	if (check_only) {
		/* A key the start would stop on is the check's to find. */
		uint8_t vk[SA_SEAL_KEY_LEN];
		int krc = d.conf.seal_key[0]
			      ? sa_seal_key_read_vk(d.conf.seal_key, vk)
			      : 0;
		if (krc < 0)
			fatalx(
			    "seal_key %s: %s (create it with seaudit-keygen)",
			    d.conf.seal_key,
			    krc == SA_EBADMAGIC
				? "not a seaudit sealing key, or damaged"
				: sa_strerror(krc));
		printf("%s: configuration ok\n",
		       d.conf_path ? d.conf_path : "(embedded defaults)");
		return 0;
	}
	/* Before any thread exists: fork keeps only the calling thread. */
	if (!foreground)
		startup_background(&start);
	signal(SIGPIPE, SIG_IGN);
	if ((d.loop = ev_create()) == NULL)
		fatal("event loop");
	/* Signals are blocked (signalfd) before any thread is created: a
	 * thread inherits the mask, and one that did not block SIGTERM
	 * would be killed by it instead of the loop seeing it. */
	ev_add_signal(d.loop, SIGTERM, on_term, &d);
	ev_add_signal(d.loop, SIGINT, on_term, &d);
	ev_add_signal(d.loop, SIGHUP, on_hup, &d);
	ev_add_signal(d.loop, SIGUSR1, on_usr1, &d);
	d.started_us = (int64_t)time(NULL) * 1000000;
	if (commit_init(&d) < 0)
		fatalx("cannot open the log %s", d.conf.audit_log);
	/* The start record only once the daemon can serve: a failed start
	 * leaves no START without a SHUTDOWN after it. */
	if (server_listen(&d) < 0)
		fatalx("cannot listen on %s", d.conf.socket);
	/*
	 * Everything that needed root is open; from here the daemon keeps
	 * CAP_CHOWN alone (segments and the socket are given to audit_group
	 * and socket_group; SIGHUP may change the latter).  It stays uid 0,
	 * owner of its files.  Before the start record, so that a failed drop
	 * leaves no START without a SHUTDOWN, and before READY.
	 */
	static const int keep[] = {CAP_CHOWN};
	int prc = privsep_drop(keep, sizeof keep / sizeof *keep);
	if (prc < 0)
		fatalx("cannot drop privileges: %s", strerror(-prc));
	log_debug("capabilities kept: %s", privsep_describe());
	/* Threads only now (the segment set's, the chain's): capabilities
	 * are per thread, and one made before the drop would keep all. */
	if (maint_init(&d) < 0)
		fatalx("segment maintenance could not start");
	/* Before the start record: a pid file that cannot be written stops
	 * the start without leaving a START with no SHUTDOWN after it. */
	int pfrc = pidfile ? startup_pidfile(pidfile) : 0;
	if (pfrc < 0)
		fatalx("%s: %s", pidfile, strerror(-pfrc));
	char note[200];
	unclean_check(&d, note, sizeof note);
	d.start_note = note;
	if (commit_daemon_record(&d, SA_EV_STARTUP) < 0)
		fatalx("cannot write to the log %s", d.conf.audit_log);
	ev_set_before_sleep(d.loop, commit_before_sleep, &d);
	log_info("listening on %s, writing %s (sync %s)", d.conf.socket,
		 d.conf.audit_log,
		 d.conf.sync_interval	       ? "interval"
		 : d.conf.sync == SA_SYNC_NONE ? "none"
					       : "batch");
	startup_ready(&start);
	tell_ready(&d);
	int rc = ev_run(d.loop);
	if (rc < 0)
		log_warnx("event loop: %s", strerror(-rc));
	uint64_t unstored = commit_finish(&d);
	if (unstored > 0)
		log_warnx("%" PRIu64
			  " records pending at the stop could not be "
			  "stored; their producers were told (-ESHUTDOWN)",
			  unstored);
	server_close(&d);
	int src = commit_daemon_record(&d, SA_EV_SHUTDOWN);
	if (src < 0)
		log_warnx("the shutdown record could not be written (%s): the "
			  "next start will report a stop without one",
			  sa_strerror(src));
	maint_stop(&d);
	int crc = sa_writer_close(d.w);
	if (crc < 0)
		log_warnx("closing the log: %s", sa_strerror(crc));
	else if (src == 0)
		unclean_clear(&d);
	ev_free(d.loop);
	free(d.recs);
	free(d.pend);
	if (pidfile)
		unlink(pidfile);
	log_info("exiting");
	return rc < 0 || crc < 0 || src < 0 || unstored > 0 ? 1 : 0;
}
