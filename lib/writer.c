/*
 * writer.c - appending to the log: one writer per directory, group commit,
 * torn-tail recovery, segment roll-over and sealing.
 *
 * Durability contract (the one the daemon acknowledges on): records are
 * encoded into a pending buffer by sa_writer_append; sa_writer_commit
 * writes the whole buffer with pwrite at the committed end of the active
 * segment and, unless the policy is SA_SYNC_NONE, calls fdatasync once.
 * Only when both succeed does the committed size advance.  On any failure
 * the file is truncated back to the committed size, so no partial or
 * unsynced record stays behind, and the pending records are kept: the
 * caller may retry the commit (space may come back) or drop them with
 * sa_writer_discard.  After a failed fdatasync the page cache can no longer
 * be trusted (Linux may mark the pages clean), which is why a retry
 * rewrites the bytes instead of calling fdatasync again.
 *
 * Sealing a segment first appends its footer (the time range of every
 * block, docs/FORMAT.md §3.2) so that readers looking for a time window
 * can skip what cannot match.  The footer is an optimisation: a segment
 * sealed without one (a failed write, a crash) is read in full.
 *
 * Recovery on open scans the active segment frame by frame.  Everything
 * after the last valid frame is a torn tail and is cut off (reported in
 * struct sa_recovery).  Damage in the middle is left in place for readers
 * to report: cutting there would destroy intact records behind it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/log.h>

#include "base64.h"
#include "bridge.h"
#include "chain.h"
#include "checkpoint.h"
#include "crc32c.h"
#include "hasher.h"
#include "le.h"
#include "observe.h"
#include "sealfile.h"
#include "segment.h"
#include "textutil.h"
#include "varint.h"

struct wstate {
	uint64_t last_seq;
	int64_t max_time;
	bool has_max;
	uint64_t since_index; /* bytes written since the last index frame */
};

struct sa_writer {
	char dir[PATH_MAX];
	char path[PATH_MAX]; /* active segment */
	int lockfd;
	int keylockfd; /* PATH.lock of the sealing key, held while open */
	int fd;
	struct sa_writer_opts opts;
	char origin[SA_MAX_ORIGIN + 1];
	size_t origin_len;
	struct sa_seg_header hdr;
	uint64_t seg_size; /* committed bytes in the active segment */
	struct wstate committed, cur;
	/* Blocks of the active segment; the last is the open one.  Commit
	 * snapshots the count and the open block so discard can undo. */
	struct sa_block *blocks;
	size_t nblocks, blkcap, nblocks_committed;
	struct sa_block open_committed;
	uint8_t *pend;
	size_t pend_len, pend_cap;
	uint64_t bytes_committed;
	/*
	 * Integrity (chain.h, checkpoint.h).  chain covers every record
	 * appended; chain_committed is its state at the last commit, given
	 * back by discard.  A signed checkpoint in the pending bytes evolves
	 * the key once they are durable (evolve_due).
	 */
	bool chain_on;
	bool opening; /* recovery: the chain is resumed after it */
	bool copy;    /* opts.copy_of: the origin's checkpoints only */
	struct sa_chain_origin copy_of;
	uint8_t log_id[SA_LOG_ID_LEN];
	struct sa__chain chain, chain_committed;
	uint64_t since_ckpt, since_ckpt_committed;
	int64_t last_ckpt_ms;
	struct sa__sealkey *key; /* NULL: unsigned checkpoints */
	uint8_t first_pk[SA_PK_LEN];
	char key_path[PATH_MAX];
	bool evolve_due;
	bool closing;
	int key_error;
	uint64_t sealed_seq;
	/* Retention (sa_writer_retention): the key bridge of the log as
	 * last committed, and the one the next commit makes current. */
	struct sa__bridge bridge, bridge_next;
	bool bridge_loaded, bridge_staged, ckpt_wanted;
	/*
	 * The chain's thread (hasher.h), when it runs: committed records are
	 * fed to it and w->chain's hash state is stale until chain_take;
	 * its value, seq, last and open stay the writer's own.  pend_fed:
	 * the pending bytes already fed (at a checkpoint), chain_committed
	 * then the state before them, for a discard.
	 */
	struct sa__hasher *hasher;
	size_t pend_fed;
	int key_store_error; /* of the key file's rewrite in that thread */
	uint8_t body[SA_FRAME_MAX_PAYLOAD];
};

static void chain_give(struct sa_writer *w);
static void key_stored(struct sa_writer *w);

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new chain for a log (or a log written before sealing) from seq. */
static void
chain_begin(struct sa_writer *w, uint64_t first_seq)
{
	if (w->opts.flags & SA_WRITER_NO_CHAIN)
		return;
	if (w->copy) { /* the origin's chain, from where the copy starts */
		memcpy(w->log_id, w->copy_of.log_id, SA_LOG_ID_LEN);
		if (sa__chain_resume(&w->chain, w->copy_of.seq,
				     w->copy_of.value) < 0) {
			w->chain_on = false;
			return;
		}
		w->chain_on = true;
		w->chain_committed = w->chain;
		w->sealed_seq = w->copy_of.seq;
		return;
	}
	if (w->opts.created_us != 0 && sa__sodium_load() == 0) {
		/* Reproducible files (created_us fixed): the identity is
		 * derived from the creation time and origin, not drawn. */
		uint8_t in[16 + 8 + SA_MAX_ORIGIN];
		memcpy(in, "SEAUDIT-FIXEDID1", 16);
		sa__le64_put(in + 16, (uint64_t)w->opts.created_us);
		memcpy(in + 24, w->origin, w->origin_len);
		sa__sodium.generichash(w->log_id, SA_LOG_ID_LEN, in,
				       24 + w->origin_len, NULL, 0);
	} else if (sa__chain_new_id(w->log_id) < 0) {
		w->chain_on = false; /* no libsodium: no chain */
		return;
	}
	if (sa__chain_start(&w->chain, w->log_id, w->origin, w->origin_len,
			    first_seq) < 0) {
		w->chain_on = false; /* no libsodium: no chain */
		return;
	}
	w->chain_on = true;
	w->chain_committed = w->chain;
	w->sealed_seq = first_seq - 1;
	w->last_ckpt_ms = mono_ms();
}

static int
mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
	} else if (chmod(tmp, mode) < 0) {
		return -errno;
	}
	return 0;
}

static int
pend_reserve(struct sa_writer *w, size_t extra)
{
	if (w->pend_len + extra <= w->pend_cap)
		return 0;
	size_t ncap = w->pend_cap ? w->pend_cap : 1 << 16;
	while (ncap < w->pend_len + extra)
		ncap *= 2;
	uint8_t *p = realloc(w->pend, ncap);
	if (p == NULL)
		return -ENOMEM;
	w->pend = p;
	w->pend_cap = ncap;
	return 0;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off);

static int
block_start(struct sa_writer *w, uint64_t off)
{
	if (w->nblocks == w->blkcap) {
		size_t ncap = w->blkcap ? w->blkcap * 2 : 64;
		struct sa_block *n = realloc(w->blocks, ncap * sizeof *n);
		if (n == NULL)
			return -ENOMEM;
		w->blocks = n;
		w->blkcap = ncap;
	}
	w->blocks[w->nblocks++] = (struct sa_block){.off = off};
	return 0;
}

