/*
 * daemon-log-directory-removed-never-acks-into-it - the log directory
 * removed under a running daemon: no record is acknowledged into the
 * deleted files, the removal is logged and shows in the status and in
 * the log, and the daemon recovers as soon as the directory can be made
 * again.
 *
 * Part 1: 200 records are acknowledged, then `rm -rf LOG`.  The next
 * frames are all acknowledged, and every one of them is in the log
 * directory the daemon made again (before the fix they were acknowledged
 * into the deleted segment and were nowhere).  The status says
 * log_reopened=1 and state=ok; a loss record in the new log says that
 * the removed active segment took its 201 acknowledged records (the
 * start-up record and the 200) with it, and the daemon's log says what
 * happened.
 *
 * Removed again while the daemon is idle: the status request notices it
 * (as would the once-a-second check) and the directory is made again.
 *
 * Part 2: the directory removed and a regular file put in its place, so
 * it cannot be made again.  Frames are refused with an error naming the
 * removed log directory, the status says state=log_missing; once the
 * file goes, the daemon makes the directory again by itself (retrying
 * every 200 ms), frames are acknowledged again, and a loss record counts
 * exactly the refused records under the cause "log directory missing".
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static struct hd h;

static void
status_text(char *out, size_t cap)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	struct sa_buf b = SA_BUF_INIT;
	CHECK(sa_client_status(c, 5000, &b) == 0);
	sa_client_close(c);
	snprintf(out, cap, "%.*s", (int)b.len, (const char *)b.data);
	sa_buf_free(&b);
}

static bool
status_has(const char *kv)
{
	char t[8192], want[128];
	status_text(t, sizeof t);
	snprintf(want, sizeof want, "\n%s\n", kv);
	char all[8200];
	snprintf(all, sizeof all, "\n%s", t);
	return strstr(all, want) != NULL;
}

/* Submits `n` records tagged tag:i, one frame each: how many were
 * acknowledged; the last error message goes to msg. */
static int
submit(struct sa_client *c, const char *tag, int n, char *msg, size_t cap)
{
	int acked = 0;
	for (int i = 0; i < n; i++) {
		char t[64];
		snprintf(t, sizeof t, "%s:%d", tag, i);
		struct sa_record r;
		hd_record(&r, t, SA_EV_RESOURCE);
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		memset(&err, 0, sizeof err);
		int rc = sa_client_submit(c, &r, 1, 5000, &ack, &err);
		if (rc == 0)
			acked++;
		else if (msg)
			snprintf(msg, cap, "%s", err.message);
	}
	return acked;
}

/* The count a loss record's detail gives one cause ("causes: W N, ..."). */
static uint64_t
cause_count(const char *detail, const char *words)
{
	const char *p = strstr(detail, words);
	uint64_t n = 0;
	if (p != NULL && sscanf(p + strlen(words), " %" SCNu64, &n) != 1)
		n = 0;
	return n;
}

/* Records tagged `tag:` in the log, and the loss records' causes. */
static int
count_tag(const char *tag, uint64_t *lost_removed, uint64_t *lost_missing)
{
	const char *paths[] = {h.log};
	struct sa_reader *rd;
	*lost_removed = *lost_missing = 0;
	if (sa_reader_open(&rd, paths, 1, NULL, NULL) < 0)
		return 0;
	struct sa_record r;
	int n = 0;
	size_t tl = strlen(tag);
	while (sa_reader_next(rd, &r) == 1) {
		if (sa_record_has(&r, SA_F_SESSION) &&
		    r.str[SA_F_SESSION].len > tl &&
		    memcmp(r.str[SA_F_SESSION].ptr, tag, tl) == 0 &&
		    r.str[SA_F_SESSION].ptr[tl] == ':')
			n++;
		if (r.event == SA_EV_LOSS && sa_record_has(&r, SA_F_DETAIL)) {
			char d[2048];
			snprintf(d, sizeof d, "%.*s",
				 (int)r.str[SA_F_DETAIL].len,
				 r.str[SA_F_DETAIL].ptr);
			*lost_removed += cause_count(
			    d, "active segment removed with the log directory "
			       "(acknowledged records removed)");
			*lost_missing +=
			    cause_count(d, "log directory missing");
		}
	}
	sa_reader_close(rd);
	return n;
}

