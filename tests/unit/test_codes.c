/*
 * test_codes.c - the code tables (lib/codes.c).
 *
 * Documented codes are checked one by one against the documentation's
 * exact text (ca-audit-notes §4, §7; spec/codes.md), because a viewer
 * that paraphrases a stage message breaks every auditor's grep.  The
 * structural invariants (sorted, unique, own codes outside documented
 * ranges) are checked over every table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <seaudit/codes.h>
#include <seaudit/error.h>

struct expect {
	int64_t code;
	const char *message;
};

static void
check_exact(enum sa_code_table t, const struct expect *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sa_code *c = sa_code_lookup(t, e[i].code);
		if (c == NULL)
			fail_msg("table %d: code %lld missing", (int)t,
				 (long long)e[i].code);
		assert_string_equal(c->message, e[i].message);
		assert_false(c->own);
	}
}

/* Number of documented (not own) entries of a table. */
static size_t
documented_count(enum sa_code_table t)
{
	size_t n, k = 0;
	const struct sa_code *v = sa_table(t, &n);
	for (size_t i = 0; i < n; i++)
		if (!v[i].own)
			k++;
	return k;
}

static void
test_tables_sorted_unique(void **state)
{
	(void)state;
	for (int t = 0; t < SA_TAB__COUNT; t++) {
		size_t n = 0;
		const struct sa_code *v = sa_table((enum sa_code_table)t, &n);
		assert_non_null(v);
		assert_true(n > 0);
		assert_non_null(sa_table_title((enum sa_code_table)t));
		for (size_t i = 0; i < n; i++) {
			assert_non_null(v[i].message);
			assert_true(strlen(v[i].message) > 0);
			if (i > 0)
				assert_true(v[i - 1].code < v[i].code);
			assert_ptr_equal(
			    sa_code_lookup((enum sa_code_table)t, v[i].code),
			    &v[i]);
		}
	}
	size_t n = 99;
	assert_null(sa_table(SA_TAB__COUNT, &n));
	assert_int_equal(n, 0);
	assert_null(sa_table_title(SA_TAB__COUNT));
	assert_null(sa_code_lookup(SA_TAB__COUNT, 2));
}

/* Own codes stay out of every number range the documents use. */
static void
test_own_codes_outside_documented(void **state)
{
	(void)state;
	for (int t = 0; t < SA_TAB__COUNT; t++) {
		size_t n;
		const struct sa_code *v = sa_table((enum sa_code_table)t, &n);
		for (size_t i = 0; i < n; i++) {
			if (!v[i].own)
				continue;
			switch (t) {
			case SA_TAB_REASON:
				assert_true(v[i].code >= 101);
				break;
			case SA_TAB_STAGE_LOGIN:
			case SA_TAB_STAGE_RESOURCE:
			case SA_TAB_STAGE_NETWORK:
			case SA_TAB_STAGE_ADMIN:
			case SA_TAB_PWQUALITY:
				assert_true(v[i].code >= 9000);
				break;
			case SA_TAB_UNTRUST:
				assert_true(v[i].code >= 100);
				break;
			case SA_TAB_UNTRUST_STAT:
				/* single bits of the stat mask */
				assert_true(v[i].code > 0);
				assert_int_equal(v[i].code & (v[i].code - 1),
						 0);
				break;
			default:
				fail_msg("table %d has own codes", t);
			}
		}
	}
	/* The status table is entirely documented. */
	assert_int_equal(documented_count(SA_TAB_STATUS), 13);
}

