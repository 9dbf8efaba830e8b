/*
 * daemon-signals-reload-rotate-term - what seauditd does on its signals,
 * on a bad configuration and with no configuration at all.
 *
 *  - SIGUSR1 starts a new segment: one more segment file each time, and
 *    the new one starts right after the last record written.
 *  - SIGHUP reloads the file: disk_full_action = block shows in the status
 *    reply at once, and audit_max_files = 2 cuts the sealed segments to
 *    two at the next rotation.
 *  - SIGHUP with a bad file is refused as a whole: the daemon logs
 *    "SIGHUP: FILE:LINE: reason", keeps running and keeps the previous
 *    configuration (a valid change on an earlier line of the bad file is
 *    not applied either).
 *  - SIGTERM finishes the current batch: a producer that pipelined
 *    thousands of frames without waiting gets an acknowledgement, in
 *    order, for every frame whose records are in the log, and for no other
 *    (the daemon exits with unread frames behind); the log starts with a
 *    startup record and ends with a shutdown record (service seauditd);
 *    the exit status is 0.
 *  - `seauditd -n -f bad.ini` (and a start on it) exits non-zero with
 *    "FILE:LINE: reason" on stderr; `-n` on a good file says it is ok.
 *  - With no configuration at all the daemon runs on its embedded
 *    defaults: as an ordinary user (nobody, when the test is root) it
 *    writes its log under $XDG_STATE_HOME/seaudit/log and listens on
 *    $XDG_RUNTIME_DIR/seaudit/seauditd.sock; SEAUDIT_LOG and SEAUDIT_SOCKET
 *    override both; SIGHUP there is a logged no-op.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

/*
 * On a failure (die() exits), the daemons started and the temporary
 * directories go too (SA_KEEP=1 keeps the directories).
 */
static pid_t owner, nocfg_pid;
static struct hd *live[2];

static void
cleanup_at_exit(void)
{
	if (getpid() != owner)
		return;
	if (nocfg_pid > 0) {
		kill(nocfg_pid, SIGKILL);
		waitpid(nocfg_pid, NULL, 0);
	}
	const char *keep = getenv("SA_KEEP");
	for (int i = 0; i < 2; i++) {
		if (live[i] == NULL)
			continue;
		if (keep && *keep == '1') {
			if (live[i]->pid > 0)
				hd_kill(live[i]);
			fprintf(stderr, "kept %s\n", live[i]->dir);
		} else {
			hd_cleanup(live[i]);
		}
	}
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Whole file into a NUL-terminated malloc'ed string ("" if missing). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096;
	char *s = malloc(cap);
	CHECK(s != NULL);
	if (f) {
		size_t k;
		while ((k = fread(s + n, 1, cap - n - 1, f)) > 0) {
			n += k;
			if (cap - n < 2) {
				cap *= 2;
				s = realloc(s, cap);
				CHECK(s != NULL);
			}
		}
		fclose(f);
	}
	s[n] = '\0';
	return s;
}

/* Waits (5 s at most) until `path` contains `needle`. */
static bool
wait_text(const char *path, const char *needle)
{
	uint64_t until = hd_ms() + 5000;
	do {
		char *s = slurp(path);
		bool ok = strstr(s, needle) != NULL;
		free(s);
		if (ok)
			return true;
		sleep_ms(20);
	} while (hd_ms() < until);
	return false;
}

/* Replaces a file atomically, as an administrator's editor would. */
static void
write_file(const char *path, const char *text)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s.new", path);
	FILE *f = fopen(tmp, "w");
	CHECK(f != NULL);
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
	CHECK(rename(tmp, path) == 0);
}

/* Waits until the daemon (pid) accepts connections on sock. */
static void
wait_listening(pid_t pid, const char *sock, const char *errpath)
{
	uint64_t until = hd_ms() + 20000;
	for (;;) {
		struct sa_client *c;
		if (sa_client_connect(&c, sock, 200) == 0) {
			sa_client_close(c);
			return;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			char *e = slurp(errpath);
			die("seauditd exited during start-up (status %d): %s",
			    st, e);
		}
		if (hd_ms() > until)
			die("seauditd did not listen on %s", sock);
		sleep_ms(5);
	}
}

