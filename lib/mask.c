/*
 * mask.c - hides passwords inside recorded commands, as seaudit shows
 * them: `chusr bob password(secret)` becomes `chusr bob password(***)`.
 *
 * The input is a hostile byte string (any bytes, NUL included, no
 * terminator); every index is checked against `len` before it is read.
 * The scanner errs on the side of hiding: an unterminated value is masked
 * to the end of the text, and a keyword is recognised as the end of any
 * word (`oldpassword`, `db_passwd`, `--password`), case-insensitively.
 * Recognised forms (docs/codes.md, "Password masking"):
 *   KEY(value)         selang; nested parentheses and quotes kept whole
 *   KEY=value KEY:value  option and config styles; value is a quoted
 *                      string, a parenthesised group or a word
 *   -KEY value, --KEY value   command-line option and its argument
 *   scheme://user:secret@host   credentials inside a URL
 * where KEY ends in password, passwd, passphrase, pwd or secret, or is
 * exactly pass or pw.  Masking never changes anything but the value.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <seaudit/format.h>

#include "textutil.h"

static const char mask_text[] = "***";

static bool
is_word(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool
ends_with_ci(const uint8_t *w, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp((const char *)w + n - k, suffix, k) == 0;
}

static bool
equals_ci(const uint8_t *w, size_t n, const char *s)
{
	return n == strlen(s) && strncasecmp((const char *)w, s, n) == 0;
}

/* Does the word w[0..n) name a password? */
static bool
is_password_key(const uint8_t *w, size_t n)
{
	static const char *const suffixes[] = {"password", "passwd",
					       "passphrase", "pwd", "secret"};
	/* Trailing dots belong to prose ("the password."), not the key. */
	while (n > 0 && w[n - 1] == '.')
		n--;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		if (ends_with_ci(w, n, suffixes[i]))
			return true;
	/* Strip option dashes so "-pw" and "--pass" count too. */
	while (n > 0 && w[0] == '-') {
		w++;
		n--;
	}
	return equals_ci(w, n, "pass") || equals_ci(w, n, "pw");
}

/*
 * End of a quoted string starting at s[i] (the quote): the index after
 * the closing quote, or len when it is unterminated.  A backslash escapes
 * the next byte, as selang and shells do.
 */
static size_t
skip_quoted(const uint8_t *s, size_t len, size_t i)
{
	uint8_t q = s[i++];
	while (i < len) {
		if (s[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (s[i] == q)
			return i + 1;
		i++;
	}
	return len;
}

/*
 * Index of the ')' matching the '(' at s[i], or len when unbalanced.
 * Parentheses inside quotes or after a backslash do not count.
 */
static size_t
find_close_paren(const uint8_t *s, size_t len, size_t i)
{
	size_t depth = 0;
	while (i < len) {
		uint8_t c = s[i];
		if (c == '\'' || c == '"') {
			i = skip_quoted(s, len, i);
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				return i;
		}
		i++;
	}
	return len;
}

/* End of an unbracketed value starting at s[i]. */
static size_t
value_end(const uint8_t *s, size_t len, size_t i)
{
	if (i >= len)
		return i;
	if (s[i] == '\'' || s[i] == '"')
		return skip_quoted(s, len, i);
	if (s[i] == '(') {
		size_t j = find_close_paren(s, len, i);
		return j < len ? j + 1 : len;
	}
	while (i < len && !is_space(s[i]) && s[i] != ',' && s[i] != ';' &&
	       s[i] != '&' && s[i] != ')')
		i++;
	return i;
}

/*
 * URL credentials: at s[i] == ':' right after "://" user.  Returns the
 * index of the '@' that ends the password, or 0 when this is no userinfo.
 */
static size_t
url_password_end(const uint8_t *s, size_t len, size_t i)
{
	for (size_t j = i + 1; j < len; j++) {
		if (s[j] == '@')
			return j;
		if (is_space(s[j]) || s[j] == '/' || s[j] == '?' ||
		    s[j] == '#')
			return 0;
	}
	return 0;
}

int
sa_mask_passwords(struct sa_buf *out, const uint8_t *s, size_t len)
{
	size_t start = out->len;
	size_t done = 0; /* s[0..done) is already copied */
	size_t i = 0;
	int rc = 0;

	/* Worst case grows the text by a few bytes per masked value. */
	if ((rc = sa_buf_reserve(out, len + 16)) < 0)
		return rc;

#define EMIT(p, n)                                                             \
	do {                                                                   \
		if ((rc = sa_buf_append(out, (p), (n))) < 0)                   \
			goto fail;                                             \
	} while (0)

	while (i < len) {
		/* scheme://user:password@host */
		if (s[i] == ':' && i + 2 < len && s[i + 1] == '/' &&
		    s[i + 2] == '/') {
			size_t u = i + 3;
			while (u < len && s[u] != ':' && s[u] != '@' &&
			       s[u] != '/' && !is_space(s[u]))
				u++;
			size_t at = (u < len && s[u] == ':')
					    ? url_password_end(s, len, u)
					    : 0;
			if (at != 0) {
				EMIT(s + done, u + 1 - done);
				EMIT(mask_text, sizeof mask_text - 1);
				done = i = at;
				continue;
			}
			i += 3;
			continue;
		}
		if (!is_word(s[i]) || (i > 0 && is_word(s[i - 1]))) {
			i++;
			continue;
		}
		size_t w = i;
		while (i < len && is_word(s[i]))
			i++;
		if (!is_password_key(s + w, i - w))
			continue;
		size_t k = i;
		while (k < len && is_blank(s[k]))
			k++;
		size_t vbeg, vend, resume;
		if (k < len && s[k] == '(') {
			/* KEY(value): keep the parentheses, hide inside. */
			size_t close = find_close_paren(s, len, k);
			vbeg = k + 1;
			vend = close;
			resume = close;
		} else if (k < len && (s[k] == '=' ||
				       (s[k] == ':' &&
					!(k + 1 < len && s[k + 1] == ':')))) {
			vbeg = k + 1;
			while (vbeg < len && is_blank(s[vbeg]))
				vbeg++;
			vend = value_end(s, len, vbeg);
			resume = vend;
			if (vend == vbeg) {
				/* "password=" with nothing after it */
				i = vend;
				continue;
			}
		} else if (s[w] == '-' && k > i && k < len) {
			/* -pw VALUE, --password VALUE */
			vbeg = k;
			vend = value_end(s, len, vbeg);
			resume = vend;
			if (vend == vbeg) {
				i = k;
				continue;
			}
		} else {
			continue;
		}
		EMIT(s + done, vbeg - done);
		EMIT(mask_text, sizeof mask_text - 1);
		done = i = resume;
	}
	EMIT(s + done, len - done);
#undef EMIT
	return 0;
fail:
	sa__buf_rollback(out, start);
	return rc;
}
