/*
 * reader.c - reading a log as one stream of records, across segments,
 * plain or zstd-compressed, past any damage.
 *
 * The reader works on a "view": a contiguous run of plain segment bytes
 * (the whole mmap'ed file for a plain segment; one decompressed zstd frame,
 * plus any frame left over from the previous one, for a compressed
 * segment).  Frames are parsed from the view; a frame that fails its CRC
 * starts a damage region that ends at the next offset holding a valid
 * frame (sa__frame_resync), and the region is reported with file and
 * offset before reading goes on.  Nothing stops the reader but the end of
 * the log or running out of memory.
 *
 * Seeking is logarithmic: segments are ordered by first sequence number
 * (from their names or headers); inside a plain segment, index frames
 * written every SA_INDEX_INTERVAL bytes are found by binary search over
 * byte offsets with a bounded forward scan; inside a compressed segment the
 * chunk table at its end is searched.  Every index point carries the
 * running maximum of event times before it, which is monotonic even when
 * event times are not, so "all records before here are older than T" is a
 * sound test.
 *
 * With a time window set, the footer of each sealed segment (the time
 * range of every block) lets the reader jump over blocks, and whole
 * segments, that hold no record of the window: the decisive cost of
 * `seaudit -since T -until T+1m` on a large log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/log.h>

#include "observe.h"
#include "segment.h"
#include "zstd_dl.h"
#include "varint.h"
#include "le.h"

struct seg {
	char *path;
	int dir; /* index into rd->dirs, -1 for an explicit file */
	bool zst;
	uint64_t first_seq;
	int hdr_state; /* 0 not read, 1 good, -1 unreadable */
	struct sa_seg_header hdr;
};

/*
 * A directory of the log: named by the caller, or named by another one's
 * audit_back pointer (where its sealed segments are moved).  `top` is the
 * highest first number among its segment names looked at so far: a
 * follower's rescan considers only names above it.
 */
struct rdir {
	char *path;
	dev_t dev;
	ino_t ino;
	uint64_t top;
};

struct sa_reader {
	struct rdir *dirs;
	size_t ndirs, dircap;
	struct seg *segs;
	size_t nsegs, segcap;
	size_t cur;
	bool open; /* segs[cur] is entered */
	bool done; /* past the end of segs[cur]; go to the next */
	bool follow;
	int wfd;      /* inotify descriptor of sa_reader_fd, or -1 */
	bool rewatch; /* a watch was dropped: add them again */
	sa_damage_cb cb;
	void *cbarg;
	uint64_t ndamage;
	sa__obs_cb obs; /* observe.h */
	void *obsarg;

	/* current segment */
	int fd;
	struct sa_seg_header hdr;
	bool hdr_ok;
	const uint8_t *view;
	size_t view_len;
	uint64_t view_off; /* plain offset of view[0] */
	size_t pos;
	void *map; /* plain: the file; zst: the compressed file */
	size_t map_len;
	/* zstd */
	ZSTD_DCtx *dctx;
	uint8_t *zbuf;
	size_t zbuf_cap;
	uint64_t zpos;	 /* next zstd frame in the compressed file */
	uint64_t zplain; /* plain offset of that frame's content */
	/* The frame last loaded was decoded only in part (settle_zcut). */
	bool zcut, zcut_known;
	int zcut_err;
	uint64_t zcut_plain;	     /* plain offset where reading resumes */
	uint64_t zcut_off, zcut_len; /* the compressed bytes given up */
	struct sa_zchunk *chunks;
	int nchunks;

	uint64_t min_seq; /* records below are skipped (seek_seq) */
	bool window;
	int64_t win_since, win_until;
	struct sa_block *blk; /* footer of the current segment, if any */
	int nblk, blk_i;
	uint64_t footer_off;
	uint64_t last_off;
	const char *last_path;

	/*
	 * Sequence continuity (see seq_enter/seq_observe): on while the
	 * reader reads every record in order, off for good after a seek or
	 * a time window.  Segments of one origin form chains of consecutive
	 * numbers; two logs of the same host are two chains.
	 */
	bool seq_check;
	bool seq_known;		/* seq_next holds */
	bool damaged_since_rec; /* a damage report since the last record */
	uint64_t seq_next;
	uint64_t *chain_end; /* last number of each chain of the origin */
	size_t nchains, chaincap, chain_cur;
	char chain_origin[SA_MAX_ORIGIN + 1];
};

static void
damage_at(struct sa_reader *rd, const char *path, uint64_t off, uint64_t len,
	  int err, bool comp)
{
	rd->ndamage++;
	rd->damaged_since_rec = true;
	if (rd->cb) {
		struct sa_damage d = {.file = path,
				      .offset = off,
				      .length = len,
				      .error = err,
				      .compressed = comp};
		rd->cb(&d, rd->cbarg);
	}
}

/* Sequence numbers first..last are missing before offset `off`. */
static void
damage_gap(struct sa_reader *rd, uint64_t off, uint64_t first, uint64_t last,
	   int err)
{
	rd->ndamage++;
	if (rd->cb) {
		struct sa_damage d = {.file = rd->segs[rd->cur].path,
				      .offset = off,
				      .error = err,
				      .seq_first = first,
				      .seq_last = last};
		rd->cb(&d, rd->cbarg);
	}
}

/*
 * A segment was entered: does its first number follow a chain of its
 * origin?  A number after the highest end is a gap (a removed segment,
 * or records cut from a segment's end); a number at or below it starts
 * another chain (a second log of the same host, read together).  A gap
 * right after reported damage is that damage, not reported twice.
 */
/* The chain a segment starting at f continues: the one ending at f - 1,
 * else the one ending highest; SIZE_MAX when there is none. */
static size_t
chain_for(const struct sa_reader *rd, uint64_t f)
{
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < rd->nchains; i++) {
		if (rd->chain_end[i] + 1 == f)
			return i;
		if (best == SIZE_MAX || rd->chain_end[i] > rd->chain_end[best])
			best = i;
	}
	return best;
}

static int
seq_enter(struct sa_reader *rd)
{
	uint64_t f = rd->hdr.first_seq;
	if (strcmp(rd->chain_origin, rd->hdr.origin) != 0) {
		rd->nchains = 0;
		snprintf(rd->chain_origin, sizeof rd->chain_origin, "%s",
			 rd->hdr.origin);
	}
	size_t best = chain_for(rd, f);
	if (best != SIZE_MAX && rd->chain_end[best] + 1 < f) {
		if (!rd->damaged_since_rec)
			damage_gap(rd, rd->hdr.length, rd->chain_end[best] + 1,
				   f - 1, SA_ESEQGAP);
	} else if (best == SIZE_MAX || rd->chain_end[best] + 1 != f) {
		if (rd->nchains == rd->chaincap) {
			size_t cap = rd->chaincap ? 2 * rd->chaincap : 4;
			uint64_t *n = realloc(rd->chain_end, cap * sizeof *n);
			if (n == NULL)
				return -ENOMEM;
			rd->chain_end = n;
			rd->chaincap = cap;
		}
		best = rd->nchains++;
	}
	rd->chain_cur = best;
	rd->chain_end[best] = f - 1;
	rd->seq_next = f;
	rd->seq_known = true;
	rd->damaged_since_rec = false;
	return 0;
}