/* seauditd -d -f conf with stderr into errpath. */
static void
start_logged(struct hd *h, const char *errpath)
{
	const char *bin = getenv("SEAUDITD");
	CHECK(bin != NULL);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(bin, "seauditd", "-d", "-f", h->conf, (char *)NULL);
		_exit(127);
	}
	h->pid = pid;
	wait_listening(pid, h->sock, errpath);
}

/* The value of `key` in the daemon's status reply, into val. */
static void
status_get(const char *sock, const char *key, char *val, size_t cap)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, sock, 5000) == 0);
	struct sa_buf b = SA_BUF_INIT;
	int rc = sa_client_status(c, 10000, &b);
	if (rc < 0)
		die("status query: %s", sa_strerror(rc));
	sa_client_close(c);
	CHECK(sa_buf_append(&b, "\0", 1) == 0);
	char pat[64];
	snprintf(pat, sizeof pat, "%s=", key);
	const char *text = (const char *)b.data, *p = text;
	while (p && strncmp(p, pat, strlen(pat)) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p == NULL)
		die("status reply has no %s: %s", key, text);
	p += strlen(pat);
	size_t n = strcspn(p, "\n");
	CHECK(n < cap);
	memcpy(val, p, n);
	val[n] = '\0';
	sa_buf_free(&b);
}

static void
submit_one(const char *sock, const char *tag)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, sock, 5000) == 0);
	struct sa_record r;
	hd_record(&r, tag, SA_EV_ADMIN);
	struct sa_proto_err err;
	memset(&err, 0, sizeof err);
	int rc = sa_client_submit(c, &r, 1, 10000, NULL, &err);
	if (rc < 0)
		die("submit %s: %s (%s)", tag, sa_strerror(rc), err.message);
	sa_client_close(c);
}

/* Distinct segments (by first seq) in a log directory. */
static size_t
count_segments(const char *dir, uint64_t *newest)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	uint64_t seen[256];
	size_t n = 0;
	*newest = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (!(l == 20 && strcmp(e->d_name + 16, ".seg") == 0) &&
		    !(l == 24 && strcmp(e->d_name + 16, ".seg.zst") == 0))
			continue;
		uint64_t s = strtoull(e->d_name, NULL, 16);
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= seen[i] == s;
		if (!dup) {
			CHECK(n < 256);
			seen[n++] = s;
		}
		if (s > *newest)
			*newest = s;
	}
	closedir(d);
	return n;
}

/*
 * USR1, then waits until the new segment (starting right after the last
 * record) is there and `want` segments remain (retention runs just after
 * the new segment is created).
 */
static void
rotate_and_wait(struct hd *h, size_t want)
{
	char last[32];
	status_get(h->sock, "last_seq", last, sizeof last);
	uint64_t next = strtoull(last, NULL, 10) + 1, newest;
	CHECK(kill(h->pid, SIGUSR1) == 0);
	uint64_t until = hd_ms() + 5000;
	size_t n;
	while (
	    ((n = count_segments(h->log, &newest)) != want || newest != next) &&
	    hd_ms() < until)
		sleep_ms(10);
	if (n != want || newest != next)
		die("after SIGUSR1: %zu segments, the newest from seq %" PRIu64
		    "; expected %zu, the newest from %" PRIu64,
		    n, newest, want, next);
	char seg[512];
	uint64_t t2 = hd_ms() + 5000;
	do
		status_get(h->sock, "segment", seg, sizeof seg);
	while (strtoull(strrchr(seg, '/') + 1, NULL, 16) != newest &&
	       hd_ms() < t2);
	CHECK(strtoull(strrchr(seg, '/') + 1, NULL, 16) == newest);
}

/* ---- configuration file, its line numbers fixed ----------------------- */

