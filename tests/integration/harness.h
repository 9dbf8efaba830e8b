/*
 * harness.h - what the C integration scenarios share: a real seauditd in
 * a temporary directory (its own config, log and socket), started by the
 * test as a direct child and stopped by its pid, and a reader that loads
 * the whole log back for checking.
 *
 * Ownership: a struct hd is caller storage; hd_cleanup removes the
 * directory.  Records returned by hd_read_log are malloc'ed copies that
 * the caller frees with free().
 */
#ifndef SA_HARNESS_H
#define SA_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hd {
	char dir[256];
	char log[320];
	char sock[320];
	char conf[320];
	pid_t pid;
};

/* A test failure: prints "FAIL: ..." and exits 1. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			die("%s:%d: %s", __FILE__, __LINE__, #cond);           \
	} while (0)

/* Temp dir and config: [logmgr] audit_log, [seauditd] socket, then
 * `extra` (INI text, may be NULL) appended, "@DIR@" in it replaced by
 * the test's directory. */
void hd_init(struct hd *h, const char *extra);
/* Log directory and socket inside another directory (e.g. a tmpfs). */
void hd_init_at(struct hd *h, const char *logdir, const char *extra);
/* Starts `seauditd -d -f conf` ($SEAUDITD), with LD_PRELOAD=preload when
 * not NULL, and waits until its socket accepts connections. */
void hd_start(struct hd *h, const char *preload);
int hd_stop(struct hd *h);  /* SIGTERM, wait: its exit status */
void hd_kill(struct hd *h); /* SIGKILL, wait */
void hd_cleanup(struct hd *h);

struct hd_rec {
	uint64_t seq;
	uint8_t event;
	char status;
	int64_t pid, producer_uid, uid, lost;
	char session[64]; /* the tests' tag of who sent it */
	char origin[64];
};
/* Every record of the log, in order; *damage gets the damage count. */
size_t hd_read_log(const char *logdir, struct hd_rec **out, uint64_t *damage);
/* How the last hd_read_paths ended: the open's error, or the last
 * sa_reader_next result (0 at the end). */
extern int hd_read_rc;
/* The same over several paths read together (as seaudit -fn A -fn B). */
size_t hd_read_paths(const char *const *paths, size_t npaths,
		     struct hd_rec **out, uint64_t *damage);

/* A resource record tagged "session" = tag. */
struct sa_record;
void hd_record(struct sa_record *r, const char *tag, uint8_t event);

/*
 * Records a loss record's detail attributes to producer `pid`: the sum of
 * its "pid P uid U: N" entries.
 */
uint64_t hd_loss_for_pid(const char *detail, pid_t pid);

/* A plain connected socket to `path` (for scenarios that speak the
 * protocol by hand); the caller closes it. */
int hd_raw_connect(const char *path);
/*
 * Reads one reply frame (5 s at most) into *h and payload (cap bytes):
 * 0, -ETIMEDOUT, or -EPIPE when the connection ended.
 */
struct sa_proto_hdr;
int hd_read_reply(int fd, struct sa_proto_hdr *h, uint8_t *payload, size_t cap);
/* Monotonic milliseconds. */
uint64_t hd_ms(void);

#endif
