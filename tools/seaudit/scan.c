/*
 * scan.c - reading the log through the filter: the record modes, -follow
 * and -verify.
 *
 * Damage never stops the scan: the reader resynchronises and the viewer
 * reports each damaged region on stderr as
 *   seaudit: FILE: offset N: L bytes skipped: REASON
 * (a whole file refused: "seaudit: FILE: REASON") and shows everything
 * readable; the exit status is then 1.
 *
 * With -since or -until the reader is given the window: it seeks to its
 * start by time (logarithmic), and in sealed segments it skips every block
 * whose footer shows no event time inside the window, so a short window in
 * a big log reads a few blocks plus the active segment, although event
 * times need not be monotonic in a log.
 *
 * -follow: the reader's follow mode turns "end of log" into "nothing new
 * yet"; the viewer then writes out what it has and waits on the reader's
 * follow descriptor (inotify: woken as records arrive), at most
 * FOLLOW_WAIT_MS (file systems that report no changes), before asking
 * again; without the descriptor it sleeps FOLLOW_POLL_MS.  It picks up
 * appended records and new segments (rotation).
 * SIGINT and SIGTERM end it cleanly (exit 0) after a last flush.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <seaudit/seaudit.h>

#include "view.h"

#define FOLLOW_POLL_MS 200
#define FOLLOW_WAIT_MS 1000

static volatile sig_atomic_t stop_requested;

struct scan_state {
	struct output *out; /* NULL for -verify */
	bool hinted;	    /* audit-group hint printed */
	uint64_t damaged;   /* reports received, also before a reader exists */
};

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Without SA_RESTART, so the poll sleep ends at once on a signal. */
static void
install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		err(1, "sigaction");
}

/*
 * In a .zst segment an offset is either in the compressed file (a zstd
 * chunk failed) or in the decompressed stream (a frame inside a chunk was
 * bad); say which, so that the offset can be found with the right tool.
 */
static const char *
offset_kind(const struct sa_damage *d)
{
	size_t n = strlen(d->file);

	if (d->compressed)
		return " (compressed)";
	if (n > 4 && strcmp(d->file + n - 4, ".zst") == 0)
		return " (decompressed)";
	return "";
}

