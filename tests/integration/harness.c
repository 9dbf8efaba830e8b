/*
 * harness.c - see harness.h.  The daemon runs in the foreground (-d) as a
 * direct child, logging to the test's stderr, and is stopped by its pid.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

/* The daemon the last hd_start started, and the process that did. */
static pid_t live_daemon, live_owner;

void
die(const char *fmt, ...)
{
	va_list ap;
	/* A failing test leaves no daemon behind (it would hold the test's
	 * output open and keep its socket). */
	if (live_daemon > 0 && getpid() == live_owner)
		kill(live_daemon, SIGKILL);
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

uint64_t
hd_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
write_conf(struct hd *h, const char *extra)
{
	FILE *f = fopen(h->conf, "w");
	CHECK(f != NULL);
	fprintf(f, "[logmgr]\naudit_log = %s\n", h->log);
	fprintf(f, "[seauditd]\nsocket = %s\n", h->sock);
	/* "@DIR@" in extra stands for the test's directory. */
	for (const char *p = extra; p && *p;) {
		const char *at = strstr(p, "@DIR@");
		if (at == NULL) {
			fputs(p, f);
			break;
		}
		fprintf(f, "%.*s%s", (int)(at - p), p, h->dir);
		p = at + 5;
	}
	fclose(f);
}

void
hd_init_at(struct hd *h, const char *logdir, const char *extra)
{
	memset(h, 0, sizeof *h);
	const char *t = getenv("TMPDIR");
	snprintf(h->dir, sizeof h->dir, "%s/seauditd-it-XXXXXX",
		 t && *t ? t : "/tmp");
	CHECK(mkdtemp(h->dir) != NULL);
	snprintf(h->log, sizeof h->log, "%s", logdir ? logdir : "");
	if (!logdir)
		snprintf(h->log, sizeof h->log, "%s/log", h->dir);
	snprintf(h->sock, sizeof h->sock, "%s/sock", h->dir);
	snprintf(h->conf, sizeof h->conf, "%s/seauditd.ini", h->dir);
	write_conf(h, extra);
}

void
hd_init(struct hd *h, const char *extra)
{
	hd_init_at(h, NULL, extra);
}

void
hd_start(struct hd *h, const char *preload)
{
	const char *bin = getenv("SEAUDITD");
	CHECK(bin != NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execl(bin, "seauditd", "-d", "-f", h->conf, (char *)NULL);
		_exit(127);
	}
	h->pid = pid;
	live_daemon = pid;
	live_owner = getpid();
	/* Ready when the socket accepts a connection. */
	uint64_t until = hd_ms() + 15000;
	for (;;) {
		struct sa_client *c;
		if (sa_client_connect(&c, h->sock, 200) == 0) {
			sa_client_close(c);
			return;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			die("seauditd exited during start-up (status %d)", st);
		if (hd_ms() > until)
			die("seauditd did not listen on %s", h->sock);
		usleep(10000);
	}
}

int
hd_stop(struct hd *h)
{
	int st = -1;
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, &st, 0);
		h->pid = 0;
		live_daemon = 0;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
hd_kill(struct hd *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
		live_daemon = 0;
	}
}

void
hd_cleanup(struct hd *h)
{
	if (h->pid > 0)
		hd_kill(h);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", h->dir);
}

static void
count_damage(const struct sa_damage *d, void *arg)
{
	fprintf(stderr, "damage: %s offset %llu: %s\n", d->file,
		(unsigned long long)d->offset, sa_strerror(d->error));
	(*(uint64_t *)arg)++;
}

size_t
hd_read_log(const char *logdir, struct hd_rec **out, uint64_t *damage)
{
	const char *paths[] = {logdir};
	return hd_read_paths(paths, 1, out, damage);
}

int hd_read_rc;

size_t
hd_read_paths(const char *const *paths, size_t npaths, struct hd_rec **out,
	      uint64_t *damage)
{
	struct sa_reader *rd;
	*damage = 0;
	*out = NULL;
	hd_read_rc = sa_reader_open(&rd, paths, npaths, count_damage, damage);
	if (hd_read_rc < 0)
		return 0;
	size_t n = 0, cap = 0;
	struct hd_rec *v = NULL;
	struct sa_record r;
	while ((hd_read_rc = sa_reader_next(rd, &r)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = realloc(v, cap * sizeof *v);
			CHECK(v != NULL);
		}
		struct hd_rec *x = &v[n++];
		memset(x, 0, sizeof *x);
		x->seq = r.seq;
		x->event = r.event;
		x->status = r.status;
		x->pid = sa_record_has(&r, SA_F_PID) ? r.num[SA_F_PID] : -1;
		x->producer_uid = sa_record_has(&r, SA_F_PRODUCER_UID)
				      ? r.num[SA_F_PRODUCER_UID]
				      : -1;
		x->uid = sa_record_has(&r, SA_F_UID) ? r.num[SA_F_UID] : -1;
		x->lost = sa_record_has(&r, SA_F_LOST) ? r.num[SA_F_LOST] : -1;
		if (sa_record_has(&r, SA_F_ORIGIN)) {
			size_t l = r.str[SA_F_ORIGIN].len;
			if (l >= sizeof x->origin)
				l = sizeof x->origin - 1;
			memcpy(x->origin, r.str[SA_F_ORIGIN].ptr, l);
		}
		if (sa_record_has(&r, SA_F_SESSION)) {
			size_t l = r.str[SA_F_SESSION].len;
			if (l >= sizeof x->session)
				l = sizeof x->session - 1;
			memcpy(x->session, r.str[SA_F_SESSION].ptr, l);
		}
	}
	sa_reader_close(rd);
	*out = v;
	return n;
}

void
hd_record(struct sa_record *r, const char *tag, uint8_t event)
{
	sa_record_init(r);
	r->event = event;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	switch (event) {
	case SA_EV_LOGIN:
		r->status = 'P';
		sa_record_set_cstr(r, SA_F_USER, "alice");
		sa_record_set_cstr(r, SA_F_TERMINAL, "pts/1");
		break;
	case SA_EV_ADMIN:
		r->status = 'S';
		sa_record_set_cstr(r, SA_F_USER, "secadm");
		break;
	default:
		r->event = SA_EV_RESOURCE;
		r->status = 'P';
		sa_record_set_cstr(r, SA_F_CLASS, "FILE");
		sa_record_set_cstr(r, SA_F_USER, "alice");
		sa_record_set_cstr(r, SA_F_RESOURCE,
				   "/home/alice/projects/report-2026.txt");
		sa_record_set_cstr(r, SA_F_ACCESS, "Read");
		sa_record_set_cstr(r, SA_F_PROGRAM, "/usr/bin/vim");
		sa_record_set_int(r, SA_F_STAGE, 59);
		sa_record_set_int(r, SA_F_REASON, 3);
		break;
	}
	sa_record_set_cstr(r, SA_F_SESSION, tag);
}

uint64_t
hd_loss_for_pid(const char *detail, pid_t pid)
{
	uint64_t sum = 0;
	const char *p = strstr(detail, "producers:");
	while (p && (p = strstr(p, "pid ")) != NULL) {
		long pp, uu;
		unsigned long long n;
		if (sscanf(p, "pid %ld uid %ld: %llu", &pp, &uu, &n) == 3 &&
		    pp == (long)pid)
			sum += n;
		p += 4;
	}
	return sum;
}

int
hd_raw_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	CHECK(fd >= 0 && strlen(path) < sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0);
	return fd;
}

int
hd_read_reply(int fd, struct sa_proto_hdr *h, uint8_t *payload, size_t cap)
{
	uint8_t buf[SA_PROTO_HDR];
	size_t got = 0;
	while (got < SA_PROTO_HDR) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
		ssize_t n = recv(fd, buf + got, SA_PROTO_HDR - got, 0);
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		got += (size_t)n;
	}
	CHECK(sa_proto_get_hdr(buf, SA_PROTO_MAX_PAYLOAD, h) == 0);
	CHECK(h->len <= cap);
	got = 0;
	while (got < h->len) {
		ssize_t n = recv(fd, payload + got, h->len - got, 0);
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}
