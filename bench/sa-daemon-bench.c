/*
 * sa-daemon-bench.c - producers against a running writer daemon, or against
 * rsyslog's Unix datagram socket, for bench/run-daemon.sh (issue 3).
 * It starts no daemon itself.
 *
 *   sa-daemon-bench -S SOCK [-p P] [-b B] [-w W] [-t SECS] [-n COUNT]
 *                   [-i JSONL] [-N POOL] [-s SEED] [-P PID]
 *   sa-daemon-bench -R SOCK -o FILE [-p P] [-b B] [-t SECS] [-T DRAIN]
 *                   [-i JSONL] [-N POOL] [-s SEED] [-L LABEL] [-P PID]
 *   sa-daemon-bench -F DIR [-n COUNT]
 *
 *   -S  seauditd's socket: P producer processes (fork; each connects
 *       itself, so each has its own peer credentials) submit for SECS
 *       seconds (default 5) or COUNT records each (-n), whichever ends
 *       first.  -b 1 (default): record by record, one record per frame,
 *       blocking for each acknowledgement (sa_client_submit); -b 100: one
 *       frame of 100 records, blocking for its acknowledgement.  -w W > 1:
 *       pipelined, up to W frames in flight per producer (sa_client_send /
 *       flush / poll), reported as mode=pipe.  Latency is per
 *       acknowledgement: from the frame handed to the library to its 'A'
 *       read back (CLOCK_MONOTONIC), into a log-linear histogram (< 1.6 %
 *       error).  Throughput counts acknowledged records only, over the time
 *       from the common start to the last acknowledgement.  The daemon's
 *       status (commits, sync latency) is read before and after, giving the
 *       records per group commit.
 *   -R  rsyslog's imuxsock socket (SOCK_DGRAM): the same records rendered
 *       as syslog messages, "<86>Mmm dd hh:mm:ss seaudit[PID]: " followed
 *       by the record's JSON (sa_format_json), one datagram per record,
 *       blocking sends (-b 1: send(2) per record; -b B: sendmmsg(2) of B).
 *       rsyslog acknowledges nothing: throughput is the records that
 *       reached FILE (-o: the omfile output; only lines appended after the
 *       start are counted) over the time from the start until FILE held
 *       every record sent, waiting at most DRAIN seconds (default 60) after
 *       the senders stop.  Records missing then are reported as lost.  The
 *       latency columns are those of the blocking send calls (not acks).
 *       -L LABEL names the configuration in the output (target=rsyslog-L).
 *   -F  disk probe in DIR: COUNT (default 2000) appends of 256 bytes each
 *       followed by fdatasync; 100 appends of 100 bytes per fdatasync;
 *       and 256-byte overwrites inside an already written and synced file
 *       (no size change) followed by fdatasync.
 *
 *   -P  the daemon's pid (seauditd or rsyslogd): its CPU time (all
 *       threads, /proc/PID/stat) over the run is reported as a percentage
 *       of one core, beside the producers' (getrusage of the children)
 *       and the share of the host's cores busy (/proc/stat, anyone's).
 *   -i  records from a JSON Lines file (sa-gen -o json); by default
 *       `sa-gen -s SEED -n POOL -o json` is run from this program's
 *       directory.  -N POOL records are kept (default 65536); producer k
 *       starts at k * POOL / P and cycles.  seq and origin are cleared
 *       (the daemon stamps them); the time is set to now at each send.
 *
 * Output: one line of key=value pairs per run, on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#define MAXP 256
#define MAXB 4096
#define MAXW 1024

/* ------------------------------------------------------------------ */
/* Clocks and the latency histogram.                                  */

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t
wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Log-linear buckets over nanoseconds: exact below 128, then 64 buckets
 * per power of two. */
#define SUB 64
#define NBUCKET (64 * SUB)

