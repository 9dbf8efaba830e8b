/*
 * cfgfile.h - the bounded INI reader every daemon's configuration file goes
 * through (libinih does the syntax; this does everything it does not:
 * "FILE:LINE: reason" for every error, overlong lines, NUL bytes and
 * control characters, unknown sections and keys, keys set twice, and
 * value helpers that check whole strings strictly).  A daemon declares its
 * sections and a key table; each key names its setter, the members of the
 * daemon's configuration structure it sets, and whether a reload (SIGHUP)
 * may change it.
 *
 * Reading works on a copy of the caller's structure, copied back only
 * when the whole file is good, so that a bad file leaves the running
 * configuration untouched.  The first error wins and stops the reading.
 * Nothing here is kept after ini_load returns.
 */
#ifndef SEAUDIT_CFGFILE_H
#define SEAUDIT_CFGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ini;

/* Sets one key from `val` into `conf` (the working copy); on a bad value
 * calls ini_bad and returns -1. */
typedef int (*ini_set_fn)(struct ini *p, void *conf, const char *key,
			  const char *val);

/* A member of the configuration structure a key sets. */
struct ini_field {
	size_t off, size;
};
#define INI_FIELD(type, member)                                                \
	{                                                                      \
		offsetof(type, member), sizeof(((type *)0)->member)            \
	}

struct ini_key {
	const char *section; /* as written between brackets, any case */
	const char *name;    /* compared case-insensitively */
	ini_set_fn set;
	bool reload; /* SIGHUP applies it; otherwise the next start */
	struct ini_field field[2]; /* what it sets ({0, 0}: none) */
};

struct ini_spec {
	const char *const *sections; /* NULL-terminated */
	const struct ini_key *keys;
	size_t nkeys;
	size_t conf_size; /* sizeof the configuration structure */
	/* Checks between keys once every line is read (may call ini_bad
	 * after ini_at_line); NULL: none. */
	void (*check)(struct ini *p, void *conf);
};

/*
 * Reads `path` over the current contents of *conf (the daemon's defaults
 * first).  0, or -1 with "FILE:LINE: reason" (or "FILE: reason") in err
 * and *conf unchanged.
 */
int ini_load(const struct ini_spec *s, void *conf, const char *path, char *err,
	     size_t errcap);

/*
 * A reload: copies from `next` into `running` the members of every key a
 * reload may change; the names of the keys that differ and may not
 * ("audit_log, socket") go to `later` (empty when none).
 */
void ini_reload(const struct ini_spec *s, void *running, const void *next,
		char *later, size_t cap);

/* Records the first error at the current line (or the one ini_at_line
 * set); always returns -1. */
int ini_bad(struct ini *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The line key `k` (index in the table) was set on, 0 when not. */
int ini_seen(const struct ini *p, size_t k);
/* Errors from now on are reported at `line`. */
void ini_at_line(struct ini *p, int line);

/* A value as it may appear in a message: bytes >= 0x80 shown as '?'. */
struct ini_shown {
	char s[256];
};
struct ini_shown ini_show(const char *v);

/* Value helpers: each calls ini_bad with the key and a reason. */
int ini_u64(struct ini *p, const char *key, const char *val, uint64_t lo,
	    uint64_t hi, uint64_t *out);
int ini_path(struct ini *p, const char *key, const char *val, char *dst,
	     size_t cap, bool empty_ok);
/* One of `names` (NULL-terminated, any case): its index, or -1 (no error
 * recorded: the caller says what was expected). */
int ini_word(const char *val, const char *const *names);
int ini_bool(struct ini *p, const char *key, const char *val, bool *out);
/* A group name (or "none": name "" and gid 0), looked up now. */
int ini_group(struct ini *p, const char *key, const char *val, char *name,
	      size_t namecap, gid_t *gid);
/* A whole unsigned decimal number, no sign or spaces: 0 or -1. */
int ini_parse_u64(const char *s, uint64_t *out);

#endif
