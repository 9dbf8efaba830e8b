/*
 * seaudit-verify-detects-every-tampering: a log written by the real
 * seauditd with a sealing key (many small segments, half of the sealed
 * ones compressed, a crash and two restarts in the middle, the oldest
 * segments removed by retention, which records it) verifies clean; then, over
 * SA_TAMPER_TRIALS trials (default 1200, seed SA_TAMPER_SEED), a copy of it
 * gets one tampering at a random place and sa_log_verify, given the
 * verification key, must find it where it is:
 *
 *   flip        one bit of any byte of any segment file
 *   field       a record's field changed, its CRC recomputed
 *   delete      a record removed, the rest of its segment renumbered
 *   swap        two records exchanged, their numbers kept in order
 *   insert      a record added, the rest of its segment renumbered
 *   truncate    the active segment cut before its last checkpoint
 *   seg-delete  a whole sealed segment removed (the oldest one left
 *               too: a cut that no retention record names)
 *   seg-replace a sealed segment's file given another's contents
 *   seg-reorder two neighbouring segments' contents exchanged
 *   splice      a segment of another log of the same host put in
 *   replay      a segment put back as it was earlier in the log's life
 *   resign      with the key state copied from the host at the end, a
 *               record rewritten and its checkpoint re-hashed and signed
 *
 * "Found where it is": for a record change, a problem in its segment whose
 * sequence range holds the record (or a CRC/framing report in its file);
 * for a segment change, a problem naming the segment or the next one; for
 * a cut, a log no longer reported intact and closed.  One trial in ten
 * changes nothing and must verify clean: no false alarm.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "chain.h"
#include "checkpoint.h"
#include "harness.h"
#include "sealfile.h"
#include "segment.h"

#define ORIGIN "tamper.example"

static uint64_t rng_state;

static uint64_t
rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? rng_state % n : 0;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	uint8_t *b = malloc((size_t)n + 1);
	CHECK(b != NULL);
	CHECK(fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void
spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(p, 1, n, f) == n);
	CHECK(fclose(f) == 0);
}

/* A flat copy of a directory's regular files. */
static void
copy_dir(const char *src, const char *dst)
{
	mkdir(dst, 0700);
	DIR *d = opendir(src);
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char a[1024], b[1024];
		snprintf(a, sizeof a, "%s/%s", src, e->d_name);
		snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
		struct stat st;
		if (stat(a, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		size_t n;
		uint8_t *p = slurp(a, &n);
		spit(b, p, n);
		free(p);
	}
	closedir(d);
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char a[1024];
		snprintf(a, sizeof a, "%s/%s", dir, e->d_name);
		unlink(a);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- the log's segments ---- */

struct seg {
	char path[1024];
	uint64_t first;
	bool zst;
};
struct segs {
	struct seg v[256];
	int n;
};

static int
seg_cb(const char *path, uint64_t first, bool zst, void *arg)
{
	struct segs *s = arg;
	CHECK(s->n < 256);
	snprintf(s->v[s->n].path, sizeof s->v[s->n].path, "%s", path);
	s->v[s->n].first = first;
	s->v[s->n].zst = zst;
	s->n++;
	return 0;
}

static void
list_segs(const char *dir, struct segs *s)
{
	s->n = 0;
	CHECK(sa_log_segments(dir, seg_cb, s) == 0);
}

/* A plain segment parsed into its frames. */
struct pframe {
	uint8_t type;
	uint8_t *payload; /* owned */
	size_t len;
	size_t off; /* in the original file */
};
struct pseg {
	uint8_t *bytes;
	size_t size, hlen;
	struct sa_seg_header h;
	struct pframe f[4096];
	int n;
};

static void
pseg_read(const char *path, struct pseg *p)
{
	p->bytes = slurp(path, &p->size);
	CHECK(sa__seg_header_decode(p->bytes, p->size, &p->h) == 0);
	p->hlen = p->h.length;
	p->n = 0;
	size_t pos = p->hlen;
	while (pos < p->size) {
		struct sa_frame fr;
		CHECK(sa__frame_parse(p->bytes + pos, p->size - pos, &fr) ==
		      SA_FRAME_OK);
		CHECK(p->n < 4096);
		struct pframe *x = &p->f[p->n++];
		x->type = fr.type;
		x->len = fr.payload_len;
		x->payload = malloc(fr.payload_len + 1);
		memcpy(x->payload, fr.payload, fr.payload_len);
		x->off = pos;
		pos += fr.total_len;
	}
}

static void
pseg_write(const char *path, struct pseg *p)
{
	uint8_t *out = malloc(p->size * 2 + 70000);
	memcpy(out, p->bytes, p->hlen);
	size_t o = p->hlen;
	for (int i = 0; i < p->n; i++) {
		o += sa__frame_header(out + o, p->f[i].type, p->f[i].payload,
				      p->f[i].len);
		memcpy(out + o, p->f[i].payload, p->f[i].len);
		o += p->f[i].len;
	}
	spit(path, out, o);
	free(out);
}

static void
pseg_free(struct pseg *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->f[i].payload);
	free(p->bytes);
}

static uint64_t
rec_seq(const struct pseg *p, int i)
{
	struct sa_record r;
	CHECK(sa_record_decode(p->f[i].payload, p->f[i].len, p->h.first_seq,
			       p->h.base_time_us, &r) == 0);
	return r.seq;
}

/* Re-encodes record frame i with seq changed by delta (and, with tag,
 * its session field changed). */
static void
rec_rewrite(struct pseg *p, int i, int64_t delta, const char *tag)
{
	struct sa_record r;
	CHECK(sa_record_decode(p->f[i].payload, p->f[i].len, p->h.first_seq,
			       p->h.base_time_us, &r) == 0);
	r.seq = (uint64_t)((int64_t)r.seq + delta);
	if (tag)
		sa_record_set_cstr(&r, SA_F_SESSION, tag);
	uint8_t buf[SA_MAX_RECORD];
	size_t n;
	CHECK(sa_record_encode(&r, p->h.first_seq, p->h.base_time_us, buf,
			       sizeof buf, &n) == 0);
	free(p->f[i].payload);
	p->f[i].payload = malloc(n);
	memcpy(p->f[i].payload, buf, n);
	p->f[i].len = n;
}

/* Record frames of a parsed segment: their indexes. */
static int
records_of(const struct pseg *p, int *idx)
{
	int k = 0;
	for (int i = 0; i < p->n; i++)
		if (p->f[i].type == SA_FRAME_RECORD)
			idx[k++] = i;
	return k;
}

/* ---- verification ---- */

struct found {
	struct {
		char file[1024];
		int code;
		uint64_t off, first, last;
	} v[64];
	int n;
};

static void
collect(const struct sa_damage *d, void *arg)
{
	struct found *f = arg;
	if (f->n == 64)
		return;
	snprintf(f->v[f->n].file, sizeof f->v[f->n].file, "%s", d->file);
	f->v[f->n].code = d->error;
	f->v[f->n].off = d->offset;
	f->v[f->n].first = d->seq_first;
	f->v[f->n].last = d->seq_last;
	f->n++;
}

static const uint8_t *vk_g;

static void
verify(const char *dir, struct sa_verify_result *res, struct found *f)
{
	memset(f, 0, sizeof *f);
	const char *paths[1] = {dir};
	struct sa_verify_opts o = {.vk = vk_g, .cb = collect, .arg = f};
	int rc = sa_log_verify(paths, 1, &o, res);
	CHECK(rc == 0 || rc == SA_ENOLOG);
}

static bool
intact(const struct sa_verify_result *r)
{
	return r->problems == 0 && r->unsealed == 0 && r->open_logs == 0 &&
	       r->unchained == 0;
}

/* The same segment file, plain or compressed, in another directory. */
static bool
same_seg(const char *a, const char *b)
{
	const char *x = strrchr(a, '/'), *y = strrchr(b, '/');
	x = x ? x + 1 : a;
	y = y ? y + 1 : b;
	return strncmp(x, y, 20) == 0; /* "<16 hex>.seg" */
}

static bool
found_record(const struct found *f, const char *file, uint64_t seq)
{
	for (int i = 0; i < f->n; i++) {
		if (!same_seg(f->v[i].file, file))
			continue;
		if (f->v[i].code == SA_ECHAIN || f->v[i].code == SA_EBADSIG ||
		    f->v[i].code == SA_ENOCKPT) {
			if (f->v[i].first <= seq && seq <= f->v[i].last)
				return true;
		} else {
			return true; /* framing, CRC, header: in its file */
		}
	}
	return false;
}

static bool
found_in(const struct found *f, const char *file, const char *next)
{
	for (int i = 0; i < f->n; i++)
		if (same_seg(f->v[i].file, file) ||
		    (next && same_seg(f->v[i].file, next)))
			return true;
	return false;
}

/* ---- building the logs ---- */

static void
submit(struct hd *h, int n, const char *tag)
{
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h->sock, 5000) == 0);
	struct sa_record recs[20];
	char term[20][32];
	for (int i = 0; i < n; i += 20) {
		int k = n - i < 20 ? n - i : 20;
		for (int j = 0; j < k; j++) {
			hd_record(&recs[j], tag,
				  j % 7 == 0 ? SA_EV_LOGIN : SA_EV_RESOURCE);
			/* No two records alike: a swap must change the log
			 * (the record keeps a pointer: one buffer each). */
			snprintf(term[j], sizeof term[j], "pts/%d", i + j);
			sa_record_set_cstr(&recs[j], SA_F_TERMINAL, term[j]);
		}
		CHECK(sa_client_submit(c, recs, (size_t)k, 10000, NULL, NULL) ==
		      0);
		if (i % 200 == 0)
			usleep(20000); /* time-based checkpoints in between */
	}
	sa_client_close(c);
}

