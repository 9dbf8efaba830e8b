/*
 * log.h - the durable on-disk log (format version 1, docs/FORMAT.md):
 * a directory of segment files, written by one writer at a time and read
 * by any number of readers.
 *
 * Writer contract: sa_writer_append() stamps the record's sequence number
 * and buffers its encoding; sa_writer_commit() writes everything buffered
 * with one write(2) and then, by the sync policy, one fdatasync(2).  A
 * record is durable (may be acknowledged) once sa_writer_commit() has
 * returned 0 under SA_SYNC_BATCH or SA_SYNC_RECORD.  On a failed write
 * the segment is truncated back to the last committed byte, so a failure
 * never leaves a partial record behind and nothing uncommitted is claimed.
 *
 * Reader contract: records come out in log order across all segments
 * (plain or zstd-compressed).  Damage never stops the reader: it reports
 * the file and byte offset through the damage callback, resynchronises on
 * the next valid record and goes on.
 *
 * Both objects are opaque and owned by the caller between *_open and
 * *_close.  Neither is thread-safe; use one per thread.
 */
#ifndef SEAUDIT_LOG_H
#define SEAUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

#define SA_FORMAT_VERSION 1
#define SA_MAX_ORIGIN 255

enum sa_sync {
	SA_SYNC_BATCH = 0,  /* fdatasync once per commit (the default) */
	SA_SYNC_RECORD = 1, /* commit and fdatasync after every append */
	SA_SYNC_NONE = 2    /* write at commit, never fdatasync */
};

struct sa_writer_opts {
	const char *origin; /* host name stamped in segments; NULL = uname */
	enum sa_sync sync;
	uint64_t
	    segment_size; /* start a new segment past this size; 0 = 64 MiB */
	bool compress_sealed; /* zstd-compress a segment when it is sealed */
	int compress_level;   /* zstd level, 0 = default (3) */
	mode_t file_mode;     /* segment mode, 0 = 0640 */
	mode_t dir_mode;      /* directory mode when created, 0 = 0750 */
	int64_t created_us;   /* segment creation/base time, 0 = now; fixed
				 only for reproducible files (golden tests):
				 then the log identity and checkpoint times
				 derive from it too (no secret then) */
	bool set_group;	      /* give the directory and new segments ... */
	gid_t group;	      /* ... this group (the audit group) */
	uint32_t flags;	      /* SA_WRITER_* below */
	uint32_t reserved32;  /* zero */
	/*
	 * (Added.)  Integrity (docs/INTEGRITY.md).  The writer hashes every
	 * record into the log's chain and writes a checkpoint after
	 * checkpoint_records records or checkpoint_ms milliseconds since the
	 * last one (at the first commit after; sa_writer_seal for a timer),
	 * at every rotation and at close.  With seal_key (a key file made by
	 * sa_seal_keygen) checkpoints are signed and the key evolves at each
	 * one; without, they are unsigned (the chain still shows damage, not
	 * an attacker).  0: 100000 records, 1000 ms.  One writer per key:
	 * sa_writer_open holds seal_key.lock beside it (-EBUSY when another
	 * writer does).
	 */
	const char *seal_key;
	uint32_t checkpoint_records;
	uint32_t checkpoint_ms;
	/*
	 * (Added.)  A copy of another log (with SA_WRITER_KEEP_SEQ: a
	 * collector's): the records go on the origin's chain from the point
	 * named, the writer makes no checkpoint of its own, and the origin's
	 * checkpoints are stored with sa_writer_append_checkpoint, so the
	 * copy, cut into other segments, verifies against them.
	 */
	const struct sa_chain_origin *copy_of;
	uint64_t reserved[4]; /* zero (initialise with {0}): later options */
};

/* Where a copy starts on its origin's chain: the origin's log identity and
 * the link of the segment the copy starts with (seaudit/verify.h). */
struct sa_chain_origin {
	uint8_t log_id[16];
	uint64_t seq;	   /* the last record the value covers */
	uint8_t value[32]; /* the chain value there */
	uint64_t reserved[2];
};

