/*
 * chain.c - the integrity chain (chain.h): canonical record bytes taken
 * straight from stored bodies, hashed one epoch at a time.
 *
 * Invariant: c->open is true exactly when the hash state holds the epoch
 * header (domain, previous value, its sequence number) and zero or more
 * records; c->value and c->seq change only when an epoch closes.
 */
#include <errno.h>
#include <string.h>

#include <seaudit/error.h>

#include "chain.h"
#include "le.h"
#include "varint.h"

static const uint8_t epoch_tag[16] = "SEAUDIT-EPOCH-1";
static const uint8_t chain_tag[16] = "SEAUDIT-CHAIN-1";

#define ORIGIN_FIELD 15

int
sa__chain_new_id(uint8_t id[SA_LOG_ID_LEN])
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	sa__sodium.randombytes_buf(id, SA_LOG_ID_LEN);
	return 0;
}

int
sa__chain_start(struct sa__chain *c, const uint8_t log_id[SA_LOG_ID_LEN],
		const char *origin, size_t origin_len, uint64_t first_seq)
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	uint8_t in[16 + SA_LOG_ID_LEN + 1 + 255];
	if (origin_len > 255)
		origin_len = 255;
	memcpy(in, chain_tag, 16);
	memcpy(in + 16, log_id, SA_LOG_ID_LEN);
	in[16 + SA_LOG_ID_LEN] = (uint8_t)origin_len;
	memcpy(in + 17 + SA_LOG_ID_LEN, origin, origin_len);
	memset(c, 0, sizeof *c);
	sa__sodium.generichash(c->value, SA_CHAIN_LEN, in,
			       17 + SA_LOG_ID_LEN + origin_len, NULL, 0);
	c->seq = c->last = first_seq - 1;
	return 0;
}

int
sa__chain_resume(struct sa__chain *c, uint64_t seq,
		 const uint8_t value[SA_CHAIN_LEN])
{
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	memset(c, 0, sizeof *c);
	memcpy(c->value, value, SA_CHAIN_LEN);
	c->seq = c->last = seq;
	return 0;
}

static void
open_epoch(struct sa__chain *c)
{
	uint8_t h[16 + SA_CHAIN_LEN + 8];
	memcpy(h, epoch_tag, 16);
	memcpy(h + 16, c->value, SA_CHAIN_LEN);
	sa__le64_put(h + 16 + SA_CHAIN_LEN, c->seq);
	sa__sodium.generichash_init(&c->st, NULL, 0, SA_CHAIN_LEN);
	sa__sodium.generichash_update(&c->st, h, sizeof h);
	c->open = true;
}

/* Skips one field at p; the end of it, or NULL when it does not parse. */
static const uint8_t *
skip_field(const uint8_t *p, const uint8_t *end, uint64_t *number)
{
	uint64_t key, v;
	size_t n = sa_varint_get(p, end, &key);
	if (n == 0)
		return NULL;
	p += n;
	*number = key >> 3;
	switch (key & 7) {
	case 0:
		n = sa_varint_get(p, end, &v);
		return n ? p + n : NULL;
	case 2:
		n = sa_varint_get(p, end, &v);
		if (n == 0 || v > (uint64_t)(end - p - (ptrdiff_t)n))
			return NULL;
		return p + n + v;
	default:
		return NULL;
	}
}

int
sa__chain_add_body(struct sa__chain *c, const uint8_t *body, size_t len,
		   uint64_t first_seq, int64_t base_time,
		   const char *seg_origin, size_t seg_origin_len, uint64_t *seq)
{
	const uint8_t *p = body, *end = body + len;
	if (len < 4)
		return SA_ECORRUPT;
	uint64_t sd, tz;
	size_t n = sa_varint_get(p + 2, end, &sd);
	if (n == 0)
		return SA_ECORRUPT;
	size_t m = sa_varint_get(p + 2 + n, end, &tz);
	if (m == 0)
		return SA_ECORRUPT;
	const uint8_t *fields = p + 2 + n + m;
	/* The origin field, when the body carries one (a record of another
	 * host than the segment's), is taken out of the run. */
	const uint8_t *o_at = NULL, *o_end = NULL, *q = fields;
	const uint8_t *origin = (const uint8_t *)seg_origin;
	uint64_t olen = seg_origin_len;
	while (q < end) {
		uint64_t num;
		const uint8_t *next = skip_field(q, end, &num);
		if (next == NULL)
			return SA_ECORRUPT;
		if (num == ORIGIN_FIELD) {
			o_at = q;
			o_end = next;
			uint64_t key = 0, l = 0;
			size_t k = sa_varint_get(q, end, &key);
			if (k == 0 || (key & 7) != 2)
				return SA_ECORRUPT;
			size_t k2 = sa_varint_get(q + k, end, &l);
			if (k2 == 0)
				return SA_ECORRUPT;
			k += k2;
			origin = q + k;
			olen = l;
		}
		if (num >= ORIGIN_FIELD)
			break; /* fields ascend: nothing after matters here */
		q = next;
	}
	if (olen > 255)
		return SA_ECORRUPT;
	uint64_t s = first_seq + sd;
	int64_t t = (int64_t)((uint64_t)base_time + (uint64_t)sa_unzigzag(tz));
	size_t canon = 2 + 8 + 8 + 1 + olen + (size_t)(end - fields) -
		       (size_t)(o_end - o_at);
	uint8_t hdr[4 + 2 + 8 + 8 + 1];
	sa__le32_put(hdr, (uint32_t)canon);
	hdr[4] = body[0];
	hdr[5] = body[1];
	sa__le64_put(hdr + 6, s);
	sa__le64_put(hdr + 14, (uint64_t)t);
	hdr[22] = (uint8_t)olen;
	if (!c->open)
		open_epoch(c);
	sa__sodium.generichash_update(&c->st, hdr, sizeof hdr);
	sa__sodium.generichash_update(&c->st, origin, olen);
	if (o_at == NULL) {
		sa__sodium.generichash_update(&c->st, fields,
					      (size_t)(end - fields));
	} else {
		sa__sodium.generichash_update(&c->st, fields,
					      (size_t)(o_at - fields));
		sa__sodium.generichash_update(&c->st, o_end,
					      (size_t)(end - o_end));
	}
	c->last = s;
	*seq = s;
	return 0;
}

void
sa__chain_close(struct sa__chain *c)
{
	if (!c->open)
		return;
	sa__sodium.generichash_final(&c->st, c->value, SA_CHAIN_LEN);
	c->seq = c->last;
	c->open = false;
}
