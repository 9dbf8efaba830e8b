/*
 * bridge.c - the key bridge over removed epochs (bridge.h).
 *
 * Invariants: the path is computed the same way by the writer that trims
 * a bridge and by the verifier that walks it (next_step), and a
 * certificate is trusted only after its signature checked against the
 * key reached so far: the walk starts from the auditor's key, never from
 * anything in the bridge.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/error.h>
#include <seaudit/record.h>

#include "base64.h"
#include "bridge.h"
#include "varint.h"

void
sa__bridge_free(struct sa__bridge *b)
{
	free(b->c);
	memset(b, 0, sizeof *b);
}

static struct sa__bcert *
find(const struct sa__bridge *b, uint64_t from, unsigned level)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->c[i].from == from && b->c[i].level == level)
			return &b->c[i];
	return NULL;
}

static struct sa__bcert *
grow(struct sa__bridge *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct sa__bcert *c = realloc(b->c, cap * sizeof *c);
		if (c == NULL)
			return NULL;
		b->c = c;
		b->cap = cap;
	}
	struct sa__bcert *c = &b->c[b->n++];
	memset(c, 0, sizeof *c);
	return c;
}

int
sa__bridge_add(struct sa__bridge *b, const struct sa__ckpt *k,
	       const uint8_t *payload)
{
	if (!(k->flags & SA_CKPT_F_SIGNED) || k->base_len > SA_CKPT_BASE_MAX)
		return 0;
	if (find(b, k->epoch, 0) == NULL) {
		struct sa__bcert *c = grow(b);
		if (c == NULL)
			return -ENOMEM;
		c->from = k->epoch;
		/* The signed bytes and the signature; the skips are not
		 * needed for this step. */
		memcpy(c->ckpt, payload, k->base_len);
		c->ckpt_len = (uint16_t)k->base_len;
	}
	for (unsigned i = 0; i < k->nskip; i++) {
		const struct sa__skip *s = &k->skip[i];
		if (find(b, s->from, s->level) != NULL)
			continue;
		struct sa__bcert *c = grow(b);
		if (c == NULL)
			return -ENOMEM;
		c->from = s->from;
		c->level = s->level;
		memcpy(c->pk, s->pk, SA_PK_LEN);
		memcpy(c->sig, s->sig, SA_SIG_LEN);
	}
	return 0;
}

int
sa__bridge_merge(struct sa__bridge *b, const struct sa__bridge *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (find(b, src->c[i].from, src->c[i].level) != NULL)
			continue;
		struct sa__bcert *c = grow(b);
		if (c == NULL)
			return -ENOMEM;
		*c = src->c[i];
	}
	return 0;
}

/* The longest level point p (epoch p + 1) can step by. */
static unsigned
top_level(uint64_t p)
{
	if (p == 0)
		return SA_SKIP_LEVELS;
	unsigned tz = (unsigned)__builtin_ctzll(p);
	return tz < SA_SKIP_LEVELS ? tz : SA_SKIP_LEVELS;
}

/* The greedy step from p towards j (p < j). */
static unsigned
next_step(uint64_t p, uint64_t j)
{
	unsigned a = top_level(p);
	while (a > 0 && j - p < (UINT64_C(1) << a))
		a--;
	return a;
}

int
sa__bridge_trim(struct sa__bridge *b, uint64_t target)
{
	if (target == 0)
		return -EINVAL;
	uint64_t j = target - 1;
	for (uint64_t p = 0; p < j; p += UINT64_C(1) << next_step(p, j))
		if (find(b, p + 1, next_step(p, j)) == NULL)
			return SA_ENOCKPT;
	/* Keep, at each point of the path, its step and the longer ones. */
	size_t w = 0;
	for (size_t i = 0; i < b->n; i++) {
		bool keep = false;
		for (uint64_t p = 0; p < j && !keep;
		     p += UINT64_C(1) << next_step(p, j))
			keep = b->c[i].from == p + 1 &&
			       b->c[i].level >= next_step(p, j) &&
			       b->c[i].level <= top_level(p);
		if (keep)
			b->c[w++] = b->c[i];
	}
	b->n = w;
	b->target = target;
	return 0;
}

