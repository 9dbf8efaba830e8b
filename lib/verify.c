/*
 * verify.c - sa_log_verify (seaudit/verify.h): a reader over the log,
 * observed (observe.h) so that every segment header, record body and
 * checkpoint passes through the chain checks below, in reading order.
 *
 * One chain state per log identity met.  The first identity is the log's;
 * a later one is accepted as another log (a second log of the host read
 * together, a log begun again) only when its segment starts that log
 * (its link is the log's first value); any other is foreign.  After each
 * problem the state is set from what the log claims (the link, the
 * checkpoint), so that the records after it are checked on their own and
 * one alteration is reported once, where it is.
 *
 * A log whose first segment does not start it lost its head: legitimate
 * when a retention record later in the log, sealed by a checkpoint,
 * names the records removed and the chain value the first segment links
 * to; a cut otherwise (SA_EHEADGONE, told at the end).  With a key, the
 * first checkpoint of such a log cannot be checked when it is read (the
 * epochs that led to its key are gone): it is kept, the walk goes on
 * from the key it certifies, and it is checked once the retention
 * record's bridge (bridge.h) gave its epoch's key from the one given.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/verify.h>

#include "bridge.h"
#include "chain.h"
#include "checkpoint.h"
#include "crc32c.h"
#include "le.h"
#include "observe.h"
#include "segment.h"
#include "textutil.h"

#define MAX_LOGS 16

struct vlog {
	uint8_t id[SA_LOG_ID_LEN];
	struct sa__chain c;
	uint64_t sealed_seq; /* the last record a matching checkpoint covers */
	uint64_t epoch;	     /* of the key in pk; 0: none yet */
	uint8_t pk[SA_PK_LEN];
	uint8_t next_pk[SA_PK_LEN];
	bool have_next;
	bool key_gone_told;
	bool closed; /* the last thing read is a matching final checkpoint */
	/* The head: records up to head_seq are not in the files read. */
	bool head_missing;
	uint64_t head_seq;
	uint8_t head_value[SA_CHAIN_LEN];
	char *head_path;
	uint64_t retained_at;	  /* seq of the retention record naming it */
	struct sa__bridge bridge; /* from that record; target 0: none */
	/* The first checkpoint, waiting for the bridge (deferred). */
	bool deferred;
	uint8_t *def_payload;
	size_t def_len;
	char *def_path;
	uint64_t def_off, def_from, def_seq;
};

struct vstate {
	const struct sa_verify_opts *o;
	struct sa_verify_result *res;
	struct vlog logs[MAX_LOGS];
	int nlogs;
	int cur; /* log of the segment being read; -1: written before */
};

static void
problem(struct vstate *v, const char *path, uint64_t off, int err,
	uint64_t first, uint64_t last)
{
	v->res->problems++;
	if (v->o->cb == NULL)
		return;
	struct sa_damage d = {.file = path,
			      .offset = off,
			      .error = err,
			      .seq_first = first,
			      .seq_last = last};
	v->o->cb(&d, v->o->arg);
}

static void
reader_damage(const struct sa_damage *d, void *arg)
{
	struct vstate *v = arg;
	v->res->problems++;
	if (v->o->cb)
		v->o->cb(d, v->o->arg);
}

/* The value a log starts from (chain.h: c_0). */
static bool
is_start(const struct sa_seg_header *h)
{
	struct sa__chain z;
	if (sa__chain_start(&z, h->log_id, h->origin, h->origin_len,
			    h->link_seq + 1) < 0)
		return false;
	return memcmp(z.value, h->link_value, SA_CHAIN_LEN) == 0;
}

static void
zproblem(struct vstate *v, const char *path, uint64_t off, uint64_t len)
{
	v->res->problems++;
	if (v->o->cb) {
		struct sa_damage d = {.file = path,
				      .offset = off,
				      .length = len,
				      .error = SA_ECORRUPT,
				      .compressed = true};
		v->o->cb(&d, v->o->arg);
	}
}

/*
 * A compressed segment's chunk table, and each chunk's compressed bytes
 * against the CRC the table keeps: readers that find the table damaged
 * stream the file instead, and zstd decodes some changed header bytes
 * alike, which loses no record; a verifier says so, since every byte of
 * a sealed segment is the writer's.
 */
