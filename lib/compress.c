/*
 * compress.c - sealing a plain segment into a zstd-compressed one, and
 * reading back the chunk table that makes a compressed segment seekable.
 *
 * The compressed file decompresses (with any zstd tool) to exactly the
 * plain segment's bytes: frame 0 holds the segment header alone, then each
 * zstd frame holds about SA_ZCHUNK bytes of whole log frames, with the zstd
 * content checksum on.  A zstd skippable frame at the end carries the chunk
 * table (compressed and plain offsets, first sequence number and running
 * maximum time of each chunk), which zstd tools ignore and the reader uses
 * to seek without decompressing what it skips.  Damaged bytes of the plain
 * segment are carried over unchanged: sealing never repairs or drops data.
 *
 * Crash safety: the compressed file is written under a temporary name,
 * synced, renamed into place and the directory synced before the plain
 * original is removed; a crash leaves either both copies (the writer
 * removes the plain one when it next opens the log) or only the plain one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/log.h>

#include "crc32c.h"
#include "segment.h"
#include "zstd_dl.h"
#include "le.h"

#define ZSKIP_MAGIC 0x184D2A5Eu
#define ZENTRY_LEN 48

struct zout {
	int fd;
	uint64_t off;
	ZSTD_CCtx *cctx;
	uint8_t *buf;
	size_t cap;
	struct sa_zchunk *chunks;
	size_t n, ncap;
};

static int
emit_chunk(struct zout *z, const uint8_t *src, size_t len, uint64_t plain_off,
	   uint64_t first_seq, bool has_max, int64_t max_time)
{
	/* Each flushed block may cost its own header over the bound. */
	size_t bound = ZSTD_compressBound(len) + (len / SA_ZBLOCK + 1) * 16;
	if (bound > z->cap) {
		uint8_t *nb = realloc(z->buf, bound);
		if (nb == NULL)
			return -ENOMEM;
		z->buf = nb;
		z->cap = bound;
	}
	/* A block ends every SA_ZBLOCK bytes (ZSTD_e_flush), so that a
	 * reader decoding a damaged frame keeps the blocks before the
	 * damage; the frame's history is kept across them. */
	size_t c = 0;
	/* The content size goes into the frame header (`zstd -l` shows it). */
	if (ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(z->cctx, len)))
		return SA_EZSTD;
	for (size_t q = 0; q < len || len == 0;) {
		size_t l = len - q < SA_ZBLOCK ? len - q : SA_ZBLOCK;
		ZSTD_EndDirective e = q + l >= len ? ZSTD_e_end : ZSTD_e_flush;
		ZSTD_inBuffer ib = {src + q, l, 0};
		size_t r;
		do {
			ZSTD_outBuffer ob = {z->buf + c, z->cap - c, 0};
			r = ZSTD_compressStream2(z->cctx, &ob, &ib, e);
			if (ZSTD_isError(r))
				return SA_EZSTD;
			c += ob.pos;
			if (r != 0 && c == z->cap)
				return SA_EZSTD; /* beyond ZSTD_compressBound */
		} while (r != 0);
		q += l;
		if (len == 0)
			break;
	}
	int rc = sa__write_all(z->fd, z->buf, c);
	if (rc < 0)
		return rc;
	if (z->n == z->ncap) {
		size_t ncap = z->ncap ? z->ncap * 2 : 64;
		struct sa_zchunk *nc = realloc(z->chunks, ncap * sizeof *nc);
		if (nc == NULL)
			return -ENOMEM;
		z->chunks = nc;
		z->ncap = ncap;
	}
	/* Every compressed byte is the writer's: a verifier checks them
	 * all, also those zstd would decode alike when changed (header
	 * fields such as the window size). */
	z->chunks[z->n++] =
	    (struct sa_zchunk){.comp_off = z->off,
			       .plain_off = plain_off,
			       .plain_len = len,
			       .first_seq = first_seq,
			       .max_time_before = max_time,
			       .has_max = has_max,
			       .has_crc = true,
			       .comp_crc = sa_crc32c(0, z->buf, c)};
	z->off += c;
	return 0;
}

