// wrap: opendir
/*
 * test_reader_segment_moved_between_scans.c - a reader given the backup
 * directory first (-fn audit_back -fn audit_log) while the daemon moves a
 * sealed segment from audit_log to audit_back exactly between the
 * reader's two directory scans: the segment is in neither listing as it
 * was scanned.  The reader must still return every record once (it scans
 * the backup directory again after the log that points to it), and the
 * same when the move happens while a follower rescans.  Before the fix the
 * first read returned the active segment alone: no records at all when it
 * was still empty, and no damage reported.  opendir is wrapped to make the
 * move at that moment.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "testutil.h"

DIR *__real_opendir(const char *name);
DIR *__wrap_opendir(const char *name);

/* The move to make when `trigger` is next opened. */
static char trigger[600], move_from[700], move_to[700];

DIR *
__wrap_opendir(const char *name)
{
	if (trigger[0] != '\0' && strcmp(name, trigger) == 0) {
		trigger[0] = '\0';
		if (rename(move_from, move_to) != 0)
			fail_msg("moving %s: %s", move_from, strerror(errno));
	}
	return __real_opendir(name);
}

static void
append(struct sa_writer *w, int n, int64_t *t)
{
	assert_int_equal(tu_append_startups(w, n, t, "mv"), 0);
}

/* Reads everything: how many records, consecutive from 1, no damage. */
static int
read_all(struct sa_reader *rd, uint64_t *next)
{
	struct sa_record r;
	int n = 0, rc;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		assert_int_equal(r.seq, *next);
		(*next)++;
		n++;
	}
	assert_int_equal(rc, 0);
	return n;
}

static void
count_damage(const struct sa_damage *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
}

static void
test_moved_between_scans(void **state)
{
	(void)state;
	char dir[256], log[300], back[300];
	tu_mkdtemp(dir, sizeof dir);
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(back, sizeof back, "%s/back", dir);
	struct sa_writer_opts o = {.origin = "h", .sync = SA_SYNC_NONE};
	struct sa_writer *w;
	struct sa_recovery rep;
	assert_int_equal(sa_writer_open(&w, log, &o, &rep), 0);
	assert_int_equal(mkdir(back, 0750), 0);
	assert_int_equal(sa_log_set_back(log, back), 0);
	int64_t t = 1714557600000000;
	append(w, 5, &t);
	assert_int_equal(sa_writer_rotate(w), 0); /* segment 1 sealed */

	/* Opening [back, log]: back is scanned (empty), then segment 1 moves
	 * there, then log is scanned (active segment 6 only, still empty). */
	snprintf(trigger, sizeof trigger, "%s", log);
	snprintf(move_from, sizeof move_from, "%s/0000000000000001.seg", log);
	snprintf(move_to, sizeof move_to, "%s/0000000000000001.seg", back);
	const char *paths[2] = {back, log};
	struct sa_reader *rd;
	int damage = 0;
	assert_int_equal(sa_reader_open(&rd, paths, 2, count_damage, &damage),
			 0);
	assert_int_equal(trigger[0], '\0'); /* the move happened */
	uint64_t next = 1;
	assert_int_equal(read_all(rd, &next), 5);
	assert_int_equal(damage, 0);

	/* A follower's rescan: segment 6 sealed, records in segment 9; the
	 * move of 6 happens between the rescan's two directory scans. */
	sa_reader_follow(rd, true);
	append(w, 3, &t);
	assert_int_equal(sa_writer_rotate(w), 0);
	append(w, 2, &t);
	snprintf(trigger, sizeof trigger, "%s", log);
	snprintf(move_from, sizeof move_from, "%s/0000000000000006.seg", log);
	snprintf(move_to, sizeof move_to, "%s/0000000000000006.seg", back);
	int n = read_all(rd, &next);
	n += read_all(rd, &next); /* a second look, as a follower makes */
	assert_int_equal(n, 5);
	assert_int_equal(next, 11);
	assert_int_equal(damage, 0);

	sa_reader_close(rd);
	assert_int_equal(sa_writer_close(w), 0);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_moved_between_scans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
