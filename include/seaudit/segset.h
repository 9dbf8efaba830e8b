/*
 * segset.h - what happens to a log's segments once the writer has sealed
 * them (docs/FORMAT.md): moving them to the audit_back directory, zstd
 * compression, retention, and listing.  One place for all of it, so that
 * the writer daemon, the router (which must not see a segment deleted
 * before it forwarded it) and the collector (which keeps other hosts'
 * logs) expire and seal segments the same way.
 *
 * A segment is sealed once the writer has moved to a newer one: every
 * segment whose first sequence number is below the active segment's.
 * The active segment is never moved, compressed or removed.
 *
 * Durability: a moved segment is synced into its new directory before the
 * old directory entry goes (a power loss leaves it in both at worst, read
 * once: same identity; never in neither); compression syncs the .zst
 * before the plain file is removed; every removal is followed by a sync
 * of its directory.
 *
 * Retention keeps at most max_files sealed segments (a segment present
 * plain and compressed counts once), removing the oldest first.  Before
 * each removal the hold callback is asked; a segment it holds is kept,
 * and so is everything newer (what is not forwarded yet is never older
 * than what is), until a later sa_segset_sealed or sa_segset_retain.
 *
 * Threads: with `background`, compression runs in a thread of the set's
 * own; the hold and note callbacks may then be called from that thread
 * (retention held up by the segment being compressed is finished there),
 * never two at a time.  The set's functions are called from one thread.
 *
 * ABI: struct sa_segset_opts and struct sa_segset_note are caller-visible
 * and keep their size: later members take the reserved words, whose zero
 * keeps today's behaviour.  struct sa_segset is opaque.
 */
#ifndef SEAUDIT_SEGSET_H
#define SEAUDIT_SEGSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

/* What the set did, for the owner's diagnostics. */
enum sa_segset_event {
	SA_SEGSET_MOVED = 1,	  /* to back_dir; path is the new one */
	SA_SEGSET_COMPRESSED = 2, /* path is the .zst */
	SA_SEGSET_REMOVED = 3,	  /* by retention or sa_segset_drop_oldest */
	SA_SEGSET_HELD = 4,	  /* retention stopped: the hold callback */
	SA_SEGSET_FAILED = 5	  /* an operation on path failed: error */
};

struct sa_segset_note {
	int event;	    /* enum sa_segset_event */
	const char *path;   /* valid during the callback */
	uint64_t first_seq; /* of the segment */
	int error;	    /* SA_SEGSET_FAILED: 0 or a negative code */
	const char *what;   /* SA_SEGSET_FAILED: the operation ("moving") */
	unsigned max_files; /* SA_SEGSET_REMOVED by retention: the limit */
	uint32_t reserved32;
	uint64_t reserved[4];
};

/* True: keep this sealed segment (and every newer one) for now. */
typedef bool (*sa_segset_hold_cb)(const char *path, uint64_t first_seq,
				  void *arg);
typedef void (*sa_segset_note_cb)(const struct sa_segset_note *n, void *arg);

struct sa_segset_opts {
	const char *back_dir; /* sealed segments move here; NULL, "": stay */
	unsigned max_files;   /* sealed segments kept; 0: all */
	bool compress;	      /* zstd-compress sealed segments */
	bool background;      /* ... in a thread of the set's own */
	int compress_level;   /* 0: the default (3) */
	bool set_group;	      /* give back_dir, when created, ... */
	gid_t group;	      /* ... this group (the audit group) */
	sa_segset_hold_cb hold;
	void *hold_arg;
	sa_segset_note_cb note;
	void *note_arg;
	uint64_t reserved[8]; /* zero (initialise with {0}) */
};

struct sa_segset;

/*
 * The sealed segments of log directory log_dir.  Creates back_dir (0750)
 * when given and records it in log_dir's audit_back pointer
 * (sa_log_set_back; removed when back_dir is not given), so readers of
 * log_dir find what moves there.  Does no work on segments yet: call
 * sa_segset_sealed with the active segment's number.  0, -ENOMEM, an
 * error of mkdir(2) for back_dir, or of pthread_create(3).
 */
int sa_segset_open(struct sa_segset **out, const char *log_dir,
		   const struct sa_segset_opts *opts);

/*
 * The writer's active segment now starts at active_seq (at start, and
 * after every rotation): moves the sealed segments to back_dir, applies
 * retention, and compresses them (now, or by waking the thread).  0, or
 * the first error (also reported through the note callback); segments
 * that failed are tried again at the next call.
 */
int sa_segset_sealed(struct sa_segset *s, uint64_t active_seq);

/* Applies retention again (a hold was released).  Segments removed. */
int sa_segset_retain(struct sa_segset *s);

/* New limits (a reload): max_files and compress_level. */
void sa_segset_set_limits(struct sa_segset *s, unsigned max_files,
			  int compress_level);

/*
 * Removes the oldest sealed segment now (a disk-full action), unless it
 * is being compressed or held.  1 with its path in what (cap bytes) and
 * the number of records it held in *records, 0 when there was none to
 * remove, or -errno.
 */
int sa_segset_drop_oldest(struct sa_segset *s, char *what, size_t cap,
			  uint64_t *records);

/* Stops the thread (finishing the segment it compresses) and frees. */
void sa_segset_close(struct sa_segset *s); /* NULL-safe */

/*
 * Calls cb for every segment file of log directory dir and of the
 * directory its audit_back pointer names, in log order (first sequence
 * number; a plain segment before its compressed copy; dir before the
 * back directory for the same number).  path is valid during the call.
 * A non-zero return of cb stops the walk and is returned.  0, or an
 * error of opendir(3) for dir (a missing back directory is no error).
 */
typedef int (*sa_segment_cb)(const char *path, uint64_t first_seq,
			     bool compressed, void *arg);
int sa_log_segments(const char *dir, sa_segment_cb cb, void *arg);

SA_END_DECLS

#endif
