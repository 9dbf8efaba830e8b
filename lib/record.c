/*
 * record.c - the record model: field and event tables, setters and
 * validation.
 *
 * The tables here are the single source of truth for the JSON names, the
 * allowed status letters and the required fields of each event; the codec,
 * the JSON importer and the renderers all consult them, so a rule is never
 * written twice.  Records never own memory (see record.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>
#include <seaudit/record.h>

#define I32_MIN INT64_C(-2147483648)
#define I32_MAX INT64_C(2147483647)
#define U32_MAX INT64_C(4294967295)

static const struct sa_field_info field_table[SA_F__COUNT] = {
    [SA_F_CLASS] = {SA_F_CLASS, "class", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_USER] = {SA_F_USER, "user", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_SESSION] = {SA_F_SESSION, "session", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_ACCESS] = {SA_F_ACCESS, "access", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_RESOURCE] = {SA_F_RESOURCE, "resource", SA_KIND_STR, SA_MAX_PATH, 0,
		       0},
    [SA_F_PROGRAM] = {SA_F_PROGRAM, "program", SA_KIND_STR, SA_MAX_PATH, 0, 0},
    [SA_F_TERMINAL] = {SA_F_TERMINAL, "terminal", SA_KIND_STR, SA_MAX_NAME, 0,
		       0},
    [SA_F_HOST] = {SA_F_HOST, "host", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_SERVICE] = {SA_F_SERVICE, "service", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_MODULE] = {SA_F_MODULE, "module", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_EFFECTIVE_USER] = {SA_F_EFFECTIVE_USER, "effective_user", SA_KIND_STR,
			     SA_MAX_NAME, 0, 0},
    [SA_F_REAL_USER] = {SA_F_REAL_USER, "real_user", SA_KIND_STR, SA_MAX_NAME,
			0, 0},
    [SA_F_COMMAND] = {SA_F_COMMAND, "command", SA_KIND_STR, SA_MAX_TEXT, 0, 0},
    [SA_F_TRACE] = {SA_F_TRACE, "trace", SA_KIND_STR, SA_MAX_TEXT, 0, 0},
    [SA_F_ORIGIN] = {SA_F_ORIGIN, "origin", SA_KIND_STR, SA_MAX_NAME, 0, 0},
    [SA_F_STAGE] = {SA_F_STAGE, "stage", SA_KIND_INT, 0, I32_MIN, I32_MAX},
    [SA_F_REASON] = {SA_F_REASON, "reason", SA_KIND_INT, 0, I32_MIN, I32_MAX},
    [SA_F_MESSAGE_ID] = {SA_F_MESSAGE_ID, "message_id", SA_KIND_INT, 0, I32_MIN,
			 U32_MAX},
    [SA_F_ERRNO] = {SA_F_ERRNO, "errno", SA_KIND_INT, 0, I32_MIN, I32_MAX},
    [SA_F_UID] = {SA_F_UID, "uid", SA_KIND_INT, 0, 0, U32_MAX},
    [SA_F_EUID] = {SA_F_EUID, "euid", SA_KIND_INT, 0, 0, U32_MAX},
    [SA_F_RUID] = {SA_F_RUID, "ruid", SA_KIND_INT, 0, 0, U32_MAX},
    [SA_F_PORT] = {SA_F_PORT, "port", SA_KIND_INT, 0, 0, 65535},
    [SA_F_PID] = {SA_F_PID, "pid", SA_KIND_INT, 0, 0, I32_MAX},
    [SA_F_OS_USER] = {SA_F_OS_USER, "os_user", SA_KIND_BOOL, 0, 0, 1},
    [SA_F_PRODUCER_UID] = {SA_F_PRODUCER_UID, "producer_uid", SA_KIND_INT, 0, 0,
			   U32_MAX},
    [SA_F_LOST] = {SA_F_LOST, "lost", SA_KIND_INT, 0, 0,
		   INT64_C(9007199254740991)},
    [SA_F_LOST_SINCE] = {SA_F_LOST_SINCE, "lost_since", SA_KIND_STR, 64, 0, 0},
    [SA_F_LOST_UNTIL] = {SA_F_LOST_UNTIL, "lost_until", SA_KIND_STR, 64, 0, 0},
    [SA_F_DETAIL] = {SA_F_DETAIL, "detail", SA_KIND_STR, SA_MAX_TEXT, 0, 0},
    [SA_F_REMOVED_FIRST] = {SA_F_REMOVED_FIRST, "removed_first", SA_KIND_INT, 0,
			    0, INT64_C(9007199254740991)},
    [SA_F_REMOVED_LAST] = {SA_F_REMOVED_LAST, "removed_last", SA_KIND_INT, 0, 0,
			   INT64_C(9007199254740991)},
    [SA_F_REMOVED_CHAIN] = {SA_F_REMOVED_CHAIN, "removed_chain", SA_KIND_STR,
			    64, 0, 0},
    [SA_F_SEAL_BRIDGE] = {SA_F_SEAL_BRIDGE, "seal_bridge", SA_KIND_STR, 16383,
			  0, 0},
};

#define BIT(f) (1ull << (f))

struct event_info {
	const char *json;
	const char *title;    /* detailed form's "Event type:" */
	const char *statuses; /* allowed status letters */
	uint64_t required;
};

