/*
 * test_damage.c - a damaged log never crashes the reader, always yields
 * every intact record, and every damaged region is reported with its file
 * and offset; a writer reopening a truncated log continues it without
 * losing an intact record.
 *
 * The log is a few thousand hostile random records in one plain segment.
 * Frame boundaries are taken from the pristine file, so the test knows
 * exactly which records a given damage may and may not destroy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <seaudit/seaudit.h>

#include "segment.h"
#include "testutil.h"

#define NREC 2000

struct frame_pos {
	size_t off, end;
	uint64_t seq; /* 0 for non-record frames */
};

static uint8_t *pristine;
static size_t pristine_len;
static struct frame_pos *frames;
static size_t nframes;
static size_t hdr_len;
static char segname[64];

struct region {
	uint64_t off, len;
	int err;
};
struct dmg {
	struct region r[4096];
	size_t n;
};

static void
on_damage(const struct sa_damage *d, void *arg)
{
	struct dmg *g = arg;
	assert_non_null(d->file);
	if (g->n < 4096)
		g->r[g->n++] = (struct region){d->offset, d->length, d->error};
}

static void
write_file(const char *dir, const uint8_t *buf, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, segname);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	struct sa_writer_opts o = {.origin = "damagehost"};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	snprintf(segname, sizeof segname, "%s",
		 strrchr(sa_writer_segment_path(w), '/') + 1);
	struct tu_rng rng;
	struct tu_arena a;
	tu_rng_seed(&rng, 99);
	tu_arena_init(&a, 1 << 20);
	for (int i = 0; i < NREC; i++) {
		struct sa_record r;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		assert_int_equal(sa_writer_append(w, &r), 0);
	}
	assert_int_equal(sa_writer_close(w), 0);
	tu_arena_free(&a);
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, segname);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	pristine_len = (size_t)ftell(f);
	rewind(f);
	pristine = malloc(pristine_len);
	assert_int_equal(fread(pristine, 1, pristine_len, f), pristine_len);
	fclose(f);
	tu_rmtree(dir);

	struct sa_seg_header h;
	assert_int_equal(sa__seg_header_decode(pristine, pristine_len, &h), 0);
	hdr_len = h.length;
	frames = calloc(NREC * 2, sizeof *frames);
	size_t pos = hdr_len;
	while (pos < pristine_len) {
		struct sa_frame fr;
		assert_int_equal(
		    sa__frame_parse(pristine + pos, pristine_len - pos, &fr),
		    SA_FRAME_OK);
		frames[nframes].off = pos;
		frames[nframes].end = pos + fr.total_len;
		if (fr.type == SA_FRAME_RECORD) {
			struct sa_record r;
			assert_int_equal(
			    sa_record_decode(fr.payload, fr.payload_len,
					     h.first_seq, h.base_time_us, &r),
			    0);
			frames[nframes].seq = r.seq;
		}
		nframes++;
		pos += fr.total_len;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(pristine);
	free(frames);
	return 0;
}

/*
 * Reads a log directory; checks every yielded record is byte-identical to
 * the pristine one of its seq, and returns the set of seqs seen.
 */
static size_t
read_all(const char *dir, struct dmg *g, uint8_t *seen)
{
	const char *paths[] = {dir};
	struct sa_reader *rd;
	g->n = 0;
	int rc = sa_reader_open(&rd, paths, 1, on_damage, g);
	if (rc == SA_ENOLOG)
		return 0;
	assert_int_equal(rc, 0);
	struct sa_record r;
	size_t n = 0;
	memset(seen, 0, NREC + 1);
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		assert_true(r.seq >= 1 && r.seq <= NREC);
		assert_false(seen[r.seq]);
		seen[r.seq] = 1;
		n++;
	}
	assert_int_equal(rc, 0);
	sa_reader_close(rd);
	return n;
}

/*
 * Truncation at every byte offset of the last three records' frames (and
 * at a prime stride over the 25 frames before them).  Cuts go
 * downwards so each step is one ftruncate of the same file; the file is
 * rewritten only after a writer has repaired and extended it.
 */
static void
test_truncate_every_offset(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	static uint8_t seen[NREC + 1];
	struct dmg *g = malloc(sizeof *g);
	size_t first = frames[nframes - 25].off;
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, segname);
	write_file(dir, pristine, pristine_len);
	size_t every = frames[nframes - 3].off;
	for (size_t cut = pristine_len; cut >= first; cut--) {
		if (cut < every && cut % 53 != 0)
			continue;
		assert_int_equal(truncate(p, (off_t)cut), 0);
		size_t n = read_all(dir, g, seen);
		size_t intact = 0, boundary = hdr_len;
		bool at_boundary = cut == hdr_len;
		for (size_t i = 0; i < nframes; i++) {
			if (frames[i].end <= cut) {
				boundary = frames[i].end;
				if (frames[i].seq) {
					intact++;
					assert_true(seen[frames[i].seq]);
				}
			}
			if (frames[i].end == cut)
				at_boundary = true;
		}
		assert_int_equal(n, intact);
		if (at_boundary) {
			assert_int_equal(g->n, 0);
		} else {
			assert_int_equal(g->n, 1);
			assert_int_equal(g->r[0].err, SA_ETRUNC);
			assert_int_equal(g->r[0].off, boundary);
			assert_int_equal(g->r[0].len, cut - boundary);
		}
		/* Every 13th cut: the writer repairs and continues. */
		if (cut % 13 == 0) {
			struct sa_writer *w;
			struct sa_recovery rep;
			struct sa_writer_opts o = {.origin = "damagehost"};
			assert_int_equal(sa_writer_open(&w, dir, &o, &rep), 0);
			assert_int_equal(rep.bytes_dropped, cut - boundary);
			assert_int_equal(rep.records_found, intact);
			struct sa_record r;
			sa_record_init(&r);
			r.event = SA_EV_STARTUP;
			r.status = 'M';
			r.time_us = 1;
			sa_record_set_cstr(&r, SA_F_SERVICE, "seauditd");
			assert_int_equal(sa_writer_append(w, &r), 0);
			assert_int_equal(r.seq, intact + 1);
			assert_int_equal(sa_writer_close(w), 0);
			g->n = 0;
			const char *paths[] = {dir};
			struct sa_reader *rd;
			assert_int_equal(
			    sa_reader_open(&rd, paths, 1, on_damage, g), 0);
			size_t k = 0;
			while (sa_reader_next(rd, &r) == 1)
				k++;
			sa_reader_close(rd);
			assert_int_equal(k, intact + 1);
			assert_int_equal(g->n, 0);
			write_file(dir, pristine, cut);
		}
	}
	free(g);
	tu_rmtree(dir);
}

