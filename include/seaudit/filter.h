/*
 * filter.h - record selection shared by the viewer and (later) the router:
 * the documented seaudit modes (-a, -l, -i, -r, ...), field masks, status
 * letters and time windows.
 *
 * Masks use '*' (any run of bytes) and '?' (one byte); a list is a
 * comma-separated set of masks, any of which may match.  A struct
 * sa_filter owns its compiled masks; free it with sa_filter_free.
 *
 * Matching is case-sensitive and byte-wise (user names, paths and hosts
 * are compared as the kernel sees them).  There is no escape character: a
 * mask cannot contain a comma.  Blanks around the masks of a list are
 * ignored ("root, admin" is the list root,admin); an empty mask is refused
 * (SA_EBADMASK).  Mask matching is iterative and O(len(mask) * len(s)) at
 * worst: no input can make it backtrack exponentially.
 *
 * Every call that adds a condition narrows the filter: the conditions are
 * combined with AND (events and statuses intersect, time windows shrink).
 */
#ifndef SEAUDIT_FILTER_H
#define SEAUDIT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

/* Bit of an event in an event set: SA_EVBIT(SA_EV_LOGIN). */
#define SA_EVBIT(ev) (1u << (unsigned)(ev))
/* Every event type. */
#define SA_EVBITS_ALL (((1u << SA_EV__COUNT) - 1u) & ~SA_EVBIT(SA_EV_NONE))

/* True when `s` matches the mask (whole string). */
bool sa_mask_match(const char *mask, size_t mlen, const uint8_t *s,
		   size_t slen);

struct sa_filter;

/* An empty filter (matches every record). 0 or -ENOMEM. */
int sa_filter_new(struct sa_filter **out);
void sa_filter_free(struct sa_filter *f); /* NULL-safe */

/* Only records whose event is one of the bits (1u << sa_event). */
void sa_filter_events(struct sa_filter *f, uint32_t event_bits);
/*
 * Only these statuses: a comma-separated list whose items are status
 * words in any case ("Denied", "login disabled") or runs of status
 * letters in any case ("DW", "dw").  A word is matched before letters, so
 * "Denied" is D alone.  SA_EBADMASK for an empty list or an item that is
 * neither (a letter that is not a status letter: "X").
 */
int sa_filter_statuses(struct sa_filter *f, const char *letters);
/*
 * Adds a condition on a string field: its value must match one mask of the
 * comma-separated list.  Several conditions must all hold.  A record that
 * lacks the field never matches.  The list is copied.  Returns 0,
 * -ENOMEM, SA_ETYPE for a field that is not a string, or SA_EBADMASK for
 * an empty list or an empty mask in it.
 */
int sa_filter_field(struct sa_filter *f, enum sa_field field,
		    const char *mask_list);
/* Time window [since, until), microseconds; INT64_MIN/MAX for open ends. */
void sa_filter_time(struct sa_filter *f, int64_t since_us, int64_t until_us);

/*
 * Excludes the records whose event is one of `event_bits` and which carry
 * `field` (any kind).  The viewer uses it for the documents' "connected
 * TCP records": inbound and outbound records that carry a port.  0 or
 * SA_EBADMASK for a bad field.
 */
int sa_filter_without(struct sa_filter *f, uint32_t event_bits,
		      enum sa_field field);

/* Matching.  Cheap checks (event, status, time) come before masks. */
bool sa_filter_match(const struct sa_filter *f, const struct sa_record *r);

SA_END_DECLS

#endif