static void
block_note(struct sa_writer *w, uint64_t seq, int64_t t)
{
	struct sa_block *b = &w->blocks[w->nblocks - 1];
	if (!b->has) {
		b->has = true;
		b->first_seq = seq;
		b->min_time = b->max_time = t;
	} else if (t < b->min_time) {
		b->min_time = t;
	} else if (t > b->max_time) {
		b->max_time = t;
	}
}

static void
blocks_snapshot(struct sa_writer *w)
{
	w->nblocks_committed = w->nblocks;
	w->open_committed = w->blocks[w->nblocks - 1];
}

/*
 * Appends the footer and trailer to the (committed, about to be sealed)
 * active segment.  Failure is not an error for the log: the segment is
 * simply read in full later.
 */
static void
write_footer(struct sa_writer *w)
{
	size_t n = w->nblocks;
	struct sa_block *b = w->blocks;
	/* Coarsen: merge neighbours until the list fits one frame. */
	while (n > SA_FOOTER_MAX_BLOCKS) {
		size_t o = 0;
		for (size_t i = 0; i < n; i += 2, o++) {
			struct sa_block m = b[i];
			if (i + 1 < n && b[i + 1].has) {
				if (!m.has) {
					m = b[i + 1];
					m.off = b[i].off;
				} else {
					if (b[i + 1].min_time < m.min_time)
						m.min_time = b[i + 1].min_time;
					if (b[i + 1].max_time > m.max_time)
						m.max_time = b[i + 1].max_time;
				}
			}
			b[o] = m;
		}
		n = o;
	}
	w->nblocks = n;
	size_t len = sa__footer_encode(b, n, &w->hdr, w->body);
	uint8_t hdr[SA_FRAME_HDR_MAX], tr[SA_TRAILER_LEN];
	size_t hl = sa__frame_header(hdr, SA_FRAME_FOOTER, w->body, len);
	uint64_t at = w->seg_size;
	uint8_t off[8];
	sa__le64_put(off, at);
	size_t tl = sa__frame_header(tr, SA_FRAME_TRAILER, off, 8);
	memcpy(tr + tl, off, 8);
	int rc = pwrite_all(w->fd, hdr, hl, at);
	if (rc == 0)
		rc = pwrite_all(w->fd, w->body, len, at + hl);
	if (rc == 0)
		rc = pwrite_all(w->fd, tr, tl + 8, at + hl + len);
	if (rc == 0 && w->opts.sync != SA_SYNC_NONE && fdatasync(w->fd) < 0)
		rc = -errno;
	if (rc < 0) {
		if (ftruncate(w->fd, (off_t)at) == 0 &&
		    w->opts.sync != SA_SYNC_NONE)
			(void)fdatasync(w->fd);
		return;
	}
	w->seg_size = at + hl + len + tl + 8;
}

static int
pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/*
 * Creates a new active segment starting at `first_seq`.  On failure the
 * writer still names (w->path) and writes the segment it had: the daemon
 * takes every other file as sealed, to compress, move or delete.
 */
static int
segment_create(struct sa_writer *w, uint64_t first_seq)
{
	char name[64], path[PATH_MAX], tmp[PATH_MAX + 8];
	sa__seg_name(name, sizeof name, first_seq, false);
	if (snprintf(path, sizeof path, "%s/%s", w->dir, name) >=
	    (int)sizeof path)
		return -ENAMETOOLONG;
	/*
	 * Written as X.seg.tmp and linked into place with its header
	 * complete: a reader listing the directory while the writer rolls
	 * over never meets a segment without its header.  link(2), unlike
	 * rename(2), never replaces an existing segment.
	 */
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		      w->opts.file_mode);
	if (fd < 0)
		return -errno;
	struct sa_seg_header h = {0};
	h.first_seq = first_seq;
	h.created_us = w->opts.created_us ? w->opts.created_us : sa__now_us();
	h.base_time_us = h.created_us;
	h.has_prev_max = w->cur.has_max;
	h.prev_max_time_us = w->cur.max_time;
	memcpy(h.origin, w->origin, w->origin_len);
	h.origin_len = w->origin_len;
	if (!w->chain_on && !w->opening && w->cur.last_seq == first_seq - 1)
		chain_begin(w, first_seq); /* a new log, or an older one's */

	if (w->chain_on) {
		/* The link: the last closed epoch (the rotation's checkpoint
		 * makes it the previous record's; a copy's may lie earlier,
		 * its records in the segment before). */
		h.has_log_id = true;
		memcpy(h.log_id, w->log_id, SA_LOG_ID_LEN);
		h.has_link = true;
		h.link_seq = w->chain.seq;
		memcpy(h.link_value, w->chain.value, SA_CHAIN_LEN);
	}
	uint8_t buf[SA_SEG_HDR_MAX];
	size_t len = sa__seg_header_encode(&h, buf);
	h.length = (uint16_t)len;
	int rc = 0;
	if (fchmod(fd, w->opts.file_mode) < 0)
		rc = -errno;
	if (rc == 0 && w->opts.set_group &&
	    fchown(fd, (uid_t)-1, w->opts.group) < 0)
		rc = -errno;
	if (rc == 0)
		rc = pwrite_all(fd, buf, len, 0);
	if (rc == 0 && fdatasync(fd) < 0)
		rc = -errno;
	bool linked = false;
	if (rc == 0 && link(tmp, path) < 0)
		rc = -errno;
	else if (rc == 0)
		linked = true;
	unlink(tmp);
	if (rc == 0)
		rc = sa__fsync_dir(w->dir);
	if (rc < 0) {
		close(fd);
		if (linked)
			unlink(path);
		return rc;
	}
	if (w->fd >= 0)
		close(w->fd);
	memcpy(w->path, path, sizeof w->path);
	w->fd = fd;
	w->hdr = h;
	w->seg_size = len;
	w->cur.since_index = 0;
	w->committed = w->cur;
	w->nblocks = 0;
	if (block_start(w, len) < 0)
		return -ENOMEM;
	blocks_snapshot(w);
	return 0;
}

/*
 * Scans a plain segment: finds the end of the last valid frame, the last
 * sequence number and the running maximum time.  `name_seq` stands in for
 * the header's first sequence number when the header is unreadable.
 */
struct scan {
	bool header_ok;
	struct sa_seg_header hdr;
	uint64_t valid_end;
	uint64_t last_seq; /* 0 when no record */
	int64_t max_time;
	bool has_max;
	uint64_t records, damaged;
	uint64_t since_index;
};

