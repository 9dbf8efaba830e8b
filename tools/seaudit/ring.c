/*
 * ring.c - the last N formatted records, for -n N.
 *
 * Records cannot be kept themselves (their strings point into the
 * reader's buffer), so the ring keeps their formatted text: N slots, each
 * a reusable sa_buf whose memory is kept between records.  Memory is
 * bounded by N slots of the longest record seen, and slots are allocated
 * as they are first needed, so a large N over a small log costs little.
 *
 * Invariant: slots [0, used) hold text; when used == n the oldest slot is
 * `head`, otherwise it is slot 0 (head stays 0 until the ring is full).
 */
#include <stdlib.h>

#include <seaudit/format.h>

#include "view.h"

struct ring {
	struct sa_buf *slot;
	size_t n;     /* capacity asked for */
	size_t alloc; /* slots allocated */
	size_t used;  /* slots holding a record */
	size_t head;  /* oldest slot once full */
};

struct ring *
ring_new(size_t n)
{
	struct ring *rg = calloc(1, sizeof *rg);

	if (rg != NULL)
		rg->n = n;
	return rg;
}

struct sa_buf *
ring_next(struct ring *rg)
{
	struct sa_buf *b;

	if (rg->n == 0)
		return NULL;
	if (rg->used < rg->n) {
		if (rg->used == rg->alloc) {
			size_t na = rg->alloc ? rg->alloc * 2 : 64;
			if (na > rg->n)
				na = rg->n;
			struct sa_buf *ns = realloc(rg->slot, na * sizeof *ns);
			if (ns == NULL)
				return NULL;
			for (size_t i = rg->alloc; i < na; i++)
				ns[i] = (struct sa_buf)SA_BUF_INIT;
			rg->slot = ns;
			rg->alloc = na;
		}
		b = &rg->slot[rg->used++];
	} else {
		b = &rg->slot[rg->head];
		rg->head = (rg->head + 1) % rg->n;
	}
	sa_buf_reset(b);
	return b;
}

size_t
ring_count(const struct ring *rg)
{
	return rg->used;
}

const struct sa_buf *
ring_at(const struct ring *rg, size_t k)
{
	return &rg->slot[(rg->head + k) % rg->used];
}

void
ring_free(struct ring *rg)
{
	if (rg == NULL)
		return;
	for (size_t i = 0; i < rg->alloc; i++)
		sa_buf_free(&rg->slot[i]);
	free(rg->slot);
	free(rg);
}