/*
 * (Added.)  The records keep the sequence numbers they carry (r->seq),
 * for a log that stores another origin's records under that origin's own
 * numbers (the collector).  Each must follow the log's last by one,
 * SA_ESEQORDER otherwise (nothing is appended); the first record of an
 * empty log may start anywhere above 0, and the log's first segment is
 * named after it.  Set opts.origin to that origin.
 */
#define SA_WRITER_KEEP_SEQ 0x1u
/*
 * (Added.)  No chain and no checkpoints: a log -verify reports as not
 * sealed.  For measuring what sealing costs, and for writers that cannot
 * load libsodium on purpose; never the default.
 */
#define SA_WRITER_NO_CHAIN 0x2u
/*
 * (Added.)  Hash the chain in the calling thread.  By default a writer
 * with a chain (not a copy, not SA_SYNC_RECORD) hashes committed records
 * in a thread of its own, started at the first append (the chain costs
 * about as much as the rest of the writer's work; docs/performance.md):
 * a process that forks after that keeps no such thread in the child, so
 * fork before the first append, or set this.
 */
#define SA_WRITER_INLINE_CHAIN 0x4u

/* What opening for write found and repaired. */
struct sa_recovery {
	char segment[256];	  /* file name of the active segment */
	uint64_t bytes_dropped;	  /* torn tail removed from it */
	uint64_t records_found;	  /* intact records in it */
	uint64_t damaged_regions; /* damaged regions left in place (mid-file) */
	uint64_t last_seq;    /* last sequence number in the log, 0 if none */
	uint64_t reserved[4]; /* zero: later results */
};

struct sa_writer;

/*
 * Opens (creating if needed) the log directory `dir` for appending.  Takes
 * an exclusive lock (SA_ELOCKED if another writer holds it), finds the
 * active segment, truncates a torn tail and fills *rep (may be NULL).
 * `opts` may be NULL for the defaults.
 */
int sa_writer_open(struct sa_writer **out, const char *dir,
		   const struct sa_writer_opts *opts, struct sa_recovery *rep);

/*
 * Stamps r->seq with the next sequence number (SA_WRITER_KEEP_SEQ: checks
 * that it is the next), validates and buffers the record.  Under SA_SYNC_RECORD
 * it also commits.  On error the record is not in the log and no sequence
 * number is consumed.
 */
int sa_writer_append(struct sa_writer *w, struct sa_record *r);

/* Writes and (by policy) syncs what is buffered; see the contract above. */
int sa_writer_commit(struct sa_writer *w);

/*
 * Drops every record appended since the last successful commit and gives
 * back their sequence numbers (after a failed commit the caller did not
 * want to retry).
 */
void sa_writer_discard(struct sa_writer *w);

/* Path of the active segment; valid until the next call on the writer. */
const char *sa_writer_segment_path(const struct sa_writer *w);

/* Commits, seals the active segment and starts a new one. */
int sa_writer_rotate(struct sa_writer *w);

/*
 * (Added.)  A copy (opts.copy_of): stores the origin's checkpoint payload
 * after the records it covers.  SA_ECHAIN (nothing stored) when the
 * records appended since the last one do not hash to what it seals, or it
 * is another log's; SA_ECORRUPT when it does not parse; -EINVAL when the
 * writer is not a copy.
 */
int sa_writer_append_checkpoint(struct sa_writer *w, const void *payload,
				size_t len);

/*
 * (Added.)  Writes a checkpoint covering every record appended and not
 * yet covered, and commits: 0 (also when there was nothing to cover), or
 * the commit's error.  For a timer, so that records are sealed within
 * checkpoint_ms even when no more arrive.
 */
int sa_writer_seal(struct sa_writer *w);

/*
 * (Added.)  The sealing state: the last sequence number a checkpoint
 * covers, the current key epoch (0: unsigned checkpoints), and the first
 * error met keeping the key file (0: none): a key that could not be
 * rewritten leaves the previous epoch's seed on disk.
 */
