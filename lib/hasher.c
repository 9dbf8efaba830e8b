/*
 * hasher.c - the chain's thread (hasher.h).
 *
 * Invariants: jobs are hashed in the order fed, each whole; the chain is
 * touched by the thread only while a job is taken (busy) or queued, so
 * once sync saw both empty the caller may use it; the queue holds at
 * most QUEUE_MAX bytes, so a writer faster than the hash waits instead of
 * growing memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hasher.h"
#include "segment.h"

#define QUEUE_MAX (64u << 20)

struct job {
	struct job *next;
	void (*fn)(void *); /* a call instead of frames */
	void *arg;
	uint64_t first_seq;
	int64_t base_time;
	char origin[256];
	size_t origin_len;
	size_t len;
	uint8_t bytes[];
};

struct sa__hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job queued, or stop */
	pthread_cond_t idle; /* a job done, or room in the queue */
	struct job *head, *tail;
	size_t queued; /* bytes */
	bool busy, stop;
	struct sa__chain chain;
};

static void
hash_frames(struct sa__chain *c, const struct job *j, const uint8_t *bytes,
	    size_t len)
{
	size_t at = 0;
	while (at < len) {
		struct sa_frame fr;
		if (sa__frame_parse(bytes + at, len - at, &fr) != SA_FRAME_OK)
			break; /* the writer's own frames: never */
		if (fr.type == SA_FRAME_RECORD) {
			uint64_t seq;
			(void)sa__chain_add_body(
			    c, fr.payload, fr.payload_len, j->first_seq,
			    j->base_time, j->origin, j->origin_len, &seq);
		}
		at += fr.total_len;
	}
}

static void *
run(void *arg)
{
	struct sa__hasher *h = arg;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->head == NULL && !h->stop)
			pthread_cond_wait(&h->work, &h->mu);
		if (h->head == NULL)
			break; /* stop, and nothing left */
		struct job *j = h->head;
		h->head = j->next;
		if (h->head == NULL)
			h->tail = NULL;
		h->busy = true;
		pthread_mutex_unlock(&h->mu);
		if (j->fn != NULL)
			j->fn(j->arg);
		else
			hash_frames(&h->chain, j, j->bytes, j->len);
		pthread_mutex_lock(&h->mu);
		h->queued -= j->len;
		h->busy = false;
		free(j);
		pthread_cond_broadcast(&h->idle);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int
sa__hasher_start(struct sa__hasher **out, const struct sa__chain *c)
{
	struct sa__hasher *h = calloc(1, sizeof *h);
	if (h == NULL)
		return -ENOMEM;
	h->chain = *c;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->idle, NULL);
	int rc = pthread_create(&h->thread, NULL, run, h);
	if (rc != 0) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->work);
		pthread_cond_destroy(&h->idle);
		free(h);
		return -rc;
	}
	*out = h;
	return 0;
}

void
sa__hasher_feed(struct sa__hasher *h, const uint8_t *frames, size_t len,
		uint64_t first_seq, int64_t base_time, const char *origin,
		size_t origin_len)
{
	if (len == 0)
		return;
	struct job *j = malloc(sizeof *j + len);
	if (j == NULL) {
		/* No copy: the frames are hashed here, in order. */
		struct job one = {.first_seq = first_seq,
				  .base_time = base_time,
				  .origin_len = origin_len < sizeof one.origin
						    ? origin_len
						    : 0,
				  .len = 0};
		memcpy(one.origin, origin, one.origin_len);
		sa__hasher_sync(h);
		hash_frames(&h->chain, &one, frames, len);
		return;
	}
	j->next = NULL;
	j->fn = NULL;
	j->first_seq = first_seq;
	j->base_time = base_time;
	j->origin_len = origin_len < sizeof j->origin ? origin_len : 0;
	memcpy(j->origin, origin, j->origin_len);
	j->len = len;
	memcpy(j->bytes, frames, len);
	pthread_mutex_lock(&h->mu);
	while (h->queued > QUEUE_MAX)
		pthread_cond_wait(&h->idle, &h->mu);
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	h->queued += len;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
}

int
sa__hasher_call(struct sa__hasher *h, void (*fn)(void *), void *arg)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&h->mu);
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

struct sa__chain *
sa__hasher_sync(struct sa__hasher *h)
{
	pthread_mutex_lock(&h->mu);
	while (h->head != NULL || h->busy)
		pthread_cond_wait(&h->idle, &h->mu);
	pthread_mutex_unlock(&h->mu);
	return &h->chain;
}

void
sa__hasher_stop(struct sa__hasher *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->work);
	pthread_cond_destroy(&h->idle);
	free(h);
}
