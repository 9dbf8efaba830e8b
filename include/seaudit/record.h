/*
 * record.h - the audit record model: fourteen event types, their fields,
 * validation, and the compact binary encoding used inside log segments.
 *
 * Ownership: a struct sa_record never owns memory.  String fields are
 * (pointer, length) views of bytes that the caller keeps alive: a record
 * filled by sa_record_set_str() borrows the caller's bytes; a record filled
 * by sa_record_decode() or sa_reader_next() points into the decoder's input
 * or the reader's buffer and is valid until that buffer changes (documented
 * at each function).  Strings may hold any bytes, NUL included; they are
 * never NUL-terminated by the library.
 *
 * Field numbers and event numbers below are written to disk: they are part
 * of format version 1 and must never be renumbered (docs/FORMAT.md).
 */
#ifndef SEAUDIT_RECORD_H
#define SEAUDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

/* Event types.  Values are stored on disk. */
enum sa_event {
	SA_EV_NONE = 0,
	SA_EV_LOGIN = 1,
	SA_EV_LOGOUT = 2,
	SA_EV_ACCOUNT_ENABLED = 3,
	SA_EV_ACCOUNT_DISABLED = 4,
	SA_EV_PASSWORD_ATTEMPT = 5,
	SA_EV_RESOURCE = 6,
	SA_EV_UNTRUST = 7,
	SA_EV_INBOUND = 8,
	SA_EV_OUTBOUND = 9,
	SA_EV_ADMIN = 10,
	SA_EV_STARTUP = 11,
	SA_EV_SHUTDOWN = 12,
	SA_EV_PASSWORD_VERIFY = 13,
	SA_EV_TRACE = 14,
	SA_EV_LOSS =
	    15, /* the writer's own record of refused or shed records */
	SA_EV_RETENTION =
	    16, /* the writer's own record of old segments it removes */
	SA_EV__COUNT = 17
};

/*
 * Optional fields.  time, event, status and seq are fixed members of the
 * record instead.  Values are the on-disk field numbers.
 */
enum sa_field {
	SA_F_NONE = 0,
	/* strings */
	SA_F_CLASS = 1,
	SA_F_USER = 2,
	SA_F_SESSION = 3,
	SA_F_ACCESS = 4,
	SA_F_RESOURCE = 5,
	SA_F_PROGRAM = 6,
	SA_F_TERMINAL = 7,
	SA_F_HOST = 8,
	SA_F_SERVICE = 9,
	SA_F_MODULE = 10,
	SA_F_EFFECTIVE_USER = 11,
	SA_F_REAL_USER = 12,
	SA_F_COMMAND = 13,
	SA_F_TRACE = 14,
	SA_F_ORIGIN = 15,
	/* integers */
	SA_F_STAGE = 16,
	SA_F_REASON = 17,
	SA_F_MESSAGE_ID = 18,
	SA_F_ERRNO = 19,
	SA_F_UID = 20,
	SA_F_EUID = 21,
	SA_F_RUID = 22,
	SA_F_PORT = 23,
	SA_F_PID = 24,
	/* boolean */
	SA_F_OS_USER = 25,
	/* stamped by the writer daemon (docs/PROTOCOL.md) */
	SA_F_PRODUCER_UID =
	    26, /* integer: peer uid of the submitting process */
	/* loss records (event "loss") */
	SA_F_LOST = 27,	      /* integer: records lost */
	SA_F_LOST_SINCE = 28, /* string: RFC 3339 time of the first loss */
	SA_F_LOST_UNTIL = 29, /* string: RFC 3339 time of the last loss */
	SA_F_DETAIL = 30,     /* string: what was lost, from whom, and why */
	/* retention records (event "retention"): what was removed, and
	 * what the rest of the log needs to verify without it */
	SA_F_REMOVED_FIRST = 31, /* integer: first record removed */
	SA_F_REMOVED_LAST = 32,	 /* integer: last record removed */
	SA_F_REMOVED_CHAIN = 33, /* string: hex chain value at removed_last */
	SA_F_SEAL_BRIDGE = 34,	 /* string: base64 key bridge (INTEGRITY §3) */
	SA_F__COUNT = 35
	/* 35..47 are reserved for integrity data (docs/FORMAT.md) */
};

/*
 * How many field numbers a struct sa_record has room for: its arrays are
 * sized by this, not by SA_F__COUNT, so that fields numbered below it
 * (the integrity fields 35..47 among them) are added without changing the
 * structure's size (seaudit/api.h, the ABI promise).
 */
#define SA_F_CAPACITY 48

enum sa_field_kind { SA_KIND_STR = 1, SA_KIND_INT = 2, SA_KIND_BOOL = 3 };

/* Named maximum sizes (bytes).  Longer values are refused (SA_ETOOLONG). */
#define SA_MAX_NAME 255	    /* user, class, access, session, host, ...    */
#define SA_MAX_PATH 4095    /* resource, program                          */
#define SA_MAX_TEXT 8191    /* command, trace                             */
#define SA_MAX_RECORD 65536 /* encoded record body, all fields together  */

