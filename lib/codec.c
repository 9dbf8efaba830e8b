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
#include <string.h>

#include <seaudit/error.h>
#include <seaudit/record.h>

#include "varint.h"

#define WIRE_VARINT 0
#define WIRE_BYTES 2

int
sa_record_encode(const struct sa_record *r, uint64_t base_seq,
		 int64_t base_time_us, uint8_t *buf, size_t cap, size_t *out_len)
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
		const struct sa_field_info *fi = sa_field_info((enum sa_field)f);
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

int
sa_record_decode(const uint8_t *buf, size_t len, uint64_t base_seq,
		 int64_t base_time_us, struct sa_record *out)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t v;
	size_t n;

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
	if (__builtin_add_overflow(base_time_us, sa_unzigzag(v), &t) ||
	    t < SA_TIME_MIN_US || t > SA_TIME_MAX_US)
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
		if (wire == WIRE_VARINT) {
			if ((n = sa_varint_get(p, end, &v)) == 0)
				return SA_ECORRUPT;
			p += n;
			if (fi == NULL)
				continue; /* a later version's field */
			if (fi->kind == SA_KIND_STR)
				return SA_ECORRUPT;
			int64_t x = sa_unzigzag(v);
			if (x < fi->min || x > fi->max)
				return SA_ECORRUPT;
			if (out->present & (1ull << fnum))
				return SA_ECORRUPT;
			out->num[fnum] = x;
			out->present |= 1ull << fnum;
		} else if (wire == WIRE_BYTES) {
			if ((n = sa_varint_get(p, end, &v)) == 0)
				return SA_ECORRUPT;
			p += n;
			if (v > (uint64_t)(end - p))
				return SA_ECORRUPT;
			if (fi != NULL) {
				if (fi->kind != SA_KIND_STR || v > fi->max_len ||
				    (out->present & (1ull << fnum)))
					return SA_ECORRUPT;
				out->str[fnum].ptr = p;
				out->str[fnum].len = (size_t)v;
				out->present |= 1ull << fnum;
			}
			p += v;
		} else {
			return SA_ECORRUPT;
		}
	}
	if (out->event == SA_EV_NONE || out->event >= SA_EV__COUNT)
		return SA_EBADEVENT;
	if (!sa_status_allowed((enum sa_event)out->event, out->status))
		return SA_ECORRUPT;
	if (sa_event_required((enum sa_event)out->event) & ~out->present)
		return SA_ECORRUPT;
	return 0;
}
