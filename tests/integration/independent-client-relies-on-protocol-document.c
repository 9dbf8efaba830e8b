/*
 * independent-client-relies-on-protocol-document: a producer written from
 * docs/PROTOCOL.md and docs/FORMAT.md alone, with nothing but libc (it
 * links no part of libseaudit and includes none of its headers; the build
 * gives it no include path into the tree), talks to the real seauditd and
 * checks every promise those two documents make to such a client:
 *
 *  - §12: the worked example's 45 bytes are acknowledged with the reply
 *    shown there, and the record is stored as described;
 *  - §2.4/§12: a missing field gives the non-fatal 'E' of the example, and
 *    the connection goes on;
 *  - §3: request id 0 is answered like any other id; every frame gets
 *    exactly one reply, with its id;
 *  - §4: pipelined frames are answered in frame order, refusals and the
 *    status reply included;
 *  - §7.2: letters not allowed for the event (SA_EBADSTATUS) and bytes
 *    that are no status letter (SA_ENOTSTATUS); booleans as varints 0/1
 *    read back as false/true; unknown field numbers accepted and not
 *    stored;
 *  - §7.1: the first failing record decides (index and code), a framing
 *    error behind an invalid record is not reported, a forbidden record
 *    (loss, §8) wins over a later invalid one;
 *  - §2.1/§9: the limits learnt from the status reply hold exactly: a body
 *    of max_record_bytes is taken, one byte more is SA_ETOOLONG, field 0,
 *    with a message naming the limit;
 *  - §9: every key of the table is in the status reply;
 *  - §2.3/§5: below the reserve a frame mixing reserved and noisy records
 *    gets a partial 'A' whose counts and bit map say exactly which were
 *    stored; a frame of noisy records only is refused whole (SA_ESHED);
 *  - §4/§7: acknowledgements of earlier frames come before a fatal error,
 *    which is the last reply (id 0 for a malformed header, the frame's id
 *    for a type a producer may not send), and the daemon then closes.
 *
 * The records it writes are read back with the seaudit program ($SEAUDIT
 * -a -json), the daemon is $SEAUDITD, started by the test on a socket in a
 * temporary directory and stopped by its pid.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static char dir[] = "/tmp/sa-indep-XXXXXX";
static char sock_path[108], log_path[256], conf_path[256], err_path[256];
static pid_t daemon_pid = -1;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			failures++;                                            \
		}                                                              \
	} while (0)

__attribute__((noreturn, format(printf, 1, 2))) static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("FATAL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, NULL, 0);
	}
	char cmd[700];
	snprintf(cmd, sizeof cmd, "cat '%s' >&2; rm -rf '%s'", err_path, dir);
	if (dir[sizeof dir - 2] != 'X' && system(cmd) != 0)
		fputs("could not clean up\n", stderr);
	exit(1);
}

/* --- byte buffers, varints (FORMAT.md: LEB128, zigzag) --- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			die("out of memory");
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}
static void
put8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}
static void
put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {v, v >> 8, v >> 16, v >> 24};
	put(b, x, 4);
}
static void
putvar(struct buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		put8(b, c | (v ? 0x80 : 0));
	} while (v);
}
static uint64_t
zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static uint32_t
get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static uint64_t
get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- record bodies (FORMAT.md §4), base seq and time 0 (PROTOCOL §2.1) */

enum { EV_LOGIN = 1, EV_RESOURCE = 6, EV_LOSS = 15 };
enum {
	F_CLASS = 1,
	F_USER = 2,
	F_RESOURCE = 5,
	F_TERMINAL = 7,
	F_SERVICE = 9,
	F_OS_USER = 25,
	F_LOST = 27
};
static const int64_t T0 = 1714557600000000; /* 2024-05-01T10:00:00Z */

static void
rec_begin(struct buf *b, uint8_t event, uint8_t status, int64_t time_us)
{
	b->n = 0;
	put8(b, event);
	put8(b, status);
	putvar(b, 0);
	putvar(b, zz(time_us));
}
static void
f_str(struct buf *b, unsigned num, const char *s, size_t len)
{
	putvar(b, (uint64_t)num << 3 | 2);
	putvar(b, len);
	put(b, s, len);
}
static void
f_cstr(struct buf *b, unsigned num, const char *s)
{
	f_str(b, num, s, strlen(s));
}
static void
f_int(struct buf *b, unsigned num, int64_t v)
{
	putvar(b, (uint64_t)num << 3 | 0);
	putvar(b, zz(v));
}

