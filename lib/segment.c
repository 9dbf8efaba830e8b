/*
 * segment.c - the format pieces shared by writer, reader and compressor:
 * segment header, frame parsing and resynchronisation, index frames,
 * segment names, and the small I/O helpers whose error handling the
 * durability contract depends on (write_all, fsync of a directory).
 *
 * Resynchronisation is what lets a reader go on after damage: from any
 * offset it looks for the next position that holds a complete frame with a
 * matching CRC32C.  Frame types are restricted to 'A'..'Z' so that most
 * garbage bytes are rejected before any checksum is computed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/version.h>
#include <seaudit/error.h>

#include "crc32c.h"
#include "segment.h"
#include "varint.h"
#include "le.h"

size_t
sa__seg_header_encode(const struct sa_seg_header *h, uint8_t *buf)
{
	uint8_t *p = buf + 12;
	memcpy(buf, SA_SEG_MAGIC, SA_SEG_MAGIC_LEN);
	sa__le16_put(buf + 8, SA_FORMAT_VERSION);
	p += sa_varint_put(p, (SA_H_FIRST_SEQ << 3) | 0);
	p += sa_varint_put(p, h->first_seq);
	p += sa_varint_put(p, (SA_H_CREATED << 3) | 0);
	p += sa_varint_put(p, sa_zigzag(h->created_us));
	p += sa_varint_put(p, (SA_H_BASE_TIME << 3) | 0);
	p += sa_varint_put(p, sa_zigzag(h->base_time_us));
	if (h->has_prev_max) {
		p += sa_varint_put(p, (SA_H_PREV_MAX_TIME << 3) | 0);
		p += sa_varint_put(p, sa_zigzag(h->prev_max_time_us));
	}
	p += sa_varint_put(p, (SA_H_ORIGIN << 3) | 2);
	p += sa_varint_put(p, h->origin_len);
	memcpy(p, h->origin, h->origin_len);
	p += h->origin_len;
	if (h->has_link) {
		p += sa_varint_put(p, (SA_H_CHAIN_PREV << 3) | 2);
		p += sa_varint_put(p, 8 + 32);
		sa__le64_put(p, h->link_seq);
		memcpy(p + 8, h->link_value, 32);
		p += 8 + 32;
	}
	if (h->has_log_id) {
		p += sa_varint_put(p, (SA_H_LOG_ID << 3) | 2);
		p += sa_varint_put(p, 16);
		memcpy(p, h->log_id, 16);
		p += 16;
	}
	static const char writer[] = "seaudit " SA_VERSION_STRING;
	p += sa_varint_put(p, (SA_H_WRITER << 3) | 2);
	p += sa_varint_put(p, sizeof writer - 1);
	memcpy(p, writer, sizeof writer - 1);
	p += sizeof writer - 1;
	size_t len = (size_t)(p - buf) + 4;
	sa__le16_put(buf + 10, (uint16_t)len);
	sa__le32_put(p, sa_crc32c(0, buf, len - 4));
	return len;
}

int
sa__seg_header_decode(const uint8_t *buf, size_t len, struct sa_seg_header *h)
{
	if (len < SA_SEG_MAGIC_LEN)
		return SA_ETRUNC;
	if (memcmp(buf, SA_SEG_MAGIC, SA_SEG_MAGIC_LEN) != 0)
		return SA_EBADMAGIC;
	if (len < 12)
		return SA_ETRUNC;
	uint16_t version = sa__le16_get(buf + 8);
	uint16_t hlen = sa__le16_get(buf + 10);
	if (hlen < SA_SEG_HDR_MIN || hlen > SA_SEG_HDR_MAX)
		return SA_ECORRUPT;
	if (len < hlen)
		return SA_ETRUNC;
	if (sa_crc32c(0, buf, hlen - 4u) != sa__le32_get(buf + hlen - 4))
		return SA_ECORRUPT;
	/* Later minor changes add header fields; a new major is refused. */
	if (version == 0 || version > SA_FORMAT_VERSION)
		return SA_EVERSION;
	memset(h, 0, sizeof *h);
	h->version = version;
	h->length = hlen;
	const uint8_t *p = buf + 12, *end = buf + hlen - 4;
	bool have_seq = false, have_base = false;
	while (p < end) {
		uint64_t key, v;
		size_t n = sa_varint_get(p, end, &key);
		if (n == 0)
			return SA_ECORRUPT;
		p += n;
		if ((n = sa_varint_get(p, end, &v)) == 0)
			return SA_ECORRUPT;
		p += n;
		if ((key & 7) == 2) {
			if (v > (uint64_t)(end - p))
				return SA_ECORRUPT;
			if ((key >> 3) == SA_H_ORIGIN) {
				if (v > SA_MAX_ORIGIN)
					return SA_ECORRUPT;
				memcpy(h->origin, p, (size_t)v);
				h->origin[v] = '\0';
				h->origin_len = (size_t)v;
			} else if ((key >> 3) == SA_H_CHAIN_PREV) {
				if (v != 8 + 32)
					return SA_ECORRUPT;
				h->link_seq = sa__le64_get(p);
				memcpy(h->link_value, p + 8, 32);
				h->has_link = true;
			} else if ((key >> 3) == SA_H_LOG_ID) {
				if (v != 16)
					return SA_ECORRUPT;
				memcpy(h->log_id, p, 16);
				h->has_log_id = true;
			}
			p += v;
			continue;
		}
		if ((key & 7) != 0)
			return SA_ECORRUPT;
		switch (key >> 3) {
		case SA_H_FIRST_SEQ:
			h->first_seq = v;
			have_seq = true;
			break;
		case SA_H_CREATED:
			h->created_us = sa_unzigzag(v);
			break;
		case SA_H_BASE_TIME:
			h->base_time_us = sa_unzigzag(v);
			have_base = true;
			break;
		case SA_H_PREV_MAX_TIME:
			h->prev_max_time_us = sa_unzigzag(v);
			h->has_prev_max = true;
			break;
		default:
			break; /* a later version's field */
		}
	}
	if (!have_seq || !have_base)
		return SA_ECORRUPT;
	if (h->base_time_us < SA_TIME_MIN_US ||
	    h->base_time_us > SA_TIME_MAX_US)
		return SA_ECORRUPT;
	return 0;
}

