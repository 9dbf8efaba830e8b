/*
 * daemon-full-filesystem-sheds-noisy-first - a real full file system, not
 * an injected error: the log lives on a 4 MiB tmpfs mounted for the test
 * (root only; otherwise the test says "skipped" and passes), with
 * reserve = 1M, the default reserved classes (login, admin, untrust,
 * daemon, loss), disk_full_action = refuse and small segments that seal
 * and compress as on a real host.  Four producers send mostly noisy
 * resource records plus login and admin records until the file system is
 * full.  It checks the promise made for exactly this moment:
 *  - once free space is below the reserve, resource frames are shed
 *    (SA_ESHED) while login and admin records are still written, and no
 *    login or admin record is ever shed;
 *  - once the disk is truly full everything is refused (-ENOSPC), login
 *    and admin records included, and the status says refusing with
 *    write errors;
 *  - the log holds loss records whose `lost` add up to exactly the
 *    records refused or shed to the producers (every record of every
 *    refused frame, counted from the error replies), per producer too;
 *  - when space returns (the tmpfs is grown to 64 MiB) the daemon takes
 *    resource records again by itself;
 *  - no acknowledged record is missing, none refused is present, nothing
 *    unacknowledged is present, and the reader reports no damage.
 * The tmpfs is unmounted on every way out (atexit, and on SIGINT/TERM).
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

static const char *
evname(int ev)
{
	return sa_event_json((enum sa_event)ev);
}

int
main(void)
{
	fullfs_start("disk_full_action = refuse\nreserve = 1M\nsync = batch\n"
		     "[logmgr]\naudit_size = 512\n");
	for (int k = 0; k < NPROD; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0)
			producer(k);
	}

	/* The producers fill the file system: first the reserve is reached,
	 * then nothing fits at all. */
	struct status s, s_full;
	uint64_t until = hd_ms() + 120000;
	while (!(status_get(&s) && s.records_shed > 0) && hd_ms() < until)
		usleep(20000);
	if (s.records_shed == 0)
		die("nothing was shed (free %" PRIu64 " bytes)", s.free_bytes);
	uint64_t t_shed = hd_ms();
	printf("shedding after %.1f s of load: free %" PRIu64 " bytes\n",
	       (double)(t_shed - (until - 120000)) / 1000.0, s.free_bytes);
	while (
	    !(status_get(&s_full) && strcmp(s_full.state, "refusing") == 0) &&
	    hd_ms() < until)
		usleep(20000);
	if (strcmp(s_full.state, "refusing") != 0)
		die("the file system never filled up (state %s, free %" PRIu64
		    ")",
		    s_full.state, s_full.free_bytes);
	uint64_t t_full = hd_ms();
	CHECK(s_full.write_errors > 0);
	printf("full %.1f s later: state %s, write_errors %" PRIu64
	       ", free %" PRIu64 " bytes\n",
	       (double)(t_full - t_shed) / 1000.0, s_full.state,
	       s_full.write_errors, s_full.free_bytes);
	usleep(700000); /* the disk stays full for a while */

	/* Space returns: the daemon must notice by itself.  Plenty of it:
	 * the producers write several MB/s and would fill it again. */
	uint64_t t_grow = hd_ms();
	uint64_t t_ok = fullfs_grow();
	usleep(300000); /* load after recovery */
	fullfs_stop_producers();
	fullfs_finish();

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
	uint64_t *where[NPROD];
	fullfs_where(P, where);
	uint64_t acked = 0, shed = 0, refused = 0, reserved_refused = 0;
	uint64_t reserved_while_shedding[SA_EV__COUNT] = {0};
	uint64_t t_first_shed = UINT64_MAX, t_first_full = UINT64_MAX;
	for (int k = 0; k < NPROD; k++)
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			if (f->kind == 'E' && f->code == SA_ESHED &&
			    f->t_reply < t_first_shed)
				t_first_shed = f->t_reply;
			if (f->kind == 'E' && f->code == -ENOSPC &&
			    f->t_reply < t_first_full)
				t_first_full = f->t_reply;
		}
	CHECK(t_first_shed != UINT64_MAX && t_first_full != UINT64_MAX);
	for (int k = 0; k < NPROD; k++) {
		bool resource_after = false;
		for (size_t j = 0; j < P[k].n; j++) {
			const struct frame *f = &P[k].f[j];
			for (int m = 0; m < f->count; m++) {
				uint64_t at = where[k][f->idx + m];
				if (f->kind == 'E') {
					if (at)
						die("p%d:%d refused (%s) but "
						    "in the "
						    "log at seq %" PRIu64,
						    k, f->idx + m,
						    sa_strerror(f->code), at);
					continue;
				}
				uint64_t want = f->first_seq + (uint64_t)m;
				if (at != want)
					die("acknowledged p%d:%d (%s) missing: "
					    "ack "
					    "said seq %" PRIu64
					    ", log has %" PRIu64,
					    k, f->idx + m, evname(f->ev), want,
					    at);
				where[k][f->idx + m] = UINT64_MAX;
			}
			if (f->kind == 'A') {
				acked += (uint64_t)f->count;
				if (f->ev != SA_EV_RESOURCE &&
				    f->t_send > t_first_shed &&
				    f->t_reply < t_first_full)
					reserved_while_shedding[f->ev] +=
					    (uint64_t)f->count;
				if (f->ev == SA_EV_RESOURCE && f->t_send > t_ok)
					resource_after = true;
				continue;
			}
			if (f->code == SA_ESHED) {
				if (f->ev != SA_EV_RESOURCE)
					die("a %s frame of p%d was shed",
					    evname(f->ev), k);
				shed += (uint64_t)f->count;
			} else {
				refused += (uint64_t)f->count;
				if (f->ev != SA_EV_RESOURCE)
					reserved_refused += (uint64_t)f->count;
			}
		}
		for (int i = 0; i < P[k].total; i++)
			if (where[k][i] != 0 && where[k][i] != UINT64_MAX)
				die("p%d:%d in the log but never acknowledged",
				    k, i);
		free(where[k]);
		if (!resource_after)
			die("producer %d: no resource record acknowledged "
			    "after "
			    "space returned",
			    k);
	}
	if (reserved_while_shedding[SA_EV_LOGIN] == 0 ||
	    reserved_while_shedding[SA_EV_ADMIN] == 0)
		die("while resource records were shed, login %" PRIu64
		    " and admin %" PRIu64 " records were written",
		    reserved_while_shedding[SA_EV_LOGIN],
		    reserved_while_shedding[SA_EV_ADMIN]);
	if (reserved_refused == 0)
		die("the disk was full but no login/admin record was refused");
	uint64_t lost = 0;
	for (size_t i = 0; i < nloss; i++) {
		CHECK(loss[i].lost > 0);
		lost += (uint64_t)loss[i].lost;
	}
	if (lost != shed + refused)
		die("loss records count %" PRIu64
		    ", producers were shed %" PRIu64 " and refused %" PRIu64,
		    lost, shed, refused);
	for (int k = 0; k < NPROD; k++) {
		uint64_t said = 0;
		for (size_t i = 0; i < nloss; i++)
			said += hd_loss_for_pid(loss[i].detail, reaped[k]);
		if (said != P[k].refused)
			die("loss details name %" PRIu64
			    " records of producer %d, "
			    "it lost %" PRIu64,
			    said, k, P[k].refused);
		free(P[k].f);
	}
	printf("acked %" PRIu64 ", shed %" PRIu64
	       " (resource only), refused %" PRIu64 " (%" PRIu64
	       " login/admin) when full; login %" PRIu64 " and admin %" PRIu64
	       " written while shedding; %zu loss records "
	       "count exactly %" PRIu64 "; recovered %" PRIu64 " ms after the "
	       "file system grew\n",
	       acked, shed, refused, reserved_refused,
	       reserved_while_shedding[SA_EV_LOGIN],
	       reserved_while_shedding[SA_EV_ADMIN], nloss, lost,
	       t_ok - t_grow);
	free(logv);
	free(loss);
	printf("1 passed, 0 failed\n");
	return 0;
}