static int
emit_table(struct zout *z)
{
	size_t content = 8 + 4 + z->n * ZENTRY_LEN + 4 + 8 + 8;
	uint8_t *t = calloc(1, 8 + content);
	if (t == NULL)
		return -ENOMEM;
	sa__le32_put(t, ZSKIP_MAGIC);
	sa__le32_put(t + 4, (uint32_t)content);
	uint8_t *p = t + 8;
	memcpy(p, SA_ZIDX_MAGIC, 8); /* includes the NUL */
	sa__le32_put(p + 8, (uint32_t)z->n);
	uint8_t *e = p + 12;
	for (size_t i = 0; i < z->n; i++, e += ZENTRY_LEN) {
		sa__le64_put(e, z->chunks[i].comp_off);
		sa__le64_put(e + 8, z->chunks[i].plain_off);
		sa__le64_put(e + 16, z->chunks[i].plain_len);
		sa__le64_put(e + 24, z->chunks[i].first_seq);
		sa__le64_put(e + 32, (uint64_t)z->chunks[i].max_time_before);
		e[40] = z->chunks[i].has_max ? 1 : 0;
		e[41] = z->chunks[i].has_crc ? 1 : 0;
		sa__le32_put(e + 44, z->chunks[i].comp_crc);
	}
	sa__le32_put(e, sa_crc32c(0, p, (size_t)(e - p)));
	sa__le64_put(e + 4, z->off);
	memcpy(e + 12, SA_ZTAIL_MAGIC, 8);
	int rc = sa__write_all(z->fd, t, 8 + content);
	free(t);
	return rc;
}

/* Walks the plain segment and writes it out in chunks. */
static int
compress_body(struct zout *z, const uint8_t *m, size_t size,
	      const struct sa_seg_header *h)
{
	int rc = emit_chunk(z, m, h->length, 0, h->first_seq, h->has_prev_max,
			    h->prev_max_time_us);
	if (rc < 0)
		return rc;
	bool has_max = h->has_prev_max;
	int64_t max_time = h->prev_max_time_us;
	uint64_t next_seq = h->first_seq;
	size_t start = h->length, pos = h->length;
	/* The footer, when there is one, becomes a chunk of its own, so a
	 * reader can fetch it without decompressing the segment. */
	struct sa_block *blocks;
	uint64_t foot = size;
	int nb = sa__footer_find(m, size, h, &blocks, &foot);
	if (nb > 0)
		free(blocks);
	else
		foot = size;
	size_t end = (size_t)foot;
	/* State at the start of the chunk being gathered. */
	uint64_t c_seq = next_seq;
	bool c_has = has_max;
	int64_t c_max = max_time;
	while (pos < end) {
		struct sa_frame fr;
		enum sa_frame_status st =
		    sa__frame_parse(m + pos, end - pos, &fr);
		if (st == SA_FRAME_INCOMPLETE) {
			pos = end;
			break;
		}
		if (st == SA_FRAME_BAD) {
			pos = sa__frame_resync(m, end, pos + 1, 0,
					       SA_FRAME_MAX_PAYLOAD);
			continue;
		}
		if (fr.type == SA_FRAME_RECORD) {
			struct sa_record r;
			if (sa_record_decode(fr.payload, fr.payload_len,
					     h->first_seq, h->base_time_us,
					     &r) == 0) {
				if (pos == start)
					c_seq = r.seq;
				next_seq = r.seq + 1;
				if (!has_max || r.time_us > max_time) {
					max_time = r.time_us;
					has_max = true;
				}
			}
		}
		pos += fr.total_len;
		if (pos - start >= SA_ZCHUNK) {
			rc = emit_chunk(z, m + start, pos - start, start, c_seq,
					c_has, c_max);
			if (rc < 0)
				return rc;
			start = pos;
			c_seq = next_seq;
			c_has = has_max;
			c_max = max_time;
		}
	}
	if (pos > start)
		rc = emit_chunk(z, m + start, pos - start, start, c_seq, c_has,
				c_max);
	if (rc == 0 && end < size)
		rc = emit_chunk(z, m + end, size - end, end, next_seq, has_max,
				max_time);
	return rc;
}