/* A login of `user` (the session tag goes in terminal, to find it). */
static void
login(struct buf *b, const char *user, const char *tag)
{
	rec_begin(b, EV_LOGIN, 'P', T0);
	if (user)
		f_cstr(b, F_USER, user);
	f_cstr(b, F_TERMINAL, tag);
}
/* A resource access (noisy class). */
static void
resource(struct buf *b, const char *tag)
{
	rec_begin(b, EV_RESOURCE, 'P', T0);
	f_cstr(b, F_CLASS, "FILE");
	f_cstr(b, F_USER, "root");
	f_cstr(b, F_RESOURCE, tag);
}

/* --- frames (PROTOCOL §2) --- */

static void
frame_hdr(struct buf *f, uint8_t type, uint32_t id, uint32_t len)
{
	put(f, "SAP1", 4);
	put8(f, type);
	put8(f, 0);
	put8(f, 0);
	put8(f, 0);
	put32(f, id);
	put32(f, len);
}
/* An 'R' frame of n bodies appended to f. */
static void
frame_r(struct buf *f, uint32_t id, struct buf *bodies, size_t n)
{
	struct buf pl = {0};
	put32(&pl, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		putvar(&pl, bodies[i].n);
		put(&pl, bodies[i].p, bodies[i].n);
	}
	frame_hdr(f, 'R', id, (uint32_t)pl.n);
	put(f, pl.p, pl.n);
	free(pl.p);
}
static void
frame_q(struct buf *f, uint32_t id)
{
	frame_hdr(f, 'Q', id, 0);
}

/* --- the connection --- */

static int
dial(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct timeval tv = {.tv_sec = 20};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}
static void
send_all(int fd, const struct buf *f)
{
	size_t off = 0;
	while (off < f->n) {
		ssize_t w = send(fd, f->p + off, f->n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("send: %s", strerror(errno));
		off += (size_t)w;
	}
}
/* Exactly n bytes; 0, or -1 at the end of the connection before any. */
static int
recv_all(int fd, uint8_t *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = recv(fd, p + off, n - off, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && off == 0)
			return -1;
		if (r <= 0)
			die("recv: %s", r == 0 ? "connection ended inside a "
						 "frame"
					       : strerror(errno));
		off += (size_t)r;
	}
	return 0;
}

struct reply {
	uint8_t type, flags;
	uint32_t id, len;
	uint8_t *pl;
	/* 'A' */
	uint64_t first, last;
	uint32_t count, refused, records;
	int32_t refused_code;
	const uint8_t *map;
	/* 'E' */
	int32_t code;
	uint32_t index;
	uint8_t field;
	char msg[300];
};

/* The next reply; false at the end of the connection. */
static bool
get_reply(int fd, struct reply *r)
{
	uint8_t h[16];
	free(r->pl);
	memset(r, 0, sizeof *r);
	if (recv_all(fd, h, 16) < 0)
		return false;
	if (memcmp(h, "SAP1", 4) != 0 || h[6] || h[7])
		die("reply header malformed");
	r->type = h[4];
	r->flags = h[5];
	r->id = get32(h + 8);
	r->len = get32(h + 12);
	if (r->len > 4194304)
		die("reply payload %u above the ceiling", r->len);
	r->pl = malloc(r->len + 1);
	if (r->len && recv_all(fd, r->pl, r->len) < 0)
		die("reply payload missing");
	r->pl[r->len] = '\0';
	if (r->type == 'A') {
		if (r->len < 20)
			die("'A' payload %u", r->len);
		r->first = get64(r->pl);
		r->last = get64(r->pl + 8);
		r->count = get32(r->pl + 16);
		if (r->len > 20) {
			if (r->len < 32)
				die("partial 'A' payload %u", r->len);
			r->refused = get32(r->pl + 20);
			r->refused_code = (int32_t)get32(r->pl + 24);
			r->records = get32(r->pl + 28);
			r->map = r->pl + 32;
			CHECK(r->len == 32 + (r->records + 7) / 8,
			      "partial 'A' length %u for %u records", r->len,
			      r->records);
		}
	} else if (r->type == 'E') {
		if (r->len < 11)
			die("'E' payload %u", r->len);
		r->code = (int32_t)get32(r->pl);
		r->index = get32(r->pl + 4);
		r->field = r->pl[8];
		unsigned mlen = r->pl[9] | r->pl[10] << 8;
		CHECK(r->len == 11 + mlen, "'E' length %u, mlen %u", r->len,
		      mlen);
		snprintf(r->msg, sizeof r->msg, "%.*s",
			 (int)(mlen < 255 ? mlen : 255),
			 (const char *)r->pl + 11);
	}
	return true;
}

