// wrap: pwrite fdatasync rename
/*
 * test_writer_faults.c - the writer under injected I/O failures: short
 * writes, ENOSPC and EIO from pwrite, EIO from fdatasync, a failed rename
 * while sealing, and failures while creating the next segment.
 *
 * What must hold every time: a failed commit reports the error and leaves
 * the segment exactly at its last committed size (no partial record, no
 * unsynced bytes claimed); the records stay pending so a retry commits
 * them once; discarding gives their sequence numbers back; and a reader of
 * the log afterwards sees every committed record exactly once, in order,
 * with no damage.
 */
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

/* Failure plan: the Nth call from now fails (0 = never). */
static int pw_fail_in, pw_errno, pw_short;
static int fs_fail_in, fs_errno;
static int rn_fail_in;
static long pw_calls;

ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
int __real_rename(const char *a, const char *b);
int __wrap_rename(const char *a, const char *b);

ssize_t
__wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	pw_calls++;
	if (pw_fail_in > 0 && --pw_fail_in == 0) {
		if (pw_short && n > 1) {
			/* Half goes to disk, then the device is full. */
			ssize_t k = __real_pwrite(fd, buf, n / 2, off);
			pw_fail_in = 1;
			pw_short = 0;
			return k;
		}
		errno = pw_errno;
		return -1;
	}
	return __real_pwrite(fd, buf, n, off);
}

int
__wrap_fdatasync(int fd)
{
	if (fs_fail_in > 0 && --fs_fail_in == 0) {
		errno = fs_errno;
		return -1;
	}
	return __real_fdatasync(fd);
}

int
__wrap_rename(const char *a, const char *b)
{
	if (rn_fail_in > 0 && --rn_fail_in == 0) {
		errno = EIO;
		return -1;
	}
	return __real_rename(a, b);
}

static void
reset_faults(void)
{
	pw_fail_in = pw_errno = pw_short = 0;
	fs_fail_in = fs_errno = 0;
	rn_fail_in = 0;
}

static struct tu_rng rng;
static struct tu_arena arena;

static void
append_some(struct sa_writer *w, int n)
{
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		tu_arena_reset(&arena);
		tu_random_record(&rng, &arena, &r);
		assert_int_equal(sa_writer_append(w, &r), 0);
	}
}

static off_t
file_size(const char *p)
{
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

static void
on_damage(const struct sa_damage *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
}

/* Every record 1..n exactly once, in order, no damage. */
static void
expect_log(const char *dir, uint64_t n)
{
	const char *paths[] = {dir};
	struct sa_reader *rd;
	int dmg = 0;
	assert_int_equal(sa_reader_open(&rd, paths, 1, on_damage, &dmg), 0);
	struct sa_record r;
	uint64_t k = 0;
	while (sa_reader_next(rd, &r) == 1) {
		assert_int_equal(r.seq, k + 1);
		k++;
	}
	sa_reader_close(rd);
	assert_int_equal(k, n);
	assert_int_equal(dmg, 0);
	/* The chain holds too: what a failed commit hashed was undone. */
	struct sa_verify_result vr;
	struct sa_verify_opts vo = {.cb = on_damage, .arg = &dmg};
	assert_int_equal(sa_log_verify(paths, 1, &vo, &vr), 0);
	assert_int_equal(vr.problems, 0);
}

/*
 * A checkpoint whose commit fails: its records were hashed for it (in
 * the writer's chain thread), and a discard must take them out of the
 * chain again; records appended afterwards are sealed by the next one.
 * The same with the chain hashed inline.
 */
static void
test_failed_checkpoint_discarded(void **state)
{
	(void)state;
	for (int inl = 0; inl < 2; inl++) {
		char dir[256];
		tu_mkdtemp(dir, sizeof dir);
		struct sa_writer *w;
		struct sa_writer_opts o = {.flags = inl ? SA_WRITER_INLINE_CHAIN
							: 0};
		assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
		append_some(w, 300);
		assert_int_equal(sa_writer_commit(w), 0);
		append_some(w, 40);
		reset_faults();
		pw_fail_in = 1;
		pw_errno = ENOSPC;
		assert_int_equal(sa_writer_seal(w), -ENOSPC);
		sa_writer_discard(w);
		reset_faults();
		append_some(w, 25);
		assert_int_equal(sa_writer_seal(w), 0);
		/* And one that fails, is retried and succeeds. */
		append_some(w, 10);
		pw_fail_in = 1;
		pw_errno = EIO;
		assert_int_equal(sa_writer_seal(w), -EIO);
		reset_faults();
		assert_int_equal(sa_writer_commit(w), 0);
		assert_int_equal(sa_writer_close(w), 0);
		expect_log(dir, 335);
		const char *paths[] = {dir};
		struct sa_verify_result vr;
		assert_int_equal(sa_log_verify(paths, 1, NULL, &vr), 0);
		assert_int_equal(vr.unsealed, 0);
		assert_int_equal(vr.open_logs, 0);
		assert_true(vr.checkpoints >= 3);
		tu_rmtree(dir);
	}
}

static void
test_write_failures_then_retry(void **state)
{
	(void)state;
	static const struct {
		int err, shrt;
	} cases[] = {{ENOSPC, 0}, {EIO, 0}, {ENOSPC, 1}, {EDQUOT, 0}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char dir[256];
		tu_mkdtemp(dir, sizeof dir);
		struct sa_writer *w;
		assert_int_equal(sa_writer_open(&w, dir, NULL, NULL), 0);
		char seg[512];
		snprintf(seg, sizeof seg, "%s", sa_writer_segment_path(w));
		append_some(w, 100);
		assert_int_equal(sa_writer_commit(w), 0);
		off_t good = file_size(seg);

		append_some(w, 50);
		reset_faults();
		pw_fail_in = 1;
		pw_errno = cases[c].err;
		pw_short = cases[c].shrt;
		int rc = sa_writer_commit(w);
		assert_int_equal(rc, cases[c].shrt ? -ENOSPC : -cases[c].err);
		/* Nothing partial stays behind; nothing more is committed. */
		assert_int_equal(file_size(seg), good);
		assert_int_equal(sa_writer_committed_seq(w), 100);
		assert_int_equal(sa_writer_last_seq(w), 150);
		expect_log(dir, 100);

		/* Space comes back: the retry commits the 50 exactly once. */
		reset_faults();
		assert_int_equal(sa_writer_commit(w), 0);
		assert_int_equal(sa_writer_committed_seq(w), 150);
		assert_int_equal(sa_writer_close(w), 0);
		expect_log(dir, 150);
		tu_rmtree(dir);
	}
}

static void
test_fdatasync_eio(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, NULL, NULL), 0);
	char seg[512];
	snprintf(seg, sizeof seg, "%s", sa_writer_segment_path(w));
	append_some(w, 20);
	assert_int_equal(sa_writer_commit(w), 0);
	off_t good = file_size(seg);
	append_some(w, 20);
	reset_faults();
	fs_fail_in = 1;
	fs_errno = EIO;
	assert_int_equal(sa_writer_commit(w), -EIO);
	/* Unsynced bytes are not left to look committed. */
	assert_int_equal(file_size(seg), good);
	assert_int_equal(sa_writer_committed_seq(w), 20);
	/* The caller gives up on them: numbers come back. */
	sa_writer_discard(w);
	assert_int_equal(sa_writer_last_seq(w), 20);
	reset_faults();
	append_some(w, 5);
	assert_int_equal(sa_writer_commit(w), 0);
	assert_int_equal(sa_writer_close(w), 0);
	expect_log(dir, 25);
	tu_rmtree(dir);
}

