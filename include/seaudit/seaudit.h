/*
 * seaudit.h - umbrella header of libseaudit: every public header, the
 * version (seaudit/version.h) and the ABI promise (seaudit/api.h).
 *
 * Error convention (one for the whole library, as libuv does it): every
 * function that can fail returns 0 (or a documented non-negative value) on
 * success and a negative code on failure.  System failures are -errno
 * (e.g. -ENOENT); the library's own failures are the SA_E* codes below, all
 * below -1000 so they never collide with an errno.  The library never
 * prints and never exits.
 */
#ifndef SEAUDIT_SEAUDIT_H
#define SEAUDIT_SEAUDIT_H

#include <seaudit/version.h>
#include <seaudit/error.h>
#include <seaudit/record.h>
#include <seaudit/codes.h>
#include <seaudit/log.h>
#include <seaudit/segset.h>
#include <seaudit/seal.h>
#include <seaudit/verify.h>
#include <seaudit/buf.h>
#include <seaudit/paths.h>
#include <seaudit/format.h>
#include <seaudit/json.h>
#include <seaudit/timefmt.h>
#include <seaudit/filter.h>
#include <seaudit/proto.h>
#include <seaudit/client.h>

#endif