static unsigned
bucket_of(uint64_t v)
{
	if (v < 2 * SUB)
		return (unsigned)v;
	int msb = 63 - __builtin_clzll(v);
	int sh = msb - 6;
	unsigned b = (unsigned)(sh + 1) * SUB + (unsigned)((v >> sh) - SUB);
	return b < NBUCKET ? b : NBUCKET - 1;
}

/* Middle of a bucket, in nanoseconds. */
static double
bucket_mid(unsigned b)
{
	if (b < 2 * SUB)
		return b;
	unsigned sh = b / SUB - 1;
	uint64_t lo = (uint64_t)(b % SUB + SUB) << sh;
	return (double)lo + (double)((1ull << sh) - 1) / 2.0;
}

struct slot {
	uint64_t hist[NBUCKET];
	uint64_t samples;
	uint64_t records; /* acknowledged (seaudit) or sent (rsyslog) */
	uint64_t frames;
	uint64_t errors;
	uint64_t t_end_ns; /* last acknowledgement / last send */
	uint64_t max_ns;
	int first_error;
	int ready;
	int done;
};

static void
hist_add(struct slot *s, uint64_t ns)
{
	s->hist[bucket_of(ns)]++;
	s->samples++;
	if (ns > s->max_ns)
		s->max_ns = ns;
}

/* Percentile q (0..1) of the merged histogram, in microseconds; never
 * above the largest sample (max_ns), which a bucket's middle can be. */
static double
hist_pct_raw(const uint64_t *h, uint64_t n, double q)
{
	if (n == 0)
		return 0;
	uint64_t want = (uint64_t)(q * (double)n);
	if (want >= n)
		want = n - 1;
	uint64_t acc = 0;
	for (unsigned b = 0; b < NBUCKET; b++) {
		acc += h[b];
		if (acc > want)
			return bucket_mid(b) / 1000.0;
	}
	return 0;
}

static double
hist_pct(const uint64_t *h, uint64_t n, double q, uint64_t max_ns)
{
	double v = hist_pct_raw(h, n, q);
	return v > (double)max_ns / 1000.0 ? (double)max_ns / 1000.0 : v;
}

/* ------------------------------------------------------------------ */
/* The record pool.                                                   */

struct pool {
	struct sa_record *r;
	size_t n;
};

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "sa-daemon-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void
load_pool(struct pool *p, const char *jsonl, const char *argv0, size_t want,
	  unsigned seed)
{
	FILE *f;
	bool piped = false;
	if (jsonl != NULL) {
		f = fopen(jsonl, "r");
		if (f == NULL)
			die("%s: %s", jsonl, strerror(errno));
	} else {
		char dir[PATH_MAX], cmd[PATH_MAX + 128];
		snprintf(dir, sizeof dir, "%s", argv0);
		char *sl = strrchr(dir, '/');
		if (sl != NULL)
			*sl = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		snprintf(cmd, sizeof cmd,
			 "'%s/sa-gen' -s %u -n %zu -o json 2>/dev/null", dir,
			 seed, want);
		f = popen(cmd, "r");
		if (f == NULL)
			die("running %s: %s", cmd, strerror(errno));
		piped = true;
	}
	p->r = calloc(want, sizeof *p->r);
	if (p->r == NULL)
		die("out of memory");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (p->n < want && (len = getline(&line, &cap, f)) > 0) {
		char *scratch = malloc((size_t)len + 1);
		struct sa_json_error err;
		struct sa_record *r = &p->r[p->n];
		if (scratch == NULL)
			die("out of memory");
		if (sa_json_parse_record(line, (size_t)len, r, scratch, &err) <
		    0) {
			char t[200];
			sa_json_error_text(&err, t, sizeof t);
			die("record %zu: %s", p->n + 1, t);
		}
		r->seq = 0;
		sa_record_unset(r, SA_F_ORIGIN);
		p->n++;
	}
	free(line);
	if (piped)
		pclose(f);
	else
		fclose(f);
	if (p->n == 0)
		die("no records (sa-gen missing? give -i FILE)");
}

/* ------------------------------------------------------------------ */
/* Options and shared state.                                          */

