/*
 * seaudit-verify-notices-removed-records: records cut out of a segment
 * (whole frames, so every checksum still holds) and a sealed segment
 * deleted from the middle of a log, plain or compressed, are reported by
 * `seaudit -verify` (exit 1, the missing sequence numbers named) and by
 * the record switches, which still show everything that is there.  An
 * intact copy of the same log gives "no damage found".  The oldest
 * segment deleted by hand is reported too; deleted after the writer
 * recorded its removal (a retention record, sealed), it is not damage.
 *
 * The log is written with the library's writer (small segments, so that
 * there are sealed ones); the cut is made with the frame parser, which
 * knows where each record's frame begins and ends.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"
#include "segment.h"

#define NREC 400

static void
write_log(const char *dir, bool compress)
{
	struct sa_writer *w;
	struct sa_writer_opts o = {.origin = "host.example",
				   .segment_size = 8192,
				   .compress_sealed = compress};
	CHECK(sa_writer_open(&w, dir, &o, NULL) == 0);
	for (int i = 0; i < NREC; i++) {
		struct sa_record r;
		hd_record(&r, "t", SA_EV_RESOURCE);
		CHECK(sa_writer_append(w, &r) == 0);
		if (i % 20 == 19) /* segments roll over at commits */
			CHECK(sa_writer_commit(w) == 0);
	}
	CHECK(sa_writer_close(w) == 0);
}