static void
write_conf(const struct hd *h, unsigned max_files, const char *action,
	   const char *bad_line)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "[logmgr]\n"		   /* 1 */
		 "audit_log = %s\n"	   /* 2 */
		 "audit_max_files = %u\n"  /* 3 */
		 "[seauditd]\n"		   /* 4 */
		 "socket = %s\n"	   /* 5 */
		 "disk_full_action = %s\n" /* 6 */
		 "compress = no\n"	   /* 7 */
		 "%s%s",		   /* 8: the bad line */
		 h->log, max_files, h->sock, action, bad_line ? bad_line : "",
		 bad_line ? "\n" : "");
	write_file(h->conf, text);
}

/* ---- SIGTERM with pipelined frames ------------------------------------ */

#define TERM_FRAMES 20000
#define TERM_PER 5

struct term_result {
	uint32_t acked; /* frames 1..acked acknowledged */
	uint64_t first_seq[TERM_FRAMES + 1];
};

static void
term_with_pipeline(struct hd *h, struct term_result *tr)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h->sock, 5000) == 0);
	static struct sa_record recs[TERM_PER];
	static char tags[TERM_PER][32];
	for (uint32_t f = 1; f <= TERM_FRAMES; f++) {
		for (int j = 0; j < TERM_PER; j++) {
			snprintf(tags[j], sizeof tags[j], "t:%u:%d", f, j);
			hd_record(&recs[j], tags[j], SA_EV_RESOURCE);
		}
		uint32_t id;
		CHECK(sa_client_send(c, recs, TERM_PER, &id) == 0);
		CHECK(id == f);
	}
	int fd = sa_client_fd(c);
	bool termed = false, ended = false;
	tr->acked = 0;
	uint64_t until = hd_ms() + 60000;
	while (!ended) {
		if (hd_ms() > until)
			die("SIGTERM: the connection did not end within 60 s");
		int frc = sa_client_flush(c); /* -EPIPE once the daemon left */
		(void)frc;
		struct sa_client_reply rep;
		int rc;
		while ((rc = sa_client_poll(c, &rep)) == 1) {
			if (rep.type != SA_PROTO_ACK)
				die("frame %u: error %s (%s) instead of an ack",
				    rep.id, sa_errname(rep.err.code),
				    rep.err.message);
			if (rep.id != tr->acked + 1)
				die("ack for frame %u after frame %u", rep.id,
				    tr->acked);
			CHECK(rep.ack.count == TERM_PER &&
			      rep.ack.last_seq - rep.ack.first_seq + 1 ==
				  TERM_PER);
			tr->first_seq[++tr->acked] = rep.ack.first_seq;
		}
		if (!termed && tr->acked > 0) {
			/* The daemon is busy with the stream: stop it now. */
			CHECK(kill(h->pid, SIGTERM) == 0);
			termed = true;
		}
		if (rc < 0) {
			/* Nothing complete is buffered; has the stream ended?
			 */
			char b;
			ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
			if (k == 0 || (k < 0 && errno != EAGAIN))
				ended = true;
		}
		if (!ended) {
			struct pollfd p = {fd, POLLIN, 0};
			if (sa_client_pending(c) > 0 && frc == -EAGAIN)
				p.events |= POLLOUT;
			poll(&p, 1, 100);
		}
	}
	CHECK(termed);
	sa_client_close(c);
	int st;
	CHECK(waitpid(h->pid, &st, 0) == h->pid);
	h->pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("seauditd after SIGTERM: status %d", st);
}

/* ---- running seauditd -n / on a bad file ------------------------------ */

/* Runs seauditd with args; its exit status, stderr into err. */
static int
run_daemon(const char *const *args, const char *errpath, const char *outpath)
{
	const char *bin = getenv("SEAUDITD");
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (e < 0 || o < 0 || dup2(e, 2) < 0 || dup2(o, 1) < 0)
			_exit(126);
		char *argv[8];
		int i = 0;
		argv[i++] = (char *)(uintptr_t) "seauditd";
		for (; args[i - 1] && i < 7; i++)
			argv[i] = (char *)(uintptr_t)args[i - 1];
		argv[i] = NULL;
		execv(bin, argv);
		_exit(127);
	}
	int st;
	uint64_t until = hd_ms() + 20000;
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (hd_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			die("seauditd %s did not exit", args[0]);
		}
		sleep_ms(10);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