static struct {
	const char *sock;   /* -S */
	const char *rsock;  /* -R */
	const char *rfile;  /* -o */
	const char *probe;  /* -F */
	const char *jsonl;  /* -i */
	const char *label;  /* -L */
	long pid;	    /* -P: the daemon, for its CPU time */
	unsigned producers; /* -p */
	unsigned batch;	    /* -b */
	unsigned window;    /* -w */
	double secs;	    /* -t */
	uint64_t count;	    /* -n, per producer */
	double drain;	    /* -T */
	size_t pool;	    /* -N */
	unsigned seed;	    /* -s */
} opt = {.producers = 1,
	 .batch = 1,
	 .window = 1,
	 .secs = 5,
	 .drain = 60,
	 .pool = 65536,
	 .seed = 1};

struct shared {
	volatile uint64_t t0_ns; /* common start */
	volatile int go;
	struct slot slot[];
};

static struct shared *sh;
static struct pool pool;

static void
wait_go(int gofd)
{
	char c;
	while (read(gofd, &c, 1) < 0 && errno == EINTR)
		;
	close(gofd);
}

/* ------------------------------------------------------------------ */
/* seauditd producers.                                                */

static void
fill_batch(struct sa_record *v, unsigned n, size_t *next)
{
	int64_t t = wall_us();
	for (unsigned i = 0; i < n; i++) {
		v[i] = pool.r[*next];
		v[i].time_us = t;
		if (++*next == pool.n)
			*next = 0;
	}
}