static void
scan_segment(const uint8_t *buf, size_t size, uint64_t name_seq, struct scan *s,
	     struct sa_writer *w)
{
	memset(s, 0, sizeof *s);
	size_t pos = 0;
	uint64_t base_seq = name_seq;
	int64_t base_time = 0;
	if (sa__seg_header_decode(buf, size, &s->hdr) == 0) {
		s->header_ok = true;
		pos = s->hdr.length;
		base_seq = s->hdr.first_seq;
		base_time = s->hdr.base_time_us;
		s->has_max = s->hdr.has_prev_max;
		s->max_time = s->hdr.prev_max_time_us;
		s->valid_end = pos;
		if (w) {
			w->nblocks = 0;
			block_start(w, pos);
		}
	}
	while (pos < size) {
		struct sa_frame fr;
		enum sa_frame_status st =
		    sa__frame_parse(buf + pos, size - pos, &fr);
		if (st == SA_FRAME_INCOMPLETE && s->header_ok)
			break;
		if (st != SA_FRAME_OK) {
			s->damaged++;
			pos = sa__frame_resync(buf, size, pos + 1, 0,
					       SA_FRAME_MAX_PAYLOAD);
			continue;
		}
		if (fr.type == SA_FRAME_RECORD) {
			struct sa_record r;
			if (sa_record_decode(fr.payload, fr.payload_len,
					     base_seq, base_time, &r) == 0) {
				s->records++;
				if (r.seq > s->last_seq)
					s->last_seq = r.seq;
				if (!s->has_max || r.time_us > s->max_time) {
					s->max_time = r.time_us;
					s->has_max = true;
				}
				if (w && s->header_ok)
					block_note(w, r.seq, r.time_us);
			}
			s->since_index += fr.total_len;
		} else if (fr.type == SA_FRAME_INDEX) {
			s->since_index = 0;
			if (w && s->header_ok)
				block_start(w, pos);
		}
		pos += fr.total_len;
		if (s->header_ok)
			s->valid_end = pos;
	}
}

/*
 * Finds the newest segment; removes leftovers of an interrupted seal
 * (X.seg.zst.tmp) or segment creation (X.seg.tmp).
 */
static int
find_newest(struct sa_writer *w, uint64_t *seq, bool *zst, bool *found)
{
	struct sa__segname *v;
	size_t n;
	*found = false;
	int rc = sa__segdir_list(w->dir, 1, UINT64_MAX, true, &v, &n);
	if (rc < 0)
		return rc;
	if (n > 0) { /* the last is the newest, a sealed copy after a plain */
		*seq = v[n - 1].seq;
		*zst = v[n - 1].zst;
		*found = true;
	}
	free(v);
	if (*found && *zst) {
		/* A sealed copy exists: the plain original is redundant. */
		char name[64];
		sa__seg_name(name, sizeof name, *seq, false);
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s/%s", w->dir, name) <
			(int)sizeof p &&
		    unlink(p) == 0)
			sa__fsync_dir(w->dir);
	}
	return 0;
}

/* State after a sealed (.zst) newest segment: read it through a reader. */
static int
state_from_sealed(struct sa_writer *w, uint64_t seq)
{
	char name[64], p[PATH_MAX];
	sa__seg_name(name, sizeof name, seq, true);
	if (snprintf(p, sizeof p, "%s/%s", w->dir, name) >= (int)sizeof p)
		return -ENAMETOOLONG;
	const char *paths[1] = {p};
	struct sa_reader *rd;
	int rc = sa_reader_open(&rd, paths, 1, NULL, NULL);
	if (rc < 0)
		return rc;
	struct sa_record r;
	w->cur.last_seq = seq - 1;
	while ((rc = sa_reader_next(rd, &r)) == 1) {
		if (r.seq > w->cur.last_seq)
			w->cur.last_seq = r.seq;
		if (!w->cur.has_max || r.time_us > w->cur.max_time) {
			w->cur.max_time = r.time_us;
			w->cur.has_max = true;
		}
	}
	sa_reader_close(rd);
	return rc < 0 ? rc : 0;
}

static int
recover_plain(struct sa_writer *w, uint64_t seq, struct sa_recovery *rep)
{
	char name[64];
	sa__seg_name(name, sizeof name, seq, false);
	if (snprintf(w->path, sizeof w->path, "%s/%s", w->dir, name) >=
	    (int)sizeof w->path)
		return -ENAMETOOLONG;
	int fd = open(w->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	size_t size = (size_t)st.st_size;
	struct scan s;
	if (size == 0) {
		memset(&s, 0, sizeof s);
	} else {
		void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int rc = -errno;
			close(fd);
			return rc;
		}
		scan_segment(m, size, seq, &s, w);
		munmap(m, size);
	}
	snprintf(rep->segment, sizeof rep->segment, "%s", name);
	rep->records_found = s.records;
	rep->damaged_regions = s.damaged;
	if (!s.header_ok && s.records == 0 && size <= SA_SEG_HDR_MAX) {
		/* Torn while being created: nothing was ever committed. */
		close(fd);
		if (unlink(w->path) < 0)
			return -errno;
		rep->bytes_dropped = size;
		w->cur.last_seq = seq - 1;
		return segment_create(w, seq);
	}
	w->cur.last_seq = s.last_seq ? s.last_seq : seq - 1;
	if (s.has_max && (!w->cur.has_max || s.max_time > w->cur.max_time)) {
		w->cur.max_time = s.max_time;
		w->cur.has_max = true;
	}
	if (!s.header_ok) {
		/* Damaged header: keep the file for readers, start afresh. */
		close(fd);
		rep->damaged_regions++;
		return segment_create(w, w->cur.last_seq + 1);
	}
	if (s.valid_end < size) {
		rep->bytes_dropped = size - s.valid_end;
		if (ftruncate(fd, (off_t)s.valid_end) < 0 ||
		    fdatasync(fd) < 0) {
			int rc = -errno;
			close(fd);
			return rc;
		}
	}
	w->fd = fd;
	w->hdr = s.hdr;
	w->seg_size = s.valid_end;
	w->cur.since_index = s.since_index;
	w->committed = w->cur;
	if (w->nblocks == 0 && block_start(w, s.valid_end) < 0)
		return -ENOMEM;
	blocks_snapshot(w);
	return 0;
}

/*
 * Resuming the chain from a segment as a reader sees it (plain or
 * compressed): its header's identity and link, then its records, epochs
 * closing at its checkpoints.
 */
struct resume {
	struct sa_writer *w;
	bool started, foreign;
};

static void
resume_obs(const struct sa__obs *o, void *arg)
{
	struct resume *r = arg;
	struct sa_writer *w = r->w;
	if (o->kind == SA_OBS_SEGMENT) {
		if (r->started) { /* the next segment: the same log's? */
			if (!o->hdr->has_log_id ||
			    memcmp(o->hdr->log_id, w->log_id, SA_LOG_ID_LEN) !=
				0)
				r->foreign = true;
			return;
		}
		if (!o->hdr->has_log_id || !o->hdr->has_link) {
			r->foreign = true;
			return;
		}
		memcpy(w->log_id, o->hdr->log_id, SA_LOG_ID_LEN);
		if (sa__chain_resume(&w->chain, o->hdr->link_seq,
				     o->hdr->link_value) == 0)
			r->started = true;
		return;
	}
	if (!r->started || r->foreign)
		return;
	uint64_t seq;
	if (o->type == SA_FRAME_RECORD)
		(void)sa__chain_add_body(&w->chain, o->payload, o->len,
					 o->hdr->first_seq,
					 o->hdr->base_time_us, o->hdr->origin,
					 o->hdr->origin_len, &seq);
	else if (o->type == SA_FRAME_CHECKPOINT) {
		/* The log's own checkpoints mark its epochs: go on from the
		 * value it sealed (verifying it is the verifier's part). */
		struct sa__ckpt k;
		if (sa__ckpt_decode(o->payload, o->len, &k) == 0)
			(void)sa__chain_resume(&w->chain, k.seq, k.chain);
		else
			sa__chain_close(&w->chain);
	}
}