static void
test_status_words(void **state)
{
	(void)state;
	static const struct {
		char letter;
		const char *word;
	} w[] = {
	    {'P', "Permitted"},	     {'D', "Denied"},
	    {'W', "Warning"},	     {'N', "Notify"},
	    {'F', "Failed"},	     {'S', "Success"},
	    {'M', "Message"},	     {'A', "Password attempt"},
	    {'I', "Login disabled"}, {'E', "Login enabled"},
	    {'O', "Logout"},	     {'U', "Untrust"},
	    {'C', "Check"},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		assert_string_equal(sa_status_word(w[i].letter), w[i].word);
	assert_null(sa_status_word('X'));
	assert_null(sa_status_word('p'));
	assert_null(sa_status_word('\0'));
	assert_string_equal(sa_code_lookup(SA_TAB_STATUS, 'P')->name,
			    "SEOS_AUTH_PASS");
	assert_string_equal(sa_code_lookup(SA_TAB_STATUS, 'M')->name,
			    "SEOS_DOWN_RES");
}

static void
test_reasons(void **state)
{
	(void)state;
	static const struct expect e[] = {
	    {2, "User audit mode requires logging"},
	    {3, "Resource audit mode required logging"},
	};
	check_exact(SA_TAB_REASON, e, 2);
	assert_int_equal(documented_count(SA_TAB_REASON), 2);
	assert_string_equal(sa_reason_message(SA_REASON_USER_AUDIT),
			    "User audit mode requires logging");
	/* The kinds of record the spec requires own reasons for. */
	static const int own[] = {
	    SA_REASON_AUDIT_ONLY,      SA_REASON_WARNING_MODE,
	    SA_REASON_TRACED_USER,     SA_REASON_NOTIFY,
	    SA_REASON_ADMIN_ALWAYS,    SA_REASON_DAEMON_ALWAYS,
	    SA_REASON_WATCHDOG_ALWAYS,
	};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		const struct sa_code *c = sa_code_lookup(SA_TAB_REASON, own[i]);
		assert_non_null(c);
		assert_true(c->own);
	}
	assert_non_null(strstr(sa_reason_message(101), "Audit-only"));
	assert_non_null(strstr(sa_reason_message(102), "Warning mode"));
	assert_null(sa_reason_message(1));
	assert_null(sa_reason_message(4));
}

static void
test_login_stages(void **state)
{
	(void)state;
	static const struct expect e[] = {
	    {2, "Fetching user object"},
	    {3, "Terminal checking for login terminal source"},
	    {5, "User suspend checking"},
	    {6, "User expiration checking"},
	    {7, "User day-time checkings"},
	    {8, "Password validity checkings"},
	    {9, "User grace login checkings"},
	    {10, "Password expired with no more grace logins"},
	    {11, "Building the user ACEE"},
	    {12, "User inactivity days check"},
	    {13, "Too many logins for user"},
	    {14, "Active HOLIDAY check"},
	    {15, "Login Application (LOGINAPPL) check"},
	    {16, "User Groups day-time checking"},
	    {17, "Attempt rejected by the native environment"},
	    {18, "User without domain restriction"},
	    {19, "No reason to deny \xe2\x80\x93 allow login"},
	    {20, "'Logical' user check"},
	    {49, "Logout detected after last process terminated"},
	};
	size_t n = sizeof e / sizeof e[0];
	check_exact(SA_TAB_STAGE_LOGIN, e, n);
	assert_int_equal(documented_count(SA_TAB_STAGE_LOGIN), n);
	assert_null(sa_code_lookup(SA_TAB_STAGE_LOGIN, 4));
	assert_null(sa_code_lookup(SA_TAB_STAGE_LOGIN, 1));
}

static void
test_resource_network_stages(void **state)
{
	(void)state;
	static const struct expect res[] = {
	    {52, "Category check of resource"},
	    {59, "Resource UACC check"},
	    {61, "User is OPERATOR on resource"},
	    {62, "UACC check for Class of unprotected resource"},
	    {69, "No Step that allowed access"},
	    {87, "Resource group calendar ACL check for user"},
	};
	check_exact(SA_TAB_STAGE_RESOURCE, res, 6);
	assert_int_equal(documented_count(SA_TAB_STAGE_RESOURCE), 6);
	static const struct expect net[] = {
	    {408, "Default access of TCP service"},
	    {409, "CACL read stage of TCP service"},
	    {421, "HOSTNP entry for User '*' in TCP service CACL"},
	};
	check_exact(SA_TAB_STAGE_NETWORK, net, 3);
	assert_int_equal(documented_count(SA_TAB_STAGE_NETWORK), 3);
}

