/*
 * format.h - rendering records for people and for other tools: the
 * non-detailed seaudit line, the detailed form, JSON Lines and CSV.
 *
 * Every renderer appends to a caller-owned struct sa_buf, which grows with
 * realloc; a renderer that fails (out of memory) leaves the buffer's
 * previous content intact.  Nothing here prints.
 *
 * Bytes that are unsafe on a terminal (control characters, invalid UTF-8,
 * backslash) are escaped in the line and detailed forms as \xHH (and \\),
 * so a hostile field cannot forge extra lines or terminal escapes.  JSON
 * and CSV are lossless (docs/json-csv.md).
 */
#ifndef SEAUDIT_FORMAT_H
#define SEAUDIT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/buf.h>
#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

/* Rendering flags. */
#define SA_FMT_SESSIONID 0x01 /* line: show the SessionID column */
#define SA_FMT_UNMASKED 0x02  /* do not replace passwords with *** */

/* The non-detailed line, with a trailing '\n'.  Local time (TZ). */
int sa_format_line(struct sa_buf *out, const struct sa_record *r,
		   unsigned flags);

/*
 * The detailed form: the non-detailed line, then one "Label: value" line
 * per field, then an empty line.  Local time (TZ).
 */
int sa_format_detail(struct sa_buf *out, const struct sa_record *r,
		     unsigned flags);

/* One JSON Lines object with a trailing '\n' (records.md contract). */
int sa_format_json(struct sa_buf *out, const struct sa_record *r,
		   unsigned flags);

/* CSV (RFC 4180): the header row, and one row per record, CRLF ends. */
int sa_format_csv_header(struct sa_buf *out);
int sa_format_csv(struct sa_buf *out, const struct sa_record *r,
		  unsigned flags);

/*
 * Password masking as seaudit shows commands: the value of every
 * password-like keyword (password(...), passwd(...), pwd=..., ...) is
 * replaced by "***".  Appends the masked text to out.
 */
int sa_mask_passwords(struct sa_buf *out, const uint8_t *s, size_t len);

/*
 * (Added.)  Masks, before writing, the fields that can hold passwords
 * (command and trace): their masked texts go to scratch[0] and scratch[1]
 * (reset first) and r points into them, so r must not outlive scratch.
 * A masked text longer than the field's maximum is cut at it.  0 or
 * -ENOMEM (r is then unchanged for the field that failed).
 */
struct sa_record;
int sa_mask_record(struct sa_record *r, struct sa_buf scratch[2]);

SA_END_DECLS

#endif
