/*
 * status.c - the daemon's answer to a status query: what
 * an administrator asks first when producers report errors (is it
 * writing, how fast do syncs return, is it refusing or shedding, how much
 * space is left).  Keys are listed in docs/PROTOCOL.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "status.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void
status_reply(struct daemon *d, struct fsrv_conn *c, uint32_t id)
{
	struct fsrv_stats fs = {0};
	struct sa_seal_state ss;
	sa_writer_seal_state(d->w, &ss);
	if (d->srv)
		fsrv_get_stats(d->srv, &fs);
	size_t cap = sizeof d->st.lat_us / sizeof d->st.lat_us[0];
	size_t n = d->st.nlat < cap ? d->st.nlat : cap;
	uint64_t sorted[sizeof d->st.lat_us / sizeof d->st.lat_us[0]];
	memcpy(sorted, d->st.lat_us, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_u64);
	uint64_t p50 = n ? sorted[n / 2] : 0;
	uint64_t p99 =
	    n ? sorted[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0;
	static const char *const actions[] = {"refuse", "block", "rotate"};
	static const char *const syncs[] = {"batch", "record", "none"};
	struct sa_buf text = SA_BUF_INIT, frame = SA_BUF_INIT;
	/* Fresh, not the commit path's cached value (that is refreshed only
	 * while noisy records arrive). */
	struct statvfs sv;
	if (statvfs(d->conf.audit_log, &sv) == 0)
		d->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	commit_watch_log(d);
	const char *state = state_name(d->state);
	if (d->state == ST_OK && d->free_bytes < d->conf.reserve_bytes)
		state = "shedding";
	if (d->log_missing)
		state = "log_missing";
	sa_buf_printf(
	    &text,
	    "state=%s\n"
	    "records_written=%" PRIu64 "\n"
	    "bytes_written=%" PRIu64 "\n"
	    "records_refused=%" PRIu64 "\n"
	    "records_shed=%" PRIu64 "\n"
	    "records_invalid=%" PRIu64 "\n"
	    "loss_records=%" PRIu64 "\n"
	    "lost_pending=%" PRIu64 "\n"
	    "clients=%u\n"
	    "commits=%" PRIu64 "\n"
	    "sync_p50_us=%" PRIu64 "\n"
	    "sync_p99_us=%" PRIu64 "\n"
	    "sync_max_us=%" PRIu64 "\n"
	    "write_errors=%" PRIu64 "\n"
	    "sync=%s\n"
	    "disk_full_action=%s\n"
	    "last_seq=%" PRIu64 "\n"
	    "segment=%s\n"
	    "free_bytes=%" PRIu64 "\n"
	    "reserve_bytes=%" PRIu64 "\n"
	    "log_reopened=%" PRIu64 "\n",
	    state, d->st.records_written, sa_writer_bytes_committed(d->w),
	    d->st.records_refused, d->st.records_shed, d->st.records_invalid,
	    d->st.loss_records, d->loss.count, fs.clients, d->st.commits, p50,
	    p99, d->st.max_lat_us, d->st.write_errors,
	    d->conf.sync_interval ? "interval" : syncs[d->conf.sync],
	    actions[d->conf.disk_full_action], sa_writer_committed_seq(d->w),
	    d->active, d->free_bytes, d->conf.reserve_bytes,
	    d->st.log_reopened);
	char reserved[256] = "";
	for (int e = 1; e < SA_EV__COUNT; e++)
		if (d->conf.reserved_events & (1u << e)) {
			size_t o = strlen(reserved);
			snprintf(reserved + o, sizeof reserved - o, "%s%s",
				 o ? "," : "", sa_event_json((enum sa_event)e));
		}
	sa_buf_printf(
	    &text,
	    "pid=%ld\n"
	    "uptime_s=%lld\n"
	    "version=%s\n"
	    "config=%s\n"
	    "reserved_events=%s\n"
	    "max_frame_bytes=%u\n"
	    "max_record_bytes=%u\n"
	    "max_batch=%u\n"
	    "max_clients=%u\n"
	    "max_clients_per_uid=%u\n"
	    "reserved_clients=%u\n"
	    "idle_timeout_s=%u\n"
	    "clients_refused=%" PRIu64 "\n"
	    "clients_timed_out=%" PRIu64 "\n"
	    "sealed_seq=%" PRIu64 "\n"
	    "seal_epoch=%" PRIu64 "\n"
	    "seal_key_error=%s\n",
	    (long)getpid(),
	    (long long)((int64_t)time(NULL) - d->started_us / 1000000),
	    SEAUDIT_VERSION_STRING,
	    d->conf_path ? d->conf_path : "(embedded defaults)", reserved,
	    (unsigned)d->conf.max_frame_bytes,
	    (unsigned)d->conf.max_record_bytes, (unsigned)SA_PROTO_MAX_BATCH,
	    d->conf.max_clients, d->conf.max_clients_per_uid,
	    d->conf.reserved_clients, d->conf.idle_timeout_s, fs.refused,
	    fs.timed_out, ss.sealed_seq, ss.epoch,
	    ss.key_error ? sa_strerror(ss.key_error) : "none");
	struct sa_proto_hdr h = {SA_PROTO_STATUS, 0, id, (uint32_t)text.len};
	if (sa_buf_reserve(&frame, SA_PROTO_HDR + text.len) == 0) {
		sa_proto_put_hdr((uint8_t *)frame.data, &h);
		frame.len = SA_PROTO_HDR;
		sa_buf_append(&frame, text.data, text.len);
		fsrv_reply(c, &frame, false);
	}
	sa_buf_free(&text);
	sa_buf_free(&frame);
}