static void
producer_seaudit(unsigned k, int gofd)
{
	struct slot *s = &sh->slot[k];
	struct sa_client *c;
	int rc = sa_client_connect(&c, opt.sock, 5000);
	if (rc < 0) {
		s->first_error = rc;
		s->errors++;
		__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
		_exit(1);
	}
	static struct sa_record v[MAXB];
	size_t next = (size_t)k * pool.n / opt.producers;
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	wait_go(gofd);
	uint64_t t0 = sh->t0_ns;
	uint64_t stop = t0 + (uint64_t)(opt.secs * 1e9);
	uint64_t sent = 0;

	if (opt.window <= 1) {
		for (;;) {
			uint64_t now = mono_ns();
			if (now >= stop || (opt.count && sent >= opt.count))
				break;
			fill_batch(v, opt.batch, &next);
			struct sa_proto_err err;
			uint64_t a = mono_ns();
			rc = sa_client_submit(c, v, opt.batch, 10000, NULL,
					      &err);
			uint64_t b = mono_ns();
			sent += opt.batch;
			s->frames++;
			if (rc == 0) {
				hist_add(s, b - a);
				s->records += opt.batch;
				s->t_end_ns = b;
			} else {
				if (!s->first_error)
					s->first_error = rc;
				s->errors++;
				if (rc == -EPIPE || rc == -ECONNRESET ||
				    rc == -ETIMEDOUT || rc == -ENOENT ||
				    rc == -ECONNREFUSED)
					break;
			}
		}
	} else {
		/* Pipelined: up to `window` frames in flight. */
		static uint64_t tsend[MAXW];
		unsigned inflight = 0;
		bool stopping = false, broken = false;
		int fd = sa_client_fd(c);
		while (!broken && (!stopping || inflight > 0)) {
			uint64_t now = mono_ns();
			if (now >= stop || (opt.count && sent >= opt.count))
				stopping = true;
			while (!stopping && inflight < opt.window) {
				uint32_t id;
				fill_batch(v, opt.batch, &next);
				rc = sa_client_send(c, v, opt.batch, &id);
				if (rc < 0) {
					if (!s->first_error)
						s->first_error = rc;
					s->errors++;
					broken = true;
					break;
				}
				tsend[id % MAXW] = mono_ns();
				inflight++;
				sent += opt.batch;
				s->frames++;
				if (opt.count && sent >= opt.count)
					break;
			}
			if (inflight == 0)
				break; /* stopping, nothing left to wait for */
			rc = sa_client_flush(c);
			if (rc < 0 && rc != -EAGAIN) {
				if (!s->first_error)
					s->first_error = rc;
				s->errors++;
				break;
			}
			struct pollfd pf = {.fd = fd, .events = POLLIN};
			if (rc == -EAGAIN)
				pf.events |= POLLOUT;
			if (poll(&pf, 1, 10000) == 0) {
				s->first_error = -ETIMEDOUT;
				s->errors++;
				break;
			}
			struct sa_client_reply rep;
			while ((rc = sa_client_poll(c, &rep)) == 1) {
				uint64_t t = mono_ns();
				inflight--;
				if (rep.type == SA_PROTO_ACK) {
					hist_add(s, t - tsend[rep.id % MAXW]);
					s->records += rep.ack.count;
					s->t_end_ns = t;
				} else {
					if (!s->first_error)
						s->first_error = rep.err.code;
					s->errors++;
				}
			}
			if (rc < 0) {
				if (!s->first_error)
					s->first_error = rc;
				s->errors++;
				broken = true;
			}
		}
	}
	sa_client_close(c);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* rsyslog producers.                                                 */

static void
producer_rsyslog(unsigned k, int gofd)
{
	struct slot *s = &sh->slot[k];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", opt.rsock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		s->first_error = -errno;
		s->errors++;
		__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
		_exit(1);
	}
	static struct mmsghdr mv[MAXB];
	static struct iovec iov[MAXB];
	static struct sa_buf msg[MAXB];
	size_t next = (size_t)k * pool.n / opt.producers;
	pid_t me = getpid();
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	wait_go(gofd);
	uint64_t stop = sh->t0_ns + (uint64_t)(opt.secs * 1e9);
	uint64_t sent = 0;
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= stop || (opt.count && sent >= opt.count))
			break;
		/* Render the batch as a producer would at send time: the
		 * syslog header and the record's JSON, both with the current
		 * time. */
		int64_t us = wall_us();
		time_t t = (time_t)(us / 1000000);
		struct tm tm;
		localtime_r(&t, &tm);
		char ts[32];
		strftime(ts, sizeof ts, "%b %e %H:%M:%S", &tm);
		for (unsigned i = 0; i < opt.batch; i++) {
			struct sa_record r = pool.r[next];
			r.time_us = us;
			sa_buf_reset(&msg[i]);
			if (sa_buf_printf(&msg[i], "<86>%s seaudit[%ld]: ", ts,
					  (long)me) < 0 ||
			    sa_format_json(&msg[i], &r, SA_FMT_UNMASKED) < 0)
				die("out of memory");
			if (msg[i].data[msg[i].len - 1] == '\n')
				msg[i].len--;
			iov[i] = (struct iovec){msg[i].data, msg[i].len};
			mv[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i],
							.msg_iovlen = 1};
			if (++next == pool.n)
				next = 0;
		}
		uint64_t a = mono_ns();
		unsigned done = 0;
		while (done < opt.batch) {
			int n;
			if (opt.batch == 1)
				n = sendmsg(fd, &mv[0].msg_hdr, MSG_NOSIGNAL) <
					    0
					? -1
					: 1;
			else
				n = sendmmsg(fd, mv + done, opt.batch - done,
					     MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == ENOBUFS) {
					usleep(100);
					continue;
				}
				if (!s->first_error)
					s->first_error = -errno;
				s->errors++;
				goto out;
			}
			done += (unsigned)n;
		}
		uint64_t b = mono_ns();
		hist_add(s, b - a);
		sent += opt.batch;
		s->records += opt.batch;
		s->frames++;
		s->t_end_ns = b;
	}
out:
	close(fd);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* CPU accounting: the daemon (-P), the producers, the whole host.    */

struct cpu {
	double daemon_s, kids_s, host_busy, host_all;
	uint64_t t_ns;
};

