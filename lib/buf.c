/*
 * buf.c - the growable output buffer every renderer appends to.
 *
 * Invariant: data[0..len) is valid; when cap > 0, data[len] is always
 * addressable (one spare byte) so callers may NUL-terminate cheaply.  A
 * failed growth leaves the buffer unchanged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seaudit/format.h>

int
sa_buf_reserve(struct sa_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	char *p = realloc(b->data, ncap);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
sa_buf_append(struct sa_buf *b, const void *p, size_t n)
{
	int rc = sa_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
sa_buf_printf(struct sa_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc = sa_buf_reserve(b, 64);
	if (rc < 0)
		return rc;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->data + b->len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		rc = sa_buf_reserve(b, (size_t)n);
		if (rc < 0)
			return rc;
	}
}

void
sa_buf_reset(struct sa_buf *b)
{
	b->len = 0;
	if (b->cap > 0)
		b->data[0] = '\0';
}

void
sa_buf_free(struct sa_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