/*
 * 1 when the chain was resumed from the segment files paths[0..n) (in
 * log order), 0 when they hold none.
 */
static int
chain_from_paths(struct sa_writer *w, const char *const *paths, size_t n)
{
	struct sa_reader *rd;
	int rc = sa_reader_open(&rd, paths, n, NULL, NULL);
	if (rc < 0)
		return rc == SA_ENOLOG ? 0 : rc;
	struct resume r = {.w = w};
	sa__reader_observe(rd, resume_obs, &r);
	struct sa_record rec;
	while ((rc = sa_reader_next(rd, &rec)) == 1)
		;
	sa_reader_close(rd);
	if (rc < 0)
		return rc;
	if (!r.started)
		return 0;
	w->chain_on = true;
	return 1;
}

/* The header of a segment file, plain or compressed (through a reader). */
struct hdr_grab {
	struct sa_seg_header *h;
	bool got;
};

static void
hdr_obs(const struct sa__obs *o, void *arg)
{
	struct hdr_grab *g = arg;
	if (o->kind == SA_OBS_SEGMENT && !g->got) {
		*g->h = *o->hdr;
		g->got = true;
	}
}

static int
segment_header(const char *path, struct sa_seg_header *h)
{
	struct sa_reader *rd;
	int rc = sa_reader_open(&rd, &path, 1, NULL, NULL);
	if (rc < 0)
		return rc;
	struct hdr_grab g = {.h = h};
	sa__reader_observe(rd, hdr_obs, &g);
	struct sa_record r;
	rc = sa_reader_next(rd, &r);
	sa_reader_close(rd);
	if (rc < 0)
		return rc;
	return g.got && h->has_log_id ? 0 : SA_ECORRUPT;
}

static int
chain_from(struct sa_writer *w, const char *path)
{
	return chain_from_paths(w, &path, 1);
}

/* The newest segment file before first_seq: 1 with its path, or 0. */
static int
previous_segment(const struct sa_writer *w, uint64_t first_seq, char *path,
		 size_t cap)
{
	struct sa__segname *v;
	size_t n;
	int rc = sa__segdir_list(w->dir, 1, first_seq, false, &v, &n);
	if (rc < 0)
		return rc;
	rc = 0;
	if (n > 0 &&
	    snprintf(path, cap, "%s/%s", w->dir, v[n - 1].name) < (int)cap)
		rc = 1;
	free(v);
	return rc;
}

/*
 * After recovery: the chain goes on from the active segment, or (when
 * recovery left it new and empty) from the segment before it, whose
 * link the active segment's header is then made again to carry.  A log
 * written before sealing starts a chain with its next segment (or now,
 * when the active one is empty).
 */
static int
chain_after_open(struct sa_writer *w)
{
	if (w->chain_on || (w->opts.flags & SA_WRITER_NO_CHAIN))
		return 0; /* a new log: begun with its first segment */
	if (sa__sodium_load() < 0)
		return 0;
	w->last_ckpt_ms = mono_ms();
	if (w->hdr.has_log_id) {
		/*
		 * A link before this segment (a copy's): its epoch's first
		 * records are in the segments before, back to the one that
		 * holds the record after the link; they are read first.
		 */
		enum { BACK = 64 };
		char(*prev)[PATH_MAX] = calloc(BACK, PATH_MAX);
		const char *paths[BACK + 1];
		if (prev == NULL)
			return -ENOMEM;
		size_t n = 0;
		struct sa_seg_header h = w->hdr;
		int rc = 0;
		/* Back to the segment holding the record after the link. */
		uint64_t from = w->hdr.link_seq + 1;
		while (n < BACK && w->hdr.has_link && h.first_seq > from) {
			rc =
			    previous_segment(w, h.first_seq, prev[n], PATH_MAX);
			if (rc <= 0 || (rc = segment_header(prev[n], &h)) < 0)
				break;
			n++;
		}
		for (size_t i = 0; i < n; i++)
			paths[i] = prev[n - 1 - i];
		paths[n] = w->path;
		rc = rc < 0 ? rc : chain_from_paths(w, paths, n + 1);
		free(prev);
		if (rc < 0)
			return rc;
		w->sealed_seq = w->chain.seq;
		w->chain_committed = w->chain;
		return 0;
	}
	if (w->seg_size != w->hdr.length || w->pend_len != 0)
		return 0; /* an older log's active segment: chained next */
	char prev[PATH_MAX];
	int rc = previous_segment(w, w->hdr.first_seq, prev, sizeof prev);
	if (rc < 0)
		return rc;
	if (rc == 1 && (rc = chain_from(w, prev)) < 0)
		return rc;
	if (w->chain_on && w->chain.last != w->hdr.first_seq - 1)
		w->chain_on = false; /* records missing between: start anew */
	/* The empty active segment is made again with the link. */
	char empty[PATH_MAX];
	memcpy(empty, w->path, sizeof empty);
	if (unlink(empty) < 0)
		return -errno;
	w->cur.last_seq = w->hdr.first_seq - 1;
	rc = segment_create(w, w->hdr.first_seq);
	w->sealed_seq = w->chain.seq;
	w->chain_committed = w->chain;
	return rc;
}