static const struct event_info event_table[SA_EV__COUNT] = {
    [SA_EV_LOGIN] = {"login", "Login event", "PDWC", BIT(SA_F_USER)},
    [SA_EV_LOGOUT] = {"logout", "Logout", "O", BIT(SA_F_USER)},
    [SA_EV_ACCOUNT_ENABLED] = {"account_enabled", "Login account enabled", "E",
			       BIT(SA_F_USER)},
    [SA_EV_ACCOUNT_DISABLED] = {"account_disabled", "Login account disabled",
				"I", BIT(SA_F_USER)},
    [SA_EV_PASSWORD_ATTEMPT] = {"password_attempt", "Password attempt", "A",
				BIT(SA_F_USER)},
    [SA_EV_RESOURCE] = {"resource", "Resource access", "PDWNFC",
			BIT(SA_F_CLASS) | BIT(SA_F_USER) | BIT(SA_F_RESOURCE)},
    [SA_EV_UNTRUST] = {"untrust", "Untrust message", "U",
		       BIT(SA_F_CLASS) | BIT(SA_F_RESOURCE)},
    [SA_EV_INBOUND] = {"inbound", "Inbound network connection", "PDWC",
		       BIT(SA_F_CLASS) | BIT(SA_F_HOST)},
    [SA_EV_OUTBOUND] = {"outbound", "Outbound network connection", "PDWC",
			BIT(SA_F_CLASS) | BIT(SA_F_HOST)},
    [SA_EV_ADMIN] = {"admin", "Security database administration", "SFDC",
		     BIT(SA_F_USER)},
    [SA_EV_STARTUP] = {"startup", "Daemon start", "M", BIT(SA_F_SERVICE)},
    [SA_EV_SHUTDOWN] = {"shutdown", "Daemon shutdown", "M", BIT(SA_F_SERVICE)},
    [SA_EV_PASSWORD_VERIFY] = {"password_verify", "Password verification", "F",
			       BIT(SA_F_USER)},
    [SA_EV_TRACE] = {"trace", "Trace message", "PDW", BIT(SA_F_USER)},
    [SA_EV_LOSS] = {"loss", "Loss of records", "C",
		    BIT(SA_F_SERVICE) | BIT(SA_F_LOST)},
    [SA_EV_RETENTION] = {"retention", "Removal of old records", "C",
			 BIT(SA_F_SERVICE) | BIT(SA_F_REMOVED_FIRST) |
			     BIT(SA_F_REMOVED_LAST)},
};

const struct sa_field_info *
sa_field_info(enum sa_field id)
{
	if ((unsigned)id == 0 || (unsigned)id >= SA_F__COUNT)
		return NULL;
	return &field_table[id];
}

void
sa_field_limit_text(int code, enum sa_field f, char *buf, size_t cap)
{
	const struct sa_field_info *fi = sa_field_info(f);

	if (buf == NULL || cap == 0)
		return;
	buf[0] = '\0';
	if (fi == NULL)
		return;
	if (code == SA_ETOOLONG && fi->kind == SA_KIND_STR)
		snprintf(buf, cap, " (at most %zu bytes)", fi->max_len);
	else if (code == SA_ERANGE && fi->kind != SA_KIND_STR)
		snprintf(buf, cap, " (from %" PRId64 " to %" PRId64 ")",
			 fi->min, fi->max);
}

enum sa_field
sa_field_by_name(const char *name, size_t len)
{
	for (int f = 1; f < SA_F__COUNT; f++) {
		const char *j = field_table[f].json;
		if (strlen(j) == len && memcmp(j, name, len) == 0)
			return (enum sa_field)f;
	}
	return SA_F_NONE;
}

void
sa_record_init(struct sa_record *r)
{
	r->time_us = 0;
	r->seq = 0;
	r->event = SA_EV_NONE;
	r->status = 0;
	r->present = 0;
}

int
sa_record_set_str(struct sa_record *r, enum sa_field f, const void *p,
		  size_t len)
{
	const struct sa_field_info *fi = sa_field_info(f);
	if (fi == NULL || fi->kind != SA_KIND_STR)
		return SA_ETYPE;
	if (len > fi->max_len)
		return SA_ETOOLONG;
	if (p == NULL && len > 0)
		return -EINVAL;
	r->str[f].ptr = p ? p : (const uint8_t *)"";
	r->str[f].len = len;
	r->present |= BIT(f);
	return 0;
}