static void
test_sync_record_mode_reports(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	struct sa_writer_opts o = {.sync = SA_SYNC_RECORD};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	append_some(w, 3);
	assert_int_equal(sa_writer_committed_seq(w), 3);
	struct sa_record r;
	tu_arena_reset(&arena);
	tu_random_record(&rng, &arena, &r);
	reset_faults();
	pw_fail_in = 1;
	pw_errno = ENOSPC;
	assert_int_equal(sa_writer_append(w, &r), -ENOSPC);
	assert_int_equal(sa_writer_committed_seq(w), 3);
	sa_writer_discard(w);
	reset_faults();
	/* Closing with nothing pending succeeds; the log has 3 records. */
	assert_int_equal(sa_writer_close(w), 0);
	expect_log(dir, 3);
	tu_rmtree(dir);
}

/* Unretried failure, then the process goes away: nothing half-written. */
static void
test_failure_then_close_and_reopen(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	assert_int_equal(sa_writer_open(&w, dir, NULL, NULL), 0);
	append_some(w, 40);
	assert_int_equal(sa_writer_commit(w), 0);
	append_some(w, 40);
	reset_faults();
	pw_fail_in = 1;
	pw_errno = ENOSPC;
	pw_short = 1;
	/* close commits: it fails and says so. */
	assert_int_equal(sa_writer_close(w), -ENOSPC);
	reset_faults();
	struct sa_recovery rep;
	assert_int_equal(sa_writer_open(&w, dir, NULL, &rep), 0);
	assert_int_equal(rep.last_seq, 40);
	assert_int_equal(rep.bytes_dropped, 0);
	append_some(w, 1);
	assert_int_equal(sa_writer_close(w), 0);
	expect_log(dir, 41);
	tu_rmtree(dir);
}

/* Roll-over and sealing failures never fail a commit or lose records. */
static void
test_rollover_and_seal_failures(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	struct sa_writer_opts o = {.segment_size = 64 << 10,
				   .compress_sealed = true};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	uint64_t total = 0;
	for (int round = 0; round < 30; round++) {
		append_some(w, 40);
		total += 40;
		reset_faults();
		/* Fail the header write of the next segment (2nd pwrite),
		 * its fdatasync, or the rename that publishes a seal. */
		if (round % 3 == 0) {
			pw_fail_in = 2;
			pw_errno = ENOSPC;
		} else if (round % 3 == 1) {
			fs_fail_in = 2;
			fs_errno = EIO;
		} else {
			rn_fail_in = 1;
		}
		assert_int_equal(sa_writer_commit(w), 0);
		assert_int_equal(sa_writer_committed_seq(w), total);
		/* A failed roll-over leaves the writer on a real file (it
		 * once named the segment it had failed to create, and the
		 * daemon then sealed the live one under it). */
		struct stat st;
		assert_int_equal(stat(sa_writer_segment_path(w), &st), 0);
	}
	reset_faults();
	assert_int_equal(sa_writer_close(w), 0);
	expect_log(dir, total);
	tu_rmtree(dir);
}

static int
setup(void **state)
{
	(void)state;
	tu_rng_seed(&rng, 77);
	tu_arena_init(&arena, 1 << 20);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_arena_free(&arena);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_failures_then_retry),
	    cmocka_unit_test(test_fdatasync_eio),
	    cmocka_unit_test(test_failed_checkpoint_discarded),
	    cmocka_unit_test(test_sync_record_mode_reports),
	    cmocka_unit_test(test_failure_then_close_and_reopen),
	    cmocka_unit_test(test_rollover_and_seal_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
