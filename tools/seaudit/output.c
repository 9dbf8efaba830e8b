/*
 * output.c - formatting records and writing them to stdout.
 *
 * Speed matters (the aim is millions of records a second), so records are
 * rendered straight into one large buffer which goes out with a single
 * write(2) once it passes OUT_FLUSH_AT bytes: no stdio, no per-line system
 * call.  With -n N the records are rendered into the ring instead and
 * written when the ring is released (end of the log, or the moment -follow
 * has caught up).  The CSV header row is written once, first, even when no
 * record matches, so the output is always a valid CSV file.
 *
 * The renderers (lib/) mask passwords unless SA_FMT_UNMASKED is passed;
 * the viewer never passes it.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/format.h>

#include "view.h"

#define OUT_FLUSH_AT (1u << 20)

typedef int (*render_fn)(struct sa_buf *out, const struct sa_record *r,
			 unsigned flags);

struct output {
	render_fn render;
	unsigned flags;
	struct sa_buf buf;
	struct ring *ring; /* non-NULL while -n collects */
	bool discard;	   /* -n 0: keep nothing until released */
	bool failed;	   /* a record could not be rendered */
};

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err(1, "write to standard output");
		}
		p += w;
		n -= (size_t)w;
	}
}

struct output *
output_new(enum view_form form, unsigned fmt_flags, bool last_set,
	   size_t last_n)
{
	struct output *out = calloc(1, sizeof *out);

	if (out == NULL || sa_buf_reserve(&out->buf, OUT_FLUSH_AT + 4096) < 0)
		err(1, NULL);
	out->flags = fmt_flags;
	switch (form) {
	case FORM_DETAIL:
		out->render = sa_format_detail;
		break;
	case FORM_JSON:
		out->render = sa_format_json;
		break;
	case FORM_CSV:
		out->render = sa_format_csv;
		if (sa_format_csv_header(&out->buf) < 0)
			err(1, NULL);
		break;
	case FORM_LINE:
	default:
		out->render = sa_format_line;
		break;
	}
	if (last_set) {
		if (last_n == 0)
			out->discard = true;
		else if ((out->ring = ring_new(last_n)) == NULL)
			err(1, NULL);
	}
	return out;
}

void
output_record(struct output *out, const struct sa_record *r)
{
	struct sa_buf *b = &out->buf;
	int rc;

	if (out->discard)
		return;
	if (out->ring != NULL && (b = ring_next(out->ring)) == NULL)
		errx(1, "-n: out of memory for the last records");
	if ((rc = out->render(b, r, out->flags)) < 0) {
		if (rc == -ENOMEM)
			errx(1, "out of memory");
		/* A record the renderer refuses is skipped, not fatal. */
		output_flush(out);
		warnx("record %llu: cannot format: %s",
		      (unsigned long long)r->seq, sa_strerror(rc));
		out->failed = true;
		return;
	}
	if (out->buf.len >= OUT_FLUSH_AT)
		output_flush(out);
}

void
output_maybe_flush(struct output *out)
{
	if (out->buf.len >= OUT_FLUSH_AT)
		output_flush(out);
}

void
output_flush(struct output *out)
{
	if (out->buf.len == 0)
		return;
	write_all(STDOUT_FILENO, out->buf.data, out->buf.len);
	sa_buf_reset(&out->buf);
}

void
output_release_ring(struct output *out)
{
	out->discard = false;
	if (out->ring == NULL)
		return;
	size_t n = ring_count(out->ring);
	for (size_t k = 0; k < n; k++) {
		const struct sa_buf *b = ring_at(out->ring, k);
		if (sa_buf_append(&out->buf, b->data, b->len) < 0)
			errx(1, "out of memory");
		output_maybe_flush(out);
	}
	ring_free(out->ring);
	out->ring = NULL;
}

bool
output_failed(const struct output *out)
{
	return out->failed;
}

void
output_finish(struct output *out)
{
	output_release_ring(out);
	output_flush(out);
	sa_buf_free(&out->buf);
	free(out);
}
