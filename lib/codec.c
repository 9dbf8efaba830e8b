/*
 * codec.c - the binary body of one record (docs/FORMAT.md, "Record body").
 *
 *   u8 event, u8 status, varint (seq - base_seq),
 *   varint zigzag(time_us - base_time_us),
 *   then fields in ascending number, each a varint key (number << 3 | wire)
 *   followed by a zigzag varint (wire 0) or a varint length and bytes
 *   (wire 2).
 *
 * Tagged fields are what make the format forward compatible: a reader
 * skips a field number it does not know by its wire type.  The decoder
 * treats its input as hostile (it is fuzzed): it never reads past the end,
 * and a body that violates the record rules (limits, allowed status,
 * required fields) is refused as corrupt rather than handed on.
 */
#include <stdbool.h>
#include <string.h>

#include <seaudit/error.h>
#include <seaudit/record.h>

#include "codec.h"
#include "varint.h"

#define WIRE_VARINT 0
#define WIRE_BYTES 2

int
sa_record_encode(const struct sa_record *r, uint64_t base_seq,
		 int64_t base_time_us, uint8_t *buf, size_t cap,
		 size_t *out_len)
{
	if (r->seq < base_seq)
		return SA_ERANGE;
	/* Worst case of the fixed part: 2 + 10 + 10 bytes. */
	if (cap < 22)
		return SA_ENOSPACE;
	uint8_t *p = buf, *end = buf + cap;
	*p++ = r->event;
	*p++ = (uint8_t)r->status;
	p += sa_varint_put(p, r->seq - base_seq);
	p += sa_varint_put(p, sa_zigzag((int64_t)((uint64_t)r->time_us -
						  (uint64_t)base_time_us)));
	uint64_t present = r->present & ~1ull;
	while (present) {
		int f = __builtin_ctzll(present);
		present &= present - 1;
		const struct sa_field_info *fi =
		    sa_field_info((enum sa_field)f);
		if (fi == NULL)
			return SA_EUNKFIELD;
		if (fi->kind == SA_KIND_STR) {
			size_t n = r->str[f].len;
			if ((size_t)(end - p) < 1 + SA_VARINT_MAX ||
			    (size_t)(end - p) - 1 - SA_VARINT_MAX < n)
				return SA_ENOSPACE;
			p += sa_varint_put(p, ((uint64_t)f << 3) | WIRE_BYTES);
			p += sa_varint_put(p, n);
			if (n)
				memcpy(p, r->str[f].ptr, n);
			p += n;
		} else {
			if ((size_t)(end - p) < 1 + SA_VARINT_MAX)
				return SA_ENOSPACE;
			p += sa_varint_put(p, ((uint64_t)f << 3) | WIRE_VARINT);
			p += sa_varint_put(p, sa_zigzag(r->num[f]));
		}
	}
	*out_len = (size_t)(p - buf);
	return 0;
}

/*
 * The one record-body parser, in two modes.  Strict (diag NULL), for the
 * reader: every rule of FORMAT.md is enforced as the bytes are read and
 * any breach is SA_ECORRUPT (SA_EBADEVENT for an unknown event), never a
 * half-read record.  Diagnosing (diag not NULL), for the daemon's answer
 * to a refused record: only the structure is enforced while parsing (a
 * broken varint or length is SA_ECORRUPT, a wrong wire type SA_ETYPE, a
 * repeated field SA_EDUPFIELD, each with *diag the field), limits and
 * ranges are left to sa_record_validate, which names the first fault
 * (code and field) the way a producer's own validation would.
 */
static int
decode(const uint8_t *buf, size_t len, uint64_t base_seq, int64_t base_time_us,
       struct sa_record *out, enum sa_field *diag)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t v;
	size_t n;

	if (diag != NULL)
		*diag = SA_F_NONE;
	if (len < 4)
		return SA_ECORRUPT;
	out->present = 0;
	out->event = *p++;
	out->status = (char)*p++;
	if ((n = sa_varint_get(p, end, &v)) == 0)
		return SA_ECORRUPT;
	p += n;
	if (v > UINT64_MAX - base_seq)
		return SA_ECORRUPT;
	out->seq = base_seq + v;
	if ((n = sa_varint_get(p, end, &v)) == 0)
		return SA_ECORRUPT;
	p += n;
	int64_t t;
	if (__builtin_add_overflow(base_time_us, sa_unzigzag(v), &t))
		return SA_ECORRUPT;
	if (diag == NULL && (t < SA_TIME_MIN_US || t > SA_TIME_MAX_US))
		return SA_ECORRUPT;
	out->time_us = t;

	while (p < end) {
		if ((n = sa_varint_get(p, end, &v)) == 0)
			return SA_ECORRUPT;
		p += n;
		uint64_t fnum = v >> 3;
		unsigned wire = (unsigned)(v & 7);
		const struct sa_field_info *fi =
		    fnum < SA_F__COUNT ? sa_field_info((enum sa_field)fnum)
				       : NULL;
		if (wire != WIRE_VARINT && wire != WIRE_BYTES)
			return SA_ECORRUPT;
		if ((n = sa_varint_get(p, end, &v)) == 0)
			return SA_ECORRUPT;
		p += n;
		if (wire == WIRE_BYTES && v > (uint64_t)(end - p))
			return SA_ECORRUPT;
		if (fi == NULL) { /* a later version's field: skipped */
			if (wire == WIRE_BYTES)
				p += v;
			continue;
		}
		bool is_str = fi->kind == SA_KIND_STR;
		if (is_str != (wire == WIRE_BYTES) ||
		    (out->present & (1ull << fnum))) {
			if (diag == NULL)
				return SA_ECORRUPT;
			*diag = (enum sa_field)fnum;
			return is_str != (wire == WIRE_BYTES) ? SA_ETYPE
							      : SA_EDUPFIELD;
		}
		if (wire == WIRE_VARINT) {
			int64_t x = sa_unzigzag(v);
			if (diag == NULL && (x < fi->min || x > fi->max))
				return SA_ECORRUPT;
			out->num[fnum] = x;
		} else {
			if (diag == NULL && v > fi->max_len)
				return SA_ECORRUPT;
			out->str[fnum].ptr = p;
			out->str[fnum].len = (size_t)v;
			p += v;
		}
		out->present |= 1ull << fnum;
	}
	if (diag != NULL)
		return sa_record_validate(out, diag);
	if (out->event == SA_EV_NONE || out->event >= SA_EV__COUNT)
		return SA_EBADEVENT;
	if (!sa_status_allowed((enum sa_event)out->event, out->status))
		return SA_ECORRUPT;
	if (sa_event_required((enum sa_event)out->event) & ~out->present)
		return SA_ECORRUPT;
	return 0;
}

int
sa_record_decode(const uint8_t *buf, size_t len, uint64_t base_seq,
		 int64_t base_time_us, struct sa_record *out)
{
	return decode(buf, len, base_seq, base_time_us, out, NULL);
}

int
sa__record_decode_diag(const uint8_t *buf, size_t len, struct sa_record *out,
		       enum sa_field *bad)
{
	int rc = decode(buf, len, 0, 0, out, bad);
	/* Decoded and valid yet refused strictly: cannot happen (the fuzz
	 * targets hold both modes to it); say corrupt rather than pass. */
	return rc == 0 ? SA_ECORRUPT : rc;
}
