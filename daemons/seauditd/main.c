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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "seauditd.h"

static void
usage(void)
{
	fprintf(stderr, "usage: seauditd [-dnv] [-f config] [-P pidfile]\n");
	exit(2);
}

static void
on_term(struct ev_loop *l, int signo, void *arg)
{
	struct daemon *d = arg;
	log_info("signal %d: finishing the current batch and exiting", signo);
	d->stopping = true;
	ev_stop(l);
}

static void
on_hup(struct ev_loop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	struct daemon *d = arg;
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
	if (strcmp(nc.audit_log, d->conf.audit_log) != 0 ||
	    strcmp(nc.audit_back, d->conf.audit_back) != 0 ||
	    strcmp(nc.socket, d->conf.socket) != 0 ||
	    strcmp(nc.origin, d->conf.origin) != 0 ||
	    nc.compress != d->conf.compress || nc.sync != d->conf.sync)
		log_warnx("SIGHUP: audit_log, audit_back, socket, origin, sync "
			  "and compress take effect at the next start");
	/* Everything else applies now. */
	d->conf.audit_max_files = nc.audit_max_files;
	d->conf.backup_date = nc.backup_date;
	d->conf.disk_full_action = nc.disk_full_action;
	d->conf.reserve_bytes = nc.reserve_bytes;
	d->conf.reserved_events = nc.reserved_events;
	d->conf.max_clients = nc.max_clients;
	d->conf.max_record_bytes = nc.max_record_bytes;
	d->conf.max_frame_bytes = nc.max_frame_bytes;
	d->conf.sync_interval_ms = nc.sync_interval_ms;
	d->conf.compress_level = nc.compress_level;
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

static void
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fatal("%s", path);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		fatal("%s", path);
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	bool foreground = false, check_only = false;
	int verbose = LOG_LVL_INFO;
	const char *pidfile = NULL;
	int ch;
	while ((ch = getopt(argc, argv, "df:nP:v")) != -1) {
		switch (ch) {
		case 'd':
			foreground = true;
			break;
		case 'f':
			d.conf_path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'P':
			pidfile = optarg;
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
	log_init("seauditd", foreground || check_only, verbose);
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
		printf("%s: configuration ok\n",
		       d.conf_path ? d.conf_path : "(embedded defaults)");
		return 0;
	}
	/* Before any thread exists: fork keeps only the calling thread. */
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);
	d.listen_fd = -1;
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
	if (maint_init(&d) < 0)
		fatalx("segment maintenance could not start");
	if (commit_daemon_record(&d, SA_EV_STARTUP) < 0)
		fatalx("cannot write to the log %s", d.conf.audit_log);
	if (server_listen(&d) < 0)
		fatalx("cannot listen on %s", d.conf.socket);
	ev_set_before_sleep(d.loop, commit_before_sleep, &d);
	if (pidfile)
		write_pidfile(pidfile);
	log_info("listening on %s, writing %s (sync %s)", d.conf.socket,
		 d.conf.audit_log, d.conf.sync_interval ? "interval"
				   : d.conf.sync == SA_SYNC_NONE ? "none" : "batch");
	int rc = ev_run(d.loop);
	if (rc < 0)
		log_warnx("event loop: %s", strerror(-rc));
	commit_finish(&d);
	server_close(&d);
	commit_daemon_record(&d, SA_EV_SHUTDOWN);
	maint_stop(&d);
	int crc = sa_writer_close(d.w);
	if (crc < 0)
		log_warnx("closing the log: %s", sa_strerror(crc));
	ev_free(d.loop);
	free(d.recs);
	free(d.pend);
	if (pidfile)
		unlink(pidfile);
	log_info("exiting");
	return rc < 0 || crc < 0 ? 1 : 0;
}
