/*
 * cfgfile.c - the bounded INI reader (see cfgfile.h).
 *
 * libinih is fed through our own line reader (ini_parse_stream).  The
 * reader is where the file is bounded: it counts lines exactly as libinih
 * does (one call, one line), refuses a line longer than the buffer libinih
 * gives it (Debian builds it with INI_MAX_LINE 200: it would split the
 * line and parse the pieces), NUL bytes and control characters, and
 * section headers the daemon does not know, before libinih sees them.  It
 * also strips leading white space, which turns off libinih's multi-line
 * values: an indented line is an ordinary line, never a continuation.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h> /* libinih's */

#include "cfgfile.h"

#define GROUP_BUF_MAX ((size_t)1024 * 1024) /* getgrnam_r buffer ceiling */
#define INI_KEYS_MAX 128

struct ini {
	const struct ini_spec *spec;
	void *conf; /* the working copy */
	FILE *fp;
	int lineno;		/* of the line last handed to libinih */
	int err_line;		/* 0: no error yet */
	char err[320];		/* reason, without "FILE:LINE: " */
	int seen[INI_KEYS_MAX]; /* line where each key was set, 0 = not */
};

int
ini_bad(struct ini *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line != 0)
		return -1;
	p->err_line = p->lineno > 0 ? p->lineno : 1;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	return -1;
}

int
ini_seen(const struct ini *p, size_t k)
{
	return k < INI_KEYS_MAX ? p->seen[k] : 0;
}

void
ini_at_line(struct ini *p, int line)
{
	p->lineno = line;
}

/*
 * The reader already refused control characters, but bytes >= 0x80 pass;
 * show them as '?' so a message is always printable ASCII.  Lines are <
 * 200 bytes, the buffer is larger: nothing is cut.
 */