/* The segment files of dir, sorted by name (first sequence number). */
static int
list_segs(const char *dir, char names[][256], int cap)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), k = 0;
	CHECK(n >= 0);
	for (int i = 0; i < n; i++) {
		uint64_t first;
		if (sa_segment_name_parse(ents[i]->d_name, &first, NULL) &&
		    k < cap)
			snprintf(names[k++], 256, "%s", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return k;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	CHECK(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	CHECK(n >= 0);
	rewind(f);
	char *b = malloc((size_t)n + 1);
	CHECK(b != NULL);
	CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Removes records k..k+count-1 (0-based among the segment's records). */
static void
cut_records(const char *path, int k, int count)
{
	size_t len;
	uint8_t *b = (uint8_t *)slurp(path, &len);
	struct sa_seg_header h;
	CHECK(sa__seg_header_decode(b, len, &h) == 0);
	size_t pos = h.length, from = 0, to = 0;
	int idx = 0;
	while (pos < len) {
		struct sa_frame fr;
		CHECK(sa__frame_parse(b + pos, len - pos, &fr) == SA_FRAME_OK);
		if (fr.type == SA_FRAME_RECORD) {
			if (idx == k)
				from = pos;
			if (idx == k + count - 1)
				to = pos + fr.total_len;
			idx++;
		}
		pos += fr.total_len;
	}
	CHECK(to > from && from > 0);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(b, 1, from, f) == from);
	CHECK(fwrite(b + to, 1, len - to, f) == len - to);
	CHECK(fclose(f) == 0);
	free(b);
}

/* Runs the viewer; returns its exit status, stdout and stderr in out. */
static int
run(const char *args, const char *dir, char *out, size_t cap)
{
	const char *viewer = getenv("SEAUDIT");
	CHECK(viewer != NULL);
	char cmd[1400];
	snprintf(cmd, sizeof cmd, "'%s' %s -fn '%s' 2>&1", viewer, args, dir);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t
count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
expect_missing(const char *what, const char *dir, const char *want,
	       size_t want_records)
{
	static char out[1 << 20];
	int st = run("-verify", dir, out, sizeof out);
	if (st != 1 || strstr(out, want) == NULL ||
	    strstr(out, "no damage found") != NULL)
		die("%s: -verify: status %d, want 1 and \"%s\":\n%s", what, st,
		    want, out);
	printf("%s: -verify: %s", what, strstr(out, "seaudit:"));
	st = run("-a -json", dir, out, sizeof out);
	size_t shown = count_lines(out, "\"seq\":");
	if (st != 1 || strstr(out, want) == NULL || shown != want_records)
		die("%s: -a: status %d, %zu records shown (want %zu):\n%.2000s",
		    what, st, shown, want_records, out);
}

int
main(void)
{
	struct hd h;
	hd_init(&h, NULL);
	char plain[400], zst[400], copy[400], cmd[1400], path[800];
	snprintf(plain, sizeof plain, "%s/plain", h.dir);
	snprintf(zst, sizeof zst, "%s/zst", h.dir);
	snprintf(copy, sizeof copy, "%s/copy", h.dir);
	write_log(plain, false);
	write_log(zst, true);

	static char out[1 << 20];
	CHECK(run("-verify", plain, out, sizeof out) == 0);
	CHECK(strstr(out, "no damage found") != NULL);
	CHECK(run("-verify", zst, out, sizeof out) == 0);

	char names[64][256];
	int n = list_segs(plain, names, 64);
	CHECK(n >= 4);

	/* 1. Five records cut from a sealed segment. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, plain,
		 copy);
	CHECK(system(cmd) == 0);
	snprintf(path, sizeof path, "%s/%s", copy, names[1]);
	uint64_t first;
	CHECK(sa_segment_name_parse(names[1], &first, NULL));
	cut_records(path, 3, 5);
	char want[128];
	snprintf(want, sizeof want, "records %llu to %llu are missing",
		 (unsigned long long)first + 3, (unsigned long long)first + 7);
	expect_missing("5 records cut", copy, want, NREC - 5);

	/* 2. One record cut: named alone. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, plain,
		 copy);
	CHECK(system(cmd) == 0);
	cut_records(path, 0, 1);
	snprintf(want, sizeof want, "record %llu is missing",
		 (unsigned long long)first);
	expect_missing("first record cut", copy, want, NREC - 1);

	/* 3. A sealed segment deleted from the middle, plain. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, plain,
		 copy);
	CHECK(system(cmd) == 0);
	uint64_t a, b;
	CHECK(sa_segment_name_parse(names[1], &a, NULL));
	CHECK(sa_segment_name_parse(names[2], &b, NULL));
	snprintf(path, sizeof path, "%s/%s", copy, names[1]);
	CHECK(unlink(path) == 0);
	snprintf(want, sizeof want, "records %llu to %llu are missing",
		 (unsigned long long)a, (unsigned long long)b - 1);
	expect_missing("sealed segment deleted", copy, want,
		       NREC - (size_t)(b - a));

	/* 4. The same in a compressed log. */
	int nz = list_segs(zst, names, 64);
	CHECK(nz >= 4);
	CHECK(strstr(names[1], ".zst") != NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, zst,
		 copy);
	CHECK(system(cmd) == 0);
	CHECK(sa_segment_name_parse(names[1], &a, NULL));
	CHECK(sa_segment_name_parse(names[2], &b, NULL));
	snprintf(path, sizeof path, "%s/%s", copy, names[1]);
	CHECK(unlink(path) == 0);
	snprintf(want, sizeof want, "records %llu to %llu are missing",
		 (unsigned long long)a, (unsigned long long)b - 1);
	expect_missing("compressed segment deleted", copy, want,
		       NREC - (size_t)(b - a));

	/* 5. The oldest segment deleted by hand: its records are named,
	 * since no retention record says they were removed. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, plain,
		 copy);
	CHECK(system(cmd) == 0);
	names[0][0] = '\0';
	n = list_segs(copy, names, 64);
	CHECK(sa_segment_name_parse(names[1], &b, NULL));
	snprintf(path, sizeof path, "%s/%s", copy, names[0]);
	CHECK(unlink(path) == 0);
	CHECK(run("-verify", copy, out, sizeof out) == 1);
	snprintf(want, sizeof want,
		 "records 1 to %llu, before this segment, are gone and no"
		 " retention record",
		 (unsigned long long)b - 1);
	CHECK(strstr(out, want) != NULL);

	/* 6. Removed as retention does it: the writer records the removal
	 * (sa_writer_retention) and seals it first; then it is no damage,
	 * and the report says which records retention removed. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", copy, plain,
		 copy);
	CHECK(system(cmd) == 0);
	{
		struct sa_writer *w;
		struct sa_writer_opts o = {.origin = "host.example",
					   .segment_size = 8192};
		CHECK(sa_writer_open(&w, copy, &o, NULL) == 0);
		snprintf(path, sizeof path, "%s/%s", copy, names[0]);
		struct sa_record r;
		sa_record_init(&r);
		sa_record_set_cstr(&r, SA_F_SERVICE, "test");
		struct sa_retention ret;
		CHECK(sa_writer_retention(w, path, &r, &ret) == 0);
		CHECK(r.event == SA_EV_RETENTION &&
		      r.num[SA_F_REMOVED_FIRST] == 1 &&
		      r.num[SA_F_REMOVED_LAST] == (int64_t)b - 1 &&
		      sa_record_has(&r, SA_F_REMOVED_CHAIN));
		CHECK(sa_writer_append(w, &r) == 0);
		sa_retention_free(&ret);
		CHECK(sa_writer_commit(w) == 0);
		CHECK(sa_writer_close(w) == 0);
	}
	CHECK(unlink(path) == 0);
	CHECK(run("-verify", copy, out, sizeof out) == 0);
	CHECK(strstr(out, "no damage found") != NULL);
	snprintf(want, sizeof want, "records 1 to %llu were removed",
		 (unsigned long long)b - 1);
	CHECK(strstr(out, want) != NULL);

	hd_cleanup(&h);
	printf("PASS\n");
	return 0;
}
