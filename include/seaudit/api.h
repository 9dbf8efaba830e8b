/*
 * api.h - how libseaudit's public declarations are marked, and the
 * library's ABI promise.
 *
 * Every public header wraps its declarations in SA_BEGIN_DECLS /
 * SA_END_DECLS: C linkage for C++ callers, and default visibility for the
 * library's own build, which compiles everything else hidden
 * (-fvisibility=hidden) and links with a version script (lib/
 * libseaudit.map) that exports sa_* only.  So what a program can link
 * against is exactly what these headers declare; internal helpers (CRC32C,
 * base64, segment internals under lib/) are not exported even when their
 * names start with sa_.
 *
 * The ABI promise, for libseaudit.so.SA_SOVERSION (seaudit/version.h):
 *  - functions are only added, never removed or changed in meaning or
 *    signature within one SONAME;
 *  - enums only gain values; numbers on the wire and on disk never change;
 *  - a public structure that a caller allocates (struct sa_record, the
 *    options and result structures) has a fixed size within one SONAME:
 *    each says how it grows (a record's field arrays are sized for
 *    SA_F_CAPACITY fields, so fields up to that number are added without
 *    a size change; options and results end in reserved words that must
 *    be zero, from which later members are carved).  tests/unit/test_abi.c
 *    pins every size;
 *  - objects the library allocates (writers, readers, clients, filters)
 *    are opaque: only pointers cross the interface;
 *  - pointers returned by the library say in their header how long they
 *    live; nothing returned is to be freed by the caller unless a _free
 *    or _close function says so.
 * Breaking any of these bumps SA_SOVERSION.
 */
#ifndef SEAUDIT_API_H
#define SEAUDIT_API_H

#if defined(__GNUC__) || defined(__clang__)
#define SA_API __attribute__((visibility("default")))
#define SA_VISIBILITY_PUSH _Pragma("GCC visibility push(default)")
#define SA_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define SA_API
#define SA_VISIBILITY_PUSH
#define SA_VISIBILITY_POP
#endif

#ifdef __cplusplus
#define SA_BEGIN_DECLS                                                         \
	extern "C" {                                                           \
	SA_VISIBILITY_PUSH
#define SA_END_DECLS                                                           \
	SA_VISIBILITY_POP                                                      \
	}
#else
#define SA_BEGIN_DECLS SA_VISIBILITY_PUSH
#define SA_END_DECLS SA_VISIBILITY_POP
#endif

#endif