struct sa_seal_state {
	uint64_t sealed_seq;
	uint64_t epoch;
	int key_error;
	uint32_t reserved32;
	uint64_t reserved[4];
};
void sa_writer_seal_state(const struct sa_writer *w, struct sa_seal_state *st);

/*
 * (Added.)  Retention that stays provable (docs/INTEGRITY.md §3): before
 * a sealed segment of this log is removed, its owner calls this with the
 * segment's path and a record whose descriptive fields it set (service,
 * pid, origin, detail); the writer makes it a retention record (event,
 * status, removed_first, removed_last, removed_chain: the chain value
 * closing the segment, seal_bridge: the certificates that lead the
 * auditor's key past the epochs being removed) and the next commit
 * writes a checkpoint after it.  Append r with sa_writer_append, then
 * commit: once that commit returned 0, the segment may go.  The writer
 * keeps the bridge in "seal.bridge" in the log directory for the next
 * removal, rewritten after each such commit.
 *
 * The strings r points to are owned by *ret until sa_retention_free.
 * 0, SA_ENOLOG (the segment is not this log's or holds no checkpoint),
 * an error reading it, -ENOMEM.
 */
struct sa_retention {
	char chain_hex[65];
	char *bridge; /* base64, or NULL when none could be made */
	void *reserved[4];
};
int sa_writer_retention(struct sa_writer *w, const char *seg_path,
			struct sa_record *r, struct sa_retention *ret);
void sa_retention_free(struct sa_retention *ret);

/* Last sequence number appended (committed or not); 0 when empty. */
uint64_t sa_writer_last_seq(const struct sa_writer *w);
/*
 * After sa_writer_commit returned SA_ELOGGONE (the log directory, or the
 * active segment, was removed or replaced): recreates the directory when
 * it is missing (as sa_writer_open does), takes its lock, starts a new
 * active segment after the last committed number and moves the pending
 * records into it, so that the next commit writes them where readers
 * look.  *lost gets the number of committed records the removed active
 * segment held (gone with it).  0 when the segment is in place again (a
 * directory moved away and back); otherwise an error of mkdir(2),
 * SA_ELOCKED (another writer took the new directory), and the caller
 * retries later.
 */
int sa_writer_reopen(struct sa_writer *w, uint64_t *lost);

/* 0 while the active segment is where readers find it, SA_ELOGGONE once
 * it (or the log directory) was removed or replaced (one stat(2)). */
int sa_writer_check(const struct sa_writer *w);

/* Last sequence number committed. */
uint64_t sa_writer_committed_seq(const struct sa_writer *w);

/* (Added.)  Bytes appended to the log by successful commits since the
 * writer was opened (record, loss and index frames as written). */
uint64_t sa_writer_bytes_committed(const struct sa_writer *w);

/* Commits, releases the lock and frees; returns the commit's status. */
int sa_writer_close(struct sa_writer *w);

/*
 * Parses a segment file name ("<16 hex digits>.seg" or ".seg.zst", no
 * directory): true with its first sequence number, false for any other
 * name.  zst may be NULL.
 */
bool sa_segment_name_parse(const char *name, uint64_t *first_seq, bool *zst);

/*
 * Records in log directory `dir` where its sealed segments go: writes the
 * pointer file `dir`/audit_back holding `back_dir` (an absolute path), or
 * removes it when back_dir is NULL or empty.  Readers given `dir` then
 * read `back_dir` too, so a segment moved there is never missed
 * (docs/FORMAT.md, "The audit_back pointer").  Written atomically and
 * synced; unchanged contents are not rewritten.  0 or -errno.
 */
int sa_log_set_back(const char *dir, const char *back_dir);

/*
 * Compresses a sealed plain segment `path` into `path`.zst (chunked zstd
 * frames with a seek index, docs/FORMAT.md), syncs it and removes the
 * original.  Used by the writer when compress_sealed is set.
 */
int sa_segment_compress(const char *path, int level);