/* A record was read: numbers inside a segment go up by one. */
static void
seq_observe(struct sa_reader *rd, uint64_t seq, uint64_t off)
{
	if (rd->seq_known && seq != rd->seq_next && !rd->damaged_since_rec) {
		if (seq > rd->seq_next)
			damage_gap(rd, off, rd->seq_next, seq - 1, SA_ESEQGAP);
		else
			damage_gap(rd, off, seq, seq, SA_ESEQBACK);
	}
	rd->seq_known = true;
	rd->damaged_since_rec = false;
	if (seq >= rd->seq_next) {
		rd->seq_next = seq + 1;
		if (rd->chain_cur < rd->nchains)
			rd->chain_end[rd->chain_cur] = seq;
	}
}

/* Damage in the current segment. */
static void
damage(struct sa_reader *rd, uint64_t off, uint64_t len, int err, bool comp)
{
	damage_at(rd, rd->segs[rd->cur].path, off, len, err, comp);
}

/* A whole path refused (missing, unreadable, not a segment). */
static void
damage_path(struct sa_reader *rd, const char *path, int err)
{
	damage_at(rd, path, 0, 0, err, false);
}

static int seg_header(struct sa_reader *rd, size_t i);

static int
add_seg(struct sa_reader *rd, const char *path, int dir, bool zst,
	uint64_t first_seq)
{
	if (rd->nsegs == rd->segcap) {
		size_t ncap = rd->segcap ? rd->segcap * 2 : 16;
		struct seg *n = realloc(rd->segs, ncap * sizeof *n);
		if (n == NULL)
			return -ENOMEM;
		rd->segs = n;
		rd->segcap = ncap;
	}
	struct seg *s = &rd->segs[rd->nsegs];
	memset(s, 0, sizeof *s);
	if ((s->path = strdup(path)) == NULL)
		return -ENOMEM;
	s->dir = dir;
	s->zst = zst;
	s->first_seq = first_seq;
	rd->nsegs++;
	return 0;
}

static bool
is_zstd_magic(const uint8_t *p)
{
	uint32_t m = sa__le32_get(p);
	return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

/*
 * Reads the header of a segment file without entering it: plain files
 * directly, compressed ones by decompressing their first bytes.
 */
static int
read_header_fd(int fd, bool *zst, struct sa_seg_header *h)
{
	uint8_t buf[SA_SEG_HDR_MAX];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	int rc;
	if (n < 0) {
		rc = -errno;
	} else if (n >= 4 && is_zstd_magic(buf)) {
		*zst = true;
		/* Stream until the header is complete or input runs out. */
		ZSTD_DCtx *dc = sa__zstd_load() == 0 ? ZSTD_createDCtx() : NULL;
		uint8_t in[16384], out[SA_SEG_HDR_MAX];
		ZSTD_outBuffer ob = {out, sizeof out, 0};
		off_t off = 0;
		rc = SA_ETRUNC;
		while (dc && ob.pos < ob.size) {
			ssize_t k = pread(fd, in, sizeof in, off);
			if (k <= 0)
				break;
			ZSTD_inBuffer ib = {in, (size_t)k, 0};
			size_t r = ZSTD_decompressStream(dc, &ob, &ib);
			if (ZSTD_isError(r)) {
				rc = SA_EZSTD;
				break;
			}
			off += (off_t)ib.pos;
			rc = sa__seg_header_decode(out, ob.pos, h);
			if (rc != SA_ETRUNC)
				break;
			if (ib.pos == 0 && r == 0)
				break;
		}
		if (dc != NULL)
			ZSTD_freeDCtx(dc);
		else
			rc = sa__zstd_load() < 0 ? -ELIBACC : -ENOMEM;
	} else {
		*zst = false;
		rc = sa__seg_header_decode(buf, (size_t)n, h);
		/* An empty file, or a few bytes that do not begin the magic,
		 * is not a segment cut short: say what it is. */
		if (rc == SA_ETRUNC && n < SA_SEG_MAGIC_LEN &&
		    (n == 0 || memcmp(buf, SA_SEG_MAGIC, (size_t)n) != 0))
			rc = SA_EBADMAGIC;
	}
	return rc;
}

static int
read_header(const char *path, bool *zst, struct sa_seg_header *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = read_header_fd(fd, zst, h);
	close(fd);
	return rc;
}

/* The same segment: origin, first number and creation time. */
static bool
same_segment(const struct sa_seg_header *a, const struct sa_seg_header *b)
{
	return a->first_seq == b->first_seq && a->created_us == b->created_us &&
	       strcmp(a->origin, b->origin) == 0;
}

/* Is a segment with this identity already listed? */
static bool
seg_known(const struct sa_reader *rd, const struct sa_seg_header *h)
{
	for (size_t k = 0; k < rd->nsegs; k++)
		if (rd->segs[k].hdr_state == 1 &&
		    same_segment(&rd->segs[k].hdr, h))
			return true;
	return false;
}

/* Is segs[k] also listed before k? */
static bool
seg_known_before(const struct sa_reader *rd, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (rd->segs[j].hdr_state == 1 &&
		    same_segment(&rd->segs[j].hdr, &rd->segs[k].hdr))
			return true;
	return false;
}

/*
 * Is a segment of this first number listed?  0: no; 1: from another
 * place (it may be another log's: the caller compares identities); 2: from
 * dirs[di] itself (the same directory entry seen again, plain or sealed).
 */
static int
seq_listed(const struct sa_reader *rd, uint64_t seq, size_t di)
{
	int found = 0;
	for (size_t k = 0; k < rd->nsegs; k++)
		if (rd->segs[k].first_seq == seq) {
			if (rd->segs[k].dir == (int)di)
				return 2;
			found = 1;
		}
	return found;
}

/*
 * Lists the segments of dirs[di] whose first number lies in (lo, hi).
 * With `check` set, a name whose first number is already listed is
 * opened, and added only when it is another segment (another log of the
 * same host, say): the same segment moved or sealed is not read twice.
 * Raises the directory's `top` over every name it saw.
 */
static int
scan_dir(struct sa_reader *rd, size_t di, uint64_t lo, uint64_t hi, bool check)
{
	if (lo == UINT64_MAX)
		return 0;
	struct sa__segname *v;
	size_t nv;
	int rc = sa__segdir_list(rd->dirs[di].path, lo + 1, hi, false, &v, &nv);
	if (rc < 0)
		return rc;
	for (size_t k = 0; rc == 0 && k < nv; k++) {
		uint64_t seq = v[k].seq;
		bool zst = v[k].zst;
		if (seq > rd->dirs[di].top)
			rd->dirs[di].top = seq;
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s/%s", rd->dirs[di].path,
			     v[k].name) >= (int)sizeof p)
			continue;
		struct sa_seg_header h = {0};
		bool hz;
		bool have_h = false;
		int listed = check ? seq_listed(rd, seq, di) : 0;
		if (listed == 2)
			continue;
		if (listed == 1) {
			if (read_header(p, &hz, &h) != 0 || seg_known(rd, &h))
				continue;
			have_h = true;
		}
		rc = add_seg(rd, p, (int)di, zst, seq);
		if (rc == 0 && have_h) {
			rd->segs[rd->nsegs - 1].hdr = h;
			rd->segs[rd->nsegs - 1].hdr_state = 1;
		}
	}
	free(v);
	return rc;
}

