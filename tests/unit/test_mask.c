/*
 * test_mask.c - password masking of recorded commands (lib/mask.c).
 *
 * Each case is an input and the exact expected output: masking must hide
 * every password form an administrator types, and must change nothing
 * else, since the rest of the command is evidence.  Hostile inputs
 * (unbalanced brackets, quotes at the end, NUL bytes, every prefix of a
 * tricky string) must never read out of bounds; run under ASan to see it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <seaudit/format.h>

static void
check(const char *in, const char *want)
{
	struct sa_buf b = SA_BUF_INIT;
	assert_int_equal(sa_mask_passwords(&b, (const uint8_t *)in, strlen(in)),
			 0);
	if (strcmp(b.data ? b.data : "", want) != 0)
		fail_msg("mask(\"%s\")\n  got  \"%s\"\n  want \"%s\"", in,
			 b.data ? b.data : "", want);
	sa_buf_free(&b);
}

static void
test_selang(void **state)
{
	(void)state;
	check("chusr bob password(secret)", "chusr bob password(***)");
	check("newusr x password(abc) owner(y)",
	      "newusr x password(***) owner(y)");
	check("chusr bob PASSWORD(Secret1) audit(all)",
	      "chusr bob PASSWORD(***) audit(all)");
	check("chusr bob Password (s3cr3t)", "chusr bob Password (***)");
	check("chusr bob oldpassword(old) password(new)",
	      "chusr bob oldpassword(***) password(***)");
	check("eu alice passwd(x) pwd(y)", "eu alice passwd(***) pwd(***)");
	check("chusr bob password('a b c') name('Bob B')",
	      "chusr bob password(***) name('Bob B')");
	check("chusr bob password(\"a)b\") owner(z)",
	      "chusr bob password(***) owner(z)");
	check("chusr bob password(a(b)c) owner(z)",
	      "chusr bob password(***) owner(z)");
	check("chusr bob password()", "chusr bob password(***)");
}

static void
test_assignments(void **state)
{
	(void)state;
	check("pwd=abc", "pwd=***");
	check("user=bob password=abc next", "user=bob password=*** next");
	check("PASSWORD = abc", "PASSWORD = ***");
	check("db_passwd='a b' x=1", "db_passwd=*** x=1");
	check("login -u bob --password=hunter2 -v",
	      "login -u bob --password=*** -v");
	check("login --password hunter2 -v", "login --password *** -v");
	check("a;password=x;b", "a;password=***;b");
	check("f(pwd=1,user=2)", "f(pwd=***,user=2)");
	check("Password: hunter2", "Password: ***");
	check("client_secret=abc&id=3", "client_secret=***&id=3");
	check("pass=x pw=y", "pass=*** pw=***");
	check("sepass -pw secret2 bob", "sepass -pw *** bob");
	check("openssl enc -pass pass:xyz -in f",
	      "openssl enc -pass *** -in f");
	check("sepass -pw=secret2 bob", "sepass -pw=*** bob");
}

static void
test_urls(void **state)
{
	(void)state;
	check("fetch https://bob:s3cret@host/path",
	      "fetch https://bob:***@host/path");
	check("ldap://admin:p@ss@dir", "ldap://admin:***@ss@dir");
	check("see https://host:8080/x", "see https://host:8080/x");
	check("http://user@host", "http://user@host");
}

/* Things that look close but hold no password stay untouched. */
static void
test_untouched(void **state)
{
	(void)state;
	static const char *const keep[] = {
	    "",
	    "chusr bob owner(y)",
	    "/bin/pwd",
	    "cd /home/pwd",
	    "User changing their own password using sepass",
	    "password",
	    "password(",
	    "password=",
	    "passwords are hidden",
	    "Details: Password validity checkings",
	    "compass(north) bypass=1",
	    "a::password::b",
	    "--password",
	};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		const char *k = keep[i];
		/* "password(" is unbalanced: the empty rest is masked */
		if (strcmp(k, "password(") == 0)
			check(k, "password(***");
		else
			check(k, k);
	}
}

static void
test_unbalanced(void **state)
{
	(void)state;
	check("chusr bob password(abc", "chusr bob password(***");
	check("chusr bob password('abc) owner(x)", "chusr bob password(***");
	check("pwd=\"abc def", "pwd=***");
	check("pwd=(a b", "pwd=***");
	check("password(a\\)b) x", "password(***) x");
}

static void
test_binary_and_appends(void **state)
{
	(void)state;
	struct sa_buf b = SA_BUF_INIT;
	static const uint8_t in[] = "pwd=a\0b c\0password(\xff\x00)";
	size_t n = sizeof in - 1;
	assert_int_equal(sa_buf_append(&b, "X:", 2), 0);
	assert_int_equal(sa_mask_passwords(&b, in, n), 0);
	static const uint8_t want[] = "X:pwd=*** c\0password(***)";
	assert_int_equal(b.len, sizeof want - 1);
	assert_memory_equal(b.data, want, b.len);
	sa_buf_free(&b);
}

/* Every prefix and suffix of tricky strings: no crash, no overread. */
static void
test_every_prefix(void **state)
{
	(void)state;
	static const char *const tricky[] = {
	    "chusr 'x' password(\"a(b\\\")c\") --pwd 'q' https://u:p@h/",
	    "password(((((('",
	    "--passwd \"",
	    "x://a:b",
	    "pwd=:p: password :: ",
	};
	for (size_t t = 0; t < sizeof tricky / sizeof tricky[0]; t++) {
		size_t n = strlen(tricky[t]);
		for (size_t i = 0; i <= n; i++) {
			/* exact-size heap copy so ASan catches overreads */
			uint8_t *p = malloc(i ? i : 1);
			assert_non_null(p);
			memcpy(p, tricky[t], i);
			struct sa_buf b = SA_BUF_INIT;
			assert_int_equal(sa_mask_passwords(&b, p, i), 0);
			assert_true(b.len <= 2 * i + 3);
			sa_buf_free(&b);
			memcpy(p, tricky[t] + n - i, i);
			assert_int_equal(sa_mask_passwords(&b, p, i), 0);
			sa_buf_free(&b);
			free(p);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_selang),
	    cmocka_unit_test(test_assignments),
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_untouched),
	    cmocka_unit_test(test_unbalanced),
	    cmocka_unit_test(test_binary_and_appends),
	    cmocka_unit_test(test_every_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
