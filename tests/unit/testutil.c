/*
 * testutil.c - see testutil.h.  The record generator deliberately favours
 * the bytes that break naive encoders: NUL, CR/LF, quotes, commas,
 * backslashes, lone UTF-8 continuation bytes, truncated sequences, and
 * lengths exactly at each field's maximum.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <seaudit/record.h>
#include <seaudit/timefmt.h>

#include <seaudit/log.h>

#include "testutil.h"

void
tu_mkdtemp(char *buf, size_t cap)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, cap, "%s/seaudit-test-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

void
tu_rmtree(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", path);
}

void
tu_rng_seed(struct tu_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t
tu_rng_next(struct tu_rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint64_t
tu_rng_below(struct tu_rng *r, uint64_t n)
{
	return n ? tu_rng_next(r) % n : 0;
}

void
tu_arena_init(struct tu_arena *a, size_t cap)
{
	a->mem = malloc(cap);
	assert(a->mem != NULL);
	a->used = 0;
	a->cap = cap;
}

void
tu_arena_reset(struct tu_arena *a)
{
	a->used = 0;
}

void
tu_arena_free(struct tu_arena *a)
{
	free(a->mem);
	a->mem = NULL;
}

static uint8_t *
arena_take(struct tu_arena *a, size_t n)
{
	assert(a->used + n <= a->cap);
	uint8_t *p = a->mem + a->used;
	a->used += n;
	return p;
}

static const char *const plain_words[] = {
    "root",	 "admabc", "FILE",	   "/tmp/one",	 "/usr/local/bin/tcsh",
    "localhost", "telnet", "computer.org", "Read",	 "49047159:0000034b",
    "ünïcödé",	 "日本語", "a,b",	   "say \"hi\"", "back\\slash",
    "",
};

/* Random bytes of length n, drawn from a hostile alphabet. */
static void
fill_hostile(struct tu_rng *rng, uint8_t *p, size_t n)
{
	static const uint8_t special[] = {0,	'\n', '\r', '"',  ',',	'\\',
					  0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xf0,
					  0xff, '\t', ' ',  0x1b};
	for (size_t i = 0; i < n; i++) {
		uint64_t k = tu_rng_below(rng, 8);
		if (k == 0)
			p[i] = special[tu_rng_below(rng, sizeof special)];
		else if (k == 1)
			p[i] = (uint8_t)tu_rng_next(rng);
		else
			p[i] = (uint8_t)('a' + tu_rng_below(rng, 26));
	}
}

static void
random_str(struct tu_rng *rng, struct tu_arena *a, struct sa_record *r,
	   enum sa_field f)
{
	const struct sa_field_info *fi = sa_field_info(f);
	size_t n;
	uint8_t *p;
	switch (tu_rng_below(rng, 6)) {
	case 0: {
		const char *w = plain_words[tu_rng_below(
		    rng, sizeof plain_words / sizeof plain_words[0])];
		n = strlen(w);
		p = arena_take(a, n + 1);
		memcpy(p, w, n);
		break;
	}
	case 1: /* exactly at the limit */
		n = fi->max_len;
		p = arena_take(a, n + 1);
		fill_hostile(rng, p, n);
		break;
	default:
		n = tu_rng_below(rng, 40);
		p = arena_take(a, n + 1);
		fill_hostile(rng, p, n);
		break;
	}
	int rc = sa_record_set_str(r, f, p, n);
	assert(rc == 0);
	(void)rc;
}

static void
random_num(struct tu_rng *rng, struct sa_record *r, enum sa_field f)
{
	const struct sa_field_info *fi = sa_field_info(f);
	int64_t v;
	switch (tu_rng_below(rng, 4)) {
	case 0:
		v = fi->min;
		break;
	case 1:
		v = fi->max;
		break;
	default: {
		uint64_t span = (uint64_t)fi->max - (uint64_t)fi->min;
		v = (int64_t)((uint64_t)fi->min +
			      (span == UINT64_MAX
				   ? tu_rng_next(rng)
				   : tu_rng_below(rng, span + 1)));
		if (tu_rng_below(rng, 2) && fi->min <= 100 && fi->max >= 100)
			v = (int64_t)tu_rng_below(rng, 100);
	}
	}
	int rc = sa_record_set_int(r, f, v);
	assert(rc == 0);
	(void)rc;
}

void
tu_random_record(struct tu_rng *rng, struct tu_arena *a, struct sa_record *r)
{
	sa_record_init(r);
	r->event = (uint8_t)(1 + tu_rng_below(rng, SA_EV__COUNT - 1));
	const char *st = sa_event_statuses((enum sa_event)r->event);
	r->status = st[tu_rng_below(rng, strlen(st))];
	/* 1970..2100, half of them on whole seconds */
	r->time_us = (int64_t)tu_rng_below(rng, UINT64_C(4102444800000000));
	if (tu_rng_below(rng, 2))
		r->time_us -= r->time_us % 1000000;
	uint64_t req = sa_event_required((enum sa_event)r->event);
	for (int f = 1; f < SA_F__COUNT; f++) {
		bool want = (req & (1ull << f)) || tu_rng_below(rng, 3) == 0;
		if (!want)
			continue;
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		if (fi->kind == SA_KIND_STR)
			random_str(rng, a, r, (enum sa_field)f);
		else if (fi->kind == SA_KIND_INT)
			random_num(rng, r, (enum sa_field)f);
		else
			sa_record_set_bool(r, (enum sa_field)f,
					   tu_rng_below(rng, 2));
	}
}

/*
 * A strict RFC 4180 reader for tests (the product writes CSV but never
 * reads it): rejects every departure from the RFC.
 */