/*
 * Adds a directory to the log, once (a directory named twice, or named
 * and also pointed to, is one directory), and the directory its
 * audit_back pointer names.  `top` starts at `top` (0 at open: every
 * segment; a directory that appears later starts at the newest segment
 * known, since a follower does not go back).  1 when added, 0 when
 * already there, or an error of stat(2)/opendir(3).
 */
static int add_pointed_dir(struct sa_reader *rd, size_t di, uint64_t top,
			   bool report);

/*
 * The follow descriptor (sa_reader_fd): one inotify watch per directory
 * of the log, for what makes new records readable: appends to a segment
 * (IN_MODIFY), new, moved and removed segments, and the directory itself
 * going away.  The events carry nothing the reader uses: sa_reader_next
 * drains them before it looks for records, so a wakeup is never lost
 * (an event that comes after the drain leaves the descriptor readable
 * for the next wait) and the descriptor is quiet once next() returned
 * "nothing new".
 */
#define WATCH_MASK                                                             \
	(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO |                \
	 IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |           \
	 IN_ATTRIB)

static int
watch_dir(struct sa_reader *rd, const char *path)
{
	return inotify_add_watch(rd->wfd, path, WATCH_MASK) < 0 ? -errno : 0;
}

static void
drain_watch(struct sa_reader *rd)
{
	if (rd->wfd < 0)
		return;
	_Alignas(struct inotify_event) char buf[4096];
	ssize_t n;
	while ((n = read(rd->wfd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;
			if (e->mask & (IN_IGNORED | IN_Q_OVERFLOW))
				rd->rewatch = true;
			p += sizeof *e + e->len;
		}
	}
	if (rd->rewatch) {
		/* A directory removed and made again, or moved: watch what
		 * is at the paths now (the same watch when unchanged). */
		rd->rewatch = false;
		for (size_t i = 0; i < rd->ndirs; i++)
			if (watch_dir(rd, rd->dirs[i].path) < 0)
				rd->rewatch = true;
	}
}

int
sa_reader_fd(struct sa_reader *rd)
{
	if (rd->wfd >= 0)
		return rd->wfd;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	rd->wfd = fd;
	for (size_t i = 0; i < rd->ndirs; i++) {
		int rc = watch_dir(rd, rd->dirs[i].path);
		if (rc < 0 && rc != -ENOENT) {
			close(fd);
			rd->wfd = -1;
			return rc;
		}
		if (rc < 0)
			rd->rewatch = true;
	}
	return fd;
}

static int
add_dir(struct sa_reader *rd, const char *path, uint64_t top, bool report)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (size_t i = 0; i < rd->ndirs; i++)
		if (rd->dirs[i].dev == st.st_dev &&
		    rd->dirs[i].ino == st.st_ino)
			return 0;
	if (rd->ndirs == rd->dircap) {
		size_t cap = rd->dircap ? 2 * rd->dircap : 4;
		struct rdir *n = realloc(rd->dirs, cap * sizeof *n);
		if (n == NULL)
			return -ENOMEM;
		rd->dirs = n;
		rd->dircap = cap;
	}
	struct rdir *d = &rd->dirs[rd->ndirs];
	if ((d->path = strdup(path)) == NULL)
		return -ENOMEM;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->top = top;
	size_t di = rd->ndirs++;
	if (rd->wfd >= 0)
		(void)watch_dir(rd, path);
	int rc = scan_dir(rd, di, top, UINT64_MAX, top > 0);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0 && report)
		damage_path(rd, path, rc);
	rc = add_pointed_dir(rd, di, top, report);
	return rc < 0 ? rc : 1;
}

/*
 * The directory dirs[di]'s audit_back pointer names (docs/FORMAT.md):
 * the daemon moves sealed segments there, so it is part of the log.
 * Missing pointer: nothing to add.  A pointer to a directory that cannot
 * be read is reported (when `report`): records may be there.
 */
static int
add_pointed_dir(struct sa_reader *rd, size_t di, uint64_t top, bool report)
{
	char back[PATH_MAX];
	int rc = sa__log_back_read(rd->dirs[di].path, back, sizeof back);
	if (rc <= 0)
		return rc == -ENOMEM ? rc : 0;
	/*
	 * Already listed (the caller named it before this directory, or an
	 * earlier pass added it): scanned again now, after the directory
	 * that points to it, so that a segment moved there between the two
	 * scans is not missed in both (moves go only this way; the identity
	 * check keeps the ones already listed from being listed twice).
	 */
	struct stat st;
	if (stat(back, &st) == 0)
		for (size_t j = 0; j < rd->ndirs; j++)
			if (rd->dirs[j].dev == st.st_dev &&
			    rd->dirs[j].ino == st.st_ino) {
				rc = scan_dir(rd, j, top, UINT64_MAX, true);
				return rc == -ENOMEM ? rc : 0;
			}
	rc = add_dir(rd, back, top, report);
	if (rc < 0 && rc != -ENOMEM) {
		if (report)
			damage_path(rd, back, rc);
		rc = 0;
	}
	return rc;
}

static bool
seg_cmp_key(const struct seg *x, const struct seg *y)
{
	/* A segment is its origin, its first number and its creation time:
	 * two logs of one host both begin at 1. */
	return x->first_seq == y->first_seq &&
	       x->hdr.created_us == y->hdr.created_us &&
	       strcmp(x->hdr.origin, y->hdr.origin) == 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	/* Different logs (origins) are never interleaved or merged. */
	int o = strcmp(x->hdr.origin, y->hdr.origin);
	if (o != 0)
		return o;
	if (x->first_seq != y->first_seq)
		return x->first_seq < y->first_seq ? -1 : 1;
	if (x->hdr.created_us != y->hdr.created_us)
		return x->hdr.created_us < y->hdr.created_us ? -1 : 1;
	/* Same segment twice (plain and sealed): the sealed one first. */
	return (int)y->zst - (int)x->zst;
}

/*
 * Sorts segs[from..] and drops duplicates (same origin, first sequence
 * number and creation time: a segment named twice, or caught both plain and
 * sealed, whose sealed copy sorts first and is kept).  At open `from` is 0; a
 * rescan in follow mode sorts only what it added, after the segment being read.
 */