enum sa_frame_status
sa__frame_parse(const uint8_t *p, size_t avail, struct sa_frame *fr)
{
	if (avail == 0)
		return SA_FRAME_INCOMPLETE;
	if (p[0] < 'A' || p[0] > 'Z')
		return SA_FRAME_BAD;
	uint64_t len;
	size_t n = sa_varint_get(p + 1, p + (avail < 4 ? avail : 4), &len);
	if (n == 0) {
		/* A varint cut by the end of data, or longer than 3 bytes. */
		if (avail < 4) {
			for (size_t i = 1; i < avail; i++)
				if (!(p[i] & 0x80))
					return SA_FRAME_BAD;
			return SA_FRAME_INCOMPLETE;
		}
		return SA_FRAME_BAD;
	}
	if (len > SA_FRAME_MAX_PAYLOAD || len == 0)
		return SA_FRAME_BAD;
	size_t hdr = 1 + n + 4;
	if (avail < hdr + len)
		return SA_FRAME_INCOMPLETE;
	uint32_t crc = sa_crc32c(0, p, 1 + n);
	crc = sa_crc32c(crc, p + hdr, (size_t)len);
	if (crc != sa__le32_get(p + 1 + n))
		return SA_FRAME_BAD;
	fr->type = p[0];
	fr->payload = p + hdr;
	fr->payload_len = (size_t)len;
	fr->total_len = hdr + (size_t)len;
	return SA_FRAME_OK;
}

size_t
sa__frame_resync(const uint8_t *buf, size_t len, size_t from, uint8_t type,
		 size_t max_payload)
{
	struct sa_frame fr;
	for (size_t q = from; q < len; q++) {
		uint8_t t = buf[q];
		if (t < 'A' || t > 'Z' || (type != 0 && t != type))
			continue;
		uint64_t plen;
		if (q + 1 < len &&
		    sa_varint_get(buf + q + 1, buf + len, &plen) != 0 &&
		    plen > max_payload)
			continue;
		if (sa__frame_parse(buf + q, len - q, &fr) == SA_FRAME_OK)
			return q;
	}
	return len;
}