static int
key_open(struct sa_writer *w)
{
	if (snprintf(w->key_path, sizeof w->key_path, "%s", w->opts.seal_key) >=
	    (int)sizeof w->key_path)
		return -ENAMETOOLONG;
	w->opts.seal_key = NULL; /* not kept: the caller's string may go */
	/*
	 * One key, one writer: two logs signing with one key file would each
	 * evolve it and neither would verify.  The key file itself is renamed
	 * over at every epoch, so the lock is a file of its own beside it.
	 */
	char lock[PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", w->key_path);
	w->keylockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->keylockfd < 0)
		return -errno;
	if (flock(w->keylockfd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	if ((w->key = calloc(1, sizeof *w->key)) == NULL)
		return -ENOMEM;
	int rc = sa__sealfile_load(w->key_path, w->key, w->first_pk);
	if (rc < 0) {
		sa__sealkey_wipe(w->key);
		free(w->key);
		w->key = NULL;
	}
	return rc;
}

int
sa_writer_open(struct sa_writer **out, const char *dir,
	       const struct sa_writer_opts *opts, struct sa_recovery *rep)
{
	struct sa_recovery dummy;
	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof *rep);
	*out = NULL;
	struct sa_writer *w = calloc(1, sizeof *w);
	if (w == NULL)
		return -ENOMEM;
	w->fd = -1;
	w->lockfd = -1;
	w->keylockfd = -1;
	if (opts)
		w->opts = *opts;
	if (w->opts.segment_size == 0)
		w->opts.segment_size = SA_DEFAULT_SEGMENT_SIZE;
	if (w->opts.file_mode == 0)
		w->opts.file_mode = 0640;
	if (w->opts.dir_mode == 0)
		w->opts.dir_mode = 0750;
	int rc;
	if (snprintf(w->dir, sizeof w->dir, "%s", dir) >= (int)sizeof w->dir) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	const char *origin = w->opts.origin;
	struct utsname u;
	if (origin == NULL) {
		origin = uname(&u) == 0 ? u.nodename : "localhost";
	}
	w->origin_len = strlen(origin);
	if (w->origin_len > SA_MAX_ORIGIN) {
		rc = SA_ETOOLONG;
		goto fail;
	}
	memcpy(w->origin, origin, w->origin_len);
	w->opts.origin = NULL; /* not kept: the caller's string may go */
	if (w->opts.copy_of) {
		if (!(w->opts.flags & SA_WRITER_KEEP_SEQ)) {
			rc = -EINVAL;
			goto fail;
		}
		w->copy = true;
		w->copy_of = *w->opts.copy_of;
		w->opts.copy_of = NULL;
	}

	if ((rc = mkdir_p(dir, w->opts.dir_mode)) < 0)
		goto fail;
	if (w->opts.set_group && chown(dir, (uid_t)-1, w->opts.group) < 0) {
		rc = -errno;
		goto fail;
	}
	char lockpath[PATH_MAX + 8];
	snprintf(lockpath, sizeof lockpath, "%s/LOCK", dir);
	w->lockfd =
	    open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, w->opts.file_mode);
	if (w->lockfd < 0) {
		rc = -errno;
		goto fail;
	}
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? SA_ELOCKED : -errno;
		goto fail;
	}
	uint64_t seq = 0;
	bool zst = false, found = false;
	if ((rc = find_newest(w, &seq, &zst, &found)) < 0)
		goto fail;
	if (w->opts.seal_key && (rc = key_open(w)) < 0)
		goto fail;
	w->opening = found; /* a new log starts its chain at once */
	if (!found)
		rc = segment_create(w, 1);
	else if (zst) {
		rc = state_from_sealed(w, seq);
		if (rc == 0)
			rc = segment_create(w, w->cur.last_seq + 1);
	} else {
		rc = recover_plain(w, seq, rep);
	}
	if (rc < 0)
		goto fail;
	w->opening = false;
	if ((rc = chain_after_open(w)) < 0)
		goto fail;
	rep->last_seq = w->cur.last_seq;
	*out = w;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	if (w->lockfd >= 0)
		close(w->lockfd);
	if (w->key) {
		sa__sealkey_wipe(w->key);
		free(w->key);
	}
	if (w->keylockfd >= 0)
		close(w->keylockfd);
	free(w->blocks);
	free(w);
	return rc;
}

static int
append_frame(struct sa_writer *w, uint8_t type, const uint8_t *payload,
	     size_t len)
{
	int rc = pend_reserve(w, SA_FRAME_HDR_MAX + len);
	if (rc < 0)
		return rc;
	size_t h = sa__frame_header(w->pend + w->pend_len, type, payload, len);
	memcpy(w->pend + w->pend_len + h, payload, len);
	w->pend_len += h + len;
	w->cur.since_index += h + len;
	return 0;
}

/*
 * SA_WRITER_KEEP_SEQ: the record's own number must come next.  An empty
 * log takes its numbering from its first record: the empty active segment
 * made at open (named 1) is replaced by one named after that record, so
 * that readers see no gap before it.
 */
static int
keep_seq(struct sa_writer *w, uint64_t seq)
{
	if (seq == w->cur.last_seq + 1)
		return 0;
	if (seq == 0 || w->cur.last_seq != 0 || w->pend_len != 0 ||
	    w->seg_size != w->hdr.length ||
	    (w->copy && seq != w->copy_of.seq + 1))
		return SA_ESEQORDER;
	char empty[PATH_MAX];
	memcpy(empty, w->path, sizeof empty);
	w->cur.last_seq = seq - 1;
	if (w->chain_on && !w->copy) { /* the chain starts with the log */
		(void)sa__chain_start(&w->chain, w->log_id, w->origin,
				      w->origin_len, seq);
		w->chain_committed = w->chain;
		w->sealed_seq = seq - 1;
		chain_give(w);
	}
	int rc = segment_create(w, seq);
	if (rc < 0) {
		w->cur.last_seq = 0;
		return rc;
	}
	/* An empty segment left behind (unlink failed) holds nothing. */
	if (unlink(empty) == 0)
		(void)sa__fsync_dir(w->dir);
	return 0;
}

int
sa_writer_append(struct sa_writer *w, struct sa_record *r)
{
	int rc = sa_record_validate(r, NULL);
	if (rc < 0)
		return rc;
	if (w->cur.since_index >= SA_INDEX_INTERVAL) {
		struct sa_index_point ip = {w->cur.last_seq + 1,
					    w->cur.max_time, w->cur.has_max};
		uint8_t ib[32];
		size_t n = sa__index_encode(&ip, ib);
		uint64_t at = w->seg_size + w->pend_len;
		if ((rc = append_frame(w, SA_FRAME_INDEX, ib, n)) < 0)
			return rc;
		/* Out of memory here only coarsens the footer: the open
		 * block's range then also covers the next one. */
		(void)block_start(w, at);
		w->cur.since_index = 0;
	}
	/* The segment's origin is implied; store only a different one. */
	struct sa_record tmp;
	const struct sa_record *enc = r;
	if (sa_record_has(r, SA_F_ORIGIN) &&
	    r->str[SA_F_ORIGIN].len == w->hdr.origin_len &&
	    memcmp(r->str[SA_F_ORIGIN].ptr, w->hdr.origin, w->hdr.origin_len) ==
		0) {
		tmp = *r;
		sa_record_unset(&tmp, SA_F_ORIGIN);
		enc = &tmp;
	}
	if (w->opts.flags & SA_WRITER_KEEP_SEQ) {
		if ((rc = keep_seq(w, r->seq)) < 0)
			return rc;
	}
	uint64_t seq = w->cur.last_seq + 1;
	uint64_t saved = r->seq;
	r->seq = seq;
	if (enc == &tmp)
		tmp.seq = seq;
	size_t n;
	rc = sa_record_encode(enc, w->hdr.first_seq, w->hdr.base_time_us,
			      w->body, sizeof w->body, &n);
	if (rc == 0)
		rc = append_frame(w, SA_FRAME_RECORD, w->body, n);
	if (rc < 0) {
		r->seq = saved;
		return rc;
	}
	if (w->chain_on) {
		if (w->hasher == NULL && !w->copy && !w->opening &&
		    !(w->opts.flags & SA_WRITER_INLINE_CHAIN) &&
		    w->opts.sync != SA_SYNC_RECORD &&
		    sa__hasher_start(&w->hasher, &w->chain) < 0)
			w->hasher = NULL; /* no thread: hashed here */
		if (w->hasher != NULL) {
			/* The writer's own view: hashed at commit. */
			w->chain.last = seq;
			w->chain.open = true;
		} else {
			uint64_t cseq;
			(void)sa__chain_add_body(&w->chain, w->body, n,
						 w->hdr.first_seq,
						 w->hdr.base_time_us, w->origin,
						 w->origin_len, &cseq);
		}
		w->since_ckpt++;
	}
	w->cur.last_seq = seq;
	block_note(w, seq, r->time_us);
	if (!w->cur.has_max || r->time_us > w->cur.max_time) {
		w->cur.max_time = r->time_us;
		w->cur.has_max = true;
	}
	if (w->opts.sync == SA_SYNC_RECORD)
		return sa_writer_commit(w);
	return 0;
}

