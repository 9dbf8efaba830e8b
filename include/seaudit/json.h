/*
 * json.h - importing one JSON Lines object into a record (the contract of
 * spec/records.md).
 *
 * The parser is hand-written and bounded because audit data holds bytes
 * that general JSON libraries refuse or mangle (docs/json-csv.md: strings
 * that are not valid UTF-8 travel as NAME_b64).  Input is hostile: any byte
 * sequence yields either a record or an error that names the field and the
 * column.
 */
#ifndef SEAUDIT_JSON_H
#define SEAUDIT_JSON_H

#include <stddef.h>

#include <seaudit/record.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

struct sa_json_error {
	int code;	/* SA_E* */
	size_t column;	/* 1-based byte column in the line where it failed */
	char field[64]; /* offending field name ("" when none), truncated */
	uint64_t reserved[2]; /* zero: later members */
};

/*
 * Parses one object.  `scratch` must have room for at least `len` bytes;
 * decoded strings are stored there and the record's string fields point
 * into it, so the record lives as long as `scratch` does (and `line` is
 * not needed afterwards).  Surrounding white space is allowed.  The
 * record is validated (sa_record_validate) before returning 0.
 */
int sa_json_parse_record(const char *line, size_t len, struct sa_record *out,
			 char *scratch, struct sa_json_error *err);

/* A one-line description of err ("field \"statu\": unknown field"). */
void sa_json_error_text(const struct sa_json_error *err, char *buf, size_t cap);

SA_END_DECLS

#endif