size_t
sa__frame_header(uint8_t *out, uint8_t type, const uint8_t *payload, size_t len)
{
	out[0] = type;
	size_t n = sa_varint_put(out + 1, len);
	uint32_t crc = sa_crc32c(0, out, 1 + n);
	crc = sa_crc32c(crc, payload, len);
	sa__le32_put(out + 1 + n, crc);
	return 1 + n + 4;
}

size_t
sa__index_encode(const struct sa_index_point *ip, uint8_t *buf)
{
	uint8_t *p = buf;
	p += sa_varint_put(p, ip->next_seq);
	*p++ = ip->has_max ? 1 : 0;
	p += sa_varint_put(p, sa_zigzag(ip->has_max ? ip->max_time_before : 0));
	return (size_t)(p - buf);
}

int
sa__index_decode(const uint8_t *p, size_t len, struct sa_index_point *ip)
{
	const uint8_t *end = p + len;
	uint64_t v;
	size_t n = sa_varint_get(p, end, &ip->next_seq);
	if (n == 0 || p + n >= end)
		return SA_ECORRUPT;
	p += n;
	ip->has_max = *p++ != 0;
	if (sa_varint_get(p, end, &v) == 0)
		return SA_ECORRUPT;
	ip->max_time_before = sa_unzigzag(v);
	return 0;
}

void
sa__seg_name(char *buf, size_t cap, uint64_t first_seq, bool zst)
{
	snprintf(buf, cap, "%016llx%s", (unsigned long long)first_seq,
		 zst ? SA_SEG_ZSUFFIX : SA_SEG_SUFFIX);
}

bool
sa__seg_name_parse(const char *name, uint64_t *first_seq, bool *zst)
{
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = name[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	if (strcmp(name + 16, SA_SEG_SUFFIX) == 0)
		*zst = false;
	else if (strcmp(name + 16, SA_SEG_ZSUFFIX) == 0)
		*zst = true;
	else
		return false;
	*first_seq = v;
	return true;
}

bool
sa_segment_name_parse(const char *name, uint64_t *first_seq, bool *zst)
{
	bool z;
	return sa__seg_name_parse(name, first_seq, zst ? zst : &z);
}

int
sa__write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sa__fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int
sa__log_back_read(const char *dir, char *buf, size_t cap)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s/%s", dir, SA_BACK_POINTER) >=
	    (int)sizeof p)
		return 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, cap);
	close(fd);
	/* One absolute path and a newline: anything else is not a pointer. */
	if (n <= 1 || (size_t)n >= cap || buf[0] != '/' || buf[n - 1] != '\n')
		return 0;
	buf[n - 1] = '\0';
	return strlen(buf) == (size_t)n - 1 ? 1 : 0;
}

int
sa_log_set_back(const char *dir, const char *back_dir)
{
	char p[PATH_MAX], tmp[PATH_MAX], cur[PATH_MAX];
	if (snprintf(p, sizeof p, "%s/%s", dir, SA_BACK_POINTER) >=
		(int)sizeof p ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, SA_BACK_POINTER) >=
		(int)sizeof tmp)
		return -ENAMETOOLONG;
	if (back_dir == NULL || back_dir[0] == '\0') {
		if (unlink(p) < 0)
			return errno == ENOENT ? 0 : -errno;
		return sa__fsync_dir(dir);
	}
	if (back_dir[0] != '/')
		return -EINVAL;
	size_t len = strlen(back_dir);
	if (len + 2 > sizeof cur)
		return -ENAMETOOLONG;
	if (sa__log_back_read(dir, cur, sizeof cur) == 1 &&
	    strcmp(cur, back_dir) == 0)
		return 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char line[PATH_MAX + 1];
	memcpy(line, back_dir, len);
	line[len] = '\n';
	int rc = sa__write_all(fd, line, len + 1);
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, p) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	return sa__fsync_dir(dir);
}

int64_t
sa__now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