int
sa_record_set_cstr(struct sa_record *r, enum sa_field f, const char *s)
{
	return sa_record_set_str(r, f, s, s ? strlen(s) : 0);
}

int
sa_record_set_int(struct sa_record *r, enum sa_field f, int64_t v)
{
	const struct sa_field_info *fi = sa_field_info(f);
	if (fi == NULL || fi->kind != SA_KIND_INT)
		return SA_ETYPE;
	if (v < fi->min || v > fi->max)
		return SA_ERANGE;
	r->num[f] = v;
	r->present |= BIT(f);
	return 0;
}

int
sa_record_set_bool(struct sa_record *r, enum sa_field f, bool v)
{
	const struct sa_field_info *fi = sa_field_info(f);
	if (fi == NULL || fi->kind != SA_KIND_BOOL)
		return SA_ETYPE;
	r->num[f] = v ? 1 : 0;
	r->present |= BIT(f);
	return 0;
}

void
sa_record_unset(struct sa_record *r, enum sa_field f)
{
	if ((unsigned)f < SA_F__COUNT)
		r->present &= ~BIT(f);
}

const char *
sa_event_json(enum sa_event ev)
{
	return ((unsigned)ev > 0 && (unsigned)ev < SA_EV__COUNT)
		   ? event_table[ev].json
		   : NULL;
}

const char *
sa_event_title(enum sa_event ev)
{
	return ((unsigned)ev > 0 && (unsigned)ev < SA_EV__COUNT)
		   ? event_table[ev].title
		   : NULL;
}

enum sa_event
sa_event_by_json(const char *name, size_t len)
{
	for (int e = 1; e < SA_EV__COUNT; e++) {
		const char *j = event_table[e].json;
		if (strlen(j) == len && memcmp(j, name, len) == 0)
			return (enum sa_event)e;
	}
	return SA_EV_NONE;
}

const char *
sa_event_statuses(enum sa_event ev)
{
	return ((unsigned)ev > 0 && (unsigned)ev < SA_EV__COUNT)
		   ? event_table[ev].statuses
		   : "";
}

bool
sa_status_allowed(enum sa_event ev, char status)
{
	return status != '\0' && strchr(sa_event_statuses(ev), status) != NULL;
}

uint64_t
sa_event_required(enum sa_event ev)
{
	return ((unsigned)ev > 0 && (unsigned)ev < SA_EV__COUNT)
		   ? event_table[ev].required
		   : 0;
}

int
sa_record_validate(const struct sa_record *r, enum sa_field *bad)
{
	enum sa_field dummy;
	if (bad == NULL)
		bad = &dummy;
	*bad = SA_F_NONE;
	if (r->event == SA_EV_NONE || r->event >= SA_EV__COUNT)
		return SA_EBADEVENT;
	if (sa_status_word(r->status) == NULL)
		return SA_ENOTSTATUS;
	if (!sa_status_allowed((enum sa_event)r->event, r->status))
		return SA_EBADSTATUS;
	if (r->time_us < SA_TIME_MIN_US || r->time_us > SA_TIME_MAX_US)
		return SA_EBADTIME;
	if (r->present & ~((BIT(SA_F__COUNT) - 1) & ~1ull))
		return SA_EUNKFIELD;
	uint64_t missing = event_table[r->event].required & ~r->present;
	if (missing) {
		*bad = (enum sa_field)__builtin_ctzll(missing);
		return SA_EMISSING;
	}
	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!(r->present & BIT(f)))
			continue;
		const struct sa_field_info *fi = &field_table[f];
		if (fi->kind == SA_KIND_STR && r->str[f].len > fi->max_len) {
			*bad = (enum sa_field)f;
			return SA_ETOOLONG;
		}
		if (fi->kind != SA_KIND_STR &&
		    (r->num[f] < fi->min || r->num[f] > fi->max)) {
			*bad = (enum sa_field)f;
			return SA_ERANGE;
		}
	}
	return 0;
}

bool
sa_record_equal(const struct sa_record *a, const struct sa_record *b)
{
	if (a->time_us != b->time_us || a->seq != b->seq ||
	    a->event != b->event || a->status != b->status ||
	    a->present != b->present)
		return false;
	for (int f = 1; f < SA_F__COUNT; f++) {
		if (!(a->present & BIT(f)))
			continue;
		if (field_table[f].kind == SA_KIND_STR) {
			if (a->str[f].len != b->str[f].len ||
			    (a->str[f].len &&
			     memcmp(a->str[f].ptr, b->str[f].ptr,
				    a->str[f].len) != 0))
				return false;
		} else if (a->num[f] != b->num[f]) {
			return false;
		}
	}
	return true;
}