static void
build_log(struct hd *h, const char *key, char *mid_snapshot)
{
	char extra[1024];
	snprintf(extra, sizeof extra,
		 "[logmgr]\naudit_size = 50\naudit_max_files = 9\n"
		 "[seauditd]\norigin = " ORIGIN
		 "\ncompress = no\nseal_key = %s\ncheckpoint_records = 40\n"
		 "checkpoint_interval_ms = 50\n",
		 key);
	hd_init(h, extra);
	hd_start(h, NULL);
	submit(h, 2000, "one");
	hd_kill(h); /* a crash: the chain resumes after it */
	hd_start(h, NULL);
	submit(h, 1500, "two");
	if (mid_snapshot) {
		snprintf(mid_snapshot, 512, "%s/mid", h->dir);
		copy_dir(h->log, mid_snapshot);
	}
	CHECK(hd_stop(h) == 0);
	hd_start(h, NULL);
	submit(h, 1800, "three");
	CHECK(hd_stop(h) == 0);
}

/* Attacker: re-hashes the epoch holding record frame ri of segment p
 * and re-signs its checkpoint with key k.  False when no checkpoint
 * follows the record in the segment. */
static bool
resign(struct pseg *p, int ri, struct sa__sealkey *k)
{
	int ck = -1, prev = -1;
	for (int i = 0; i < p->n; i++)
		if (p->f[i].type == SA_FRAME_CHECKPOINT) {
			if (i < ri)
				prev = i;
			else if (ck < 0)
				ck = i;
		}
	if (ck < 0)
		return false;
	struct sa__chain c;
	if (prev >= 0) {
		struct sa__ckpt pk;
		CHECK(sa__ckpt_decode(p->f[prev].payload, p->f[prev].len,
				      &pk) == 0);
		CHECK(sa__chain_resume(&c, pk.seq, pk.chain) == 0);
	} else {
		CHECK(sa__chain_resume(&c, p->h.link_seq, p->h.link_value) ==
		      0);
	}
	for (int i = prev + 1; i < ck; i++) {
		if (p->f[i].type != SA_FRAME_RECORD)
			continue;
		uint64_t s;
		CHECK(sa__chain_add_body(&c, p->f[i].payload, p->f[i].len,
					 p->h.first_seq, p->h.base_time_us,
					 p->h.origin, p->h.origin_len,
					 &s) == 0);
	}
	sa__chain_close(&c);
	struct sa__ckpt old;
	CHECK(sa__ckpt_decode(p->f[ck].payload, p->f[ck].len, &old) == 0);
	memcpy(old.chain, c.value, SA_CHAIN_LEN);
	uint8_t buf[SA_CKPT_MAX];
	int n = sa__ckpt_encode(&old, k, buf);
	CHECK(n > 0);
	free(p->f[ck].payload);
	p->f[ck].payload = malloc((size_t)n);
	memcpy(p->f[ck].payload, buf, (size_t)n);
	p->f[ck].len = (size_t)n;
	return true;
}

