/*
 * tables.c - `seaudit -t` (every code table) and `seaudit -Stat code`.
 *
 * The tables themselves live in the library (codes.h); this file only lays
 * them out.  Layout, one table after another, separated by an empty line:
 *
 *   Reason codes
 *        2  User audit mode requires logging
 *      100  WDWARN_SHA256  SHA-256 digests do not match  (seaudit)
 *
 * code right-aligned in six columns (the status table shows the letter),
 * two spaces, the symbolic name and two spaces when the code has one, the
 * message, and "  (seaudit)" for a code this product defines rather than
 * the original documents.  Scripts can grep a code as "^ *N  ".
 */
#include <stdio.h>
#include <string.h>

#include <seaudit/codes.h>

#include "view.h"

#define OWN_MARK "(seaudit)"

int
tables_print(void)
{
	printf("Codes marked %s are defined by this product; the others are"
	       " those of the\noriginal documents.\n",
	       OWN_MARK);
	for (int t = 0; t < SA_TAB__COUNT; t++) {
		size_t n = 0;
		const struct sa_code *c = sa_table((enum sa_code_table)t, &n);
		printf("\n%s\n", sa_table_title((enum sa_code_table)t));
		for (size_t i = 0; c != NULL && i < n; i++) {
			if (t == SA_TAB_STATUS)
				printf("     %c", (char)c[i].code);
			else
				printf("%6lld", (long long)c[i].code);
			printf("  ");
			if (c[i].name != NULL)
				printf("%s  ", c[i].name);
			printf("%s%s\n",
			       c[i].message != NULL ? c[i].message : "",
			       c[i].own ? "  " OWN_MARK : "");
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return 0;
}

int
stat_explain(int64_t code)
{
	char text[2048];
	int rc = sa_untrust_stat_explain(code, text, sizeof text);

	size_t len = strlen(text);
	fputs(text, stdout);
	if (len == 0 || text[len - 1] != '\n')
		putchar('\n');
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	/* A code with bits no table names is explained but reported. */
	return rc == 0 ? 0 : 1;
}