static void
expect_ack(int fd, struct reply *r, uint32_t id, uint32_t count,
	   const char *what)
{
	if (!get_reply(fd, r))
		die("%s: connection ended, want 'A' id %u", what, id);
	CHECK(r->type == 'A' && r->id == id && r->count == count &&
		  r->len == 20 && r->last - r->first + 1 == count,
	      "%s: got '%c' id %u count %u len %u (code %d %s), want a whole "
	      "'A' id %u count %u",
	      what, r->type, r->id, r->count, r->len, r->code, r->msg, id,
	      count);
}
static void
expect_error(int fd, struct reply *r, uint32_t id, int32_t code, uint32_t index,
	     int field, bool fatal, const char *what)
{
	if (!get_reply(fd, r))
		die("%s: connection ended, want 'E' id %u", what, id);
	CHECK(r->type == 'E' && r->id == id && r->code == code &&
		  r->index == index &&
		  (field < 0 || r->field == (uint8_t)field) &&
		  ((r->flags & 1) != 0) == fatal,
	      "%s: got '%c' id %u code %d index %u field %u flags %u (%s), "
	      "want 'E' id %u code %d index %u field %d%s",
	      what, r->type, r->id, r->code, r->index, r->field, r->flags,
	      r->msg, id, code, index, field, fatal ? " fatal" : "");
}
static void
expect_end(int fd, const char *what)
{
	struct reply r = {0};
	CHECK(!get_reply(fd, &r),
	      "%s: a reply after the fatal error ('%c' id %u)", what, r.type,
	      r.id);
	free(r.pl);
}