static void
test_admin_stages(void **state)
{
	(void)state;
	static const struct expect e[] = {
	    {300, "Undefined CA ControlMinder user"},
	    {301, "An attempt to delete last ADMIN user"},
	    {302, "An attempt to delete user root"},
	    {303, "User trying to change their own password"},
	    {304, "Nonauditor user trying to set audit mode"},
	    {305, "Command allowed for ADMIN user"},
	    {306, "Showuser (myself) , Showxusr allowed"},
	    {307, "User trying to set categories they do not have"},
	    {308, "User trying to set a security-label they do not have"},
	    {309, "User trying to set security-level greater than the "
		  "user's own"},
	    {310, "NonADMIN user trying to set user-mode"},
	    {311, "Command allowed for object owner"},
	    {312, "Native file owner can define it to CA ControlMinder"},
	    {313, "Command allowed for a GROUP-ADMIN user"},
	    {314, "GROUP-ADMIN user can join/join- to group"},
	    {315, "GROUP-AUDITOR/ADMIN can list the group"},
	    {316, "An auditor can list any object"},
	    {317, "An OPERATOR can list any object"},
	    {318, "A GROUP-AUDITOR can list objects in group scope"},
	    {319, "A GROUP-OPERATOR can list objects in group scope"},
	    {320, "Command allowed for CLASS-ADMIN user"},
	    {321, "Command allowed for PWMANAGER/ADMIN with access"},
	    {322, "There is no rule allowing this operation"},
	    {324, "User changing their own password using sepass"},
	    {326, "User created 'Login Information' for themselves"},
	    {327, "Command allowed for GROUP-PWMANAGER"},
	    {329, "A PWMANAGER enabled a user"},
	    {330, "Command allowed for DOMAIN change"},
	    {331, "Command allowed for PWMANAGER"},
	    {332, "Changing native flags allowed for PWMANAGER"},
	    {333, "Changing 'must change password next logon' attribute "
		  "is allowed for PWMANAGER"},
	    {334, "Command allowed for GROUP-PWMANAGER"},
	    {335, "Editing 'Login Information' is allowed for PWMANAGER"},
	    {336, "Command allowed for auditor user"},
	    {337, "Failed to reconcile command with database information"},
	    {338, "Creating a command from an implicit request"},
	    {339, "SEOS_syscall module unload readiness check"},
	};
	size_t n = sizeof e / sizeof e[0];
	check_exact(SA_TAB_STAGE_ADMIN, e, n);
	assert_int_equal(documented_count(SA_TAB_STAGE_ADMIN), n);
	/* Not in the documentation: must stay free. */
	assert_null(sa_code_lookup(SA_TAB_STAGE_ADMIN, 323));
	assert_null(sa_code_lookup(SA_TAB_STAGE_ADMIN, 325));
	assert_null(sa_code_lookup(SA_TAB_STAGE_ADMIN, 328));
}

static void
test_password_quality(void **state)
{
	(void)state;
	static const struct expect e[] = {
	    {3, "Too few lowercase letters in password"},
	    {4, "Too few capital letters in password"},
	    {5, "Too few numeric characters in password"},
	    {6, "Too few other characters in password"},
	    {7, "Too many repetitions of same char in password"},
	    {9, "Password previously used. Select a different password"},
	    {10, "Too few alphabetic characters in password"},
	    {11, "Too few alphanumeric characters in password"},
	    {12, "Password was changed recently, cannot be changed again "
		 "at this time"},
	    {13, "Password is contained by a previous password or vice "
		 "versa"},
	    {14, "Password contains previous password pattern"},
	    {21, "Cannot include predefined prohibited characters"},
	    {23, "Password is contained by a previous password or vice "
		 "versa"},
	    {24, "Password is in dictionary file"},
	};
	size_t n = sizeof e / sizeof e[0];
	check_exact(SA_TAB_PWQUALITY, e, n);
	assert_int_equal(documented_count(SA_TAB_PWQUALITY), n);
}