static double
proc_cpu_s(long pid)
{
	char path[64], buf[1024];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	/* after ") ": state, then fields 4..13, then utime (14), stime (15) */
	if (p == NULL || sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				"%*u %llu %llu",
				&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
host_cpu(double *busy, double *all)
{
	*busy = *all = 0;
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return;
	unsigned long long v[10] = {0};
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) >= 8) {
		for (int i = 0; i < 8; i++)
			*all += (double)v[i];
		*busy = *all - (double)v[3] - (double)v[4]; /* idle, iowait */
	}
	fclose(f);
}

static void
cpu_sample(struct cpu *c)
{
	struct rusage ru;
	c->daemon_s = proc_cpu_s(opt.pid);
	getrusage(RUSAGE_CHILDREN, &ru);
	c->kids_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	host_cpu(&c->host_busy, &c->host_all);
	c->t_ns = mono_ns();
}

/* " daemon_cpu=% producers_cpu=% host_busy=%": percent of one core for
 * the daemon and for all producers together, percent of all cores busy on
 * the host (anyone's work). */
static void
cpu_print(const struct cpu *a, const struct cpu *b)
{
	double wall = (double)(b->t_ns - a->t_ns) / 1e9;
	if (wall <= 0)
		wall = 1e-9;
	double all = b->host_all - a->host_all;
	printf(" daemon_cpu_pct=%.0f producers_cpu_pct=%.0f host_busy_pct=%.0f",
	       opt.pid > 0 ? 100 * (b->daemon_s - a->daemon_s) / wall : -1.0,
	       100 * (b->kids_s - a->kids_s) / wall,
	       all > 0 ? 100 * (b->host_busy - a->host_busy) / all : -1.0);
}

/* ------------------------------------------------------------------ */
/* The parent.                                                        */

static pid_t kids[MAXP];

static void
start_producers(void (*fn)(unsigned, int))
{
	int go[2];
	if (pipe(go) < 0)
		die("pipe: %s", strerror(errno));
	for (unsigned k = 0; k < opt.producers; k++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(go[1]);
			fn(k, go[0]);
		}
		kids[k] = pid;
	}
	close(go[0]);
	/* All connected (or failed), then one common start. */
	for (unsigned k = 0; k < opt.producers; k++)
		while (!__atomic_load_n(&sh->slot[k].ready, __ATOMIC_ACQUIRE))
			usleep(1000);
	for (unsigned k = 0; k < opt.producers; k++)
		if (sh->slot[k].first_error)
			die("producer %u could not connect: %s", k,
			    sa_strerror(sh->slot[k].first_error));
	sh->t0_ns = mono_ns();
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	close(go[1]); /* EOF: go */
}

static unsigned
reap_some(bool block)
{
	unsigned left = 0;
	for (unsigned k = 0; k < opt.producers; k++) {
		if (kids[k] <= 0)
			continue;
		int st;
		pid_t r = waitpid(kids[k], &st, block ? 0 : WNOHANG);
		if (r == kids[k])
			kids[k] = 0;
		else
			left++;
	}
	return left;
}

struct totals {
	uint64_t records, frames, errors, samples, max_ns, t_end_ns;
	int first_error;
	uint64_t *hist;
};

static void
sum_slots(struct totals *t)
{
	static uint64_t h[NBUCKET];
	memset(t, 0, sizeof *t);
	memset(h, 0, sizeof h);
	t->hist = h;
	for (unsigned k = 0; k < opt.producers; k++) {
		const struct slot *s = &sh->slot[k];
		for (unsigned b = 0; b < NBUCKET; b++)
			h[b] += s->hist[b];
		t->records += s->records;
		t->frames += s->frames;
		t->errors += s->errors;
		t->samples += s->samples;
		if (s->max_ns > t->max_ns)
			t->max_ns = s->max_ns;
		if (s->t_end_ns > t->t_end_ns)
			t->t_end_ns = s->t_end_ns;
		if (!t->first_error)
			t->first_error = s->first_error;
	}
}

