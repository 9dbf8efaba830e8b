/*
 * daemon-full-filesystem-stop-while-blocked-answers-eshutdown - the
 * daemon stopped while it holds frames it cannot commit
 * (docs/PROTOCOL.md §7.1, §10): under disk_full_action = block on a real
 * full tmpfs (root only; otherwise "skipped"), four producers fill the
 * file system until the daemon blocks with their frames pending; then
 * SIGTERM.  What must hold: each frame pending at the stop is answered
 * with an 'E' of -ESHUTDOWN (-108), never left without a reply and never
 * acknowledged (a frame not yet read, since a blocked daemon stops
 * reading, meets the end of the connection instead); none of their
 * records is in the log; every record that was
 * acknowledged is there, at the sequence number its acknowledgement
 * named; no other refusal was seen; the daemon exits 1 (it could not
 * write its shutdown record) within seconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "fullfs.h"

int
main(void)
{
	fullfs_start("disk_full_action = block\nreserve = 0\nsync = batch\n"
		     "compress = no\n[logmgr]\naudit_size = 512\n");
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			producer(k);
	}
	struct status s;
	uint64_t until = hd_ms() + 120000;
	while (!(status_get(&s) && strcmp(s.state, "blocking") == 0) &&
	       hd_ms() < until)
		usleep(20000);
	if (strcmp(s.state, "blocking") != 0)
		die("the daemon never blocked (state %s)", s.state);
	usleep(300000); /* every producer's frame is pending now */

	uint64_t t_stop = hd_ms();
	int st = hd_stop(&h);
	h_live = false;
	uint64_t t_gone = hd_ms();
	printf("stopped while blocking: exit %d after %" PRIu64 " ms\n", st,
	       t_gone - t_stop);
	CHECK(st == 1);
	CHECK(t_gone - t_stop < 10000);
	fullfs_stop_producers();

	struct prod P[NPROD];
	for (int k = 0; k < NPROD; k++)
		load_outcomes(k, &P[k]);
	uint64_t damage = read_log(h.log);
	CHECK(damage == 0);
	uint64_t *where[NPROD];
	fullfs_where(P, where);
	int shut = 0;
	uint64_t acked = 0;
	for (int k = 0; k < NPROD; k++) {
		CHECK(P[k].n > 0);
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			if (f->kind == 'A') {
				for (int m = 0; m < f->count; m++)
					if (where[k][f->idx + m] !=
					    f->first_seq + (uint64_t)m)
						die("acknowledged p%d:%d not "
						    "at "
						    "seq %" PRIu64,
						    k, f->idx + m,
						    f->first_seq + (uint64_t)m);
				acked += (uint64_t)f->count;
				continue;
			}
			if (j + 1 != P[k].n)
				die("p%d: refused (%s) before the stop", k,
				    sa_strerror(f->code));
			/* A frame the daemon had read is answered; one it
			 * had not read yet (it stops reading while blocked)
			 * meets the end of the connection. */
			if (f->code != -ESHUTDOWN && f->code != -EPIPE &&
			    f->code != -ECONNRESET)
				die("p%d: its last frame was answered %s", k,
				    sa_strerror(f->code));
			if (f->t_reply < t_stop)
				die("p%d: -ESHUTDOWN before the stop", k);
			for (int m = 0; m < f->count; m++)
				if (where[k][f->idx + m] != 0)
					die("p%d:%d answered -ESHUTDOWN but "
					    "stored",
					    k, f->idx + m);
			shut += f->code == -ESHUTDOWN;
		}
	}
	printf("%d pending frames answered -ESHUTDOWN, %" PRIu64
	       " acknowledged records all in the log\n",
	       shut, acked);
	CHECK(shut >= 1);
	CHECK(acked > 0);
	for (int k = 0; k < NPROD; k++) {
		free(where[k]);
		free(P[k].f);
	}
	free(logv);
	free(loss);
	return 0;
}
