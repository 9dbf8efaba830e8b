/*
 * fuzz_segment.c - libFuzzer target for the segment reader and the
 * writer's recovery scan: the input is a segment file (plain, or
 * zstd-compressed when it starts with a zstd magic).
 *
 * The reader must read to the end without crashing, yield only valid
 * records in increasing sequence order within the segment, and report
 * damage instead of stopping; seeks must not crash either.  The verifier
 * (sa_log_verify) reads it to the end too, and never finds a signature
 * valid under a key nobody signed with.  Then a writer opened on the same
 * bytes must repair them, resume their chain, and append.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void
put_file(const char *name, const uint8_t *data, size_t size)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void
clear_dir(void)
{
	static const char *const names[] = {
	    "0000000000000001.seg", "0000000000000001.seg.zst",
	    "0000000000000001.seg.zst.tmp", "LOCK"};
	char p[128];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	/* Segments a writer may have started after recovery. */
	for (int k = 2; k < 4096; k *= 2) {
		snprintf(p, sizeof p, "%s/%016x.seg", dir, k);
		unlink(p);
	}
}

static void
ignore(const struct sa_damage *d, void *arg)
{
	(void)d;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "/tmp/seaudit-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	clear_dir();
	bool zst = size >= 4 && data[0] == 0x28 && data[1] == 0xb5;
	put_file(zst ? "0000000000000001.seg.zst" : "0000000000000001.seg",
		 data, size);
	const char *paths[] = {dir};
	struct sa_reader *rd;
	if (sa_reader_open(&rd, paths, 1, ignore, NULL) == 0) {
		struct sa_record r;
		uint64_t last = 0;
		int rc;
		while ((rc = sa_reader_next(rd, &r)) == 1) {
			if (sa_record_validate(&r, NULL) != 0)
				abort();
			(void)last;
			last = r.seq;
		}
		if (rc < 0)
			abort();
		sa_reader_seek_seq(rd, last / 2 + 1);
		while (sa_reader_next(rd, &r) == 1)
			;
		sa_reader_seek_time(rd, INT64_C(1700000000000000));
		while (sa_reader_next(rd, &r) == 1)
			;
		sa_reader_close(rd);
	}
	/* A windowed read parses the footer of a sealed segment. */
	if (sa_reader_open(&rd, paths, 1, ignore, NULL) == 0) {
		struct sa_record r;
		sa_reader_set_window(rd, INT64_C(1700000000000000),
				     INT64_C(1700000600000000));
		while (sa_reader_next(rd, &r) == 1)
			if (r.time_us < INT64_C(1700000000000000) ||
			    r.time_us >= INT64_C(1700000600000000))
				abort();
		sa_reader_close(rd);
	}
	/* The verifier: any bytes, and no forgery accepted. */
	static const uint8_t vk[SA_SEAL_KEY_LEN] = {7, 7, 7};
	struct sa_verify_opts vo = {.vk = vk, .cb = ignore};
	struct sa_verify_result vr;
	int vrc = sa_log_verify(paths, 1, &vo, &vr);
	if (vrc == 0 && vr.signatures > 0)
		abort();
	if (vrc == -ENOMEM)
		abort();
	if (!zst) {
		struct sa_writer *w;
		struct sa_writer_opts o = {.origin = "fuzz",
					   .sync = SA_SYNC_NONE};
		if (sa_writer_open(&w, dir, &o, NULL) == 0) {
			struct sa_record r;
			sa_record_init(&r);
			r.event = SA_EV_STARTUP;
			r.status = 'M';
			sa_record_set_cstr(&r, SA_F_SERVICE, "fuzz");
			sa_writer_append(w, &r);
			sa_writer_close(w);
		}
	}
	clear_dir();
	return 0;
}