/* The value of `key` in an 'S' payload, or NULL. */
static const char *
status_value(const struct reply *r, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *l = (const char *)r->pl; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		if (ll > kl && l[kl] == '=' && memcmp(l, key, kl) == 0) {
			snprintf(out, cap, "%.*s", (int)(ll - kl - 1),
				 l + kl + 1);
			return out;
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* --- the daemon and the log --- */

static void
write_conf(const char *extra)
{
	FILE *f = fopen(conf_path, "w");
	if (!f)
		die("%s: %s", conf_path, strerror(errno));
	fprintf(f,
		"[logmgr]\naudit_log = %s\n[seauditd]\nsocket = %s\n"
		"max_record_bytes = 4096\n%s",
		log_path, sock_path, extra);
	fclose(f);
}
static void
start_daemon(void)
{
	const char *bin = getenv("SEAUDITD");
	daemon_pid = fork();
	if (daemon_pid < 0)
		die("fork: %s", strerror(errno));
	if (daemon_pid == 0) {
		/* Dies with the test, whatever kills it; holds no pipe of
		 * ctest's open after it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int e = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (e >= 0) {
			dup2(e, 1);
			dup2(e, 2);
		}
		execl(bin, bin, "-d", "-f", conf_path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		int fd = dial();
		if (fd >= 0) {
			close(fd);
			return;
		}
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid)
			break;
		usleep(25000);
	}
	die("seauditd did not start (see %s)", err_path);
}
static void
stop_daemon(void)
{
	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = -1;
}

/* The JSON line seaudit prints for the record with a value ending in
 * `tag`, or "". */
static void
stored(const char *tag, char *out, size_t cap)
{
	char cmd[1024], line[16384], needle[300];
	snprintf(cmd, sizeof cmd, "'%s' -a -json -fn '%s' 2>/dev/null",
		 getenv("SEAUDIT"), log_path);
	snprintf(needle, sizeof needle, "%s\"", tag); /* a value's end */
	out[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		die("popen: %s", strerror(errno));
	while (fgets(line, sizeof line, p))
		if (strstr(line, needle)) {
			snprintf(out, cap, "%s", line);
			break;
		}
	while (fgets(line, sizeof line, p))
		;
	pclose(p);
}
static bool
is_stored(const char *tag)
{
	char line[16384];
	stored(tag, line, sizeof line);
	return line[0] != '\0';
}

/* --- the scenarios --- */

static void
worked_example(void)
{
	static uint8_t ex[45] = {0x53, 0x41, 0x50, 0x31, 0x52, 0x00, 0x00, 0x00,
				 0x07, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
				 0x01, 0x00, 0x00, 0x00, 0x18, 0x01, 0x50, 0x00,
				 0x80, 0xa0, 0x8f, 0xcb, 0xb1, 0xd8, 0x8b, 0x06,
				 0x12, 0x05, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x3a,
				 0x04, 0x74, 0x74, 0x79, 0x31};
	/* The example's bytes are what this client's encoder makes. */
	struct buf body = {0}, f = {0};
	login(&body, "alice", "tty1");
	frame_r(&f, 7, &body, 1);
	CHECK(f.n == 45 && memcmp(f.p, ex, 45) == 0,
	      "§12: this client's encoding differs from the worked example");

	int fd = dial();
	struct reply r = {0};
	send_all(fd, &(struct buf){.p = ex, .n = 45});
	expect_ack(fd, &r, 7, 1, "§12 worked example");
	CHECK(r.first == r.last, "§12: first_seq %llu last_seq %llu",
	      (unsigned long long)r.first, (unsigned long long)r.last);

	/* Without its user: the example's error, and the connection goes on. */
	login(&body, NULL, "tty1");
	f.n = 0;
	frame_r(&f, 7, &body, 1);
	send_all(fd, &f);
	expect_error(fd, &r, 7, -1004, 0, F_USER, false, "§12 missing user");
	CHECK(strcmp(r.msg, "record 0 field user: required field missing") == 0,
	      "§12: message '%s'", r.msg);
	CHECK(r.len == 54, "§12: 'E' payload %u, the example says 54", r.len);
	login(&body, "alice", "after-error");
	f.n = 0;
	frame_r(&f, 8, &body, 1);
	send_all(fd, &f);
	expect_ack(fd, &r, 8, 1, "after a non-fatal error");
	close(fd);

	char line[16384];
	stored("tty1", line, sizeof line);
	CHECK(strstr(line, "\"user\":\"alice\"") &&
		  strstr(line, "\"time\":\"2024-05-01T10:00:00"),
	      "§12: stored as '%s'", line);
	free(body.p);
	free(f.p);
	free(r.pl);
}

static void
ids_order_values(void)
{
	struct buf b[3] = {{0}}, f = {0};
	struct reply r = {0};
	int fd = dial();

	/* Pipelined, before reading anything: id 0, a bad letter, a byte
	 * that is no letter, a status query, booleans, unknown fields. */
	login(&b[0], "root", "id-zero");
	frame_r(&f, 0, b, 1);
	rec_begin(&b[0], EV_LOGIN, 'M', T0); /* M: not a login's letter */
	f_cstr(&b[0], F_USER, "root");
	f_cstr(&b[0], F_TERMINAL, "bad-letter");
	frame_r(&f, 11, b, 1);
	rec_begin(&b[0], EV_LOGIN, 'p', T0); /* lower case: no letter */
	f_cstr(&b[0], F_USER, "root");
	f_cstr(&b[0], F_TERMINAL, "no-letter");
	frame_r(&f, 12, b, 1);
	frame_q(&f, 13);
	login(&b[0], "root", "bool-true");
	f_int(&b[0], F_OS_USER, 1);
	login(&b[1], "root", "bool-false");
	f_int(&b[1], F_OS_USER, 0);
	login(&b[2], "root", "unknown-fields");
	f_cstr(&b[2], 60, "not a field of FORMAT.md");
	f_int(&b[2], 61, 12345);
	frame_r(&f, 14, b, 3);
	send_all(fd, &f);

	expect_ack(fd, &r, 0, 1, "§3 request id 0");
	expect_error(fd, &r, 11, -1002, 0, -1, false,
		     "§7.2 letter not allowed");
	expect_error(fd, &r, 12, -1024, 0, -1, false, "§7.2 no status letter");
	if (!get_reply(fd, &r))
		die("no reply to the status query");
	CHECK(r.type == 'S' && r.id == 13, "§4: got '%c' id %u, want 'S' id 13",
	      r.type, r.id);
	/* §9: every key of the table. */
	static const char *keys[] = {"state",
				     "records_written",
				     "bytes_written",
				     "records_refused",
				     "records_shed",
				     "records_invalid",
				     "loss_records",
				     "lost_pending",
				     "clients",
				     "commits",
				     "sync_p50_us",
				     "sync_p99_us",
				     "sync_max_us",
				     "write_errors",
				     "sync",
				     "disk_full_action",
				     "last_seq",
				     "segment",
				     "free_bytes",
				     "reserve_bytes",
				     "pid",
				     "uptime_s",
				     "version",
				     "config",
				     "reserved_events",
				     "max_frame_bytes",
				     "max_record_bytes",
				     "max_batch",
				     "max_clients",
				     "max_clients_per_uid",
				     "reserved_clients",
				     "idle_timeout_s",
				     "clients_refused",
				     "clients_timed_out",
				     "log_reopened"};
	char v[256];
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		CHECK(status_value(&r, keys[i], v, sizeof v) != NULL,
		      "§9: status has no '%s'", keys[i]);
	CHECK(status_value(&r, "pid", v, sizeof v) &&
		  atol(v) == (long)daemon_pid,
	      "§9: pid=%s, the daemon is %ld", v, (long)daemon_pid);
	expect_ack(fd, &r, 14, 3, "§7.2 booleans and unknown fields");
	close(fd);

	char line[16384];
	stored("bool-true", line, sizeof line);
	CHECK(strstr(line, "\"os_user\":true"), "§7.2 boolean 1: %s", line);
	stored("bool-false", line, sizeof line);
	CHECK(strstr(line, "\"os_user\":false"), "§7.2 boolean 0: %s", line);
	stored("unknown-fields", line, sizeof line);
	CHECK(line[0] && !strstr(line, "not a field") && !strstr(line, "12345"),
	      "§7.2 unknown fields: '%s'", line);
	CHECK(is_stored("id-zero"), "§3: the frame with id 0 not stored");
	CHECK(!is_stored("bad-letter") && !is_stored("no-letter"),
	      "§5: a refused record was stored");
	for (int i = 0; i < 3; i++)
		free(b[i].p);
	free(f.p);
	free(r.pl);
}

static void
precedence(void)
{
	struct buf b[3] = {{0}}, f = {0};
	struct reply r = {0};
	int fd = dial();

	/* The first failing record decides: index 1, the missing user, not
	 * record 2's bad letter; nothing of the frame stored. */
	login(&b[0], "root", "prec-ok-0");
	login(&b[1], NULL, "prec-missing-1");
	rec_begin(&b[2], EV_LOGIN, 'M', T0);
	f_cstr(&b[2], F_USER, "root");
	frame_r(&f, 21, b, 3);

	/* Who may write it comes after validation of the same record, and
	 * before every later record: a loss record (§8, forbidden even to
	 * root) ahead of an invalid one. */
	rec_begin(&b[0], EV_LOSS, 'C', T0);
	f_cstr(&b[0], F_SERVICE, "prec-loss");
	f_int(&b[0], F_LOST, 5);
	rec_begin(&b[1], EV_LOGIN, 'M', T0);
	f_cstr(&b[1], F_USER, "root");
	frame_r(&f, 22, b, 2); /* the loss record, then a bad letter */
	frame_q(&f, 23);
	send_all(fd, &f);
	expect_error(fd, &r, 21, -1004, 1, F_USER, false,
		     "§7.1 first failing record");
	expect_error(fd, &r, 22, -1029, 0, -1, false,
		     "§7.1/§8 forbidden first");
	if (!get_reply(fd, &r) || r.type != 'S' || r.id != 23)
		die("no status reply to frame 23");
	char v[64];
	long limit =
	    status_value(&r, "max_record_bytes", v, sizeof v) ? atol(v) : 0;
	CHECK(limit == 4096, "§9: max_record_bytes=%ld, configured 4096",
	      limit);
	CHECK(!is_stored("prec-ok-0") && !is_stored("prec-loss"),
	      "§5: a record of a refused frame was stored");

	/* max_record_bytes, as the status reply says (4096 here): a body of
	 * exactly that many bytes is taken, one more refused with field 0. */
	for (long want = limit; want <= limit + 1 && limit > 0; want++) {
		char tag[32];
		snprintf(tag, sizeof tag, "size-%ld", want);
		/* Pad the resource until the body is exactly `want` bytes. */
		size_t pad = strlen(tag);
		for (int tries = 0; tries < 8 && pad >= strlen(tag); tries++) {
			char *s = malloc(pad + 1);
			memset(s, 'r', pad);
			memcpy(s + pad - strlen(tag), tag, strlen(tag));
			rec_begin(&b[0], EV_RESOURCE, 'P', T0);
			f_cstr(&b[0], F_CLASS, "FILE");
			f_cstr(&b[0], F_USER, "root");
			f_str(&b[0], F_RESOURCE, s, pad);
			free(s);
			if (b[0].n == (size_t)want)
				break;
			/* The length's varint may grow by a byte: adjust. */
			pad = (size_t)((long)pad + want - (long)b[0].n);
		}
		CHECK(b[0].n == (size_t)want, "could not make a body of %ld",
		      want);
		f.n = 0;
		frame_r(&f, 30 + (uint32_t)(want - limit), b, 1);
		send_all(fd, &f);
		if (want == limit) {
			expect_ack(fd, &r, 30, 1,
				   "§2.1 body of max_record_bytes");
		} else {
			expect_error(
			    fd, &r, 31, -1003, 0, 0, false,
			    "§2.1 body one byte over max_record_bytes");
			CHECK(strstr(r.msg, "4096") != NULL,
			      "§2.1: message does not name the limit: %s",
			      r.msg);
		}
	}
	CHECK(
	    is_stored("size-4096") && !is_stored("size-4097"),
	    "§2.1: the body of 4096 bytes not stored, or that of 4097 stored");

	/* The framing of the whole payload comes before its records: count
	 * 3, record 1 invalid, record 2's length past the end: fatal, the
	 * message naming the fault. */
	login(&b[0], "root", "prec-ok-0");
	login(&b[1], NULL, "prec-missing-1");
	struct buf pl = {0};
	put32(&pl, 3);
	putvar(&pl, b[0].n);
	put(&pl, b[0].p, b[0].n);
	putvar(&pl, b[1].n);
	put(&pl, b[1].p, b[1].n);
	putvar(&pl, 1000); /* past the end */
	put(&pl, "xx", 2);
	f.n = 0;
	frame_hdr(&f, 'R', 32, (uint32_t)pl.n);
	put(&f, pl.p, pl.n);
	send_all(fd, &f);
	expect_error(fd, &r, 32, -1021, 0xFFFFFFFF, -1, true,
		     "§7.1 framing before the records");
	CHECK(strstr(r.msg, "record 2's length 1000 runs past the end") != NULL,
	      "§7.1: the message does not name the fault: %s", r.msg);
	expect_end(fd, "§7.1 framing before the records");
	close(fd);
	for (int i = 0; i < 3; i++)
		free(b[i].p);
	free(pl.p);
	free(f.p);
	free(r.pl);
}

static void
fatal_is_last(void)
{
	struct buf b[1] = {{0}}, f = {0};
	struct reply r = {0};

	/* Two good frames, then a malformed header: both acknowledged
	 * first, then the fatal error with id 0, then the end. */
	int fd = dial();
	login(&b[0], "root", "before-fatal-1");
	frame_r(&f, 41, b, 1);
	login(&b[0], "root", "before-fatal-2");
	frame_r(&f, 42, b, 1);
	put(&f, "XAP1R\0\0\0\x2b\0\0\0\0\0\0\0", 16);
	login(&b[0], "root", "after-fatal");
	frame_r(&f, 44, b, 1);
	send_all(fd, &f);
	expect_ack(fd, &r, 41, 1, "§4 ack before a fatal error (1)");
	expect_ack(fd, &r, 42, 1, "§4 ack before a fatal error (2)");
	expect_error(fd, &r, 0, -1021, 0xFFFFFFFF, -1, true,
		     "§7 malformed header");
	expect_end(fd, "§7 malformed header");
	close(fd);
	CHECK(is_stored("before-fatal-1") && is_stored("before-fatal-2"),
	      "§4: acknowledged records before the fatal error not stored");
	CHECK(!is_stored("after-fatal"),
	      "§7: a frame after the fatal error was read");

	/* A type a producer may not send: fatal, with the frame's id. */
	fd = dial();
	f.n = 0;
	login(&b[0], "root", "before-type");
	frame_r(&f, 51, b, 1);
	frame_hdr(&f, 'A', 52, 0);
	send_all(fd, &f);
	expect_ack(fd, &r, 51, 1, "§4 ack before a bad type");
	expect_error(fd, &r, 52, -1021, 0xFFFFFFFF, -1, true,
		     "§7 an 'A' from a producer");
	expect_end(fd, "§7 an 'A' from a producer");
	close(fd);
	free(b[0].p);
	free(f.p);
	free(r.pl);
}

/* Below the reserve (set above the free space): §2.3 and §5. */
static void
partial_ack(void)
{
	struct buf b[5] = {{0}}, f = {0};
	struct reply r = {0};
	int fd = dial();
	frame_q(&f, 60);
	send_all(fd, &f);
	if (!get_reply(fd, &r) || r.type != 'S')
		die("no status reply");
	char st[64], fb[64], rb[64];
	status_value(&r, "state", st, sizeof st);
	status_value(&r, "free_bytes", fb, sizeof fb);
	status_value(&r, "reserve_bytes", rb, sizeof rb);
	if (strtoull(fb, NULL, 10) >= strtoull(rb, NULL, 10)) {
		printf("partial acknowledgement not checked: %s bytes free, "
		       "above the largest reserve\n",
		       fb);
		close(fd);
		free(f.p);
		free(r.pl);
		return;
	}
	CHECK(strcmp(st, "shedding") == 0, "§9: state=%s below the reserve",
	      st);

	/* login, resource, login, resource, resource: bits 1, 3, 4. */
	login(&b[0], "root", "mix-0");
	resource(&b[1], "mix-1");
	login(&b[2], "root", "mix-2");
	resource(&b[3], "mix-3");
	resource(&b[4], "mix-4");
	f.n = 0;
	frame_r(&f, 61, b, 5);
	frame_r(&f, 62, b + 3, 2); /* noisy only */
	send_all(fd, &f);
	if (!get_reply(fd, &r))
		die("no reply to the mixed frame");
	CHECK(r.type == 'A' && r.id == 61 && (r.flags & 2) && r.count == 2 &&
		  r.refused == 3 && r.records == 5 && r.refused_code == -1022 &&
		  r.last - r.first + 1 == 2 && r.map && r.map[0] == 0x1a,
	      "§2.3: got '%c' id %u flags %u count %u refused %u records %u "
	      "code %d map %02x",
	      r.type, r.id, r.flags, r.count, r.refused, r.records,
	      r.refused_code, r.map ? r.map[0] : 0);
	expect_error(fd, &r, 62, -1022, 0, -1, false, "§5 noisy only");
	close(fd);
	CHECK(is_stored("mix-0") && is_stored("mix-2"),
	      "§2.3: a reserved record of a partial ack not stored");
	CHECK(!is_stored("mix-1") && !is_stored("mix-3") && !is_stored("mix-4"),
	      "§2.3: a shed record was stored");
	for (int i = 0; i < 5; i++)
		free(b[i].p);
	free(f.p);
	free(r.pl);
}

int
main(void)
{
	if (!getenv("SEAUDITD") || !getenv("SEAUDIT")) {
		printf("SEAUDITD or SEAUDIT not set: skipped\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(sock_path, sizeof sock_path, "%s/d.sock", dir);
	snprintf(log_path, sizeof log_path, "%s/log", dir);
	snprintf(conf_path, sizeof conf_path, "%s/d.ini", dir);
	snprintf(err_path, sizeof err_path, "%s/d.err", dir);

	write_conf("");
	start_daemon();
	worked_example();
	ids_order_values();
	precedence();
	fatal_is_last();
	stop_daemon();

	write_conf("reserve = 1024G\n");
	start_daemon();
	partial_ack();
	stop_daemon();

	char cmd[700];
	if (failures > 0) {
		fprintf(stderr, "%d failures; the daemon said:\n", failures);
		snprintf(cmd, sizeof cmd, "cat '%s' >&2", err_path);
		if (system(cmd) != 0)
			fprintf(stderr, "(nothing)\n");
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	if (failures > 0)
		return 1;
	printf("an independent client relied on docs/PROTOCOL.md and was not "
	       "let down\n");
	return 0;
}