static void
test_untrust_reasons(void **state)
{
	(void)state;
	static const struct {
		int64_t code;
		const char *name, *message;
	} e[] = {
	    {0, "WDWARN_ERROR", "An error occurred"},
	    {1, "WDWARN_STATCHANGED", "Stat was changed"},
	    {2, "WDWARN_AIXEXIT", "HP-UX/AIX extended information changed"},
	    {3, "WDWARN_AIXACL", "HP-UX/AIX ACL changed"},
	    {4, "WDWARN_CRC", "CRC check failed"},
	    {5, "WDWARN_STAT",
	     "Cannot obtain information about the trusted file"},
	    {6, "WDWARN_MD5", "MD5 signatures do not match"},
	};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		const struct sa_code *c =
		    sa_code_lookup(SA_TAB_UNTRUST, e[i].code);
		assert_non_null(c);
		assert_string_equal(c->name, e[i].name);
		assert_string_equal(c->message, e[i].message);
		assert_false(c->own);
	}
	assert_int_equal(documented_count(SA_TAB_UNTRUST), 7);
	const struct sa_code *c =
	    sa_code_lookup(SA_TAB_UNTRUST, SA_WDWARN_SHA256);
	assert_int_equal(SA_WDWARN_SHA256, 100);
	assert_non_null(c);
	assert_true(c->own);
	assert_string_equal(c->message, "SHA-256 digests do not match");
}

/* A stage is read in its event's family; numbers overlap between them. */
static void
test_stage_families(void **state)
{
	(void)state;
	assert_string_equal(sa_stage_message(SA_EV_LOGIN, 3),
			    "Terminal checking for login terminal source");
	assert_string_equal(sa_stage_message(SA_EV_PASSWORD_VERIFY, 3),
			    "Too few lowercase letters in password");
	assert_string_equal(sa_stage_message(SA_EV_UNTRUST, 3),
			    "HP-UX/AIX ACL changed");
	/* login family falls back to the resource family (seed example) */
	assert_string_equal(sa_stage_message(SA_EV_LOGIN, 59),
			    "Resource UACC check");
	assert_string_equal(sa_stage_message(SA_EV_PASSWORD_ATTEMPT, 59),
			    "Resource UACC check");
	assert_string_equal(sa_stage_message(SA_EV_ACCOUNT_ENABLED, 69),
			    "No Step that allowed access");
	assert_string_equal(sa_stage_message(SA_EV_ACCOUNT_DISABLED, 13),
			    "Too many logins for user");
	assert_string_equal(sa_stage_message(SA_EV_LOGOUT, 49),
			    "Logout detected after last process terminated");
	assert_string_equal(sa_stage_message(SA_EV_RESOURCE, 69),
			    "No Step that allowed access");
	assert_string_equal(sa_stage_message(SA_EV_TRACE, 52),
			    "Category check of resource");
	assert_string_equal(sa_stage_message(SA_EV_OUTBOUND, 408),
			    "Default access of TCP service");
	assert_string_equal(sa_stage_message(SA_EV_INBOUND, 421),
			    "HOSTNP entry for User '*' in TCP service CACL");
	assert_string_equal(sa_stage_message(SA_EV_ADMIN, 305),
			    "Command allowed for ADMIN user");
	assert_string_equal(sa_stage_message(SA_EV_UNTRUST, SA_WDWARN_SHA256),
			    "SHA-256 digests do not match");
	/* no cross-family leakage */
	assert_null(sa_stage_message(SA_EV_RESOURCE, 3));
	assert_null(sa_stage_message(SA_EV_PASSWORD_VERIFY, 59));
	assert_null(sa_stage_message(SA_EV_OUTBOUND, 69));
	assert_null(sa_stage_message(SA_EV_ADMIN, 408));
	assert_null(sa_stage_message(SA_EV_LOGIN, 408));
	assert_null(sa_stage_message(SA_EV_LOGIN, 1059));
	assert_null(sa_stage_message(SA_EV_LOGIN, -1));
	assert_null(sa_stage_message(SA_EV_NONE, 2));
	assert_null(sa_stage_message((enum sa_event)200, 2));
	assert_int_equal(sa_stage_table(SA_EV_SHUTDOWN), SA_TAB_STAGE_ADMIN);
	assert_int_equal(sa_stage_table(SA_EV_NONE), SA_TAB__COUNT);
}