struct ini_shown
ini_show(const char *v)
{
	struct ini_shown o;
	size_t i;

	for (i = 0; v[i] != '\0' && i < sizeof o.s - 1; i++)
		o.s[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	o.s[i] = '\0';
	return o;
}

/* --- Value helpers: whole string, no sign, no spaces, no overflow --- */

int
ini_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
ini_u64(struct ini *p, const char *key, const char *val, uint64_t lo,
	uint64_t hi, uint64_t *out)
{
	if (ini_parse_u64(val, out) != 0)
		return ini_bad(p, "%s: bad value '%s' (expected a number)", key,
			       ini_show(val).s);
	if (*out < lo || *out > hi)
		return ini_bad(p, "%s: %s out of range (%llu..%llu)", key,
			       ini_show(val).s, (unsigned long long)lo,
			       (unsigned long long)hi);
	return 0;
}

int
ini_path(struct ini *p, const char *key, const char *val, char *dst, size_t cap,
	 bool empty_ok)
{
	size_t n = strlen(val);

	if (n == 0 && empty_ok) {
		dst[0] = '\0';
		return 0;
	}
	if (val[0] != '/')
		return ini_bad(p, "%s: '%s' is not an absolute path", key,
			       ini_show(val).s);
	if (n >= cap)
		return ini_bad(p, "%s: path too long (max %zu bytes)", key,
			       cap - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

int
ini_word(const char *val, const char *const *names)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(val, names[i]) == 0)
			return i;
	return -1;
}

int
ini_bool(struct ini *p, const char *key, const char *val, bool *out)
{
	static const char *const names[] = {"no", "yes", NULL};
	int i = ini_word(val, names);

	if (i < 0)
		return ini_bad(p, "%s: bad value '%s' (expected yes or no)",
			       key, ini_show(val).s);
	*out = i == 1;
	return 0;
}

int
ini_group(struct ini *p, const char *key, const char *val, char *name,
	  size_t namecap, gid_t *gid)
{
	struct group gr, *res = NULL;
	long sz = sysconf(_SC_GETGR_R_SIZE_MAX);
	size_t cap = sz > 0 ? (size_t)sz : 16384;
	char *buf = NULL;
	int rc;

	if (strcasecmp(val, "none") == 0) {
		name[0] = '\0';
		*gid = 0;
		return 0;
	}
	if (val[0] == '\0')
		return ini_bad(p, "%s: empty value (a group name or none)",
			       key);
	if (strlen(val) >= namecap)
		return ini_bad(p, "%s: group name '%s' too long (max %zu)", key,
			       ini_show(val).s, namecap - 1);
	for (;;) {
		char *nb = realloc(buf, cap);

		if (nb == NULL) {
			free(buf);
			return ini_bad(p, "%s: out of memory", key);
		}
		buf = nb;
		rc = getgrnam_r(val, &gr, buf, cap, &res);
		if (rc != ERANGE || cap >= GROUP_BUF_MAX)
			break;
		cap *= 2;
	}
	if (res != NULL) {
		*gid = gr.gr_gid;
		free(buf);
		snprintf(name, namecap, "%s", val);
		return 0;
	}
	free(buf);
	/* NSS modules report "not found" with several codes besides 0. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		return ini_bad(p, "%s: unknown group '%s'", key,
			       ini_show(val).s);
	return ini_bad(p, "%s: cannot look up group '%s': %s", key,
		       ini_show(val).s, strerror(rc));
}

/* --- Sections, keys, lines --- */

/* A section name as written between the brackets (spaces trimmed): its
 * index in the spec, or -1. */
static int
section_id(const struct ini_spec *s, const char *name, size_t n)
{
	while (n > 0 && (*name == ' ' || *name == '\t')) {
		name++;
		n--;
	}
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	for (int i = 0; s->sections[i] != NULL; i++)
		if (strlen(s->sections[i]) == n &&
		    strncasecmp(name, s->sections[i], n) == 0)
			return i;
	return -1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini *p = user;
	const struct ini_spec *s = p->spec;
	int sec;
	size_t k;

	if (p->err_line != 0)
		return 1; /* the first error is the one reported */
	if (section[0] == '\0') {
		ini_bad(p, "key '%s' outside any section", ini_show(name).s);
		return 1;
	}
	/* The reader refused unknown headers: this is belt and braces. */
	if ((sec = section_id(s, section, strlen(section))) < 0) {
		ini_bad(p, "unknown section [%s]", ini_show(section).s);
		return 1;
	}
	for (k = 0; k < s->nkeys; k++)
		if (strcasecmp(s->keys[k].section, s->sections[sec]) == 0 &&
		    strcasecmp(name, s->keys[k].name) == 0)
			break;
	if (k == s->nkeys) {
		ini_bad(p, "unknown key '%s' in [%s]", ini_show(name).s,
			s->sections[sec]);
		return 1;
	}
	if (p->seen[k] != 0) {
		ini_bad(p, "duplicate key '%s' (first set on line %d)",
			ini_show(name).s, p->seen[k]);
		return 1;
	}
	p->seen[k] = p->lineno;
	s->keys[k].set(p, p->conf, name, value);
	return 1;
}

static char *
line_reader(char *str, int num, void *stream)
{
	struct ini *p = stream;
	size_t max = num > 1 ? (size_t)num - 1 : 0;
	size_t len = 0, skip = 0;
	int ch, last = 0;

	if (p->err_line != 0)
		return NULL;
	if ((ch = getc(p->fp)) == EOF) {
		if (ferror(p->fp)) {
			p->lineno++;
			ini_bad(p, "read error: %s", strerror(errno));
		}
		return NULL;
	}
	p->lineno++;
	for (; ch != EOF && ch != '\n'; ch = getc(p->fp)) {
		if (len < max)
			str[len] = (char)ch;
		if (len < SIZE_MAX)
			len++;
		last = ch;
		if (ch == '\0') {
			ini_bad(p, "NUL byte in line");
			return NULL;
		}
	}
	if (ferror(p->fp)) {
		ini_bad(p, "read error: %s", strerror(errno));
		return NULL;
	}
	if (last == '\r')
		len--; /* CRLF: the CR belongs to the line end */
	if (len > max) {
		ini_bad(p, "line too long (max %zu characters)", max);
		return NULL;
	}
	str[len] = '\0';
	if (p->lineno == 1 && len >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	for (size_t i = skip; i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ini_bad(p, "control character 0x%02x in line", c);
			return NULL;
		}
	}
	while (str[skip] == ' ' || str[skip] == '\t')
		skip++;
	if (skip > 0)
		memmove(str, str + skip, len - skip + 1);
	if (str[0] == '[') {
		char *e = strchr(str, ']');
		const char *t;

		if (e == NULL)
			return str; /* libinih reports the syntax error */
		if (section_id(p->spec, str + 1, (size_t)(e - str - 1)) < 0) {
			*e = '\0';
			ini_bad(p, "unknown section [%s]", ini_show(str + 1).s);
			return NULL;
		}
		for (t = e + 1; *t == ' ' || *t == '\t'; t++)
			;
		if (*t != '\0' && *t != ';' && *t != '#') {
			ini_bad(p, "unexpected text after the section header");
			return NULL;
		}
	}
	return str;
}

int
ini_load(const struct ini_spec *s, void *conf, const char *path, char *err,
	 size_t errcap)
{
	struct ini *p;
	struct stat st;
	int fd, rv, saved;

	if (errcap > 0)
		err[0] = '\0';
	if (s->nkeys > INI_KEYS_MAX) {
		snprintf(err, errcap, "%s: too many keys declared", path);
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		saved = errno;
		snprintf(err, errcap, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	/* A FIFO or a device would make the read unbounded or blocking. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errcap, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->conf = malloc(s->conf_size)) == NULL) {
		free(p);
		close(fd);
		snprintf(err, errcap, "%s: out of memory", path);
		errno = ENOMEM;
		return -1;
	}
	if ((p->fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		close(fd);
		free(p->conf);
		free(p);
		snprintf(err, errcap, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	p->spec = s;
	memcpy(p->conf, conf, s->conf_size);
	rv = ini_parse_stream(line_reader, p, handler, p);
	fclose(p->fp);
	/*
	 * libinih's own errors (a line that is neither a header nor a
	 * key = value) come before ours: it reads no further than we let it.
	 */
	if (rv > 0 && (p->err_line == 0 || rv < p->err_line)) {
		p->err_line = 0;
		p->lineno = rv;
		ini_bad(p, "syntax error (expected [section] or key = value)");
	} else if (rv < 0 && p->err_line == 0) {
		p->lineno = 0;
		ini_bad(p, "cannot parse (libinih error %d)", rv);
	}
	if (p->err_line == 0 && s->check != NULL)
		s->check(p, p->conf);
	int rc = 0;
	if (p->err_line != 0) {
		snprintf(err, errcap, "%s:%d: %s", path, p->err_line, p->err);
		errno = EINVAL;
		rc = -1;
	} else {
		memcpy(conf, p->conf, s->conf_size);
	}
	free(p->conf);
	free(p);
	return rc;
}

void
ini_reload(const struct ini_spec *s, void *running, const void *next,
	   char *later, size_t cap)
{
	size_t used = 0;
	if (cap > 0)
		later[0] = '\0';
	for (size_t k = 0; k < s->nkeys; k++) {
		const struct ini_key *key = &s->keys[k];
		bool differs = false;
		for (int f = 0; f < 2 && key->field[f].size > 0; f++) {
			const struct ini_field *fl = &key->field[f];
			char *dst = (char *)running + fl->off;
			const char *src = (const char *)next + fl->off;
			if (memcmp(dst, src, fl->size) == 0)
				continue;
			differs = true;
			if (key->reload)
				memcpy(dst, src, fl->size);
		}
		if (differs && !key->reload && used + 1 < cap) {
			int n = snprintf(later + used, cap - used, "%s%s",
					 used ? ", " : "", key->name);
			if (n > 0)
				used += (size_t)n < cap - used ? (size_t)n
							       : cap - used - 1;
		}
	}
}