static void
sort_segs(struct sa_reader *rd, size_t from)
{
	if (rd->nsegs - from < 2)
		return; /* nothing to sort (segs may be NULL): qsort wants none
			 */
	qsort(rd->segs + from, rd->nsegs - from, sizeof *rd->segs, seg_cmp);
	size_t o = from;
	for (size_t i = from; i < rd->nsegs; i++) {
		if (o > from && seg_cmp_key(&rd->segs[o - 1], &rd->segs[i])) {
			free(rd->segs[i].path);
			continue;
		}
		rd->segs[o++] = rd->segs[i];
	}
	rd->nsegs = o;
}

int
sa_reader_open(struct sa_reader **out, const char *const *paths, size_t n,
	       sa_damage_cb cb, void *arg)
{
	*out = NULL;
	struct sa_reader *rd = calloc(1, sizeof *rd);
	if (rd == NULL)
		return -ENOMEM;
	rd->fd = -1;
	rd->wfd = -1;
	rd->cb = cb;
	rd->cbarg = arg;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			rc = -errno;
			if (rc == -ENOENT || rc == -EACCES) {
				/* Reported; other paths may still be read. */
				damage_path(rd, paths[i], rc);
				rc = 0;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = add_dir(rd, paths[i], 0, true);
			if (rc < 0 && rc != -ENOMEM) {
				damage_path(rd, paths[i], rc);
				rc = 0;
			}
			rc = rc > 0 ? 0 : rc;
			continue;
		}
		struct sa_seg_header h = {0};
		bool zst = false;
		int hr = read_header(paths[i], &zst, &h);
		if (hr < 0) {
			damage_path(rd, paths[i], hr);
			continue;
		}
		rc = add_seg(rd, paths[i], -1, zst, h.first_seq);
		if (rc == 0) {
			rd->segs[rd->nsegs - 1].hdr = h;
			rd->segs[rd->nsegs - 1].hdr_state = 1;
		}
	}
	if (rc < 0) {
		sa_reader_close(rd);
		return rc;
	}
	for (size_t k = 0; k < rd->nsegs; k++)
		seg_header(rd, k); /* origins, for grouping */
	sort_segs(rd, 0);
	if (rd->nsegs == 0) {
		sa_reader_close(rd);
		return SA_ENOLOG;
	}
	rd->seq_check = true;
	rd->damaged_since_rec = false; /* refused paths are not gaps */
	*out = rd;
	return 0;
}

static void
leave_segment(struct sa_reader *rd)
{
	if (rd->map)
		munmap(rd->map, rd->map_len);
	rd->map = NULL;
	rd->map_len = 0;
	if (rd->fd >= 0)
		close(rd->fd);
	rd->fd = -1;
	free(rd->chunks);
	rd->chunks = NULL;
	rd->nchunks = 0;
	free(rd->blk);
	rd->blk = NULL;
	rd->nblk = rd->blk_i = 0;
	rd->view = NULL;
	rd->view_len = rd->pos = 0;
	rd->open = false;
}

/* Maps (or re-maps, after growth) a plain segment; 1 if it grew. */
static int
map_plain(struct sa_reader *rd)
{
	struct stat st;
	if (fstat(rd->fd, &st) < 0)
		return -errno;
	size_t size = (size_t)st.st_size;
	if (size <= rd->map_len)
		return 0;
	void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, rd->fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	madvise(m, size, MADV_SEQUENTIAL);
	if (rd->map)
		munmap(rd->map, rd->map_len);
	rd->map = m;
	rd->map_len = size;
	rd->view = m;
	rd->view_len = size;
	rd->view_off = 0;
	return 1;
}

/*
 * Where the zstd frame after the damaged one at rd->zpos starts: from
 * the chunk table when there is one (then *plain gets its plain offset),
 * else the next frame magic.
 */
static uint64_t
next_zframe(const struct sa_reader *rd, uint64_t from, bool *known,
	    uint64_t *plain)
{
	*known = false;
	for (int k = 0; k < rd->nchunks; k++)
		if (rd->chunks[k].comp_off > rd->zpos &&
		    rd->chunks[k].comp_off <= rd->map_len) {
			*known = true;
			*plain = rd->chunks[k].plain_off;
			return rd->chunks[k].comp_off;
		}
	const uint8_t *z = rd->map;
	uint64_t q = from;
	while (q + 4 <= rd->map_len && !is_zstd_magic(z + q))
		q++;
	return q + 4 <= rd->map_len ? q : rd->map_len;
}

/*
 * A frame decoded only in part (damage inside it, or the file cut
 * short): what the view still holds unparsed from it is as lost as the
 * rest of the frame.  One report covers both, in plain offsets when the
 * chunk table says where the next chunk begins, else as the compressed
 * bytes skipped.
 */
static void
settle_zcut(struct sa_reader *rd)
{
	if (!rd->zcut)
		return;
	rd->zcut = false;
	uint64_t at = rd->view_off + rd->pos;
	if (rd->zcut_known && rd->zcut_plain >= at)
		damage(rd, at, rd->zcut_plain - at, rd->zcut_err, false);
	else
		damage(rd, rd->zcut_off, rd->zcut_len, rd->zcut_err, true);
	rd->pos = rd->view_len;
}

/*
 * Loads the next zstd frame of a compressed segment into the view, keeping
 * the unparsed rest of the previous view in front of it.  Returns 1 when a
 * frame was loaded, 0 at the end of the file, or -ENOMEM.
 *
 * A frame is decoded as a stream, so a damaged or truncated frame still
 * gives everything before the damaged block (the compressor ends a block
 * every SA_ZBLOCK bytes): bytes decoded wrongly before zstd notices are
 * caught by the log frames' own CRCs.  The rest of the frame is lost;
 * reading goes on at the next frame.
 */
