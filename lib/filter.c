/*
 * filter.c - record selection (include/seaudit/filter.h): wildcard masks,
 * comma-separated mask lists, event sets, status letters, time windows and
 * field-presence exclusions.
 *
 * The viewer calls sa_filter_match() once per record of the log, millions
 * of times a second, so a filter is "compiled" when conditions are added:
 * each mask is classified (any, literal, glob) and the per-record test
 * runs the cheapest checks first (event bit, status bit, time, presence
 * bits) before any byte is compared.
 *
 * Invariants: every condition owns one heap copy of its list text, and its
 * masks point into that copy; a mask is never empty; the event set never
 * holds SA_EV_NONE's bit unless the caller put it there.  Nothing here
 * prints or exits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/filter.h>

enum mask_kind {
	MASK_ANY,     /* "*" (or only stars): any value, presence suffices */
	MASK_LITERAL, /* no wildcard: length then memcmp */
	MASK_GLOB     /* general case: sa_mask_match */
};

struct mask {
	const char *p; /* into the owning condition's text */
	size_t len;
	enum mask_kind kind;
};

struct cond {
	enum sa_field field;
	char *text; /* owned copy of the list; masks point into it */
	struct mask *masks;
	size_t n;
	bool any; /* some mask is MASK_ANY: presence is enough */
};

struct sa_filter {
	uint32_t events;	 /* allowed event bits */
	uint32_t statuses;	 /* allowed letters, bit (letter - 'A') */
	bool status_set;	 /* statuses restricts (else any status) */
	int64_t since_us;	 /* inclusive */
	int64_t until_us;	 /* exclusive */
	uint64_t without_fields; /* fields with an exclusion */
	uint32_t without_events[SA_F__COUNT]; /* per field: excluded events */
	struct cond *conds;
	size_t ncond;
};

bool
sa_mask_match(const char *mask, size_t mlen, const uint8_t *s, size_t slen)
{
	/*
	 * Classic single-backtrack glob: on a mismatch return to just after
	 * the last '*' and let it swallow one more byte.  An earlier star
	 * never needs revisiting, because the later star can absorb anything
	 * the earlier one could, so the cost is bounded by mlen * slen.
	 */
	size_t i = 0, j = 0;
	size_t star = SIZE_MAX, mark = 0;

	while (j < slen) {
		if (i < mlen && mask[i] == '*') {
			star = i++;
			mark = j;
		} else if (i < mlen &&
			   (mask[i] == '?' || (uint8_t)mask[i] == s[j])) {
			i++;
			j++;
		} else if (star != SIZE_MAX) {
			i = star + 1;
			j = ++mark;
		} else {
			return false;
		}
	}
	while (i < mlen && mask[i] == '*')
		i++;
	return i == mlen;
}

int
sa_filter_new(struct sa_filter **out)
{
	struct sa_filter *f = calloc(1, sizeof *f);

	*out = NULL;
	if (f == NULL)
		return -ENOMEM;
	f->events = SA_EVBITS_ALL;
	f->since_us = INT64_MIN;
	f->until_us = INT64_MAX;
	*out = f;
	return 0;
}

void
sa_filter_free(struct sa_filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->ncond; i++) {
		free(f->conds[i].text);
		free(f->conds[i].masks);
	}
	free(f->conds);
	free(f);
}

void
sa_filter_events(struct sa_filter *f, uint32_t event_bits)
{
	f->events &= event_bits;
}

/*
 * One comma-separated item of a -status list: a status word ("Denied",
 * "login disabled"; any case) or a run of status letters ("DW", "dw").
 * The word is tried first, since every letter of "Denied" is also a status
 * letter and a user who types the word means the word.  Returns the bits,
 * or 0 when the item is neither.
 */
static uint32_t
status_item_bits(const char *p, size_t n)
{
	uint32_t bits = 0;

	for (int c = 'A'; c <= 'Z'; c++) {
		const char *w = sa_status_word((char)c);
		if (w != NULL && strlen(w) == n && strncasecmp(w, p, n) == 0)
			return 1u << (c - 'A');
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ')
			continue;
		int c = toupper((unsigned char)p[i]);
		if (c < 'A' || c > 'Z' || sa_status_word((char)c) == NULL)
			return 0;
		bits |= 1u << (c - 'A');
	}
	return bits;
}