check_bad_config(const struct hd *h)
{
	char bad[400], good[400], err[400], out[400], sock[400], log[400];
	snprintf(bad, sizeof bad, "%s/bad.ini", h->dir);
	snprintf(good, sizeof good, "%s/good.ini", h->dir);
	snprintf(err, sizeof err, "%s/n.err", h->dir);
	snprintf(out, sizeof out, "%s/n.out", h->dir);
	snprintf(sock, sizeof sock, "%s/bad.sock", h->dir);
	snprintf(log, sizeof log, "%s/badlog", h->dir);
	char text[1024];
	snprintf(text, sizeof text,
		 "[logmgr]\naudit_log = %s\naudit_max_files = many\n"
		 "[seauditd]\nsocket = %s\n",
		 log, sock);
	write_file(bad, text);
	const char *n_bad[] = {"-n", "-f", bad, NULL};
	int st = run_daemon(n_bad, err, out);
	char want[512];
	snprintf(want, sizeof want, "%s:3: ", bad);
	char *e = slurp(err);
	if (st == 0 || strstr(e, want) == NULL ||
	    strstr(e, "audit_max_files") == NULL)
		die("seauditd -n -f bad.ini: status %d, stderr '%s' (expected "
		    "non-zero and '%s...audit_max_files')",
		    st, e, want);
	printf("seauditd -n -f bad.ini: status %d: %s", st, e);
	free(e);

	/* Starting on it fails the same way, before creating anything. */
	const char *d_bad[] = {"-d", "-f", bad, NULL};
	st = run_daemon(d_bad, err, out);
	e = slurp(err);
	if (st == 0 || strstr(e, want) == NULL)
		die("seauditd -d -f bad.ini: status %d, stderr '%s'", st, e);
	free(e);
	struct stat sb;
	CHECK(stat(sock, &sb) < 0 && stat(log, &sb) < 0);

	snprintf(text, sizeof text,
		 "[logmgr]\naudit_log = %s\naudit_max_files = 4\n"
		 "[seauditd]\nsocket = %s\n",
		 log, sock);
	write_file(good, text);
	const char *n_good[] = {"-n", "-f", good, NULL};
	st = run_daemon(n_good, err, out);
	char *o = slurp(out);
	if (st != 0 || strstr(o, "configuration ok") == NULL)
		die("seauditd -n -f good.ini: status %d, stdout '%s'", st, o);
	free(o);
}

/* ---- no configuration at all ------------------------------------------ */

/*
 * Runs seauditd -d with no -f as `uid` (65534 when root, else ourselves)
 * with HOME and the XDG directories inside `base`; when `envlog` is set,
 * SEAUDIT_LOG and SEAUDIT_SOCKET point elsewhere and must win.
 */
