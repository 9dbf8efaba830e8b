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
 * where KEY ends in password, passwd, passphrase, pwd, secret, _pass or
 * _pw (DB_PASS=x), or is exactly pass or pw.  And, for the commands whose
 * password options are single letters (first pass, command_pass below):
 *   mysql, mysqldump, mysqladmin, mariadb*: -pVALUE (attached)
 *   ldapsearch, ldapmodify, ldapadd, ...:   -w VALUE, -wVALUE
 *   sshpass:                                -p VALUE, -pVALUE
 *   htpasswd -b FILE USER PASSWORD:         the password argument
 * after the first word that names such a command (so after sudo, env,
 * VAR=value, or in a trace's prose), in each command of a line (split at
 * ; | & and newlines).  Masking never changes anything but
 * the value.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <seaudit/format.h>
#include <seaudit/record.h>

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
	static const char *const suffixes[] = {
	    "password", "passwd", "passphrase", "pwd",
	    "secret",	"_pass",  "_pw"};
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
		if (is_space(s[j]) || s[j] == '/' || s[j] == '?' || s[j] == '#')
			return 0;
	}
	return 0;
}

/* A blank-separated word of a command line: s[b..e). */
struct word {
	size_t b, e;
};

static bool
word_is(const uint8_t *s, struct word w, const char *t)
{
	return equals_ci(s + w.b, w.e - w.b, t);
}

static bool
word_starts(const uint8_t *s, struct word w, const char *t)
{
	size_t n = strlen(t);
	return w.e - w.b >= n && strncasecmp((const char *)s + w.b, t, n) == 0;
}

/* The command's name without its directory ("/usr/bin/mysql": "mysql"). */
static struct word
base_name(const uint8_t *s, struct word w)
{
	for (size_t i = w.e; i > w.b; i--)
		if (s[i - 1] == '/') {
			w.b = i;
			break;
		}
	return w;
}

enum { CMD_OTHER, CMD_MYSQL, CMD_LDAP, CMD_SSHPASS, CMD_HTPASSWD };

/*
 * Value ranges to hide in one command (words[0..n), the command name
 * first), appended to r (at most rcap).  Returns the new count.
 */
static size_t
command_ranges(const uint8_t *s, const struct word *wv, size_t n,
	       struct word *r, size_t nr, size_t rcap)
{
	/* The first word naming a known command (after sudo, env, exec,
	 * VAR=value, or inside a trace's prose): its options follow it. */
	size_t c = 0;
	int kind = CMD_OTHER;
	for (; c < n && kind == CMD_OTHER; c++) {
		struct word cmd = base_name(s, wv[c]);
		kind = word_starts(s, cmd, "mysql") ||
			       word_starts(s, cmd, "mariadb")
			   ? CMD_MYSQL
		       : word_starts(s, cmd, "ldap") ? CMD_LDAP
		       : word_is(s, cmd, "sshpass")  ? CMD_SSHPASS
		       : word_is(s, cmd, "htpasswd") ? CMD_HTPASSWD
						     : CMD_OTHER;
	}
	if (kind == CMD_OTHER)
		return nr;
	c--;
	const char *opt = kind == CMD_LDAP ? "-w" : "-p";
	bool batch = false;
	size_t npos = 0;
	struct word third = {0, 0};
	for (size_t i = c + 1; i < n && nr < rcap; i++) {
		struct word w = wv[i];
		size_t wl = w.e - w.b;
		if (kind == CMD_HTPASSWD) {
			if (s[w.b] == '-' && wl > 1 && s[w.b + 1] != '-') {
				batch |= memchr(s + w.b, 'b', wl) != NULL;
			} else if (++npos == 3) {
				third = w;
			}
			continue;
		}
		if (s[w.b] != '-' || wl < 2 ||
		    s[w.b + 1] != (unsigned char)opt[1] || s[w.b + 1] == '-')
			continue;
		if (wl > 2)
			r[nr++] = (struct word){w.b + 2, w.e};
		else if (kind != CMD_MYSQL && i + 1 < n)
			r[nr++] = wv[++i]; /* mysql -p alone asks: no value */
	}
	if (kind == CMD_HTPASSWD && batch && third.e > third.b && nr < rcap)
		r[nr++] = third;
	return nr;
}

/*
 * First pass: the single-letter password options of known commands.
 * Writes the text with those values hidden into *tmp and points *sp, *lenp
 * at it; leaves them alone when there is none.
 */
static int
command_pass(struct sa_buf *tmp, const uint8_t **sp, size_t *lenp)
{
	const uint8_t *s = *sp;
	size_t len = *lenp;
	struct word wv[64], r[32];
	size_t n = 0, nr = 0;
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len || s[i] == ';' || s[i] == '|' ||
			   s[i] == '&' || s[i] == '\n';
		if (!end && !is_blank(s[i])) {
			size_t b = i;
			while (i < len && !is_blank(s[i]) && s[i] != ';' &&
			       s[i] != '|' && s[i] != '&' && s[i] != '\n')
				i++;
			if (n < sizeof wv / sizeof wv[0])
				wv[n++] = (struct word){b, i};
			i--;
			continue;
		}
		if (end) {
			nr = command_ranges(s, wv, n, r, nr,
					    sizeof r / sizeof r[0]);
			n = 0;
		}
	}
	if (nr == 0)
		return 0;
	size_t done = 0;
	int rc = 0;
	for (size_t k = 0; k < nr && rc == 0; k++) {
		if (r[k].b < done)
			continue;
		rc = sa_buf_append(tmp, s + done, r[k].b - done);
		if (rc == 0)
			rc =
			    sa_buf_append(tmp, mask_text, sizeof mask_text - 1);
		done = r[k].e;
	}
	if (rc == 0)
		rc = sa_buf_append(tmp, s + done, len - done);
	if (rc < 0)
		return rc;
	*sp = (const uint8_t *)tmp->data;
	*lenp = tmp->len;
	return 0;
}

static int mask_scan(struct sa_buf *out, const uint8_t *s, size_t len);

int
sa_mask_passwords(struct sa_buf *out, const uint8_t *s, size_t len)
{
	struct sa_buf tmp = SA_BUF_INIT;
	int rc = command_pass(&tmp, &s, &len);
	if (rc == 0)
		rc = mask_scan(out, s, len);
	sa_buf_free(&tmp);
	return rc;
}

static int
mask_scan(struct sa_buf *out, const uint8_t *s, size_t len)
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

int
sa_mask_record(struct sa_record *r, struct sa_buf scratch[2])
{
	static const enum sa_field fields[2] = {SA_F_COMMAND, SA_F_TRACE};
	for (int k = 0; k < 2; k++) {
		enum sa_field f = fields[k];
		if (!sa_record_has(r, f))
			continue;
		struct sa_buf *b = &scratch[k];
		sa_buf_reset(b);
		int rc = sa_mask_passwords(b, r->str[f].ptr, r->str[f].len);
		if (rc < 0)
			return rc;
		size_t max = sa_field_info(f)->max_len;
		sa_record_set_str(r, f, b->data, b->len > max ? max : b->len);
	}
	return 0;
}