int
sa_filter_statuses(struct sa_filter *f, const char *letters)
{
	uint32_t bits = 0;
	const char *p = letters;

	for (;;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, ",");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0) {
			uint32_t b = status_item_bits(p, n);
			if (b == 0)
				return SA_EBADMASK;
			bits |= b;
		}
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	if (bits == 0)
		return SA_EBADMASK;
	f->statuses = f->status_set ? (f->statuses & bits) : bits;
	f->status_set = true;
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Classifies one mask so that matching can skip the glob loop. */
static enum mask_kind
mask_classify(const char *p, size_t len)
{
	bool wild = false, nonstar = false;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '*')
			wild = true;
		else if (p[i] == '?')
			wild = nonstar = true;
		else
			nonstar = true;
	}
	if (!nonstar)
		return MASK_ANY;
	return wild ? MASK_GLOB : MASK_LITERAL;
}

/*
 * Splits `text` (owned by the condition) at commas, trimming blanks, into
 * c->masks.  Returns SA_EBADMASK for an empty element.
 */
static int
cond_compile(struct cond *c)
{
	size_t n = 1;

	for (const char *p = c->text; *p != '\0'; p++)
		n += *p == ',';
	c->masks = calloc(n, sizeof *c->masks);
	if (c->masks == NULL)
		return -ENOMEM;

	const char *p = c->text;
	for (;;) {
		const char *end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		const char *b = p, *e = end;
		while (b < e && is_blank(*b))
			b++;
		while (e > b && is_blank(e[-1]))
			e--;
		if (b == e)
			return SA_EBADMASK;
		struct mask *m = &c->masks[c->n++];
		m->p = b;
		m->len = (size_t)(e - b);
		m->kind = mask_classify(b, m->len);
		if (m->kind == MASK_ANY)
			c->any = true;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return 0;
}

int
sa_filter_field(struct sa_filter *f, enum sa_field field, const char *mask_list)
{
	const struct sa_field_info *fi = sa_field_info(field);

	if (fi == NULL || fi->kind != SA_KIND_STR)
		return SA_ETYPE;
	if (mask_list == NULL)
		return SA_EBADMASK;

	struct cond c = {.field = field};
	c.text = strdup(mask_list);
	if (c.text == NULL)
		return -ENOMEM;
	int rc = cond_compile(&c);
	if (rc < 0)
		goto fail;

	struct cond *nc = realloc(f->conds, (f->ncond + 1) * sizeof *nc);
	if (nc == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	f->conds = nc;
	f->conds[f->ncond++] = c;
	return 0;
fail:
	free(c.text);
	free(c.masks);
	return rc;
}

void
sa_filter_time(struct sa_filter *f, int64_t since_us, int64_t until_us)
{
	if (since_us > f->since_us)
		f->since_us = since_us;
	if (until_us < f->until_us)
		f->until_us = until_us;
}

int
sa_filter_without(struct sa_filter *f, uint32_t event_bits, enum sa_field field)
{
	if (field <= SA_F_NONE || field >= SA_F__COUNT)
		return SA_EBADMASK;
	f->without_events[field] |= event_bits;
	f->without_fields |= 1ull << field;
	return 0;
}

/* True when the value of field c->field in r matches one mask of c. */
static bool
cond_match(const struct cond *c, const struct sa_record *r)
{
	if (!sa_record_has(r, c->field))
		return false;
	if (c->any)
		return true;

	const struct sa_str *v = &r->str[c->field];
	for (size_t i = 0; i < c->n; i++) {
		const struct mask *m = &c->masks[i];
		if (m->kind == MASK_LITERAL) {
			if (m->len == v->len &&
			    (v->len == 0 || memcmp(m->p, v->ptr, v->len) == 0))
				return true;
		} else if (sa_mask_match(m->p, m->len, v->ptr, v->len)) {
			return true;
		}
	}
	return false;
}

bool
sa_filter_match(const struct sa_filter *f, const struct sa_record *r)
{
	if (r->event >= 32 || (f->events & (1u << r->event)) == 0)
		return false;
	if (f->status_set) {
		char s = r->status;
		if (s < 'A' || s > 'Z' ||
		    (f->statuses & (1u << (s - 'A'))) == 0)
			return false;
	}
	if (r->time_us < f->since_us || r->time_us >= f->until_us)
		return false;

	uint64_t hit = r->present & f->without_fields;
	while (hit != 0) {
		unsigned fld = (unsigned)__builtin_ctzll(hit);
		if (f->without_events[fld] & (1u << r->event))
			return false;
		hit &= hit - 1;
	}

	for (size_t i = 0; i < f->ncond; i++)
		if (!cond_match(&f->conds[i], r))
			return false;
	return true;
}
