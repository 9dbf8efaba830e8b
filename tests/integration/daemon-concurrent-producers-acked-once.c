/*
 * daemon-concurrent-producers-acked-once - 200 producer processes submit
 * 1,500 records each (in frames of 1, 10 and 100) to one real seauditd.
 * Every acknowledged record must be in the log exactly once, at the
 * sequence numbers its acknowledgement named, in acknowledged order per
 * producer, stamped with that producer's pid.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

#define NPROD 200
#define PER 1500

static void
producer(struct hd *h, int k)
{
	struct sa_client *c;
	if (sa_client_connect(&c, h->sock, 5000) < 0)
		_exit(10);
	char path[400];
	snprintf(path, sizeof path, "%s/p%d.acks", h->dir, k);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		_exit(11);
	static const int sizes[] = {1, 10, 100};
	static struct sa_record recs[100];
	static char tags[100][32];
	int i = 0, b = 0;
	while (i < PER) {
		int n = sizes[(k + b++) % 3];
		if (n > PER - i)
			n = PER - i;
		for (int j = 0; j < n; j++) {
			snprintf(tags[j], sizeof tags[j], "p%d:%d", k, i + j);
			hd_record(&recs[j], tags[j], SA_EV_RESOURCE);
		}
		struct sa_proto_ack ack;
		struct sa_proto_err err;
		int rc =
		    sa_client_submit(c, recs, (size_t)n, 30000, &ack, &err);
		if (rc < 0) {
			fprintf(stderr, "producer %d: %s (%s)\n", k,
				sa_strerror(rc), err.message);
			_exit(12);
		}
		if (ack.count != (uint32_t)n ||
		    ack.last_seq - ack.first_seq + 1 != (uint64_t)n)
			_exit(13);
		fprintf(f, "%d %" PRIu64 " %d\n", i, ack.first_seq, n);
		i += n;
	}
	fclose(f);
	sa_client_close(c);
	_exit(0);
}

int
main(void)
{
	struct hd h;
	hd_init(&h, "sync = batch\n");
	hd_start(&h, NULL);
	pid_t pids[NPROD];
	uint64_t t0 = hd_ms();
	for (int k = 0; k < NPROD; k++) {
		pids[k] = fork();
		CHECK(pids[k] >= 0);
		if (pids[k] == 0)
			producer(&h, k);
	}
	for (int k = 0; k < NPROD; k++) {
		int st;
		CHECK(waitpid(pids[k], &st, 0) == pids[k]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("producer %d failed (status %d)", k, st);
	}
	uint64_t ms = hd_ms() - t0;
	CHECK(hd_stop(&h) == 0);

	struct hd_rec *v;
	uint64_t damage;
	size_t n = hd_read_log(h.log, &v, &damage);
	CHECK(damage == 0);
	/* Index the log by seq (seqs are dense from 1). */
	CHECK(n == (size_t)NPROD * PER + 2); /* + startup + shutdown */
	for (size_t i = 0; i < n; i++)
		CHECK(v[i].seq == i + 1);
	static uint8_t seen[NPROD][PER];
	/* No origin configured: every record carries the host name. */
	char host[64] = "";
	gethostname(host, sizeof host - 1);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].origin, host) != 0)
			die("seq %zu: origin \"%s\", want the host name \"%s\"",
			    i + 1, v[i].origin, host);
	for (size_t i = 0; i < n; i++) {
		int k, idx;
		if (sscanf(v[i].session, "p%d:%d", &k, &idx) != 2)
			continue;
		CHECK(k >= 0 && k < NPROD && idx >= 0 && idx < PER);
		if (seen[k][idx]++)
			die("record p%d:%d twice", k, idx);
		if (v[i].pid != pids[k])
			die("record p%d:%d stamped pid %" PRId64
			    ", producer %d",
			    k, idx, v[i].pid, (int)pids[k]);
	}
	/* Every acknowledgement names exactly where its records are. */
	for (int k = 0; k < NPROD; k++) {
		char path[400];
		snprintf(path, sizeof path, "%s/p%d.acks", h.dir, k);
		FILE *f = fopen(path, "r");
		CHECK(f != NULL);
		int first, cnt;
		uint64_t seq, prev = 0;
		int total = 0;
		while (fscanf(f, "%d %" SCNu64 " %d", &first, &seq, &cnt) ==
		       3) {
			CHECK(seq > prev); /* acknowledged order */
			for (int j = 0; j < cnt; j++) {
				char want[32];
				snprintf(want, sizeof want, "p%d:%d", k,
					 first + j);
				if (strcmp(v[seq - 1 + (uint64_t)j].session,
					   want))
					die("seq %" PRIu64
					    " holds %s, ack said %s",
					    seq + (uint64_t)j,
					    v[seq - 1 + (uint64_t)j].session,
					    want);
			}
			prev = seq + (uint64_t)cnt - 1;
			total += cnt;
		}
		fclose(f);
		CHECK(total == PER);
		for (int idx = 0; idx < PER; idx++)
			CHECK(seen[k][idx] == 1);
	}
	printf(
	    "%d producers x %d records: all %zu acknowledged records present "
	    "once, in order (%.0f records/s)\n",
	    NPROD, PER, (size_t)NPROD * PER,
	    (double)NPROD * PER * 1000.0 / (double)(ms ? ms : 1));
	free(v);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