enum kind {
	K_NONE,
	K_FLIP,
	K_FIELD,
	K_DELETE,
	K_SWAP,
	K_INSERT,
	K_TRUNCATE,
	K_SEG_DELETE,
	K_SEG_REPLACE,
	K_SEG_REORDER,
	K_SPLICE,
	K_REPLAY,
	K_RESIGN,
	K__N
};
static const char *const kname[K__N] = {
    "none",   "flip",	  "field",	"delete",      "swap",
    "insert", "truncate", "seg-delete", "seg-replace", "seg-reorder",
    "splice", "replay",	  "resign"};

int
main(void)
{
	const char *ts = getenv("SA_TAMPER_SEED");
	uint64_t seed = ts ? strtoull(ts, NULL, 10) : 20261204;
	rng_state = seed ? seed : 1;
	const char *tn = getenv("SA_TAMPER_TRIALS");
	int trials = tn ? atoi(tn) : 1200;

	char base_dir[] = "/tmp/sa-tamper-XXXXXX";
	CHECK(mkdtemp(base_dir) != NULL);
	char key[600], key2[600], stolen[600];
	snprintf(key, sizeof key, "%s/seal.key", base_dir);
	snprintf(key2, sizeof key2, "%s/other.key", base_dir);
	uint8_t vk[SA_SEAL_KEY_LEN], vk2[SA_SEAL_KEY_LEN];
	CHECK(sa_seal_keygen(key, vk) == 0);
	CHECK(sa_seal_keygen(key2, vk2) == 0);
	vk_g = vk;

	struct hd h, o;
	char mid[512];
	build_log(&h, key, mid);
	build_log(&o, key2, NULL); /* another log of the same host name */
	/* The key as an intruder finds it on the host afterwards. */
	struct sa__sealkey sk;
	uint8_t first_pk[SA_PK_LEN];
	snprintf(stolen, sizeof stolen, "%s", key);
	CHECK(sa__sealfile_load(stolen, &sk, first_pk) == 0);
	CHECK(sk.epoch > 5);

	/* Half of the sealed segments compressed, as the daemon would. */
	struct segs s;
	list_segs(h.log, &s);
	CHECK(s.n >= 6);
	for (int i = 0; i + 1 < s.n; i += 2)
		CHECK(sa_segment_compress(s.v[i].path, 3) == 0);
	list_segs(h.log, &s);
	struct segs os;
	list_segs(o.log, &os);

	struct sa_verify_result res;
	struct found f;
	verify(h.log, &res, &f);
	if (!intact(&res))
		die("the untouched log does not verify: %llu problems, %llu "
		    "unsealed, %llu open (first: %s %s)",
		    (unsigned long long)res.problems,
		    (unsigned long long)res.unsealed,
		    (unsigned long long)res.open_logs, f.n ? f.v[0].file : "-",
		    f.n ? sa_strerror(f.v[0].code) : "-");
	CHECK(res.signatures > 10 && res.checkpoints == res.signatures);
	/* Retention removed the oldest segments, recorded: the key walk
	 * starts from the retention record's bridge. */
	CHECK(res.removed_seq > 0);
	printf("base log: %llu records, %d segments, %llu checkpoints "
	       "signed through epoch %llu, records 1 to %llu removed by"
	       " retention\n",
	       (unsigned long long)res.records, s.n,
	       (unsigned long long)res.checkpoints,
	       (unsigned long long)res.epoch,
	       (unsigned long long)res.removed_seq);

	int plain[256], np = 0;
	for (int i = 0; i < s.n; i++)
		if (!s.v[i].zst)
			plain[np++] = i;
	CHECK(np >= 3);

	int done[K__N] = {0}, missed = 0;
	char work[600];
	snprintf(work, sizeof work, "%s/work", base_dir);
	for (int t = 0; t < trials; t++) {
		rm_dir(work);
		copy_dir(h.log, work);
		struct segs w;
		list_segs(work, &w);
		enum kind k =
		    t % 10 == 0 ? K_NONE : (enum kind)(1 + rnd(K__N - 1));
		bool ok = false;
		char what[4096] = "";
		switch (k) {
		case K_NONE:
			break;
		case K_FLIP: {
			int i = (int)rnd((uint64_t)w.n);
			size_t n;
			uint8_t *b = slurp(w.v[i].path, &n);
			size_t at = rnd(n);
			b[at] ^= (uint8_t)(1u << rnd(8));
			spit(w.v[i].path, b, n);
			free(b);
			snprintf(what, sizeof what, "%s byte %zu", w.v[i].path,
				 at);
			verify(work, &res, &f);
			ok = found_in(&f, w.v[i].path, NULL);
			break;
		}
		case K_FIELD:
		case K_DELETE:
		case K_SWAP:
		case K_INSERT:
		case K_RESIGN: {
			int si = plain[rnd((uint64_t)np)];
			struct pseg *p = calloc(1, sizeof *p);
			pseg_read(w.v[si].path, p);
			int idx[4096];
			int nr = records_of(p, idx);
			CHECK(nr >= 3);
			int r = (int)rnd((uint64_t)nr - 1);
			uint64_t target = rec_seq(p, idx[r]);
			if (k == K_FIELD || k == K_RESIGN) {
				rec_rewrite(p, idx[r], 0, "forged");
				if (k == K_RESIGN && !resign(p, idx[r], &sk)) {
					/* no checkpoint after it here: a
					 * field change then */
				}
			} else if (k == K_DELETE) {
				free(p->f[idx[r]].payload);
				memmove(&p->f[idx[r]], &p->f[idx[r] + 1],
					(size_t)(p->n - idx[r] - 1) *
					    sizeof p->f[0]);
				p->n--;
				for (int j = idx[r]; j < p->n; j++)
					if (p->f[j].type == SA_FRAME_RECORD)
						rec_rewrite(p, j, -1, NULL);
			} else if (k == K_SWAP) {
				int a = idx[r], b = idx[r + 1];
				struct pframe x = p->f[a];
				p->f[a] = p->f[b];
				p->f[b] = x;
				/* numbers kept in order */
				rec_rewrite(p, a, -1, NULL);
				rec_rewrite(p, b, +1, NULL);
			} else {
				CHECK(p->n < 4095);
				int a = idx[r];
				memmove(&p->f[a + 2], &p->f[a + 1],
					(size_t)(p->n - a - 1) *
					    sizeof p->f[0]);
				p->n++;
				p->f[a + 1] = p->f[a];
				p->f[a + 1].payload = malloc(p->f[a].len);
				memcpy(p->f[a + 1].payload, p->f[a].payload,
				       p->f[a].len);
				for (int j = a + 1; j < p->n; j++)
					if (p->f[j].type == SA_FRAME_RECORD)
						rec_rewrite(p, j, +1, NULL);
				target++;
			}
			pseg_write(w.v[si].path, p);
			pseg_free(p);
			free(p);
			snprintf(what, sizeof what, "%s record %llu",
				 w.v[si].path, (unsigned long long)target);
			verify(work, &res, &f);
			ok = found_record(&f, w.v[si].path, target);
			break;
		}
		case K_TRUNCATE: {
			int si = w.n - 1;
			CHECK(!w.v[si].zst);
			struct pseg *p = calloc(1, sizeof *p);
			pseg_read(w.v[si].path, p);
			size_t last_c = 0;
			for (int i = 0; i < p->n; i++)
				if (p->f[i].type == SA_FRAME_CHECKPOINT)
					last_c = p->f[i].off;
			CHECK(last_c > p->hlen);
			size_t cut = p->hlen + rnd(last_c + 1 - p->hlen);
			CHECK(truncate(w.v[si].path, (off_t)cut) == 0);
			pseg_free(p);
			free(p);
			snprintf(what, sizeof what, "%s cut at %zu",
				 w.v[si].path, cut);
			verify(work, &res, &f);
			ok = !intact(&res);
			break;
		}
		case K_SEG_DELETE: {
			int i = (int)rnd((uint64_t)w.n - 1);
			CHECK(unlink(w.v[i].path) == 0);
			snprintf(what, sizeof what, "%s removed", w.v[i].path);
			verify(work, &res, &f);
			ok = found_in(&f, w.v[i].path, w.v[i + 1].path);
			break;
		}
		case K_SEG_REPLACE:
		case K_SEG_REORDER: {
			int i = (int)rnd((uint64_t)w.n - 1);
			int j =
			    k == K_SEG_REORDER
				? i + 1
				: (i + 1 + (int)rnd((uint64_t)w.n - 1)) % w.n;
			size_t na, nb;
			uint8_t *a = slurp(w.v[i].path, &na);
			uint8_t *b = slurp(w.v[j].path, &nb);
			/* The contents move; the names (and so the kind,
			 * plain or compressed, by content) stay. */
			spit(w.v[i].path, b, nb);
			if (k == K_SEG_REORDER)
				spit(w.v[j].path, a, na);
			free(a);
			free(b);
			snprintf(what, sizeof what, "%s and %s", w.v[i].path,
				 w.v[j].path);
			verify(work, &res, &f);
			ok = found_in(&f, w.v[i].path, w.v[j].path);
			break;
		}
		case K_SPLICE: {
			/* Another log's segment in place of one of ours
			 * with the same numbers, or the nearest. */
			int i = 1 + (int)rnd((uint64_t)w.n - 2);
			int best = 0;
			for (int j = 0; j < os.n; j++)
				if (os.v[j].first <= w.v[i].first)
					best = j;
			size_t n;
			uint8_t *b = slurp(os.v[best].path, &n);
			CHECK(unlink(w.v[i].path) == 0);
			char dst[1200];
			const char *base = strrchr(os.v[best].path, '/') + 1;
			snprintf(dst, sizeof dst, "%s/%s", work, base);
			spit(dst, b, n);
			free(b);
			snprintf(what, sizeof what, "%s for %s", dst,
				 w.v[i].path);
			verify(work, &res, &f);
			ok = found_in(&f, w.v[i].path, w.v[i + 1].path) ||
			     found_in(&f, dst, NULL);
			break;
		}
		case K_REPLAY: {
			/* The newest segment of the mid-life snapshot, as it
			 * was then, in place of what it became. */
			struct segs m;
			list_segs(mid, &m);
			int i = m.n - 1;
			size_t n;
			uint8_t *b = slurp(m.v[i].path, &n);
			const char *base = strrchr(m.v[i].path, '/') + 1;
			char dst[1200];
			snprintf(dst, sizeof dst, "%s/%s", work, base);
			for (int j = 0; j < w.n; j++)
				if (same_seg(w.v[j].path, dst))
					unlink(w.v[j].path);
			spit(dst, b, n);
			free(b);
			snprintf(what, sizeof what, "%s replayed", dst);
			verify(work, &res, &f);
			ok = found_in(&f, dst, NULL) || !intact(&res);
			/* the next segment must not link to it either */
			break;
		}
		default:
			break;
		}
		if (k == K_NONE) {
			verify(work, &res, &f);
			if (!intact(&res))
				die("trial %d: an untouched copy does not "
				    "verify (%llu problems)",
				    t, (unsigned long long)res.problems);
			ok = true;
		}
		done[k]++;
		if (!ok) {
			missed++;
			fprintf(stderr,
				"FAIL: trial %d (%s, %s): not found where it"
				" is (%llu problems, %llu unsealed, %llu"
				" open)\n",
				t, kname[k], what,
				(unsigned long long)res.problems,
				(unsigned long long)res.unsealed,
				(unsigned long long)res.open_logs);
			for (int i = 0; i < f.n && i < 5; i++)
				fprintf(stderr, "  %s off %llu %s %llu..%llu\n",
					f.v[i].file,
					(unsigned long long)f.v[i].off,
					sa_errname(f.v[i].code),
					(unsigned long long)f.v[i].first,
					(unsigned long long)f.v[i].last);
		}
	}
	sa__sealkey_wipe(&sk);
	printf("%d trials (seed %llu):", trials, (unsigned long long)seed);
	for (int k = 0; k < K__N; k++)
		printf(" %s %d", kname[k], done[k]);
	printf("; missed %d\n", missed);
	rm_dir(work);
	rm_dir(mid);
	hd_cleanup(&h);
	hd_cleanup(&o);
	unlink(key);
	unlink(key2);
	rmdir(base_dir);
	return missed ? 1 : 0;
}