static void
check_ztable(struct vstate *v, const char *path)
{
	size_t pl = strlen(path);
	if (pl < 4 || strcmp(path + pl - 4, ".zst") != 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st = {0};
	if (fd < 0)
		return; /* the reader reports what it cannot open */
	struct sa_zchunk *c = NULL;
	int n = fstat(fd, &st) == 0
		    ? sa__zindex_read(fd, (uint64_t)st.st_size, &c)
		    : -errno;
	if (n < 0 && n != -ENOMEM && st.st_size > 0)
		zproblem(v, path,
			 st.st_size > 20 ? (uint64_t)st.st_size - 20 : 0, 20);
	/* Each chunk's compressed bytes against the table's CRC. */
	uint8_t *buf = NULL, tail[20];
	size_t cap = 0;
	/* The last chunk ends where the table's frame starts (the tail
	 * says where; sa__zindex_read checked it). */
	uint64_t table = 0;
	if (n > 0 && pread(fd, tail, sizeof tail, st.st_size - 20) == 20)
		table = sa__le64_get(tail + 4);
	for (int i = 0; c != NULL && i < n; i++) {
		if (!c[i].has_crc)
			continue;
		uint64_t end = i + 1 < n ? c[i + 1].comp_off : table;
		if (end < c[i].comp_off || end - c[i].comp_off > (64u << 20))
			break;
		size_t len = (size_t)(end - c[i].comp_off);
		if (len > cap) {
			uint8_t *nb = realloc(buf, len);
			if (nb == NULL)
				break;
			buf = nb;
			cap = len;
		}
		if (pread(fd, buf, len, (off_t)c[i].comp_off) != (ssize_t)len ||
		    sa_crc32c(0, buf, len) != c[i].comp_crc)
			zproblem(v, path, c[i].comp_off, len);
	}
	free(buf);
	free(c);
	close(fd);
}

static void
on_segment(struct vstate *v, const struct sa__obs *o)
{
	const struct sa_seg_header *h = o->hdr;
	v->res->segments++;
	check_ztable(v, o->path);
	v->cur = -1;
	if (!h->has_log_id || !h->has_link)
		return; /* written before sealing */
	int i;
	for (i = 0; i < v->nlogs; i++)
		if (memcmp(v->logs[i].id, h->log_id, SA_LOG_ID_LEN) == 0)
			break;
	if (i == v->nlogs) {
		if (v->nlogs > 0 && !is_start(h)) {
			/* Not the log's, and not one beginning here. */
			problem(v, o->path, 0, SA_EFOREIGN, h->first_seq, 0);
			v->cur = -2; /* its records: checked against nothing */
			return;
		}
		if (v->nlogs == MAX_LOGS) {
			v->cur = -2;
			return;
		}
		struct vlog *l = &v->logs[v->nlogs++];
		memset(l, 0, sizeof *l);
		memcpy(l->id, h->log_id, SA_LOG_ID_LEN);
		(void)sa__chain_resume(&l->c, h->link_seq, h->link_value);
		l->sealed_seq = h->link_seq;
		if (h->link_seq > 0 && !is_start(h)) {
			l->head_missing = true;
			l->head_seq = h->link_seq;
			memcpy(l->head_value, h->link_value, SA_CHAIN_LEN);
			l->head_path = strdup(o->path);
		}
		v->cur = i;
		return;
	}
	struct vlog *l = &v->logs[i];
	v->cur = i;
	/* The link names the last closed epoch; records after it may lie
	 * in the segment before (a copy cut elsewhere). */
	if (l->c.seq != h->link_seq ||
	    memcmp(l->c.value, h->link_value, SA_CHAIN_LEN) != 0) {
		problem(v, o->path, 0, SA_EFOREIGN, h->first_seq, 0);
		(void)sa__chain_resume(&l->c, h->link_seq, h->link_value);
	}
}

static void
on_record(struct vstate *v, const struct sa__obs *o)
{
	v->res->records++;
	if (v->cur == -1) {
		v->res->unchained++;
		return;
	}
	if (v->cur < 0)
		return;
	uint64_t seq;
	struct vlog *l = &v->logs[v->cur];
	l->closed = false;
	if (sa__chain_add_body(&l->c, o->payload, o->len, o->hdr->first_seq,
			       o->hdr->base_time_us, o->hdr->origin,
			       o->hdr->origin_len, &seq) != 0)
		return; /* the reader decodes it and reports why */
	if (seq > v->res->last_seq)
		v->res->last_seq = seq;
	/* The chain holds every byte of it: only a retention record is
	 * needed decoded (on_retention). */
	if (o->payload[0] != SA_EV_RETENTION && o->out != NULL) {
		o->out->handled = true;
		o->out->seq = seq;
	}
}

/*
 * The deferred first checkpoint against the key the bridge leads to.
 * Once: afterwards the walk that went on from it stands or falls by it.
 */
static void
resolve(struct vstate *v, struct vlog *l)
{
	if (!l->deferred || l->bridge.target == 0)
		return;
	l->deferred = false;
	uint8_t pk[SA_PK_LEN];
	struct sa__ckpt k;
	int rc = sa__bridge_walk(&l->bridge, v->o->vk, pk);
	if (rc == 0 && sa__ckpt_decode(l->def_payload, l->def_len, &k) == 0 &&
	    k.epoch != l->bridge.target)
		rc = SA_ENOCKPT;
	if (rc == 0 && sa__ckpt_verify(&k, l->def_payload, pk) != 0)
		rc = SA_EBADSIG;
	if (rc == SA_EBADSIG || rc == SA_ENOCKPT)
		problem(v, l->def_path, l->def_off, rc, l->def_from,
			l->def_seq);
	else if (rc == 0)
		v->res->signatures++;
	free(l->def_payload);
	l->def_payload = NULL;
}

static void
defer(struct vstate *v, struct vlog *l, const struct sa__ckpt *k,
      const struct sa__obs *o, uint64_t from)
{
	l->def_payload = malloc(o->len);
	l->def_path = strdup(o->path);
	if (l->def_payload == NULL || l->def_path == NULL)
		return; /* no memory: never counted as verified */
	memcpy(l->def_payload, o->payload, o->len);
	l->def_len = o->len;
	l->def_off = o->offset;
	l->def_from = from;
	l->def_seq = k->seq;
	l->deferred = true;
	l->epoch = k->epoch;
	memcpy(l->next_pk, k->next_pk, SA_PK_LEN);
	l->have_next = true;
	resolve(v, l);
}

/* The signature of a checkpoint whose chain matched (opts.vk given). */
static void
check_signature(struct vstate *v, struct vlog *l, const struct sa__ckpt *k,
		const struct sa__obs *o, uint64_t from)
{
	if (!(k->flags & SA_CKPT_F_SIGNED)) {
		problem(v, o->path, o->offset, SA_EBADSIG, from, k->seq);
		return;
	}
	const uint8_t *pk = NULL;
	if (l->epoch == 0) {
		if (k->epoch != 1) {
			/* The log's first epochs are gone (retention): kept
			 * until a retention record's bridge gives its key. */
			defer(v, l, k, o, from);
			return;
		}
		pk = v->o->vk;
	} else if (k->epoch == l->epoch) {
		pk = l->pk;
	} else if (k->epoch == l->epoch + 1 && l->have_next) {
		pk = l->next_pk;
	} else {
		/* Once the keys' walk is broken, later checkpoints cannot be
		 * checked either: said once, not for each. */
		if (!l->key_gone_told)
			problem(v, o->path, o->offset, SA_ENOCKPT, from,
				k->seq);
		l->key_gone_told = true;
		return;
	}
	if (sa__ckpt_verify(k, o->payload, pk) != 0) {
		problem(v, o->path, o->offset, SA_EBADSIG, from, k->seq);
		return;
	}
	l->key_gone_told = false;
	memcpy(l->pk, pk, SA_PK_LEN);
	l->epoch = k->epoch;
	memcpy(l->next_pk, k->next_pk, SA_PK_LEN);
	l->have_next = true;
	v->res->signatures++;
	v->res->epoch = k->epoch;
}

static void
on_checkpoint(struct vstate *v, const struct sa__obs *o)
{
	struct sa__ckpt k;
	if (sa__ckpt_decode(o->payload, o->len, &k) != 0) {
		problem(v, o->path, o->offset, SA_ECORRUPT, 0, 0);
		return;
	}
	if (v->cur < 0)
		return;
	struct vlog *l = &v->logs[v->cur];
	if (memcmp(k.log_id, l->id, SA_LOG_ID_LEN) != 0) {
		problem(v, o->path, o->offset, SA_EFOREIGN, k.seq, k.seq);
		return;
	}
	uint64_t from = l->c.seq + 1;
	sa__chain_close(&l->c);
	if (l->c.seq != k.seq ||
	    memcmp(l->c.value, k.chain, SA_CHAIN_LEN) != 0) {
		problem(v, o->path, o->offset, SA_ECHAIN, from,
			k.seq > l->c.seq ? k.seq : l->c.seq);
		(void)sa__chain_resume(&l->c, k.seq, k.chain);
		return;
	}
	v->res->checkpoints++;
	bool good = true;
	if (v->o->vk) {
		uint64_t before = v->res->problems;
		check_signature(v, l, &k, o, from);
		good = v->res->problems == before;
	}
	if (good) {
		l->sealed_seq = k.seq;
		l->closed = (k.flags & SA_CKPT_F_FINAL) != 0;
	}
}

static bool
field_is(const struct sa_record *r, enum sa_field f, const char *s)
{
	size_t n = strlen(s);
	return sa_record_has(r, f) && r->str[f].len == n &&
	       memcmp(r->str[f].ptr, s, n) == 0;
}

/* A retention record: does it name the log's missing head? */
static void
on_retention(struct vstate *v, const struct sa_record *r)
{
	if (v->cur < 0)
		return;
	struct vlog *l = &v->logs[v->cur];
	if (!l->head_missing || l->retained_at != 0 ||
	    !sa_record_has(r, SA_F_REMOVED_LAST) ||
	    (uint64_t)r->num[SA_F_REMOVED_LAST] != l->head_seq)
		return;
	char hex[2 * SA_CHAIN_LEN + 1];
	sa__hex(hex, l->head_value, SA_CHAIN_LEN);
	if (!field_is(r, SA_F_REMOVED_CHAIN, hex))
		return;
	l->retained_at = r->seq;
	if (v->o->vk == NULL)
		return;
	(void)sa__bridge_from_record(r, &l->bridge); /* none: target 0 */
	resolve(v, l);
}

static void
observe(const struct sa__obs *o, void *arg)
{
	struct vstate *v = arg;
	if (o->kind == SA_OBS_SEGMENT)
		on_segment(v, o);
	else if (o->type == SA_FRAME_RECORD)
		on_record(v, o);
	else if (o->type == SA_FRAME_CHECKPOINT)
		on_checkpoint(v, o);
}

int
sa_log_verify(const char *const *paths, size_t n,
	      const struct sa_verify_opts *opts, struct sa_verify_result *res)
{
	static const struct sa_verify_opts none;
	memset(res, 0, sizeof *res);
	int rc = sa__sodium_load();
	if (rc < 0)
		return rc;
	struct vstate *v = calloc(1, sizeof *v);
	if (v == NULL)
		return -ENOMEM;
	v->o = opts ? opts : &none;
	v->res = res;
	v->cur = -1;
	struct sa_reader *rd;
	rc = sa_reader_open(&rd, paths, n, reader_damage, v);
	if (rc < 0) {
		free(v);
		return rc;
	}
	sa__reader_observe(rd, observe, v);
	struct sa_record r;
	while ((rc = sa_reader_next(rd, &r)) == 1)
		if (r.event == SA_EV_RETENTION)
			on_retention(v, &r);
	sa_reader_close(rd);
	for (int i = 0; i < v->nlogs; i++) {
		struct vlog *l = &v->logs[i];
		if (l->head_missing &&
		    (l->retained_at == 0 || l->retained_at > l->sealed_seq))
			problem(v, l->head_path ? l->head_path : "log", 0,
				SA_EHEADGONE, 1, l->head_seq);
		else if (l->head_missing && l->head_seq > res->removed_seq)
			res->removed_seq = l->head_seq;
		if (l->deferred)
			problem(v, l->def_path, l->def_off, SA_ENOCKPT,
				l->def_from, l->def_seq);
		free(l->def_payload);
		free(l->def_path);
		free(l->head_path);
		sa__bridge_free(&l->bridge);
		uint64_t last = l->c.open ? l->c.last : l->c.seq;
		if (last > l->sealed_seq)
			res->unsealed += last - l->sealed_seq;
		if (l->sealed_seq > res->sealed_seq)
			res->sealed_seq = l->sealed_seq;
		if (!l->closed)
			res->open_logs++;
	}
	free(v);
	return rc < 0 ? rc : 0;
}