static int
seal_and_roll(struct sa_writer *w)
{
	char sealed[PATH_MAX];
	memcpy(sealed, w->path, sizeof sealed);
	write_footer(w);
	int rc = segment_create(w, w->cur.last_seq + 1);
	if (rc < 0)
		return rc;
	if (w->opts.compress_sealed)
		rc = sa_segment_compress(sealed, w->opts.compress_level);
	return rc;
}

/*
 * Is the file we append to still the active segment of the log?  A log
 * directory removed (rm -r) or replaced under a running writer leaves it
 * writing to a file nobody will ever read: those records must not count
 * as committed.  One stat(2) per commit, after the sync, so that nothing
 * acknowledged on this commit's word was already unreachable.
 */
static bool
still_linked(const struct sa_writer *w)
{
	struct stat a, b;
	return fstat(w->fd, &a) == 0 && a.st_nlink > 0 &&
	       stat(w->path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The pending bytes not fed yet, to the chain's thread. */
static void
feed_pend(struct sa_writer *w)
{
	if (w->pend_fed < w->pend_len)
		sa__hasher_feed(w->hasher, w->pend + w->pend_fed,
				w->pend_len - w->pend_fed, w->hdr.first_seq,
				w->hdr.base_time_us, w->origin, w->origin_len);
	w->pend_fed = w->pend_len;
}

/*
 * The chain back from its thread with every record appended hashed: what
 * a checkpoint needs.  The state as of the last commit is kept first, for
 * a discard of the batch.
 */
static void
chain_take(struct sa_writer *w)
{
	if (w->hasher == NULL)
		return;
	struct sa__chain *hc = sa__hasher_sync(w->hasher);
	if (w->pend_fed == 0)
		w->chain_committed = *hc;
	feed_pend(w);
	hc = sa__hasher_sync(w->hasher);
	w->chain = *hc;
	key_stored(w);
}

/* ... and given back once the writer changed it (closed an epoch). */
static void
chain_give(struct sa_writer *w)
{
	if (w->hasher != NULL)
		*sa__hasher_sync(w->hasher) = w->chain;
}

/*
 * A checkpoint into the pending bytes: the epoch closes over every record
 * appended, signed by the current key when there is one.  Only memory can
 * fail (the record then stays unsealed until the next try).
 */
static int
add_checkpoint(struct sa_writer *w)
{
	chain_take(w);
	sa__chain_close(&w->chain);
	chain_give(w);
	struct sa__ckpt c = {0};
	memcpy(c.log_id, w->log_id, SA_LOG_ID_LEN);
	c.epoch = w->key ? w->key->epoch : 1;
	c.seq = w->chain.seq;
	c.time_us = w->opts.created_us ? w->opts.created_us : sa__now_us();
	memcpy(c.chain, w->chain.value, SA_CHAIN_LEN);
	c.flags = w->closing ? SA_CKPT_F_FINAL : 0;
	uint8_t buf[SA_CKPT_MAX];
	int n = sa__ckpt_encode(&c, w->key, buf);
	if (n < 0)
		return n;
	int rc = append_frame(w, SA_FRAME_CHECKPOINT, buf, (size_t)n);
	if (rc < 0)
		return rc;
	if (w->hasher != NULL)
		w->pend_fed = w->pend_len; /* hashed up to here */
	w->since_ckpt = 0;
	w->last_ckpt_ms = mono_ms();
	w->ckpt_wanted = false;
	if (w->key)
		w->evolve_due = true;
	return 0;
}

static bool
checkpoint_due(const struct sa_writer *w, bool force)
{
	if (!w->chain_on || w->copy)
		return false;
	if (w->closing)
		return true; /* the final one, also over no new record */
	if (!w->chain.open)
		return false;
	if (force)
		return true;
	uint64_t every =
	    w->opts.checkpoint_records ? w->opts.checkpoint_records : 100000;
	int64_t ms = w->opts.checkpoint_ms ? w->opts.checkpoint_ms : 1000;
	return w->since_ckpt >= every || mono_ms() - w->last_ckpt_ms >= ms;
}

/*
 * The checkpoint just committed is durable: the key moves to the next
 * epoch, and the file holds the new seed before anything is signed with
 * it.  A crash before the file is rewritten leaves the old epoch's key,
 * which then signs again (a second checkpoint of that epoch certifies
 * the same next key); never a checkpoint lost with its key evolved.
 */
struct key_store {
	struct sa_writer *w;
	struct sa__sealkey key; /* a copy of the new epoch's, wiped after */
};

/* In the chain's thread: the key file's rewrite and its two syncs. */
static void
store_key(void *arg)
{
	struct key_store *k = arg;
	int rc = sa__sealfile_store(k->w->key_path, &k->key, k->w->first_pk);
	if (rc < 0)
		k->w->key_store_error = rc; /* read after a sync */
	sa__sealkey_wipe(&k->key);
	free(k);
}

/* The key file's rewrite has ended (the chain's thread is idle). */
static void
key_stored(struct sa_writer *w)
{
	if (w->key_store_error < 0 && w->key_error == 0)
		w->key_error = w->key_store_error;
	w->key_store_error = 0;
}

static void
evolve_key(struct sa_writer *w)
{
	w->evolve_due = false;
	int rc = sa__sealkey_evolve(w->key);
	if (rc == 0 && w->hasher != NULL) {
		/* The old seed is gone from memory already; the file is
		 * rewritten before the next checkpoint is signed, which
		 * waits for the chain's thread (chain_take). */
		struct key_store *k = malloc(sizeof *k);
		if (k != NULL) {
			k->w = w;
			k->key = *w->key;
			if (sa__hasher_call(w->hasher, store_key, k) == 0)
				return;
			sa__sealkey_wipe(&k->key);
			free(k);
		}
	}
	if (rc == 0)
		rc = sa__sealfile_store(w->key_path, w->key, w->first_pk);
	if (rc < 0 && w->key_error == 0)
		w->key_error = rc;
}

static int commit_pending(struct sa_writer *w);

/* --- Retention (sa_writer_retention) --- */

static const char bridge_magic[16] = "SEAUDIT-BRIDGE-1";

static void
bridge_path(const struct sa_writer *w, char *out, size_t cap)
{
	snprintf(out, cap, "%s/seal.bridge", w->dir);
}

/* The bridge last kept, once: none yet is no error (no removal yet). */
static void
bridge_load(struct sa_writer *w)
{
	if (w->bridge_loaded)
		return;
	w->bridge_loaded = true;
	char p[PATH_MAX + 16];
	bridge_path(w, p, sizeof p);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	uint8_t buf[1 << 16];
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 20 || memcmp(buf, bridge_magic, 16) != 0 ||
	    sa__le32_get(buf + 16) != sa_crc32c(0, buf + 20, (size_t)n - 20))
		return; /* damaged: the certificates in the log still serve */
	struct sa__bridge b;
	if (sa__bridge_decode(buf + 20, (size_t)n - 20, &b) == 0) {
		sa__bridge_free(&w->bridge);
		w->bridge = b;
	}
}

/* After the commit that made the retention record durable. */
static void
bridge_commit(struct sa_writer *w)
{
	w->bridge_staged = false;
	sa__bridge_free(&w->bridge);
	w->bridge = w->bridge_next;
	memset(&w->bridge_next, 0, sizeof w->bridge_next);
	uint8_t *enc;
	size_t len;
	if (sa__bridge_encode(&w->bridge, &enc, &len) < 0)
		return;
	uint8_t *f = malloc(20 + len);
	if (f != NULL) {
		memcpy(f, bridge_magic, 16);
		sa__le32_put(f + 16, sa_crc32c(0, enc, len));
		memcpy(f + 20, enc, len);
		char p[PATH_MAX + 16];
		bridge_path(w, p, sizeof p);
		/* A failure costs only the next removal's bridge. */
		(void)sa__file_replace(p, f, 20 + len, 0640, false);
		free(f);
	}
	free(enc);
}

struct ret_scan {
	const uint8_t *log_id;
	bool hdr, foreign;
	uint64_t first_seq, last_seq;
	struct sa__ckpt last; /* the last checkpoint of this log */
	bool have_last;
	uint64_t signed_epoch; /* of the last signed one; 0: none */
	uint64_t first_signed; /* epoch of the first signed one */
	struct sa__bridge *pool;
	int err;
};

static void
ret_obs(const struct sa__obs *o, void *arg)
{
	struct ret_scan *s = arg;
	if (o->kind == SA_OBS_SEGMENT) {
		if (!s->hdr)
			s->first_seq = o->hdr->first_seq;
		s->hdr = true;
		if (!o->hdr->has_log_id ||
		    memcmp(o->hdr->log_id, s->log_id, SA_LOG_ID_LEN) != 0)
			s->foreign = true;
		return;
	}
	if (o->type != SA_FRAME_CHECKPOINT)
		return;
	struct sa__ckpt k;
	if (sa__ckpt_decode(o->payload, o->len, &k) != 0 ||
	    memcmp(k.log_id, s->log_id, SA_LOG_ID_LEN) != 0)
		return;
	s->last = k;
	s->have_last = true;
	if (k.flags & SA_CKPT_F_SIGNED) {
		s->signed_epoch = k.epoch;
		if (s->first_signed == 0)
			s->first_signed = k.epoch;
		int rc = sa__bridge_add(s->pool, &k, o->payload);
		if (rc < 0)
			s->err = rc;
	}
}

void
sa_retention_free(struct sa_retention *ret)
{
	if (ret == NULL)
		return;
	free(ret->bridge);
	memset(ret, 0, sizeof *ret);
}

/*
 * seal.bridge is missing or damaged while the segment to remove does not
 * start the key's walk: the bridge is taken from the log itself, from its
 * newest retention record (one read of the log, once).
 */
static void
bridge_recover(struct sa_writer *w)
{
	const char *paths[1] = {w->dir};
	struct sa_reader *rd;
	if (sa_reader_open(&rd, paths, 1, NULL, NULL) < 0)
		return;
	struct sa_record x;
	while (sa_reader_next(rd, &x) == 1) {
		struct sa__bridge b;
		if (sa__bridge_from_record(&x, &b) != 0)
			continue;
		if (b.target > w->bridge.target) {
			sa__bridge_free(&w->bridge);
			w->bridge = b;
		} else {
			sa__bridge_free(&b);
		}
	}
	sa_reader_close(rd);
}

int
sa_writer_retention(struct sa_writer *w, const char *seg_path,
		    struct sa_record *r, struct sa_retention *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!w->chain_on || w->copy)
		return -EINVAL;
	bridge_load(w);
	struct sa__bridge pool = {0};
	struct ret_scan s = {.log_id = w->log_id, .pool = &pool};
	struct sa_reader *rd;
	int rc = sa_reader_open(&rd, &seg_path, 1, NULL, NULL);
	if (rc == 0) {
		sa__reader_observe(rd, ret_obs, &s);
		struct sa_record x;
		while ((rc = sa_reader_next(rd, &x)) == 1)
			s.last_seq = x.seq;
		sa_reader_close(rd);
	}
	if (rc == 0 && s.err < 0)
		rc = s.err;
	if (rc == 0 && (s.foreign || !s.have_last || s.last_seq == 0))
		rc = SA_ENOLOG;
	/* What the last removal left, with what this segment adds. */
	if (rc == 0 && s.first_signed > 1 && w->bridge.target == 0)
		bridge_recover(w);
	if (rc == 0)
		rc = sa__bridge_merge(&pool, &w->bridge);
	if (rc < 0) {
		sa__bridge_free(&pool);
		return rc;
	}
	r->event = SA_EV_RETENTION;
	r->status = 'C';
	if (r->time_us == 0)
		r->time_us = sa__now_us();
	(void)sa_record_set_int(r, SA_F_REMOVED_FIRST, (int64_t)s.first_seq);
	(void)sa_record_set_int(r, SA_F_REMOVED_LAST, (int64_t)s.last_seq);
	if (s.last.seq == s.last_seq) {
		/* The value closing the segment: its next one links to it. */
		sa__hex(ret->chain_hex, s.last.chain, SA_CHAIN_LEN);
		(void)sa_record_set_cstr(r, SA_F_REMOVED_CHAIN, ret->chain_hex);
	}
	/* The key bridge past the epochs this segment ends: to the epoch
	 * after its last signed checkpoint, the next one's. */
	if (s.signed_epoch > 0 &&
	    sa__bridge_trim(&pool, s.signed_epoch + 1) == 0) {
		uint8_t *enc;
		size_t len;
		if (sa__bridge_encode(&pool, &enc, &len) == 0) {
			size_t bl = sa_b64_encoded_len(len);
			ret->bridge = malloc(bl + 1);
			if (ret->bridge != NULL) {
				*sa_b64_encode(ret->bridge, enc, len) = '\0';
				if (sa_record_set_str(r, SA_F_SEAL_BRIDGE,
						      ret->bridge, bl) != 0) {
					free(ret->bridge);
					ret->bridge = NULL;
				}
			}
			free(enc);
		}
	}
	if (s.signed_epoch > 0 && pool.target == s.signed_epoch + 1) {
		sa__bridge_free(&w->bridge_next);
		w->bridge_next = pool;
		w->bridge_staged = true;
	} else {
		sa__bridge_free(&pool);
	}
	w->ckpt_wanted = true;
	return 0;
}