size_t
sa__footer_encode(const struct sa_block *b, size_t n,
		  const struct sa_seg_header *h, uint8_t *buf)
{
	uint8_t *p = buf;
	p += sa_varint_put(p, n);
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		p += sa_varint_put(p, b[i].off - prev);
		prev = b[i].off;
		*p++ = b[i].has ? 1 : 0;
		if (!b[i].has)
			continue;
		p += sa_varint_put(p, b[i].first_seq - h->first_seq);
		p += sa_varint_put(p,
				   sa_zigzag(b[i].min_time - h->base_time_us));
		p +=
		    sa_varint_put(p, (uint64_t)(b[i].max_time - b[i].min_time));
	}
	return (size_t)(p - buf);
}

int
sa__footer_decode(const uint8_t *p, size_t len, const struct sa_seg_header *h,
		  struct sa_block **out)
{
	const uint8_t *end = p + len;
	uint64_t n, v;
	size_t k = sa_varint_get(p, end, &n);
	if (k == 0 || n == 0 || n > SA_FOOTER_MAX_BLOCKS)
		return SA_ECORRUPT;
	p += k;
	struct sa_block *b = calloc((size_t)n, sizeof *b);
	if (b == NULL)
		return -ENOMEM;
	uint64_t off = 0;
	for (uint64_t i = 0; i < n; i++) {
		if ((k = sa_varint_get(p, end, &v)) == 0 || p + k >= end)
			goto bad;
		p += k;
		if (v > UINT64_MAX - off || (i > 0 && v == 0))
			goto bad;
		off += v;
		b[i].off = off;
		b[i].has = *p++ != 0;
		if (!b[i].has)
			continue;
		uint64_t seq, dmin, span;
		if ((k = sa_varint_get(p, end, &seq)) == 0)
			goto bad;
		p += k;
		if ((k = sa_varint_get(p, end, &dmin)) == 0)
			goto bad;
		p += k;
		if ((k = sa_varint_get(p, end, &span)) == 0)
			goto bad;
		p += k;
		int64_t mn;
		if (seq > UINT64_MAX - h->first_seq ||
		    __builtin_add_overflow(h->base_time_us, sa_unzigzag(dmin),
					   &mn) ||
		    mn < SA_TIME_MIN_US || mn > SA_TIME_MAX_US ||
		    span > (uint64_t)(SA_TIME_MAX_US - mn))
			goto bad;
		b[i].first_seq = h->first_seq + seq;
		b[i].min_time = mn;
		b[i].max_time = mn + (int64_t)span;
	}
	if (p != end)
		goto bad;
	*out = b;
	return (int)n;
bad:
	free(b);
	return SA_ECORRUPT;
}

int
sa__footer_find(const uint8_t *buf, size_t len, const struct sa_seg_header *h,
		struct sa_block **out, uint64_t *footer_off)
{
	*out = NULL;
	if (len < (size_t)h->length + SA_TRAILER_LEN)
		return 0;
	struct sa_frame tr, fo;
	size_t at = len - SA_TRAILER_LEN;
	if (sa__frame_parse(buf + at, SA_TRAILER_LEN, &tr) != SA_FRAME_OK ||
	    tr.type != SA_FRAME_TRAILER || tr.payload_len != 8)
		return 0;
	uint64_t off = 0;
	for (int i = 7; i >= 0; i--)
		off = (off << 8) | tr.payload[i];
	if (off < h->length || off >= at)
		return 0;
	if (sa__frame_parse(buf + off, at - (size_t)off, &fo) != SA_FRAME_OK ||
	    fo.type != SA_FRAME_FOOTER || off + fo.total_len != at)
		return 0;
	int n = sa__footer_decode(fo.payload, fo.payload_len, h, out);
	if (n <= 0)
		return n == -ENOMEM ? n : 0;
	/* Blocks must lie inside the body, in order. */
	for (int i = 0; i < n; i++)
		if ((*out)[i].off < h->length || (*out)[i].off >= off) {
			free(*out);
			*out = NULL;
			return 0;
		}
	if (footer_off)
		*footer_off = off;
	return n;
}