static void
test_untrust_stat_explain(void **state)
{
	(void)state;
	char buf[512];
	assert_int_equal(sa_untrust_stat_explain(0x11, buf, sizeof buf), 0);
	assert_non_null(strstr(buf, "Untrust status code 17 (0x11):\n"));
	assert_non_null(strstr(buf, "mode"));
	assert_non_null(strstr(buf, "Permission bits or file type changed"));
	assert_non_null(strstr(buf, "Modification time changed"));
	assert_null(strstr(buf, "Owner"));
	assert_int_equal(buf[strlen(buf) - 1], '\n');

	assert_int_equal(sa_untrust_stat_explain(0, buf, sizeof buf), 0);
	assert_non_null(strstr(buf, "no stat field changed"));

	assert_int_equal(sa_untrust_stat_explain(SA_USTAT_ALL, buf, sizeof buf),
			 0);
	static const char *const all[] = {
	    "Owner (UID) changed",  "Group (GID) changed",
	    "Size changed",	    "Status change time changed",
	    "Inode number changed", "Device changed",
	    "Link count changed"};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		assert_non_null(strstr(buf, all[i]));

	assert_int_equal(
	    sa_untrust_stat_explain(0x1000 | SA_USTAT_SIZE, buf, sizeof buf),
	    SA_ERANGE);
	assert_non_null(strstr(buf, "Size changed"));
	assert_non_null(strstr(buf, "0x1000 unknown"));
	assert_int_equal(sa_untrust_stat_explain(-5, buf, sizeof buf),
			 SA_ERANGE);

	/* truncation is reported and the text stays terminated */
	char small[10];
	memset(small, 'Z', sizeof small);
	assert_int_equal(sa_untrust_stat_explain(0x1ff, small, sizeof small),
			 SA_ENOSPACE);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(sa_untrust_stat_explain(1, NULL, 0), SA_ENOSPACE);
}

static void
test_untrust_stat_names(void **state)
{
	(void)state;
	char buf[128];
	assert_int_equal(sa_untrust_stat_names(0x11, buf, sizeof buf), 0);
	assert_string_equal(buf, "mode, mtime");
	assert_int_equal(sa_untrust_stat_names(0, buf, sizeof buf), 0);
	assert_string_equal(buf, "none");
	assert_int_equal(sa_untrust_stat_names(0x300, buf, sizeof buf),
			 SA_ERANGE);
	assert_string_equal(buf, "nlink, unknown 0x200");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_sorted_unique),
	    cmocka_unit_test(test_own_codes_outside_documented),
	    cmocka_unit_test(test_status_words),
	    cmocka_unit_test(test_reasons),
	    cmocka_unit_test(test_login_stages),
	    cmocka_unit_test(test_resource_network_stages),
	    cmocka_unit_test(test_admin_stages),
	    cmocka_unit_test(test_password_quality),
	    cmocka_unit_test(test_untrust_reasons),
	    cmocka_unit_test(test_stage_families),
	    cmocka_unit_test(test_untrust_stat_explain),
	    cmocka_unit_test(test_untrust_stat_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