/* Damage report passed to the reader's callback; strings live for the call. */
struct sa_damage {
	const char *file; /* segment path */
	uint64_t offset;  /* byte offset in the plain segment bytes (for a
			     .zst segment: in its decompressed stream) */
	uint64_t length;  /* bytes skipped */
	int error;	  /* SA_ECORRUPT, SA_ETRUNC, SA_EBADMAGIC, ... */
	bool compressed;  /* damage to a zstd frame itself: offset and
			     length are in the compressed file */
	/* SA_ESEQGAP: the numbers seq_first..seq_last are missing before
	 * `offset` (records cut out, a segment removed); SA_ESEQBACK: the
	 * record at `offset` repeats seq_first.  0 otherwise. */
	uint64_t seq_first, seq_last;
	uint64_t reserved[4]; /* zero: later detail (integrity damage) */
};
typedef void (*sa_damage_cb)(const struct sa_damage *d, void *arg);

struct sa_reader;

/*
 * Opens a reader over `n` paths: each a directory of segments, a segment
 * file (plain or .zst) or a renamed backup.  Segments are grouped by the
 * origin in their headers and read in sequence-number order within each
 * origin, as one stream; a segment seen twice (same origin and first
 * sequence number and creation time, e.g. plain and sealed copies) is
 * read once.  A directory's audit_back pointer (sa_log_set_back) adds the
 * directory it names.  Segments are opened when reached, wherever they
 * are then (sealed, moved to audit_back); one removed before it was
 * reached is reported as SA_EREMOVED with its numbers.  `cb` (may be
 * NULL) receives every damage report; unreadable files are reported
 * there too.
 * SA_ENOLOG when nothing readable was found.
 */
int sa_reader_open(struct sa_reader **out, const char *const *paths, size_t n,
		   sa_damage_cb cb, void *arg);

/*
 * Next record: returns 1 and fills *r (strings valid until the next call
 * on this reader), 0 at the end of the log, or a negative code for an
 * error that prevents going on (out of memory).
 *
 * With follow mode on, 0 means "nothing new yet": call again later; the
 * reader then picks up appended records and new segments (rotation).
 */
int sa_reader_next(struct sa_reader *rd, struct sa_record *r);

/* Follow mode: a torn tail of the last segment is awaited, not reported. */
void sa_reader_follow(struct sa_reader *rd, bool on);

/*
 * A descriptor that becomes readable when the log may hold new records
 * (inotify on its directories: appends, new, moved and removed segments),
 * for a follower's event loop or poll(2) instead of a timer.  Owned by the
 * reader (closed by sa_reader_close; do not read from it): sa_reader_next
 * consumes its events, so after next() returned 0 it is quiet until
 * something changes.  A wakeup may be spurious (next() then returns 0
 * again).  File systems that do not report changes (network ones) never
 * wake it: wait with a timeout as well.  The descriptor, or -errno
 * (inotify unavailable, out of watches).
 */
int sa_reader_fd(struct sa_reader *rd);

/*
 * Positions the reader so the next record is the first with seq >= `seq`
 * (sa_reader_seek_seq) or the first that may have time >= `us`
 * (sa_reader_seek_time: records before it all have smaller times; records
 * after it may still be older, since event times need not be monotonic,
 * so callers filter).  Logarithmic in the log size.
 */
int sa_reader_seek_seq(struct sa_reader *rd, uint64_t seq);
int sa_reader_seek_time(struct sa_reader *rd, int64_t us);

/*
 * Restricts the reader to records with since_us <= time < until_us and
 * positions it at `since_us` (as sa_reader_seek_time).  Records outside
 * the window are not returned; blocks of sealed segments whose footer
 * shows no time in the window are skipped unread, so finding a short
 * window costs about the same whatever the log's size.
 */
int sa_reader_set_window(struct sa_reader *rd, int64_t since_us,
			 int64_t until_us);

/* Where the last returned record lies: segment path and offset. */
const char *sa_reader_position(const struct sa_reader *rd, uint64_t *offset);

/* Number of damage reports so far. */
uint64_t sa_reader_damage_count(const struct sa_reader *rd);

void sa_reader_close(struct sa_reader *rd); /* NULL-safe */

SA_END_DECLS

#endif
