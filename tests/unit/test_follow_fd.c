/*
 * test_follow_fd.c - the reader's follow descriptor (sa_reader_fd): it is
 * quiet once sa_reader_next has said "nothing new", becomes readable when
 * a record is committed, when a segment is sealed and a new one started,
 * and when a sealed segment is moved to audit_back, and each time
 * sa_reader_next then returns exactly the new records.  A follower
 * waiting on it (poll) therefore neither misses a record nor spins.
 */
#include <dirent.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

static bool
readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void
append(struct sa_writer *w, int n, int64_t *t)
{
	assert_int_equal(tu_append_startups(w, n, t, "ffd"), 0);
}

/* Records the reader returns until it says "nothing new". */
static int
drain(struct sa_reader *rd)
{
	struct sa_record r;
	int n = 0, rc;
	while ((rc = sa_reader_next(rd, &r)) == 1)
		n++;
	assert_int_equal(rc, 0);
	return n;
}

static void
test_wakes_on_commit_rotation_and_move(void **state)
{
	(void)state;
	char dir[256], back[300];
	tu_mkdtemp(dir, sizeof dir);
	snprintf(back, sizeof back, "%s/back", dir);
	char log[300];
	snprintf(log, sizeof log, "%s/log", dir);

	struct sa_writer_opts o = {.origin = "h", .sync = SA_SYNC_NONE};
	struct sa_writer *w;
	struct sa_recovery rep;
	assert_int_equal(sa_writer_open(&w, log, &o, &rep), 0);
	int64_t t = 1714557600000000;
	append(w, 3, &t);

	const char *paths[1] = {log};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, NULL, NULL), 0);
	sa_reader_follow(rd, true);
	int fd = sa_reader_fd(rd);
	assert_true(fd >= 0);
	assert_int_equal(sa_reader_fd(rd), fd); /* the same one */
	assert_int_equal(drain(rd), 3);
	assert_false(readable(fd, 50)); /* quiet: nothing new */

	/* A commit wakes it; next() returns exactly the new records. */
	append(w, 2, &t);
	assert_true(readable(fd, 2000));
	assert_int_equal(drain(rd), 2);
	assert_false(readable(fd, 50));

	/* A new segment (rotation): woken, the records of both ends read. */
	append(w, 1, &t);
	assert_int_equal(sa_writer_rotate(w), 0);
	append(w, 4, &t);
	assert_true(readable(fd, 2000));
	assert_int_equal(drain(rd), 5);
	assert_false(readable(fd, 50));

	/* Sealed segments moved to audit_back (as the daemon moves them:
	 * pointer first, then rename), then records in the active one:
	 * woken, nothing read twice or missed. */
	assert_int_equal(sa_log_set_back(log, back), 0);
	assert_int_equal(sa_writer_rotate(w), 0);
	assert_int_equal(mkdir(back, 0750), 0);
	const char *active = strrchr(sa_writer_segment_path(w), '/') + 1;
	DIR *d = opendir(log);
	assert_non_null(d);
	int moved = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".seg") != 0 ||
		    strcmp(e->d_name, active) == 0)
			continue;
		char from[600], to[600];
		snprintf(from, sizeof from, "%s/%s", log, e->d_name);
		snprintf(to, sizeof to, "%s/%s", back, e->d_name);
		assert_int_equal(rename(from, to), 0);
		moved++;
	}
	closedir(d);
	assert_true(moved >= 2);
	assert_true(readable(fd, 2000)); /* the moves */
	assert_int_equal(drain(rd), 0);
	append(w, 2, &t);
	assert_true(readable(fd, 2000));
	assert_int_equal(drain(rd), 2);
	assert_false(readable(fd, 50));

	sa_reader_close(rd);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wakes_on_commit_rotation_and_move),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