static bool
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	char line[2048];
	bool found = false;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

int
main(void)
{
	hd_init(&h, NULL);
	/* The daemon's own messages (-d: on stderr) go to a file. */
	char dlog[400];
	snprintf(dlog, sizeof dlog, "%s/daemon.err", h.dir);
	int lf = open(dlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(lf >= 0);
	int saved = dup(2);
	CHECK(saved >= 0 && dup2(lf, 2) == 2);
	hd_start(&h, NULL);
	CHECK(dup2(saved, 2) == 2);
	close(saved);
	close(lf);

	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	CHECK(submit(c, "before", 200, NULL, 0) == 200);

	/* ---- part 1: removed, made again at once ---- */
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h.log);
	CHECK(system(cmd) == 0);
	char msg[256] = "";
	int acked = submit(c, "after", 100, msg, sizeof msg);
	if (acked != 100)
		die("after the removal %d of 100 frames acknowledged (%s)",
		    acked, msg);
	uint64_t lr, lm;
	int in_log = count_tag("after", &lr, &lm);
	if (in_log != 100)
		die("%d of the 100 records acknowledged after the removal are "
		    "in the log directory",
		    in_log);
	if (!status_has("log_reopened=1") || !status_has("state=ok"))
		die("status after the log directory was made again: want "
		    "log_reopened=1 and state=ok");
	if (lr != 201)
		die("loss records give %" PRIu64 " records removed with the "
		    "log directory, 201 expected",
		    lr);
	if (!file_has(dlog, "was removed under the daemon"))
		die("the daemon did not log the removal (%s)", dlog);
	printf("part 1: after rm -rf of the log, 100/100 frames acknowledged "
	       "and all 100 in the directory made again; a loss record "
	       "counts the 201 records removed with it\n");

	/* An idle daemon: the status itself notices. */
	CHECK(system(cmd) == 0);
	if (!status_has("log_reopened=2") || !status_has("state=ok"))
		die("status right after removing the log of an idle daemon: "
		    "want log_reopened=2 and state=ok");
	struct stat st;
	CHECK(stat(h.log, &st) == 0 && S_ISDIR(st.st_mode));
	char marker[400];
	snprintf(marker, sizeof marker, "%s/seauditd.running", h.log);
	if (stat(marker, &st) != 0)
		die("the running marker was not made again in the new log "
		    "directory");
	printf("part 1: removed while idle, the status request found it and "
	       "made the directory again\n");

	/* ---- part 2: cannot be made again until a file goes ---- */
	CHECK(system(cmd) == 0);
	int fd = open(h.log, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	close(fd);
	if (!status_has("state=log_missing"))
		die("status (idle) does not say state=log_missing");
	msg[0] = '\0';
	acked = submit(c, "blocked", 20, msg, sizeof msg);
	if (acked != 0)
		die("%d frames acknowledged while the log directory was a file",
		    acked);
	if (strstr(msg, "log directory removed") == NULL)
		die("refusal says '%s', not that the log directory was "
		    "removed",
		    msg);
	if (!status_has("state=log_missing"))
		die("status does not say state=log_missing");
	if (!file_has(dlog, "cannot make it again"))
		die("the daemon did not log that it cannot make the log "
		    "directory again");
	CHECK(unlink(h.log) == 0);
	uint64_t until = hd_ms() + 5000;
	while (!status_has("state=ok") && hd_ms() < until)
		usleep(20000);
	if (!status_has("state=ok") || !status_has("log_reopened=3"))
		die("no recovery 5 s after the file went");
	acked = submit(c, "back", 50, msg, sizeof msg);
	if (acked != 50)
		die("after recovery %d of 50 acknowledged (%s)", acked, msg);
	sa_client_close(c);
	CHECK(hd_stop(&h) == 0);
	in_log = count_tag("back", &lr, &lm);
	if (in_log != 50)
		die("%d of 50 records after recovery in the log", in_log);
	if (lm != 20)
		die("loss records count %" PRIu64 " records refused while the "
		    "log directory was missing, 20 expected",
		    lm);
	printf("part 2: with a file in its place, 20/20 frames refused "
	       "(\"%s\"), state=log_missing; made again by itself once the "
	       "file went, 50/50 acknowledged; the loss record counts the "
	       "20\n",
	       msg);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
