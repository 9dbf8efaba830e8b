/*
 * version.c - the running library's version, for programs that want to
 * know which libseaudit they were linked with at run time (the headers'
 * SA_VERSION_STRING says which one they were compiled against).
 */
#include <seaudit/version.h>

const char *
sa_version(void)
{
	return SA_VERSION_STRING;
}
