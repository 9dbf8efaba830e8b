/*
 * testutil.h - helpers shared by the unit and fault tests: temporary
 * directories, a seedable PRNG, and a generator of random valid records
 * with hostile strings (invalid UTF-8, controls, quotes, commas, NULs,
 * values at the length limits).
 *
 * Ownership: tu_random_record fills strings from a caller-owned arena
 * (struct tu_arena); the record is valid until the arena is reset.
 */
#ifndef SEAUDIT_TESTUTIL_H
#define SEAUDIT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/record.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); path in buf. */
void tu_mkdtemp(char *buf, size_t cap);
/* Removes a directory tree (rm -rf); ignores errors. */
void tu_rmtree(const char *path);

/* xorshift64* PRNG: deterministic per seed. */
struct tu_rng {
	uint64_t s;
};
void tu_rng_seed(struct tu_rng *r, uint64_t seed);
uint64_t tu_rng_next(struct tu_rng *r);
uint64_t tu_rng_below(struct tu_rng *r, uint64_t n); /* [0, n) */

struct tu_arena {
	uint8_t *mem;
	size_t used, cap;
};
void tu_arena_init(struct tu_arena *a, size_t cap);
void tu_arena_reset(struct tu_arena *a);
void tu_arena_free(struct tu_arena *a);

/*
 * A random record that passes sa_record_validate: random event, allowed
 * status, required fields plus a random subset of the others, time with or
 * without microseconds.  seq is left 0.
 */
void tu_random_record(struct tu_rng *rng, struct tu_arena *a,
		      struct sa_record *r);

/*
 * Appends n daemon start records (service `service`, times *t, *t + 1, ...,
 * advancing *t) and commits them: 0, or the first error.
 */
struct sa_writer;
int tu_append_startups(struct sa_writer *w, int n, int64_t *t,
		       const char *service);

/* Strict RFC 4180 reading of the product's CSV (tests only). */
#define TU_CSV_NCOLS 38
#define TU_CSV_MAXCELLS 64
struct tu_cell {
	const uint8_t *p; /* decoded bytes (quotes undoubled) */
	size_t n;
	bool quoted;
};

/* One row at s[*pos..len): cell count, or -1 on any RFC departure. */
int tu_csv_row(const uint8_t *s, size_t len, size_t *pos, struct tu_cell *cells,
	       uint8_t *dec);
bool tu_cell_is(const struct tu_cell *c, const char *s);
bool tu_cell_int(const struct tu_cell *c, int64_t *v);
/* Asserts the header row names the contract's fields. */
void tu_csv_check_header(const struct tu_cell *cells, int n);
/* A row back into a record (strings point into the row's buffers). */
void tu_csv_row_to_record(const struct tu_cell *hdr,
			  const struct tu_cell *cells, int n,
			  struct sa_record *r);

#endif