int
sa__bridge_walk(const struct sa__bridge *b, const uint8_t vk[SA_PK_LEN],
		uint8_t pk[SA_PK_LEN])
{
	if (b->target == 0)
		return SA_ENOCKPT;
	uint8_t cur[SA_PK_LEN];
	memcpy(cur, vk, SA_PK_LEN);
	uint64_t j = b->target - 1;
	for (uint64_t p = 0; p < j;) {
		unsigned a = next_step(p, j);
		const struct sa__bcert *c = find(b, p + 1, a);
		if (c == NULL)
			return SA_ENOCKPT;
		if (a == 0) {
			struct sa__ckpt k;
			if (sa__ckpt_decode(c->ckpt, c->ckpt_len, &k) != 0 ||
			    k.epoch != p + 1 ||
			    sa__ckpt_verify(&k, c->ckpt, cur) != 0)
				return SA_EBADSIG;
			memcpy(cur, k.next_pk, SA_PK_LEN);
		} else {
			struct sa__skip s = {.from = c->from, .level = a};
			memcpy(s.pk, c->pk, SA_PK_LEN);
			memcpy(s.sig, c->sig, SA_SIG_LEN);
			int rc = sa__skip_verify(&s, cur);
			if (rc < 0 && rc != SA_ECORRUPT)
				return rc;
			if (rc != 0)
				return SA_EBADSIG;
			memcpy(cur, c->pk, SA_PK_LEN);
		}
		p += UINT64_C(1) << a;
	}
	memcpy(pk, cur, SA_PK_LEN);
	return 0;
}

int
sa__bridge_encode(const struct sa__bridge *b, uint8_t **out, size_t *len)
{
	size_t cap =
	    1 + 20 +
	    b->n * (1 + 10 + 10 + SA_CKPT_BASE_MAX + SA_PK_LEN + SA_SIG_LEN);
	uint8_t *p = malloc(cap), *q = p;
	if (p == NULL)
		return -ENOMEM;
	*q++ = SA_BRIDGE_VERSION;
	q += sa_varint_put(q, b->target);
	q += sa_varint_put(q, b->n);
	for (size_t i = 0; i < b->n; i++) {
		const struct sa__bcert *c = &b->c[i];
		*q++ = c->level;
		q += sa_varint_put(q, c->from);
		if (c->level == 0) {
			q += sa_varint_put(q, c->ckpt_len);
			memcpy(q, c->ckpt, c->ckpt_len);
			q += c->ckpt_len;
		} else {
			memcpy(q, c->pk, SA_PK_LEN);
			q += SA_PK_LEN;
			memcpy(q, c->sig, SA_SIG_LEN);
			q += SA_SIG_LEN;
		}
	}
	*out = p;
	*len = (size_t)(q - p);
	return 0;
}

int
sa__bridge_decode(const uint8_t *p, size_t len, struct sa__bridge *b)
{
	const uint8_t *q = p, *end = p + len;
	memset(b, 0, sizeof *b);
	if (len < 1)
		return SA_ECORRUPT;
	if (*q != SA_BRIDGE_VERSION)
		return *q > SA_BRIDGE_VERSION ? SA_EVERSION : SA_ECORRUPT;
	q++;
	uint64_t target, n;
	size_t k = sa_varint_get(q, end, &target);
	if (k == 0)
		return SA_ECORRUPT;
	q += k;
	k = sa_varint_get(q, end, &n);
	/* Each certificate takes at least 3 bytes: no huge allocation. */
	if (k == 0 || n > len / 3)
		return SA_ECORRUPT;
	q += k;
	int rc = 0;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		struct sa__bcert *c = grow(b);
		if (c == NULL) {
			rc = -ENOMEM;
			break;
		}
		uint64_t from, clen;
		if (q == end || (c->level = *q++) > SA_SKIP_LEVELS ||
		    (k = sa_varint_get(q, end, &from)) == 0 || from == 0) {
			rc = SA_ECORRUPT;
			break;
		}
		q += k;
		c->from = from;
		if (c->level == 0) {
			k = sa_varint_get(q, end, &clen);
			if (k == 0 || clen > SA_CKPT_BASE_MAX ||
			    (size_t)(end - q - k) < clen) {
				rc = SA_ECORRUPT;
				break;
			}
			q += k;
			memcpy(c->ckpt, q, clen);
			c->ckpt_len = (uint16_t)clen;
			q += clen;
		} else {
			if ((size_t)(end - q) < SA_PK_LEN + SA_SIG_LEN) {
				rc = SA_ECORRUPT;
				break;
			}
			memcpy(c->pk, q, SA_PK_LEN);
			q += SA_PK_LEN;
			memcpy(c->sig, q, SA_SIG_LEN);
			q += SA_SIG_LEN;
		}
	}
	if (rc == 0 && q != end)
		rc = SA_ECORRUPT;
	if (rc != 0) {
		sa__bridge_free(b);
		return rc;
	}
	b->target = target;
	return 0;
}

int
sa__bridge_from_record(const struct sa_record *r, struct sa__bridge *b)
{
	memset(b, 0, sizeof *b);
	if (r->event != SA_EV_RETENTION || !sa_record_has(r, SA_F_SEAL_BRIDGE))
		return SA_ENOLOG;
	size_t n = r->str[SA_F_SEAL_BRIDGE].len, len;
	uint8_t *buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return -ENOMEM;
	int rc = sa_b64_decode(buf, (const char *)r->str[SA_F_SEAL_BRIDGE].ptr,
			       n, &len);
	if (rc == 0)
		rc = sa__bridge_decode(buf, len, b);
	free(buf);
	return rc;
}