static const char *
mode_name(void)
{
	return opt.window > 1 ? "pipe" : opt.batch > 1 ? "batch" : "single";
}

/* A numeric value from the daemon's status text, or 0. */
static uint64_t
status_u64(const struct sa_buf *st, const char *key)
{
	size_t kl = strlen(key);
	const char *p = st->data, *end = st->data + st->len;
	while (p != NULL && p < end) {
		if ((size_t)(end - p) > kl && memcmp(p, key, kl) == 0 &&
		    p[kl] == '=')
			return strtoull(p + kl + 1, NULL, 10);
		p = memchr(p, '\n', (size_t)(end - p));
		if (p != NULL)
			p++;
	}
	return 0;
}

static int
daemon_status(struct sa_buf *out)
{
	struct sa_client *c;
	int rc = sa_client_connect(&c, opt.sock, 5000);
	if (rc < 0)
		return rc;
	sa_buf_reset(out);
	rc = sa_client_status(c, 5000, out);
	sa_client_close(c);
	return rc;
}

static void
run_seaudit(void)
{
	struct sa_buf st0 = SA_BUF_INIT, st1 = SA_BUF_INIT;
	int rc = daemon_status(&st0);
	if (rc < 0)
		die("%s: status: %s", opt.sock, sa_strerror(rc));
	struct cpu c0, c1;
	cpu_sample(&c0);
	start_producers(producer_seaudit);
	reap_some(true);
	cpu_sample(&c1);
	rc = daemon_status(&st1);
	if (rc < 0)
		die("%s: status after the run: %s", opt.sock, sa_strerror(rc));
	struct totals t;
	sum_slots(&t);
	double secs =
	    t.t_end_ns > sh->t0_ns ? (double)(t.t_end_ns - sh->t0_ns) / 1e9 : 0;
	uint64_t commits =
	    status_u64(&st1, "commits") - status_u64(&st0, "commits");
	uint64_t written = status_u64(&st1, "records_written") -
			   status_u64(&st0, "records_written");
	printf("target=seaudit producers=%u mode=%s batch=%u window=%u "
	       "records=%" PRIu64 " frames=%" PRIu64 " secs=%.3f rps=%.0f "
	       "p50_us=%.1f p99_us=%.1f max_us=%.1f errors=%" PRIu64
	       " first_error=%s commits=%" PRIu64 " rec_per_commit=%.1f "
	       "daemon_written=%" PRIu64 " sync_p50_us=%" PRIu64
	       " sync_p99_us=%" PRIu64,
	       opt.producers, mode_name(), opt.batch, opt.window, t.records,
	       t.frames, secs, secs > 0 ? (double)t.records / secs : 0,
	       hist_pct(t.hist, t.samples, 0.50, t.max_ns),
	       hist_pct(t.hist, t.samples, 0.99, t.max_ns),
	       (double)t.max_ns / 1000.0, t.errors,
	       t.first_error ? sa_strerror(t.first_error) : "none", commits,
	       commits ? (double)written / (double)commits : 0, written,
	       status_u64(&st1, "sync_p50_us"),
	       status_u64(&st1, "sync_p99_us"));
	cpu_print(&c0, &c1);
	printf("\n");
	sa_buf_free(&st0);
	sa_buf_free(&st1);
	fflush(stdout);
}

