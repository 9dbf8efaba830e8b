/*
 * buf.h - the growable byte buffer every renderer and frame builder
 * appends to.  The caller owns the struct; the buffer owns `data` (grown
 * with realloc, released by sa_buf_free).  A function that fails (out of
 * memory) leaves the previous content intact.  Kept apart so that a
 * producer using the protocol does not include the renderers.
 */
#ifndef SEAUDIT_BUF_H
#define SEAUDIT_BUF_H

#include <stddef.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

struct sa_buf {
	char *data; /* owned by the buffer; free with sa_buf_free */
	size_t len;
	size_t cap;
};

#define SA_BUF_INIT                                                            \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

int sa_buf_reserve(struct sa_buf *b, size_t extra); /* 0 or -ENOMEM */
int sa_buf_append(struct sa_buf *b, const void *p, size_t n);
int sa_buf_printf(struct sa_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sa_buf_reset(struct sa_buf *b); /* len = 0, memory kept */
void sa_buf_free(struct sa_buf *b);  /* releases memory; NULL-safe */

SA_END_DECLS

#endif
