/*
 * codec.h - the record-body decoder's diagnosing mode, for the protocol
 * (lib/proto.c), which must name why a producer's record is refused.
 * Internal: the public decoder is sa_record_decode (seaudit/record.h).
 */
#ifndef SA_CODEC_H
#define SA_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/record.h>

/*
 * Why a body that sa_record_decode (base 0, 0) refused is wrong: the
 * sa_record_validate code and *bad the field (SA_F_NONE for the event,
 * status or time), SA_ETYPE / SA_EDUPFIELD for a wrong wire type or a
 * repeated field, SA_ECORRUPT for a body malformed beyond naming.  Never
 * 0.  *out holds what was parsed (strings point into buf).
 */
int sa__record_decode_diag(const uint8_t *buf, size_t len,
			   struct sa_record *out, enum sa_field *bad);

#endif