int
sa_segment_compress(const char *path, int level)
{
	char tmp[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	if (snprintf(dst, sizeof dst, "%s.zst", path) >= (int)sizeof dst ||
	    snprintf(tmp, sizeof tmp, "%s.zst.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");

	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	if (fstat(in, &st) < 0) {
		int rc = -errno;
		close(in);
		return rc;
	}
	size_t size = (size_t)st.st_size;
	void *m =
	    size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, in, 0) : MAP_FAILED;
	if (m == MAP_FAILED) {
		int rc = size ? -errno : SA_ETRUNC;
		close(in);
		return rc;
	}
	struct sa_seg_header h;
	int rc = sa__seg_header_decode(m, size, &h);
	struct zout z = {.fd = -1};
	if (rc < 0)
		goto out;
	z.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    st.st_mode & 07777);
	if (z.fd < 0) {
		rc = -errno;
		goto out;
	}
	(void)fchown(z.fd, (uid_t)-1, st.st_gid); /* keep the audit group */
	(void)fchmod(z.fd, st.st_mode & 07777);
	if ((rc = sa__zstd_load()) < 0)
		goto out;
	if ((z.cctx = ZSTD_createCCtx()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	ZSTD_CCtx_setParameter(z.cctx, ZSTD_c_compressionLevel,
			       level > 0 ? level : 3);
	ZSTD_CCtx_setParameter(z.cctx, ZSTD_c_checksumFlag, 1);
	if ((rc = compress_body(&z, m, size, &h)) < 0)
		goto out;
	if ((rc = emit_table(&z)) < 0)
		goto out;
	if (fdatasync(z.fd) < 0) {
		rc = -errno;
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = sa__fsync_dir(dir)) < 0)
		goto out;
	if (unlink(path) < 0) {
		rc = -errno;
		goto out;
	}
	rc = sa__fsync_dir(dir);
out:
	if (z.fd >= 0) {
		close(z.fd);
		if (rc < 0)
			unlink(tmp);
	}
	if (z.cctx != NULL)
		ZSTD_freeCCtx(z.cctx);
	free(z.buf);
	free(z.chunks);
	munmap(m, size);
	close(in);
	return rc;
}

int
sa__zindex_read(int fd, uint64_t size, struct sa_zchunk **out)
{
	uint8_t tail[20];
	*out = NULL;
	if (size < 8 + 8 + 4 + 24)
		return SA_ETRUNC;
	if (pread(fd, tail, sizeof tail, (off_t)(size - sizeof tail)) !=
	    (ssize_t)sizeof tail)
		return SA_ETRUNC;
	if (memcmp(tail + 12, SA_ZTAIL_MAGIC, 8) != 0)
		return SA_ECORRUPT;
	uint64_t start = sa__le64_get(tail + 4);
	if (start > size - 8 - 36)
		return SA_ECORRUPT;
	size_t len = (size_t)(size - start);
	if (len > (64u << 20))
		return SA_ECORRUPT;
	uint8_t *t = malloc(len);
	if (t == NULL)
		return -ENOMEM;
	int rc = SA_ECORRUPT;
	if (pread(fd, t, len, (off_t)start) != (ssize_t)len)
		goto out;
	if (sa__le32_get(t) != ZSKIP_MAGIC || sa__le32_get(t + 4) != len - 8)
		goto out;
	const uint8_t *p = t + 8;
	if (memcmp(p, SA_ZIDX_MAGIC, 8) != 0)
		goto out;
	uint32_t n = sa__le32_get(p + 8);
	if (n == 0 || (uint64_t)n * ZENTRY_LEN != len - 8 - 12 - 20)
		goto out;
	const uint8_t *e = p + 12 + (size_t)n * ZENTRY_LEN;
	if (sa_crc32c(0, p, (size_t)(e - p)) != sa__le32_get(e) ||
	    sa__le64_get(e + 4) != start)
		goto out;
	struct sa_zchunk *c = calloc(n, sizeof *c);
	if (c == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	e = p + 12;
	for (uint32_t i = 0; i < n; i++, e += ZENTRY_LEN) {
		c[i].comp_off = sa__le64_get(e);
		c[i].plain_off = sa__le64_get(e + 8);
		c[i].plain_len = sa__le64_get(e + 16);
		c[i].first_seq = sa__le64_get(e + 24);
		c[i].max_time_before = (int64_t)sa__le64_get(e + 32);
		c[i].has_max = e[40] != 0;
		c[i].has_crc = e[41] == 1;
		c[i].comp_crc = sa__le32_get(e + 44);
		if (c[i].comp_off >= start) {
			free(c);
			goto out;
		}
	}
	*out = c;
	rc = (int)n;
out:
	free(t);
	return rc;
}