/* Range of representable times: years 1970..9999, in microseconds. */
#define SA_TIME_MIN_US INT64_C(0)
#define SA_TIME_MAX_US INT64_C(253402300799999999)

struct sa_field_info {
	enum sa_field id;
	const char *json; /* JSON Lines name: the fixed contract */
	enum sa_field_kind kind;
	size_t max_len;	  /* strings: maximum length in bytes */
	int64_t min, max; /* integers: inclusive range */
};

/* Metadata of a field; NULL for an out-of-range id.  Static storage. */
const struct sa_field_info *sa_field_info(enum sa_field id);

/* Field by JSON name (not NUL-terminated); SA_F_NONE when unknown. */
enum sa_field sa_field_by_name(const char *name, size_t len);

/*
 * The limit a value broke, for messages: " (at most N bytes)" after
 * SA_ETOOLONG and " (from MIN to MAX)" after SA_ERANGE, for field f;
 * "" otherwise.  Always NUL-terminates buf when cap > 0.
 */
void sa_field_limit_text(int code, enum sa_field f, char *buf, size_t cap);

struct sa_str {
	const uint8_t *ptr; /* borrowed, see the ownership note above */
	size_t len;
};

struct sa_record {
	int64_t time_us;  /* event time, microseconds since the epoch, UTC */
	uint64_t seq;	  /* sequence number in the origin's log; 0 = unset */
	uint8_t event;	  /* enum sa_event */
	char status;	  /* status letter, e.g. 'P' */
	uint64_t present; /* bit (1ull << field) set for each present field */
	struct sa_str str[SA_F_CAPACITY]; /* used for string fields */
	int64_t num[SA_F_CAPACITY];	  /* used for integer and bool fields */
};

/* Empties a record: no fields, event NONE, time 0, seq 0. */
void sa_record_init(struct sa_record *r);

static inline bool
sa_record_has(const struct sa_record *r, enum sa_field f)
{
	return (unsigned)f < SA_F__COUNT && (r->present & (1ull << f)) != 0;
}

/*
 * Setters.  sa_record_set_str borrows `p` (it must outlive the record's
 * use).  Each checks the field's kind and limit and returns SA_ETYPE,
 * SA_ETOOLONG or SA_ERANGE without changing the record on failure.
 */
int sa_record_set_str(struct sa_record *r, enum sa_field f, const void *p,
		      size_t len);
int sa_record_set_cstr(struct sa_record *r, enum sa_field f, const char *s);
int sa_record_set_int(struct sa_record *r, enum sa_field f, int64_t v);
int sa_record_set_bool(struct sa_record *r, enum sa_field f, bool v);
void sa_record_unset(struct sa_record *r, enum sa_field f);

/*
 * Full validation: known event; status allowed for it; time in range;
 * every required field of the event present; every field within its
 * limit.  On failure returns the SA_E* code and, when `bad` is not NULL,
 * stores the offending field there (SA_F_NONE for event/status/time).
 */
int sa_record_validate(const struct sa_record *r, enum sa_field *bad);

/* Field-for-field equality (bytes of strings, values of numbers). */
bool sa_record_equal(const struct sa_record *a, const struct sa_record *b);

/* Event names and letters. */
const char *sa_event_json(enum sa_event ev);  /* "login", NULL if bad */
const char *sa_event_title(enum sa_event ev); /* "Login event" */
enum sa_event sa_event_by_json(const char *name, size_t len); /* NONE */
/* Status letters allowed for an event, as a NUL-terminated string. */
const char *sa_event_statuses(enum sa_event ev);
bool sa_status_allowed(enum sa_event ev, char status);
/* Bitmask (1ull << field) of fields an event requires. */
uint64_t sa_event_required(enum sa_event ev);

/*
 * Binary encoding of one record (docs/FORMAT.md, "Record body").  Sequence
 * numbers and times are stored relative to a base (the segment's first
 * sequence number and base time) to stay short; pass 0 and 0 for
 * stand-alone use.  `seq` must be >= base_seq.
 *
 * sa_record_encode writes at most `cap` bytes and stores the length in
 * *out_len; SA_ENOSPACE if it does not fit.  The record is not validated
 * here: call sa_record_validate first.
 *
 * sa_record_decode parses `len` bytes of hostile input.  String fields of
 * `out` point into `buf`.  Unknown fields are skipped (forward
 * compatibility); a malformed body yields SA_ECORRUPT.
 */
int sa_record_encode(const struct sa_record *r, uint64_t base_seq,
		     int64_t base_time_us, uint8_t *buf, size_t cap,
		     size_t *out_len);
int sa_record_decode(const uint8_t *buf, size_t len, uint64_t base_seq,
		     int64_t base_time_us, struct sa_record *out);

SA_END_DECLS

#endif
