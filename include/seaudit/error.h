/*
 * error.h - the library's one error list.
 *
 * Codes are negative.  -errno values pass through untouched; the library's
 * own conditions are listed once here (X-macro) so that the enum and the
 * message table cannot drift apart.
 */
#ifndef SEAUDIT_ERROR_H
#define SEAUDIT_ERROR_H

#include <seaudit/api.h>

SA_BEGIN_DECLS

#define SA_ERRNO_MAP(XX)                                                       \
	XX(EBADEVENT, -1001, "unknown event type")                             \
	XX(EBADSTATUS, -1002, "status letter not allowed for this event")      \
	XX(ETOOLONG, -1003, "field longer than its maximum")                   \
	XX(EMISSING, -1004, "required field missing")                          \
	XX(ERANGE, -1005, "number out of range for its field")                 \
	XX(EBADTIME, -1006, "malformed or out-of-range time")                  \
	XX(EUNKFIELD, -1007, "unknown field")                                  \
	XX(EDUPFIELD, -1008, "duplicate field")                                \
	XX(EJSON, -1009, "malformed JSON")                                     \
	XX(ETYPE, -1010, "field has the wrong type")                           \
	XX(ECORRUPT, -1011, "corrupt data (checksum or framing)")              \
	XX(EBADMAGIC, -1012, "not a seaudit log segment")                      \
	XX(EVERSION, -1013, "unsupported format version")                      \
	XX(ELOCKED, -1014, "log is locked by another writer")                  \
	XX(ETRUNC, -1015, "truncated data")                                    \
	XX(ENOSPACE, -1016, "output buffer too small")                         \
	XX(EZSTD, -1017, "zstd (de)compression failed")                        \
	XX(ENOLOG, -1018, "no log segments found")                             \
	XX(EBADMASK, -1019, "malformed mask or filter")                        \
	XX(EBADENC, -1020, "malformed encoding (base64 or escape)")            \
	XX(EPROTO, -1021, "malformed protocol frame")                          \
	XX(ESHED, -1022, "record shed: space is reserved for other classes")   \
	XX(EBUSY, -1023, "daemon at its client or queue limit")                \
	XX(ENOTSTATUS, -1024,                                                  \
	   "not a status letter (one upper-case letter, see seaudit -t)")      \
	XX(ENOTOBJECT, -1025,                                                  \
	   "not a JSON object (each line holds one record object {...})")      \
	XX(EBOM, -1026,                                                        \
	   "UTF-8 byte order mark before the object (save without a BOM)")     \
	XX(ESEQGAP, -1027, "records missing: the sequence numbers jump")       \
	XX(ESEQBACK, -1028, "sequence number repeated or going back")          \
	XX(EFORBIDDEN, -1029, "record not allowed from this producer")         \
	XX(EREMOVED, -1030, "segment removed before it was read")              \
	XX(ELOGGONE, -1031,                                                    \
	   "the log directory or its active segment was removed")              \
	XX(ESEQORDER, -1032, "sequence number does not follow the log's last") \
	XX(ECHAIN, -1033,                                                      \
	   "records altered, removed, reordered or added before a checkpoint") \
	XX(EFOREIGN, -1034,                                                    \
	   "segment does not continue the log (another log's, replaced, "      \
	   "replayed or moved)")                                               \
	XX(EBADSIG, -1035, "checkpoint signature does not verify")             \
	XX(ENOCKPT, -1036,                                                     \
	   "checkpoint missing: the key's epochs do not follow")               \
	XX(EHEADGONE, -1037,                                                   \
	   "the log's first records are gone and no retention record names "   \
	   "their removal")

enum sa_errno {
#define SA_ERR_ENUM(name, val, msg) SA_##name = (val),
	SA_ERRNO_MAP(SA_ERR_ENUM)
#undef SA_ERR_ENUM
};

/*
 * Message for any code this library returns (SA_* or -errno).  The returned
 * string is static and lives forever; unknown codes get a generic message.
 */
const char *sa_strerror(int err);

/* The symbolic name ("SA_ETOOLONG", "ENOENT") of a code; static storage. */
const char *sa_errname(int err);

SA_END_DECLS

#endif
