/*
 * segment.h - internal: the pieces of format version 1 shared by the
 * writer, the reader and the compressor (docs/FORMAT.md is the source of
 * truth; this header mirrors it).
 *
 * A segment is a header followed by frames.  A frame is
 *   u8 type ('A'..'Z'), varint payload length, u32le CRC32C, payload
 * where the CRC covers the type byte, the length bytes and the payload.
 * Every parser here takes hostile input and never reads past its bounds.
 */
#ifndef SEAUDIT_SEGMENT_H
#define SEAUDIT_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/log.h>

#define SA_SEG_MAGIC "SEAUDLOG"
#define SA_SEG_MAGIC_LEN 8
#define SA_SEG_HDR_MIN 16 /* magic + version + length + crc */
#define SA_SEG_HDR_MAX 4096
#define SA_SEG_SUFFIX ".seg"
#define SA_SEG_ZSUFFIX ".seg.zst"

#define SA_FRAME_RECORD 'R'
#define SA_FRAME_INDEX 'I'
#define SA_FRAME_CHECKPOINT 'C' /* reserved: signed checkpoint */
#define SA_FRAME_FOOTER 'F'	/* block time ranges of a sealed segment */
#define SA_FRAME_TRAILER 'T'	/* last frame of a sealed segment: where F is */
#define SA_TRAILER_LEN (1 + 1 + 4 + 8)
#define SA_FOOTER_MAX_BLOCKS 1500 /* keeps an F frame under its size limit */
#define SA_FRAME_HDR_MAX (1 + 3 + 4)
#define SA_FRAME_MAX_PAYLOAD (SA_MAX_RECORD + 64)

#define SA_INDEX_INTERVAL 65536 /* bytes between index frames */
/*
 * Plain bytes per zstd frame, and per zstd block inside one: damage to a
 * compressed segment costs the rest of its frame (at most SA_ZCHUNK of
 * plain log, about 150 records), a file cut short what follows its last
 * whole block.  Measured on generated records: 1 MiB frames compress
 * 4.4x, 32 KiB frames with 8 KiB blocks 3.2x (docs/performance.md).
 */
#define SA_ZCHUNK 32768
#define SA_ZBLOCK 8192
#define SA_DEFAULT_SEGMENT_SIZE (64ull << 20)

/* Header field numbers (same key scheme as record bodies). */
enum {
	SA_H_FIRST_SEQ = 1,
	SA_H_CREATED = 2,
	SA_H_ORIGIN = 3,
	SA_H_BASE_TIME = 4,
	SA_H_PREV_MAX_TIME = 5,
	SA_H_WRITER = 6,
	SA_H_CHAIN_PREV = 7, /* the chain's last closed epoch (chain.h) */
	SA_H_LOG_ID = 8	     /* the log's random identity */
};

struct sa_seg_header {
	uint16_t version;
	uint16_t length; /* bytes, including magic and CRC */
	uint64_t first_seq;
	int64_t created_us;
	int64_t base_time_us;
	bool has_prev_max;
	int64_t prev_max_time_us; /* max event time of all earlier records */
	char origin[SA_MAX_ORIGIN + 1];
	size_t origin_len;
	/* Integrity (docs/INTEGRITY.md): absent in a log written before. */
	bool has_log_id;
	uint8_t log_id[16];
	bool has_link;
	uint64_t link_seq;	/* last record the link value covers */
	uint8_t link_value[32]; /* value closing that epoch */
};

/* Encodes a header into buf (SA_SEG_HDR_MAX bytes); returns its length. */
size_t sa__seg_header_encode(const struct sa_seg_header *h, uint8_t *buf);

/*
 * Parses a header from the first `len` bytes: SA_ETRUNC when too short,
 * SA_EBADMAGIC, SA_EVERSION (a later major format), SA_ECORRUPT.
 */
int sa__seg_header_decode(const uint8_t *buf, size_t len,
			  struct sa_seg_header *h);

/* Result of looking at the bytes at one offset. */
enum sa_frame_status {
	SA_FRAME_OK,	     /* a complete frame with a good CRC */
	SA_FRAME_INCOMPLETE, /* plausible header, payload runs past the end */
	SA_FRAME_BAD	     /* not a frame (bad type, length or CRC) */
};

struct sa_frame {
	uint8_t type;
	const uint8_t *payload;
	size_t payload_len;
	size_t total_len; /* header + payload */
};

enum sa_frame_status sa__frame_parse(const uint8_t *p, size_t avail,
				     struct sa_frame *fr);