static int
load_zframe(struct sa_reader *rd)
{
	const uint8_t *z = rd->map;
	for (;;) {
		if (rd->zpos + 4 > rd->map_len) {
			settle_zcut(rd);
			if (rd->zpos < rd->map_len)
				damage(rd, rd->zpos, rd->map_len - rd->zpos,
				       SA_ETRUNC, true);
			rd->zpos = rd->map_len;
			return 0;
		}
		const uint8_t *f = z + rd->zpos;
		size_t avail = rd->map_len - rd->zpos;
		uint32_t m = sa__le32_get(f);
		if ((m & 0xFFFFFFF0u) == 0x184D2A50u && avail >= 8) {
			uint64_t sz = sa__le32_get(f + 4);
			rd->zpos += 8 + (sz < avail - 8 ? sz : avail - 8);
			continue;
		}
		if (!is_zstd_magic(f)) {
			/* Not a frame: resynchronise on the next one. */
			bool known;
			uint64_t plain;
			uint64_t q =
			    next_zframe(rd, rd->zpos + 1, &known, &plain);
			settle_zcut(rd);
			damage(rd, rd->zpos, q - rd->zpos, SA_EZSTD, true);
			rd->zpos = q;
			if (known)
				rd->zplain = plain;
			rd->view_len = rd->pos = 0;
			continue;
		}
		settle_zcut(rd);
		/* Carry the unparsed tail of the current view. */
		size_t keep = rd->view_len - rd->pos;
		if (keep > 0)
			memmove(rd->zbuf, rd->zbuf + rd->pos, keep);
		size_t have = keep;
		ZSTD_DCtx_reset(rd->dctx, ZSTD_reset_session_only);
		ZSTD_inBuffer ib = {f, avail, 0};
		size_t r = 1;
		int bad = 0;
		while (r != 0) {
			if (rd->zbuf_cap - have < ZSTD_DStreamOutSize()) {
				size_t ncap =
				    rd->zbuf_cap ? rd->zbuf_cap * 2 : 1 << 20;
				uint8_t *nb = realloc(rd->zbuf, ncap);
				if (nb == NULL)
					return -ENOMEM;
				rd->zbuf = nb;
				rd->zbuf_cap = ncap;
			}
			ZSTD_outBuffer ob = {rd->zbuf, rd->zbuf_cap, have};
			r = ZSTD_decompressStream(rd->dctx, &ob, &ib);
			have = ob.pos;
			if (ZSTD_isError(r)) {
				bad = SA_EZSTD;
				break;
			}
			if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) {
				bad = SA_ETRUNC; /* the file ends inside it */
				break;
			}
		}
		rd->view = rd->zbuf;
		rd->view_len = have;
		rd->view_off = rd->zplain - keep;
		rd->pos = 0;
		rd->zplain += have - keep;
		if (bad) {
			bool known;
			uint64_t plain = 0;
			uint64_t q =
			    bad == SA_ETRUNC
				? rd->map_len
				: next_zframe(rd, rd->zpos + 4, &known, &plain);
			if (bad == SA_ETRUNC)
				known = false;
			rd->zcut = true;
			rd->zcut_err = bad;
			rd->zcut_known = known;
			rd->zcut_plain = plain;
			rd->zcut_off = rd->zpos;
			rd->zcut_len = q - rd->zpos;
			rd->zpos = q;
			if (known)
				rd->zplain = plain;
			if (have == keep)
				continue; /* nothing came out of it */
			return 1;
		}
		rd->zpos += ib.pos;
		return 1;
	}
}

/*
 * Opens segs[i] where it is now.  After it was listed, a segment may
 * have been sealed (X.seg replaced by X.seg.zst), moved from audit_log to
 * audit_back, or removed by retention.  The places are tried in the order
 * a segment passes through them (plain: its own directory first, then the
 * others; then compressed), so a move that happens while we look lands
 * in a place still to be tried; a second round covers directories named
 * in another order.  A file found there must be the same segment (origin,
 * first number, creation time) when its header is known.  Returns the
 * descriptor and points s at the file, -ENOENT when it is nowhere (it was
 * removed), or another open(2) error.
 */
static int
locate(struct sa_reader *rd, size_t i)
{
	struct seg *s = &rd->segs[i];
	int err = -ENOENT;
	if (s->dir < 0) {
		/* A file named by the caller: it may have been sealed. */
		int fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT || s->zst)
			return fd >= 0 ? fd : -errno;
		size_t l = strlen(s->path);
		char *zp = malloc(l + 5);
		if (zp == NULL)
			return -ENOMEM;
		memcpy(zp, s->path, l);
		memcpy(zp + l, ".zst", 5);
		fd = open(zp, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			free(zp);
			return -ENOENT;
		}
		free(s->path);
		s->path = zp;
		s->zst = true;
		return fd;
	}
	for (int round = 0; round < 2; round++)
		for (int z = 0; z < 2; z++)
			for (size_t k = 0; k < rd->ndirs; k++) {
				/* Its own directory first. */
				size_t d = k == 0 ? (size_t)s->dir
					   : k <= (size_t)s->dir ? k - 1
								 : k;
				char name[40], p[PATH_MAX];
				sa__seg_name(name, sizeof name, s->first_seq,
					     z != 0);
				if (snprintf(p, sizeof p, "%s/%s",
					     rd->dirs[d].path,
					     name) >= (int)sizeof p)
					continue;
				int fd = open(p, O_RDONLY | O_CLOEXEC);
				if (fd < 0) {
					if (errno != ENOENT && errno != ENOTDIR)
						err = -errno;
					continue;
				}
				struct sa_seg_header h = {0};
				bool hz;
				if (s->hdr_state == 1 &&
				    (read_header_fd(fd, &hz, &h) != 0 ||
				     !same_segment(&h, &s->hdr))) {
					close(fd);
					continue;
				}
				char *np = strdup(p);
				if (np == NULL) {
					close(fd);
					return -ENOMEM;
				}
				free(s->path);
				s->path = np;
				s->dir = (int)d;
				s->zst = z != 0;
				return fd;
			}
	return err;
}

/*
 * Reads and caches the header of segs[i] (for seeking across segments,
 * and for its origin: a segment without one would sort outside its log).
 */
static int
seg_header(struct sa_reader *rd, size_t i)
{
	struct seg *s = &rd->segs[i];
	if (s->hdr_state == 0) {
		bool zst;
		int fd = locate(rd, i);
		int rc = fd < 0 ? fd : read_header_fd(fd, &zst, &s->hdr);
		if (fd >= 0)
			close(fd);
		s->hdr_state = rc == 0 ? 1 : -1;
	}
	return s->hdr_state;
}

/* The footer of a compressed segment: its last chunk, decompressed alone. */
static int
zst_footer(struct sa_reader *rd)
{
	if (rd->nchunks < 2)
		return 0;
	const struct sa_zchunk *c = &rd->chunks[rd->nchunks - 1];
	if (c->comp_off >= rd->map_len || c->plain_len > (1u << 20))
		return 0;
	const uint8_t *f = (const uint8_t *)rd->map + c->comp_off;
	size_t csize =
	    ZSTD_findFrameCompressedSize(f, rd->map_len - c->comp_off);
	if (ZSTD_isError(csize))
		return 0;
	uint8_t *buf = malloc(c->plain_len ? c->plain_len : 1);
	if (buf == NULL)
		return -ENOMEM;
	size_t n = ZSTD_decompressDCtx(rd->dctx, buf, c->plain_len, f, csize);
	int rc = 0;
	struct sa_frame tr, fo;
	if (!ZSTD_isError(n) && n == c->plain_len && n > SA_TRAILER_LEN &&
	    sa__frame_parse(buf + n - SA_TRAILER_LEN, SA_TRAILER_LEN, &tr) ==
		SA_FRAME_OK &&
	    tr.type == SA_FRAME_TRAILER && tr.payload_len == 8) {
		uint64_t off = 0;
		for (int i = 7; i >= 0; i--)
			off = (off << 8) | tr.payload[i];
		if (off == c->plain_off &&
		    sa__frame_parse(buf, n - SA_TRAILER_LEN, &fo) ==
			SA_FRAME_OK &&
		    fo.type == SA_FRAME_FOOTER &&
		    fo.total_len == n - SA_TRAILER_LEN) {
			rc = sa__footer_decode(fo.payload, fo.payload_len,
					       &rd->hdr, &rd->blk);
			if (rc > 0) {
				rd->nblk = rc;
				rd->footer_off = off;
			}
			rc = rc == -ENOMEM ? rc : 0;
		}
	}
	free(buf);
	return rc;
}