/* Counts newlines appended to `f` since *off. */
static uint64_t
count_new_lines(int fd, uint64_t *off)
{
	static char buf[1 << 20];
	uint64_t n = 0;
	for (;;) {
		ssize_t k = pread(fd, buf, sizeof buf, (off_t)*off);
		if (k <= 0)
			break;
		for (char *p = buf, *e = buf + k;
		     (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
			n++;
		*off += (uint64_t)k;
	}
	return n;
}

static void
run_rsyslog(void)
{
	int fd = -1;
	uint64_t off = 0;
	/* Only what is appended from now on counts (rsyslog may create the
	 * file only with its first line). */
	fd = open(opt.rfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		die("%s: %s", opt.rfile, strerror(errno));
	if (fd >= 0) {
		struct stat sb;
		fstat(fd, &sb);
		off = (uint64_t)sb.st_size;
	}
	struct cpu c0, c1;
	cpu_sample(&c0);
	start_producers(producer_rsyslog);
	uint64_t lines = 0, t_complete = 0, last_growth = mono_ns();
	uint64_t sent_done_ns = 0;
	bool senders_done = false;
	for (;;) {
		if (fd < 0)
			fd = open(opt.rfile, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			uint64_t n = count_new_lines(fd, &off);
			if (n) {
				lines += n;
				last_growth = mono_ns();
			}
		}
		if (!senders_done && reap_some(false) == 0) {
			senders_done = true;
			sent_done_ns = mono_ns();
		}
		if (senders_done) {
			struct totals t;
			sum_slots(&t);
			uint64_t now = mono_ns();
			if (lines >= t.records) {
				t_complete = last_growth;
				break;
			}
			if (now - sent_done_ns > (uint64_t)(opt.drain * 1e9) ||
			    (now - last_growth > 5000000000u &&
			     now - sent_done_ns > 5000000000u))
				break;
		}
		usleep(2000);
	}
	cpu_sample(&c1);
	struct totals t;
	sum_slots(&t);
	uint64_t end = t_complete ? t_complete : last_growth;
	double secs = end > sh->t0_ns ? (double)(end - sh->t0_ns) / 1e9 : 0;
	double send_secs =
	    t.t_end_ns > sh->t0_ns ? (double)(t.t_end_ns - sh->t0_ns) / 1e9 : 0;
	uint64_t reached = lines < t.records ? lines : t.records;
	printf("target=rsyslog%s%s producers=%u mode=%s batch=%u sent=%" PRIu64
	       " infile=%" PRIu64 " lost=%" PRIu64 " extra=%" PRIu64
	       " complete=%s send_secs=%.3f secs=%.3f rps=%.0f "
	       "send_rps=%.0f send_p50_us=%.1f send_p99_us=%.1f "
	       "send_max_us=%.1f errors=%" PRIu64 " first_error=%s",
	       opt.label ? "-" : "", opt.label ? opt.label : "", opt.producers,
	       mode_name(), opt.batch, t.records, lines, t.records - reached,
	       lines > t.records ? lines - t.records : 0,
	       t_complete ? "yes" : "no", send_secs, secs,
	       secs > 0 ? (double)reached / secs : 0,
	       send_secs > 0 ? (double)t.records / send_secs : 0,
	       hist_pct(t.hist, t.samples, 0.50, t.max_ns),
	       hist_pct(t.hist, t.samples, 0.99, t.max_ns),
	       (double)t.max_ns / 1000.0, t.errors,
	       t.first_error ? strerror(-t.first_error) : "none");
	cpu_print(&c0, &c1);
	printf("\n");
	fflush(stdout);
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------------ */
/* Disk probe.                                                        */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
probe_report(const char *what, uint64_t *v, size_t n, unsigned per)
{
	qsort(v, n, sizeof *v, cmp_u64);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	double mean = sum / (double)n;
	printf(
	    "probe=%s syncs=%zu appends_per_sync=%u mean_us=%.1f p50_us=%.1f "
	    "p99_us=%.1f max_us=%.1f syncs_per_s=%.0f records_per_s=%.0f\n",
	    what, n, per, mean / 1000, (double)v[n / 2] / 1000,
	    (double)v[n * 99 / 100] / 1000, (double)v[n - 1] / 1000, 1e9 / mean,
	    1e9 / mean * per);
}

static void
run_probe(void)
{
	size_t n = opt.count ? (size_t)opt.count : 2000;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/fdatasync-probe", opt.probe);
	uint64_t *v = calloc(n, sizeof *v);
	char rec[256];
	memset(rec, 'x', sizeof rec);
	if (v == NULL)
		die("out of memory");
	static const unsigned per[] = {1, 100};
	for (unsigned m = 0; m < 2; m++) {
		int fd = open(
		    path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		    0600);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		fdatasync(fd);
		for (size_t i = 0; i < n; i++) {
			uint64_t a = mono_ns();
			for (unsigned j = 0; j < per[m]; j++)
				if (write(fd, rec, per[m] == 1 ? 256 : 100) < 0)
					die("write: %s", strerror(errno));
			if (fdatasync(fd) < 0)
				die("fdatasync: %s", strerror(errno));
			v[i] = mono_ns() - a;
		}
		close(fd);
		probe_report(per[m] == 1 ? "append" : "append-100", v, n,
			     per[m]);
	}
	/* Overwrites inside a written, synced file: no size change. */
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	static char zero[1 << 16];
	for (size_t o = 0; o < n * 256; o += sizeof zero)
		if (write(fd, zero, sizeof zero) < 0)
			die("write: %s", strerror(errno));
	fsync(fd);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = mono_ns();
		if (pwrite(fd, rec, 256, (off_t)(i * 256)) < 0)
			die("pwrite: %s", strerror(errno));
		if (fdatasync(fd) < 0)
			die("fdatasync: %s", strerror(errno));
		v[i] = mono_ns() - a;
	}
	close(fd);
	probe_report("overwrite", v, n, 1);
	unlink(path);
	free(v);
}

/* ------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(
	    stderr,
	    "usage: sa-daemon-bench -S SOCK [-p P] [-b B] [-w W] [-t SECS] "
	    "[-n COUNT] [-i JSONL] [-N POOL] [-s SEED] [-P PID]\n"
	    "       sa-daemon-bench -R SOCK -o FILE [-p P] [-b B] [-t SECS] "
	    "[-T DRAIN] [-L LABEL] ...\n"
	    "       sa-daemon-bench -F DIR [-n COUNT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int ch;
	while ((ch = getopt(argc, argv, "S:R:o:F:i:L:P:p:b:w:t:n:T:N:s:h")) !=
	       -1) {
		switch (ch) {
		case 'S':
			opt.sock = optarg;
			break;
		case 'R':
			opt.rsock = optarg;
			break;
		case 'o':
			opt.rfile = optarg;
			break;
		case 'F':
			opt.probe = optarg;
			break;
		case 'i':
			opt.jsonl = optarg;
			break;
		case 'L':
			opt.label = optarg;
			break;
		case 'P':
			opt.pid = strtol(optarg, NULL, 10);
			break;
		case 'p':
			opt.producers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			opt.batch = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			opt.window = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			opt.secs = strtod(optarg, NULL);
			break;
		case 'n':
			opt.count = strtoull(optarg, NULL, 10);
			break;
		case 'T':
			opt.drain = strtod(optarg, NULL);
			break;
		case 'N':
			opt.pool = strtoull(optarg, NULL, 10);
			break;
		case 's':
			opt.seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt.probe) {
		run_probe();
		return 0;
	}
	if (!!opt.sock + !!opt.rsock != 1 || (opt.rsock && !opt.rfile))
		usage();
	if (opt.producers < 1 || opt.producers > MAXP || opt.batch < 1 ||
	    opt.batch > MAXB || opt.window < 1 || opt.window > MAXW ||
	    opt.secs <= 0 || opt.pool < 1)
		die("option out of range (P 1..%d, B 1..%d, W 1..%d)", MAXP,
		    MAXB, MAXW);
	if (opt.rsock && opt.window > 1)
		die("-w applies to seauditd only");
	signal(SIGPIPE, SIG_IGN);
	load_pool(&pool, opt.jsonl, argv[0], opt.pool, opt.seed);
	size_t shsz = sizeof *sh + opt.producers * sizeof(struct slot);
	sh = mmap(NULL, shsz, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	if (opt.sock)
		run_seaudit();
	else
		run_rsyslog();
	return 0;
}