static void
damage_report(const struct sa_damage *d, void *arg)
{
	struct scan_state *st = arg;

	/* Records read before the damage go out first, in order. */
	if (st->out != NULL)
		output_flush(st->out);
	st->damaged++;
	if (d->error == SA_ESEQGAP && d->seq_first == d->seq_last)
		fprintf(stderr,
			"seaudit: %s: offset %llu: record %llu is missing"
			" (cut out, or its segment removed)\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_first);
	else if (d->error == SA_ESEQGAP)
		fprintf(stderr,
			"seaudit: %s: offset %llu: records %llu to %llu are"
			" missing (%llu records cut out, or a segment"
			" removed)\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_first,
			(unsigned long long)d->seq_last,
			(unsigned long long)d->seq_last -
			    (unsigned long long)d->seq_first + 1);
	else if (d->error == SA_EREMOVED) {
		/* seq_last 0: the next segment, where they end, is unknown. */
		char range[64];
		if (d->seq_last >= d->seq_first)
			snprintf(range, sizeof range, "%llu to %llu",
				 (unsigned long long)d->seq_first,
				 (unsigned long long)d->seq_last);
		else
			snprintf(range, sizeof range, "from %llu on",
				 (unsigned long long)d->seq_first);
		fprintf(stderr,
			"seaudit: %s: records %s were removed before they could"
			" be read (audit_max_files retention, or deleted)\n",
			d->file, range);
	} else if (d->error == SA_ESEQBACK)
		fprintf(stderr,
			"seaudit: %s: offset %llu: record number %llu appears"
			" again or out of order\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_first);
	else if (d->error == SA_ECHAIN)
		fprintf(stderr,
			"seaudit: %s: offset %llu: records %llu to %llu are"
			" not the ones the checkpoint here sealed (one"
			" altered, removed, inserted, or two swapped)\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_first,
			(unsigned long long)d->seq_last);
	else if (d->error == SA_EFOREIGN && d->offset == 0)
		fprintf(stderr,
			"seaudit: %s: this segment (from record %llu) does not"
			" continue the log: another log's, or replaced,"
			" replayed or moved\n",
			d->file, (unsigned long long)d->seq_first);
	else if (d->error == SA_EFOREIGN)
		fprintf(stderr,
			"seaudit: %s: offset %llu: the checkpoint through"
			" record %llu belongs to another log\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_first);
	else if (d->error == SA_EHEADGONE)
		fprintf(stderr,
			"seaudit: %s: records %llu to %llu, before this"
			" segment, are gone and no retention record in the"
			" log names their removal (cut, not retained away;"
			" or not all of the log was given)\n",
			d->file, (unsigned long long)d->seq_first,
			(unsigned long long)d->seq_last);
	else if (d->error == SA_EBADSIG || d->error == SA_ENOCKPT)
		fprintf(stderr,
			"seaudit: %s: offset %llu: the checkpoint through"
			" record %llu: %s\n",
			d->file, (unsigned long long)d->offset,
			(unsigned long long)d->seq_last,
			d->error == SA_EBADSIG
			    ? "its signature does not verify with the"
			      " verification key (forged, altered, or"
			      " unsigned)"
			    : "the signing key's epochs do not follow"
			      " (checkpoints removed), or the epochs before it"
			      " are gone and no retention record's key bridge"
			      " leads there");
	/* A whole file refused (unreadable, not a log): no offset to give. */
	else if (d->length == 0 && d->offset == 0)
		fprintf(stderr, "seaudit: %s: %s\n", d->file,
			sa_strerror(d->error));
	else
		fprintf(stderr,
			"seaudit: %s: offset %llu%s: %llu bytes skipped: %s\n",
			d->file, (unsigned long long)d->offset, offset_kind(d),
			(unsigned long long)d->length, sa_strerror(d->error));
	if ((d->error == -EACCES || d->error == -EPERM) && !st->hinted) {
		logpath_group_hint(d->file);
		st->hinted = true;
	}
}

/* Until the log changes (fd), at most FOLLOW_WAIT_MS; EINTR: a stop
 * signal, checked by the caller. */
static void
follow_wait(int fd)
{
	if (fd < 0) {
		struct timespec ts = {0, FOLLOW_POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
		return;
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	(void)poll(&p, 1, FOLLOW_WAIT_MS);
}

static void
poll_sleep(void)
{
	struct timespec ts = {0, FOLLOW_POLL_MS * 1000000L};

	nanosleep(&ts, NULL); /* EINTR: a stop signal, checked by caller */
}

/* The -fn paths (checked), or the configured log; static storage. */
static const char *const *
log_paths(const struct view_opts *o, size_t *n)
{
	static char defbuf[PATH_MAX];
	static const char *def[1];
	if (o->nfiles > 0) {
		for (size_t i = 0; i < o->nfiles; i++)
			logpath_check(o->files[i]);
		*n = o->nfiles;
		return o->files;
	}
	def[0] = logpath_default(defbuf, sizeof defbuf);
	*n = 1;
	return def;
}

/* Opens the reader over -fn paths or the configured log. */
static struct sa_reader *
open_reader(const struct view_opts *o, struct scan_state *st)
{
	size_t n;
	const char *const *paths = log_paths(o, &n);
	struct sa_reader *rd = NULL;
	int rc = sa_reader_open(&rd, paths, n, damage_report, st);
	if (rc == SA_ENOLOG && !o->follow && st->damaged == 0) {
		/* An empty directory, or one that is not a log, is not "no
		 * records matched": the user named the wrong place, or the
		 * writer never wrote.  -follow waits for a first segment. */
		for (size_t i = 0; i < n; i++)
			warnx("%s: no log segments here (not a seaudit log"
			      " directory, or an empty one)",
			      paths[i]);
		st->damaged++;
		return NULL;
	}
	if (rc == SA_ENOLOG)
		return NULL;
	if (rc < 0)
		errx(1, "%s: %s", n == 1 ? paths[0] : "log", sa_strerror(rc));
	return rd;
}

/* -verify -json: the problems, kept for the report (bounded). */
#define VERIFY_JSON_MAX 1000
struct vproblem {
	char file[PATH_MAX];
	unsigned long long offset, first, last;
	int error;
};
struct vjson {
	struct scan_state *st;
	struct vproblem *v;
	size_t n;
	unsigned long long dropped;
};

static void
verify_json_damage(const struct sa_damage *d, void *arg)
{
	struct vjson *j = arg;
	j->st->damaged++;
	if (j->n == VERIFY_JSON_MAX) {
		j->dropped++;
		return;
	}
	struct vproblem *p = &j->v[j->n++];
	snprintf(p->file, sizeof p->file, "%s", d->file ? d->file : "");
	p->offset = d->offset;
	p->first = d->seq_first;
	p->last = d->seq_last;
	p->error = d->error;
}

/* The verification key: the text form, or a file holding it. */
static void
verify_key(const char *arg, uint8_t vk[SA_SEAL_KEY_LEN])
{
	if (sa_seal_vk_parse(arg, vk) == 0)
		return;
	FILE *f = fopen(arg, "r");
	char line[256];
	if (f != NULL && fgets(line, sizeof line, f) != NULL &&
	    sa_seal_vk_parse(line, vk) == 0) {
		fclose(f);
		return;
	}
	if (f != NULL)
		fclose(f);
	usage_error("-verify-key: \"%s\" is neither a verification key"
		    " (sealvk1: and 64 hexadecimal digits) nor a file"
		    " holding one",
		    arg);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void
json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/*
 * -verify: framing, sequence, chain, checkpoints (and signatures with
 * -verify-key).  Exit 0: intact and every record sealed; 3: intact, the
 * newest records not sealed yet (or written before sealing); 1: a
 * problem.
 */
static int
verify_run(const struct view_opts *o)
{
	struct scan_state st = {NULL, false, 0};
	uint8_t vk[SA_SEAL_KEY_LEN];
	bool keyed = o->verify_key != NULL;
	if (keyed)
		verify_key(o->verify_key, vk);
	size_t n;
	const char *const *paths = log_paths(o, &n);
	bool json = o->form == FORM_JSON;
	struct vjson j = {.st = &st};
	if (json && (j.v = calloc(VERIFY_JSON_MAX, sizeof *j.v)) == NULL)
		err(1, "memory");
	struct sa_verify_opts vo = {.vk = keyed ? vk : NULL,
				    .cb = json ? verify_json_damage
					       : damage_report,
				    .arg = json ? (void *)&j : (void *)&st};
	struct sa_verify_result res;
	int rc = sa_log_verify(paths, n, &vo, &res);
	if (rc == SA_ENOLOG && st.damaged == 0) {
		for (size_t i = 0; i < n; i++)
			warnx("%s: no log segments here (not a seaudit log"
			      " directory, or an empty one)",
			      paths[i]);
		st.damaged++;
	} else if (rc < 0 && rc != SA_ENOLOG) {
		errx(1, "verifying: %s", sa_strerror(rc));
	}
	unsigned long long problems = st.damaged;
	bool sealed =
	    res.unsealed == 0 && res.unchained == 0 && res.open_logs == 0;
	int status = problems > 0 ? 1 : sealed ? 0 : 3;
	if (json) {
		printf("{\"status\":\"%s\",\"records\":%llu,"
		       "\"segments\":%llu,\"checkpoints\":%llu,"
		       "\"signatures_checked\":%s,\"signatures\":%llu,"
		       "\"epoch\":%llu,\"sealed_seq\":%llu,"
		       "\"last_seq\":%llu,\"unsealed\":%llu,"
		       "\"unchained\":%llu,\"open\":%llu,"
		       "\"removed_by_retention\":%llu,\"problems\":%llu,"
		       "\"problem_list\":[",
		       status == 1   ? "damaged"
		       : status == 3 ? "unsealed"
				     : "intact",
		       (unsigned long long)res.records,
		       (unsigned long long)res.segments,
		       (unsigned long long)res.checkpoints,
		       keyed ? "true" : "false",
		       (unsigned long long)res.signatures,
		       (unsigned long long)res.epoch,
		       (unsigned long long)res.sealed_seq,
		       (unsigned long long)res.last_seq,
		       (unsigned long long)res.unsealed,
		       (unsigned long long)res.unchained,
		       (unsigned long long)res.open_logs,
		       (unsigned long long)res.removed_seq, problems);
		for (size_t i = 0; i < j.n; i++) {
			printf("%s{\"file\":", i ? "," : "");
			json_str(j.v[i].file);
			printf(",\"offset\":%llu,\"code\":\"%s\","
			       "\"seq_first\":%llu,\"seq_last\":%llu,"
			       "\"message\":",
			       j.v[i].offset, sa_errname(j.v[i].error),
			       j.v[i].first, j.v[i].last);
			json_str(sa_strerror(j.v[i].error));
			printf("}");
		}
		printf("],\"problems_not_listed\":%llu}\n", j.dropped);
		free(j.v);
		return status;
	}
	if (problems > 0)
		printf("%llu records readable, %llu damaged regions\n",
		       (unsigned long long)res.records, problems);
	else
		printf("%llu records, no damage found\n",
		       (unsigned long long)res.records);
	if (res.checkpoints > 0)
		printf("chain: %llu checkpoints match, the last sealing record"
		       " %llu\n",
		       (unsigned long long)res.checkpoints,
		       (unsigned long long)res.sealed_seq);
	if (res.records == 0 && res.segments == 0)
		return status; /* nothing read: the lines below say nothing */
	if (res.removed_seq > 0)
		printf("retention: records 1 to %llu were removed, as a sealed"
		       " retention record in the log says\n",
		       (unsigned long long)res.removed_seq);
	if (keyed)
		printf("signatures: %llu checkpoints verified with the key,"
		       " through epoch %llu\n",
		       (unsigned long long)res.signatures,
		       (unsigned long long)res.epoch);
	else
		printf("signatures: not checked (no -verify-key): the chain"
		       " shows damage, not a forger\n");
	if (res.unsealed > 0 && problems > 0)
		printf("not proved: %llu records after record %llu, the last"
		       " a matching checkpoint covers\n",
		       (unsigned long long)res.unsealed,
		       (unsigned long long)res.sealed_seq);
	else if (res.unsealed > 0)
		printf("not yet sealed: the newest %llu records, after record"
		       " %llu (a live log; or a tail cut after its last"
		       " checkpoint)\n",
		       (unsigned long long)res.unsealed,
		       (unsigned long long)res.sealed_seq);
	if (res.open_logs > 0 && res.unsealed == 0)
		printf("not closed: the log does not end with its writer's"
		       " final checkpoint (a live log; or one crashed, or cut"
		       " after a checkpoint)\n");
	if (res.unchained > 0)
		printf("not sealed: %llu records written before sealing (no"
		       " chain)\n",
		       (unsigned long long)res.unchained);
	return status;
}

int
scan_run(const struct view_opts *o, const struct sa_filter *f)
{
	struct scan_state st = {NULL, false, 0};
	struct sa_record r;
	int rc, status = 0;
	bool caught_up = false;

	if (o->mode == MODE_VERIFY)
		return verify_run(o);

	st.out = output_new(o->form, o->fmt_flags, o->last_set, o->last_n);
	if (o->follow)
		install_stop_handlers();
	struct sa_reader *rd = open_reader(o, &st);
	/* An empty log: nothing matched, or (-follow) wait for records. */
	while (rd == NULL && o->follow && !stop_requested && st.damaged == 0) {
		output_release_ring(st.out);
		output_flush(st.out);
		poll_sleep();
		rd = open_reader(o, &st);
	}
	if (rd == NULL) {
		/* Nothing readable: an empty log, or only refused files. */
		output_finish(st.out);
		return st.damaged > 0 ? 1 : 0;
	}
	if ((o->since_us != INT64_MIN || o->until_us != INT64_MAX) &&
	    (rc = sa_reader_set_window(rd, o->since_us, o->until_us)) < 0)
		errx(1, "-since/-until: seeking the log: %s", sa_strerror(rc));
	int wake = -1;
	if (o->follow) {
		sa_reader_follow(rd, true);
		wake = sa_reader_fd(rd); /* < 0: sleep and poll instead */
	}

	while (!stop_requested) {
		rc = sa_reader_next(rd, &r);
		if (rc == 1) {
			if (sa_filter_match(f, &r))
				output_record(st.out, &r);
			continue;
		}
		if (rc < 0) {
			output_flush(st.out);
			warnx("reading the log: %s", sa_strerror(rc));
			status = 1;
			break;
		}
		if (!o->follow)
			break;
		/* Caught up: show the last N, then every new batch at once. */
		if (!caught_up) {
			output_release_ring(st.out);
			caught_up = true;
		}
		output_flush(st.out);
		follow_wait(wake);
	}

	if (output_failed(st.out))
		status = 1;
	output_finish(st.out);
	if (st.damaged > 0 || sa_reader_damage_count(rd) > 0)
		status = 1;
	sa_reader_close(rd);
	return status;
}