static bool
block_in_window(const struct sa_reader *rd, const struct sa_block *b)
{
	return b->has && b->min_time < rd->win_until &&
	       b->max_time >= rd->win_since;
}

/* Moves the reader to plain offset `target` of the current segment. */
static int
jump_to(struct sa_reader *rd, uint64_t target)
{
	if (target >= rd->view_off && target <= rd->view_off + rd->view_len) {
		rd->pos = (size_t)(target - rd->view_off);
		return 0;
	}
	if (!rd->segs[rd->cur].zst || rd->nchunks < 2)
		return 0; /* cannot jump: just read on */
	for (int k = 1; k < rd->nchunks; k++) {
		const struct sa_zchunk *c = &rd->chunks[k];
		if (target < c->plain_off ||
		    target >= c->plain_off + c->plain_len)
			continue;
		rd->zpos = c->comp_off;
		rd->zplain = c->plain_off;
		rd->view_len = rd->pos = 0;
		rd->zcut = false;
		int rc = load_zframe(rd);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			rd->done = true;
			return 0;
		}
		if (target >= rd->view_off &&
		    target <= rd->view_off + rd->view_len)
			rd->pos = (size_t)(target - rd->view_off);
		return 0;
	}
	return 0;
}

/*
 * Window mode: when the reader stands in a block that holds nothing of
 * the window, jump to the next block that may (or to the footer, which
 * ends the segment's records).
 */
static int
skip_blocks(struct sa_reader *rd)
{
	uint64_t p = rd->view_off + rd->pos;
	while (rd->blk_i + 1 < rd->nblk && rd->blk[rd->blk_i + 1].off <= p)
		rd->blk_i++;
	if (p < rd->blk[rd->blk_i].off || p >= rd->footer_off ||
	    block_in_window(rd, &rd->blk[rd->blk_i]))
		return 0;
	int j = rd->blk_i + 1;
	while (j < rd->nblk && !block_in_window(rd, &rd->blk[j]))
		j++;
	uint64_t target = j < rd->nblk ? rd->blk[j].off : rd->footer_off;
	if (target <= p)
		return 0;
	rd->blk_i = j < rd->nblk ? j : rd->nblk - 1;
	return jump_to(rd, target);
}

/*
 * segs[cur] is gone from every directory of the log: removed (by
 * retention, or by hand) after it was listed and before it was read.
 * Its records run up to the next segment of its origin.
 */
static void
removed(struct sa_reader *rd)
{
	struct seg *s = &rd->segs[rd->cur];
	uint64_t last = 0;
	for (size_t j = rd->cur + 1; j < rd->nsegs; j++)
		if (rd->segs[j].hdr_state == 1 && s->hdr_state == 1 &&
		    strcmp(rd->segs[j].hdr.origin, s->hdr.origin) == 0 &&
		    rd->segs[j].first_seq > s->first_seq) {
			last = rd->segs[j].first_seq - 1;
			break;
		}
	rd->ndamage++;
	rd->damaged_since_rec = true; /* the next segment's gap is this one */
	if (rd->cb) {
		struct sa_damage d = {.file = s->path,
				      .error = SA_EREMOVED,
				      .seq_first = s->first_seq,
				      .seq_last = last};
		rd->cb(&d, rd->cbarg);
	}
}

static int
enter_segment(struct sa_reader *rd)
{
	int fd = locate(rd, rd->cur);
	struct seg *s = &rd->segs[rd->cur];
	if (fd == -ENOMEM)
		return fd;
	if (fd == -ENOENT) {
		removed(rd);
		return fd;
	}
	if (fd < 0) {
		damage(rd, 0, 0, fd, false);
		return fd;
	}
	rd->fd = fd;
	rd->open = true;
	rd->done = false;
	rd->hdr_ok = false;
	rd->view_off = 0;
	rd->pos = 0;
	int rc = map_plain(rd);
	if (rc < 0) {
		damage(rd, 0, 0, rc, false);
		return rc;
	}
	if (rd->map_len >= 4 && is_zstd_magic(rd->map)) {
		s->zst = true;
		if (rd->dctx == NULL) {
			int lrc = sa__zstd_load();
			if (lrc < 0)
				return lrc;
			if ((rd->dctx = ZSTD_createDCtx()) == NULL)
				return -ENOMEM;
		}
		rd->view = rd->zbuf;
		rd->view_len = 0;
		rd->zpos = 0;
		rd->zplain = 0;
		rd->zcut = false;
		int nc = sa__zindex_read(rd->fd, rd->map_len, &rd->chunks);
		rd->nchunks = nc > 0 ? nc : 0;
		for (int tries = 0; tries < 8; tries++) {
			rc = load_zframe(rd);
			if (rc <= 0)
				break;
			rc = sa__seg_header_decode(rd->view, rd->view_len,
						   &rd->hdr);
			if (rc != SA_ETRUNC)
				break;
		}
	} else {
		s->zst = false;
		rc = sa__seg_header_decode(rd->view, rd->view_len, &rd->hdr);
	}
	if (rc < 0) {
		damage(rd, 0, rd->view_len, rc, false);
		rd->done = true;
		return rc;
	}
	rd->hdr_ok = true;
	s->hdr = rd->hdr;
	s->hdr_state = 1;
	if (rd->obs) {
		struct sa__obs o = {
		    .kind = SA_OBS_SEGMENT, .path = s->path, .hdr = &rd->hdr};
		rd->obs(&o, rd->obsarg);
	}
	if (rd->seq_check && (rc = seq_enter(rd)) < 0)
		return rc;
	rd->pos = rd->hdr.length;
	if (rd->window) {
		if (s->zst)
			rc = zst_footer(rd);
		else
			rc = sa__footer_find(rd->view, rd->view_len, &rd->hdr,
					     &rd->blk, &rd->footer_off);
		if (rc > 0)
			rd->nblk = rc;
		if (rc == -ENOMEM)
			return rc;
	}
	return 0;
}

/* The lowest first number among the segment names of the log now. */
static uint64_t
oldest_name(const struct sa_reader *rd)
{
	uint64_t min = UINT64_MAX;
	for (size_t i = 0; i < rd->ndirs; i++) {
		struct sa__segname *v;
		size_t n;
		if (sa__segdir_list(rd->dirs[i].path, 1, min, false, &v, &n) ==
			0 &&
		    n > 0)
			min = v[0].seq;
		free(v);
	}
	return min;
}