static void
no_config(const char *base, uid_t uid, bool envlog)
{
	char home[400], state[420], run[420], logdir[480], sock[480], err[420];
	snprintf(home, sizeof home, "%s/%s", base, envlog ? "home2" : "home");
	snprintf(state, sizeof state, "%s/state", home);
	snprintf(run, sizeof run, "%s/run", home);
	snprintf(err, sizeof err, "%s/daemon.err", home);
	CHECK(mkdir(home, 0700) == 0);
	CHECK(mkdir(run, 0700) == 0);
	if (envlog) {
		snprintf(logdir, sizeof logdir, "%s/envlog", home);
		snprintf(sock, sizeof sock, "%s/env.sock", home);
	} else {
		snprintf(logdir, sizeof logdir, "%s/seaudit/log", state);
		snprintf(sock, sizeof sock, "%s/seaudit/seauditd.sock", run);
	}
	if (geteuid() == 0) {
		CHECK(chown(home, uid, uid) == 0);
		CHECK(chown(run, uid, uid) == 0);
	}
	const char *bin = getenv("SEAUDITD");
	fflush(stdout);
	pid_t pid = nocfg_pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (geteuid() == 0 &&
		    (fchown(2, uid, uid) < 0 || setgroups(0, NULL) < 0 ||
		     setgid(uid) < 0 || setuid(uid) < 0))
			_exit(125);
		setenv("HOME", home, 1);
		setenv("XDG_STATE_HOME", state, 1);
		setenv("XDG_RUNTIME_DIR", run, 1);
		if (envlog) {
			setenv("SEAUDIT_LOG", logdir, 1);
			setenv("SEAUDIT_SOCKET", sock, 1);
		} else {
			unsetenv("SEAUDIT_LOG");
			unsetenv("SEAUDIT_SOCKET");
		}
		execl(bin, "seauditd", "-d", (char *)NULL);
		_exit(127);
	}
	wait_listening(pid, sock, err);
	submit_one(sock, envlog ? "default-env" : "default-xdg");
	/* No file to reload: SIGHUP says so and changes nothing. */
	CHECK(kill(pid, SIGHUP) == 0);
	if (!wait_text(err, "no configuration file to reload"))
		die("no-config SIGHUP: nothing logged: %s", slurp(err));
	submit_one(sock, "after-hup");
	CHECK(kill(pid, SIGTERM) == 0);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	nocfg_pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("no-config seauditd: status %d: %s", st, slurp(err));

	struct stat sb;
	CHECK(stat(logdir, &sb) == 0 && S_ISDIR(sb.st_mode));
	CHECK(sb.st_uid == uid && (sb.st_mode & 0777) == 0750);
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(logdir, &v, &damage);
	CHECK(damage == 0 && n == 4);
	CHECK(v[0].event == SA_EV_STARTUP && v[0].producer_uid == (int64_t)uid);
	CHECK(strcmp(v[1].session, envlog ? "default-env" : "default-xdg") ==
	      0);
	CHECK(strcmp(v[2].session, "after-hup") == 0);
	CHECK(v[3].event == SA_EV_SHUTDOWN);
	free(v);
	printf("no configuration%s: uid %u wrote %s, listened on %s\n",
	       envlog ? " (SEAUDIT_LOG, SEAUDIT_SOCKET)" : "", (unsigned)uid,
	       logdir, sock);
}

/* ---- main ------------------------------------------------------------- */