/*
 * Reads one row at s[*pos..len).  Quoted cells are undoubled into dec
 * (>= len bytes); unquoted cells point into s.  Returns the number of
 * cells, or -1 on any departure from RFC 4180.
 */
int
tu_csv_row(const uint8_t *s, size_t len, size_t *pos, struct tu_cell *cells,
	   uint8_t *dec)
{
	size_t i = *pos, d = 0;
	int nc = 0;
	for (;;) {
		if (nc == TU_CSV_MAXCELLS)
			return -1;
		struct tu_cell *c = &cells[nc++];
		if (i < len && s[i] == '"') {
			c->quoted = true;
			c->p = dec + d;
			c->n = 0;
			i++;
			for (;;) {
				if (i >= len)
					return -1; /* unterminated */
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						dec[d++] = '"';
						c->n++;
						i += 2;
						continue;
					}
					i++;
					break;
				}
				dec[d++] = s[i++];
				c->n++;
			}
		} else {
			c->quoted = false;
			c->p = s + i;
			size_t st = i;
			while (i < len && s[i] != ',' && s[i] != '\r' &&
			       s[i] != '\n') {
				if (s[i] == '"')
					return -1; /* quote in a bare cell */
				i++;
			}
			c->n = i - st;
		}
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (len - i >= 2 && s[i] == '\r' && s[i + 1] == '\n') {
			*pos = i + 2;
			return nc;
		}
		return -1; /* junk after a cell, bare CR/LF, or no CRLF */
	}
}

bool
tu_cell_is(const struct tu_cell *c, const char *s)
{
	return c->n == strlen(s) && memcmp(c->p, s, c->n) == 0;
}

/* An integer cell: optional '-', digits only, in int64 range. */
bool
tu_cell_int(const struct tu_cell *c, int64_t *v)
{
	char tmp[32];
	if (c->quoted || c->n == 0 || c->n >= sizeof tmp)
		return false;
	memcpy(tmp, c->p, c->n);
	tmp[c->n] = '\0';
	for (size_t i = (tmp[0] == '-'); i < c->n; i++)
		if (tmp[i] < '0' || tmp[i] > '9')
			return false;
	char *end;
	*v = strtoll(tmp, &end, 10);
	return *end == '\0';
}

/* Column names of the header, in order, as field ids (-1 = fixed). */
void
tu_csv_check_header(const struct tu_cell *cells, int n)
{
	static const char *const fixed[] = {"time", "event", "status"};
	assert_int_equal(n, TU_CSV_NCOLS);
	for (int i = 0; i < n; i++) {
		assert_false(cells[i].quoted);
		char name[32];
		assert_true(cells[i].n < sizeof name);
		memcpy(name, cells[i].p, cells[i].n);
		name[cells[i].n] = '\0';
		if (i < 3) {
			assert_string_equal(name, fixed[i]);
		} else if (strcmp(name, "seq") == 0) {
			assert_int_equal(i, 27); /* after origin, as in JSON */
		} else {
			enum sa_field f = sa_field_by_name(name, strlen(name));
			assert_int_not_equal(f, SA_F_NONE);
		}
	}
}

/* A row back into a record; column meaning comes from the header. */
void
tu_csv_row_to_record(const struct tu_cell *hdr, const struct tu_cell *cells,
		     int n, struct sa_record *r)
{
	assert_int_equal(n, TU_CSV_NCOLS);
	sa_record_init(r);
	assert_int_equal(sa_time_parse_rfc3339((const char *)cells[0].p,
					       cells[0].n, &r->time_us),
			 0);
	r->event =
	    (uint8_t)sa_event_by_json((const char *)cells[1].p, cells[1].n);
	assert_int_not_equal(r->event, SA_EV_NONE);
	assert_int_equal(cells[2].n, 1);
	r->status = (char)cells[2].p[0];
	for (int i = 3; i < n; i++) {
		const struct tu_cell *c = &cells[i];
		if (tu_cell_is(&hdr[i], "seq")) {
			int64_t v = 0;
			if (c->n > 0) {
				assert_true(tu_cell_int(c, &v));
				assert_true(v > 0);
			} else {
				assert_false(c->quoted);
			}
			r->seq = (uint64_t)v;
			continue;
		}
		enum sa_field f =
		    sa_field_by_name((const char *)hdr[i].p, hdr[i].n);
		const struct sa_field_info *fi = sa_field_info(f);
		if (fi->kind == SA_KIND_STR) {
			/* "" is present and empty; nothing is absent. */
			if (c->quoted || c->n > 0)
				assert_int_equal(
				    sa_record_set_str(r, f, c->p, c->n), 0);
			continue;
		}
		if (c->n == 0) {
			assert_false(c->quoted);
			continue;
		}
		if (fi->kind == SA_KIND_BOOL) {
			assert_false(c->quoted);
			assert_true(tu_cell_is(c, "true") ||
				    tu_cell_is(c, "false"));
			sa_record_set_bool(r, f, tu_cell_is(c, "true"));
		} else {
			int64_t v = 0;
			assert_true(tu_cell_int(c, &v));
			assert_int_equal(sa_record_set_int(r, f, v), 0);
		}
	}
}

int
tu_append_startups(struct sa_writer *w, int n, int64_t *t, const char *service)
{
	for (int i = 0; i < n; i++) {
		struct sa_record r;
		sa_record_init(&r);
		r.event = SA_EV_STARTUP;
		r.status = 'M';
		r.time_us = (*t)++;
		int rc = sa_record_set_cstr(&r, SA_F_SERVICE, service);
		if (rc == 0)
			rc = sa_writer_append(w, &r);
		if (rc < 0)
			return rc;
	}
	return sa_writer_commit(w);
}
