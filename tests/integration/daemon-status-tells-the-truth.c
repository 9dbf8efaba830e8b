/*
 * daemon-status-tells-the-truth - the status reply (docs/PROTOCOL.md §9)
 * is right from the first query: free_bytes is the file system's free
 * space before any record arrived, bytes_written grows by exactly the
 * bytes appended to the log's segments, and the reply names the daemon
 * (pid, version, uptime, configuration file) and the limits a producer
 * must respect (max_frame_bytes, max_record_bytes, max_batch,
 * max_clients, reserved_events).  (state=shedding is checked by
 * daemon-full-filesystem-mixed-frames-keeps-reserved, loss causes too.)
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

static char text[8192];

static void
status(struct hd *h)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h->sock, 2000) == 0);
	struct sa_buf b = SA_BUF_INIT;
	CHECK(sa_client_status(c, 5000, &b) == 0);
	sa_client_close(c);
	CHECK(b.len < sizeof text);
	memcpy(text, b.data, b.len);
	text[b.len] = '\0';
	sa_buf_free(&b);
}

static const char *
value(const char *key)
{
	static char v[512];
	char k[64];
	snprintf(k, sizeof k, "\n%s=", key);
	const char *p = strncmp(text, k + 1, strlen(k + 1)) == 0
			    ? text + strlen(k + 1)
			    : strstr(text, k);
	if (p == NULL)
		die("status lacks %s:\n%s", key, text);
	if (p != text + strlen(k + 1))
		p += strlen(k);
	size_t n = strcspn(p, "\n");
	snprintf(v, sizeof v, "%.*s", (int)n, p);
	return v;
}

static uint64_t
num(const char *key)
{
	return strtoull(value(key), NULL, 10);
}

static uint64_t
log_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	uint64_t sum = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		uint64_t first;
		if (!sa_segment_name_parse(e->d_name, &first, NULL))
			continue;
		char p[800];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		CHECK(stat(p, &st) == 0);
		sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

int
main(void)
{
	struct hd h;
	hd_init(&h, "max_record_bytes = 5000\nmax_clients = 77\n");
	hd_start(&h, NULL);
	status(&h);
	struct statvfs sv;
	CHECK(statvfs(h.log, &sv) == 0);
	uint64_t fs_free = (uint64_t)sv.f_bavail * sv.f_frsize;
	uint64_t fb = num("free_bytes");
	if (fb == 0 || fb > fs_free + (64u << 20) || fb + (64u << 20) < fs_free)
		die("free_bytes=%" PRIu64
		    " before any record; statvfs says %" PRIu64,
		    fb, fs_free);
	if ((pid_t)num("pid") != h.pid)
		die("pid=%s, the daemon is %ld", value("pid"), (long)h.pid);
	CHECK(strcmp(value("version"), SEAUDIT_VERSION_STRING) == 0);
	CHECK(strcmp(value("config"), h.conf) == 0);
	CHECK(num("max_record_bytes") == 5000);
	CHECK(num("max_clients") == 77);
	CHECK(num("max_frame_bytes") == 4194304);
	CHECK(num("max_batch") == SA_PROTO_MAX_BATCH);
	CHECK(strstr(value("reserved_events"), "login") != NULL);
	CHECK(strtoll(value("uptime_s"), NULL, 10) >= 0);
	CHECK(strcmp(value("state"), "ok") == 0);

	uint64_t b0 = num("bytes_written"), f0 = log_bytes(h.log);
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 2000) == 0);
	struct sa_record r[50];
	for (int i = 0; i < 50; i++)
		hd_record(&r[i], "s", SA_EV_LOGIN);
	uint64_t payload = 0;
	for (int k = 0; k < 4; k++) {
		struct sa_buf fb2 = SA_BUF_INIT;
		CHECK(sa_proto_put_records(&fb2, 1, r, 50, NULL) == 0);
		payload += fb2.len;
		sa_buf_free(&fb2);
		CHECK(sa_client_submit(c, r, 50, 5000, NULL, NULL) == 0);
	}
	sa_client_close(c);
	status(&h);
	uint64_t b1 = num("bytes_written"), f1 = log_bytes(h.log);
	if (b1 - b0 != f1 - f0)
		die("bytes_written grew by %" PRIu64 ", the log by %" PRIu64
		    " (producers sent %" PRIu64 ")",
		    b1 - b0, f1 - f0, payload);
	printf("status: free_bytes %" PRIu64
	       " at start, bytes_written +%" PRIu64 " = log +%" PRIu64 "\n",
	       fb, b1 - b0, f1 - f0);
	CHECK(hd_stop(&h) == 0);
	hd_cleanup(&h);
	return 0;
}