int
main(void)
{
	static struct hd h, t;
	owner = getpid();
	atexit(cleanup_at_exit);
	hd_init(&h, NULL);
	live[0] = &h;
	write_conf(&h, 0, "refuse", NULL);
	char errpath[400];
	snprintf(errpath, sizeof errpath, "%s/daemon.err", h.dir);
	start_logged(&h, errpath);
	char val[512];
	status_get(h.sock, "disk_full_action", val, sizeof val);
	CHECK(strcmp(val, "refuse") == 0);

	/* USR1: a new segment each time (records in between). */
	uint64_t newest;
	CHECK(count_segments(h.log, &newest) == 1);
	for (size_t i = 2; i <= 5; i++) {
		char tag[32];
		snprintf(tag, sizeof tag, "before-usr1-%zu", i);
		submit_one(h.sock, tag);
		rotate_and_wait(&h, i);
	}
	printf("SIGUSR1: 4 rotations, 5 segments, each new one starting "
	       "after the last record\n");

	/* HUP: the new file applies. */
	write_conf(&h, 2, "block", NULL);
	CHECK(kill(h.pid, SIGHUP) == 0);
	char want[512];
	snprintf(want, sizeof want, "configuration %s reloaded", h.conf);
	if (!wait_text(errpath, want))
		die("SIGHUP: no '%s' on stderr", want);
	status_get(h.sock, "disk_full_action", val, sizeof val);
	CHECK(strcmp(val, "block") == 0);
	submit_one(h.sock, "after-hup");
	/* audit_max_files = 2 at the next rotation: 2 sealed + active. */
	rotate_and_wait(&h, 3);
	printf("SIGHUP: disk_full_action refuse -> block in the status, "
	       "audit_max_files 0 -> 2 (3 segments left after the next "
	       "rotation)\n");

	/* HUP with a bad file: refused whole, old configuration kept. */
	write_conf(&h, 1, "rotate", "sync = sometimes");
	CHECK(kill(h.pid, SIGHUP) == 0);
	snprintf(want, sizeof want, "SIGHUP: %s:8: ", h.conf);
	if (!wait_text(errpath, want))
		die("bad SIGHUP: no '%s' on stderr:\n%s", want, slurp(errpath));
	CHECK(wait_text(errpath, "keeping the running configuration"));
	CHECK(kill(h.pid, 0) == 0);
	status_get(h.sock, "disk_full_action", val, sizeof val);
	CHECK(strcmp(val, "block") == 0); /* not rotate (line 6) */
	status_get(h.sock, "state", val, sizeof val);
	CHECK(strcmp(val, "ok") == 0);
	submit_one(h.sock, "after-bad-hup");
	rotate_and_wait(&h, 3); /* audit_max_files still 2, not 1 (line 3) */
	{
		char *e = slurp(errpath);
		const char *p = strstr(e, want);
		printf(
		    "bad SIGHUP refused, daemon running, configuration kept: "
		    "%.*s\n",
		    (int)strcspn(p, "\n"), p);
		free(e);
	}

	CHECK(hd_stop(&h) == 0);

	/* TERM in the middle of a pipelined stream, on a fresh log. */
	hd_init(&t, "sync = batch\n");
	live[1] = &t;
	char terr[400];
	snprintf(terr, sizeof terr, "%s/daemon.err", t.dir);
	start_logged(&t, terr);
	static struct term_result tr;
	term_with_pipeline(&t, &tr);
	CHECK(wait_text(terr, "finishing the current batch"));
	if (tr.acked >= TERM_FRAMES)
		die("SIGTERM came after the daemon had read all %d frames: the "
		    "stream was not cut",
		    TERM_FRAMES);
	/* The log: the acknowledged frames' records at their seqs and
	 * nothing else from the stream; startup first, shutdown last. */
	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(t.log, &v, &damage);
	CHECK(damage == 0 && n >= 2);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].seq == i + 1);
	size_t from_stream = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned f;
		int j;
		if (sscanf(v[i].session, "t:%u:%d", &f, &j) != 2)
			continue;
		from_stream++;
		if (f == 0 || f > tr.acked)
			die("%s is in the log but frame %u was never "
			    "acknowledged",
			    v[i].session, f);
		if (v[i].seq != tr.first_seq[f] + (uint64_t)j)
			die("%s at seq %" PRIu64 ", acknowledged at %" PRIu64,
			    v[i].session, v[i].seq,
			    tr.first_seq[f] + (uint64_t)j);
	}
	CHECK(from_stream == (size_t)tr.acked * TERM_PER);
	CHECK(n == from_stream + 2);
	CHECK(v[0].event == SA_EV_STARTUP && v[n - 1].event == SA_EV_SHUTDOWN);
	free(v);
	/* Both are the daemon's own (service seauditd). */
	const char *paths[] = {t.log};
	struct sa_reader *rd;
	CHECK(sa_reader_open(&rd, paths, 1, NULL, NULL) == 0);
	struct sa_record r;
	size_t svc = 0;
	while (sa_reader_next(rd, &r) == 1)
		if ((r.event == SA_EV_STARTUP || r.event == SA_EV_SHUTDOWN) &&
		    sa_record_has(&r, SA_F_SERVICE) &&
		    r.str[SA_F_SERVICE].len == 8 &&
		    memcmp(r.str[SA_F_SERVICE].ptr, "seauditd", 8) == 0)
			svc++;
	sa_reader_close(rd);
	CHECK(svc == 2);
	printf("SIGTERM: %u of %d pipelined frames had been read: all %u "
	       "acknowledged in order, their %zu records in the log and no "
	       "other; startup first, shutdown last, exit 0\n",
	       tr.acked, TERM_FRAMES, tr.acked, from_stream);
	live[1] = NULL;
	hd_cleanup(&t);

	check_bad_config(&h);

	/* Embedded defaults. */
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	if (geteuid() == 0)
		CHECK(chmod(h.dir, 0755) == 0); /* let nobody reach its home */
	no_config(h.dir, uid, false);
	no_config(h.dir, uid, true);
	if (geteuid() != 0)
		printf(
		    "not root: the embedded-default runs used our own uid\n");
	live[0] = NULL;
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