/*
 * Before segs[cur] is entered: when its first number does not follow the
 * records read so far, a segment in between may have been moved between
 * two directory listings (from a directory not yet listed to one already
 * listed).  Lists every directory again for segments of the same origin
 * in the gap, and puts any found before segs[cur].  What is still
 * missing afterwards is reported as a gap by seq_enter.
 */
static int
fill_gap(struct sa_reader *rd)
{
	if (seg_header(rd, rd->cur) != 1)
		return 0;
	const struct seg *s = &rd->segs[rd->cur];
	if (strcmp(rd->chain_origin, s->hdr.origin) != 0)
		return 0; /* nothing read of this origin yet */
	size_t c = chain_for(rd, s->first_seq);
	if (c == SIZE_MAX || rd->chain_end[c] + 1 >= s->first_seq)
		return 0;
	uint64_t lo = rd->chain_end[c], hi = s->first_seq;
	char origin[SA_MAX_ORIGIN + 1];
	snprintf(origin, sizeof origin, "%s", s->hdr.origin);
	size_t before = rd->nsegs;
	for (size_t i = 0; i < rd->ndirs; i++) {
		uint64_t top = rd->dirs[i].top; /* a follower's mark stays */
		int rc = scan_dir(rd, i, lo, hi, true);
		rd->dirs[i].top = top;
		if (rc == -ENOMEM)
			return rc;
	}
	/* Keep only new segments of this origin. */
	size_t o = before;
	for (size_t k = before; k < rd->nsegs; k++) {
		struct seg *n = &rd->segs[k];
		if (seg_header(rd, k) == 1 &&
		    strcmp(n->hdr.origin, origin) == 0 &&
		    !seg_known_before(rd, k))
			rd->segs[o++] = *n;
		else
			free(n->path);
	}
	rd->nsegs = o;
	if (o > before) {
		sort_segs(rd, rd->cur);
		return 0;
	}
	/*
	 * Nothing older is left in the log: the records were removed from
	 * its start while we read (retention removes the oldest first),
	 * not cut out of its middle.  Say that, instead of a bare gap.
	 */
	if (!rd->damaged_since_rec && oldest_name(rd) >= hi) {
		rd->ndamage++;
		rd->damaged_since_rec = true;
		if (rd->cb) {
			struct sa_damage d = {.file = rd->segs[rd->cur].path,
					      .error = SA_EREMOVED,
					      .seq_first = lo + 1,
					      .seq_last = hi - 1};
			rd->cb(&d, rd->cbarg);
		}
	}
	return 0;
}

/* Is a writer appending to the directory of segs[cur] right now? */
static bool
writer_active(struct sa_reader *rd)
{
	struct seg *s = &rd->segs[rd->cur];
	if (s->dir < 0)
		return false;
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/LOCK", rd->dirs[s->dir].path);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

/* Follow mode: picks up segments created since the last look. */
static int
rescan(struct sa_reader *rd)
{
	size_t before = rd->nsegs;
	/* An audit_back pointer written since: only its new segments. */
	uint64_t newest = 0;
	for (size_t k = 0; k < before; k++)
		if (rd->segs[k].first_seq > newest)
			newest = rd->segs[k].first_seq;
	for (size_t i = 0; i < rd->ndirs; i++) {
		int rc = scan_dir(rd, i, rd->dirs[i].top, UINT64_MAX, true);
		if (rc == -ENOMEM)
			return rc;
	}
	/* After the scans: a back directory again (add_pointed_dir). */
	for (size_t i = 0, n = rd->ndirs; i < n; i++)
		if (add_pointed_dir(rd, i, newest, false) == -ENOMEM)
			return -ENOMEM;
	for (size_t k = before; k < rd->nsegs; k++)
		seg_header(rd, k);
	if (rd->nsegs > before)
		sort_segs(rd, before);
	return 0;
}

/*
 * The view is exhausted (or ends in an incomplete frame).  Decides whether
 * to wait, to load more, or to finish the segment.  Returns 1 to go on
 * parsing, 0 when the caller should return "no record now", <0 on error.
 */
static int
refill(struct sa_reader *rd)
{
	struct seg *s = &rd->segs[rd->cur];
	if (s->zst) {
		int rc = load_zframe(rd);
		if (rc != 0)
			return rc;
		if (rd->pos < rd->view_len)
			damage(rd, rd->view_off + rd->pos,
			       rd->view_len - rd->pos, SA_ETRUNC, false);
		rd->done = true;
		return 1;
	}
	bool last = rd->cur + 1 >= rd->nsegs;
	if (last && rd->follow) {
		int rc = rescan(rd);
		if (rc < 0)
			return rc;
		last = rd->cur + 1 >= rd->nsegs;
	}
	/* Growth is checked after looking for a newer segment, so records
	 * written just before a roll-over are not missed. */
	int grown = map_plain(rd);
	if (grown < 0)
		return grown;
	if (grown > 0)
		return 1;
	if (last) {
		if (rd->follow || rd->pos >= rd->view_len)
			return 0;
		if (writer_active(rd))
			return 0; /* a commit in flight, not a torn tail */
		damage(rd, rd->pos, rd->view_len - rd->pos, SA_ETRUNC, false);
		rd->pos = rd->view_len;
		return 0;
	}
	if (rd->pos < rd->view_len)
		damage(rd, rd->pos, rd->view_len - rd->pos, SA_ETRUNC, false);
	rd->done = true;
	return 1;
}

int
sa_reader_next(struct sa_reader *rd, struct sa_record *r)
{
	drain_watch(rd);
	for (;;) {
		if (!rd->open || rd->done) {
			if (rd->open) {
				leave_segment(rd);
				rd->cur++;
			}
			if (rd->cur >= rd->nsegs) {
				if (!rd->follow)
					return 0;
				int rc = rescan(rd);
				if (rc < 0)
					return rc;
				if (rd->cur >= rd->nsegs)
					return 0;
			}
			int rc = rd->seq_check ? fill_gap(rd) : 0;
			if (rc < 0)
				return rc;
			rc = enter_segment(rd);
			if (rc == -ENOMEM)
				return rc;
			if (rc < 0) {
				rd->done = true;
				rd->open = true;
			}
			continue;
		}
		if (rd->nblk > 0) {
			int rc = skip_blocks(rd);
			if (rc < 0)
				return rc;
			if (rd->done)
				continue;
		}
		struct sa_frame fr;
		enum sa_frame_status st = sa__frame_parse(
		    rd->view + rd->pos, rd->view_len - rd->pos, &fr);
		if (st == SA_FRAME_INCOMPLETE) {
			int rc = refill(rd);
			if (rc <= 0)
				return rc;
			continue;
		}
		if (st == SA_FRAME_BAD) {
			size_t q = sa__frame_resync(rd->view, rd->view_len,
						    rd->pos + 1, 0,
						    SA_FRAME_MAX_PAYLOAD);
			damage(rd, rd->view_off + rd->pos, q - rd->pos,
			       SA_ECORRUPT, false);
			rd->pos = q;
			continue;
		}
		size_t at = rd->pos;
		rd->pos += fr.total_len;
		struct sa__obs_out out = {false, 0};
		if (rd->obs) {
			struct sa__obs o = {.kind = SA_OBS_FRAME,
					    .path = rd->segs[rd->cur].path,
					    .hdr = &rd->hdr,
					    .type = fr.type,
					    .payload = fr.payload,
					    .len = fr.payload_len,
					    .offset = rd->view_off + at,
					    .out = &out};
			rd->obs(&o, rd->obsarg);
		}
		if (fr.type != SA_FRAME_RECORD)
			continue; /* index, or a later version's frame */
		if (out.handled) {
			if (rd->seq_check)
				seq_observe(rd, out.seq, rd->view_off + at);
			continue;
		}
		int rc = sa_record_decode(fr.payload, fr.payload_len,
					  rd->hdr.first_seq,
					  rd->hdr.base_time_us, r);
		if (rc < 0) {
			damage(rd, rd->view_off + at, fr.total_len, rc, false);
			continue;
		}
		if (rd->seq_check)
			seq_observe(rd, r->seq, rd->view_off + at);
		if (r->seq < rd->min_seq)
			continue;
		if (rd->window &&
		    (r->time_us < rd->win_since || r->time_us >= rd->win_until))
			continue;
		if (!sa_record_has(r, SA_F_ORIGIN) && rd->hdr.origin_len > 0)
			sa_record_set_str(r, SA_F_ORIGIN, rd->hdr.origin,
					  rd->hdr.origin_len);
		rd->last_off = rd->view_off + at;
		rd->last_path = rd->segs[rd->cur].path;
		return 1;
	}
}

void
sa__reader_observe(struct sa_reader *rd, sa__obs_cb cb, void *arg)
{
	rd->obs = cb;
	rd->obsarg = arg;
}

void
sa_reader_follow(struct sa_reader *rd, bool on)
{
	rd->follow = on;
}

/* Positions at the start of segs[i]. */
static int
goto_segment(struct sa_reader *rd, size_t i)
{
	if (rd->open)
		leave_segment(rd);
	rd->cur = i;
	int rc = enter_segment(rd);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		rd->open = true;
		rd->done = true;
	}
	return 0;
}

