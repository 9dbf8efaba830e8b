/*
 * daemon-full-filesystem-block-action - disk_full_action = block on a real
 * full file system: the log lives on a 4 MiB tmpfs mounted for the test
 * (root only; otherwise the test says "skipped" and passes), reserve = 0
 * so that nothing is shed, and compress = no so that nothing but the test
 * gives space back.  Four producers submit until the file system is full.
 * Under block the daemon must then hold them: while the disk is full no
 * producer gets an acknowledgement or an error (the status query still
 * answers, and says blocking with write errors).  After the tmpfs grows to
 * 64 MiB, every record they had submitted is acknowledged and present
 * exactly once at the sequence number its acknowledgement named, nothing
 * was refused, no loss record was written, and the reader reports no
 * damage.  The tmpfs is unmounted on every way out (atexit, SIGINT/TERM).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "fullfs.h"

int
main(void)
{
	fullfs_start("disk_full_action = block\nreserve = 0\nsync = batch\n"
		     "compress = no\n[logmgr]\naudit_size = 512\n");
	uint64_t t_start = hd_ms();
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			producer(k);
	}

	/* The producers fill the file system; the daemon then blocks. */
	struct status s, s_blk;
	uint64_t until = hd_ms() + 120000;
	while (!(status_get(&s_blk) && strcmp(s_blk.state, "blocking") == 0) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s_blk.state, "blocking") != 0)
		die("the daemon never blocked (state %s, free %" PRIu64 ")",
		    s_blk.state, s_blk.free_bytes);
	uint64_t t_block = hd_ms();
	printf("blocking after %.1f s of load: free %" PRIu64 " bytes, "
	       "write_errors %" PRIu64 "\n",
	       (double)(t_block - t_start) / 1000.0, s_blk.free_bytes,
	       s_blk.write_errors);
	/* It stays blocked, and keeps answering status queries. */
	uint64_t errs = s_blk.write_errors;
	for (int i = 0; i < 4; i++) {
		usleep(300000);
		CHECK(status_get(&s));
		if (strcmp(s.state, "blocking") != 0)
			die("state %s while the disk is still full", s.state);
		CHECK(s.write_errors >= errs);
		CHECK(s.records_refused == 0 && s.records_shed == 0);
		errs = s.write_errors;
	}
	CHECK(errs > s_blk.write_errors); /* it keeps retrying */

	/* Space returns: the daemon must notice by itself.  Plenty of it:
	 * the producers write several MB/s and would block again. */
	uint64_t t_grow = hd_ms();
	CHECK(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=64m") == 0);
	until = hd_ms() + 10000;
	while (!(status_get(&s) && strcmp(s.state, "ok") == 0) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s.state, "ok") != 0)
		die("no recovery after the file system grew (state %s)",
		    s.state);
	uint64_t t_ok = hd_ms();
	usleep(300000); /* load after recovery */
	fullfs_stop_producers();
	CHECK(status_get(&s));
	CHECK(s.lost_pending == 0 && s.records_refused == 0 &&
	      s.records_shed == 0);
	CHECK(hd_stop(&h) == 0);

	/* ---- verification ---- */
	struct prod P[NPROD];
	for (int k = 0; k < NPROD; k++)
		load_outcomes(k, &P[k]);
	uint64_t damage = read_log(h.log);
	CHECK(damage == 0);
	CHECK(nlog > 0);
	for (size_t i = 0; i < nlog; i++)
		if (logv[i].seq != i + 1)
			die("log seq %" PRIu64 " at position %zu", logv[i].seq,
			    i);
	if (nloss != 0)
		die("%zu loss records under block (first: %s)", nloss,
		    loss[0].detail);
	uint64_t *where[NPROD];
	fullfs_where(P, where);
	uint64_t acked = 0, held = 0, longest = 0;
	for (int k = 0; k < NPROD; k++) {
		bool spanned = false;
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			if (f->kind == 'E')
				die("p%d:%d..: %s under block", k, f->idx,
				    sa_strerror(f->code));
			for (int m = 0; m < f->count; m++) {
				uint64_t want = f->first_seq + (uint64_t)m;
				if (where[k][f->idx + m] != want)
					die("acknowledged p%d:%d missing: ack "
					    "said "
					    "seq %" PRIu64 ", log has %" PRIu64,
					    k, f->idx + m, want,
					    where[k][f->idx + m]);
			}
			acked += (uint64_t)f->count;
			/* Nothing is answered while the disk is full (margin:
			 * a reply sent before may be timed late by a
			 * descheduled producer)... */
			if (f->t_reply > t_block + 250 && f->t_reply < t_grow)
				die("p%d acknowledged while the disk was full",
				    k);
			/* ...and what was sent meanwhile is answered after. */
			if (f->t_send + 100 < t_grow && f->t_reply >= t_grow) {
				spanned = true;
				held += (uint64_t)f->count;
				if (f->t_reply - f->t_send > longest)
					longest = f->t_reply - f->t_send;
			}
		}
		/* Every submitted record was acknowledged: none left over. */
		for (int i = 0; i < P[k].total; i++)
			CHECK(where[k][i] != 0);
		if (!spanned)
			die("producer %d was not held until space returned", k);
		free(where[k]);
		free(P[k].f);
	}
	printf("acked %" PRIu64 ", none refused, no loss records; %" PRIu64
	       " records held across the full disk (longest wait %" PRIu64
	       " ms) and acknowledged after it grew; recovered %" PRIu64
	       " ms after the file system grew\n",
	       acked, held, longest, t_ok - t_grow);
	free(logv);
	free(loss);
	printf("1 passed, 0 failed\n");
	return 0;
}
