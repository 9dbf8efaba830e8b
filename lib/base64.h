/*
 * base64.h - standard base64 (RFC 4648 section 4: "A-Za-z0-9+/", "="
 * padding), used by the JSON Lines exporter and importer to carry string
 * fields that are not valid UTF-8 (the NAME_b64 convention of
 * docs/json-csv.md).
 *
 * Decoding is strict so that one byte string has exactly one accepted
 * spelling: the length must be a multiple of four, padding appears only
 * at the end, the unused bits of the last quantum must be zero, and no
 * white space or other character is tolerated.  Internal to libseaudit.
 */
#ifndef SEAUDIT_BASE64_H
#define SEAUDIT_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encoded length of n bytes (with padding); n must be below SIZE_MAX / 2. */
static inline size_t
sa_b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/*
 * Writes exactly sa_b64_encoded_len(n) characters to dst (no NUL) and
 * returns a pointer just past them.  dst and src must not overlap.
 */
char *sa_b64_encode(char *dst, const uint8_t *src, size_t n);

/*
 * Decodes n characters of src into dst, storing the byte count in
 * *out_len (always <= n / 4 * 3).  dst may equal src (in-place decoding is
 * safe because output never overtakes input); otherwise they must not
 * overlap.  Returns 0 or SA_EBADENC; dst contents are unspecified on
 * failure.
 */
int sa_b64_decode(uint8_t *dst, const char *src, size_t n, size_t *out_len);

#endif