/* Predicate for seeking: is every record before point `ip` before the goal? */
struct goal {
	bool by_time;
	uint64_t seq;
	int64_t us;
};

static bool
point_before(const struct goal *g, uint64_t next_seq, bool has_max,
	     int64_t max_time)
{
	if (g->by_time)
		return !has_max || max_time < g->us;
	return next_seq <= g->seq;
}

/* Inside the current (plain) segment: binary search on index frames. */
static void
seek_in_plain(struct sa_reader *rd, const struct goal *g)
{
	size_t lo = rd->hdr.length, hi = rd->view_len, best = rd->hdr.length;
	while (hi > lo && hi - lo > 2 * (size_t)SA_INDEX_INTERVAL) {
		size_t mid = lo + (hi - lo) / 2;
		/* Index frames are tiny: bound the scan to what may hold one.
		 */
		size_t lim =
		    mid + 2 * (size_t)SA_INDEX_INTERVAL + SA_FRAME_MAX_PAYLOAD;
		if (lim > hi)
			lim = hi;
		size_t q = mid;
		struct sa_index_point ip;
		bool found = false;
		for (;;) {
			q = sa__frame_resync(rd->view, lim, q, SA_FRAME_INDEX,
					     32);
			if (q >= lim)
				break;
			struct sa_frame fr;
			sa__frame_parse(rd->view + q, lim - q, &fr);
			if (sa__index_decode(fr.payload, fr.payload_len, &ip) ==
			    0) {
				found = true;
				break;
			}
			q++;
		}
		if (!found) {
			hi = mid;
			continue;
		}
		if (point_before(g, ip.next_seq, ip.has_max,
				 ip.max_time_before)) {
			best = q;
			lo = q + 1;
		} else {
			hi = mid;
		}
	}
	rd->pos = best;
}

static int
seek_in_zst(struct sa_reader *rd, const struct goal *g)
{
	if (rd->nchunks <= 1)
		return 0; /* no table: read from the start */
	int best = -1;
	int lo = 1, hi = rd->nchunks - 1; /* chunk 0 is the header */
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		struct sa_zchunk *c = &rd->chunks[mid];
		if (point_before(g, c->first_seq, c->has_max,
				 c->max_time_before)) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best <= 1)
		return 0;
	rd->zpos = rd->chunks[best].comp_off;
	rd->zplain = rd->chunks[best].plain_off;
	rd->view_len = rd->pos = 0;
	rd->zcut = false;
	int rc = load_zframe(rd);
	if (rc == 0)
		rd->done = true;
	return rc < 0 ? rc : 0;
}

static int
seek(struct sa_reader *rd, const struct goal *g)
{
	/* Last segment whose start is before the goal. */
	size_t lo = 0, hi = rd->nsegs, best = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		bool before;
		if (g->by_time) {
			int h = seg_header(rd, mid);
			before = h < 0 || !rd->segs[mid].hdr.has_prev_max ||
				 rd->segs[mid].hdr.prev_max_time_us < g->us;
		} else {
			before = rd->segs[mid].first_seq <= g->seq;
		}
		if (before) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	int rc = goto_segment(rd, best);
	if (rc < 0 || rd->done)
		return rc;
	if (rd->segs[rd->cur].zst)
		return seek_in_zst(rd, g);
	seek_in_plain(rd, g);
	return 0;
}

int
sa_reader_seek_seq(struct sa_reader *rd, uint64_t seq)
{
	struct goal g = {false, seq, 0};
	rd->min_seq = seq;
	rd->seq_check = false; /* records are skipped on purpose now */
	return seek(rd, &g);
}

int
sa_reader_seek_time(struct sa_reader *rd, int64_t us)
{
	struct goal g = {true, 0, us};
	rd->min_seq = 0;
	rd->seq_check = false;
	return seek(rd, &g);
}

int
sa_reader_set_window(struct sa_reader *rd, int64_t since_us, int64_t until_us)
{
	rd->window = true;
	rd->win_since = since_us;
	rd->win_until = until_us;
	return sa_reader_seek_time(rd, since_us);
}

const char *
sa_reader_position(const struct sa_reader *rd, uint64_t *offset)
{
	if (offset)
		*offset = rd->last_off;
	return rd->last_path;
}

uint64_t
sa_reader_damage_count(const struct sa_reader *rd)
{
	return rd->ndamage;
}

void
sa_reader_close(struct sa_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->wfd >= 0)
		close(rd->wfd);
	leave_segment(rd);
	for (size_t i = 0; i < rd->nsegs; i++)
		free(rd->segs[i].path);
	free(rd->segs);
	free(rd->chain_end);
	for (size_t i = 0; i < rd->ndirs; i++)
		free(rd->dirs[i].path);
	free(rd->dirs);
	free(rd->zbuf);
	if (rd->dctx != NULL)
		ZSTD_freeDCtx(rd->dctx);
	free(rd);
}