/*
 * Scans forward from `from` (exclusive of nothing: `from` itself is tried)
 * for the next offset holding a complete valid frame, optionally of one
 * type only (type 0 = any) and at most max_payload long (so a search for
 * small index frames does not checksum 64 KiB for every stray 'I' byte).
 * Returns the offset, or `len` when none.
 */
size_t sa__frame_resync(const uint8_t *buf, size_t len, size_t from,
			uint8_t type, size_t max_payload);

/* Writes a frame header for (type, payload) and returns its length. */
size_t sa__frame_header(uint8_t *out, uint8_t type, const uint8_t *payload,
			size_t len);

/* Index frame payload. */
struct sa_index_point {
	uint64_t next_seq;	 /* seq of the first record after the point */
	int64_t max_time_before; /* max time of every record before it */
	bool has_max;
};
size_t sa__index_encode(const struct sa_index_point *ip, uint8_t *buf);
int sa__index_decode(const uint8_t *p, size_t len, struct sa_index_point *ip);

/*
 * A block is the run of frames between two index points (the first starts
 * after the header).  The footer of a sealed segment lists every block's
 * offset, first sequence number and event-time range, so a reader looking
 * for a time window skips blocks that cannot hold a match unread.
 */
struct sa_block {
	uint64_t off;	    /* offset of its first frame in the plain segment */
	uint64_t first_seq; /* of its first record (valid when has) */
	int64_t min_time, max_time;
	bool has; /* it holds at least one record */
};

/* Encodes a footer payload; returns its length (at most buf's 65600). */
size_t sa__footer_encode(const struct sa_block *b, size_t n,
			 const struct sa_seg_header *h, uint8_t *buf);
/* Decodes one; *out is malloc'ed.  Returns the count or SA_ECORRUPT. */
int sa__footer_decode(const uint8_t *p, size_t len,
		      const struct sa_seg_header *h, struct sa_block **out);
/*
 * Finds the footer of a sealed plain segment held in buf[0..len): the
 * trailer must be the last frame and point at a valid F frame that ends
 * where the trailer starts.  Returns the block count (>= 1) with *out
 * malloc'ed, or 0 when the segment has no (valid) footer.
 */
int sa__footer_find(const uint8_t *buf, size_t len,
		    const struct sa_seg_header *h, struct sa_block **out,
		    uint64_t *footer_off);

/* Segment file names: "<16 hex digits of first seq>.seg[.zst]". */
void sa__seg_name(char *buf, size_t cap, uint64_t first_seq, bool zst);
bool sa__seg_name_parse(const char *name, uint64_t *first_seq, bool *zst);

/*
 * The segment files of a directory with first numbers in [lo, hi), sorted
 * (segdir.c); *out is malloc'ed (NULL when none).  remove_tmp: leftovers
 * of an interrupted seal or creation are removed (the write lock holder
 * only).  0, -ENOMEM, or an error of opendir(3).
 */
struct sa__segname {
	uint64_t seq;
	bool zst;
	char name[32];
};
int sa__segdir_list(const char *dir, uint64_t lo, uint64_t hi, bool remove_tmp,
		    struct sa__segname **out, size_t *count);

/* I/O helpers used by writer and compressor. */
int sa__write_all(int fd, const void *buf, size_t n);
int sa__fsync_dir(const char *dir);

/* The audit_back pointer file of a log directory (docs/FORMAT.md). */
#define SA_BACK_POINTER "audit_back"
/*
 * Reads `dir`/audit_back into buf: 1 with an absolute path, 0 when there
 * is no pointer (or it holds no absolute path that fits), or -ENOMEM.
 */
int sa__log_back_read(const char *dir, char *buf, size_t cap);
int64_t sa__now_us(void);

/* zstd side of compressed segments (compress.c). */
#define SA_ZTAIL_MAGIC "SAZTAIL1"
#define SA_ZIDX_MAGIC "SAZIDX1"
struct sa_zchunk {
	uint64_t comp_off;  /* offset of the zstd frame in the .zst file */
	uint64_t plain_off; /* offset of its first byte in the plain segment */
	uint64_t plain_len;
	uint64_t first_seq; /* seq of its first record (or the next one) */
	int64_t max_time_before;
	bool has_max;
	bool has_crc;	   /* comp_crc holds (tables of later writers) */
	uint32_t comp_crc; /* CRC-32C of the chunk's compressed bytes */
};
/*
 * Reads the chunk table at the end of a .zst file of `size` bytes.
 * Returns the number of chunks (>= 1) with *out malloc'ed, or a negative
 * code when the table is missing or damaged (callers then fall back to
 * streaming the whole file).
 */
int sa__zindex_read(int fd, uint64_t size, struct sa_zchunk **out);

#endif