static int
commit_internal(struct sa_writer *w, bool force_ckpt)
{
	if (w->pend_len > 0 &&
	    w->seg_size + w->pend_len >= w->opts.segment_size)
		force_ckpt = true; /* a roll-over follows: seal it first */
	if (w->ckpt_wanted)
		force_ckpt = true; /* a retention record: sealed at once */
	if (checkpoint_due(w, force_ckpt)) {
		int rc = add_checkpoint(w);
		if (rc < 0)
			return rc;
	}
	return commit_pending(w);
}

int
sa_writer_commit(struct sa_writer *w)
{
	return commit_internal(w, false);
}

int
sa_writer_append_checkpoint(struct sa_writer *w, const void *payload,
			    size_t len)
{
	if (!w->copy || !w->chain_on)
		return -EINVAL;
	struct sa__ckpt k;
	if (len > SA_CKPT_MAX || sa__ckpt_decode(payload, len, &k) != 0)
		return SA_ECORRUPT;
	if (memcmp(k.log_id, w->log_id, SA_LOG_ID_LEN) != 0 ||
	    k.seq != w->chain.last)
		return SA_ECHAIN;
	struct sa__chain c = w->chain;
	sa__chain_close(&c);
	if (c.seq != k.seq || memcmp(c.value, k.chain, SA_CHAIN_LEN) != 0)
		return SA_ECHAIN;
	int rc = append_frame(w, SA_FRAME_CHECKPOINT, payload, len);
	if (rc < 0)
		return rc;
	w->chain = c;
	w->since_ckpt = 0;
	return 0;
}