/* Random byte flips in the middle of the segment. */
static void
test_flip_bytes(void **state)
{
	(void)state;
	char dir[256];
	tu_mkdtemp(dir, sizeof dir);
	static uint8_t seen[NREC + 1];
	struct dmg *g = malloc(sizeof *g);
	uint8_t *buf = malloc(pristine_len);
	struct tu_rng rng;
	tu_rng_seed(&rng, 1234);
	for (int trial = 0; trial < 300; trial++) {
		memcpy(buf, pristine, pristine_len);
		size_t nflip = 1 + tu_rng_below(&rng, 6);
		size_t flips[8];
		size_t lo = pristine_len / 4, span = pristine_len / 2;
		for (size_t k = 0; k < nflip; k++) {
			flips[k] = lo + tu_rng_below(&rng, span);
			buf[flips[k]] ^= (uint8_t)(1 + tu_rng_below(&rng, 255));
		}
		write_file(dir, buf, pristine_len);
		size_t n = read_all(dir, g, seen);
		size_t intact = 0;
		for (size_t i = 0; i < nframes; i++) {
			bool hit = false;
			for (size_t k = 0; k < nflip; k++)
				if (flips[k] >= frames[i].off &&
				    flips[k] < frames[i].end)
					hit = true;
			if (hit) {
				/* The damaged frame lies in a reported region.
				 */
				bool covered = false;
				for (size_t d = 0; d < g->n; d++)
					if (g->r[d].off <= frames[i].off &&
					    frames[i].off <
						g->r[d].off + g->r[d].len)
						covered = true;
				assert_true(covered);
				continue;
			}
			if (frames[i].seq) {
				intact++;
				assert_true(seen[frames[i].seq]);
			}
		}
		assert_int_equal(n, intact);
		assert_true(g->n >= 1);
		for (size_t d = 0; d < g->n; d++)
			assert_int_equal(g->r[d].err, SA_ECORRUPT);
	}
	free(buf);
	free(g);
	tu_rmtree(dir);
}

/* A damaged zstd chunk costs that chunk only; it is reported. */
static void
test_damaged_zstd_chunk(void **state)
{
	(void)state;
	char dir[256], p[512];
	tu_mkdtemp(dir, sizeof dir);
	struct sa_writer *w;
	struct sa_writer_opts o = {.origin = "z", .segment_size = 8 << 20};
	assert_int_equal(sa_writer_open(&w, dir, &o, NULL), 0);
	snprintf(p, sizeof p, "%s", sa_writer_segment_path(w));
	struct tu_rng rng;
	struct tu_arena a;
	tu_rng_seed(&rng, 5);
	tu_arena_init(&a, 1 << 20);
	int total = 40000;
	for (int i = 0; i < total; i++) {
		struct sa_record r;
		tu_arena_reset(&a);
		tu_random_record(&rng, &a, &r);
		assert_int_equal(sa_writer_append(w, &r), 0);
	}
	assert_int_equal(sa_writer_close(w), 0);
	tu_arena_free(&a);
	assert_int_equal(sa_segment_compress(p, 1), 0);
	char zp[600];
	snprintf(zp, sizeof zp, "%s.zst", p);
	struct stat st;
	assert_int_equal(stat(zp, &st), 0);
	/* Flip a byte a third of the way in: inside some chunk. */
	int fd = open(zp, O_RDWR);
	off_t at = st.st_size / 3;
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0x5a;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	close(fd);
	struct dmg *g = malloc(sizeof *g);
	g->n = 0;
	const char *paths[] = {dir};
	struct sa_reader *rd;
	assert_int_equal(sa_reader_open(&rd, paths, 1, on_damage, g), 0);
	struct sa_record r;
	int n = 0;
	uint64_t last = 0;
	while (sa_reader_next(rd, &r) == 1) {
		assert_true(r.seq > last);
		last = r.seq;
		n++;
	}
	sa_reader_close(rd);
	assert_true(g->n >= 1);
	assert_true(n < total);
	/* One chunk is about 1 MiB of a multi-MiB segment: most survive. */
	assert_true(n > total / 2);
	assert_int_equal(last, (uint64_t)total);
	free(g);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncate_every_offset),
	    cmocka_unit_test(test_flip_bytes),
	    cmocka_unit_test(test_damaged_zstd_chunk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