int
sa_writer_seal(struct sa_writer *w)
{
	return commit_internal(w, true);
}

void
sa_writer_seal_state(const struct sa_writer *w, struct sa_seal_state *st)
{
	memset(st, 0, sizeof *st);
	st->sealed_seq = w->sealed_seq;
	st->epoch = w->key ? w->key->epoch : 0;
	st->key_error = w->key_error;
}

static int
commit_pending(struct sa_writer *w)
{
	if (w->pend_len == 0)
		return 0;
	int rc = pwrite_all(w->fd, w->pend, w->pend_len, w->seg_size);
	if (rc == 0 && w->opts.sync != SA_SYNC_NONE && fdatasync(w->fd) < 0)
		rc = -errno;
	if (rc == 0 && !still_linked(w))
		rc = SA_ELOGGONE;
	if (rc < 0) {
		/* Leave no partial or unsynced bytes; keep pending for retry.
		 */
		if (ftruncate(w->fd, (off_t)w->seg_size) == 0 &&
		    w->opts.sync != SA_SYNC_NONE)
			(void)fdatasync(w->fd);
		return rc;
	}
	if (w->hasher != NULL) {
		feed_pend(w); /* durable: hashed in the chain's thread */
		w->pend_fed = 0;
	}
	w->seg_size += w->pend_len;
	w->bytes_committed += w->pend_len;
	w->pend_len = 0;
	w->committed = w->cur;
	blocks_snapshot(w);
	if (w->chain_on) {
		if (!w->chain.open)
			w->sealed_seq = w->chain.seq;
		if (w->hasher == NULL)
			w->chain_committed = w->chain;
		w->since_ckpt_committed = w->since_ckpt;
	}
	if (w->evolve_due)
		evolve_key(w);
	if (w->bridge_staged)
		bridge_commit(w);
	if (w->seg_size >= w->opts.segment_size) {
		/* Records are durable already; a failed roll-over only means
		 * the active segment grows past its size for now. */
		(void)seal_and_roll(w);
	}
	return 0;
}

int
sa_writer_check(const struct sa_writer *w)
{
	return still_linked(w) ? 0 : SA_ELOGGONE;
}

int
sa_writer_reopen(struct sa_writer *w, uint64_t *lost)
{
	*lost = 0;
	if (still_linked(w))
		return 0; /* moved away and back: nothing was lost */
	int rc = mkdir_p(w->dir, w->opts.dir_mode);
	if (rc < 0)
		return rc;
	if (w->opts.set_group && chown(w->dir, (uid_t)-1, w->opts.group) < 0)
		return -errno;
	char lockpath[PATH_MAX + 8];
	snprintf(lockpath, sizeof lockpath, "%s/LOCK", w->dir);
	int lfd =
	    open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, w->opts.file_mode);
	if (lfd < 0)
		return -errno;
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? SA_ELOCKED : -errno;
		close(lfd);
		return rc;
	}
	/*
	 * The pending records were encoded against the old segment's header
	 * (numbers and times are deltas from it): keep a copy, start a new
	 * segment after the last committed number, and append them again.
	 */
	uint8_t *old = NULL;
	size_t old_len = w->pend_len;
	struct sa_seg_header oh = w->hdr;
	if (old_len > 0) {
		if ((old = malloc(old_len)) == NULL) {
			close(lfd);
			return -ENOMEM;
		}
		memcpy(old, w->pend, old_len);
	}
	sa_writer_discard(w);
	rc = segment_create(w, w->committed.last_seq + 1);
	if (rc < 0) {
		free(old);
		close(lfd);
		return rc;
	}
	close(w->lockfd);
	w->lockfd = lfd;
	*lost = w->hdr.first_seq > oh.first_seq
		    ? w->hdr.first_seq - oh.first_seq
		    : 0;
	for (size_t pos = 0; rc == 0 && pos < old_len;) {
		struct sa_frame fr;
		if (sa__frame_parse(old + pos, old_len - pos, &fr) !=
		    SA_FRAME_OK)
			break; /* cannot happen: the writer framed them */
		pos += fr.total_len;
		if (fr.type != SA_FRAME_RECORD)
			continue; /* index points are made afresh */
		struct sa_record r;
		rc = sa_record_decode(fr.payload, fr.payload_len, oh.first_seq,
				      oh.base_time_us, &r);
		if (rc == 0)
			rc = sa_writer_append(w, &r);
	}
	free(old);
	return rc;
}

void
sa_writer_discard(struct sa_writer *w)
{
	w->pend_len = 0;
	w->cur = w->committed;
	if (w->hasher != NULL) {
		/* Only a checkpoint feeds pending records: undo them then. */
		struct sa__chain *hc = sa__hasher_sync(w->hasher);
		if (w->pend_fed > 0)
			*hc = w->chain_committed;
		w->chain = *hc;
		w->pend_fed = 0;
	} else {
		w->chain = w->chain_committed;
	}
	w->since_ckpt = w->since_ckpt_committed;
	w->evolve_due = false; /* its checkpoint went with the batch */
	w->nblocks = w->nblocks_committed;
	w->blocks[w->nblocks - 1] = w->open_committed;
}

int
sa_writer_rotate(struct sa_writer *w)
{
	int rc = commit_internal(w, true);
	if (rc < 0)
		return rc;
	if (w->seg_size <= w->hdr.length)
		return 0; /* nothing in the active segment to seal */
	return seal_and_roll(w);
}

uint64_t
sa_writer_last_seq(const struct sa_writer *w)
{
	return w->cur.last_seq;
}

uint64_t
sa_writer_committed_seq(const struct sa_writer *w)
{
	return w->committed.last_seq;
}

uint64_t
sa_writer_bytes_committed(const struct sa_writer *w)
{
	return w->bytes_committed;
}

const char *
sa_writer_segment_path(const struct sa_writer *w)
{
	return w->path;
}

int
sa_writer_close(struct sa_writer *w)
{
	if (w == NULL)
		return 0;
	w->closing = true; /* the last checkpoint says the log was closed */
	int rc = commit_internal(w, true);
	sa__hasher_stop(w->hasher); /* after the key file's last rewrite */
	w->hasher = NULL;
	key_stored(w);
	if (w->fd >= 0)
		close(w->fd);
	if (w->lockfd >= 0)
		close(w->lockfd); /* releases the flock */
	if (w->key) {
		sa__sealkey_wipe(w->key);
		free(w->key);
	}
	if (w->keylockfd >= 0)
		close(w->keylockfd);
	free(w->pend);
	free(w->blocks);
	sa__bridge_free(&w->bridge);
	sa__bridge_free(&w->bridge_next);
	free(w);
	return rc;
}
